"""Fallbacks of pinned products: `{{< products product_id="508,563" fallback="rund matta" />}}`.

A `products` shortcode that pins products by id may name a fallback: a search whose best matches, or
another product id, take the place of pinned products the source no longer has. The fallback query
is fetched in the product stage's one round with every other query; `fill` puts its best matches
(never a product already shown) after the pinned products that are left. Without a fallback a gone
product is simply not shown: the source answers only for products it has, so a page never keeps a
dead buy link. `links check` reports gone products either way (`link_health.py`).

Must not: fetch anything itself, or know how products are shown.
"""

from __future__ import annotations

from collections.abc import Mapping

from generator.content.page import Page
from generator.core.errors import ContentError, QueryError
from generator.content.shortcodes import Shortcode
from generator.content.site import Site
from generator.sources.models import Product, ProductPage
from generator.sources.query import IdFilter, ProductQuery

KEY = "fallback"


def fallback_query(shortcode: Shortcode, page: Page, pinned: tuple[int, ...]) -> ProductQuery | None:
    """The query a shortcode's `fallback` names (None without one): an id, or a search for as many best
    matches as products are pinned."""
    value = shortcode.kwargs.get(KEY)
    if value in (None, ""):
        return None
    where = {"file": page.source, "line": shortcode.line, "column": shortcode.column}
    if not pinned:
        raise ContentError("fallback: only a products shortcode that pins product_id ids can have a fallback; "
                           "add product_id or remove fallback", **where)
    text = str(value).strip()
    try:
        if text.isdigit():
            return ProductQuery(product_id=IdFilter((int(text),)), limit=1)
        return ProductQuery.from_params({"query": text, "limit": len(pinned)})
    except QueryError as exc:
        raise ContentError(f"fallback: {exc.format_message()}", **where) from None


def page_fallbacks(page: Page, shortcodes: Mapping[int, ProductQuery]) -> dict[int, ProductQuery]:
    """The fallback query of each products shortcode of `page` (by index, with its query) that names one."""
    found = {}
    for index, query in shortcodes.items():
        fallback = fallback_query(page.shortcodes[index], page, query.product_id.include)
        if fallback is not None:
            found[index] = fallback
    return found


def plan_fallbacks(site: Site, shortcodes: Mapping[tuple[str, int], ProductQuery]
                   ) -> dict[tuple[str, int], ProductQuery]:
    """The fallback queries of the site's products shortcodes, by (page URL, index)."""
    by_page: dict[str, dict[int, ProductQuery]] = {}
    for (url, index), query in shortcodes.items():
        by_page.setdefault(url, {})[index] = query
    return {(url, index): fallback for url, queries in by_page.items()
            for index, fallback in page_fallbacks(site.by_url[url], queries).items()}


def fill(products: tuple[Product, ...], pinned: tuple[int, ...], fallback: ProductPage | None) -> tuple[Product, ...]:
    """`products` (a pinned query's answer) and, for each pinned id it lacks, the next best match of the
    fallback's answer that is not shown yet."""
    shown = {p.product_id for p in products}
    missing = sum(1 for product_id in dict.fromkeys(pinned) if product_id not in shown)
    if not missing or fallback is None:
        return products
    extra = [p for p in fallback.products if p.product_id not in shown]
    return products + tuple(extra[:missing])
