"""What a co-purchase recommendation run takes and gives: its options, one product's lists, the report.

Plain records shared by the ranking (`copurchase.py`, numpy) and the file format (`recommend.py`), so
neither imports the other for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


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
