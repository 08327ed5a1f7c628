"""Related products for the catalog: computed when products change, read in one query at build time.

A product's related products are the others whose names share its words,
ranked by BM25 over product names (the first `RELATED_WORDS` distinct words
of the product's name are the query; ties by product id ascending). They used
to be one FTS5 OR-query per product page at build time: 36 ms each, over half
of a 10,000-product build. Now they live in the `related` table:

- writers (`catalog_import`, feed sync) only mark changed ids in `related_dirty` (new, renamed or
  deleted products: lists depend on names alone);
- `refresh_related` recomputes what those changes can affect, with numpy over an
  in-memory inverted index of every name (about 0.1 ms per product): the
  changed products themselves, the products whose lists named a changed one,
  and the products a changed one now outranks (each stored row keeps its score,
  so "would it enter this list?" is one vector comparison). More than
  `FULL_REFRESH_SHARE` of the catalog changed recomputes every list.
- `related_many` answers a whole build's worth of ids in one query.

Scores use catalog-wide word statistics as of their computation, so a list
that no change touched keeps the scores it was ranked with: the table is
always a complete, deterministic answer, and builds read it as data.

This module reads and writes only the `related*` tables and reads `products`.
"""

from __future__ import annotations

import json
import math
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from generator.sources.catalog_query import words

if TYPE_CHECKING:
    import numpy as np
else:
    np = None  # imported on first use (`_numpy`): a build that reads the table never loads numpy


def _numpy() -> None:
    global np
    if np is None:
        import numpy

        np = numpy

RELATED_LIMIT = 10
RELATED_WORDS = 8
FULL_REFRESH_SHARE = 0.05
K1, B = 1.2, 0.75  # BM25's usual constants (SQLite FTS5 uses the same)


def fold(text: str) -> str:
    """Case- and diacritic-folded, as FTS5's unicode61 tokenizer with remove_diacritics sees words."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


class NameIndex:
    """An inverted index of every product name with BM25 weights per (product, word)."""

    def __init__(self, rows: Iterable[tuple[int, str]]) -> None:
        _numpy()
        ids: list[int] = []
        tokens: list[list[str]] = []
        for product_id, name in rows:
            ids.append(product_id)
            tokens.append(words(fold(name)))
        self.ids = np.array(ids, dtype=np.int64)
        self.position = {pid: i for i, pid in enumerate(ids)}
        self.queries = [list(dict.fromkeys(t))[:RELATED_WORDS] for t in tokens]
        count = len(ids)
        average = (sum(len(t) for t in tokens) / count) if count else 1.0
        raw: list[dict[str, float]] = []
        frequency: Counter[str] = Counter()
        for terms in tokens:
            norm = K1 * (1 - B + B * len(terms) / (average or 1.0))
            raw.append({term: tf * (K1 + 1) / (tf + norm) for term, tf in Counter(terms).items()})
            frequency.update(raw[-1].keys())
        idf = {term: math.log((count - df + 0.5) / (df + 0.5) + 1) for term, df in frequency.items()}
        self.weights = [{term: w * idf[term] for term, w in doc.items()} for doc in raw]
        self.postings = _postings((term, doc, weights[term]) for doc, weights in enumerate(self.weights)
                                  for term in weights)
        # which products' queries contain a word: where a product with that word can score as a candidate
        self.in_queries = _postings((term, doc, 0.0) for doc, query in enumerate(self.queries) for term in query)

    def _scores(self, terms: Sequence[str]) -> np.ndarray:
        """Every product's BM25 score for a query of `terms`."""
        found = [self.postings[t] for t in terms if t in self.postings]
        if not found:
            return np.zeros(len(self.ids))
        docs = np.concatenate([d for d, _ in found])
        weights = np.concatenate([w for _, w in found])
        return np.round(np.bincount(docs, weights=weights, minlength=len(self.ids)), 9)

    def related(self, product_id: int, limit: int = RELATED_LIMIT) -> list[tuple[int, float]]:
        """(related id, score) best first; the product itself never appears."""
        doc = self.position[product_id]
        scores = self._scores(self.queries[doc])
        scores[doc] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > limit:
            kth = np.partition(scores[candidates], len(candidates) - limit)[len(candidates) - limit]
            candidates = candidates[scores[candidates] >= kth]
        order = np.lexsort((self.ids[candidates], -scores[candidates]))[:limit]
        chosen = candidates[order]
        return [(int(self.ids[i]), float(scores[i])) for i in chosen]

    def outranked(self, product_id: int, floor_score: np.ndarray, floor_id: np.ndarray) -> set[int]:
        """Products whose stored list `product_id` would now enter: its score as their candidate beats
        their list's last entry (`floor_score`/`floor_id` per index position; -1 where a list is not full)."""
        doc = self.position[product_id]
        mine = self.weights[doc]
        found = [(self.in_queries[t][0], w) for t, w in mine.items() if t in self.in_queries]
        if not found:
            return set()
        docs = np.concatenate([d for d, _ in found])
        weights = np.concatenate([np.full(len(d), w) for d, w in found])
        scores = np.round(np.bincount(docs, weights=weights, minlength=len(self.ids)), 9)
        scores[doc] = 0.0
        enters = (scores > 0) & ((scores > floor_score) | ((scores == floor_score) & (product_id < floor_id)))
        return {int(pid) for pid in self.ids[enters]}

    def floors(self, stored: dict[int, tuple[float, int]]) -> tuple[np.ndarray, np.ndarray]:
        """`outranked`'s thresholds from (product id -> (last score, last id)) of the full stored lists."""
        score, last = np.full(len(self.ids), -1.0), np.full(len(self.ids), -1, dtype=np.int64)
        for pid, (value, other) in stored.items():
            if pid in self.position:
                score[self.position[pid]], last[self.position[pid]] = value, other
        return score, last


