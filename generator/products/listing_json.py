"""The JSON a listing page embeds for its in-browser filters (js/listing.js).

Only what a product card needs, already made safe: names as plain text,
links through the http(s) allow-list and signed, prices pre-formatted for
the site locale. The JSON goes inside <script type="application/json">, so
`<`, `>` and `&` are escaped as \\u003c etc. and can never close the tag.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import jinja2
from markupsafe import Markup

from .views import ProductView

Url = Callable[[str], str]
Price = Callable[[float, str], str]


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
            "categoryIds": [category_id for category_id, _ in view.categories],  # for old ?swp_category=ID links
        })
    text = json.dumps(items, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def register(env: jinja2.Environment) -> None:
    """Add the `listing_json` filter, built on the environment's own `url` and `price` filters.

    Every page of one listing embeds the same `listing.all` list object, so the
    JSON is made once per listing (keyed by that list, which the memo keeps
    alive so its id cannot be reused) instead of once per page.
    """
    made: dict[int, tuple[object, Markup]] = {}

    def cached(views: Iterable[ProductView]) -> Markup:
        hit = made.get(id(views))
        if hit is not None and hit[0] is views:
            return hit[1]
        text = listing_json(views, env.filters["url"], env.filters["price"])
        if isinstance(views, list):
            made[id(views)] = (views, text)
        return text

    env.filters["listing_json"] = cached
