"""The JSON behind a listing's in-browser filters and sorting (js/listing.js).

One file per listing, `<listing url>products.json`, holding every product the
listing reaches (all its pages): the browser loads it on demand, when a
visitor first touches the filters (or opens a filtered URL), so filters and
sort work at any listing size and no page embeds the whole listing.

    listing_data_pages(site)   after the product stage: one data page per listing with filters;
                               each listing page learns the file's URL, its filter options (rendered
                               in the HTML, so nothing shifts when the script runs) and its true count
    listing_json(views, ...)   the file's bytes: only what a product card needs, already made safe

Names are plain text, links went through the http(s) allow-list and are
signed, images are https (`views.secure_image_url`), prices pre-formatted for
the site locale. `<`, `>` and `&` are escaped as \\u003c etc., so the same
JSON may also sit inside <script type="application/json"> (what a listing
embeds while the pipeline does not add the data pages) and never close it.
This module neither fetches nor writes files: data pages render and are
written like any other page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import jinja2
from markupsafe import Markup

from ..content import Page
from ..site import Site
from .views import ProductView

Url = Callable[[str], str]
Price = Callable[[float, str], str]

DATA_KIND = "feed"  # not in the sitemap, not indexed by search (not HTML)
DATA_TEMPLATE = "listing-products.json"
FILTERS = ("category", "brand", "color")


def listing_json(views: Iterable[ProductView], url: Url, price: Price) -> Markup:
    items = []
    for rank, view in enumerate(views):
        items.append({
            "id": view.id, "rank": rank, "name": view.name, "url": url(view.url), "click": view.click_url,
            "img": view.image(220), "price": view.price,
            "priceText": price(view.price, view.currency),
            "regularText": price(view.regular_price, view.currency) if view.regular_price else "",
            "reduction": view.reduction, "store": view.store, "brand": view.brand, "color": view.color,
            "categories": [name for _, name in view.categories],
        })
    text = json.dumps(items, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def filter_options(views: Iterable[ProductView]) -> dict[str, list[str]]:
    """The values each filter offers (sorted, case-insensitively); a filter with fewer than two is left out."""
    found: dict[str, set[str]] = {name: set() for name in FILTERS}
    for view in views:
        found["category"].update(name for _, name in view.categories if name)
        if view.brand:
            found["brand"].add(view.brand)
        if view.color:
            found["color"].add(view.color)
    return {name: sorted(values, key=lambda v: (v.casefold(), v)) for name, values in found.items()
            if len(values) > 1}


def data_url(listing_url: str) -> str:
    """`/lampor/` -> `/lampor/products.json`; `/lampor.html` (ugly permalinks) -> `/lampor.products.json`."""
    if listing_url.endswith(".html"):
        return listing_url[: -len(".html")] + ".products.json"
    return listing_url.rstrip("/") + "/products.json"


def _wants_filters(owner: Page) -> bool:
    raw = owner.front.get("listing")
    return not (isinstance(raw, dict) and raw.get("filters", True) is False)


def listing_data_pages(site: Site) -> list[Page]:
    """Add one filter-data page per listing of `site` (call after the product stage, before planning).

    A listing's products are the concatenation of its pages' products (page 1 is the owner, the others
    name it in `paged_from`), so this works at any size. Every page of the listing gets
    `listing.filter_url`, `listing.options` and `listing.count` (what is reachable) and no longer needs
    `listing.all`; a listing whose owner set `filters: false`, or with fewer than two products, gets no file.
    """
    pages: dict[str, list[Page]] = {}
    for page in site.pages:
        listing = page.data.get("listing")
        if isinstance(listing, dict):
            owner = page.data.get("paged_from") or page
            pages.setdefault(owner.url, []).append(page)
    added = []
    for owner_url, members in pages.items():
        members.sort(key=lambda p: p.data["listing"]["pagination"].number)
        views: list[ProductView] = [v for p in members for v in p.data["listing"]["products"]]
        owner = site.by_url[owner_url]
        filters = _wants_filters(owner) and len(views) > 1 and owner.url.endswith(("/", ".html"))
        url = data_url(owner_url)
        if filters and url in site.by_url:
            filters = False  # a content file already claims that URL; keep the listing without filters
        extra: dict[str, Any] = {"count": len(views), "filters": filters}
        if filters:
            extra.update(filter_url=url, options=filter_options(views))
            added.append(site.add(Page(url=url, kind=DATA_KIND, title=owner.title, template=DATA_TEMPLATE,
                                       source=None, data={"products": views})))
        for page in members:
            page.data["listing"] = {k: v for k, v in page.data["listing"].items() if k != "all"} | extra
    return added


def register(env: jinja2.Environment) -> None:
    """Add the `listing_json` and `filter_options` filters, on the environment's own `url` and `price`.

    Every page of one listing shares the same `listing.all` list object, so the results are made once
    per listing (keyed by that list, which the memo keeps alive so its id cannot be reused).
    """
    made: dict[tuple[str, int], tuple[object, Any]] = {}

    def memo(kind: str, compute: Callable[[Sequence[ProductView]], Any]) -> Callable[[Sequence[ProductView]], Any]:
        def cached(views: Sequence[ProductView]) -> Any:
            hit = made.get((kind, id(views)))
            if hit is not None and hit[0] is views:
                return hit[1]
            value = compute(views)
            if isinstance(views, list):
                made[(kind, id(views))] = (views, value)
            return value
        return cached

    env.filters["listing_json"] = memo("json", lambda v: listing_json(v, env.filters["url"], env.filters["price"]))
    env.filters["filter_options"] = memo("options", filter_options)
