"""Co-purchase recommendations on the site: "Others also bought".

    RecommendationStage(site, reporter)   reads `[products] recommendations` (the file
                                          `sales-file recommend` writes) and validates every
                                          {{< recommendations >}} shortcode, before any request
    stage.needed_by()                     the recommended products, as product queries for the
                                          site's one fetch round (by id, in chunks)
    stage.add_data(results, sign)         page data: `recommendations` on product pages,
                                          `shortcodes[index]` for the shortcodes

Product pages: a product with co-purchase partners shows up to
`products.recommended` of them under "Others also bought", topped up with its
related products; those then leave the page's `related` list, so no product
is shown twice. A product without partners keeps its related products as
before. Without the file (or with no partner in the catalog) nothing changes:
the block is simply absent.

Shortcode, on any content page:

    {{< recommendations product_id="508,563" limit=4 title="Often bought together" />}}

shows what buyers of those products also bought (round-robin over the ids);
without `product_id`, the products most often bought with others.

Everything reaches templates as page data, which the build state
fingerprints (each product by its full record), and the file's
(path, mtime, size) is part of the build's "anything changed?" signature
(`file_signature_text`): editing the file re-renders exactly the pages whose
recommendations changed. This module does not compute recommendations
(`salesfile/recommend.py` does) and does not render.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.config.schema import Config
from generator.core.console import Reporter
from generator.core.containment import SiteFiles
from generator.content.page import Page
from generator.core.errors import ContentError
from generator.core.digest import digest, file_signature
from generator.content.lazydata import LazyData
from generator.content.site import Site
from generator.sources.models import Product, ProductPage
from generator.sources.query import IdFilter, ProductQuery
from generator.products.query_plan import channel_for
from generator.affiliate.signing import Signer
from generator.products.product_page import ProductPageData
from generator.products.views import ProductView, grouped_page_url

if TYPE_CHECKING:
    from generator.affiliate.salesfile.recommend import Recommendation

SHORTCODE = "recommendations"
SHORTCODE_KEYS = ("product_id", "limit", "title")
SHORTCODE_KEY_DOCS: dict[str, tuple[str, str, str]] = {
    "product_id": ("ids", '""', "What buyers of these products also bought (`\"508,563\"`: round-robin); "
                   "empty: the products most often bought with others."),
    "limit": ("int", "`[products] recommended`", "How many products, 1 to 48."),
    "title": ("string", '"Others also bought"', "The heading above the products."),
}
CHUNK = 50  # ids per product query


def recommendations_path(config: Config) -> Path | None:
    setting = config.products.recommendations
    return config.site_dir / setting if setting else None


def file_signature_text(config: Config) -> str:
    """(path, mtime, size) of the recommendations file, for the build's inputs signature."""
    path = recommendations_path(config)
    return repr(file_signature([path])) if path else ""


def _ids(value: Any, page: Page, line: int, column: int) -> tuple[int, ...]:
    try:
        found = IdFilter.parse(value, "product_id")
    except Exception as exc:  # noqa: BLE001 - QueryError: reported at the shortcode
        raise ContentError(f"recommendations: {exc}", file=page.source, line=line, column=column) from None
    if found.exclude:
        raise ContentError("recommendations: product_id takes ids to recommend for, not exclusions",
                           file=page.source, line=line, column=column)
    return found.include


