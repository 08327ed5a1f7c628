"""Co-purchase counting and ranking with numpy: the arithmetic behind `recommend.compute_recommendations`.

Owns: streaming the sales file into product and pair counts (chunk by chunk),
scoring and ranking the pairs. `recommend.py` owns the options, the ranking
rules (its docstring) and the recommendations file; it imports this module
only when recommendations are computed, so reading a recommendations file
(every build of a site that has one) and `shelfpress --help` never load numpy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path

import numpy as np
import numpy.typing as npt

from generator.affiliate.salesfile.errors import SalesFileError
from generator.affiliate.salesfile.recommendation import Recommendation, RecommendOptions, RecommendReport

_PAIR_SHIFT = np.int64(32)
_CHUNK_ORDERS = 100_000

IntArray = npt.NDArray[np.int64]


class _Counts:
    """Product and pair counts, accumulated chunk by chunk."""

    def __init__(self, max_basket: int) -> None:
        self.max_basket = max_basket
        self.index: dict[str, int] = {}
        self.orders = 0
        self.product_counts: IntArray = np.zeros(0, dtype=np.int64)
        self.pair_codes: IntArray = np.zeros(0, dtype=np.int64)
        self.pair_counts: IntArray = np.zeros(0, dtype=np.int64)

    def add_chunk(self, flat: list[int], sizes: list[int]) -> None:
        items = np.asarray(flat, dtype=np.int64)
        lengths = np.asarray(sizes, dtype=np.int64)
        self.orders += len(sizes)
        counts = np.bincount(items, minlength=len(self.index))
        counts[: len(self.product_counts)] += self.product_counts
        self.product_counts = counts
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        codes = [self._pair_codes(items, starts[lengths == size], size)
                 for size in np.unique(lengths) if 2 <= size <= self.max_basket]
        if codes:
            self._merge(np.concatenate([self.pair_codes, *codes]),
                        np.concatenate([self.pair_counts, np.ones(sum(map(len, codes)), dtype=np.int64)]))

    @staticmethod
    def _pair_codes(items: IntArray, starts: IntArray, size: int) -> IntArray:
        baskets = np.sort(items[starts[:, None] + np.arange(size)], axis=1)
        return np.concatenate([(baskets[:, i] << _PAIR_SHIFT) | baskets[:, j]
                               for i, j in combinations(range(size), 2)])

    def _merge(self, codes: IntArray, counts: IntArray) -> None:
        order = np.argsort(codes, kind="stable")
        codes, counts = codes[order], counts[order]
        firsts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
        self.pair_codes, self.pair_counts = codes[firsts], np.add.reduceat(counts, firsts)


def _read_sales_file(path: Path, counts: _Counts) -> None:
    flat: list[int] = []
    sizes: list[int] = []
    index = counts.index
    with path.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            try:
                items = json.loads(text)["items"]
            except (ValueError, KeyError, TypeError):
                raise SalesFileError('not a sales-file line {"key": ..., "items": [...]}; '
                                     "rebuild it with `sales-file build`", file=path, line=line) from None
            distinct = {index.setdefault(str(item), len(index)) for item in items}
            flat.extend(distinct)
            sizes.append(len(distinct))
            if len(sizes) == _CHUNK_ORDERS:
                counts.add_chunk(flat, sizes)
                flat, sizes = [], []
    if sizes:
        counts.add_chunk(flat, sizes)


def _ranked(source: IntArray, partner: IntArray, keys: list[IntArray], limit: int) -> tuple[IntArray, IntArray]:
    """(source, partner) pairs, best first within each source, at most `limit` per source.

    `keys` are sort keys, most significant first (ascending), after the source.
    """
    order = np.lexsort(tuple(reversed([source, *keys])))
    source, partner = source[order], partner[order]
    group_start = np.flatnonzero(np.concatenate(([True], source[1:] != source[:-1])))
    rank = np.arange(len(source)) - np.repeat(group_start, np.diff(np.append(group_start, len(source))))
    keep = rank < limit
    return source[keep], partner[keep]


def count_and_rank(sales_file: Path, options: RecommendOptions) -> tuple[dict[str, Recommendation], RecommendReport]:
    """`recommend.compute_recommendations` (which checks the options): count, score, rank."""
    counts = _Counts(options.max_basket)
    _read_sales_file(sales_file, counts)
    ids = list(counts.index)
    id_rank = np.argsort(np.argsort(np.asarray(ids, dtype=object)))  # rank of each id in string order
    supported = counts.pair_counts >= options.min_support
    low = (counts.pair_codes[supported] >> _PAIR_SHIFT)
    high = counts.pair_codes[supported] & ((np.int64(1) << _PAIR_SHIFT) - 1)
    pair = np.concatenate([counts.pair_counts[supported]] * 2)
    source, partner = np.concatenate([low, high]), np.concatenate([high, low])
    n_source = counts.product_counts[source].astype(np.float64)
    n_partner = counts.product_counts[partner].astype(np.float64)
    score = pair / np.sqrt(n_source * n_partner) if options.measure == "cosine" \
        else pair * float(counts.orders) / (n_source * n_partner)
    source_rank, partner_rank = id_rank[source], id_rank[partner]
    also = _ranked(source_rank, partner_rank, [-score, -pair, partner_rank], options.also_bought)
    bundle = _ranked(source_rank, partner_rank, [-pair, -score, partner_rank], options.bundle_size - 1)
    by_rank = sorted(ids)
    result: dict[str, Recommendation] = {}
    for key, also_bought, bought_with in _by_source(by_rank, also, bundle):
        result[key] = Recommendation(key, also_bought, (key, *bought_with) if bought_with else ())
    report = RecommendReport(counts.orders, len(ids), int(supported.sum()), len(result))
    return result, report


def _by_source(ids: list[str], also: tuple[IntArray, IntArray],
               bundle: tuple[IntArray, IntArray]) -> Iterator[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Per source id (in id order): its alsoBought and bundle partner ids."""
    def grouped(pairs: tuple[IntArray, IntArray]) -> dict[int, tuple[str, ...]]:
        source, partner = pairs
        if not len(source):
            return {}
        bounds = np.flatnonzero(np.concatenate(([True], source[1:] != source[:-1], [True])))
        return {int(source[a]): tuple(ids[p] for p in partner[a:b].tolist())
                for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())}
    also_by, bundle_by = grouped(also), grouped(bundle)
    for rank in sorted(also_by):
        yield ids[rank], also_by[rank], bundle_by.get(rank, ())
