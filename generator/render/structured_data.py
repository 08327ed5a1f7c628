"""schema.org JSON-LD of product, listing and breadcrumb pages, as plain dicts for the `tojson` filter.

Built in Python rather than in the templates: assembling the dicts with Jinja's `{% set %}` and
`{% do ... %}` cost about a tenth of a product page's render, on 10,000 pages. Templates call
`product_ld(p)`, `item_list_ld(products, first)` and `breadcrumb_ld(crumbs)` and serialise with `| tojson` (HTML-safe JSON);
a theme can still build its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from generator.products.offers import GroupView
from generator.products.views import ProductView

IN_STOCK, OUT_OF_STOCK = "https://schema.org/InStock", "https://schema.org/OutOfStock"


def product_ld(p: ProductView | GroupView, absolute: Callable[[str], str]) -> dict[str, Any]:
    """A Product with its Offer: price, currency, availability, seller; image, brand and GTIN when known.
    A grouped product is one Product with an AggregateOffer of every shop's offer (`group_offer`)."""
    if isinstance(p, GroupView):
        offer = group_offer(p, absolute)
        ld: dict[str, Any] = {"@context": "https://schema.org", "@type": "Product", "name": p.name,
                              "description": p.description, "url": absolute(p.url), "offers": offer}
    else:
        offer = _offer(p, absolute(p.url))
        ld = {"@context": "https://schema.org", "@type": "Product", "name": p.name,
              "description": p.description, "sku": str(p.id), "offers": offer}
    if p.images:
        ld["image"] = p.image(440)
    if p.brand:
        ld["brand"] = {"@type": "Brand", "name": p.brand}
    if p.gtin:
        ld["gtin"] = p.gtin
    return ld


def _offer(p: ProductView, url: str) -> dict[str, Any]:
    return {"@type": "Offer", "price": p.price, "priceCurrency": p.currency, "url": url,
            "availability": OUT_OF_STOCK if p.in_stock is False else IN_STOCK,
            "seller": {"@type": "Organization", "name": p.store}}


def group_offer(group: GroupView, absolute: Callable[[str], str]) -> dict[str, Any]:
    """An AggregateOffer: lowest and highest price, how many offers, and each offer, whose `url` is the
    shop's signed click link (where the reader buys; the product page itself when the shop gave no link)."""
    return {"@type": "AggregateOffer", "lowPrice": group.low_price, "highPrice": group.high_price,
            "offerCount": group.offer_count, "priceCurrency": group.currency,
            "offers": [_offer(o, o.click_url or absolute(group.url)) for o in group.offers]}


def item_list_ld(products: Iterable[ProductView], first: int, absolute: Callable[[str], str]) -> dict[str, Any]:
    """An ItemList of a listing page's products, numbered from `first` (its place in the whole listing)."""
    return {"@context": "https://schema.org", "@type": "ItemList", "itemListElement": [
        {"@type": "ListItem", "position": position, "url": absolute(p.url), "name": p.name}
        for position, p in enumerate(products, first)]}


def breadcrumb_ld(crumbs: Iterable[tuple[str, str]], absolute: Callable[[str], str]) -> dict[str, Any]:
    """A BreadcrumbList of (title, site path) pairs, the last one the page itself."""
    return {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": position, "name": title, "item": absolute(link)}
        for position, (title, link) in enumerate(crumbs, 1)]}
