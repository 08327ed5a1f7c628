"""The build's deep link stage: shop URLs in content -> signed tracked links in each page's data.

Between the product stage and fingerprinting, for the content pages that link to a shop of the network
(`deeplinks.py` finds them; the shops and their web addresses come from the product source's store list
and the partner API's deeplink store list):

- a shop that allows deep links (`store/deeplink-stores`) gets its URLs through `deepLinkGenerator`,
  many URIs per request, each answer kept in `<cache_dir>/deeplinks.json` so a URL is asked for once
  across builds; the deeplink store list is kept there for `source.cache_ttl`;
- every deep link is signed with the page's channel (`make_signer`), and lands in
  `page.data["deep_links"]`, so a changed link re-renders exactly the pages that show it;
- offline builds, catalog builds and sites without partner (v3) credentials keep plain links, with one
  warning naming how many; a failing partner API does the same for the links it did not answer.

Must not: print (warnings go through the Reporter), or put the partner password or API key anywhere
(the HTTP layer redacts them from every error it raises).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.core.asyncrun import run_sync
from generator.core.atomic import atomic_write
from generator.config.schema import Config
from generator.content.page import Page
from generator.affiliate.deeplinks import DATA_KEY, ShopDirectory, ShopRef, candidate_urls, page_opted_out
from generator.core.errors import ConfigError, ShelfpressError
from generator.sources.cache import CacheMode

if TYPE_CHECKING:
    from generator.core.console import Reporter
    from generator.affiliate.revenue.models import DeeplinkStore
    from generator.affiliate.revenue.partner import PartnerClient
    from generator.affiliate.revenue.settings import PartnerSettings
    from generator.affiliate.signing import Signer
    from generator.content.site import Site
    from generator.sources.models import Product, ProductPage, Store

BATCH = 50  # URIs per deepLinkGenerator request (the API's page size elsewhere; its limit is not documented)
CACHE_FILE = "deeplinks.json"
CACHE_VERSION = 1
_DOMAIN = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,}", re.IGNORECASE)


@dataclass(frozen=True)
class ShopLink:
    """A link in a content page to a shop of the network."""

    page: Page
    url: str
    shop: ShopRef


def content_links(site: Site) -> list[tuple[Page, list[str]]]:
    """Content pages and the URLs in their text that may become deep links (opted-out ones left out)."""
    found = []
    for page in site.pages:
        if page.source is None or not isinstance(page.data, dict) or page_opted_out(page.front):
            continue
        urls = candidate_urls("\n".join([page.body, *(code.inner for code in page.shortcodes if code.inner)]))
        if urls:
            found.append((page, urls))
    return found


def shop_links(pages: Iterable[tuple[Page, list[str]]], directory: ShopDirectory) -> list[ShopLink]:
    return [ShopLink(page, url, shop) for page, urls in pages for url in urls
            if (shop := directory.shop_for(url)) is not None]


def directory_for(stores: Iterable[Any], deeplink_stores: Iterable[DeeplinkStore],
                  products: Iterable[Product] = (), configured: Mapping[str, str] | None = None) -> ShopDirectory:
    """Every shop with a web address: the deeplink store list's, the product source's store list (a store
    named like a domain, "Designonline.se", counts as that address), the shop pages products link to and
    the publisher's `configured` ones (`[links.shops]`), which win."""
    shops: list[tuple[str, str, str]] = [(s.store_id, s.name, s.url) for s in deeplink_stores]
    for store in stores:
        shops.append((str(store.store_id), store.name, store.url))
        if _DOMAIN.fullmatch(store.name.strip()):
            shops.append((str(store.store_id), store.name, store.name.strip()))
    shops.extend((str(p.store.store_id), p.store.name, p.original_url) for p in products
                 if p.store.store_id and p.original_url)
    return ShopDirectory(shops, configured)


def products_of(results: Iterable[ProductPage]) -> Iterator[Product]:
    for page in results:
        yield from page.products


def partner_for_deep_links(config: Config) -> PartnerSettings:
    """The partner API settings the deeplink endpoints need (login, password and API key); a ConfigError
    naming what is missing (never a value) otherwise."""
    from generator.affiliate.revenue.settings import partner_settings

    return partner_settings(config, with_api_key=True)


def plain_reason(config: Config, cache_mode: CacheMode) -> str:
    """Why this build keeps shop links plain ("" when it makes deep links)."""
    if config.source.kind == "catalog":
        return 'deep links need the Shopello API (source.kind = "shopello") and partner credentials'
    if cache_mode is CacheMode.OFFLINE:
        return "an offline build makes no deep links"
    try:
        partner_for_deep_links(config)
    except ConfigError as exc:
        return f"no partner API credentials for deep links ({exc.message})"
    return ""


