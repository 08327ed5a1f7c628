"""Parity between the two ProductSources (issue 4).

The same catalog answers twice: directly (CatalogSource) and through the
Shopello v1 HTTP client talking to the loopback ShopelloServer, whose
backend is that catalog. Every query case of `tests/support/catalog_cases`
must give the same products in the same order, the same total_found and
the same facets; so must the category tree, stores, brands, related
products and single products. The client uses a small API page size (7), so
any `limit` above it is fetched in pages by offset and stitched together.

Finally a whole site built with `kind = "shopello"` against the loopback
server must equal the same site built with `kind = "catalog"`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from generator.sources.catalog import CatalogSource
from generator.sources.models import ProductPage
from generator.sources.query import ProductQuery
from generator.sources.shopello import ShopelloSettings, ShopelloSource
from tests.support.sites import run, tree, write_site
from tests.support.catalog_cases import ALL_PRODUCTS, CASES, QueryCase, build_test_catalog
from tests.support.shopello_server import ShopelloServer

pytestmark = pytest.mark.server

API_KEY = "parity-key-7d21e0b4c9"
PAGE_SIZE = 7
T = TypeVar("T")


class ThreadCatalog:
    """The catalog file as a server backend.

    The server runs backend calls on its own event-loop thread, and a
    sqlite3 connection belongs to the thread that opened it, so the
    CatalogSource is opened lazily, on that thread, at the first call.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._source: CatalogSource | None = None

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        async def call(*args: Any) -> Any:
            if self._source is None:
                self._source = CatalogSource(self.path)
            return await getattr(self._source, name)(*args)
        return call


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("parity") / "catalog.sqlite"
    build_test_catalog(path).close()
    return path


@pytest.fixture(scope="module")
def catalog(catalog_path: Path) -> Iterator[CatalogSource]:
    source = CatalogSource(catalog_path)
    yield source
    source.close()


@pytest.fixture(scope="module")
def server(catalog_path: Path) -> Iterator[ShopelloServer]:
    with ShopelloServer(ThreadCatalog(catalog_path), api_key=API_KEY) as server:
        yield server


def via_api(server: ShopelloServer, ask: Callable[[ShopelloSource], Awaitable[T]]) -> T:
    """Run `ask` against a fresh ShopelloSource (no cache, no retries) in its own event loop."""
    settings = ShopelloSettings(api_key=API_KEY, base_url=server.url, page_size=PAGE_SIZE, retries=0)

    async def go() -> T:
        async with ShopelloSource(settings) as source:
            return await ask(source)

    return asyncio.run(go())


def direct(catalog: CatalogSource, ask: Callable[[CatalogSource], Awaitable[T]]) -> T:
    return asyncio.run(ask(catalog))


def assert_same_page(expected: ProductPage, got: ProductPage) -> None:
    assert [p.product_id for p in got.products] == [p.product_id for p in expected.products]
    assert got.total_found == expected.total_found
    assert got.facets == expected.facets
    assert got.products == expected.products  # every field survives the JSON round trip


def paged(query: ProductQuery) -> ProductQuery:
    """The same query with a limit large enough that the client must page (7 per request)."""
    return query.replace(limit=max(query.limit or 0, ALL_PRODUCTS + 3))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_query_case(catalog: CatalogSource, server: ShopelloServer, case: QueryCase) -> None:
    expected = direct(catalog, lambda s: s.products(case.query))
    got = via_api(server, lambda s: s.products(case.query))
    assert_same_page(expected, got)
    case.expect.verify(got)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_query_case_paged(catalog: CatalogSource, server: ShopelloServer, case: QueryCase) -> None:
    query = paged(case.query)
    expected = direct(catalog, lambda s: s.products(query))
    before = len(server.requests_to("products"))
    got = via_api(server, lambda s: s.products(query))
    assert_same_page(expected, got)
    if len(expected.products) > PAGE_SIZE:
        assert len(server.requests_to("products")) - before >= 2  # really fetched in pages


def test_fetch_many_matches(catalog: CatalogSource, server: ShopelloServer) -> None:
    queries = [c.query for c in CASES] + [paged(c.query) for c in CASES]
    expected = direct(catalog, lambda s: s.fetch_many(queries))
    got = via_api(server, lambda s: s.fetch_many(queries))
    assert list(got) == list(expected)
    for query in expected:
        assert_same_page(expected[query], got[query])


@pytest.mark.parametrize("root", [None, 14, 3, 37, 999999])
def test_category_tree(catalog: CatalogSource, server: ShopelloServer, root: int | None) -> None:
    expected = direct(catalog, lambda s: s.category_tree(root))
    got = via_api(server, lambda s: s.category_tree(root))
    assert got == expected
    if root is None:
        assert expected


