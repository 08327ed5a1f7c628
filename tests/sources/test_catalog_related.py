"""Related products: the pruned, batched computation gives the lists the straightforward one gave.

`Reference` and `reference_refresh` below are the algorithm before pruning (every product scored for every
query with one `bincount` over the whole catalog), kept here verbatim as the specification: same ids, same
order, same scores (ties by id), for full and incremental refreshes, so existing sites' pages do not change.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.sources.catalog_import import delete_products, upsert_products
from generator.sources.catalog_query import words
from generator.sources.catalog_related import FULL_REFRESH_SHARE, refresh_related
from generator.sources.catalog_schema import connect, transaction
from generator.sources.models import Product
from generator.sources.name_index import B, K1, RELATED_LIMIT, RELATED_WORDS, NameIndex, fold

# A small vocabulary, so names share words and tie: diacritic and case variants of one word, a word in every
# name, numbers, and words repeated within a name (term frequency above 1).
VOCABULARY = ["lampa", "Lampa", "ström", "STROM", "pendel", "i", "ek", "glas", "vit", "svart", "40", "ø", "hay",
              "muuto", "bord", "stol", "soffa", "mässing"]


class Reference:
    """The related-products computation as it was before pruning: O(catalog) per product."""

    def __init__(self, rows: Iterable[tuple[int, str]]) -> None:
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
        self.in_queries = _postings((term, doc, 0.0) for doc, query in enumerate(self.queries) for term in query)

    def _scores(self, terms: Sequence[str]) -> np.ndarray:
        found = [self.postings[t] for t in terms if t in self.postings]
        if not found:
            return np.zeros(len(self.ids))
        docs = np.concatenate([d for d, _ in found])
        weights = np.concatenate([w for _, w in found])
        return np.round(np.bincount(docs, weights=weights, minlength=len(self.ids)), 9)

    def related(self, product_id: int, limit: int = RELATED_LIMIT) -> list[tuple[int, float]]:
        doc = self.position[product_id]
        scores = self._scores(self.queries[doc])
        scores[doc] = 0.0
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > limit:
            kth = np.partition(scores[candidates], len(candidates) - limit)[len(candidates) - limit]
            candidates = candidates[scores[candidates] >= kth]
        order = np.lexsort((self.ids[candidates], -scores[candidates]))[:limit]
        return [(int(self.ids[i]), float(scores[i])) for i in candidates[order]]

    def outranked(self, product_id: int, floor_score: np.ndarray, floor_id: np.ndarray) -> set[int]:
        doc = self.position[product_id]
        found = [(self.in_queries[t][0], w) for t, w in self.weights[doc].items() if t in self.in_queries]
        if not found:
            return set()
        docs = np.concatenate([d for d, _ in found])
        weights = np.concatenate([np.full(len(d), w) for d, w in found])
        scores = np.round(np.bincount(docs, weights=weights, minlength=len(self.ids)), 9)
        scores[doc] = 0.0
        enters = (scores > 0) & ((scores > floor_score) | ((scores == floor_score) & (product_id < floor_id)))
        return {int(pid) for pid in self.ids[enters]}

    def floors(self, stored: dict[int, tuple[float, int]]) -> tuple[np.ndarray, np.ndarray]:
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


def reference_refresh(conn: sqlite3.Connection) -> None:
    """`refresh_related` as it was, on the same tables."""
    dirty = [row[0] for row in conn.execute("SELECT product_id FROM related_dirty")]
    if not dirty:
        return
    with transaction(conn):
        index = Reference(conn.execute("SELECT product_id, name FROM products ORDER BY product_id"))
        if len(dirty) > FULL_REFRESH_SHARE * max(1, len(index.ids)):
            conn.execute("DELETE FROM related")
            targets = set(index.position)
        else:
            targets = set(dirty) | {row[0] for row in conn.execute(
                "SELECT DISTINCT product_id FROM related WHERE related_id IN (SELECT value FROM json_each(?))",
                (json.dumps(dirty),))}
            stored = {pid: (score, other) for pid, score, other in conn.execute(
                "SELECT product_id, score, related_id FROM related WHERE rank = ?", (RELATED_LIMIT - 1,))}
            floor_score, floor_id = index.floors(stored)
            for pid in dirty:
                if pid in index.position:
                    targets |= index.outranked(pid, floor_score, floor_id)
            conn.execute("DELETE FROM related WHERE product_id IN (SELECT value FROM json_each(?))",
                         (json.dumps(sorted(targets)),))
        rows = [(pid, rank, other, score) for pid in sorted(targets) if pid in index.position
                for rank, (other, score) in enumerate(index.related(pid))]
        conn.executemany("INSERT INTO related VALUES (?, ?, ?, ?)", rows)
        conn.execute("DELETE FROM related_dirty")


def random_name(rng: random.Random, vocabulary: Sequence[str] = VOCABULARY) -> str:
    """Mostly 2-6 shared words; sometimes over `RELATED_WORDS` distinct words, a rare word, or no word at all."""
    shape = rng.random()
    if shape < 0.05:
        return rng.choice(["-", "!!", "/"])
    count = rng.randint(9, 14) if shape < 0.15 else rng.randint(1, 6)
    chosen = [rng.choice(vocabulary) for _ in range(count)]
    if shape > 0.9:
        chosen.append("".join(rng.choices(string.ascii_lowercase, k=6)))
    return rng.choice([" ", ", ", "-"]).join(chosen)


def assert_same_rankings(rows: list[tuple[int, str]]) -> None:
    reference, index = Reference(sorted(rows)), NameIndex(rows)
    ids = sorted(pid for pid, _ in rows)
    expected = [(pid, rank, other, score) for pid in ids for rank, (other, score) in enumerate(reference.related(pid))]
    assert list(index.related_rows(ids)) == expected
    for pid in ids[:20]:
        assert index.related(pid) == reference.related(pid)
        assert index.related(pid, limit=3) == reference.related(pid, limit=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(VOCABULARY), max_size=10).map(" ".join), max_size=60),
       st.randoms(use_true_random=False))
def test_rankings_equal_the_reference_for_any_names(names: list[str], rng: random.Random) -> None:
    ids = rng.sample(range(1, 10_000), len(names))
    assert_same_rankings(list(zip(ids, names)))


def test_rankings_equal_the_reference_on_a_larger_catalog() -> None:
    """Thousands of products over a small vocabulary: long postings, so pruning stops early, and many
    products with the same query share one ranking."""
    rng = random.Random(34)
    rows = [(pid, random_name(rng)) for pid in rng.sample(range(1, 1_000_000), 3000)]
    assert_same_rankings(rows)


def test_products_with_the_same_query_get_lists_without_themselves() -> None:
    rows = [(pid, "Hay stol i ek") for pid in range(1, 15)] + [(20, "Hay stol"), (21, "bord")]
    index = NameIndex(rows)
    lists = {}
    for pid, _, other, _ in index.related_rows([pid for pid, _ in rows]):
        lists.setdefault(pid, []).append(other)
    assert lists[1] == list(range(2, 12))  # equal scores: by id, itself left out
    assert lists[5] == [1, 2, 3, 4, 6, 7, 8, 9, 10, 11]
    assert lists[20] == list(range(1, 11))
    assert 21 not in lists


def _write(conn: sqlite3.Connection, names: dict[int, str]) -> None:
    with transaction(conn):
        upsert_products(conn, [Product.from_api({"product_id": pid, "name": name, "price": {"price": 10}})
                               for pid, name in names.items()])


def _table(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT * FROM related ORDER BY product_id, rank").fetchall()


def test_incremental_refresh_equals_the_reference_after_random_edits(tmp_path: Path) -> None:
    """Renames, new and deleted products, a few at a time (the incremental path: changed lists, lists that
    named a changed product, lists a changed product now enters) and sometimes many (the full path): after
    every round the table equals the one the reference refresh makes from the same tables."""
    rng = random.Random(7)
    conn, twin = connect(tmp_path / "new.sqlite"), connect(tmp_path / "reference.sqlite")
    names = {pid: random_name(rng) for pid in rng.sample(range(1, 5000), 600)}
    incremental = 0
    for round_ in range(25):
        edits = rng.choice([1, 2, 5, 12, 25]) if round_ else len(names)
        renamed = {pid: random_name(rng) for pid in rng.sample(sorted(names), min(edits, len(names)))}
        added = {rng.randrange(5000, 9000): random_name(rng) for _ in range(rng.randint(0, 3))}
        gone = rng.sample(sorted(set(names) - set(renamed)), rng.randint(0, 2))
        for target in (conn, twin):
            _write(target, renamed | added)
            with transaction(target):
                delete_products(target, gone)
        names.update(renamed | added)
        for pid in gone:
            del names[pid]
        dirty = target.execute("SELECT COUNT(*) FROM related_dirty").fetchone()[0]
        incremental += dirty <= FULL_REFRESH_SHARE * len(names)
        refresh_related(conn)
        reference_refresh(twin)
        assert _table(conn) == _table(twin), f"round {round_}"
    assert incremental >= 10  # most rounds took the incremental path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(["lampa", "Lampa", "ek", "vit", "i"]), max_size=4).map(" ".join),
                max_size=80),
       st.integers(1, 5), st.randoms(use_true_random=False))
def test_twins_past_the_kept_ones_never_change_a_ranking(names: list[str], limit: int, rng: random.Random) -> None:
    """Names from four words: most products have twins (same words, counts and length), of which the index
    posts only the first `keep`; rankings of up to `keep` still equal the reference's."""
    rows = list(zip(rng.sample(range(1, 10_000), len(names)), names))
    reference, index = Reference(sorted(rows)), NameIndex(rows, keep=limit + 1)
    for pid, _ in rows:
        assert index.related(pid, limit=limit) == reference.related(pid, limit=limit)


