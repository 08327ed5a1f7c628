"""Tests for generator/sources/catalog_import.py: a big JSON-lines file read in forked workers is imported
exactly as one process imports it (rows, warnings, errors naming file:line, the rollback), and the import
tells its progress."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from generator.core.platform import can_fork
from generator.sources import catalog_import
from generator.sources.catalog import CatalogSource
from generator.sources.catalog_import import ImportReport, import_file
from generator.sources.catalog_schema import CatalogError, connect

TABLES = ("products", "product_text", "product_categories", "categories", "stores", "brands", "related",
          "related_dirty")  # not `meta`: its generation counts writes, which batches of other sizes make more or fewer


def _line(rng: random.Random, pid: int) -> str:
    """A product line; now and then a hostile one (a product dropped, a field ignored) or a blank line."""
    product: dict[str, Any] = {
        "product_id": pid, "name": f"{rng.choice(['Lampa', 'Stol', 'Bord'])} {rng.choice(['ek', 'vit', 'Ø'])} {pid % 7}",
        "price": {"price": rng.randint(1, 900)}, "description": "Fin &amp; bra",
        "categories": [{"category_id": rng.randint(1, 4), "name": rng.choice(["Lampor", "Möbler"])}],
        "store": {"store_id": rng.randint(1, 3), "name": "Butik"}, "attributes": {"brand": rng.choice(["Hay", ""])}}
    shape = rng.random()
    if shape < 0.05:
        product["price"] = {"price": "1e400"}
    elif shape < 0.1:
        product["images"] = {"160": ["x"]}
    elif shape < 0.12:
        return ""
    return json.dumps(product, ensure_ascii=False)


def _file(path: Path, count: int, newline: str = "\n", seed: int = 3) -> Path:
    rng = random.Random(seed)
    ids = [rng.randint(1, count) for _ in range(count)]  # repeats: a later line replaces an earlier one
    path.write_bytes(newline.join(_line(rng, pid) for pid in ids).encode("utf-8") + newline.encode())
    return path


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {table: sorted(conn.execute(f"SELECT {'rowid, ' if table == 'product_text' else ''}* FROM {table}"),
                          key=repr) for table in TABLES}


def _import(path: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch, *, portable: bool) -> tuple[
        ImportReport, dict[str, list[tuple[Any, ...]]], list[str]]:
    """Import `path` into `catalog` in chunks of 7 lines, serially (portable) or in forked workers."""
    forked: list[str] = []
    workers = catalog_import.in_forked_workers

    def spy(*args: Any, **kwargs: Any) -> Any:
        forked.append("fork")
        return workers(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(catalog_import, "BATCH", 7)
        patch.setattr(catalog_import, "PARALLEL_LINES", 1)
        patch.setattr(catalog_import, "cores", lambda: 2)
        patch.setattr(catalog_import, "in_forked_workers", spy)
        if portable:
            patch.setenv("SHELFPRESS_PORTABLE", "1")
        conn = connect(catalog)
        try:
            report = import_file(conn, path)
            return report, _tables(conn), forked
        finally:
            conn.close()


@pytest.mark.skipif(not can_fork(), reason="this system (or portable mode) does not fork")
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_file_read_in_workers_imports_what_one_process_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             newline: str) -> None:
    data = _file(tmp_path / "products.jsonl", 300, newline)
    serial, serial_tables, serial_forks = _import(data, tmp_path / "serial.sqlite", monkeypatch, portable=True)
    forked, forked_tables, forks = _import(data, tmp_path / "forked.sqlite", monkeypatch, portable=False)
    assert serial_forks == [] and forks == ["fork"]
    assert forked == serial and forked.dropped and len(forked.warnings) > forked.dropped
    assert forked_tables == serial_tables


@pytest.mark.skipif(not can_fork(), reason="this system (or portable mode) does not fork")
@pytest.mark.parametrize("bad, message", [(b"{oops", ":151: invalid JSON"), (b'"text"', ":151: product: expected"),
                                          (b'{"name": "\xff"}', "not UTF-8 text")])
def test_a_bad_line_in_a_worker_fails_the_import_as_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   bad: bytes, message: str) -> None:
    """The error names the file and line as a serial import does, and nothing of the file is written."""
    data = _file(tmp_path / "products.jsonl", 300)
    lines = data.read_bytes().split(b"\n")
    data.write_bytes(b"\n".join(lines[:150] + [bad] + lines[151:]))
    errors = []
    for portable in (True, False):
        with pytest.raises(CatalogError) as info:
            _import(data, tmp_path / f"{portable}.sqlite", monkeypatch, portable=portable)
        errors.append(info.value.format_message())
        with CatalogSource(tmp_path / f"{portable}.sqlite") as source:
            assert source.counts()["products"] == 0
    assert errors[0] == errors[1] and message in errors[0] and str(data) in errors[0]


def test_a_file_with_lone_carriage_returns_is_read_in_one_process(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Text mode reads a lone CR as a line break, a split at LF would not: such a file is not chunked."""
    data = _file(tmp_path / "products.jsonl", 60, "\r")
    report, tables, forks = _import(data, tmp_path / "c.sqlite", monkeypatch, portable=False)
    assert forks == [] and report.products + report.dropped > 50 and len(tables["products"]) > 30


def test_an_import_tells_its_progress_stage_by_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _file(tmp_path / "products.jsonl", 300)
    monkeypatch.setattr(catalog_import, "BATCH", 50)
    stages: list[tuple[str, int, int]] = []
    with CatalogSource(tmp_path / "c.sqlite") as source:
        report = source.import_files([data], lambda stage, done, total: stages.append((stage, done, total)))
    named = list(dict.fromkeys(stage for stage, _, _ in stages))
    assert named == ["Importing products.jsonl", "Indexing product names", "Ranking related products",
                     "Indexing related products"]
    assert [done for stage, done, _ in stages if stage == named[0]][-1] == report.products
    assert all(total == 300 for stage, _, total in stages if stage == named[0])


def _killed(chunk: tuple[int, int, int]) -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.skipif(not can_fork(), reason="this system (or portable mode) does not fork")
def test_a_worker_killed_while_reading_leaves_the_catalog_as_it_was(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.core.process_pool import WorkerLost

    first, second = _file(tmp_path / "first.jsonl", 100), _file(tmp_path / "second.jsonl", 300, seed=4)
    _, before, _ = _import(first, tmp_path / "c.sqlite", monkeypatch, portable=True)
    monkeypatch.setattr(catalog_import, "_read_chunk", _killed)
    with pytest.raises(WorkerLost, match="import worker .* import it again"):
        _import(second, tmp_path / "c.sqlite", monkeypatch, portable=False)
    conn = connect(tmp_path / "c.sqlite")
    assert _tables(conn) == before
    conn.close()