def _postings(entries: Iterable[tuple[str, int, float]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    lists: dict[str, tuple[list[int], list[float]]] = {}
    for term, doc, weight in entries:
        docs, weights = lists.setdefault(term, ([], []))
        docs.append(doc)
        weights.append(weight)
    return {term: (np.array(docs, dtype=np.int64), np.array(weights)) for term, (docs, weights) in lists.items()}


def mark_changed(conn: sqlite3.Connection, product_ids: Iterable[int]) -> None:
    """Record ids whose related lists (and the lists naming them) need recomputing; the caller's transaction."""
    conn.executemany("INSERT OR IGNORE INTO related_dirty VALUES (?)", ((pid,) for pid in product_ids))


def refresh_related(conn: sqlite3.Connection) -> int:
    """Bring the `related` table up to date with every product change marked since the last refresh.

    Runs in its own transaction when none is open. Returns how many lists were recomputed.
    """
    dirty = [row[0] for row in conn.execute("SELECT product_id FROM related_dirty")]
    if not dirty:
        return 0
    owns_transaction = not conn.in_transaction
    if owns_transaction:
        conn.execute("BEGIN IMMEDIATE")
    try:
        recomputed = _refresh(conn, dirty)
        conn.execute("DELETE FROM related_dirty")
    except BaseException:
        if owns_transaction:
            conn.execute("ROLLBACK")
        raise
    if owns_transaction:
        conn.execute("COMMIT")
    return recomputed


def _refresh(conn: sqlite3.Connection, dirty: list[int]) -> int:
    index = NameIndex(conn.execute("SELECT product_id, name FROM products ORDER BY product_id"))
    everything = len(dirty) > FULL_REFRESH_SHARE * max(1, len(index.ids))
    if everything:
        conn.execute("DELETE FROM related")
        targets = set(index.position)
    else:
        targets = set(dirty) | _naming(conn, dirty)
        floor_score, floor_id = index.floors(_floors(conn))
        for pid in dirty:
            if pid in index.position:
                targets |= index.outranked(pid, floor_score, floor_id)
        conn.execute("DELETE FROM related WHERE product_id IN (SELECT value FROM json_each(?))",
                     (json.dumps(sorted(targets)),))
    rows = []
    for pid in sorted(targets):
        if pid in index.position:
            rows.extend((pid, rank, other, score) for rank, (other, score) in enumerate(index.related(pid)))
    conn.executemany("INSERT INTO related VALUES (?, ?, ?, ?)", rows)
    return len(targets)


def _naming(conn: sqlite3.Connection, ids: list[int]) -> set[int]:
    """Products whose stored lists name any of `ids` (they change when those do)."""
    rows = conn.execute("SELECT DISTINCT product_id FROM related WHERE related_id IN "
                        "(SELECT value FROM json_each(?))", (json.dumps(ids),))
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