def test_a_catalog_of_few_distinct_names_posts_few_documents() -> None:
    """The adversarial catalog (every name from a tiny vocabulary) ranks as one of its distinct names: the
    postings hold at most `keep` documents per distinct name, whatever the catalog's size."""
    rng = random.Random(5)
    vocabulary = ["stol", "bord", "ek", "vit", "svart", "i"]
    rows = [(pid, " ".join(rng.choices(vocabulary, k=rng.randint(1, 3)))) for pid in range(1, 4001)]
    index = NameIndex(rows)
    distinct = len({(len(words(fold(name))), *sorted(Counter(words(fold(name))).items())) for _, name in rows})
    assert len(set(index.post_doc.tolist())) <= distinct * (RELATED_LIMIT + 1) < len(rows) / 2
    assert_same_rankings(rows[:1500])
    reference = Reference(rows)
    for pid in rng.sample(range(1, 4001), 40):
        assert index.related(pid) == reference.related(pid)


def test_a_list_longer_than_the_twins_kept_is_refused() -> None:
    index = NameIndex([(1, "stol"), (2, "stol")], keep=3)
    assert [other for other, _ in index.related(1, limit=2)] == [2]
    with pytest.raises(ValueError):
        index.related(1, limit=3)


def test_rankings_equal_the_reference_on_realistic_names() -> None:
    """Product lines (a model name shared by a few variants) around common nouns, colours and sizes, as
    `bench/synthetic.py` names them: rare words whose lists fill from common ones."""
    rng = random.Random(12)
    models = ["".join(rng.choices(string.ascii_lowercase, k=5)) for _ in range(300)]
    rows = [(pid, f"{rng.choice(models)} {rng.choice(VOCABULARY)} {rng.choice(['vit', 'svart', 'grå'])}"
                  + rng.choice(["", " 40 cm", " XL"])) for pid in rng.sample(range(1, 1_000_000), 3000)]
    assert_same_rankings(rows)


