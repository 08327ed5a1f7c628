"""The product stage: plan -> fetch once -> add product pages to the site graph.

    taxonomy                          categories, stores, brands (the pages they get)
    plan                              listings + shortcodes + taxonomy + widgets + deals:
                                      every product query of the site, deduplicated
    source.fetch_many(queries)        round 1: concurrent, cached; `fetch_lean` when the source's change
                                      log says few products changed: records are read only for what
                                      is made or rendered (the rest is carried over or kept)
    source.related_many(ids)          round 2: related products of every product page
    paginate listings                 /lamps/, /lamps/page/2/, ... (no empty trailing pages), and
                                      /lamps/products.json for the listing's filters
    shortcodes                        their products, as page data of the page that has them
    category menu                     site.data["category_menu"]: top categories that kept a page
    product pages                     /p/<id>-<slug>/ for every listed product, with related products
                                      and links to its store and brand pages where they exist; their
                                      data is made when they render (`product_page.py`); carried over
                                      from the last build when nothing they show changed (`carry.py`):
                                      all at once, or one by one when only product data changed
    deals feed                        /deals.xml (Atom) of products with a reduction

Everything here is data for templates (`page.data`), which is also what the
build state fingerprints: a page's products reach it only this way, so an
incremental build sees every change. Rendering and writing stay in the
build. The stage never knows which source answered.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator.core.asyncrun import run_sync
from generator.core.console import Reporter
from generator.content.page import Page, front_matter_place
from generator.content.lazydata import LazyData
from generator.core.safety import plain_text, plain_text_head
from generator.content.site import Site
from generator.sources.base import ChangeSource, OfferSource, ProductSource, fetch_planned
from generator.sources.history_source import HistorySource
from generator.sources.price_history import PriceChange
from generator.sources.models import Product, ProductPage
from generator.sources.offer_keys import group_key
from generator.sources.query import ProductQuery
from generator.products.carry import CarryOver
from generator.products.compare import compare_fields
from generator.products.fallback import fill, plan_fallbacks
from generator.products.offers import GroupView, OfferGroup, group_offers
from generator.products.price_chart import lowest_over_time
from generator.products.product_data import ProductData, data_of, unknown_products
from generator.products.listing_json import (DATA_KIND, DATA_TEMPLATE, category_ids, data_url, filter_options,
                                             option_counts)
from generator.products.product_page import ProductPageData
from generator.products.query_plan import QueryPlan, channel_for, plan_queries
from generator.products.taxonomy import ancestors, brand_urls, store_url, taxonomy_pages, top_categories
from generator.products.views import ProductView, Signer, grouped_page_url, product_url

# Past this share of the product pages changed, a build compares every page as before (`_narrow`): reading which
# lists name so many changed products costs more than it saves.
NARROW_SHARE = 0.2

DEALS_QUERY = ProductQuery(reduction_percent_min=1, order_by="reduction_percent", order="DESC", limit=50)


@dataclass
class Pagination:
    number: int
    total: int
    urls: list[str]

    @property
    def prev_url(self) -> str:
        return self.urls[self.number - 2] if self.number > 1 else ""

    @property
    def next_url(self) -> str:
        return self.urls[self.number] if self.number < self.total else ""


@dataclass
class StageResult:
    results: Mapping[ProductQuery, ProductPage]
    product_pages: int = 0
    products: int = 0  # distinct products the site shows (what the shrink guard counts)
    listing_pages: int = 0
    taxonomy_pages: int = 0


def feed_timestamp() -> str:
    """`SOURCE_DATE_EPOCH` (reproducible builds) or today at midnight UTC: stable within a day."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch and epoch.isdigit() else \
        dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def page_urls(base: str, count: int) -> list[str]:
    return [base] + [f"{base}page/{n}/" for n in range(2, count + 1)]


