"""`shelfpress build`: the build pipeline, as named stages read top to bottom.

    (text edit)     the dev server, when only the text of content pages changed: render those
                    pages with the last build's site graph, keep every other file (`text_edit`)
    check inputs    nothing changed since the last build (files, config, catalog)? stop here
    read content    content files -> the site graph (`site.load_site`)
    fetch products  every product query of the site in one round, related products in a
                    second (`products.stage`); listing, product, taxonomy, widget pages join
                    the graph with their data; product pages whose inputs did not change are
                    carried over from the last build as stand-ins (`products.carry`)
    deep links      shop URLs in content -> signed tracked links in the pages' data (`deeplink_stage`)
    fingerprint     every output's inputs (`buildstate`): which must be rendered
    keep unchanged  an incremental build keeps each page whose fingerprint matches the last build;
                    a child process starts making the folders of a fresh output tree
    product cards   the cards the pages left will show, from the card store or rendered (`card_store`)
    render          the changed pages, on every core (`render_pool`)
    write           widget files, static files, sitemap, robots.txt, 404 page
    search index    Pagefind, only when an HTML page changed (`search`)
    commit          the next site replaces the live one in one atomic swap (`output`)

No stage reaches back into an earlier one; nothing touches the live output
until `commit`, so a failed or interrupted build leaves the previous site as
it was. `-v` prints each stage's time.
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import jinja2

from generator.core.asyncrun import run_sync
from generator.engine.buildstate import BuildState, inputs_signature
from generator.engine.card_store import CardStore
from generator.config.schema import Config
from generator.content.page import Page
from generator.products.deeplink_stage import add_deep_links
from generator.core.errors import BuildError
from generator.engine.fingerprint import DataDigests
from generator.engine.output import OutputWriter, WriteStats, check_output_dir, clean_leftovers
from generator.engine.ownership import check_owned
from generator.render.page import PageRenderer
from generator.products.carry import CarriedData
from generator.products.recommendations import RecommendationStage, file_signature_text
from generator.affiliate.signing import make_signer
from generator.products.stage import StageResult, feed_timestamp, run_stage
from generator.config.themes import check_theme
from generator.render.environment import UrlBuilder, make_environment, render_template
from generator.engine.render_pool import keep_unchanged, settle_pages
from generator.core.console import Reporter
from generator.publish.search import BUNDLE as SEARCH_BUNDLE
from generator.publish.search import Cancelled, add_search_page, write_search_index
from generator.publish.secretguard import SecretGuard
from generator.engine.shrinkguard import check_shrink
from generator.publish.seo import robots, sitemaps
from generator.content.reviews import add_reviews
from generator.content.site import Site, load_site
from generator.sources.base import ProductSource
from generator.sources.cache import CacheMode
from generator.sources.factory import open_source
from generator.render.runtime import environment_class
from generator.render.stylesheets import ThemeAssets
from generator.publish.text_edit import LastBuild, edited_pages, render_edited
from generator.products.widgets import WidgetStage

if TYPE_CHECKING:
    from generator.sources.shopello import ProgressHook


@dataclass
class BuildReport:
    pages: int = 0
    seconds: float = 0.0
    writes: WriteStats = field(default_factory=WriteStats)
    warnings: int = 0
    details: list[str] = field(default_factory=list)
    rendered: int = 0
    nothing_changed: bool = False
    search_stale: bool = False  # `serving` kept the previous search index although pages changed

    def summary(self) -> str:
        tail = f", {self.warnings} {'warning' if self.warnings == 1 else 'warnings'}" if self.warnings else ""
        if self.nothing_changed:
            return f"Nothing changed since the last build: {self.pages:,} pages kept in {self.seconds:.2f} s{tail}"
        extra = "".join(f", {d}" for d in self.details)
        return (f"Built {self.pages:,} pages in {self.seconds:.2f} s ({self.rendered:,} rendered): "
                f"{self.writes.written:,} {'file' if self.writes.written == 1 else 'files'} written, "
                f"{self.writes.unchanged:,} unchanged, "
                f"{self.writes.removed:,} removed{extra}{tail}")


class StageTimer:
    """Times each named stage; `-v` prints them."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.started = time.perf_counter()

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.reporter.debug(f"  {stage:<15} {time.perf_counter() - start:7.3f} s")

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


F = TypeVar("F", bound=Callable[..., Any])


