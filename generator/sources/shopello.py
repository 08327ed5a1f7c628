"""ShopelloSource: the Shopello product API v1 as a ProductSource.

Owns the v1 endpoints and their envelope (`{"status": true, "data": ...}`),
paging beyond the API page size, dedupe of identical requests, the cache
flow (fresh hit, offline miss, stale-on-error) and the fetch statistics and
progress hook. Retries, timeouts and error types come from `generator.core.net`,
storage from `cache.py`, parsing from `models.py`.

Must not: print, read the environment (the config layer resolves the API
key and passes `ShopelloSettings`), or know about pages and templates.
Use one source inside one event loop, then `aclose()` it (or `async with`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx

from generator import __version__
from generator.core.errors import ConfigError, SourceError
from generator.sources.base import FetchStats
from generator.sources.cache import CacheMode, OfflineMissError, ResponseCache, request_key
from generator.core.net import (DEFAULT_DEADLINE, DEFAULT_MAX_BODY, APIError, AuthError, DecodeError, HTTPClient, NotFoundError,
                   RateLimitedError, RequestError, RetryPolicy, ServerError)
from generator.sources.models import (Brand, Category, CategoryNode, PayloadError, PricePoint, Product, ProductPage, Store,
                     build_category_tree, parse_product, parse_products)
from generator.sources.query import ProductQuery
from generator.sources.records import IssueWarnings, WarningSink

log = logging.getLogger(__name__)

T = TypeVar("T")
ProgressHook = Callable[[int, int, int], None]
"""on_progress(done, total, cache_hits): called as `fetch_many` answers each distinct query."""

SERVICE = "Shopello API"
# Failures after which a stale cached response is better than no build. Auth
# and not-found errors are never papered over: they need the user's attention.
STALE_OK = (RequestError, ServerError, RateLimitedError, DecodeError)


@dataclass(frozen=True)
class ShopelloSettings:
    """Everything ShopelloSource needs; the API key is already resolved and never shown."""

    api_key: str = field(repr=False)
    country: str = "se"
    base_url: str | None = None
    concurrency: int = 8
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    deadline: float = DEFAULT_DEADLINE
    max_body: int = DEFAULT_MAX_BODY
    retries: int = 3
    backoff: float = 0.5
    backoff_max: float = 30.0
    page_size: int = 100
    cache_path: Path | None = None
    cache_ttl: float = 6 * 3600
    cache_mode: CacheMode = CacheMode.NORMAL

    def __post_init__(self) -> None:
        def bad(key: str, message: str) -> ConfigError:
            return ConfigError(message, key=f"shopello.{key}")

        if not self.api_key or not self.api_key.strip():
            raise bad("api_key", "no API key; set it in the environment variable the config names")
        if not re.fullmatch(r"[a-z]{2}", self.country):
            raise bad("country", f"expected a two-letter country code like 'se', got {self.country!r}")
        for name in ("concurrency", "page_size", "deadline", "max_body"):
            if getattr(self, name) < 1:
                raise bad(name, f"must be at least 1, got {getattr(self, name)}")
        for name in ("connect_timeout", "read_timeout", "backoff", "backoff_max", "cache_ttl", "retries"):
            if getattr(self, name) < 0:
                raise bad(name, f"must not be negative, got {getattr(self, name)}")
        try:
            object.__setattr__(self, "cache_mode", CacheMode(self.cache_mode))
        except ValueError:
            raise bad("cache_mode", f"expected one of {', '.join(CacheMode)}, got {self.cache_mode!r}") from None
        if self.cache_mode is CacheMode.OFFLINE and self.cache_path is None:
            raise bad("cache_mode", "offline mode needs a cache_path")

    @property
    def url(self) -> str:
        """The v1 base URL, always ending in '/'."""
        return (self.base_url or f"https://{self.country}.shopelloapi.com/1/").rstrip("/") + "/"


def _data(body: Mapping[str, Any]) -> Any:
    return body.get("data")


def _items(body: Mapping[str, Any]) -> list[Any]:
    """`data` as a list of entries: PHP sends objects keyed by id as often as lists."""
    data = _data(body)
    if data in (None, ""):
        return []
    if isinstance(data, Mapping):
        return list(data.values())
    if isinstance(data, list):
        return data
    raise PayloadError(f"data: expected a list, got {type(data).__name__}")


def _one(parse: Callable[[Any], T]) -> Callable[[Mapping[str, Any]], T | None]:
    """A parser for a single-object endpoint whose `data` is the object or a list of one."""
    def parse_one(body: Mapping[str, Any]) -> T | None:
        data = _data(body)
        if isinstance(data, list):
            data = data[0] if data else None
        return None if data in (None, "") else parse(data)
    return parse_one


def _products(issues: IssueWarnings) -> Callable[[Mapping[str, Any]], tuple[Product, ...]]:
    """A parser for a list-of-products endpoint: unusable products are dropped and reported."""
    return lambda body: parse_products(_items(body), issues)


def _many(parse: Callable[[Any], T]) -> Callable[[Mapping[str, Any]], tuple[T, ...]]:
    return lambda body: tuple(parse(item) for item in _items(body))


def _parents(body: Mapping[str, Any]) -> dict[int, int]:
    pairs = (Category.from_api(entry) for entry in _items(body))
    return {c.category_id: c.parent_id for c in pairs if c.parent_id is not None}


def _tree(body: Mapping[str, Any]) -> tuple[CategoryNode, ...]:
    data = _data(body)
    nodes = [data] if isinstance(data, Mapping) and "category_id" in data else _items(body)
    return tuple(CategoryNode.from_api(node) for node in nodes)


class ShopelloSource:
    """The Shopello v1 API behind the ProductSource protocol."""

    def __init__(self, settings: ShopelloSettings, *, on_progress: ProgressHook | None = None,
                 on_warning: WarningSink | None = None) -> None:
        self.settings = settings
        self.stats = FetchStats()
        self._warn = on_warning
        self._issues = IssueWarnings(on_warning)
        self._on_progress = on_progress
        self._cache = (ResponseCache(settings.cache_path, ttl=settings.cache_ttl, mode=settings.cache_mode)
                       if settings.cache_path else None)
        self._http = HTTPClient(
            service=SERVICE,
            base_url=settings.url,
            headers={"X-API-KEY": settings.api_key, "User-Agent": f"shelfpress/{__version__}",
                     "Accept": "application/json", "Accept-Encoding": "gzip"},
            secrets=[settings.api_key],
            timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
            retry=RetryPolicy(settings.retries, settings.backoff, settings.backoff_max),
            max_in_flight=settings.concurrency,
            on_request=self._count_request,
            deadline=settings.deadline,
            max_body=settings.max_body,
            address_hint=(f"fix [source] api_base in shelfpress.toml ({settings.base_url})" if settings.base_url
                          else f"check [source] country in shelfpress.toml ({settings.country!r}) and the "
                               "network"),
        )
        self._requests: dict[str, asyncio.Task[Any]] = {}

    def __repr__(self) -> str:
        return f"ShopelloSource({self.settings!r})"

    async def __aenter__(self) -> ShopelloSource:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _count_request(self) -> None:
        self.stats.requests += 1

    # -- the request path: memo -> cache -> network -> stale fallback ---------

    def _get(self, endpoint: str, parse: Callable[[Mapping[str, Any]], T],
             params: Mapping[str, str] | None = None, *, query: str | None = None) -> Awaitable[T]:
        """Answer one request once per source: identical concurrent calls share one task."""
        params = params or {}
        key = request_key(self.settings.url, endpoint, params)
        if key not in self._requests:
            self._requests[key] = asyncio.ensure_future(self._fetch(key, endpoint, params, parse, query))
        return self._requests[key]

    async def _fetch(self, key: str, endpoint: str, params: Mapping[str, str],
                     parse: Callable[[Mapping[str, Any]], T], query: str | None) -> T:
        cached = self._cache.lookup(key) if self._cache else None
        if cached is not None:
            self.stats.cache_hits += 1
            return self._parse(cached.body, parse, endpoint, query)
        if self._cache and self._cache.mode is CacheMode.OFFLINE:
            raise OfflineMissError("not in the cache, and offline mode allows no requests; "
                                   "build once online first", endpoint=endpoint, query=query)
        try:
            body = await self._http.get_json(f"{endpoint}.json", params, endpoint=endpoint, query=query)
            result = self._parse(body, parse, endpoint, query)
        except STALE_OK as exc:
            stale = self._cache.entry(key) if self._cache else None
            if stale is None:
                raise
            log.warning("%s; serving the cached response from before", exc, extra={"kind": "stale cached response"})
            self.stats.stale.append(f"{endpoint} {query or ''}".strip() + f": {exc.bare_message}")
            return self._parse(stale.body, parse, endpoint, query)
        if self._cache:
            self._cache.store(key, body)
        return result

    def _parse(self, body: Any, parse: Callable[[Mapping[str, Any]], T], endpoint: str, query: str | None) -> T:
        where = {"service": SERVICE, "endpoint": endpoint, "query": query}
        if not isinstance(body, Mapping):
            raise DecodeError(f"expected a JSON object, got {type(body).__name__}", **where)
        if body.get("status") is not True:
            reason = self._http.redact(str(body.get("error") or body.get("message") or "no reason given"))
            raise DecodeError(f"the API answered status:{json.dumps(body.get('status'))}: {reason[:200]}", **where)
        try:
            return parse(body)
        except PayloadError as exc:
            raise DecodeError(f"unexpected response shape: {self._http.redact(str(exc))}", **where) from None

    # -- products -------------------------------------------------------------

    async def products(self, query: ProductQuery) -> ProductPage:
        """One query; a `limit` above the page size is fetched in pages by offset."""
        size = self.settings.page_size
        if query.limit is None or query.limit <= size:
            return await self._products_page(query)
        first = await self._products_page(query.replace(limit=size))
        end = query.offset + query.limit
        if first.total_found is not None and query.mode != "fill":
            # total_found bounds the matches, except in `fill` mode: it counts only the
            # all-words matches, and the answer is padded beyond them up to `limit`.
            end = min(end, first.total_found)
        if len(first.products) < size or end <= query.offset + size:
            return first
        windows = [(offset, min(size, end - offset)) for offset in range(query.offset + size, end, size)]
        rest = query.replace(extra=(), get_total_found=False)
        pages = await asyncio.gather(*(self._products_page(rest.replace(offset=offset, limit=limit))
                                       for offset, limit in windows))
        products = list(first.products)
        for page, (_, limit) in zip(pages, windows):
            products.extend(page.products)
            if len(page.products) < limit:
                break
        return ProductPage(tuple(products), first.total_found, first.facets)

    def _products_page(self, query: ProductQuery) -> Awaitable[ProductPage]:
        return self._get("products", partial(ProductPage.from_api, report=self._issues), query.to_params(),
                         query=str(query))

    async def fetch_many(self, queries: Iterable[ProductQuery]) -> dict[ProductQuery, ProductPage]:
        """Answer every distinct query once, concurrently; report progress as each finishes.

        On failure the first error is raised after every query has finished
        (the others are logged), so the cache keeps whatever did succeed.
        """
        unique = list(dict.fromkeys(queries))
        results: dict[ProductQuery, ProductPage] = {}
        self._progress(0, len(unique))

        async def answer(query: ProductQuery) -> None:
            try:
                results[query] = await self.products(query)
            except OfflineMissError as exc:
                exc.planned = query  # so the build can say which page or widget needs it
                raise
            self._progress(len(results), len(unique))

        outcomes = await asyncio.gather(*(answer(q) for q in unique), return_exceptions=True)
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        for error in errors[1:]:
            log.warning("%s", error)
        if errors:
            raise errors[0]
        return {query: results[query] for query in unique}

    def _progress(self, done: int, total: int) -> None:
        if self._on_progress:
            self._on_progress(done, total, self.stats.cache_hits)

    async def product(self, product_id: int) -> Product | None:
        return await self._optional(self._get(f"products/{int(product_id)}",
                                              _one(partial(parse_product, report=self._issues))))

    async def related_products(self, product_id: int) -> list[Product]:
        """Products related to this one; none (with a warning) when the API no longer knows it.

        A product can disappear between the listing that names it and this call: that is no
        reason to fail a build.
        """
        try:
            return list(await self._get(f"related_products/{int(product_id)}", _products(self._issues)))
        except NotFoundError as exc:
            if self._warn is not None:
                self._warn(f"product {int(product_id)}: {exc.bare_message}; shown without related products",
                           "related products not found")
            return []

    async def related_many(self, product_ids: Iterable[int],
                           known: Mapping[int, Product] | None = None) -> dict[int, list[Product]]:
        """Each product's related products: one cached request per product, all queued at once
        (the client's concurrency limit paces them). The API answers with whole products: `known` is
        not needed."""
        ids = list(dict.fromkeys(product_ids))
        found = await asyncio.gather(*(self.related_products(pid) for pid in ids))
        return dict(zip(ids, found))

    def data_version(self) -> str | None:
        """None: the live API can change at any moment, so every build asks it (through the cache)."""
        return None

    # -- categories, stores, brands, price history ------------------------------

    async def categories(self) -> list[Category]:
        return list(await self._get("categories", _many(Category.from_api)))

    async def category(self, category_id: int) -> Category | None:
        return await self._optional(self._get(f"categories/{int(category_id)}", _one(Category.from_api)))

    async def category_parents(self) -> dict[int, int]:
        """child category id -> parent category id."""
        return dict(await self._get("category_parents", _parents))

    async def category_tree(self, category_id: int | None = None) -> list[CategoryNode]:
        """The tree (or the subtree under `category_id`); built from categories + parents
        when the endpoint is missing or fails, since its shape is undocumented."""
        endpoint = "category_tree" if category_id is None else f"category_tree/{int(category_id)}"
        try:
            return list(await self._get(endpoint, _tree))
        except AuthError:
            raise
        except APIError as exc:
            log.info("%s; building the category tree from categories and category_parents", exc)
        categories, parents = await asyncio.gather(self.categories(), self.category_parents())
        return build_category_tree(categories, parents, root=category_id)

    async def stores(self) -> list[Store]:
        return list(await self._get("stores", _many(Store.from_api)))

    async def store(self, store_id: int) -> Store | None:
        return await self._optional(self._get(f"stores/{int(store_id)}", _one(Store.from_api)))

    async def brands(self) -> list[Brand]:
        return list(await self._get("attributes/brand", _many(Brand.from_api)))

    async def price_history(self, product_id: int) -> list[PricePoint]:
        """Deprecated by Shopello in 2017: any failure means "no history", never a failed build."""
        params = {"product_id": str(int(product_id))}
        try:
            return list(await self._get("price_history", _many(PricePoint.from_api), params,
                                        query=f"product_id={int(product_id)}"))
        except SourceError as exc:
            log.info("%s; no price history", exc)
            return []

    @staticmethod
    async def _optional(request: Awaitable[T | None]) -> T | None:
        """A single object, or None when the API says 404."""
        try:
            return await request
        except NotFoundError:
            return None

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._cache:
            self._cache.close()
