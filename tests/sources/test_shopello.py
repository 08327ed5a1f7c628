"""ShopelloSource against the loopback Shopello v1 server: endpoints, wire params,
paging, dedupe, cache modes, faults, and the API key never leaking."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from generator import __version__
from generator.core.errors import ConfigError
from generator.sources.cache import OfflineMissError
from generator.core.net import (APIError, AuthError, DecodeError, RateLimitedError, RequestError,
                                    ServerError)
from generator.sources.models import Category, build_category_tree
from generator.sources.query import ProductQuery
from generator.sources.shopello import ShopelloSettings, ShopelloSource
from tests.support.memory_backend import PARENTS, MemoryBackend
from tests.support.shopello_server import ShopelloServer

pytestmark = pytest.mark.server
T = TypeVar("T")


def settings(server: ShopelloServer, **overrides: Any) -> ShopelloSettings:
    """Fast settings for tests: tiny backoff, short timeouts."""
    values: dict[str, Any] = {"api_key": server.api_key, "base_url": server.url, "retries": 2, "backoff": 0.001,
                              "backoff_max": 0.05, "connect_timeout": 2.0, "read_timeout": 2.0}
    return ShopelloSettings(**{**values, **overrides})


def run(server: ShopelloServer, call: Callable[[ShopelloSource], Awaitable[T]], **overrides: Any
        ) -> tuple[T, ShopelloSource]:
    """Run `call(source)` in a fresh source; return its result and the (closed) source for its stats."""
    source = ShopelloSource(settings(server, **overrides))

    async def main() -> T:
        async with source:
            return await call(source)
    return asyncio.run(main()), source


def fails(server: ShopelloServer, call: Callable[[ShopelloSource], Awaitable[Any]], **overrides: Any
          ) -> tuple[BaseException, ShopelloSource]:
    source = ShopelloSource(settings(server, **overrides))

    async def main() -> None:
        async with source:
            await call(source)
    with pytest.raises(Exception) as caught:
        asyncio.run(main())
    return caught.value, source


# -- endpoints ------------------------------------------------------------------


def test_products(shopello_server: ShopelloServer, memory_backend: MemoryBackend) -> None:
    query = ProductQuery(query="lampa", get_total_found=True, extra="categories,stores,brands,max_price")
    page, source = run(shopello_server, lambda s: s.products(query))
    expected = asyncio.run(memory_backend.products(query))
    assert page.to_api(query.extra) == expected.to_api(query.extra)  # facets: only those asked for travel
    assert page.total_found == 12 and len(page.products) == 10
    assert page.facets.categories[0].name == "Taklampor" and page.facets.max_price == 2724.0
    assert source.stats.requests == 1


def test_single_object_endpoints(shopello_server: ShopelloServer, memory_backend: MemoryBackend) -> None:
    first = memory_backend.all_products[0]

    async def call(s: ShopelloSource) -> tuple[Any, ...]:
        return await asyncio.gather(s.product(first.product_id), s.product(999), s.category(432), s.category(9999),
                                    s.store(first.store.store_id), s.store(9999))
    (product, no_product, category, no_category, store, no_store), _ = run(shopello_server, call)
    assert product == first and no_product is None
    assert category == Category(432, "Taklampor", 14) and no_category is None
    assert store is not None and store.name == first.store.name and no_store is None
    endpoints = {r.endpoint for r in shopello_server.requests}
    assert {f"products/{first.product_id}", "products/999", "categories/432", "stores/9999"} <= endpoints


def test_listing_endpoints(shopello_server: ShopelloServer, memory_backend: MemoryBackend) -> None:
    async def call(s: ShopelloSource) -> tuple[Any, ...]:
        return await asyncio.gather(s.related_products(62559094), s.categories(), s.category_parents(), s.stores(),
                                    s.brands(), s.price_history(62559094))
    (related, categories, parents, stores, brands, history), _ = run(shopello_server, call)
    assert related and all(432 in {c.category_id for c in p.categories} for p in related)
    assert categories == asyncio.run(memory_backend.categories())
    assert parents == {c: p for c, p in PARENTS.items() if c in {cat.category_id for cat in categories}}
    assert stores == asyncio.run(memory_backend.stores()) and len(stores) == 14
    assert brands == asyncio.run(memory_backend.brands()) and "UTO" in {b.name for b in brands}
    assert history[0].price == 499.0
    assert shopello_server.requests_to("attributes/brand") and shopello_server.requests_to("price_history")[0] \
        .params == {"product_id": "62559094"}


def test_category_tree_from_the_endpoint(shopello_server: ShopelloServer, memory_backend: MemoryBackend) -> None:
    (tree, sub), _ = run(shopello_server, lambda s: asyncio.gather(s.category_tree(), s.category_tree(14)))
    assert tree == asyncio.run(memory_backend.category_tree())
    assert [n.category.category_id for n in sub[0].children] == [436, 435, 432]  # sorted by name
    assert shopello_server.requests_to("category_tree") and shopello_server.requests_to("category_tree/14")
    assert not shopello_server.requests_to("categories")


def test_category_tree_falls_back_to_categories_and_parents(shopello_server: ShopelloServer,
                                                           memory_backend: MemoryBackend) -> None:
    shopello_server.fail("404", endpoint="category_tree")
    shopello_server.fail("html", endpoint="category_tree/14")
    (tree, sub), _ = run(shopello_server, lambda s: asyncio.gather(s.category_tree(), s.category_tree(14)))
    categories = asyncio.run(memory_backend.categories())
    assert tree == build_category_tree(categories, PARENTS) == asyncio.run(memory_backend.category_tree())
    assert sub == build_category_tree(categories, PARENTS, root=14)
    assert len(shopello_server.requests_to("categories")) == 1  # shared by both fallbacks


@pytest.mark.parametrize("fault", ["500", "404", "html", "status_false", "wrong_shape", "reset"])
def test_price_history_degrades_to_nothing(shopello_server: ShopelloServer, fault: str) -> None:
    shopello_server.fail(fault, endpoint="price_history")
    history, _ = run(shopello_server, lambda s: s.price_history(62559094))
    assert history == []


# -- the wire -------------------------------------------------------------------


def test_headers_and_url(shopello_server: ShopelloServer) -> None:
    run(shopello_server, lambda s: s.products(ProductQuery()))
    request = shopello_server.requests[-1]
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["x-api-key"] == shopello_server.api_key
    assert headers["user-agent"] == f"shelfpress/{__version__}"
    assert "gzip" in headers["accept-encoding"]
    assert request.endpoint == "products" and request.params == {}  # empty params dropped
    assert ShopelloSettings(api_key="k", country="dk").url == "https://dk.shopelloapi.com/1/"
    assert ShopelloSettings(api_key="k", base_url="http://x/1").url == "http://x/1/"


def test_every_query_parameter_reaches_the_wire(shopello_server: ShopelloServer) -> None:
    query = ProductQuery.from_params({
        "product_id": "62559094,-1", "category_id": "432,-436,14", "store_id": [51, -113], "has_images": True,
        "limit": 7, "offset": 1, "mode": "or", "order": "desc", "order_by": "price", "price_min": 10,
        "price_max": 5000.5, "query": "lampa  orange", "brand": "UTO", "get_total_found": 1, "disseminate": "yes",
        "reduction_percent_min": 0, "reduction_percent_max": 90, "extra": "stores,brands,categories,max_price,has_reduction",
    })
    run(shopello_server, lambda s: s.products(query))
    assert shopello_server.requests[-1].params == {
        "product_id": "62559094,-1", "category_id": "14,432,-436", "store_id": "51,-113", "has_images": "1",
        "limit": "7", "offset": "1", "mode": "or", "order": "DESC", "order_by": "price", "price_min": "10",
        "price_max": "5000.5", "query": "lampa orange", "brand": "UTO", "get_total_found": "1", "disseminate": "1",
        "reduction_percent_min": "0", "reduction_percent_max": "90",
        "extra": "brands,categories,has_reduction,max_price,stores",
    }


def test_the_server_honours_the_parameters(shopello_server: ShopelloServer) -> None:
    async def call(s: ShopelloSource) -> tuple[Any, ...]:
        return await asyncio.gather(
            s.products(ProductQuery(query="lampa", category_id="-432", get_total_found=True)),
            s.products(ProductQuery(order_by="price", order="DESC", price_max=100, limit=50)),
            s.products(ProductQuery(store_id=51, product_id="-62559094", limit=50)))
    (no_ceiling, cheap, rum21), _ = run(shopello_server, call)
    assert no_ceiling.total_found == 7 and all(c.category_id != 432 for p in no_ceiling.products for c in p.categories)
    prices = [p.price.price for p in cheap.products]
    assert prices == sorted(prices, reverse=True) and max(prices) <= 100
    assert rum21.products and all(p.store.store_id == 51 and p.product_id != 62559094 for p in rum21.products)


def test_limit_above_page_size_is_paged_by_offset(shopello_server: ShopelloServer) -> None:
    query = ProductQuery(order_by="price", limit=12, offset=1, extra="stores")
    paged, source = run(shopello_server, lambda s: s.products(query), page_size=5)
    whole, _ = run(shopello_server, lambda s: s.products(query), page_size=100)
    assert paged == whole and len(paged.products) == 12 and paged.facets.stores
    pages = [r.params for r in shopello_server.requests_to("products")][:3]
    assert [(p["offset"], p["limit"]) for p in pages] == [("1", "5"), ("6", "5"), ("11", "2")]
    assert "extra" in pages[0] and "extra" not in pages[1]  # facets come from the first page only
    assert source.stats.requests == 3


def test_paging_stops_at_total_found(shopello_server: ShopelloServer) -> None:
    page, source = run(shopello_server, lambda s: s.products(ProductQuery(query="lampa", limit=40,
                                                                           get_total_found=True)), page_size=5)
    assert len(page.products) == 12 and page.total_found == 12
    assert source.stats.requests == 3  # offsets 0, 5, 10: never asks past the 12 found


def test_fetch_many_deduplicates_and_reports_progress(shopello_server: ShopelloServer) -> None:
    progress: list[tuple[int, int, int]] = []
    same = [ProductQuery(category_id="432,14"), ProductQuery.from_params({"category_id": "14, 432"}),
            ProductQuery(category_id=[432, 14], query="  ")] * 4
    other = ProductQuery(query="lampa")
    source = ShopelloSource(settings(shopello_server), on_progress=lambda *a: progress.append(a))

    async def main() -> Any:
        async with source:
            return await source.fetch_many([*same, other])
    results = asyncio.run(main())
    assert list(results) == [same[0], other]
    assert len(shopello_server.requests_to("products")) == 2 == source.stats.requests
    assert progress[0] == (0, 2, 0) and progress[-1] == (2, 2, 0) and len(progress) == 3


def test_fetch_many_bounds_requests_in_flight(shopello_server: ShopelloServer) -> None:
    shopello_server.latency = 0.1
    queries = [ProductQuery(offset=i) for i in range(8)]
    started = time.perf_counter()
    run(shopello_server, lambda s: s.fetch_many(queries), concurrency=4)
    elapsed = time.perf_counter() - started
    assert 0.2 <= elapsed < 0.75  # two rounds of four, not eight in sequence nor all at once


def test_identical_requests_share_one_answer(shopello_server: ShopelloServer) -> None:
    async def call(s: ShopelloSource) -> Any:
        await asyncio.gather(s.product(62559094), s.product(62559094))
        return await s.product(62559094)
    _, source = run(shopello_server, call)
    assert source.stats.requests == 1


# -- cache ----------------------------------------------------------------------


def test_cache_hit_and_miss(shopello_server: ShopelloServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    query = ProductQuery(query="lampa")
    first, cold = run(shopello_server, lambda s: s.products(query), cache_path=cache)
    again, warm = run(shopello_server, lambda s: s.products(query), cache_path=cache)
    assert again == first
    assert (cold.stats.requests, cold.stats.cache_hits) == (1, 0)
    assert (warm.stats.requests, warm.stats.cache_hits) == (0, 1)
    assert shopello_server.api_key.encode() not in cache.read_bytes()


def test_expired_entries_are_refetched(shopello_server: ShopelloServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    run(shopello_server, lambda s: s.categories(), cache_path=cache, cache_ttl=0)
    _, source = run(shopello_server, lambda s: s.categories(), cache_path=cache, cache_ttl=0)
    assert (source.stats.requests, source.stats.cache_hits) == (1, 0)


def test_offline_serves_the_cache_and_names_the_missing_query(shopello_server: ShopelloServer,
                                                              tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    run(shopello_server, lambda s: s.products(ProductQuery(query="lampa")), cache_path=cache, cache_ttl=0)
    page, source = run(shopello_server, lambda s: s.products(ProductQuery(query="lampa")), cache_path=cache,
                       cache_ttl=0, cache_mode="offline")
    assert page.products and (source.stats.requests, source.stats.cache_hits) == (0, 1)
    error, _ = fails(shopello_server, lambda s: s.products(ProductQuery(query="sofa")), cache_path=cache,
                     cache_mode="offline")
    assert isinstance(error, OfflineMissError)
    assert "query=sofa" in error.message and "endpoint products" in error.message
    assert len(shopello_server.requests) == 1
    with pytest.raises(ConfigError, match="shopello.cache_mode"):
        ShopelloSettings(api_key="k", cache_mode="offline")


def test_refresh_ignores_the_cache_and_rewrites_it(shopello_server: ShopelloServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    run(shopello_server, lambda s: s.stores(), cache_path=cache)
    _, refreshed = run(shopello_server, lambda s: s.stores(), cache_path=cache, cache_mode="refresh")
    _, normal = run(shopello_server, lambda s: s.stores(), cache_path=cache)
    assert (refreshed.stats.requests, refreshed.stats.cache_hits) == (1, 0)
    assert (normal.stats.requests, normal.stats.cache_hits) == (0, 1)


@pytest.mark.parametrize("fault", ["500", "429", "reset", "invalid_json", "status_false"])
def test_stale_entry_is_served_when_the_request_fails(shopello_server: ShopelloServer, tmp_path: Path,
                                                      fault: str) -> None:
    cache = tmp_path / "cache.sqlite"
    query = ProductQuery(query="lampa")
    fresh, _ = run(shopello_server, lambda s: s.products(query), cache_path=cache)
    shopello_server.fail(fault)
    stale, source = run(shopello_server, lambda s: s.products(query), cache_path=cache, cache_ttl=0)
    assert stale == fresh
    assert len(source.stats.stale) == 1 and "query=lampa" in source.stats.stale[0]
    assert "1 stale responses served after errors" in source.stats.summary()


def test_auth_errors_are_not_hidden_by_stale_entries(shopello_server: ShopelloServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    run(shopello_server, lambda s: s.stores(), cache_path=cache)
    error, _ = fails(shopello_server, lambda s: s.stores(), cache_path=cache, cache_ttl=0, api_key="revoked-key-123")
    assert isinstance(error, AuthError)


# -- faults ---------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["500", "503", "429", "truncated", "reset"])
def test_transient_faults_are_retried(shopello_server: ShopelloServer, fault: str) -> None:
    shopello_server.fail(fault, times=2)
    page, source = run(shopello_server, lambda s: s.products(ProductQuery(query="lampa")))
    assert len(page.products) == 10 and source.stats.requests == 3


@pytest.mark.parametrize(("fault", "error_type"), [
    ("500", ServerError), ("503", ServerError), ("429", RateLimitedError),
    ("truncated", RequestError), ("reset", RequestError),
])
def test_persistent_faults_raise_typed_errors_after_retries(shopello_server: ShopelloServer, fault: str,
                                                            error_type: type[APIError]) -> None:
    shopello_server.fail(fault)
    error, source = fails(shopello_server, lambda s: s.products(ProductQuery(query="lampa")))
    assert type(error) is error_type
    assert "endpoint products" in error.message and "query=lampa" in error.message
    assert source.stats.requests == 3  # one try and two retries


@pytest.mark.parametrize(("fault", "text"), [
    ("invalid_json", "malformed JSON"), ("html", "HTML page"), ("cut_json", "malformed JSON"),
])
def test_bodies_that_are_no_json_are_retried_then_fail_in_one_line(shopello_server: ShopelloServer, fault: str,
                                                                   text: str) -> None:
    shopello_server.fail(fault, times=2)
    page, source = run(shopello_server, lambda s: s.products(ProductQuery(query="lampa")))
    assert len(page.products) == 10 and source.stats.requests == 3
    shopello_server.fail(fault)
    error, source = fails(shopello_server, lambda s: s.products(ProductQuery(query="lampa")))
    assert isinstance(error, DecodeError) and text in error.message and "\n" not in error.message
    assert "endpoint products" in error.message and "query=lampa" in error.message
    assert source.stats.requests == 3  # one try and two retries, with backoff


@pytest.mark.parametrize("fault", ["invalid_json", "html", "cut_json"])
def test_a_body_that_is_no_json_falls_back_to_the_stale_cache(shopello_server: ShopelloServer, tmp_path: Path,
                                                              fault: str) -> None:
    cache = tmp_path / "cache.sqlite"
    fresh, _ = run(shopello_server, lambda s: s.categories(), cache_path=cache)
    shopello_server.fail(fault)
    stale, source = run(shopello_server, lambda s: s.categories(), cache_path=cache, cache_ttl=0)
    assert stale == fresh and len(source.stats.stale) == 1 and source.stats.requests == 3


@pytest.mark.parametrize(("fault", "text"), [
    ("status_false", "status:false: Something went wrong"), ("wrong_shape", "data: expected a list"),
])
def test_envelope_errors_raise_decode_errors_without_retrying(shopello_server: ShopelloServer, fault: str,
                                                              text: str) -> None:
    shopello_server.fail(fault)
    error, source = fails(shopello_server, lambda s: s.products(ProductQuery(query="lampa")))
    assert isinstance(error, DecodeError) and text in error.message
    assert "endpoint products" in error.message and "query=lampa" in error.message
    assert source.stats.requests == 1


def test_json_labelled_text_html_is_parsed_by_content(shopello_server: ShopelloServer) -> None:
    shopello_server.fail("json_as_html")
    page, source = run(shopello_server, lambda s: s.products(ProductQuery(query="lampa")))
    assert len(page.products) == 10 and source.stats.requests == 1


def test_related_products_of_a_vanished_product_are_none_with_a_warning(shopello_server: ShopelloServer,
                                                                        memory_backend: MemoryBackend) -> None:
    gone, kept = (p.product_id for p in memory_backend.all_products[:2])
    shopello_server.fail("404", endpoint=f"related_products/{gone}")
    warnings: list[tuple[str, str]] = []
    source = ShopelloSource(settings(shopello_server),
                            on_warning=lambda message, kind: warnings.append((message, kind)))

    async def main() -> tuple[list[Any], list[Any]]:
        async with source:
            return await source.related_products(gone), await source.related_products(kept)
    missing, other = asyncio.run(main())
    assert missing == [] and isinstance(other, list)
    ((message, kind),) = warnings
    assert f"product {gone}:" in message and "not found" in message and "without related products" in message
    assert kind == "related products not found"


def test_hostile_product_records_are_dropped_with_warnings(shopello_server: ShopelloServer,
                                                          memory_backend: MemoryBackend) -> None:
    good = memory_backend.all_products[0].to_api()
    hostile = [
        {**good, "product_id": 901, "price": {**good["price"], "price": "NaN"}},
        {**good, "product_id": 902, "price": {**good["price"], "price": 1e28}},
        {**good, "product_id": 903, "name": {"sv": "Lampa"}},
        {**good, "product_id": 904, "description": ["x"], "name": "N" * 100_000},
        "not a product",
    ]
    shopello_server.fail("body", endpoint="products", body={"status": True, "data": [good, *hostile],
                                                           "total_found": 6})
    warnings: list[str] = []
    source = ShopelloSource(settings(shopello_server), on_warning=lambda message, kind: warnings.append(message))

    async def main() -> Any:
        async with source:
            first = await source.products(ProductQuery(query="lampa"))
            await source.products(ProductQuery(query="lampa", limit=5))  # the same records again: no new warnings
            return first
    page = asyncio.run(main())
    assert [p.product_id for p in page.products] == [good["product_id"], 904]
    assert len(page.products[1].name) == 300 and page.products[1].description == ""
    assert len(warnings) == 5
    assert "product 901: price.price: 'NaN' is not a finite number; product dropped" in warnings
    assert any(w.startswith("product 902: price.price:") and "above the cap" in w for w in warnings)
    assert any(w.startswith("product 903: name: expected text, got dict") for w in warnings)
    assert any(w.startswith("product 904: description:") and "field ignored" in w for w in warnings)
    assert any(w.startswith("product ?: record: expected an object, got str") for w in warnings)


def test_retry_after_is_honoured(shopello_server: ShopelloServer) -> None:
    shopello_server.fail("503", times=1, retry_after="1")
    started = time.perf_counter()
    run(shopello_server, lambda s: s.categories(), backoff_max=5)
    assert time.perf_counter() - started >= 1.0


def test_rate_limit_error_carries_retry_after(shopello_server: ShopelloServer) -> None:
    shopello_server.fail("429", retry_after="0")
    error, _ = fails(shopello_server, lambda s: s.stores())
    assert isinstance(error, RateLimitedError) and error.retry_after == 0 and error.status == 429


def test_read_timeout(shopello_server: ShopelloServer) -> None:
    shopello_server.latency = 0.5
    error, _ = fails(shopello_server, lambda s: s.stores(), read_timeout=0.1, retries=0)
    assert isinstance(error, RequestError) and "timed out" in error.message


def test_connection_refused(shopello_server: ShopelloServer) -> None:
    error, _ = fails(shopello_server, lambda s: s.stores(), base_url="http://127.0.0.1:9/1/", retries=1)
    assert isinstance(error, RequestError) and "connection failed" in error.message


def test_unauthorised_is_not_retried(shopello_server: ShopelloServer) -> None:
    error, source = fails(shopello_server, lambda s: s.brands(), api_key="wrong-key-abcdef")
    assert isinstance(error, AuthError) and error.status == 401 and "check the API key" in error.message
    assert source.stats.requests == 1


# -- the API key never leaks ------------------------------------------------------


SECRET = "sk-live-0123456789abcdef"


@pytest.mark.parametrize("fault", [None, "500", "429", "truncated", "reset", "invalid_json", "html",
                                   "status_false", "wrong_shape"])
def test_api_key_is_absent_from_every_error(shopello_server: ShopelloServer, fault: str | None,
                                            caplog: pytest.LogCaptureFixture) -> None:
    """The server echoes a wrong key back in its 401 body; with a fault, the key is right but still secret."""
    key = SECRET if fault is None else shopello_server.api_key
    if fault:
        shopello_server.fail(fault)
    caplog.set_level(logging.DEBUG)
    error, source = fails(shopello_server, lambda s: s.products(ProductQuery(query="lampa")), api_key=key)
    texts = [str(error), repr(error), error.message, "".join(traceback.format_exception(error)), caplog.text,
             repr(source), repr(source.settings)]
    assert all(key not in text for text in texts)
    assert error.__cause__ is None
    if fault is None:
        assert "Invalid API key '***'" in error.message