def _leaves_collector_as_found(function: F) -> F:
    """`function` (a build) pauses and freezes the garbage collector for speed (`_collector_paused`); its
    caller (the CLI, the dev server, a library user) gets the collector back as it was: enabled or not as
    before, and, unless the caller had frozen objects of its own, nothing frozen, so the build's objects
    are freed once the caller drops them (a dev server's previous site graph, every rebuild)."""
    @functools.wraps(function)
    def restoring(*args: Any, **kwargs: Any) -> Any:
        enabled, frozen = gc.isenabled(), gc.get_freeze_count()
        try:
            return function(*args, **kwargs)
        finally:
            if not frozen:
                gc.unfreeze()
            (gc.enable if enabled else gc.disable)()
    return restoring  # type: ignore[return-value]


@_leaves_collector_as_found
def build(config: Config, *, drafts: bool = False, clean: bool = False, strict: bool = False,
          output: Path | None = None, reporter: Reporter | None = None,
          cache_mode: CacheMode = CacheMode.NORMAL, state: BuildState | None = None,
          serving: bool = False, changed: set[str] | None = None, allow_shrink: bool = False) -> BuildReport:
    """Build the site into `output` (default: the configured output_dir), atomically.

    Incremental: outputs whose inputs did not change since the build `state` records (default: the one
    saved for this output dir in the cache dir) are kept, not rendered; `clean` ignores the state.
    `serving` (the dev server, which builds only when its watcher saw a change) skips the "did anything
    change" signature, and keeps the previous search index when pages changed, saying so in the report's
    `search_stale`; `refresh_search_index` brings it up to date. It passes `changed`, the site-relative
    paths its watcher saw since the last build, so unchanged content files are not listed and checked again.
    A build that would drop too many of the live site's products fails before writing (`shrinkguard`)
    unless `allow_shrink`; the dev server, which publishes nothing, is not guarded.
    """
    reporter = reporter or Reporter()
    earlier = len(reporter.warnings)  # the caller's own (deploy's placeholder base_url): not this build's
    timer = StageTimer(reporter)
    out_dir = (output or config.output_path).resolve()
    check_output_dir(out_dir, config.site_dir)
    check_theme(config)
    state = state or BuildState.for_output(config, out_dir)
    check_owned(out_dir, built_before=state.built_before(), recorded=() if serving else state.files,
                setting="-o/--output" if output else "output_dir")  # (the dev server's folder is its own)
    clean_leftovers(out_dir, state.shadow_dir(out_dir))
    if serving and not clean:
        report = _text_edit(config, state, changed or set(), out_dir, drafts=drafts, strict=strict,
                            reporter=reporter, timer=timer)
        if report is not None:
            return report
    state.start(config, drafts=drafts, clean=clean, strict=strict)
    source = open_source(config, cache_mode=cache_mode, on_progress=_fetch_progress(reporter),
                         on_warning=reporter.warn)
    data_version = source.data_version()

    with timer("check inputs"):
        signature = None if serving else inputs_signature(config, drafts=drafts, data_version=data_version,
                                                          extra=feed_timestamp() + file_signature_text(config))
    if not clean and state.unchanged(signature):
        run_sync(source.aclose())
        return _nothing_changed(state, reporter, strict, timer)

    with _collector_paused():  # the site graph: hundreds of thousands of objects that all stay alive
        with timer("read content"):
            site = load_site(config, drafts=drafts, read=state.read_page,
                             listing=state.content_listing(config, changed) if serving else None)
            add_reviews(site)
            state.loaded(site)
            widgets = WidgetStage(site, make_signer(config, reporter), reporter)
            recommendations = RecommendationStage(site, reporter)
            if config.search:
                add_search_page(site)
        env = make_environment(config, strict=strict)
        if runtime_note := environment_class()[1]:
            reporter.debug(runtime_note)
        renderer = PageRenderer(site, env, markdown=state.markdown)
        templates, data = state.template_digests(env), DataDigests()
        with timer("fetch products"):
            carry = None if data_version is None else state.carry_over(  # --clean: records, carries nothing
                site, templates, renderer.template_for, data, data_version, recommendations.digest())
            products = run_stage(site, source, widgets.sign, reporter, carry=carry,
                                 also_needed={**recommendations.needed_by(), **widgets.needed_by()})
            widgets.add_pages(products.results)
            recommendations.add_data(products.results, widgets.sign)
        if not (serving or allow_shrink):
            check_shrink(config, live=state.products_shown, now=products.products)
        with timer("deep links"):
            add_deep_links(site, widgets.sign, reporter, cache_mode=cache_mode,
                           results=products.results.values())
        with timer("fingerprint"):
            fingerprints = state.fingerprint_pages(site, templates, renderer.template_for, data)
    with timer("prepare output"):
        writer = state.writer(out_dir)
    cards = CardStore.for_site(config)
    try:
        with timer("keep unchanged"):
            pending = keep_unchanged(site.pages, fingerprints, writer)
        if any(type(page.data) is CarriedData for page in pending.pages):
            raise _CarriedOutputGone
        writer.make_folders_ahead(pending.keys)  # in a child process, while product cards render
        with timer("product cards"):
            cards.prepare(site.pages, pending.pages, renderer.template_for, templates, data,
                          env.globals["product_card"], state.key, clean=clean)
        with timer("render"):
            writer.folders_ready()
            settle_pages(pending, fingerprints, renderer, writer,
                         lambda done, total: reporter.progress("Rendering", done, total))
        with timer("write"):
            widgets.write(writer, env)
            _write_static(site, writer, env.theme_assets)
            _write_site_files(site, env, writer)
        search_stale = False
        if config.search:
            with timer("search index"):
                # A new build key (a Pagefind upgrade among its causes) indexes anew even when no HTML changed.
                when = "later" if serving else "now" if state.key_changed else "changed"
                search_stale = write_search_index(writer, reporter, when=when)
        reporter.flush_groups()
        _check_strict(reporter.warnings, strict)
        # Files kept from the last build were checked then, unless the secrets (part of the key) changed.
        SecretGuard(config).check_all(writer.owners if state.key_changed else writer.written, writer.read)
        with timer("commit"):
            stats, shadow = writer.commit()
    except _CarriedOutputGone:  # (someone deleted files of the live site): make the product pages anew
        state.aborted(writer.abort())
        state.product_pages = None
        reporter.forget_warnings()
        return build(config, drafts=drafts, strict=strict, output=output, reporter=reporter, cache_mode=cache_mode,
                     state=state, serving=serving, changed=changed, allow_shrink=allow_shrink)
    except BaseException:
        state.aborted(writer.abort())
        raise
    # the warnings are replayed by the next no-change build
    state.committed(writer, shadow, signature, reporter.warnings[earlier:], products.products)
    cards.save()
    if serving:
        reads = state.reads
        state.last = LastBuild(site, renderer, repr(config), drafts, strict, data_version=data_version,
                               text_private=reads is not None and not (reads.bodies or reads.whole_site))
    return BuildReport(pages=len(site.pages), seconds=timer.elapsed, writes=stats,
                       warnings=len(reporter.warnings) - earlier,
                       details=_details(products, source), rendered=len(fingerprints.rendered),
                       search_stale=search_stale)