class DeepLinkCache:
    """`<cache_dir>/deeplinks.json`: the deep link of each URI asked for, and the deeplink store list with
    when it was fetched; per partner account (its base URL and login, hashed), so a new account starts empty."""

    def __init__(self, path: Path, account: str) -> None:
        self.path, self.account = path, account
        self.links: dict[str, str] = {}
        self.stores: list[dict[str, Any]] = []
        self.stores_at = 0.0
        self.changed = False
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(saved, dict) and saved.get("version") == CACHE_VERSION and saved.get("account") == account:
            self.links = {str(k): str(v) for k, v in dict(saved.get("links") or {}).items()}
            self.stores = [s for s in saved.get("stores") or [] if isinstance(s, dict)]
            self.stores_at = float(saved.get("stores_at") or 0)

    @classmethod
    def for_settings(cls, config: Config, settings: PartnerSettings) -> DeepLinkCache:
        account = hashlib.sha256(f"{settings.base_url}\0{settings.username}".encode()).hexdigest()[:16]
        return cls(config.cache_path / CACHE_FILE, account)

    def store_list(self) -> list[DeeplinkStore]:
        from generator.affiliate.revenue.models import DeeplinkStore

        return [DeeplinkStore(str(s.get("store_id", "")), str(s.get("name", "")), s.get("enabled"),
                              str(s.get("url", ""))) for s in self.stores]

    def save(self) -> None:
        if self.changed:
            atomic_write(self.path, json.dumps({"version": CACHE_VERSION, "account": self.account,
                                                "stores_at": self.stores_at, "stores": self.stores,
                                                "links": dict(sorted(self.links.items()))}, indent=1) + "\n")
            self.changed = False


async def deeplink_stores(client: PartnerClient, cache: DeepLinkCache, *, max_age: float,
                          refresh: bool) -> list[DeeplinkStore]:
    """The deeplink store list, from the cache while younger than `max_age` seconds."""
    if refresh or not cache.stores or time.time() - cache.stores_at > max_age:
        fresh = await client.deeplink_stores()
        cache.stores = [{"store_id": s.store_id, "name": s.name, "enabled": s.enabled, "url": s.url} for s in fresh]
        cache.stores_at, cache.changed = time.time(), True
    return cache.store_list()


async def generate(client: PartnerClient, cache: DeepLinkCache, uris: Sequence[str], *, refresh: bool) -> None:
    """Ask `deepLinkGenerator` for each URI the cache lacks (all of them with `refresh`), BATCH per request."""
    import asyncio

    missing = sorted({u for u in uris if refresh or u not in cache.links})
    batches = [missing[i:i + BATCH] for i in range(0, len(missing), BATCH)]
    for answer in await asyncio.gather(*(client.deeplinks(batch) for batch in batches)):
        # An answer is untrusted: only an http(s) link may become an href.
        cache.links.update({uri: link for uri, link in answer.items()
                            if uri in missing and link.lower().startswith(("https://", "http://"))})
        cache.changed = True


async def _stores(config: Config, cache_mode: CacheMode, reporter: Reporter) -> list[Store]:
    """The product source's store list (the product stage has closed its source by now)."""
    from generator.sources.factory import open_source

    source = open_source(config, cache_mode=cache_mode, on_warning=reporter.warn)
    try:
        return await source.stores()
    finally:
        await source.aclose()


def add_deep_links(site: Site, sign: Signer, reporter: Reporter, *,
                   cache_mode: CacheMode = CacheMode.NORMAL, results: Iterable[ProductPage] = ()) -> None:
    """Put the signed deep link of every shop URL of each content page into its `page.data["deep_links"]`."""
    from generator.products.query_plan import channel_for

    config = site.config
    for page in site.pages:  # a dev server's pages live on between builds: no link of the last one stays
        if isinstance(page.data, dict):
            page.data.pop(DATA_KEY, None)
    if not config.links.deep_links:
        return
    pages = content_links(site)
    if not pages:
        return
    reason = plain_reason(config, cache_mode)
    known = list(products_of(results))
    try:
        stores = run_sync(_stores(config, cache_mode, reporter))
    except ShelfpressError as exc:
        reporter.warn(f"links in content left plain: the shop list could not be read ({exc.message})")
        return
    if reason:
        count = len(shop_links(pages, directory_for(stores, [], known, config.links.shops)))
        if count:
            reporter.warn(f"{count} links to shops in content left plain: {reason}")
        return
    settings = partner_for_deep_links(config)
    cache = DeepLinkCache.for_settings(config, settings)
    refresh = cache_mode is CacheMode.REFRESH

    async def resolve() -> None:
        from generator.affiliate.revenue.partner import PartnerClient

        async with PartnerClient(settings) as client:
            listed = await deeplink_stores(client, cache, max_age=config.source.cache_ttl, refresh=refresh)
            allowed = {s.store_id for s in listed if s.enabled}
            wanted = shop_links(pages, directory_for(stores, listed, known, config.links.shops))
            await generate(client, cache, [link.url for link in wanted if link.shop.store_id in allowed],
                           refresh=refresh)

    try:
        run_sync(resolve())
        failure = ""
    except ShelfpressError as exc:  # what the cache holds from earlier builds still serves
        failure = exc.message
    finally:
        cache.save()
    listed = cache.store_list()
    allowed = {s.store_id for s in listed if s.enabled}
    directory = directory_for(stores, listed, known, config.links.shops)
    for entry in directory.unresolved:
        reporter.warn(f"shelfpress.toml [links.shops] {entry}: no shop of that name in the store lists (or "
                      "two); give its store id instead", kind="unknown shop in [links.shops]")
    links = shop_links(pages, directory)
    for link in links:
        deep = cache.links.get(link.url) if link.shop.store_id in allowed else None
        if deep:
            data = link.page.data.setdefault(DATA_KEY, {})  # type: ignore[union-attr]
            data[link.url] = sign(deep, channel_for(link.page, site))
    if failure:
        plain = sum(1 for link in links if not listed or (link.shop.store_id in allowed and
                                                          link.url not in cache.links))
        if plain:
            reporter.warn(f"{plain} links to shops in content left plain: the partner API failed ({failure})")
        else:
            reporter.info(f"deep links from the cache of earlier builds: the partner API failed ({failure})")