def test_categories(catalog: CatalogSource, server: ShopelloServer) -> None:
    expected = direct(catalog, lambda s: s.categories())
    assert via_api(server, lambda s: s.categories()) == expected
    some = expected[len(expected) // 2].category_id
    assert via_api(server, lambda s: s.category(some)) == direct(catalog, lambda s: s.category(some))
    assert via_api(server, lambda s: s.category(999999)) is None


def test_stores(catalog: CatalogSource, server: ShopelloServer) -> None:
    expected = direct(catalog, lambda s: s.stores())
    assert expected
    assert via_api(server, lambda s: s.stores()) == expected
    one = expected[0].store_id
    assert via_api(server, lambda s: s.store(one)) == direct(catalog, lambda s: s.store(one))
    assert via_api(server, lambda s: s.store(999999)) is None


def test_brands(catalog: CatalogSource, server: ShopelloServer) -> None:
    expected = direct(catalog, lambda s: s.brands())
    assert expected
    assert via_api(server, lambda s: s.brands()) == expected


def _all_ids(catalog: CatalogSource) -> list[int]:
    page = direct(catalog, lambda s: s.products(ProductQuery()))
    return [p.product_id for p in page.products]


def test_product_by_id(catalog: CatalogSource, server: ShopelloServer) -> None:
    ids = _all_ids(catalog)
    assert len(ids) == ALL_PRODUCTS

    async def every(source: Any) -> list[Any]:
        return list(await asyncio.gather(*(source.product(i) for i in ids)))

    expected = direct(catalog, every)
    assert all(p is not None for p in expected)
    assert via_api(server, every) == expected
    assert via_api(server, lambda s: s.product(424242)) is None


def test_related_products(catalog: CatalogSource, server: ShopelloServer) -> None:
    ids = _all_ids(catalog) + [424242]

    async def every(source: Any) -> list[list[int]]:
        found = await asyncio.gather(*(source.related_products(i) for i in ids))
        return [[p.product_id for p in products] for products in found]

    expected = direct(catalog, every)
    assert any(expected)
    assert via_api(server, every) == expected


# --- whole-site parity ----------------------------------------------------------------------

SITE_CONFIG = """\
title = "Parity"
base_url = "https://user.github.io/repo/"
language = "en"

[source]
kind = "{kind}"
catalog = "{catalog}"
{extra}

[categories]
enabled = true
depth = 3
per_page = 5
max_pages = 3

[stores]
enabled = true
per_page = 4

[brands]
enabled = true
"""

SITE_PAGES = {
    "content/index.md": """\
        ---
        title: Home
        ---
        Lamps we like:

        {{< products query="lampa" order_by="price" limit=9 >}}
        """,
    "content/lamps.md": """\
        ---
        title: Lamps
        listing:
          query: lampa
          per_page: 3
          max_pages: 4
        ---
        All lamps.
        """,
    "content/deals.md": """\
        ---
        title: Deals
        listing:
          reduction_percent_min: 1
          order_by: reduction_percent
          extra: categories,stores,brands,max_price,has_reduction
          per_page: 2
        ---
        On sale.
        """,
}


def test_site_builds_the_same_from_either_source(tmp_path: Path, catalog_path: Path, server: ShopelloServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("PARITY_SHOPELLO_KEY", API_KEY)
    sites = {}
    for kind, extra in [("catalog", ""),
                        ("shopello", f'api_base = "{server.url}"\napi_key_env = "PARITY_SHOPELLO_KEY"')]:
        root = write_site(tmp_path / kind, SITE_PAGES,
                          SITE_CONFIG.format(kind=kind, catalog=catalog_path.as_posix(), extra=extra))
        result = run("build", "-C", str(root))
        assert result.exit_code == 0, result.output
        assert API_KEY not in result.output
        sites[kind] = tree(root / "public")
    catalog_site, api_site = sites["catalog"], sites["shopello"]
    assert sorted(api_site) == sorted(catalog_site)
    assert sum(1 for p in catalog_site if p.startswith("p/")) >= 20  # product pages
    assert any(p.startswith("c/") for p in catalog_site)  # category pages
    assert any(p.startswith("s/") for p in catalog_site) and any(p.startswith("b/") for p in catalog_site)
    different = [path for path in catalog_site if api_site[path] != catalog_site[path]]
    assert not different
    for body in api_site.values():
        assert API_KEY.encode() not in body
    # the API build really used the API
    assert server.requests_to("products") and server.requests_to("category_tree")
    assert os.environ["PARITY_SHOPELLO_KEY"] == API_KEY


@pytest.mark.parametrize("root", [None, 14, 3, 37, 999999])
def test_category_tree_fallback(catalog: CatalogSource, server: ShopelloServer, root: int | None) -> None:
    """Without a category_tree endpoint the client builds the tree from categories + category_parents."""
    endpoint = "category_tree" if root is None else f"category_tree/{root}"
    server.fail("404", endpoint=endpoint)
    try:
        got = via_api(server, lambda s: s.category_tree(root))
    finally:
        server.clear_faults()
    assert got == direct(catalog, lambda s: s.category_tree(root))
