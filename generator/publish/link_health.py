"""`links check`: what broke since the site was written, per page with file:line.

Findings (each `Finding` names its page, the content file and line, and what to do):

- a pinned product (`product_id` of a `products` shortcode, a front matter `listing:`, a
  `recommendations` shortcode, a widget of shelfpress.toml or front matter, or a product data file
  `data/products/<id>.yaml`) that the product source
  no longer has (the API answers 404), or that it reports out of stock;
- a listing, `products` shortcode or widget that now returns no products;
- a shop the partner API's `store/status_log` shows deactivated since the last check, with every
  page that links to it (links in the text, pinned products of the shop);
- with `external`, links in content that answered 404 or 410 on two checks in a row
  (`external_links.py`).

Notes, which never fail `--strict`: links kept plain because their shop does not allow deep links,
and a shop-status part skipped for lack of partner credentials.

It asks the product source afresh (never the build's response cache). What "since the last check"
needs lives in `<cache_dir>/links-check.json` (`CheckState`), so a CI runner that restores the cache
continues where the last run stopped. Must not: print, write anything but that state file, or put a
credential into a finding (the HTTP layer redacts them from errors).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from generator import __version__
from generator.core.asyncrun import run_sync
from generator.config.schema import Config
from generator.content.page import Page, front_matter_line
from generator.products.deeplink_stage import content_links, directory_for, partner_for_deep_links, shop_links
from generator.affiliate.deeplinks import ShopDirectory, url_lines
from generator.core.errors import ConfigError, ShelfpressError
from generator.content.site import Site, load_site
from generator.sources.query import IdFilter
from generator.publish.link_findings import KINDS, CheckState, Finding, LinkReport

_DEACTIVATED = ("deactiv", "inactiv", "disabl", "remov", "closed")

if TYPE_CHECKING:
    from generator.affiliate.revenue.models import DeeplinkStore, StoreStatus
    from generator.sources.base import ProductSource
    from generator.sources.models import Product, ProductPage, Store
    from generator.sources.query import ProductQuery


def _where_in(config: Config, page: Page) -> tuple[str, str]:
    """The page's content file (posix, relative to the site) and its text ("" when unreadable)."""
    if page.source is None:
        return "", ""
    try:
        return page.source.as_posix(), (config.site_dir / page.source).read_text(encoding="utf-8")
    except OSError:
        return page.source.as_posix(), ""


@dataclass(frozen=True)
class Placed:
    """A product query of a page (or of a widget), and the line it is written on."""

    page: Page | None  # None: a widget of shelfpress.toml
    file: str
    line: int | None
    query: ProductQuery | None  # None: a recommendations shortcode (pinned ids only)
    pinned: tuple[int, ...]
    label: str
    fallback: ProductQuery | None = None  # what replaces a gone pinned product (products/fallback.py)


def placed_queries(site: Site) -> list[Placed]:
    """Every listing, `products` and `recommendations` shortcode of the content pages, with its line."""
    from generator.products.fallback import fallback_query
    from generator.products.query_plan import page_queries

    found: list[Placed] = []
    for page in site.pages:
        if page.source is None:
            continue
        listing, shortcodes = page_queries(page, site.config)
        if listing is None and not page.shortcodes:
            continue
        file, text = _where_in(site.config, page)
        if listing is not None:
            line = front_matter_line(text, ("listing", "product_id")) if text else None
            found.append(Placed(page, file, line, listing.query, listing.query.product_id.include, "listing"))
        for index, shortcode in enumerate(page.shortcodes):
            if index in shortcodes:
                query = shortcodes[index]
                found.append(Placed(page, file, shortcode.line, query, query.product_id.include,
                                    "products shortcode",
                                    fallback_query(shortcode, page, query.product_id.include)))
            elif shortcode.name == "recommendations" and shortcode.kwargs.get("product_id"):
                try:
                    ids = IdFilter.parse(shortcode.kwargs["product_id"], "product_id").include
                except ShelfpressError:
                    continue  # the build reports a bad id list at its line
                found.append(Placed(page, file, shortcode.line, None, ids, "recommendations shortcode"))
    return found + _placed_widgets(site) + _placed_data_files(site)


def _placed_data_files(site: Site) -> list[Placed]:
    """The publisher's product data files (`data/products/<id>.yaml`): each pins its product."""
    from generator.products.product_data import DATA_DIR, load_product_data

    return [Placed(None, f"{DATA_DIR}/{pid}.yaml", 1, None, (pid,), "product data file")
            for pid in sorted(load_product_data(site.config))]


