"""The query plan: every product query the site needs, known before fetching.

Content declares products in two ways, both parsed statically:
    front matter    listing: {query: lampa, category_id: 432, per_page: 12, max_pages: 5}
    shortcodes      {{< products query="lampa" order_by="price" limit=8 >}}
Taxonomy pages (categories, stores, brands) add one listing each. A
listing of `per_page` x `max_pages` products is one query (the source pages
through the API as needed), so pagination costs no extra requests.

Invalid parameters fail here, naming the file and the parameter, before any
request is made. This module does not fetch or render.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..content import Page
from ..errors import ContentError, QueryError
from ..reports.channels import load_channel_map, section_key
from ..shortcodes import Shortcode
from ..site import Site
from ..sources.query import ProductQuery

LISTING_KEYS = ("per_page", "max_pages", "title", "filters")
SHORTCODE_KEYS = ("title", "layout", "columns")
DEFAULT_SHORTCODE_LIMIT = 8


@dataclass(frozen=True)
class Listing:
    """A paginated product listing owned by a page (content or taxonomy)."""

    query: ProductQuery
    per_page: int
    max_pages: int
    filters: bool = True


def _query(params: Mapping[str, Any], where: Page, line: int | None = None, column: int | None = None,
           **defaults: Any) -> ProductQuery:
    try:
        return ProductQuery.from_params({**defaults, **params})
    except QueryError as exc:
        raise ContentError(f"invalid product query: {exc.format_message()}", file=where.source, line=line,
                           column=column) from None


def _positive(value: Any, name: str, page: Page) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ContentError(f"listing {name} must be a whole number >= 1, got {value!r}", file=page.source)
    return value


def listing_for(page: Page, config: Config) -> Listing | None:
    """The listing a page declares in front matter (`listing:`), if any."""
    raw = page.front.get("listing")
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ContentError("front matter 'listing' must be a mapping of product query parameters",
                           file=page.source)
    per_page = _positive(raw.get("per_page", config.per_page), "per_page", page)
    max_pages = _positive(raw.get("max_pages", 10), "max_pages", page)
    params = {k: v for k, v in raw.items() if k not in LISTING_KEYS}
    if "limit" in params or "offset" in params:
        raise ContentError("a listing pages itself: use per_page and max_pages instead of limit/offset",
                           file=page.source)
    query = _query(params, page, limit=per_page * max_pages, get_total_found=True)
    return Listing(query, per_page, max_pages, filters=raw.get("filters", True) is not False)


def shortcode_query(shortcode: Shortcode, page: Page) -> ProductQuery:
    params = {k: v for k, v in shortcode.params if k not in SHORTCODE_KEYS}
    return _query(params, page, shortcode.line, shortcode.column, limit=DEFAULT_SHORTCODE_LIMIT)


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
    return site.data["channel_map"].get(section_key(page.section), site.config.links.channel)


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
            owners.setdefault(query, f"{page.source}:{page.shortcodes[index].line} (products shortcode)")
        return owners


def plan_content(site: Site) -> QueryPlan:
    """Collect the listings and product shortcodes of every content page."""
    plan = QueryPlan({}, {})
    for page in site.content_pages:
        listing = listing_for(page, site.config)
        if listing is not None:
            plan.listings[page.url] = listing
        for index, shortcode in enumerate(page.shortcodes):
            if shortcode.name == "products":
                plan.shortcodes[(page.url, index)] = shortcode_query(shortcode, page)
    return plan
