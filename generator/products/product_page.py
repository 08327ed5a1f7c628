"""The data of a product page, as a recipe (see `lazydata.py`).

A product page shows its product, breadcrumbs, links to its store and brand
pages, related products and, with a sales file, "Others also bought"; the
page of a grouped product (`offers.py`) also shows every shop's offer. The
recipe holds the products themselves; their views (`views.py`) are made
only when the page renders, and the build state digests the recipe: each
product by its record, so a changed price reaches exactly the pages that
show the product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.sources.models import Product
from generator.sources.price_history import PriceChange
from generator.products.offers import GroupView
from generator.products.price_chart import price_chart
from generator.products.product_data import ProductData
from generator.products.views import ProductView

if TYPE_CHECKING:
    from generator.engine.fingerprint import DataDigests

ViewsOf = Callable[[Sequence[Product], str], list[ProductView]]


@dataclass(frozen=True, kw_only=True)
class ProductPageData:
    """`page.data` of a product page, made by `make()`: `product`, `product_categories`, `store_url`,
    `brand_url`, `related`, when co-purchase data gave the product partners, `recommendations`, on the
    page of a grouped product, `group` (a GroupView of its offers, `product` being the cheapest) and, when
    the site saw at least two prices, `price_chart` (a PriceChart, `price_chart.py`), and `own`, the
    publisher's data file of the product (`product_data.py`), when it has one."""

    product: ProductView
    categories: tuple[Any, ...]  # the breadcrumbs: category nodes from the top down
    store_url: str
    brand_url: str
    related: tuple[Product, ...]
    # How products become views: the product stage's, so a product shown on many pages has one view.
    views: ViewsOf = field(repr=False, compare=False)
    recommendations: tuple[Product, ...] | None = None
    offers: tuple[Product, ...] = ()  # a grouped product's records, cheapest first (`product` is the first)
    # With `[prices] history`: the lowest price over time (`price_chart.lowest_over_time`), drawn as a chart.
    price_history: tuple[PriceChange, ...] = ()
    own: ProductData | None = None  # the publisher's data file of the product (`product_data.py`)

    def digest_parts(self, data: DataDigests) -> tuple[str, ...]:
        """What the build state digests for this page's data: every field but `views` (a test checks that
        each one counts). Written out, not walked field by field: 10,000 product pages per build."""
        parts = (data.value(self.product), data.value(self.categories), self.store_url, self.brand_url,
                 *[data.product(p) for p in self.related],
                 "recommendations", *([data.product(p) for p in self.recommendations]
                                      if self.recommendations is not None else ["none"]))
        if self.offers:
            parts = (*parts, "offers", *[data.product(p) for p in self.offers])
        if self.own is not None:
            parts = (*parts, "own", repr(self.own))
        if self.price_history:
            parts = (*parts, "price history", *[f"{c.seen_at}:{c.price!r}:{c.currency}" for c in self.price_history])
        return parts

    def _others(self) -> tuple[Product, ...]:
        """The products the page shows besides its own, in the order `make()` lists them."""
        return (*self.related, *(self.recommendations or ()))

    def products(self) -> Iterator[tuple[Product, str]]:
        channel = self.product.channel
        yield self.product.product, channel
        for product in self._others():
            yield product, channel

    def shown_views(self) -> list[ProductView]:
        """The views of every product `make()` puts in the data (the same objects, shared per product and
        channel), without making the data: the cards a page shows are rendered before it (`card_store`)."""
        return [self.product, *self.views(self._others(), self.product.channel)]

    def make(self) -> dict[str, Any]:
        channel = self.product.channel
        data = {"product": self.product, "product_categories": list(self.categories),
                "store_url": self.store_url, "brand_url": self.brand_url,
                "related": self.views(self.related, channel)}
        if self.recommendations is not None:
            data["recommendations"] = self.views(self.recommendations, channel)
        if self.offers:
            data["group"] = GroupView(self.product.url, tuple(self.views(self.offers, channel)))
        if self.own is not None:
            data["own"] = self.own
        if (chart := price_chart(self.price_history)) is not None:
            data["price_chart"] = chart
        return data
