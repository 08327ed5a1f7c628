"""Shopello static feeds: parse them safely and sync them into the catalog.

Owns fetching the control feed and store feeds, parsing their XML, deciding
which stores to re-import, and the `feed_state` table (the last-changed date
imported per store). Product writes go through `catalog_import`; this module
must not answer queries.

Only part of the feed schema is public (`<ShippingCost>`, `<stock>`), so
parsing is tolerant: element names are matched case-insensitively with `_`
and `-` ignored (`<ProductId>`, `<product_id>`, `<productid>` are one name),
values may be child elements or attributes, and unknown product elements are
kept as product attributes. XML is parsed with defusedxml and DTDs are
refused, so entity bombs and external entities fail at once.

Control feed (`{base}/feeds/{api_key}.xml`)::

    <stores>
      <store>
        <id>51</id>                       also: store_id, storeid
        <name>RUM21</name>                also: store_name
        <url>https://...</url>            optional
        <logo>https://...</logo>          optional
        <lastChanged>2024-05-01 10:00:00</lastChanged>
                                          also: last_changed, lastmodified, updated, changed, date
      </store>
    </stores>

Store feed (`{base}/feeds/{api_key}/{store_id}.xml`)::

    <products>
      <product>
        <product_id>62559094</product_id> also: id, productid
        <name>E27 lampa, orange</name>    also: title
        <description>...</description>
        <url>click url</url>              also: product_url, link
        <original_url>...</original_url>
        <price>499</price>
        <regular_price>599</regular_price> also: old_price (0 or missing: no sale)
        <reduction_percent>17</reduction_percent>  optional (derived from regular_price)
        <currency>SEK</currency>
        <categories>
          <category id="432" parent_id="14">Taklampor</category>
        </categories>                     or <category_id>432</category_id><category>Taklampor</category>
        <brand>UTO</brand>  <color/> <size/> <gender/> <gtin/>
        <ShippingCost>0</ShippingCost>    0 = free shipping
        <stock>1</stock>                  1 in stock, 0 not, empty unknown
        <images><image size="160">url</image>...</images>
                                          or <image>url</image> (stored as the 440 size)
        <anything_else>kept as an attribute</anything_else>
      </product>
    </products>

The store comes from the control feed. Filters: `withReduction` (control and
store feeds) and `categoryIds=-1,-2` (store feeds; sub-categories go too) are
sent to the server and applied again locally, so a feed server that ignores
them gives the same catalog.
"""

from __future__ import annotations

import io
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from generator.core.errors import SourceError
from generator.core.net import (DEFAULT_DEADLINE, DEFAULT_MAX_BODY, APIError, APIStatusError, BlockingClient, Redactor,
                   RedirectError, ResponseTooLargeError, RetryPolicy)
from generator.sources.catalog import CatalogSource
from generator.sources.catalog_related import refresh_related
from generator.sources.catalog_import import delete_products, reduction_of, upsert_categories, upsert_products, upsert_stores
from generator.sources.catalog_query import descendants
from generator.sources.catalog_schema import transaction
from generator.sources.models import Category, PayloadError, Product, Store

DEFAULT_BASE_URL = "https://se.shopelloapi.com"
ALIASES = {
    "productid": "product_id", "id": "product_id", "title": "name", "producturl": "url", "link": "url",
    "originalurl": "original_url", "regularprice": "regular_price", "oldprice": "regular_price",
    "reductionpercent": "reduction_percent", "categoryid": "category_id", "categoryname": "category",
    "revenuesegment": "revenue_segment",
}
STORE_ALIASES = {"id": "store_id", "storeid": "store_id", "storename": "name", "lastchanged": "last_changed",
                 "lastmodified": "last_changed", "updated": "last_changed", "changed": "last_changed",
                 "date": "last_changed"}
PRODUCT_FIELDS = {"product_id", "name", "description", "url", "original_url", "price", "regular_price",
                  "reduction_percent", "currency", "category_id", "category", "categories", "images", "image",
                  "revenue_segment", "store_id", "store", "storename"}


