"""The ranking engine of related products: an index of every product name that answers "which products
are most like this one?", exactly and fast enough to rank a whole catalog.

A product's related products are the others whose names share its words,
ranked by BM25 over product names (the first `RELATED_WORDS` distinct words
of the product's name are the query; ties by product id ascending).

Each list is an exact top-k with MaxScore pruning (`NameIndex._best`): a
product is scored only if it could still enter the list, given the words of
the query it holds, and products whose queries are the same words share one
ranking. Twin names past the 11th (same words, counts and length) are left
out of the postings: they could never enter a list of 10. What still grows
with the catalog is the pruning pass over the documents of a query's common
words (its noun, its colour) when its rarer words fill less than the list:
a look-up per document (the longest postings are bits per document), not a
scoring (bench/bench_import.py measures it). The lists,
their order and their scores are bit for bit those of scoring every product
for every query (tests/sources/test_catalog_related.py keeps that algorithm
as the reference). `NameIndex.related_rows` ranks many products at once, in
forked workers past `PARALLEL_MIN` of them.

This module only ranks: it takes (id, name) rows and gives rankings, and never
reads or writes the catalog (`catalog_related` does, and decides which lists
to rank). How long a list is (`RELATED_LIMIT`) is set here: `related_rows` gives
lists that long, and `catalog_related` stores them. numpy is imported when an
index is first built, not with the module.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from typing import TYPE_CHECKING

from generator.core.platform import can_fork, cores
from generator.core.process_pool import in_forked_workers
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
K1, B = 1.2, 0.75  # BM25's usual constants (SQLite FTS5 uses the same)
BITMAP_POSTINGS = 256  # words held by more documents are, up to `BITMAP_WORDS` of them, also bits per document
BITMAP_WORDS = 128  # (`_holds`): past the 64th word, the longest postings are a few thousand long, not a tenth
PRUNE_AT = 64  # fewer candidates of a word than this are scored without looking at the later words first
SEED_SCAN = 1024  # a ranking starts from documents among the heaviest this many of a word (`_holding_most`)
MARGIN = 1e-6  # pruning slack: far above float summation error and the 5e-10 of rounding to 9 places
PARALLEL_MIN = 20_000  # lists to rank: from here on, in forked workers on every core (`related_rows`)
RANK_CHUNK = 2_000  # lists per chunk a worker ranks
LOST = "related products were left as they were; the next import or build ranks them again"

INDEX_EVERY = 50_000  # names indexed between two progress reports
Progress = Callable[[int, int], None]
"""progress(done, total) of one stage of a refresh."""
_ranking_job: tuple[NameIndex, np.ndarray, np.ndarray] | None = None  # what `_rank_chunk` ranks; set before a fork


def fold(text: str) -> str:
    """Case- and diacritic-folded, as FTS5's unicode61 tokenizer with remove_diacritics sees words."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