def _placed_widgets(site: Site) -> list[Placed]:
    """Every widget's query: `[widgets.NAME]` in shelfpress.toml or `widgets:` in a page's front matter."""
    from generator.config.schema import CONFIG_FILE, toml_line
    from generator.products.widgets import widget_specs

    config = site.config
    found = []
    for spec in widget_specs(config, site.content_pages):
        page = next((p for p in site.content_pages if spec.name in (p.front.get("widgets") or {})), None)
        if page is not None:
            file, text = _where_in(config, page)
            line = front_matter_line(text, ("widgets", spec.name)) if text else None
        else:
            file = CONFIG_FILE
            line = toml_line((config.site_dir / CONFIG_FILE).read_text(encoding="utf-8"), ("widgets", spec.name))
        found.append(Placed(page, file, line, spec.query, spec.query.product_id.include, f"widget {spec.name!r}"))
    return found


async def _products(source: ProductSource, placed: list[Placed]
                    ) -> tuple[dict[int, Product | None], dict[ProductQuery, ProductPage]]:
    """Each pinned product (None: gone) and each query's answer, asked concurrently."""
    import asyncio

    ids = sorted({i for p in placed for i in p.pinned})
    queries = list(dict.fromkeys(q for p in placed for q in (p.query, p.fallback) if q is not None))
    products = await asyncio.gather(*(source.product(i) for i in ids))
    answers = await asyncio.gather(*(source.products(q) for q in queries))
    return dict(zip(ids, products)), dict(zip(queries, answers))


def product_findings(placed: list[Placed], pinned: dict[int, Product | None],
                     answers: dict[ProductQuery, ProductPage]) -> list[Finding]:
    findings: list[Finding] = []
    for place in placed:
        base = {"page": place.page.url if place.page else "", "file": place.file, "line": place.line}
        for product_id in place.pinned:
            product = pinned.get(product_id)
            if product is None:
                findings.append(Finding("product-gone", message=f"{place.label}: product {product_id} is gone "
                                        f"(the product API answers 404); {_instead(place, answers)}", **base))
            elif product.attributes.stock is False:
                findings.append(Finding("out-of-stock", message=f"{place.label}: product {product_id} "
                                        f"({product.name}) is out of stock", **base))
        if place.query is not None and not answers[place.query].products:
            findings.append(Finding("empty-listing", message=f"{place.label} returns no products now; widen its "
                                    "query or remove it", **base))
    return findings


def _instead(place: Placed, answers: dict[ProductQuery, ProductPage]) -> str:
    """What the page shows instead of a gone pinned product, as advice."""
    if place.label == "product data file":
        return "remove the file, or rename it to the id of the product that replaces it"
    matches = answers[place.fallback].products if place.fallback is not None else ()
    if matches:
        return (f"the page shows its fallback's best match, {matches[0].name} ({matches[0].product_id}); "
                "pin another to choose")
    if place.fallback is not None:
        return "its fallback finds nothing either, so the page leaves it out; pin another"
    return "the page leaves it out; remove it, pin another or give the shortcode a fallback"


def _is_deactivation(entry: StoreStatus) -> bool:
    status = entry.status.lower()
    return status in ("0", "false") or any(word in status for word in _DEACTIVATED)


def _log_key(entry: StoreStatus) -> str:
    return f"{entry.store_id}|{entry.status}|{entry.when}"


def shop_findings(site: Site, log: list[StoreStatus], state: CheckState, directory: ShopDirectory,
                  pinned: dict[int, Product | None], placed: list[Placed]) -> list[Finding]:
    """Shops deactivated since the last check, each with the pages that link to it. On the first check
    every entry is old news, except a shop whose latest entry is a deactivation and that the site links to."""
    latest: dict[str, StoreStatus] = {}
    for entry in log:  # the log's order is not documented: the latest by date, then by position
        if entry.store_id not in latest or entry.when >= latest[entry.store_id].when:
            latest[entry.store_id] = entry
    fresh = {e.store_id: e for e in log if _is_deactivation(e) and _log_key(e) not in state.seen_log}
    if state.first:
        fresh = {k: e for k, e in latest.items() if _is_deactivation(e)}
    linking = _pages_linking(site, directory, pinned, placed)
    findings: list[Finding] = []
    for store_id, entry in sorted(fresh.items()):
        if state.first and store_id not in linking:
            continue
        if latest.get(store_id) is not entry and not _is_deactivation(latest[store_id]):
            continue  # reactivated since
        name = entry.name or f"store {store_id}"
        for page, file, line, how in linking.get(store_id, [(None, "", None, "")]):
            findings.append(Finding("shop-deactivated", page=page.url if page else "", file=file, line=line,
                                    message=f"shop {name} was deactivated ({entry.when or 'date unknown'})"
                                    + (f"; this page {how}" if how else "; no page links to it")))
    state.seen_log |= {_log_key(e) for e in log}
    return findings