class _CarriedOutputGone(Exception):
    """A product page carried over from the last build (`products.carry`) has no live output to keep."""


def refresh_search_index(config: Config, *, output: Path | None = None, state: BuildState,
                         reporter: Reporter, cancelled: Cancelled | None = None) -> None:
    """Index the live site's pages again and swap the new bundle in, every other file kept as it is.

    The dev server's second step after a `serving` build: the browser reloads without
    waiting for Pagefind (seconds on a big site), and search catches up when the edits pause.
    `cancelled()` turning True (a new edit) stops it: search.SearchCancelled, the live site as it was.
    """
    _keep_live_site(config, output, state, lambda key: not key.startswith(f"{SEARCH_BUNDLE}/"),
                    lambda writer: write_search_index(writer, reporter, when="now", cancelled=cancelled))


def prepare_shadow(config: Config, *, output: Path | None = None, state: BuildState) -> None:
    """Make the shadow tree the next build works in, when the last build left none: its output folder was
    new, so its shadow became the live site. The dev server calls this while it waits for the first edit,
    which would otherwise first link every file of the site into a new shadow (a second at 10,000 pages)."""
    if state.shadow is None:
        _keep_live_site(config, output, state, lambda key: True, lambda writer: None)


def _keep_live_site(config: Config, output: Path | None, state: BuildState, keep: Callable[[str], bool],
                    then: Callable[[OutputWriter], object]) -> None:
    """A writer over the live site that keeps each file `keep` accepts, lets `then` add files, and commits;
    the page fingerprints of the last build still hold."""
    writer = state.writer((output or config.output_path).resolve())
    try:
        for key in sorted(state.files):
            if keep(key):
                writer.keep(key, "unchanged")
        then(writer)
        stats, shadow = writer.commit()
    except BaseException:
        state.aborted(writer.abort())
        raise
    state.reindexed(writer, shadow)


