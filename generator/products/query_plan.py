"""The query plan: every product query the site needs, known before fetching.

Content declares products in two ways, both parsed statically:
    front matter    listing: {query: lampa, category_id: 432, per_page: 12, max_pages: 5}
    shortcodes      {{< products query="lampa" order_by="price" limit=8 >}},
                    {{< offers product_id=123 >}} (where to buy the first product found),
                    {{< compare product_id="1,2,3" fields="price,brand" >}} (a comparison table)
Taxonomy pages (categories, stores, brands) add one listing each. A
listing of `per_page` x `max_pages` products is one query (the source pages
through the API as needed), so pagination costs no extra requests.

Invalid parameters fail here, naming the file and the parameter, before any
request is made. This module does not fetch or render.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.core import validators
from generator.config.channelmap import load_channel_map
from generator.config.schema import Config
from generator.content.page import Page, front_matter_error
from generator.core.errors import ContentError, QueryError
from generator.content.shortcodes import Shortcode
from generator.content.site import Site
from generator.sources.query import ProductQuery
from generator.products.compare import compare_fields

LISTING_KEYS = ("per_page", "max_pages", "title", "filters")
SHORTCODE_KEYS = ("title", "layout", "columns", "fallback")
DEFAULT_SHORTCODE_LIMIT = 8
# (type, default, description) of the keys beside the query, for `generator/commands/docs_reference.py` (whose test
# fails when a key above has no entry).
LISTING_KEY_DOCS: dict[str, tuple[str, str, str]] = {
    "per_page": ("int", "`per_page` of the config (24)", "Products per page; page 2 is `<url>page/2/`."),
    "max_pages": ("int", "10", "Pages at most; the listing fetches `per_page` x `max_pages` products."),
    "title": ("string", '""', "A heading for the listing, for your templates (`page.front.listing.title`); "
              "the default theme shows the page title."),
    "filters": ("bool", "true", "`false` hides the in-page filters and sort (price, store, brand) of the "
                "listing."),
}
SHORTCODE_KEY_DOCS: dict[str, tuple[str, str, str]] = {
    "title": ("string", '""', "A heading (`<h2>`) above the products."),
    "layout": ("string", '""', "`grid` (default), `carousel` (one row that scrolls sideways) or `list` in the "
               "default theme; passed to the template as `params.layout`."),
    "columns": ("int", '""', "Passed to the template as `params.columns`; the default theme's grid fits the "
                "width."),
    "fallback": ("string", '""', "With `product_id`: what shows instead of a pinned product that is gone, the "
                 "best match of a search (`fallback=\"rund matta\"`) or another product id (`fallback=\"563\"`). "
                 "Without it a gone product is left out; `links check` reports both."),
}


@dataclass(frozen=True)
class Listing:
    """A paginated product listing owned by a page (content or taxonomy)."""

    query: ProductQuery
    per_page: int
    max_pages: int
    filters: bool = True


def _positive(raw: Mapping[str, Any], name: str, default: int, page: Page, site_dir: Path) -> int:
    try:
        return validators.whole_number(raw.get(name, default), minimum=1)
    except ValueError as exc:
        raise front_matter_error(page, site_dir, ("listing", name), str(exc)) from None


QUERY_KEYS = frozenset({*ProductQuery.parameter_names(), *LISTING_KEYS})


def _reject_misplaced_query(page: Page, site_dir: Path) -> None:
    """A product query under a key nothing reads as one (`products: {query: lampa}`) would be ignored
    without a word; only `listing` (and `widgets`) hold queries in front matter."""
    for key, value in page.front.items():
        if key in ("listing", "widgets", "params") or not isinstance(value, Mapping) or not value:
            continue
        if all(str(name) in QUERY_KEYS for name in value):
            raise front_matter_error(page, site_dir, (key,), "looks like a product query, but only "
                                     "'listing' (a paginated product listing) holds one; did you mean 'listing'?")


def listing_for(page: Page, config: Config) -> Listing | None:
    """The listing a page declares in front matter (`listing:`), if any."""
    _reject_misplaced_query(page, config.site_dir)
    raw = page.front.get("listing")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise front_matter_error(page, config.site_dir, ("listing",),
                                 "must be a mapping of product query parameters")
    per_page = _positive(raw, "per_page", config.per_page, page, config.site_dir)
    max_pages = _positive(raw, "max_pages", 10, page, config.site_dir)
    params = {k: v for k, v in raw.items() if k not in LISTING_KEYS}
    for paging in ("limit", "offset"):
        if paging in params:
            raise front_matter_error(page, config.site_dir, ("listing", paging),
                                     "a listing pages itself: use per_page and max_pages instead of limit/offset")
    try:
        query = ProductQuery.from_params({"limit": per_page * max_pages, "get_total_found": True, **params},
                                         siblings=LISTING_KEYS)
    except QueryError as exc:
        raise front_matter_error(page, config.site_dir, ("listing", exc.parameter or ""),
                                 exc.bare_message) from None
    return Listing(query, per_page, max_pages, filters=raw.get("filters", True) is not False)


# shortcode -> (its default limit, its parameters beside the product query)
PRODUCT_SHORTCODES = {"products": (DEFAULT_SHORTCODE_LIMIT, SHORTCODE_KEYS), "offers": (1, ("title",)),
                      "compare": (4, ("title", "fields"))}


def shortcode_query(shortcode: Shortcode, page: Page) -> ProductQuery:
    limit, siblings = PRODUCT_SHORTCODES[shortcode.name]
    params = {k: v for k, v in shortcode.params if k not in siblings}
    try:
        return ProductQuery.from_params({"limit": limit, **params}, siblings=siblings)
    except QueryError as exc:
        raise ContentError(f"invalid product query: {exc.format_message()}", file=page.source, line=shortcode.line,
                           column=shortcode.column) from None


def page_queries(page: Page, config: Config) -> tuple[Listing | None, dict[int, ProductQuery]]:
    """The listing and the product shortcode queries (by shortcode index) of one content page."""
    queries = {index: shortcode_query(shortcode, page) for index, shortcode in enumerate(page.shortcodes)
               if shortcode.name in PRODUCT_SHORTCODES}
    for shortcode in page.shortcodes:
        if shortcode.name == "compare":
            compare_fields(shortcode, page)
    return listing_for(page, config), queries


def channel_for(page: Page, site: Site) -> str:
    """Front matter `channel` of the page, else of its section page, else the channel
    `shelfpress channels sync` made for its section, else the config's."""
    own = page.front.get("channel")
    if own not in (None, ""):
        return str(own)
    if page.section:
        section = site.by_url.get(f"/{page.section}/")
        if section is not None and section.front.get("channel") not in (None, ""):
            return str(section.front["channel"])
    if "channel_map" not in site.data:
        site.data["channel_map"] = load_channel_map(site.config)
    return site.data["channel_map"].for_section(page.section, site.config.links.channel)


@dataclass
class QueryPlan:
    listings: dict[str, Listing]  # page url -> listing
    shortcodes: dict[tuple[str, int], ProductQuery]  # (page url, shortcode index) -> query

    def needed_by(self, site: Site) -> dict[ProductQuery, str]:
        """Every query with the first content file (or page) that needs it, for errors about a query."""
        owners: dict[ProductQuery, str] = {}
        for url, listing in self.listings.items():
            page = site.by_url.get(url)
            owners.setdefault(listing.query, f"{page.source} (listing)" if page is not None and page.source
                              else f"the listing page {url}")
        for (url, index), query in self.shortcodes.items():
            page = site.by_url[url]
            shortcode = page.shortcodes[index]
            owners.setdefault(query, f"{page.source}:{shortcode.line} ({shortcode.name} shortcode)")
        return owners


def plan_queries(site: Site) -> QueryPlan:
    """Collect the listings and product shortcodes of every content page."""
    plan = QueryPlan({}, {})
    for page in site.content_pages:
        listing, shortcodes = page_queries(page, site.config)
        if listing is not None:
            plan.listings[page.url] = listing
        plan.shortcodes.update({(page.url, index): query for index, query in shortcodes.items()})
    return plan
