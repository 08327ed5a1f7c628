"""An in-memory product backend over the fixture products, for the loopback server.

Owns: answering a ProductQuery over a list of Products the way the Shopello
API does, compactly (ids include/exclude, query words with mode and/or/pre,
price and reduction ranges, has_images, brand, disseminate, order/order_by,
offset/limit, total_found, extra facets), plus the category, store and
brand listings those products imply.

Not a catalog: no persistence, no full-text index, no "fill" mode; the real
local source is CatalogSource, which can replace this as the server backend.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from generator.sources.models import (Brand, Category, CategoryNode, FacetCount, Facets, PricePoint, Product,
                                      ProductPage, Store, build_category_tree)
from generator.sources.query import IdFilter, ProductQuery

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shopello"
DEFAULT_LIMIT = 10
# The fixtures carry no hierarchy; these real parents give the tree some depth.
PARENTS = {432: 14, 435: 14, 436: 14, 40: 3, 41: 3, 43: 3, 210: 3}


def _ids_match(ids: IdFilter, values: set[int]) -> bool:
    return (not ids.include or bool(values & set(ids.include))) and not values & set(ids.exclude)


def _text_match(query: ProductQuery, product: Product) -> bool:
    if not query.query:
        return True
    words = re.findall(r"\w+", f"{product.name} {product.description}".lower())
    wanted = query.query.lower().split()
    if query.mode == "pre":
        return all(any(w.startswith(q) for w in words) for q in wanted)
    hits = [q in words for q in wanted]
    return any(hits) if query.mode == "or" else all(hits)


def _facet_counts(counts: Counter[tuple[int, str]]) -> tuple[FacetCount, ...]:
    return tuple(FacetCount(i, name, count) for (i, name), count in counts.most_common())


def _in_range(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


class MemoryBackend:
    """ProductSource-like async methods over a fixed list of products."""

    def __init__(self, products: Iterable[Product], category_names: dict[int, str] | None = None) -> None:
        self._products = list(products)
        names = dict(category_names or {})
        names.update({c.category_id: c.name for p in self._products for c in p.categories})
        self._categories = [Category(i, n, PARENTS.get(i)) for i, n in sorted(names.items())]
        brand_names = sorted({p.brand for p in self._products if p.brand})
        self._brand_ids = {name: i for i, name in enumerate(brand_names, start=1)}

    @classmethod
    def from_fixtures(cls) -> MemoryBackend:
        products: dict[int, Product] = {}
        names: dict[int, str] = {}
        for path in sorted(FIXTURES.glob("products-response-*.json")):
            raw = json.loads(path.read_text(encoding="utf-8"))
            page = ProductPage.from_api(raw)
            products.update({p.product_id: p for p in page.products})
            names.update({f.id: f.name for f in page.facets.categories})
        return cls(products.values(), names)

    @property
    def all_products(self) -> list[Product]:
        return list(self._products)

    def _matches(self, q: ProductQuery) -> list[Product]:
        return [p for p in self._products
                if _ids_match(q.product_id, {p.product_id})
                and _ids_match(q.category_id, {c.category_id for c in p.categories})
                and _ids_match(q.store_id, {p.store.store_id})
                and (not q.has_images or bool(p.images))
                and (q.brand is None or p.brand.lower() == q.brand.lower())
                and _in_range(p.price.price, q.price_min, q.price_max)
                and _in_range(p.price.reduction_percent, q.reduction_percent_min, q.reduction_percent_max)
                and _text_match(q, p)]

    async def products(self, query: ProductQuery) -> ProductPage:
        found = self._matches(query)
        if query.order_by in ("price", "reduction_percent"):
            found.sort(key=lambda p: (getattr(p.price, query.order_by or "price"), p.product_id))
        if query.order == "DESC":
            found.reverse()
        if query.disseminate:
            head: dict[int, Product] = {}
            for p in found:
                if len(head) < 3:
                    head.setdefault(p.store.store_id, p)
            found = list(head.values()) + [p for p in found if p not in head.values()]
        limit = query.limit or DEFAULT_LIMIT
        window = found[query.offset:query.offset + limit]
        return ProductPage(tuple(window), len(found) if query.get_total_found else None, self._facets(found))

    def _facets(self, found: list[Product]) -> Facets:
        cats = Counter((c.category_id, c.name) for p in found for c in p.categories)
        stores = Counter((p.store.store_id, p.store.name) for p in found)
        brands = Counter((self._brand_ids[p.brand], p.brand) for p in found if p.brand)
        return Facets(_facet_counts(cats), _facet_counts(stores), _facet_counts(brands),
                      max((p.price.price for p in found), default=0.0),
                      any(p.price.on_sale for p in found))

    async def product(self, product_id: int) -> Product | None:
        return next((p for p in self._products if p.product_id == product_id), None)

    async def related_products(self, product_id: int) -> list[Product]:
        """Same category, as a stand-in for the API's name-based relation."""
        product = await self.product(product_id)
        if product is None:
            return []
        cats = {c.category_id for c in product.categories}
        return [p for p in self._products if p is not product and cats & {c.category_id for c in p.categories}]

    async def categories(self) -> list[Category]:
        return list(self._categories)

    async def category(self, category_id: int) -> Category | None:
        return next((c for c in self._categories if c.category_id == category_id), None)

    async def category_tree(self, category_id: int | None = None) -> list[CategoryNode]:
        return build_category_tree(self._categories, PARENTS, root=category_id)

    async def stores(self) -> list[Store]:
        unique = {p.store.store_id: Store(p.store.store_id, p.store.name, p.store.url) for p in self._products}
        return [unique[i] for i in sorted(unique)]

    async def store(self, store_id: int) -> Store | None:
        return next((s for s in await self.stores() if s.store_id == store_id), None)

    async def brands(self) -> list[Brand]:
        return [Brand(i, name) for name, i in self._brand_ids.items()]

    async def price_history(self, product_id: int) -> list[PricePoint]:
        product = await self.product(product_id)
        return [] if product is None else [PricePoint("2017-08-01", product.price.price)]
