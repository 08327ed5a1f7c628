"""`shelfpress build`: the build, as named stages read top to bottom.

    config -> site graph (content) -> render every page -> static files
    -> sitemap/robots/404 -> strict check -> atomic swap -> summary

Nothing is written to the output directory until every stage succeeded;
the OutputWriter stages the whole site and swaps it in at the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from ..buildstate import BuildState, Plan
from ..config import Config
from ..products.listing_json import register as register_listing_json
from ..products.signing import make_signer
from ..products.stage import run_stage
from ..search import add_search_page, write_search_index
from ..sources.cache import CacheMode
from ..sources.factory import open_source
from ..sources.shopello import ProgressHook
from ..content import Page
from ..errors import BuildError
from ..output import OutputWriter, WriteStats, check_output_dir
from ..pages import PageRenderer
from ..render import UrlBuilder, check_theme, make_environment, render_template
from ..reporting import Reporter
from ..seo import robots, sitemap
from ..site import Site, load_site
from ..widgets import WidgetStage


@dataclass
class BuildReport:
    pages: int = 0
    seconds: float = 0.0
    writes: WriteStats = field(default_factory=WriteStats)
    warnings: int = 0
    details: list[str] = field(default_factory=list)

    def summary(self) -> str:
        extra = "".join(f", {d}" for d in self.details)
        return (f"Built {self.pages:,} pages in {self.seconds:.2f} s: {self.writes.written:,} written, "
                f"{self.writes.unchanged:,} unchanged, {self.writes.removed:,} removed{extra}"
                + (f", {self.warnings} warnings" if self.warnings else ""))


def build(config: Config, *, drafts: bool = False, clean: bool = False, strict: bool = False,
          output: Path | None = None, reporter: Reporter | None = None,
          cache_mode: CacheMode = CacheMode.NORMAL, state: BuildState | None = None) -> BuildReport:
    """Build the site into `output` (default: the configured output_dir), atomically.

    Incremental: pages whose inputs did not change since the build `state` records (default: the one
    saved for this output dir in the cache dir) are kept, not rendered; `clean` ignores the state.
    """
    started = time.perf_counter()
    reporter = reporter or Reporter()
    out_dir = (output or config.output_path).resolve()
    check_output_dir(out_dir, config.site_dir)
    check_theme(config)

    state = state or BuildState.for_output(config, out_dir)
    state.start(config, drafts=drafts, clean=clean)

    site = load_site(config, drafts=drafts, read=state.read_page)
    source = open_source(config, cache_mode=cache_mode, on_progress=_fetch_progress(reporter), on_warning=reporter.warn)
    sign = make_signer(config, reporter)
    widgets = WidgetStage(site, sign, reporter)
    if config.search:
        add_search_page(site)
    products = run_stage(site, source, sign, reporter, after=widgets.fetch)
    env = make_environment(config)
    register_listing_json(env)
    renderer = PageRenderer(site, env, providers=products.providers, markdown=state.markdown)
    plan = state.plan_pages(site)
    writer = state.writer(out_dir, clean=clean)
    try:
        _write_pages(site, renderer, writer, reporter, plan)
        widgets.write(writer, env)
        if config.search:
            write_search_index(writer, reporter)
        _write_static(site, writer)
        _write_site_files(site, env, writer)
        reporter.flush_groups()
        if strict and reporter.warnings:
            raise BuildError(f"{len(reporter.warnings)} warnings and --strict is on; the previous output is "
                             "untouched (first: " + reporter.warnings[0] + ")")
        stats = writer.commit()
    except BaseException:
        writer.abort()
        raise
    state.committed(writer)
    details = [f"{products.product_pages:,} product pages", f"{products.listing_pages:,} listing pages",
               source.stats.summary()]
    return BuildReport(pages=len(site.pages), seconds=time.perf_counter() - started, writes=stats,
                       warnings=len(reporter.warnings), details=details)


def _fetch_progress(reporter: Reporter) -> ProgressHook:
    def show(done: int, total: int, cache_hits: int) -> None:
        reporter.progress("Fetching products", done, total, f"({cache_hits} from cache)")

    return show


def _write_pages(site: Site, renderer: PageRenderer, writer: OutputWriter, reporter: Reporter, plan: Plan) -> None:
    total = len(site.pages)
    for done, page in enumerate(site.pages, 1):
        if not plan.reuse(page, writer):
            writer.write(page.output_path, renderer.render(page), str(page.source or page.url))
        if done % 200 == 0 or done == total:
            reporter.progress("Rendering", done, total)


def _write_static(site: Site, writer: OutputWriter) -> None:
    for rel, source in site.static_files:
        if writer.claimed(rel):
            continue  # a page at the same path wins over a static file of the same name
        writer.copy(rel, source, str(source))


def _write_site_files(site: Site, env: jinja2.Environment, writer: OutputWriter) -> None:
    urls = UrlBuilder(site.config)
    writer.write("sitemap.xml", sitemap(site.pages, urls), "sitemap")
    if not writer.claimed("robots.txt"):
        writer.write("robots.txt", robots(urls), "robots.txt")
    not_found = Page(url="/404.html", kind="404", title="Page not found")
    context = {"site": site, "config": site.config, "page": not_found}
    html = render_template(env, site.config, "404.html", context, "404.html")
    writer.write("404.html", html.encode(), "404 page")
