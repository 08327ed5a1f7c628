"""Local co-purchase recommendations computed from the sales file.

Owns: counting products and product pairs over the orders, ranking, and
the recommendations file (JSON lines in the Shoptimiza service's response
shape, one product per line, sorted by key):

    {"key": "508", "alsoBought": ["563", ...], "boughtTogether": ["508", "563", "572"]}

Must not read catalogue data or render: mapping ids to catalogue products
(and falling back to related products) is the site's job.

Ranking (n = orders, n(a) = orders with a, n(a,b) = orders with both):

- A pair counts only with support n(a,b) >= `min_support` (default 3): a
  pair seen once or twice is noise, and the measures below would put it
  first.
- `alsoBought` ranks partners b of a by **cosine** n(a,b)/sqrt(n(a)·n(b))
  (default) or **lift** n·n(a,b)/(n(a)·n(b)). Both divide by the partner's
  own popularity, so a best-seller that is in every basket does not top
  every list, which raw counts would do. Cosine is the default because it
  does not depend on n (adding unrelated orders, e.g. a longer window, does
  not change it) and it penalises rare partners less extremely than lift.
- `boughtTogether` is a bundle: a itself, then the `bundle_size - 1`
  partners most often in the same basket as a (confidence n(a,b)/n(a),
  which for a fixed a is the raw pair count).
- Ties break by pair count, then by product id, so output is deterministic.

Scale: orders are streamed and counted in chunks with numpy; memory is
bounded by the number of distinct products and distinct co-purchased pairs
(16 bytes per pair), not by the number of orders. Orders with more than
`max_basket` items (bulk or B2B orders: many pairs, little signal) are
counted for popularity but not for pairs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
import numpy.typing as npt

from generator.atomic import atomic_writer
from generator.salesfile.errors import SalesFileError

MEASURES = ("cosine", "lift")
_PAIR_SHIFT = np.int64(32)
_CHUNK_ORDERS = 100_000

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RecommendOptions:
    measure: str = "cosine"
    min_support: int = 3
    also_bought: int = 10
    bundle_size: int = 3
    max_basket: int = 50


@dataclass(frozen=True)
class Recommendation:
    """Recommendations for one product, in the Shoptimiza response shape."""

    key: str
    also_bought: tuple[str, ...]
    bought_together: tuple[str, ...]

    def to_json(self) -> str:
        return json.dumps({"key": self.key, "alsoBought": list(self.also_bought),
                           "boughtTogether": list(self.bought_together)}, ensure_ascii=False,
                          separators=(",", ":"))


@dataclass(frozen=True)
class RecommendReport:
    orders: int
    products: int
    pairs: int
    products_with_recommendations: int


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


def compute_recommendations(sales_file: Path, options: RecommendOptions = RecommendOptions()
                            ) -> tuple[dict[str, Recommendation], RecommendReport]:
    """Recommendations for every product with at least one supported partner."""
    if options.measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}")
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


def write_recommendations(recommendations: Mapping[str, Recommendation], destination: Path) -> None:
    """Write the recommendations file (JSON lines, sorted by key), atomically."""
    with atomic_writer(destination) as handle:
        for key in sorted(recommendations):
            handle.write(recommendations[key].to_json() + "\n")


def load_recommendations(path: Path) -> dict[str, Recommendation]:
    """Read a recommendations file written by `write_recommendations`."""
    result: dict[str, Recommendation] = {}
    with path.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
                item = Recommendation(str(data["key"]), tuple(map(str, data["alsoBought"])),
                                      tuple(map(str, data["boughtTogether"])))
            except (ValueError, KeyError, TypeError):
                raise SalesFileError('not a recommendations line {"key", "alsoBought", "boughtTogether"}; '
                                     "rebuild it with `sales-file recommend`", file=path, line=line) from None
            result[item.key] = item
    return result