class FeedError(SourceError):
    """A static feed could not be fetched or parsed (URLs never include the API key)."""


def _name(tag: Any) -> str:
    """`{ns}Product_Id` -> `productid`: the tolerant form element names are compared in."""
    return str(tag).rsplit("}", 1)[-1].lower().replace("_", "").replace("-", "")


def _fields(element: ET.Element, aliases: dict[str, str]) -> dict[str, str]:
    """An element's attributes and leaf children as {canonical name: text}."""
    out: dict[str, str] = {}
    for key, value in element.attrib.items():
        out[aliases.get(_name(key), _name(key))] = value.strip()
    for child in element:
        if len(child) == 0:
            out.setdefault(aliases.get(_name(child.tag), _name(child.tag)), (child.text or "").strip())
    return out


def _elements(data: bytes, wanted: str, where: str) -> Iterator[ET.Element]:
    """Stream the `wanted` elements of an XML document; FeedError on anything unsafe or broken."""
    try:
        for _event, element in iterparse(io.BytesIO(data), events=("end",), forbid_dtd=True):
            if _name(element.tag) == wanted:
                yield element
                element.clear()
    except DefusedXmlException as exc:
        raise FeedError(f"{where}: refused unsafe XML ({type(exc).__name__}); "
                        "feeds must not declare a DTD or entities") from None
    except ET.ParseError as exc:
        raise FeedError(f"{where}: invalid XML ({exc}); the store's products were left as they were") from None


@dataclass(frozen=True)
class FeedStore:
    """One store listed in the control feed."""

    store_id: int
    name: str
    last_changed: str
    url: str = ""
    logo: str = ""


def parse_control_feed(data: bytes, where: str = "control feed") -> list[FeedStore]:
    stores = []
    for number, element in enumerate(_elements(data, "store", where), start=1):
        f = _fields(element, STORE_ALIASES)
        try:
            store_id = int(f.get("store_id", ""))
        except ValueError:
            raise FeedError(f"{where}: store #{number} has no numeric <id>") from None
        stores.append(FeedStore(store_id, f.get("name", ""), f.get("last_changed", ""),
                                f.get("url", ""), f.get("logo", "")))
    return sorted(stores, key=lambda s: s.store_id)


@dataclass
class StoreFeed:
    """A parsed store feed: products, the categories it names (with parents) and skipped entries."""

    products: list[Product] = field(default_factory=list)
    categories: dict[int, Category] = field(default_factory=dict)
    skipped: int = 0


def parse_store_feed(data: bytes, store: FeedStore, where: str) -> StoreFeed:
    feed = StoreFeed()
    for element in _elements(data, "product", where):
        raw = _product_dict(element, store, feed.categories)
        try:
            feed.products.append(Product.from_api(raw))
        except PayloadError:
            feed.skipped += 1
    return feed


def _product_dict(element: ET.Element, store: FeedStore, categories: dict[int, Category]) -> dict[str, Any]:
    f = _fields(element, ALIASES)
    cats = _categories(element, f, categories)
    images = _images(element, f)
    attributes = {key: value for key, value in f.items() if key not in PRODUCT_FIELDS and value != ""}
    return {
        "product_id": f.get("product_id"), "name": f.get("name", ""), "description": f.get("description", ""),
        "url": f.get("url", ""), "original_url": f.get("original_url", ""),
        "price": {"price": f.get("price") or 0, "regular_price": f.get("regular_price") or 0,
                  "reduction_percent": f.get("reduction_percent") or 0, "currency": f.get("currency") or "SEK"},
        "categories": cats, "attributes": _original_names(element, attributes), "images": images,
        "store": {"store_id": store.store_id, "name": store.name, "url": store.url},
        "revenue_segment": f.get("revenue_segment", ""),
    }


