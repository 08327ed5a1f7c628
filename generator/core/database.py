"""Opening shelfpress's SQLite files: one `connect()`, the pragmas, numbered migrations.

Every database (the catalog, the response cache, the revenue ledger) is
described by a `Schema`: its name in messages and its migrations, a list of
SQL scripts where script n brings the file from version n-1 to n. The
version lives in `PRAGMA user_version`; a file made before migrations were
numbered is recognised by the schema's `adopt` hook. Each script runs in
one transaction with the version bump, so a file is never half-migrated.
Scripts are idempotent (`IF NOT EXISTS`, `INSERT OR IGNORE`), so two
processes opening a new file at once do no harm.

A file whose version is higher than the schema knows was made by a newer
shelfpress: opening it fails with one line naming the file, and nothing is
written to it.

Must not: know any table. The modules owning a database declare its schema.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.errors import ShelfpressError

PRAGMAS = ("journal_mode = WAL", "synchronous = NORMAL", "busy_timeout = 5000")


class DatabaseError(ShelfpressError):
    """A database file cannot be opened, is not what it should be, or comes from a newer shelfpress."""


@dataclass(frozen=True)
class Schema:
    """A database's name (for messages), migrations and extra pragmas."""

    name: str
    migrations: Sequence[str]
    pragmas: Sequence[str] = ()
    adopt: Callable[[sqlite3.Connection], int] | None = field(default=None, compare=False)
    """For a file with user_version 0: the version it already has (0 for a new file)."""
    hint: str = "delete the file and run the command that creates it again"

    @property
    def version(self) -> int:
        return len(self.migrations)


def connect(path: str | Path, schema: Schema, *, isolation_level: str | None = None,
            check_same_thread: bool = True, error: type[ShelfpressError] = DatabaseError) -> sqlite3.Connection:
    """Open (creating if needed) the database at `path`, migrated to `schema.version`.

    `isolation_level` and `check_same_thread` are passed to sqlite3.connect;
    failures raise `error` (one line, naming the file).
    """
    memory = str(path) == ":memory:"
    try:
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=isolation_level, check_same_thread=check_same_thread)
    except sqlite3.Error as exc:
        raise error(f"{path}: cannot open the {schema.name} ({exc}); {schema.hint}") from None
    except OSError as exc:
        raise error(f"{path}: cannot create the {schema.name} ({exc.strerror})") from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and schema.adopt is not None:
            version = schema.adopt(conn)
        if version > schema.version:
            raise error(f"{path}: this {schema.name} was made by a newer shelfpress (schema version {version}, "
                        f"this one knows up to {schema.version}); upgrade shelfpress or {schema.hint}")
        for pragma in (*PRAGMAS, *schema.pragmas):
            conn.execute(f"PRAGMA {pragma}")
        if version and not conn.execute("PRAGMA user_version").fetchone()[0]:
            conn.execute(f"PRAGMA user_version = {int(version)}")  # adopted: numbered from now on
        for number in range(version + 1, schema.version + 1):
            _migrate(conn, number, schema.migrations[number - 1])
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise error(f"{path}: cannot open the {schema.name} ({exc}); {schema.hint}") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _migrate(conn: sqlite3.Connection, number: int, script: str) -> None:
    """Run migration `number` in one transaction with its version bump, unless another process just did.

    The version is read again under the write lock, so a script that is not idempotent (ALTER TABLE)
    still runs once when two processes open an old file at the same time."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] < number:
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(number)}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise


def _statements(script: str) -> list[str]:
    """The statements of an SQL script, triggers whole (`executescript` would commit our transaction)."""
    statements, pending = [], ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending)
            pending = ""
    return statements
