"""generator/core/database.py: one connect() with pragmas and numbered migrations for every database."""

from __future__ import annotations

import sqlite3
import subprocess
import types
from pathlib import Path

import pytest

from generator.core.database import DatabaseError, Schema, connect
from generator.core.errors import ShelfpressError
from generator.affiliate.revenue.ledger import Ledger
from generator.sources import catalog_schema
from generator.sources.cache import ResponseCache
from generator.sources.catalog_schema import CatalogError

SCHEMA = Schema("test db", ["CREATE TABLE IF NOT EXISTS a (x);", "CREATE TABLE IF NOT EXISTS b (y);"])


def _version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def test_new_file_gets_every_migration_and_the_pragmas(tmp_path: Path) -> None:
    conn = connect(tmp_path / "sub" / "t.sqlite", SCHEMA)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert {r[0] for r in conn.execute("SELECT name FROM sqlite_master")} == {"a", "b"}
    conn.close()
    assert _version(tmp_path / "sub" / "t.sqlite") == 2


def test_older_file_runs_only_the_missing_migrations(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    connect(path, Schema("test db", SCHEMA.migrations[:1])).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO a VALUES (1)")
    conn = connect(path, SCHEMA)
    assert conn.execute("SELECT x FROM a").fetchall() == [(1,)]
    conn.close()
    assert _version(path) == 2


def test_a_failed_migration_leaves_the_file_at_its_version(tmp_path: Path) -> None:
    path = tmp_path / "t.sqlite"
    connect(path, Schema("test db", SCHEMA.migrations[:1])).close()
    with pytest.raises(DatabaseError):
        connect(path, Schema("test db", [SCHEMA.migrations[0], "CREATE TABLE c (z); SELECT * FROM nowhere;"]))
    assert _version(path) == 1
    with sqlite3.connect(path) as conn:
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'c'").fetchone()


@pytest.mark.parametrize("open_it", [
    lambda path: connect(path, SCHEMA),
    lambda path: catalog_schema.connect(path),
    lambda path: ResponseCache(path, ttl=1),
    lambda path: Ledger(path),
], ids=["generic", "catalog", "cache", "ledger"])
def test_a_file_from_a_newer_shelfpress_fails_in_one_line(tmp_path: Path, open_it) -> None:
    path = tmp_path / "future.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE future (x)")
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(ShelfpressError) as caught:
        open_it(path)
    message = caught.value.format_message()
    assert "\n" not in message and str(path) in message and "newer shelfpress" in message
    assert _version(path) == 99


def test_not_a_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(CatalogError) as caught:
        catalog_schema.connect(path)
    assert "\n" not in caught.value.format_message() and str(path) in caught.value.format_message()


def _main_catalog_connect():
    """The catalog's connect() as it was before numbered migrations (from git), or skip."""
    try:
        old = subprocess.run(["git", "show", "5b306d7:generator/sources/catalog_schema.py"], capture_output=True,
                             text=True, check=True, cwd=Path(__file__).parent).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("the pre-migration catalog schema is not in this checkout's history")
    module = types.ModuleType("old_catalog_schema")
    exec(compile(old.replace("from ..errors", "from generator.core.errors"), "old", "exec"), module.__dict__)
    return module.connect


def _layout(conn: sqlite3.Connection) -> set[tuple]:
    return set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def test_catalog_schema_is_what_it_was_and_old_files_are_adopted(tmp_path: Path) -> None:
    old_connect = _main_catalog_connect()
    before = old_connect(tmp_path / "old.sqlite")
    before.execute("INSERT INTO products (product_id, name, payload) VALUES (7, 'lampa', '{}')")
    before.close()
    fresh = catalog_schema.connect(tmp_path / "new.sqlite")
    adopted = catalog_schema.connect(tmp_path / "old.sqlite")
    assert _layout(fresh) == _layout(adopted)
    old_connect(tmp_path / "again.sqlite").close()
    assert _layout(fresh) == _layout(catalog_schema.connect(tmp_path / "again.sqlite"))
    assert adopted.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("5",)
    assert adopted.execute("SELECT * FROM related_dirty").fetchall() == []  # v2 already: nothing re-queued
    assert adopted.execute("SELECT checked FROM products").fetchall() == [(0,)]  # validated when loaded
    assert _version(tmp_path / "old.sqlite") == 5


def test_catalog_v1_is_migrated_and_queues_related(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    conn = catalog_schema.connect(path)
    conn.executescript("DROP TABLE related; DROP TABLE related_dirty; DROP TRIGGER products_payload_edited;"
                       "ALTER TABLE products DROP COLUMN checked; ALTER TABLE products DROP COLUMN digest;"
                       "ALTER TABLE products DROP COLUMN url; ALTER TABLE products DROP COLUMN gtin;"
                       "PRAGMA user_version = 0;"
                       "UPDATE meta SET value = '1' WHERE key = 'schema_version';"
                       "INSERT INTO products (product_id, name, payload) VALUES (7, 'lampa', '{}');")
    conn.close()
    conn = catalog_schema.connect(path)
    assert conn.execute("SELECT product_id FROM related_dirty").fetchall() == [(7,)]
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("5",)