def _original_names(element: ET.Element, attributes: dict[str, str]) -> dict[str, str]:
    """Unknown elements keep the feed's own spelling; known attributes use the API's names."""
    known = {"brand", "color", "size", "gender", "gtin", "shippingcost", "stock"}
    spelled = {_name(child.tag): str(child.tag).rsplit("}", 1)[-1] for child in element}
    return {(key if key in known else spelled.get(key, key)): value for key, value in attributes.items()}


def _categories(element: ET.Element, f: dict[str, str], seen: dict[int, Category]) -> list[dict[str, Any]]:
    refs: list[dict[str, Any]] = []
    for child in element.iter():
        if _name(child.tag) == "category" and child.attrib:
            attrs = {_name(k): v for k, v in child.attrib.items()}
            category_id = attrs.get("id") or attrs.get("categoryid")
            if category_id and category_id.strip().isdigit():
                parent = attrs.get("parentid", "").strip()
                name = (child.text or "").strip()
                seen[int(category_id)] = Category(int(category_id), name, int(parent) if parent.isdigit() else None)
                refs.append({"category_id": int(category_id), "name": name})
    if not refs and f.get("category_id", "").isdigit():
        refs.append({"category_id": int(f["category_id"]), "name": f.get("category", "")})
    return refs


def _images(element: ET.Element, f: dict[str, str]) -> dict[str, str]:
    images: dict[str, str] = {}
    for child in element.iter():
        if _name(child.tag) == "image" and (child.text or "").strip():
            size = {_name(k): v for k, v in child.attrib.items()}.get("size", "440")
            images[size if size.isdigit() else "440"] = child.text.strip()
    return images


# --- fetching ----------------------------------------------------------------------------

class FeedFetcher:
    """Downloads the control feed and store feeds from `base_url` with the given filters.

    Requests go through `generator.core.net` (retries on 429, 5xx and transport
    errors, the request deadline and the size cap, `deadline` and `max_body`);
    the API key, which is part of every feed URL, shows as `<api-key>` in
    messages and never follows a redirect to another host."""

    def __init__(self, api_key: str, base_url: str = DEFAULT_BASE_URL, *, with_reduction: bool = False,
                 exclude_categories: Sequence[int] = (), timeout: float = 60.0,
                 retry: RetryPolicy = RetryPolicy(), deadline: float = DEFAULT_DEADLINE,
                 max_body: int = DEFAULT_MAX_BODY) -> None:
        if not api_key:
            raise FeedError("static feeds need an API key; set SHOPELLO_API_KEY or pass --api-key")
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.with_reduction = with_reduction
        self.exclude_categories = tuple(sorted({abs(int(c)) for c in exclude_categories}))
        self.redact = Redactor(shown_as={api_key: "<api-key>"})
        self.client = BlockingClient(service="Shopello feeds", redactor=self.redact, timeout=timeout, retry=retry,
                                     max_in_flight=1, headers={"Accept-Encoding": "gzip"}, deadline=deadline,
                                     max_body=max_body)

    def control_url(self) -> tuple[str, dict[str, str]]:
        return f"{self.base_url}/feeds/{self.api_key}.xml", self._params(store=False)

    def store_url(self, store_id: int) -> tuple[str, dict[str, str]]:
        return f"{self.base_url}/feeds/{self.api_key}/{store_id}.xml", self._params(store=True)

    def _params(self, *, store: bool) -> dict[str, str]:
        params = {"withReduction": ""} if self.with_reduction else {}
        if store and self.exclude_categories:
            params["categoryIds"] = ",".join(f"-{c}" for c in self.exclude_categories)
        return params

    def get(self, url: str, params: dict[str, str]) -> bytes:
        shown = self.redact(url)
        try:
            response = self.client.send("GET", url, params=params, endpoint=shown)
        except APIStatusError as exc:
            raise FeedError(f"{shown}: HTTP {exc.status}; is static feed access enabled for this API key?") from None
        except (RedirectError, ResponseTooLargeError) as exc:
            raise FeedError(f"{shown}: {exc.bare_message}") from None
        except APIError as exc:
            kind = getattr(exc, "kind", "") or type(exc).__name__
            raise FeedError(f"{shown}: {kind}; check the network and --base-url") from None
        return bytes(response.content)

    def close(self) -> None:
        self.client.close()