def _pages_linking(site: Site, directory: ShopDirectory, pinned: dict[int, Product | None],
                   placed: list[Placed]) -> dict[str, list[tuple[Page | None, str, int | None, str]]]:
    linking: dict[str, list[tuple[Page | None, str, int | None, str]]] = {}
    for link, line, file in _located(site, shop_links(content_links(site), directory)):
        linking.setdefault(link.shop.store_id, []).append((link.page, file, line, f"links to {link.url}"))
    for place in placed:
        for product_id in place.pinned:
            product = pinned.get(product_id)
            if product is not None and product.store.store_id:
                linking.setdefault(str(product.store.store_id), []).append(
                    (place.page, place.file, place.line, f"pins its product {product_id}"))
    return linking


def _located(site: Site, links: list[Any]) -> list[tuple[Any, int | None, str]]:
    """Each link (anything with `page` and `url`) with the first line of its content file that holds its
    URL, and that file."""
    by_page: dict[int, list[Any]] = {}
    for link in links:
        by_page.setdefault(id(link.page), []).append(link)
    out = []
    for group in by_page.values():
        file, text = _where_in(site.config, group[0].page)
        lines = url_lines(text, [link.url for link in group])
        out.extend((link, (lines.get(link.url) or [None])[0], file) for link in group)
    return out


def plain_link_notes(site: Site, directory: ShopDirectory, stores: list[DeeplinkStore]) -> list[Finding]:
    """Links to shops that do not allow deep links: they stay plain links (a note, not a break)."""
    allowed = {s.store_id for s in stores if s.enabled}
    links = [link for link in shop_links(content_links(site), directory) if link.shop.store_id not in allowed]
    return [Finding("plain-link", page=link.page.url, file=file, line=line, broken=False,
                    message=f"{link.url} stays a plain link: shop {link.shop.name} does not allow deep links")
            for link, line, file in _located(site, links)]


def check_links(config: Config, *, external: bool = False, drafts: bool = False,
                external_options: dict[str, Any] | None = None) -> LinkReport:
    """Run every check on the site in `config`; the state file is updated only when the checks ran."""
    from generator.sources.factory import open_source

    site = load_site(config, drafts=drafts)
    report = LinkReport(pages_checked=sum(1 for p in site.pages if p.source is not None))
    state = CheckState.for_site(config)
    placed = placed_queries(site)
    source = open_source(config, cached=False)

    async def fetch() -> tuple[dict[int, Product | None], dict[ProductQuery, ProductPage], list[Store]]:
        try:
            pinned, answers = await _products(source, placed)
            stores = await source.stores() if content_links(site) else []
            return pinned, answers, stores
        finally:
            await source.aclose()

    pinned, answers, stores = run_sync(fetch())
    report.findings += product_findings(placed, pinned, answers)
    known = [p for p in pinned.values() if p is not None] + [p for a in answers.values() for p in a.products]
    log, deeplink_stores = _partner_data(config, report)
    directory = directory_for(stores, deeplink_stores, known, config.links.shops)
    if log is not None:
        report.findings += shop_findings(site, log, state, directory, pinned, placed)
    if deeplink_stores:
        report.findings += plain_link_notes(site, directory, deeplink_stores)
    if external:
        from generator.publish.external_links import check_external

        links = [(page, url) for page, urls in content_links(site) for url in urls]
        located = _located(site, [_Link(page, url) for page, url in links])
        options = {"user_agent": f"shelfpress/{__version__} (link check; +{config.base_url})",
                   **(external_options or {})}
        report.findings += check_external(located, state, **options)
    report.findings.sort(key=lambda f: (f.file or "~", f.page, f.line or 0, KINDS.index(f.kind), f.message))
    state.broken = [{**asdict(f), "channel": _channel(site, f.page)} for f in report.broken]
    state.save(log_checked=log is not None)
    return report


def _channel(site: Site, url: str) -> str:
    """The channel that signs the links of the page at `url` ("" for none), for the revenue dashboard."""
    from generator.products.query_plan import channel_for

    page = site.by_url.get(url)
    return channel_for(page, site) if page is not None else ""


@dataclass(frozen=True)
class _Link:
    page: Page
    url: str


def _partner_data(config: Config, report: LinkReport) -> tuple[list[StoreStatus] | None, list[DeeplinkStore]]:
    """The store status log (None: skipped, with a note saying why) and the deeplink store list ([] when the
    API key is not set or the list could not be read)."""
    from generator.affiliate.revenue.partner import PartnerClient
    from generator.affiliate.revenue.settings import partner_settings

    try:
        settings = partner_settings(config)
    except ConfigError as exc:
        report.notes.append(f"shop status not checked: no partner (v3) credentials ({exc.message})")
        return None, []
    try:
        settings = partner_for_deep_links(config)
    except ConfigError:
        pass  # no API key: the status log still works, the deeplink store list does not

    async def fetch() -> tuple[list[StoreStatus], list[DeeplinkStore]]:
        async with PartnerClient(settings) as client:
            log = await client.store_status_log()
            return log, (await client.deeplink_stores() if settings.api_key else [])

    try:
        return run_sync(fetch())
    except ShelfpressError as exc:
        report.notes.append(f"shop status not checked: the partner API failed ({exc.message})")
        return None, []
