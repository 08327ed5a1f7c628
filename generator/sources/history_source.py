"""A product source that remembers prices and shows only reductions it can vouch for (`[prices] history`).

`HistorySource` wraps the configured source. Every product it hands out
has been recorded in the site's price history (`price_history.py`) and
carries, as its regular price, the lowest price of the 30 days before its
current price, or none: the shop's own "regular price" is never shown.
Everything downstream (badges, cards, product pages, the deals feed,
widgets, JSON-LD) reads `product.price`, so every reduced price the site
shows follows the rule without knowing it. A query for reduced products
(`reduction_percent_min`) keeps only products that are still reduced by
that much.

A rewritten product gets a digest of its own (the record's and the prior
price), so the build state sees a changed "was" price as a changed product.
The moment of a build is `SOURCE_DATE_EPOCH` when set (reproducible builds,
tests), else the clock.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from generator.sources.base import ProductSource
from generator.sources.models import PricePoint, Price, Product, ProductPage
from generator.sources.price_history import PriceChange, PriceHistory, prior_price
from generator.sources.query import ProductQuery


def build_time() -> int:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    return int(epoch) if epoch.isdigit() else int(time.time())


class HistorySource:
    """`inner`, with every product recorded in `history` and priced by its history (see the module docstring)."""

    def __init__(self, inner: ProductSource, history: PriceHistory, now: int) -> None:
        self.inner, self.history, self.now = inner, history, now
        self._priced: dict[int, tuple[Product, Product]] = {}  # id(original) -> (original, priced)

    def _price(self, products: Iterable[Product]) -> list[Product]:
        products = list(products)
        new = {p.product_id: p for p in products if self._priced.get(id(p), (None,))[0] is not p}
        if new:
            history = self.history.record(new.values(), self.now)
            for product in products:
                if id(product) not in self._priced or self._priced[id(product)][0] is not product:
                    self._priced[id(product)] = (product, _with_prior(product, prior_price(
                        history.get(product.product_id, []))))
        return [self._priced[id(p)][1] for p in products]

    def _page(self, query: ProductQuery, page: ProductPage) -> ProductPage:
        products = self._price(page.products)
        if query.reduction_percent_min is not None:
            products = [p for p in products if p.price.on_sale and p.price.reduction_percent >= query.reduction_percent_min]
        return dataclasses.replace(page, products=tuple(products))

    async def products(self, query: ProductQuery) -> ProductPage:
        return self._page(query, await self.inner.products(query))

    async def fetch_many(self, queries: Iterable[ProductQuery]) -> dict[ProductQuery, ProductPage]:
        found = await self.inner.fetch_many(queries)
        self._price(p for page in found.values() for p in page.products)  # one write for the whole round
        return {query: self._page(query, page) for query, page in found.items()}

    async def product(self, product_id: int) -> Product | None:
        found = await self.inner.product(product_id)
        return self._price([found])[0] if found is not None else None

    async def related_products(self, product_id: int) -> list[Product]:
        return self._price(await self.inner.related_products(product_id))

    async def related_many(self, product_ids: Iterable[int],
                           known: Mapping[int, Product] | None = None) -> dict[int, list[Product]]:
        originals = {p.product_id: original for original, p in self._priced.values()}
        known_originals = {pid: originals.get(pid, p) for pid, p in (known or {}).items()}
        found = await self.inner.related_many(product_ids, known_originals)
        self._price(p for others in found.values() for p in others)
        return {pid: self._price(others) for pid, others in found.items()}

    def recorded(self, product_ids: Iterable[int]) -> dict[int, list[PriceChange]]:
        """Every price the site saw of each of `product_ids` (those it saw any of), oldest first: what product
        pages draw (`products/price_chart.py`)."""
        return self.history.load(sorted(set(product_ids)))

    async def price_history(self, product_id: int) -> list[PricePoint]:
        """The prices this site saw, as the API's deprecated endpoint shaped them."""
        return [PricePoint(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(c.seen_at)), c.price)
                for c in self.history.changes(product_id)]

    async def aclose(self) -> None:
        try:
            await self.inner.aclose()
        finally:
            self.history.close()

    def __getattr__(self, name: str) -> Any:
        """Everything else is the inner source's; `same_products` (an OfferSource's) is priced too."""
        found = getattr(self.inner, name)
        if name == "same_products":
            return self._same_products(found)
        return found

    def _same_products(self, same: Callable[..., Any]) -> Callable[..., Any]:
        async def priced(keys: Collection[str], grouping: str,
                         known: Mapping[int, Product] | None = None) -> dict[str, list[Product]]:
            originals = {p.product_id: original for original, p in self._priced.values()}
            found = await same(keys, grouping, {pid: originals.get(pid, p) for pid, p in (known or {}).items()})
            self._price(p for products in found.values() for p in products)
            return {key: self._price(products) for key, products in found.items()}
        return priced


def _with_prior(product: Product, prior: float | None) -> Product:
    """`product` with `prior` as its regular price (None: not reduced); the same object when that changes nothing."""
    price = product.price
    reduction = round(100 * (1 - price.price / prior), 1) if prior else 0.0
    priced = Price(price.price, prior or 0.0, reduction, price.currency)
    if priced == price:
        return product
    return dataclasses.replace(product, price=priced,
                               digest=f"{product.digest}:prior={prior}" if product.digest else "")