# --- syncing -----------------------------------------------------------------------------

@dataclass(frozen=True)
class StoreSync:
    """What a sync did with one store: imported, unchanged, removed or failed."""

    store_id: int
    name: str
    status: str
    products: int = 0
    removed: int = 0
    message: str = ""


@dataclass
class FeedSyncReport:
    stores: list[StoreSync] = field(default_factory=list)

    def with_status(self, status: str) -> list[StoreSync]:
        return [s for s in self.stores if s.status == status]

    def summary(self) -> str:
        counts = {status: len(self.with_status(status)) for status in ("imported", "unchanged", "removed", "failed")}
        return ", ".join(f"{n} {status}" for status, n in counts.items()) + " stores"


def sync_feeds(source: CatalogSource, fetcher: FeedFetcher, *, force: bool = False) -> FeedSyncReport:
    """Re-import the stores whose control-feed date changed; drop stores that left the feed."""
    conn = source.conn
    url, params = fetcher.control_url()
    stores = parse_control_feed(fetcher.get(url, params), fetcher.redact(url))
    with transaction(conn):
        upsert_stores(conn, (Store(s.store_id, s.name, s.url, s.logo) for s in stores))
    synced = dict(conn.execute("SELECT store_id, last_changed FROM feed_state").fetchall())
    report = FeedSyncReport()
    for store in stores:
        if not force and synced.get(store.store_id) == store.last_changed:
            report.stores.append(StoreSync(store.store_id, store.name, "unchanged"))
        else:
            report.stores.append(_sync_store(conn, fetcher, store))
    listed = {s.store_id for s in stores}
    for store_id in sorted(set(synced) - listed):
        report.stores.append(_remove_store(conn, store_id))
    refresh_related(conn)
    return report


def _sync_store(conn: sqlite3.Connection, fetcher: FeedFetcher, store: FeedStore) -> StoreSync:
    url, params = fetcher.store_url(store.store_id)
    try:
        feed = parse_store_feed(fetcher.get(url, params), store, fetcher.redact(url))
    except FeedError as exc:
        return StoreSync(store.store_id, store.name, "failed", message=exc.format_message())
    with transaction(conn):
        upsert_categories(conn, feed.categories.values())
        kept = list(_filtered(conn, fetcher, feed.products))
        upsert_products(conn, kept, feed_store=store.store_id)
        keep = {p.product_id for p in kept}
        gone = [pid for (pid,) in conn.execute("SELECT product_id FROM products WHERE feed_store = ?",
                                               (store.store_id,)) if pid not in keep]
        delete_products(conn, gone)
        conn.execute("INSERT OR REPLACE INTO feed_state VALUES (?, ?, ?, ?)",
                     (store.store_id, store.last_changed, _now(), len(kept)))
    message = f"{feed.skipped} entries without id or price skipped" if feed.skipped else ""
    return StoreSync(store.store_id, store.name, "imported", len(kept), len(gone), message)


def _filtered(conn: sqlite3.Connection, fetcher: FeedFetcher, products: Iterable[Product]) -> Iterator[Product]:
    excluded = set(descendants(conn, fetcher.exclude_categories)) if fetcher.exclude_categories else set()
    for product in products:
        if fetcher.with_reduction and reduction_of(product) <= 0:
            continue
        if excluded and any(c.category_id in excluded for c in product.categories):
            continue
        yield product


def _remove_store(conn: sqlite3.Connection, store_id: int) -> StoreSync:
    with transaction(conn):
        gone = [pid for (pid,) in conn.execute("SELECT product_id FROM products WHERE feed_store = ?", (store_id,))]
        delete_products(conn, gone)
        conn.execute("DELETE FROM feed_state WHERE store_id = ?", (store_id,))
        row = conn.execute("SELECT name FROM stores WHERE store_id = ?", (store_id,)).fetchone()
    return StoreSync(store_id, row[0] if row else "", "removed", removed=len(gone))


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()
