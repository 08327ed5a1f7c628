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

Scale: orders are streamed and counted in chunks with numpy (`copurchase.py`,
imported only by `compute_recommendations`); memory is
bounded by the number of distinct products and distinct co-purchased pairs
(16 bytes per pair), not by the number of orders. Orders with more than
`max_basket` items (bulk or B2B orders: many pairs, little signal) are
counted for popularity but not for pairs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from generator.core.atomic import atomic_writer
from generator.affiliate.salesfile.errors import SalesFileError
from generator.affiliate.salesfile.recommendation import Recommendation, RecommendOptions, RecommendReport

MEASURES = ("cosine", "lift")


def compute_recommendations(sales_file: Path, options: RecommendOptions = RecommendOptions()
                            ) -> tuple[dict[str, Recommendation], RecommendReport]:
    """Recommendations for every product with at least one supported partner."""
    if options.measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}")
    from generator.affiliate.salesfile.copurchase import count_and_rank  # numpy: only when computing

    return count_and_rank(sales_file, options)


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