def test_rankings_equal_the_reference_when_every_word_is_a_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Membership of the longest postings is read from per-document bits: with every word a bit (up to
    64), and with none, the lists are the reference's."""
    from generator.sources import name_index

    rng = random.Random(3)
    rows = [(pid, random_name(rng)) for pid in rng.sample(range(1, 100_000), 700)]
    for threshold in (0, 10**9):
        monkeypatch.setattr(name_index, "BITMAP_POSTINGS", threshold)
        assert (NameIndex(rows)._bit >= 0).any() == (threshold == 0)
        assert_same_rankings(rows)


def _ranked_in(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Rank every refresh below in chunks of 37 lists (a query's group spans chunks), in forked workers
    where they may fork; returns where each ranking ran ("fork" per forked run)."""
    from generator.sources import name_index

    runs: list[str] = []
    forked = name_index.in_forked_workers

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        runs.append("fork")
        return forked(*args, **kwargs)

    monkeypatch.setattr(name_index, "PARALLEL_MIN", 1)
    monkeypatch.setattr(name_index, "RANK_CHUNK", 37)
    monkeypatch.setattr(name_index, "cores", lambda: 2)
    monkeypatch.setattr(name_index, "in_forked_workers", spy)
    return runs


@pytest.mark.parametrize("portable", [False, True])
def test_rankings_made_in_workers_are_the_serial_ones(monkeypatch: pytest.MonkeyPatch, portable: bool) -> None:
    """Lists ranked in forked workers (or, in portable mode, here: no fork) are the reference's, row for row
    and in order, with groups of products sharing a query split across chunks."""
    if portable:
        monkeypatch.setenv("SHELFPRESS_PORTABLE", "1")
    runs = _ranked_in(monkeypatch)
    rng = random.Random(21)
    rows = [(pid, random_name(rng, VOCABULARY[:6])) for pid in rng.sample(range(1, 100_000), 500)]
    assert_same_rankings(rows)
    from generator.core.platform import can_fork

    assert runs == ([] if portable or not can_fork() else ["fork"])


def test_a_full_refresh_in_workers_fills_the_table_and_its_index(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _ranked_in(monkeypatch)
    rng = random.Random(4)
    conn, twin = connect(tmp_path / "new.sqlite"), connect(tmp_path / "reference.sqlite")
    names = {pid: random_name(rng) for pid in rng.sample(range(1, 5000), 400)}
    for target in (conn, twin):
        _write(target, names)
    stages: list[tuple[str, int, int]] = []
    refresh_related(conn, lambda stage, done, total: stages.append((stage, done, total)))
    reference_refresh(twin)
    assert _table(conn) == _table(twin)
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'related_target'").fetchone()
    assert [s for s in dict.fromkeys(stage for stage, _, _ in stages)] == [
        "Indexing product names", "Ranking related products", "Indexing related products"]
    assert all(done == total for _, done, total in [stages[-1]] + [
        last for last, nxt in zip(stages, stages[1:]) if last[0] != nxt[0]])


def _killed_in_a_worker(bounds: tuple[int, int]) -> list:  # type: ignore[type-arg]
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)
    return []


def test_a_worker_killed_while_ranking_leaves_the_table_as_it_was(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A ranking worker that dies (the OOM killer, a `kill`) fails the refresh: the transaction is rolled
    back, so the lists, their index and the marks of what changed are as before, for the next refresh."""
    from generator.core.platform import can_fork
    from generator.core.process_pool import WorkerLost
    from generator.sources import name_index

    if not can_fork():
        pytest.skip("this system (or portable mode) does not fork")
    _ranked_in(monkeypatch)
    rng = random.Random(6)
    conn = connect(tmp_path / "catalog.sqlite")
    _write(conn, {pid: random_name(rng) for pid in range(1, 300)})
    refresh_related(conn)
    before = _table(conn)
    _write(conn, {pid: random_name(rng) for pid in range(300, 700)})  # more than a share: a full refresh
    monkeypatch.setattr(name_index, "_rank_chunk", _killed_in_a_worker)
    with pytest.raises(WorkerLost, match="ranking worker"):
        refresh_related(conn)
    assert _table(conn) == before
    assert conn.execute("SELECT COUNT(*) FROM related_dirty").fetchone()[0] == 400
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'related_target'").fetchone()
