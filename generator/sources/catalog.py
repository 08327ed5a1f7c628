"""CatalogSource: the embedded product source, a local SQLite + FTS5 catalog.

Implements the ProductSource protocol (`base.py`) over one SQLite file, so a
site builds with no API key and no network. It owns the connection and the
read API; the schema lives in `catalog_schema.py`, writes in
`catalog_import.py`, query semantics in `catalog_query.py`, static feed
syncing in `feeds.py`. Methods are async to match the protocol but never
await: SQLite answers in microseconds to milliseconds. The writer and the
related products (`catalog_related.py`, ranked by `name_index.py`) are imported
by the methods that use them: a rebuild whose product pages carry over loads neither.

It must not fetch anything over the network.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from generator.sources.base import FetchStats
from generator.sources.catalog_offers import same_products
from generator.sources.catalog_query import CatalogQuery, StoredText, load_products
from generator.sources.catalog_schema import change_log, connect, generation, transaction
from generator.sources.models import (Brand, Category, CategoryNode, PricePoint, Product, ProductPage, Store,
                     build_category_tree)
from generator.sources.query import ProductQuery
from generator.sources.records import IssueWarnings, WarningSink

if TYPE_CHECKING:
    from generator.sources.catalog_import import ImportReport
    from generator.sources.catalog_related import StageProgress


class CatalogSource:
    """A ProductSource answering from the catalog file at `path` (created if missing)."""

    def __init__(self, path: str | Path, *, on_warning: WarningSink | None = None) -> None:
        self.path = Path(path)
        self.conn = connect(self.path)
        self.stats = FetchStats(local=True)
        self._parsed: dict[str, Product | None] = {}  # payload digest -> Product (see load_products)
        self._issues = IssueWarnings(on_warning)
        self._log = change_log(self.conn)  # (id, first generation) of the file's change log, if it has one
        self._text = StoredText(self.path)  # reads the record text of products loaded lean

    # --- ProductSource -------------------------------------------------------------------

    async def products(self, query: ProductQuery) -> ProductPage:
        return self.search(query)

    async def fetch_many(self, queries: Iterable[ProductQuery]) -> dict[ProductQuery, ProductPage]:
        return {query: self.search(query) for query in dict.fromkeys(queries)}

    async def product(self, product_id: int) -> Product | None:
        found = load_products(self.conn, [product_id], self._parsed, self._issues)
        return found[0] if found else None

    async def related_products(self, product_id: int) -> list[Product]:
        return (await self.related_many([product_id]))[product_id]

    async def related_many(self, product_ids: Iterable[int],
                           known: Mapping[int, Product] | None = None) -> dict[int, list[Product]]:
        """Every product's related products from the precomputed table: one query, whatever the count.
        Products in `known` (this build's, loaded moments earlier) are not loaded again."""
        from generator.sources import catalog_related  # deferred: unused when every product page carries over

        ids = list(dict.fromkeys(product_ids))
        related = catalog_related.related_many(self.conn, ids)
        known = known or {}
        found = dict(known)
        named = dict.fromkeys(other for others in related.values() for other in others)
        wanted = [other for other in named if other not in known]
        found.update((p.product_id, p) for p in load_products(self.conn, wanted, self._parsed, self._issues))
        return {pid: [found[o] for o in others if o in found] for pid, others in related.items()}

    async def same_products(self, keys: Collection[str], grouping: str,
                            known: Mapping[int, Product] | None = None) -> dict[str, list[Product]]:
        """Every product of the whole catalog with one of these group keys (`offer_keys.py`), by key; those in
        `known` (this build's, by id) are not loaded again."""
        return same_products(self.conn, keys, grouping, self._parsed, self._issues, known)

    def data_version(self) -> str | None:
        """Changes whenever the catalog's products or taxonomy change (see `catalog_schema.generation`)."""
        return f"catalog:{self.path.resolve()}:{generation(self.conn)}"

    def change_token(self) -> str:
        """Where the catalog's change log stands: its id and the current generation ("" without a log)."""
        return f"{self._log[0]}:{generation(self.conn)}" if self._log else ""

    def changed_since(self, token: str) -> set[int] | None:
        """The products written (added, changed, deleted) or given a new related list since the log stood at
        `token`; None when it cannot tell (another log: the file was made anew; a generation from before the
        log began or ahead of the catalog, as after a backup was restored). Pending related lists are
        recomputed first, so the answer covers what a build then reads."""
        log, _, since = token.partition(":")
        if (self._log is None or log != self._log[0] or not since.isdigit()
                or not self._log[1] <= int(since) <= generation(self.conn)):
            return None
        from generator.sources.catalog_related import refresh_related  # deferred: see the module docstring

        refresh_related(self.conn)
        return {row[0] for row in self.conn.execute("SELECT product_id FROM product_changes WHERE generation > ?",
                                                    (int(since),))}

    async def fetch_lean(self, queries: Iterable[ProductQuery]) -> dict[ProductQuery, ProductPage]:
        """`fetch_many`, with each product's record text read only when a field other than its id, click URL,
        name, GTIN and digest is first read, or when `fill_text` is given it."""
        return {query: self.search(query, lean=True) for query in dict.fromkeys(queries)}

    def fill_text(self, products: Iterable[Product]) -> None:
        """Read the record text of those of `products` that `fetch_lean` loaded without it, in bulk."""
        self._text.fill(products)

    def related_naming(self, product_ids: Collection[int]) -> set[int]:
        """The products whose related lists name any of `product_ids`."""
        from generator.sources.catalog_related import naming  # deferred: see the module docstring

        return naming(self.conn, product_ids)

    async def categories(self) -> list[Category]:
        rows = self.conn.execute("SELECT category_id, name, parent_id FROM categories ORDER BY category_id")
        return [Category(*row) for row in rows]

    async def category(self, category_id: int) -> Category | None:
        row = self.conn.execute("SELECT category_id, name, parent_id FROM categories WHERE category_id = ?",
                                (category_id,)).fetchone()
        return Category(*row) if row else None

    async def category_tree(self, category_id: int | None = None) -> list[CategoryNode]:
        """Root categories with their sub-trees, or `[the node of category_id]` with its sub-tree.

        The same nesting, order and subtree shape as the API client's (`build_category_tree`).
        """
        return build_category_tree(await self.categories(), {}, root=category_id)

    async def stores(self) -> list[Store]:
        rows = self.conn.execute("SELECT store_id, name, url, logo FROM stores ORDER BY name COLLATE NOCASE, store_id")
        return [Store(*row) for row in rows]

    async def store(self, store_id: int) -> Store | None:
        row = self.conn.execute("SELECT store_id, name, url, logo FROM stores WHERE store_id = ?",
                                (store_id,)).fetchone()
        return Store(*row) if row else None

    async def brands(self) -> list[Brand]:
        rows = self.conn.execute("SELECT brand_id, name FROM brands ORDER BY key, brand_id")
        return [Brand(*row) for row in rows]

    async def price_history(self, product_id: int) -> list[PricePoint]:
        """The catalog keeps no price history (the API deprecated it in 2017)."""
        return []

    async def aclose(self) -> None:
        self.close()

    # --- synchronous API (CLI, feeds, tests) ----------------------------------------------

    def search(self, query: ProductQuery, *, lean: bool = False) -> ProductPage:
        """Answer one ProductQuery (what `products()` returns, without the event loop; `lean`: see `fetch_lean`)."""
        self.stats.requests += 1
        return CatalogQuery(self.conn, query, self._parsed, self._issues, self._text if lean else None).page()

    def import_files(self, paths: Iterable[str | Path], progress: StageProgress | None = None) -> ImportReport:
        """Import JSON / JSON-lines / taxonomy files; each file is one transaction. `progress(stage, done,
        total)` tells how each stage goes (a Reporter's `progress`)."""
        from generator.sources import catalog_import  # deferred: builds only read the catalog

        return catalog_import.import_files(self.conn, paths, progress)

    def import_products(self, products: Iterable[Product]) -> int:
        """Upsert already-parsed products in one transaction."""
        from generator.sources.catalog_import import upsert_products  # deferred: builds only read the catalog
        from generator.sources.catalog_related import refresh_related

        with transaction(self.conn):
            count = upsert_products(self.conn, products)
        refresh_related(self.conn)
        return count

    def counts(self) -> dict[str, int]:
        """Row counts per table, for `catalog stats`."""
        tables = ("products", "categories", "stores", "brands", "feed_state")
        return {t: int(self.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in tables}

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> CatalogSource:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