class RecommendationStage:
    def __init__(self, site: Site, reporter: Reporter) -> None:
        self.site, self.reporter = site, reporter
        self.config = site.config
        self.limit = self.config.products.recommended
        self.data: dict[str, Recommendation] = self._load()
        self.shortcodes: dict[tuple[str, int], tuple[tuple[int, ...], int]] = self._shortcodes()
        self.products: dict[int, Product] = {}

    def digest(self) -> str:
        """A digest of the co-purchase data product pages are given (`carry.py`: they are carried over
        from the last build only when it is the same). By content: a file's time and size may not move."""
        return digest(*(repr(self.data[key]) for key in sorted(self.data))) if self.data else ""

    def _load(self) -> dict[str, Recommendation]:
        path = recommendations_path(self.config)
        if path is None or not path.exists():
            return {}
        if not Path(self.config.products.recommendations).is_absolute():
            SiteFiles(self.config.site_dir).check(path)
        from generator.affiliate.salesfile.recommend import load_recommendations

        return load_recommendations(path)  # a bad line is a ContentError naming file:line

    def _shortcodes(self) -> dict[tuple[str, int], tuple[tuple[int, ...], int]]:
        found = {}
        for page in self.site.content_pages:
            for index, code in enumerate(page.shortcodes):
                if code.name != SHORTCODE:
                    continue
                params = code.kwargs
                unknown = sorted(set(params) - set(SHORTCODE_KEYS))
                if unknown:
                    raise ContentError(f"recommendations: unknown parameter {unknown[0]!r}; use "
                                       f"{', '.join(SHORTCODE_KEYS)}", file=page.source, line=code.line,
                                       column=code.column)
                limit = params.get("limit", self.limit or 4)
                if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 48:
                    raise ContentError(f"recommendations: limit must be a whole number from 1 to 48, got {limit!r}",
                                       file=page.source, line=code.line, column=code.column)
                found[(page.url, index)] = (_ids(params.get("product_id"), page, code.line, code.column), limit)
        return found

    # which products are shown ------------------------------------------------------------------

    def partners(self, product_id: int, limit: int) -> list[int]:
        rec = self.data.get(str(product_id))
        ids = [int(i) for i in rec.also_bought if i.isdigit()] if rec else []
        return [i for i in ids if i != product_id][:limit]

    def for_shortcode(self, ids: tuple[int, ...], limit: int) -> list[int]:
        """Round-robin over the ids' partners; without ids, the products most often bought with others.
        Asks for twice `limit` candidates, so products missing from the catalog can be skipped."""
        if not ids:
            counts = Counter(int(i) for rec in self.data.values() for i in rec.also_bought if i.isdigit())
            return [pid for pid, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))][:2 * limit]
        lists = [self.partners(pid, 2 * limit) for pid in ids]
        out: list[int] = []
        for rank in range(max(map(len, lists), default=0)):
            for partners in lists:
                if rank < len(partners) and partners[rank] not in out and partners[rank] not in ids:
                    out.append(partners[rank])
        return out[:2 * limit]

    def wanted(self) -> set[int]:
        ids: set[int] = set()
        if self.limit > 0 and self.config.products.enabled:
            for key in self.data:
                if key.isdigit():
                    ids.update(self.partners(int(key), 2 * self.limit))
        for shortcode_ids, limit in self.shortcodes.values():
            ids.update(self.for_shortcode(shortcode_ids, limit))
        return ids

    def needed_by(self) -> dict[ProductQuery, str]:
        """The recommended products, fetched by id with the rest of the site's queries."""
        if not self.data:
            return {}
        ids = sorted(self.wanted())
        owner = f"the recommendations in {self.config.products.recommendations}"
        return {ProductQuery(product_id=IdFilter(tuple(ids[i:i + CHUNK])), limit=len(ids[i:i + CHUNK])): owner
                for i in range(0, len(ids), CHUNK)}

    # page data ---------------------------------------------------------------------------------

    def add_data(self, results: Mapping[ProductQuery, ProductPage], sign: Signer) -> None:
        """Put the recommended products into the page data of product pages and shortcode pages."""
        if not self.data:
            for url, index in self.shortcodes:
                self.site.by_url[url].data.setdefault("shortcodes", {})[index] = {"products": []}
            return
        for query in self.needed_by():
            for product in results[query].products:
                self.products.setdefault(product.product_id, product)
        views: dict[tuple[int, str], ProductView] = {}

        def view(product: Product, channel: str) -> ProductView:
            key = (product.product_id, channel)
            if key not in views:
                views[key] = ProductView(product, channel, sign,
                                         grouped_page_url(product, self.config.offers.group_by))
            return views[key]

        if self.limit > 0 and self.config.products.enabled:
            for page in self.site.pages:
                if isinstance(page.data, LazyData) and isinstance(page.data.recipe, ProductPageData):
                    self._product_page(page, page.data.recipe)
        for (url, index), (ids, limit) in self.shortcodes.items():
            page = self.site.by_url[url]
            channel = channel_for(page, self.site)
            shown = [view(self.products[i], channel) for i in self.for_shortcode(ids, limit) if i in self.products]
            page.data.setdefault("shortcodes", {})[index] = {"products": shown[:limit]}

    def _product_page(self, page: Page, recipe: ProductPageData) -> None:
        own = recipe.product.id
        partners = [self.products[i] for i in self.partners(own, 2 * self.limit) if i in self.products]
        if not partners:
            return  # no co-purchase data: the related products stay as they are
        shown = partners[:self.limit]
        related = list(recipe.related)
        seen = {p.product_id for p in shown} | {own}
        while len(shown) < self.limit and related:
            extra = related.pop(0)
            if extra.product_id not in seen:
                shown.append(extra)
                seen.add(extra.product_id)
        page.data = LazyData(replace(recipe, recommendations=tuple(shown),
                                     related=tuple(p for p in related if p.product_id not in seen)))
