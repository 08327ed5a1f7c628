"""Related products for the catalog: computed when products change, read in one query at build time.

Related products (ranked by `name_index.py`: BM25 over product names) used to
be one FTS5 OR-query per product page at build time: 36 ms each, over half
of a 10,000-product build. Now they live in the `related` table:

- writers (`catalog_import`, feed sync) only mark changed ids in `related_dirty` (new, renamed or
  deleted products: lists depend on names alone);
- `refresh_related` recomputes what those changes can affect, with numpy over an
  in-memory inverted index of every name (`name_index.NameIndex`): the changed products themselves, the
  products whose lists named a changed one, and the products a changed one now
  outranks (each stored row keeps its score, so "would it enter this list?" is
  a comparison with the list's last score). More than `FULL_REFRESH_SHARE` of
  the catalog changed recomputes every list.
- `related_many` answers a whole build's worth of ids in one query.

Scores use catalog-wide word statistics as of their computation, so a list
that no change touched keeps the scores it was ranked with: the table is
always a complete, deterministic answer, and builds read it as data.

This module reads and writes only the `related*` tables and reads `products`; how lists are ranked is
`name_index`'s.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Collection, Iterable, Sequence

from generator.sources.catalog_schema import RELATED_TARGET_INDEX
from generator.sources.name_index import RELATED_LIMIT, NameIndex

FULL_REFRESH_SHARE = 0.05
StageProgress = Callable[[str, int, int], None]
"""progress(stage, done, total): each stage in turn (a Reporter's `progress`)."""


def mark_changed(conn: sqlite3.Connection, product_ids: Iterable[int]) -> None:
    """Record ids whose related lists (and the lists naming them) need recomputing; the caller's transaction."""
    conn.executemany("INSERT OR IGNORE INTO related_dirty VALUES (?)", ((pid,) for pid in product_ids))


def refresh_related(conn: sqlite3.Connection, progress: StageProgress | None = None) -> int:
    """Bring the `related` table up to date with every product change marked since the last refresh.

    Runs in its own transaction when none is open. Returns how many lists were recomputed.
    `progress(stage, done, total)` tells how each stage goes (reading names, ranking, indexing).
    """
    dirty = [row[0] for row in conn.execute("SELECT product_id FROM related_dirty")]
    if not dirty:
        return 0
    owns_transaction = not conn.in_transaction
    if owns_transaction:
        conn.execute("BEGIN IMMEDIATE")
    try:
        recomputed = _refresh(conn, dirty, progress or (lambda stage, done, total: None))
        conn.execute("DELETE FROM related_dirty")
    except BaseException:
        if owns_transaction:
            conn.execute("ROLLBACK")
        raise
    if owns_transaction:
        conn.execute("COMMIT")
    return recomputed


def _refresh(conn: sqlite3.Connection, dirty: list[int], progress: StageProgress) -> int:
    index = NameIndex(conn.execute("SELECT product_id, name FROM products"),
                      progress=lambda done, total: progress("Indexing product names", done, total))
    everything = len(dirty) > FULL_REFRESH_SHARE * max(1, len(index))
    if everything:
        conn.execute("DELETE FROM related")
        # every row is new: the index on related ids is made once, after them (sorting beats 10 inserts a list)
        conn.execute("DROP INDEX IF EXISTS related_target")
        targets = index.ids.tolist()
    else:
        present = [pid for pid in dirty if index.doc(pid) is not None]
        targets = sorted(set(dirty) | naming(conn, dirty) | index.outranked(present, _floors(conn)))
        conn.execute("DELETE FROM related WHERE product_id IN (SELECT value FROM json_each(?))",
                     (json.dumps(targets),))
    conn.executemany("INSERT INTO related VALUES (?, ?, ?, ?)",
                     index.related_rows(targets, lambda done, total: progress("Ranking related products", done,
                                                                               total)))
    if everything:
        progress("Indexing related products", 0, 1)
        conn.execute(RELATED_TARGET_INDEX)
        progress("Indexing related products", 1, 1)
    _log_recomputed(conn, targets)
    return len(targets)


def _log_recomputed(conn: sqlite3.Connection, targets: list[int]) -> None:
    """Log the recomputed lists' products in the change log (`product_changes`) at the current generation: the
    writes that made them due bumped it past any build that read the old lists."""
    conn.execute("INSERT OR REPLACE INTO product_changes SELECT value, (SELECT CAST(value AS INTEGER) FROM meta "
                 "WHERE key = 'generation') FROM json_each(?)", (json.dumps(targets),))


def naming(conn: sqlite3.Connection, ids: Collection[int]) -> set[int]:
    """Products whose stored lists name any of `ids` (they change when those do)."""
    rows = conn.execute("SELECT DISTINCT product_id FROM related WHERE related_id IN "
                        "(SELECT value FROM json_each(?))", (json.dumps(list(ids)),))
    return {row[0] for row in rows}


def _floors(conn: sqlite3.Connection) -> dict[int, tuple[float, int]]:
    """Per full list, its last entry's (score, id): what a newcomer must beat to enter."""
    rows = conn.execute("SELECT product_id, score, related_id FROM related WHERE rank = ?", (RELATED_LIMIT - 1,))
    return {pid: (score, other) for pid, score, other in rows}


def related_many(conn: sqlite3.Connection, product_ids: Sequence[int]) -> dict[int, list[int]]:
    """Related ids of each product, best first, in one query (refreshing pending changes first)."""
    refresh_related(conn)
    out: dict[int, list[int]] = {pid: [] for pid in product_ids}
    rows = conn.execute("SELECT product_id, related_id FROM related WHERE product_id IN "
                        "(SELECT value FROM json_each(?)) ORDER BY product_id, rank",
                        (json.dumps(list(product_ids)),))
    for pid, other in rows:
        out[pid].append(other)
    return out
