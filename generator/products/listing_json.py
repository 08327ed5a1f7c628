"""The JSON behind a listing's in-browser filters and sorting (js/listing.js).

One file per listing, `<listing url>products.json`, holding every product the
listing reaches (all its pages): the browser loads it on demand, when a
visitor first touches the filters (or opens a filtered URL), so filters and
sort work at any listing size and no page embeds the whole listing. The
product stage adds these data pages (stage._filter_data) and gives each
listing page the file's URL and its filter options (rendered in the HTML, so
nothing shifts when the script runs).

    listing_json(views, ...)   the file's bytes: only what a product card needs, already made safe

Names are plain text, links went through the http(s) allow-list and are
signed, images are https (`views.secure_image_url`), prices pre-formatted for
the site locale. `<`, `>` and `&` are escaped as \\u003c etc., so the same
JSON could also sit inside <script type="application/json"> and never close it.
This module neither fetches nor writes files: data pages render and are
written like any other page.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable

import jinja2
from markupsafe import Markup

from generator.products.views import ProductView

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


def option_counts(views: Iterable[ProductView]) -> dict[str, dict[str, int]]:
    """How many of the listing's products have each value of each filter (the counts its options show)."""
    found: dict[str, Counter[str]] = {name: Counter() for name in FILTERS}
    for view in views:
        found["category"].update({name for _, name in view.categories if name})
        if view.brand:
            found["brand"][view.brand] += 1
        if view.color:
            found["color"][view.color] += 1
    return {name: dict(counts) for name, counts in found.items()}


def filter_options(counts: dict[str, dict[str, int]]) -> dict[str, list[str]]:
    """The values each filter offers (sorted, case-insensitively); a filter with fewer than two is left out."""
    return {name: sorted(values, key=lambda v: (v.casefold(), v)) for name, values in counts.items()
            if len(values) > 1}


def category_ids(views: Iterable[ProductView]) -> dict[str, str]:
    """Category name -> its ids ("432 433"), for the category options (old ?swp_category=ID links)."""
    found: dict[str, set[int]] = {}
    for view in views:
        for category_id, name in view.categories:
            found.setdefault(name, set()).add(category_id)
    return {name: " ".join(map(str, sorted(ids))) for name, ids in found.items()}


def data_url(listing_url: str) -> str:
    """`/lampor/` -> `/lampor/products.json`; `/lampor.html` (ugly permalinks) -> `/lampor.products.json`."""
    if listing_url.endswith(".html"):
        return listing_url[: -len(".html")] + ".products.json"
    return listing_url.rstrip("/") + "/products.json"


def register(env: jinja2.Environment) -> None:
    """Add the `listing_json` filter (the data pages' template), on the environment's own `url` and `price`."""
    env.filters["listing_json"] = lambda views: listing_json(views, env.filters["url"], env.filters["price"])