def _text_edit(config: Config, state: BuildState, changed: set[str], out_dir: Path, *, drafts: bool, strict: bool,
               reporter: Reporter, timer: StageTimer) -> BuildReport | None:
    """The dev server's short way when only the text of content pages changed (text_edit.py); None when
    the edit needs the full pipeline."""

    def data_version() -> str | None:
        source = open_source(config, on_warning=reporter.warn)
        try:
            return source.data_version()
        finally:
            run_sync(source.aclose())

    with timer("read content"):
        try:
            pairs = edited_pages(state.last, config, changed, drafts=drafts, strict=strict, read=state.read_page,
                                 data_version=data_version)
        except BaseException:
            state.forget_site()  # as a failed full load does: the next build reads content/ anew
            raise
    if pairs is None or state.last is None:
        return None
    writer = state.writer(out_dir)
    try:
        with timer("render"):
            rendered = render_edited(state.last, pairs, config, writer)
        reporter.flush_groups()
        _check_strict(reporter.warnings, strict)
        with timer("commit"):
            stats, shadow = writer.commit()
    except BaseException:
        state.forget_site()  # its graph may hold a half-replaced page: the next build takes the full way
        state.shadow = writer.abort()
        raise
    state.text_edited(writer, shadow, rendered, [config.site_dir / rel for rel in changed])
    return BuildReport(pages=len(state.last.site.pages), seconds=timer.elapsed, writes=stats,
                       warnings=len(reporter.warnings), rendered=len(rendered), search_stale=config.search)


def _nothing_changed(state: BuildState, reporter: Reporter, strict: bool, timer: StageTimer) -> BuildReport:
    """The short way: the live site already is this build. Its warnings still count."""
    for warning in state.warnings:
        reporter.warn(warning)
    reporter.flush_groups()
    _check_strict(reporter.warnings, strict)
    return BuildReport(pages=len(state.outputs), seconds=timer.elapsed, warnings=len(reporter.warnings),
                       nothing_changed=True)


def _check_strict(warnings: list[str], strict: bool) -> None:
    if strict and warnings:
        raise BuildError(f"{len(warnings)} warnings and --strict is on; the previous output is "
                         "untouched (first: " + warnings[0] + ")")


def _details(products: StageResult, source: ProductSource) -> list[str]:
    return [f"{products.product_pages:,} product pages", f"{products.listing_pages:,} listing pages",
            source.stats.summary()]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the site graph is built, then keep it out of the
    collector's sight for the rest of the build.

    Reading content and the product stage allocate hundreds of thousands of objects that all stay alive
    until the build ends; the collector would walk them again and again and free nothing (about a fifth of
    the serial time of a 10,000-product build, and a 0.09 s full collection while a one-product rebuild
    renders). It runs again before rendering, in this process and in the render workers it forks, over the
    objects made since: the graph is frozen (`gc.freeze`) until the build returns
    (`_leaves_collector_as_found`)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _fetch_progress(reporter: Reporter) -> ProgressHook:
    def show(done: int, total: int, cache_hits: int) -> None:
        reporter.progress("Fetching products", done, total, f"({cache_hits} from cache)")

    return show


def _write_static(site: Site, writer: OutputWriter, assets: ThemeAssets) -> None:
    for rel, source in site.static_files:
        if writer.claimed(rel):
            continue  # a page at the same path wins over a static file of the same name
        writer.write(rel, assets.output(rel, source), str(source))  # a theme's CSS and JS minified


def _write_site_files(site: Site, env: jinja2.Environment, writer: OutputWriter) -> None:
    urls = UrlBuilder(site.config)
    for path, data in sitemaps(site.pages, urls).items():
        writer.write(path, data, "sitemap")
    if not writer.claimed("robots.txt"):
        writer.write("robots.txt", robots(urls), "robots.txt")
    not_found = Page(url="/404.html", kind="404", title="Page not found")
    context = {"site": site, "config": site.config, "page": not_found}
    html = render_template(env, site.config, "404.html", context, "404.html")
    writer.write("404.html", html.encode(), "404 page")