class NameIndex:
    """An inverted index of every product name with BM25 weights per (product, word), as flat arrays.

    Products are numbered by ascending id ("documents"), so a tie broken by document is one broken by id.
    Each document's words are kept in first-occurrence order (its query is the first `RELATED_WORDS`),
    and each word's postings list the documents holding it, ascending, with their weights, leaving out
    twins past the first `keep` (rankings are then at most `keep` long).
    """

    def __init__(self, rows: Iterable[tuple[int, str]], keep: int = RELATED_LIMIT + 1,
                 progress: Progress | None = None) -> None:
        """`progress(done, total)` every `INDEX_EVERY` names."""
        _numpy()
        ids: list[int] = []
        vocabulary: dict[str, int] = {}
        entry_term: list[int] = []  # per (document, distinct word), documents in order, words as first seen
        entry_tf: list[int] = []
        starts, lengths = [0], []
        twins: Counter[tuple] = Counter()  # documents so far per (length, words with their counts)
        indexed: list[bool] = []  # whether the document is among the first `keep` of its twins
        named = sorted(rows)
        for product_id, name in named:
            if progress is not None and len(ids) % INDEX_EVERY == 0:
                progress(len(ids), len(named))
            ids.append(product_id)
            terms = words(fold(name))
            lengths.append(len(terms))
            counts = Counter(terms)
            for term, tf in counts.items():
                entry_term.append(vocabulary.setdefault(term, len(vocabulary)))
                entry_tf.append(tf)
            starts.append(len(entry_term))
            signature = (len(terms), *sorted(counts.items()))
            twins[signature] += 1
            indexed.append(twins[signature] <= keep)
        del named
        self.keep = keep
        self.ids = np.array(ids, dtype=np.int64)
        self.doc_start = np.array(starts, dtype=np.int64)
        self.doc_term = np.array(entry_term, dtype=np.int64)
        count, entries = len(ids), len(entry_term)
        average = (sum(lengths) / count) if count else 1.0
        # the same float operations, in the same order, as one product at a time in Python: same weights
        norm = K1 * (1 - B + B * np.array(lengths, dtype=np.float64) / (average or 1.0))
        tf = np.array(entry_tf, dtype=np.float64)
        owner = np.repeat(np.arange(count), np.diff(self.doc_start))
        raw = tf * (K1 + 1) / (tf + norm[owner])
        frequency = np.bincount(self.doc_term, minlength=len(vocabulary))
        idf = np.array([math.log((count - int(df) + 0.5) / (int(df) + 0.5) + 1) for df in frequency])
        self.doc_weight = raw * idf[self.doc_term] if entries else np.zeros(0)
        # Postings hold only the first `keep` documents of each set of twins (same words, same counts, same
        # length: the same weights, so the same score under any query, ties by document): a list of `keep`
        # or fewer never reaches the others, so a catalog of many alike names ranks as one of few.
        posted = np.flatnonzero(np.array(indexed, dtype=bool)[owner]) if entries else np.zeros(0, dtype=np.int64)
        order = posted[np.argsort(self.doc_term[posted], kind="stable")]  # by word, then by document
        self.post_doc = owner[order]
        self.post_weight = self.doc_weight[order]
        posted_frequency = np.bincount(self.doc_term[posted], minlength=len(vocabulary))
        self.post_start = np.concatenate(([0], np.cumsum(posted_frequency))).astype(np.int64)
        # the most any document gains from a word: the MaxScore bound on documents not yet scanned
        self.bound = (np.maximum.reduceat(self.post_weight, self.post_start[:-1]) if entries
                      else np.zeros(0))
        # the same postings heaviest first (`_heaviest`): a word's documents that can still reach a floor
        # are a prefix, found by bisection instead of a pass over a list as long as a 45th of the catalog
        word = np.repeat(np.arange(len(vocabulary)), np.diff(self.post_start))
        by_weight = np.lexsort((-self.post_weight, word))
        self.heavy_doc, self.heavy_weight = self.post_doc[by_weight], -self.post_weight[by_weight]
        # the `BITMAP_WORDS` longest postings as bits per document, in lanes of 64 (one number per document
        # each): "does it hold this word?" is a look-up, not a bisection of a list of a tenth of the catalog
        longest = np.argsort(-frequency, kind="stable")[:BITMAP_WORDS]
        longest = longest[frequency[longest] > BITMAP_POSTINGS]
        self._bit = np.full(len(vocabulary), -1, dtype=np.int64)
        self._bit[longest] = np.arange(len(longest))
        entry_bit = self._bit[self.doc_term]
        self._bits = np.zeros((max(1, -(-len(longest) // 64)), count), dtype=np.uint64)
        held = np.flatnonzero(np.diff(self.doc_start))
        for lane in range(len(self._bits) if len(held) else 0):
            in_lane = (entry_bit >= 64 * lane) & (entry_bit < 64 * (lane + 1))
            shift = np.where(in_lane, entry_bit - 64 * lane, 0).astype(np.uint64)
            values = np.where(in_lane, np.left_shift(np.uint64(1), shift), np.uint64(0)).astype(np.uint64)
            self._bits[lane, held] = np.bitwise_or.reduceat(values, self.doc_start[held])
        self._query_pos = np.full(len(vocabulary), -1, dtype=np.int32)  # scratch: word -> place in a query
        self._queries_by_word: tuple[np.ndarray, np.ndarray] | None = None  # `_in_queries`, built when asked
        self._seen = np.zeros(count, dtype=bool)  # scratch: documents already scored for a query
        if progress is not None:
            progress(count, count)

    def __len__(self) -> int:
        return len(self.ids)

    def doc(self, product_id: int) -> int | None:
        """The document number of `product_id`, None when it is not in the index."""
        at = int(np.searchsorted(self.ids, product_id))
        return at if at < len(self.ids) and self.ids[at] == product_id else None

    def _query(self, doc: int) -> np.ndarray:
        start = self.doc_start[doc]
        return self.doc_term[start:min(start + RELATED_WORDS, self.doc_start[doc + 1])]

    def _gather(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(owner index into `docs`, entry index) of every (document, word) entry of `docs`, in order."""
        starts = self.doc_start[docs]
        sizes = self.doc_start[docs + 1] - starts
        owner = np.repeat(np.arange(len(docs)), sizes)
        offsets = np.arange(len(owner)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return owner, np.repeat(starts, sizes) + offsets

    def _scores(self, docs: np.ndarray) -> np.ndarray:
        """BM25 scores of `docs` for the query whose words `_query_pos` marks, rounded to 9 places.

        Each document's weights are added in query order, starting from 0.0: bit for bit the sums a
        `bincount` over the query's whole postings made when every product scored every other."""
        owner, entry = self._gather(docs)
        place = self._query_pos[self.doc_term[entry]]
        hit = np.flatnonzero(place >= 0)
        in_order = hit[np.argsort(place[hit], kind="stable")]
        return np.round(np.bincount(owner[in_order], weights=self.doc_weight[entry[in_order]],
                                    minlength=len(docs)), 9)

    def _best(self, query: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """The `limit` best (documents, scores) for `query`, best first, ties by document; exact.

        MaxScore: the words in descending order of the most they can add to a score (`bound`); the
        documents holding word j but none before it can score at most `left[j]`, the bounds of word j
        and those after it. Once the list is full, its last score (less a margin for rounding) is the
        floor a newcomer must reach: scanning stops at the first word whose documents cannot, and a
        word's documents (only those heavy enough: a prefix of `_heaviest`) are scored only if their
        own weight and the bounds of the later words they hold can reach it, checked word by word while
        more than `PRUNE_AT` are left. Documents holding most of the rarest words are scored first
        (`_holding_most`), so the floor is high from the start."""
        if not len(query):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        terms = query[np.argsort(-self.bound[query], kind="stable")]
        bounds = self.bound[terms]
        left = np.append(np.cumsum(bounds[::-1])[::-1], 0.0)
        self._query_pos[query] = np.arange(len(query))
        ranking = (np.zeros(0, dtype=np.int64), np.zeros(0))
        scored: list[np.ndarray] = []
        try:
            ranking = self._merge(ranking, self._score_new(self._holding_most(terms, limit), scored), limit)
            for j, term in enumerate(terms):
                floor = ranking[1][-1] - MARGIN if len(ranking[0]) == limit else -math.inf
                if left[j] < floor:
                    break
                docs, weights = self._heaviest(term, floor - left[j + 1])
                reach = weights + left[j + 1]
                docs, reach = docs[reach >= floor], reach[reach >= floor]
                for later in range(j + 1, len(terms)):
                    if len(docs) <= PRUNE_AT:
                        break
                    reach = reach - bounds[later] * ~self._holds(docs, terms[later])
                    docs, reach = docs[reach >= floor], reach[reach >= floor]
                ranking = self._merge(ranking, self._score_new(docs, scored), limit)
        finally:
            self._query_pos[query] = -1
            for docs in scored:
                self._seen[docs] = False
        return ranking

    def _postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self.post_start[term], self.post_start[term + 1]
        return self.post_doc[start:end], self.post_weight[start:end]

    def _heaviest(self, term: int, least: float) -> tuple[np.ndarray, np.ndarray]:
        """The postings of `term` whose weight is at least about `least` (a little less: rounding),
        heaviest first."""
        start, end = self.post_start[term], self.post_start[term + 1]
        if least == -math.inf:
            return self.heavy_doc[start:end], -self.heavy_weight[start:end]
        cut = start + int(np.searchsorted(self.heavy_weight[start:end], -(least - MARGIN), side="right"))
        return self.heavy_doc[start:cut], -self.heavy_weight[start:cut]

    def _df(self, term: int) -> int:
        return int(self.post_start[term + 1] - self.post_start[term])

    def _holds(self, docs: np.ndarray, term: int) -> np.ndarray:
        """Which of `docs` hold `term` (a mask)."""
        if (bit := int(self._bit[term])) >= 0:
            return (self._bits[bit >> 6][docs] & np.uint64(1 << (bit & 63))) != 0
        postings = self._postings(term)[0]
        at = np.minimum(np.searchsorted(postings, docs), len(postings) - 1)
        return postings[at] == docs

    def _holding_most(self, terms: np.ndarray, limit: int) -> np.ndarray:
        """About `limit` documents holding most of the query's words, to start the list with a high floor:
        those holding the rarest word and each next rarest that leaves at least `limit`, the heaviest for
        the rarest (the shortest names) when more are left; when fewer, those the next rarest word leads to
        as well, and so on (a product line of fewer than `limit` still gets documents holding its noun
        and colour, say, instead of leaving the floor open until the noun's every document is scored).
        Only the `SEED_SCAN` heaviest documents of each word (the shortest names) are looked at: these
        are only the first candidates, and their cost must not grow with the catalog."""
        rarest = sorted(terms.tolist(), key=self._df)
        found = np.zeros(0, dtype=np.int64)
        for first in range(len(rarest)):
            start = self.post_start[rarest[first]]
            end = min(self.post_start[rarest[first] + 1], start + SEED_SCAN)
            docs, weights = self.heavy_doc[start:end], -self.heavy_weight[start:end]
            for term in rarest[first + 1:] if len(docs) > limit else ():
                holding = self._holds(docs, term)
                if np.count_nonzero(holding) >= limit:
                    docs, weights = docs[holding], weights[holding]
            if len(docs) > limit:
                docs = docs[np.lexsort((docs, -weights))[:limit]]
            found = np.union1d(found, docs) if len(found) else np.unique(docs)
            if len(found) >= limit:
                break
        return found

    def _score_new(self, docs: np.ndarray, scored: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(documents, scores) of those of `docs` not scored yet for this query, marked now."""
        new = docs[~self._seen[docs]]
        if not len(new):
            return new, np.zeros(0)
        self._seen[new] = True
        scored.append(new)
        return new, self._scores(new)

    @staticmethod
    def _merge(ranking: tuple[np.ndarray, np.ndarray], more: tuple[np.ndarray, np.ndarray],
               limit: int) -> tuple[np.ndarray, np.ndarray]:
        """The `limit` best of two sets of (documents, scores): positive scores only, ties by document."""
        if not len(more[0]):
            return ranking
        docs, scores = np.concatenate((ranking[0], more[0])), np.concatenate((ranking[1], more[1]))
        docs, scores = docs[scores > 0], scores[scores > 0]
        if len(docs) > limit:
            kth = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            docs, scores = docs[scores >= kth], scores[scores >= kth]
        top = np.lexsort((docs, -scores))[:limit]
        return docs[top], scores[top]

    def related(self, product_id: int, limit: int = RELATED_LIMIT) -> list[tuple[int, float]]:
        """(related id, score) best first; the product itself never appears."""
        doc = self.doc(product_id)
        if doc is None:
            raise KeyError(product_id)
        return _without(int(self.ids[doc]), self._ranking(doc, limit + 1), limit)

    def related_rows(self, product_ids: Iterable[int],
                     progress: Progress | None = None) -> Iterator[tuple[int, int, int, float]]:
        """`related` table rows (product, rank, related id, score) of each product in the index, in the
        order given. Products whose queries are the same words in the same order share one ranking, made
        for the first of them. Past `PARALLEL_MIN` products the rankings are made in forked workers, on
        every core, where forking is safe (`platform.can_fork`; elsewhere here): a ranking depends on the
        index alone, so the rows are the same, in the same order. `progress(done, total)` after each chunk
        of `RANK_CHUNK` products."""
        global _ranking_job
        wanted = np.array(list(product_ids), dtype=np.int64)
        at = np.minimum(np.searchsorted(self.ids, wanted), max(len(self.ids) - 1, 0))
        docs = at[self.ids[at] == wanted] if len(self.ids) else at[:0]
        group, sizes = self._query_groups(docs)
        leads = np.zeros(len(docs), dtype=bool)  # the first product of each group: its ranking is made
        leads[np.unique(group, return_index=True)[1]] = True
        chunks = [(start, min(start + RANK_CHUNK, len(docs))) for start in range(0, len(docs), RANK_CHUNK)]
        _ranking_job = (self, docs, leads)
        try:
            rankings = (in_forked_workers(_rank_chunk, chunks, cores(), role="ranking", lost=LOST)
                        if len(docs) >= PARALLEL_MIN and cores() > 1 and can_fork()
                        else (_rank_chunk(chunk) for chunk in chunks))
            with closing(rankings):  # on an error too: the workers stop now
                shared: dict[int, list[tuple[int, float]]] = {}
                for (start, end), made in zip(chunks, rankings):
                    made_here = iter(made)
                    for pid, key, first in zip(self.ids[docs[start:end]].tolist(), group[start:end].tolist(),
                                               leads[start:end].tolist()):
                        ranking = next(made_here) if first else shared[key]
                        sizes[key] -= 1
                        if sizes[key]:
                            shared[key] = ranking
                        else:
                            shared.pop(key, None)
                        for rank, (other, score) in enumerate(_without(pid, ranking, RELATED_LIMIT)):
                            yield pid, rank, other, score
                    if progress is not None:
                        progress(end, len(docs))
        finally:
            _ranking_job = None

    def _ranking(self, doc: int, limit: int) -> list[tuple[int, float]]:
        """The `limit` best (product id, score) for `doc`'s query, itself included."""
        if limit > self.keep:
            raise ValueError(f"lists of {limit} need an index that keeps {limit} twins, not {self.keep}")
        docs, scores = self._best(self._query(doc), limit)
        return list(zip(self.ids[docs].tolist(), scores.tolist()))

    def _query_groups(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A group number per document of `docs` (equal exactly when their queries are), and group sizes."""
        if not len(docs):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        table = np.full((len(docs), RELATED_WORDS), -1, dtype=np.int32)
        owner, entry = self._gather(docs)
        place = entry - self.doc_start[docs][owner]
        first = place < RELATED_WORDS
        table[owner[first], place[first]] = self.doc_term[entry[first]]
        _, group, sizes = np.unique(table, axis=0, return_inverse=True, return_counts=True)
        return group.reshape(-1), sizes

    def outranked(self, product_ids: Iterable[int], stored: dict[int, tuple[float, int]]) -> set[int]:
        """Products whose stored list one of `product_ids` would now enter: its score as their candidate
        beats their list's last entry (`stored`: product id -> (last score, last id) of the full lists).

        A product's score under another's query is the sum of its weights for the words that query
        holds, in the product's word order. Only queries whose list's last score is within reach are
        scored: per word (heaviest first), the lists of products whose queries hold it, sorted by that
        last score, cut where the word and the lighter ones after it could no longer make it."""
        floor_score, floor_id = np.full(len(self.ids), -1.0), np.full(len(self.ids), -1, dtype=np.int64)
        for pid, (value, other) in stored.items():
            if (doc := self.doc(pid)) is not None:
                floor_score[doc], floor_id[doc] = value, other
        by_floor: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        found: set[int] = set()
        for pid in product_ids:
            doc = self.doc(pid)
            if doc is None:
                continue
            start, end = self.doc_start[doc], self.doc_start[doc + 1]
            terms, weights = self.doc_term[start:end], self.doc_weight[start:end]
            order = np.argsort(-weights, kind="stable")
            left = np.cumsum(weights[order][::-1])[::-1] + MARGIN
            reach = []
            for place, bound in zip(order, left):
                queries, floors = self._by_floor(int(terms[place]), floor_score, by_floor)
                reach.append(queries[:np.searchsorted(floors, bound, side="right")])
            candidates = np.unique(np.concatenate(reach)) if reach else np.zeros(0, dtype=np.int64)
            candidates = candidates[candidates != doc]
            scores = self._score_as_candidate(terms, weights, candidates)
            enters = (scores > 0) & ((scores > floor_score[candidates])
                                     | ((scores == floor_score[candidates]) & (pid < floor_id[candidates])))
            found.update(self.ids[candidates[enters]].tolist())
        return found

    def _by_floor(self, term: int, floor_score: np.ndarray,
                  cache: dict[int, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """Documents whose queries hold `term`, and their lists' last scores, ascending by that score."""
        if term not in cache:
            in_query = self._in_queries()
            queries = in_query[1][in_query[0][term]:in_query[0][term + 1]]
            order = np.argsort(floor_score[queries], kind="stable")
            cache[term] = queries[order], floor_score[queries][order]
        return cache[term]

    def _in_queries(self) -> tuple[np.ndarray, np.ndarray]:
        """(start per word, documents) of the documents whose queries hold each word."""
        if self._queries_by_word is None:
            owner, entry = self._gather(np.arange(len(self.ids)))
            first = (entry - self.doc_start[owner]) < RELATED_WORDS
            terms, docs = self.doc_term[first], owner[first]
            order = np.argsort(terms, kind="stable")
            counts = np.bincount(terms, minlength=len(self.bound))
            self._queries_by_word = (np.concatenate(([0], np.cumsum(counts))), docs[order])
        return self._queries_by_word

    def _score_as_candidate(self, terms: np.ndarray, weights: np.ndarray, queries: np.ndarray) -> np.ndarray:
        """Scores, rounded to 9 places, of the product with `terms`/`weights` under each of `queries`."""
        owner, entry = self._gather(queries)
        place_in_query = entry - self.doc_start[queries][owner]
        owner, entry = owner[place_in_query < RELATED_WORDS], entry[place_in_query < RELATED_WORDS]
        self._query_pos[terms] = np.arange(len(terms))
        try:
            place = self._query_pos[self.doc_term[entry]]
        finally:
            self._query_pos[terms] = -1
        hit = np.flatnonzero(place >= 0)
        in_order = hit[np.argsort(place[hit], kind="stable")]
        return np.round(np.bincount(owner[in_order], weights=weights[place[in_order]], minlength=len(queries)), 9)


def _rank_chunk(bounds: tuple[int, int]) -> list[list[tuple[int, float]]]:
    """The rankings of the groups `related_rows` leads with among its products [start, end), in order (in
    a forked worker, or here)."""
    assert _ranking_job is not None
    index, docs, leads = _ranking_job
    start, end = bounds
    return [index._ranking(doc, RELATED_LIMIT + 1) for doc in docs[start:end][leads[start:end]].tolist()]


def _without(product_id: int, ranking: list[tuple[int, float]], limit: int) -> list[tuple[int, float]]:
    """A ranking's first `limit` entries other than `product_id`'s own."""
    return [entry for entry in ranking if entry[0] != product_id][:limit]