class ProductStage:
    def __init__(self, site: Site, source: ProductSource, sign: Signer, reporter: Reporter,
                 carry: CarryOver | None = None, own: Mapping[int, ProductData] | None = None) -> None:
        self.site, self.source, self.sign, self.reporter, self.carry = site, source, sign, reporter, carry
        self.own = own or {}  # the publisher's data files, by product id (`product_data.py`)
        self.config = site.config
        self.listed: dict[int, Product] = {}
        self._views: dict[tuple[int, str], ProductView] = {}
        self._unsafe: list[int] = []  # products reported for an unsafe click URL, in order
        self.grouping = self.config.offers.group_by
        self.groups: dict[str, OfferGroup] = {}  # group key -> the records of one product (`offers.py`)
        self._group_views: dict[tuple[str, str], GroupView] = {}
        self._changes = ""  # the source's change token as the stage began (`ChangeSource`)
        self._changed: set[int] | None = None  # the products changed since the last build, when few (`_narrow`)

    def __getstate__(self) -> dict[str, object]:
        """A spawned render worker (`engine.spawn_pool`) gets the stage, as product pages make their views
        through it, but not its source (a database connection, an HTTP client) nor its carry-over: there it
        only makes the views of the pages it renders."""
        return {**self.__dict__, "source": None, "carry": None}

    def __setstate__(self, state: dict[str, object]) -> None:
        """Views are found by their product's identity, which is new in the worker."""
        self.__dict__.update(state)
        self._views = {(id(view.product), channel): view for (_, channel), view in self._views.items()}

    def views(self, products: Sequence[Product], channel: str, *, report: bool = True) -> list[ProductView]:
        return [self.view(product, channel, report=report) for product in products]

    def view(self, product: Product, channel: str, *, report: bool = True) -> ProductView:
        """One ProductView per (product, channel) for the whole build: a product on a listing, its own
        page and ten related lists is checked, signed and fingerprinted once. The stage reports a product
        without a safe click URL when it first places it on a page; a product page's data, made later
        (`product_page.py`), makes its views without `report`, as its products were reported then."""
        view = self._views.get((id(product), channel))
        if view is None or view.product is not product:
            view = self._views[(id(product), channel)] = ProductView(product, channel, self.sign,
                                                                     grouped_page_url(product, self.grouping))
            if report and not view.link_target:
                self._report_unsafe(product.product_id)
        return view

    def group_view(self, group: OfferGroup, channel: str) -> GroupView:
        """One GroupView per (group, channel) for the whole build, as for product views."""
        view = self._group_views.get((group.key, channel))
        if view is None:
            view = self._group_views[(group.key, channel)] = GroupView(group.url, tuple(self.views(group.products,
                                                                                                channel)))
        return view

    def _report_unsafe(self, product_id: int) -> None:
        self._unsafe.append(product_id)
        self.reporter.warn(f"product {product_id} has no http(s) click URL; shown without a link",
                           kind="product without a safe click URL")

    def _quiet_views(self, products: Sequence[Product], channel: str) -> list[ProductView]:
        return self.views(products, channel, report=False)

    async def run(self, also_needed: Mapping[ProductQuery, str]) -> StageResult:
        """Fetch every query of the site (plus `also_needed`: query -> who needs it, e.g. widgets) in one
        round and add the product pages."""
        # where the source's change log stands before any product is read: the next build asks what changed since
        self._changes = self.source.change_token() if isinstance(self.source, ChangeSource) else ""
        self._changed = self._changed_since_last()
        plan = plan_queries(self.site)
        taxonomy = await taxonomy_pages(self.site, self.source)
        for page, listing in taxonomy:
            plan.listings[page.url] = listing
        fallbacks = plan_fallbacks(self.site, plan.shortcodes)
        needed_by = {DEALS_QUERY: "the deals feed /deals.xml", **also_needed, **plan.needed_by(self.site),
                     **{query: f"{self.site.by_url[url].source} (fallback)" for (url, _), query in fallbacks.items()}}
        # a build that will carry most product pages over reads only the records of what it makes or renders
        results = await (self.source.fetch_lean(needed_by) if self._changed is not None and isinstance(
            self.source, ChangeSource) else fetch_planned(self.source, needed_by))
        self.groups = await self._offer_groups(results)
        for page, _ in taxonomy:
            if results[plan.listings[page.url].query].products:
                self.site.add(page)
            else:
                del plan.listings[page.url]
        for page, _ in taxonomy:  # link only to sub-categories that kept a page
            if "subcategories" in page.data:
                page.data["subcategories"] = [c for c in page.data["subcategories"] if c.url in self.site.by_url]
        self.site.data["category_menu"] = top_categories(self.site)
        result = StageResult(results, taxonomy_pages=sum(1 for p, _ in taxonomy if p.url in plan.listings))
        result.listing_pages = self._paginate(plan, results)
        self._shortcodes(plan, results, fallbacks)
        result.product_pages = await self._product_pages()
        shown = [*self.listed, *(p.product_id for group in self.groups.values() for p in group.products)]
        for message in unknown_products(self.own, shown):
            self.reporter.warn(message, kind="product data file of no product")
        result.products = len(self.listed)
        self._deals_feed(results[DEALS_QUERY])
        return result

    def _paginate(self, plan: QueryPlan, results: Mapping[ProductQuery, ProductPage]) -> int:
        written = 0
        for url, listing in plan.listings.items():
            owner = self.site.by_url[url]
            found = results[listing.query]
            products = found.products
            if not products:
                self.reporter.warn(f"{front_matter_place(owner, self.config.site_dir, ('listing',))}: listing "
                                   f"found no products for {listing.query}; the page shows an empty list (widen "
                                   "its query or remove it)", kind="empty listing")
            self._remember(products)
            cards = self._cards(products, channel_for(owner, self.site), listing.max_pages * listing.per_page)
            count = max(1, min(listing.max_pages, math.ceil(len(cards) / listing.per_page)))
            urls = page_urls(owner.url, count)
            reachable = cards[:count * listing.per_page]
            shared = {"total_found": found.total_found if found.total_found is not None else len(products),
                      "count": len(reachable), "per_page": listing.per_page, "facets": found.facets,
                      **self._filter_data(owner, listing.filters, reachable)}
            for number, page_url in enumerate(urls, 1):
                page = owner if number == 1 else self.site.add(Page(
                    url=page_url, kind=owner.kind, title=owner.title, description=owner.description,
                    template=owner.template, section=owner.section, params=owner.params, front=owner.front,
                    source=None))
                page.data["listing"] = {
                    "products": reachable[(number - 1) * listing.per_page: number * listing.per_page],
                    "pagination": Pagination(number, count, urls), **shared}
                if number > 1:
                    page.data["paged_from"] = owner
                written += 1
        return written

    def _cards(self, products: Sequence[Product], channel: str, limit: int) -> list[ProductView]:
        """The views a listing shows of `products`, `limit` at most: one per product or, with
        `offers.grouped_cards`, one GroupView in place of the first offer of each grouped product (its other
        offers dropped)."""
        if not (self.config.offers.grouped_cards and self.groups):
            return self.views(products[:limit], channel)
        cards: list[ProductView] = []
        seen: set[str] = set()
        for product in products:
            if len(cards) >= limit:
                break
            group = self.groups.get(group_key(product, self.grouping))
            if group is None:
                cards.append(self.view(product, channel))
            elif group.key not in seen:
                seen.add(group.key)
                cards.append(self.group_view(group, channel))  # type: ignore[arg-type]  # stands in for a view
        return cards

    async def _offer_groups(self, results: Mapping[ProductQuery, ProductPage]) -> dict[str, OfferGroup]:
        """The groups of every product the site fetched: with their records from the whole catalog (an
        OfferSource), or from what the site fetched (the API, which cannot search by GTIN)."""
        if self.grouping == "none":
            return {}
        fetched = [product for page in results.values() for product in page.products]
        keys = {key for product in fetched if (key := group_key(product, self.grouping))}
        more: list[Product] = []
        if keys and isinstance(self.source, OfferSource):
            found = await self.source.same_products(keys, self.grouping, {p.product_id: p for p in fetched})
            more = [p for key, products in found.items() for p in products if group_key(p, self.grouping) == key]
        return group_offers([*fetched, *more], self.grouping)

    def _filter_data(self, owner: Page, wanted: bool, reachable: list[ProductView]) -> dict[str, object]:
        """In-browser filters and sort: the listing's products go into one data file the browser loads on
        demand (`<listing url>products.json`, see listing_json.py), so they work at any size; the pages
        get the file's URL and the filter options, rendered in their HTML."""
        url = data_url(owner.url)
        if not (wanted and len(reachable) > 1 and owner.url.endswith(("/", ".html")) and url not in self.site.by_url):
            return {"filters": False}
        self.site.add(Page(url=url, kind=DATA_KIND, title=owner.title, template=DATA_TEMPLATE, source=None,
                           data={"products": reachable}))
        self._read_records([view.product for view in reachable])  # the options read every one
        counts = option_counts(reachable)
        return {"filters": True, "filter_url": url, "options": filter_options(counts), "option_counts": counts,
                "category_ids": category_ids(reachable)}

    def _shortcodes(self, plan: QueryPlan, results: Mapping[ProductQuery, ProductPage],
                    fallbacks: Mapping[tuple[str, int], ProductQuery]) -> None:
        """Each products shortcode's products, as `page.data["shortcodes"][index]` of its page; pinned
        products that are gone give way to their fallback's best matches (`fallback.py`); an offers
        shortcode's also the group of its first product (`group`: a GroupView, or None when it has none)."""
        for (url, index), query in plan.shortcodes.items():
            page = self.site.by_url[url]
            fallback = fallbacks.get((url, index))
            products = fill(results[query].products, query.product_id.include,
                            results[fallback] if fallback is not None else None)
            if not products:
                line = page.shortcodes[index].line
                self.reporter.warn(f"{page.source.as_posix() if page.source else page.url}:{line}: "
                                   f"{page.shortcodes[index].name} shortcode found no products for {query}; the "
                                   "page shows its heading over "
                                   "nothing (widen its query or remove it)", kind="empty shortcode")
            self._remember(products)
            channel = channel_for(page, self.site)
            data: dict[str, object] = {"products": self.views(products, channel)}
            if page.shortcodes[index].name == "compare":
                data["fields"] = compare_fields(page.shortcodes[index], page)
                if own := {p.product_id: self.own[p.product_id] for p in products if p.product_id in self.own}:
                    data["own"] = own  # the publisher's fields, for a row the shops' attributes do not fill
            if page.shortcodes[index].name == "offers":
                group = self.groups.get(group_key(products[0], self.grouping)) if products else None
                data["group"] = self.group_view(group, channel) if group else None
            page.data.setdefault("shortcodes", {})[index] = data

    def _remember(self, products: tuple[Product, ...]) -> None:
        for product in products:
            self.listed.setdefault(product.product_id, product)

    async def _product_pages(self) -> int:
        if not self.config.products.enabled:
            return 0
        products, groups = self._page_products(sorted(self.listed.values(), key=lambda p: p.product_id))
        carry = self.carry
        carried = carry.whole(self.site, [p.product_id for p in products]) if carry else None
        if carried is not None:  # nothing they show changed: no related products to read, no views to make
            for page in carried:
                self.site.add(page)
            assert carry is not None and carry.made is not None
            for product_id in carry.made.unsafe:  # as making the pages would report them
                self._report_unsafe(product_id)
            self._redirect_offers(groups)
            return len(carried)
        first_unsafe = len(self._unsafe)
        if carry:
            self._narrow(carry, len(products))
        pending = [(p, g) for p, g in zip(products, groups)
                   if not (carry and carry.untouched(p, g.products if g else ()))]
        self._read_records([offer for p, g in pending for offer in (g.products if g else (p,))])  # pages to make
        related = await self._related([p for p, _ in pending])
        channel = self.config.links.channel
        for shown in {id(p): p for others in related.values() for p in others}.values():
            self.view(shown, channel)  # reported now, as its views on product pages are made later
        histories = self._price_histories([p for p, _ in pending], [g for _, g in pending])
        for product, group in zip(products, groups):
            page = carry.take_untouched(product.product_id) if carry else None
            if page is None:
                offers, others = group.products if group else (), related.get(product.product_id, ())
                make = functools.partial(self._page_of, product, channel, others, offers,
                                         histories.get(product.product_id, ()))
                page = carry.page(product, others, channel, make, offers) if carry else make()
            self.site.add(page)
        if carry:
            for product_id in self._still_unsafe(carry):
                self._report_unsafe(product_id)  # as making the carried pages that show it would
            carry.finish(self._unsafe[first_unsafe:], self._changes)
        self._redirect_offers(groups)
        return len(products)

    def _page_of(self, product: Product, channel: str, related: tuple[Product, ...], offers: tuple[Product, ...],
                 history: tuple[PriceChange, ...]) -> Page:
        """The page of `product` (of its group, with `offers`), showing `related`; its view is made here, so a
        page carried over makes none."""
        view = self.view(product, channel)
        own = data_of(self.own, [p.product_id for p in offers or (product,)])
        return self._group_page(view, related, offers, history, own)

    def _read_records(self, products: Sequence[Product]) -> None:
        """Read the records of `products` in bulk when the listings were fetched lean (`fetch_lean`), before
        something reads many fields of each (filter options, the product pages to make), which would otherwise
        read them one query at a time."""
        if self._changed is not None and isinstance(self.source, ChangeSource):
            self.source.fill_text(products)

    def _changed_since_last(self) -> set[int] | None:
        """The products changed since the last build read the source, when its change log tells and they are
        few (at most `NARROW_SHARE` of its product pages); else None."""
        previous = self.carry.previous if self.carry else None
        if previous is None or not previous.changes or not isinstance(self.source, ChangeSource):
            return None
        changed = self.source.changed_since(previous.changes)
        return changed if changed is not None and len(changed) <= NARROW_SHARE * len(previous.pages) else None

    def _narrow(self, carry: CarryOver, pages: int) -> None:
        """Tell `carry` which product pages may show something new since its last build, when the source keeps a
        change log: the changed products' pages and those whose related lists name one (a grouped product's
        page is also compared by its offers, `CarryOver.untouched`)."""
        changed, source = self._changed, self.source
        if carry.last_changes() is None or changed is None or not isinstance(source, ChangeSource) \
                or len(changed) > NARROW_SHARE * pages:
            return
        carry.narrow(changed | source.related_naming(changed) if changed and self.config.products.related > 0
                     else changed)

    def _still_unsafe(self, carry: CarryOver) -> list[int]:
        """The products without a safe click URL that the last build reported making product pages and that pages
        carried over go on showing, unreported so far: as their own product or (after `_narrow`, which reads no
        related lists of what it carries) as a related one. Their records did not change: a page showing a
        changed product is never carried over."""
        if carry.previous is None or not carry.carried:
            return []
        reported, carried, source = set(self._unsafe), carry.carried, self.source
        return [product_id for product_id in carry.previous.unsafe if product_id not in reported and (
            product_id in carried or isinstance(source, ChangeSource) and self.config.products.related > 0
            and bool(source.related_naming({product_id}) & carried))]

    def _page_products(self, listed: list[Product]) -> tuple[list[Product], list[OfferGroup | None]]:
        """The product of each product page, with its group: a listed product that is in no group has its own
        page; a group with a listed offer has one page, made from its cheapest offer, where its first listed
        offer would have had its page."""
        products: list[Product] = []
        groups: list[OfferGroup | None] = []
        seen: set[str] = set()
        for product in listed:
            group = self.groups.get(group_key(product, self.grouping))
            if group is not None and group.key in seen:
                continue
            if group is not None:
                seen.add(group.key)
            products.append(group.products[0] if group else product)
            groups.append(group)
        return products, groups

    def _price_histories(self, products: list[Product],
                         groups: list[OfferGroup | None]) -> dict[int, tuple[PriceChange, ...]]:
        """With `[prices] history`, each page product's price over time (a grouped product's: its cheapest
        shop's at each moment), read in one pass; else nothing."""
        if not isinstance(self.source, HistorySource):
            return {}
        shown = {p.product_id: group.products if group else (p,) for p, group in zip(products, groups)}
        recorded = self.source.recorded(offer.product_id for offers in shown.values() for offer in offers)
        currency = {p.product_id: p.price.currency for p in products}
        return {pid: lowest_over_time([recorded.get(o.product_id, []) for o in offers], currency[pid])
                for pid, offers in shown.items()}

    def _redirect_offers(self, groups: list[OfferGroup | None]) -> None:
        """Each offer's own product URL redirects to its grouped product's page (an alias page, as for
        `aliases:` in front matter): a product that joins a group keeps its old links working."""
        for group in groups:
            for product in group.products if group else ():
                url = product_url(product)
                if url not in self.site.by_url:
                    self.site.add(Page(url=url, kind="alias", title=plain_text(product.name), source=None,
                                       data={"target": group.url}))

    def _group_page(self, view: ProductView, related: tuple[Product, ...], offers: tuple[Product, ...],
                    history: tuple[PriceChange, ...] = (), own: ProductData | None = None) -> Page:
        """The page of a grouped product, made from its cheapest offer `view` and showing every one of its
        `offers` (none: the page of a product in no group), at the group's URL (`view.url`), with its price
        `history` (`_price_histories`)."""
        product = view.product
        first = product.categories[0].category_id if product.categories else None
        crumbs = [c for c in ancestors(self.site.data.get("categories", {}), first)
                  if c.url in self.site.by_url] if first else []
        data = ProductPageData(product=view, categories=tuple(crumbs), **self._taxonomy_links(product),
                               related=related, views=self._quiet_views, offers=offers, price_history=history, own=own)
        return Page(url=view.url, kind="product", title=view.name,
                    description=plain_text_head(product.description, 155), data=LazyData(data))

    def _taxonomy_links(self, product: Product) -> dict[str, str]:
        """The product's store and brand pages, where the site has them (page data: a page that
        appears or goes away changes the product pages that link to it)."""
        store = store_url(product.store.store_id, product.store.name) if self.config.stores.enabled else ""
        brand = brand_urls(self.site).get(product.brand.strip(), "") if self.config.brands.enabled else ""
        return {"store_url": store if store in self.site.by_url else "",
                "brand_url": brand if brand in self.site.by_url else ""}

    async def _related(self, products: list[Product]) -> dict[int, tuple[Product, ...]]:
        wanted = self.config.products.related
        if wanted <= 0:
            return {}
        found = await self.source.related_many((p.product_id for p in products), known=self.listed)
        return {pid: tuple([p for p in others if p.product_id != pid][:wanted]) for pid, others in found.items()}

    def _deals_feed(self, deals: ProductPage) -> None:
        channel = self.config.links.channel
        self.site.add(Page(url="/deals.xml", kind="feed", title="Deals", template="deals.xml",
                           data={"deals": self.views(deals.products, channel), "feed_updated": feed_timestamp()}))


def run_stage(site: Site, source: ProductSource, sign: Signer, reporter: Reporter, *,
              also_needed: Mapping[ProductQuery, str] | None = None, carry: CarryOver | None = None,
              own: Mapping[int, ProductData] | None = None) -> StageResult:
    """Run the product stage to completion in one event loop, then close the source. `carry`: the product
    pages the last build made, to carry over when nothing they show changed (`carry.py`)."""

    async def go() -> StageResult:
        try:
            return await ProductStage(site, source, sign, reporter, carry, own).run(also_needed or {})
        finally:
            await source.aclose()

    return run_sync(go())
