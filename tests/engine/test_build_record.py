"""The persisted record of the last build (generator/engine/build_record.py): what a CI cache restores."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from generator.engine import build_record
from generator.engine.build_record import FORMAT, BuildRecord, PageRecords, write_json
from generator.engine.output import ShadowRecord
from generator.products.carry import ProductPagesRecord


def full_record(cache: Path, out: Path) -> BuildRecord:
    record = BuildRecord.load(cache, out)
    record.key, record.signature = "k", "s"
    record.files = {"index.html", "style.css"}
    products = ProductPagesRecord("scope", "whole", [(7, "/p/x/", "X", "dx", "do")], [7], "0f1e2d3c:3")
    record.pages = PageRecords({"index.html": "f1"}, products)
    record.shadow = ShadowRecord(live_inode=1, shadow_inode=2, lag=["index.html"])
    record.warnings = ["WARNING: x"]
    record.template_references = {"d1": frozenset({"base.html"}), "d2": None}
    record.template_reads = {"d1": (False, True), "d3": (True, False)}
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
    lambda data: {k: v for k, v in data.items() if k != "pages"},  # cut short
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


def test_the_page_records_are_read_only_when_used_and_kept_when_unread(tmp_path: Path) -> None:
    """A build that finds nothing changed reads the record's head, not its pages (216 MB at a million
    products): the pages' count answers its report, and saving keeps the same pages file."""
    out = tmp_path / "public"
    full_record(tmp_path / "cache", out).save()
    (pages_file,) = (tmp_path / "cache").glob("pages-*.json")
    loaded = BuildRecord.load(tmp_path / "cache", out)
    assert loaded.pages.path == pages_file and loaded.pages.count == 1
    loaded.warnings = ["WARNING: y"]
    loaded.save()
    assert list((tmp_path / "cache").glob("pages-*.json")) == [pages_file] and loaded.pages.path == pages_file
    assert BuildRecord.load(tmp_path / "cache", out).outputs == {"index.html": "f1"}


def test_new_page_records_replace_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "public"
    full_record(tmp_path / "cache", out).save()
    loaded = BuildRecord.load(tmp_path / "cache", out)
    loaded.pages = PageRecords({"index.html": "f2", "a/index.html": "f3"})
    loaded.save()
    assert len(list((tmp_path / "cache").glob("pages-*.json"))) == 1
    again = BuildRecord.load(tmp_path / "cache", out)
    assert again.pages.count == 2 and again.outputs == {"index.html": "f2", "a/index.html": "f3"}
    assert again.product_pages is None


@pytest.mark.parametrize("value", [
    {}, [], "x", None, 2.5, [{"a": 1}] * 5, {"k": list(range(3))}, {"k": list(range(4))},
    {"outputs": {f"p{n}/index.html": f"f{n}" for n in range(10)},
     "product_pages": {"scope": "s", "pages": [[n, f"/p/{n}/", "Lampa \u00e5\u2028\"", "d", ""] for n in range(9)],
                       "unsafe": [], "changes": ""}},
    {"k": {n: [n] * 4 for n in range(7)}, 3: {"nested": {"deeper": list(range(5))}}},
])
def test_page_records_are_written_a_piece_at_a_time_as_json_writes_them_whole(value, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The pages file is written CHUNK entries at a time (216 MB of text at a million products, at the end
    of a build): the bytes are the ones one json.dumps gives, however big dicts and lists nest."""
    monkeypatch.setattr(build_record, "CHUNK", 3)
    handle = io.StringIO()
    write_json(handle, value)
    assert handle.getvalue() == json.dumps(value, separators=(",", ":"))


@pytest.mark.parametrize("damage", ["remove", "garble"])
def test_lost_page_records_are_none_and_the_rest_holds(tmp_path: Path, damage: str) -> None:
    """Without its pages file (a cache restored in part, a disk error) a record still knows the live files
    and the signature; it has no fingerprints, so the next build that plans renders every page anew."""
    out = tmp_path / "public"
    full_record(tmp_path / "cache", out).save()
    (pages_file,) = (tmp_path / "cache").glob("pages-*.json")
    if damage == "remove":
        pages_file.unlink()
    else:
        pages_file.write_text('{"outputs": [1, 2')
    loaded = BuildRecord.load(tmp_path / "cache", out)
    assert (loaded.signature, loaded.files) == ("s", {"index.html", "style.css"})
    assert loaded.outputs == {} and loaded.product_pages is None and loaded.pages.count == 0
