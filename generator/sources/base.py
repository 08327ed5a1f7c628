"""ProductSource: the one interface the rest of shelfpress sees.

The build, widgets and reports call these methods and never learn whether
the Shopello API (`shopello.py`) or the local SQLite catalog (`catalog.py`)
answered. Methods are async because the API client is; the catalog
implements them without awaiting anything.

`fetch_many` is the build's entry point: it receives every query of the
whole site, deduplicates them by value and answers each once; `related_many`
is its second and last round, for every product page at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from generator.sources.cache import OfflineMissError
from generator.sources.models import Brand, Category, CategoryNode, PricePoint, Product, ProductPage, Store
from generator.sources.query import ProductQuery


@dataclass
class FetchStats:
    """What a source did during one build, for the summary line."""

    requests: int = 0
    cache_hits: int = 0
    stale: list[str] = field(default_factory=list)
    local: bool = False  # a local catalog answers queries; it makes no requests and has no cache

    def summary(self) -> str:
        if self.local:
            return f"{self.requests} catalog queries"
        text = f"{self.requests} requests, {self.cache_hits} cache hits"
        if self.stale:
            text += f", {len(self.stale)} stale responses served after errors"
        return text


@runtime_checkable
class ProductSource(Protocol):
    stats: FetchStats

    async def products(self, query: ProductQuery) -> ProductPage: ...

    async def fetch_many(self, queries: Iterable[ProductQuery]) -> dict[ProductQuery, ProductPage]: ...

    async def product(self, product_id: int) -> Product | None: ...

    async def related_products(self, product_id: int) -> list[Product]: ...

    async def related_many(self, product_ids: Iterable[int],
                           known: Mapping[int, Product] | None = None) -> dict[int, list[Product]]:
        """Related products of many products at once: the build asks once for every product page.

        `known`: products this build already holds (from its queries, moments earlier), by id; a source
        that names related products by id may use them instead of loading those products again."""
        ...

    def data_version(self) -> str | None:
        """A value that changes whenever the source's data may have; None when it cannot tell."""
        ...

    async def categories(self) -> list[Category]: ...

    async def category(self, category_id: int) -> Category | None: ...

    async def category_tree(self, category_id: int | None = None) -> list[CategoryNode]: ...

    async def stores(self) -> list[Store]: ...

    async def store(self, store_id: int) -> Store | None: ...

    async def brands(self) -> list[Brand]: ...

    async def price_history(self, product_id: int) -> list[PricePoint]: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class OfferSource(Protocol):
    """A source that can find every record of a grouped product beyond what the site fetched (the catalog).
    The API cannot search by GTIN: there, a product's offers are those among the products the site fetches."""

    async def same_products(self, keys: Collection[str], grouping: str,
                            known: Mapping[int, Product] | None = None) -> dict[str, list[Product]]:
        """Every product with one of these group keys, by key; `known`: products the build holds, by id."""
        ...


@runtime_checkable
class ChangeSource(Protocol):
    """A source that keeps a log of its changes (the catalog): a build after one changed product then reads
    what the pages of that product and of those that show it need, not the whole site's related lists."""

    def change_token(self) -> str:
        """Where the source's change log stands now: read before the build reads any product, kept with the
        pages it makes, given to `changed_since` by the next build."""
        ...

    def changed_since(self, token: str) -> set[int] | None:
        """The products changed (their record, or their related list) since the log stood at `token`; None when
        it cannot tell."""
        ...

    def related_naming(self, product_ids: Collection[int]) -> set[int]:
        """The products whose related lists name any of `product_ids`."""
        ...

    async def fetch_lean(self, queries: Iterable[ProductQuery]) -> dict[ProductQuery, ProductPage]:
        """`fetch_many` for a build that carries most pages over: each product's record is read only when a
        field beyond its id, click URL, name, GTIN and digest is first asked for (or `fill_text` reads it)."""
        ...

    def fill_text(self, products: Iterable[Product]) -> None:
        """Read the records of those of `products` that `fetch_lean` loaded without them, in bulk."""
        ...


async def fetch_planned(source: ProductSource,
                        needed_by: Mapping[ProductQuery, str]) -> dict[ProductQuery, ProductPage]:
    """`source.fetch_many` over the queries of `needed_by` (query -> who needs it, in the user's words).

    When offline mode finds a query missing from the cache, the error names that owner (a
    content file, a widget) as well as the endpoint: the user learns what to change or fetch.
    """
    try:
        return await source.fetch_many(needed_by)
    except OfflineMissError as exc:
        owner = needed_by.get(exc.planned) if isinstance(exc.planned, ProductQuery) else None
        if owner is None:
            raise
        raise exc.needed_by(owner) from None
