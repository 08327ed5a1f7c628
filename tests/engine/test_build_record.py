"""The persisted record of the last build (generator/engine/build_record.py): what a CI cache restores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.engine.build_record import FORMAT, BuildRecord
from generator.engine.output import ShadowRecord
from generator.products.carry import ProductPagesRecord


def full_record(cache: Path, out: Path) -> BuildRecord:
    record = BuildRecord.load(cache, out)
    record.key, record.signature = "k", "s"
    record.outputs, record.files = {"index.html": "f1"}, {"index.html", "style.css"}
    record.shadow = ShadowRecord(live_inode=1, shadow_inode=2, lag=["index.html"])
    record.warnings = ["WARNING: x"]
    record.template_references = {"d1": frozenset({"base.html"}), "d2": None}
    record.product_pages = ProductPagesRecord("scope", "whole", [(7, "/p/x/", "X", "dx")], [7])
    record.products_shown = 12
    return record


def test_a_saved_record_loads_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "public"
    record = full_record(tmp_path / "cache", out)
    record.save()
    assert BuildRecord.load(tmp_path / "cache", out) == record


@pytest.mark.parametrize("damage", [
    lambda data: {**data, "format": FORMAT - 1},  # an older shelfpress's
    lambda data: {**data, "out_dir": "/elsewhere"},  # another output folder's (a copied cache)
    lambda data: {k: v for k, v in data.items() if k != "outputs"},  # cut short
])
def test_a_record_of_another_format_or_folder_loads_empty(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "public"
    record = full_record(tmp_path / "cache", out)
    record.save()
    assert record.path is not None
    record.path.write_text(json.dumps(damage(json.loads(record.path.read_text()))))
    assert BuildRecord.load(tmp_path / "cache", out) == BuildRecord(out, record.path)


def test_an_unreadable_record_loads_empty(tmp_path: Path) -> None:
    record = full_record(tmp_path, tmp_path / "public")
    assert record.path is not None
    record.path.write_bytes(b"\xff{not json")
    assert BuildRecord.load(tmp_path, tmp_path / "public").outputs == {}


def test_a_record_that_cannot_be_saved_after_a_failure_is_removed(tmp_path: Path) -> None:
    """A full disk after a failed build: the old file no longer describes the shadow, so it goes."""
    record = full_record(tmp_path / "cache", tmp_path / "public")
    record.save()
    assert record.path is not None
    record.save = lambda: (_ for _ in ()).throw(OSError(28, "No space left on device"))  # type: ignore[method-assign]
    record.save_or_drop()
    assert not record.path.exists()


def test_a_memory_record_saves_nothing(tmp_path: Path) -> None:
    record = BuildRecord(tmp_path / "public")
    record.save()
    record.save_or_drop()
    assert list(tmp_path.iterdir()) == []
