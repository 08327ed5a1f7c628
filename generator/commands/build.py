"""`shelfpress build`: the build pipeline, as named stages read top to bottom.

    open_output       the output folder checked (not the sources, shelfpress's own), the theme, the
                      build state; an interrupted build's leftovers cleared
    _build_once       one attempt; `build()` makes another when carried output has gone missing
      check inputs    nothing changed since the last build (files, config, catalog)? stop here
                      (`_inputs_signature`, `planner.inputs_signature`)
      _plan
        read content  content files -> the site graph (`_read_content`, `site.load_site`)
        fetch products  every product query of the site in one round, related products in a
                      second (`products.stage`); listing, product, taxonomy, widget pages join
                      the graph with their data; product pages whose inputs did not change are
                      carried over from the last build as stand-ins (`products.carry`)
        deep links    shop URLs in content -> signed tracked links in the pages' data (`deeplink_stage`)
        fingerprint   every output's inputs (`engine.planner`): which must be rendered
      _publish
        keep unchanged  an incremental build keeps each page whose fingerprint matches the last build;
                      a child process starts making the folders of a fresh output tree
        product cards the cards the pages left will show, from the card store or rendered (`card_store`)
        render        the changed pages, on every core (`render_pool`)
        write         widget files, static files, sitemap, robots.txt, 404 page
        search index  Pagefind, only when an HTML page changed (`search`)
      commit          the next site replaces the live one in one atomic swap (`output`), and the
                      build state records it (`engine.buildstate`)

`--shard I/N` (`engine.sharding`) plans the whole site and renders and indexes only its share of the
pages, with a note for `shelfpress merge` (commands/merge.py).

No stage reaches back into an earlier one; nothing touches the live output
until `commit`, so a failed or interrupted build leaves the previous site as
it was. `-v` prints each stage's time. The dev server's builds start in
`serve.serving_build`, which tries its text-edit short way first.
"""

from __future__ import annotations

import functools
import gc
import itertools
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import jinja2

from generator.core.asyncrun import run_sync
from generator.engine.build_record import BuildRecord
from generator.engine.buildstate import BuildState
from generator.engine.planner import inputs_signature
from generator.engine.card_store import CardStore
from generator.config.schema import Config
from generator.content.page import Page
from generator.products.deeplink_stage import add_deep_links
from generator.core.errors import BuildError
from generator.engine.fingerprint import DataDigests, Fingerprints, TemplateDigests
from generator.engine.output import OutputWriter, WriteStats, check_output_dir, clean_leftovers
from generator.engine.ownership import check_owned
from generator.render.page import PageRenderer
from generator.products.carry import CarriedData
from generator.products.recommendations import RecommendationStage, file_signature_text
from generator.affiliate.signing import make_signer
from generator.products.stage import StageResult, feed_timestamp, run_stage
from generator.config.themes import check_theme
from generator.render.environment import UrlBuilder, make_environment, render_template
from generator.render.prices_as_of import prices_as_of
from generator.products.product_data import files_signature as product_data_signature, load_product_data
from generator.core.digest import digest
from generator.sources.history_source import build_time
from generator.engine.render_pool import keep_unchanged, settle_pages
from generator.core.console import Reporter
from generator.publish.search import BUNDLE as SEARCH_BUNDLE
from generator.publish.search import Cancelled, add_search_page, write_search_index
from generator.publish.secretguard import SecretGuard
from generator.engine.shrinkguard import check_shrink
from generator.publish.build_shards import split_pages, write_shard_note
from generator.publish.seo import robots, sitemaps
from generator.content.reviews import add_reviews
from generator.content.site import Site, load_site
from generator.sources.base import ProductSource
from generator.sources.cache import CacheMode
from generator.sources.factory import open_source
from generator.render.runtime import environment_class
from generator.render.stylesheets import ThemeAssets
from generator.products.widgets import WidgetStage

if TYPE_CHECKING:
    from generator.engine.sharding import Share
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
    pages_only: bool = False  # serving: only the rendered pages' HTML changed, every other file kept as it was
    # The site graph and build state of a build whose process ends right after it (`build(exiting=True)`).
    left_for_exit: tuple[object, ...] = field(default=(), repr=False, compare=False)

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


@dataclass(frozen=True)
class Serving:
    """How the dev server builds. It builds only when its watcher saw a change, so it skips the "did
    anything change" signature; it publishes nothing, so no shrink guard; it keeps the previous search
    index when pages changed, saying so in the report's `search_stale` (`refresh_search_index` brings it up
    to date). `changed`: the site-relative paths the watcher saw since the last build, so unchanged content
    files are not listed and checked again (None: not known, as on the first build). `cancelled` is asked
    before the pages render and while they do (`render_pool.settle_pages`)."""

    changed: set[str] | None = None
    cancelled: Callable[[], bool] | None = None  # True once a newer edit came: the build stops (BuildCancelled)

    def check(self) -> None:
        """Stop here (BuildCancelled, nothing committed) when a newer edit made this build pointless."""
        if self.cancelled is not None and self.cancelled():
            raise BuildCancelled


class BuildCancelled(Exception):
    """The dev server's build stopped for a newer edit (`Serving.cancelled`): the live site is as it was."""


@dataclass(frozen=True)
class _Options:
    """The build's switches, as every stage reads them."""

    drafts: bool
    clean: bool
    strict: bool
    cache_mode: CacheMode
    allow_shrink: bool
    serving: Serving | None
    shard: Share | None = None
    exiting: bool = False


@dataclass
class _Graph:
    """The site graph of a build, with everything needed to render it: what `_plan` hands `_publish`."""

    site: Site
    env: jinja2.Environment
    renderer: PageRenderer
    templates: TemplateDigests
    data: DataDigests
    widgets: WidgetStage
    products: StageResult
    fingerprints: Fingerprints


@_leaves_collector_as_found
def build(config: Config, *, drafts: bool = False, clean: bool = False, strict: bool = False,
          output: Path | None = None, reporter: Reporter | None = None,
          cache_mode: CacheMode = CacheMode.NORMAL, state: BuildState | None = None,
          allow_shrink: bool = False, serving: Serving | None = None, shard: Share | None = None,
          exiting: bool = False) -> BuildReport:
    """Build the site into `output` (default: the configured output_dir), atomically.

    Incremental: outputs whose inputs did not change since the build `state` records (default: the one
    saved for this output dir in the cache dir) are kept, not rendered; `clean` ignores the state.
    A build that would drop too many of the live site's products fails before writing (`shrinkguard`)
    unless `allow_shrink`. `serving`: the dev server's build (see `Serving`). `shard`: build only this
    share of the pages, for `merge` to join (`engine.sharding`). `exiting`: the process ends right after
    (the CLI): the report holds the site graph and build state (`left_for_exit`) for the system to free at
    once, not object by object as this returns (10 ms of a one-page rebuild at 10,000 products).
    """
    reporter = reporter or Reporter()
    timer = StageTimer(reporter)
    out_dir, state = open_output(config, output, state, serving=serving is not None)
    options = _Options(drafts, clean, strict, cache_mode, allow_shrink, serving, shard, exiting)
    while True:
        try:
            return _build_once(config, out_dir, state, options, reporter, timer)
        except _CarriedOutputGone:  # (someone deleted files of the live site): make the product pages anew;
            state.plan.drop_carried()  # carrying nothing, the next attempt cannot end here again
            reporter.forget_warnings()


def open_output(config: Config, output: Path | None, state: BuildState | None, *,
                serving: bool) -> tuple[Path, BuildState]:
    """The output folder, checked (not inside the site's sources, shelfpress's own, a valid theme), with
    an interrupted build's leftovers cleared, and its build state (the one saved for it unless `state`)."""
    out_dir = (output or config.output_path).resolve()
    check_output_dir(out_dir, config.site_dir)
    check_theme(config)
    state = state or BuildState.for_output(config.cache_path, out_dir)
    check_owned(out_dir, built_before=state.shadows.built_before(), recorded=() if serving else state.record.files,
                setting="-o/--output" if output else "output_dir")  # (the dev server's folder is its own)
    clean_leftovers(out_dir, state.shadows.shadow_dir(out_dir))
    return out_dir, state


def _build_once(config: Config, out_dir: Path, state: BuildState, options: _Options, reporter: Reporter,
                timer: StageTimer) -> BuildReport:
    """One attempt: check inputs, plan (read content, fetch products, deep links, fingerprint), publish."""
    earlier = len(reporter.warnings)  # the caller's own (deploy's placeholder base_url): not this build's
    as_of = prices_as_of(config, build_time())  # "" unless [prices] as_of: then every build's pages differ
    state.start(config, drafts=options.drafts, clean=options.clean, strict=options.strict, moment=as_of)
    source = open_source(config, cache_mode=options.cache_mode, on_progress=_fetch_progress(reporter),
                         on_warning=reporter.warn)
    data_version = source.data_version()
    with timer("check inputs"):
        signature = None if options.serving else _inputs_signature(config, options.drafts, data_version,
                                                                   as_of + str(options.shard or ""))
    if not options.clean and state.plan.unchanged(signature):
        run_sync(source.aclose())
        return _nothing_changed(state.record, reporter, options.strict, timer)
    cards = CardStore.in_cache(config.cache_path)
    with _collector_paused():  # the site graph: hundreds of thousands of objects that all stay alive
        graph = _plan(config, state, source, data_version, as_of, options, reporter, timer,
                      narrow=lambda: not cards.outgrown(state.record.pages.count))
    with timer("prepare output"):
        writer = state.shadows.writer(out_dir)
    try:
        unindexed = _publish(config, graph, writer, cards, state, options, reporter, timer, data_version)
        with timer("commit"):
            stats, shadow = writer.commit()
    except BaseException:
        state.aborted(writer.abort())
        raise
    # the warnings are replayed by the next no-change build
    state.committed(writer, shadow, signature, reporter.warnings[earlier:], graph.products.products, unindexed)
    cards.save()
    if options.serving:
        _keep_for_text_edits(config, state, graph, data_version, options)
    return BuildReport(pages=len(graph.site.pages), seconds=timer.elapsed, writes=stats,
                       warnings=len(reporter.warnings) - earlier, details=_details(graph.products, source),
                       rendered=len(graph.fingerprints.rendered), search_stale=bool(unindexed),
                       left_for_exit=(graph, state) if options.exiting else ())


def _inputs_signature(config: Config, drafts: bool, data_version: str | None, as_of: str) -> str | None:
    """check inputs: every input's signature (`planner.inputs_signature`), the feeds', the co-purchase file's,
    the publisher's product data files' and the "Prices as of" moment."""
    return inputs_signature(config, drafts=drafts, data_version=data_version,
                            extra=feed_timestamp() + file_signature_text(config) + as_of
                            + product_data_signature(config))


def _plan(config: Config, state: BuildState, source: ProductSource, data_version: str | None, as_of: str,
          options: _Options, reporter: Reporter, timer: StageTimer, *, narrow: Callable[[], bool]) -> _Graph:
    """read content, fetch products, deep links, fingerprint: the site graph and what must be rendered.
    `narrow()`: whether product pages may be carried over by the source's change log (`products.carry`), asked
    only when that could happen."""
    with timer("read content"):
        site, widgets, recommendations = _read_content(config, state, options, reporter)
        own = load_product_data(config)  # the publisher's product data files, checked before any request
    env, renderer = _renderer(config, site, state, options.strict, as_of, reporter)
    templates, data = state.plan.template_digests(env), DataDigests()
    with timer("fetch products"):
        carry = None if data_version is None else state.plan.carry_over(  # --clean: records, carries nothing
            site, templates, renderer.template_for, data, data_version,
            recommendations.digest() + (digest(repr(sorted(own.items()))) if own else ""), narrow=narrow)
        products = run_stage(site, source, widgets.sign, reporter, carry=carry, own=own,
                             also_needed={**recommendations.needed_by(), **widgets.needed_by()})
        widgets.add_pages(products.results)
        recommendations.add_data(products.results, widgets.sign)
    if not (options.serving or options.allow_shrink):
        check_shrink(config, live=state.record.products_shown, now=products.products)
    with timer("deep links"):
        add_deep_links(site, widgets.sign, reporter, cache_mode=options.cache_mode, results=products.results.values())
    with timer("fingerprint"):
        fingerprints = state.plan.fingerprint_pages(site, templates, renderer.template_for, data)
    return _Graph(site, env, renderer, templates, data, widgets, products, fingerprints)


def _read_content(config: Config, state: BuildState, options: _Options,
                  reporter: Reporter) -> tuple[Site, WidgetStage, RecommendationStage]:
    """read content: content files -> the site graph, with reviews, widget and search pages."""
    changed = options.serving.changed if options.serving else None
    site = load_site(config, drafts=options.drafts, read=state.plan.read_page,
                     listing=state.plan.content_listing(config.site_dir, config.config_file, changed)
                     if options.serving else None)
    add_reviews(site)
    state.plan.loaded(site)
    widgets = WidgetStage(site, make_signer(config, reporter), reporter)
    recommendations = RecommendationStage(site, reporter)
    if config.search:
        add_search_page(site)
    return site, widgets, recommendations


def _renderer(config: Config, site: Site, state: BuildState, strict: bool, as_of: str,
              reporter: Reporter) -> tuple[jinja2.Environment, PageRenderer]:
    env = make_environment(config, strict=strict, prices_as_of=as_of)
    if runtime_note := environment_class()[1]:
        reporter.debug(runtime_note)
    return env, PageRenderer(site, env, markdown=state.plan.markdown)


def _publish(config: Config, graph: _Graph, writer: OutputWriter, cards: CardStore, state: BuildState,
             options: _Options, reporter: Reporter, timer: StageTimer, data_version: str | None) -> set[str]:
    """keep unchanged, product cards, render, write, search index, then the last checks before commit;
    the pages whose changes the search index misses (the dev server's index catches up later)."""
    site, renderer = graph.site, graph.renderer
    pages, elsewhere = split_pages(site.pages, options.shard)
    if options.serving:
        options.serving.check()
    with timer("keep unchanged"):
        pending = keep_unchanged(pages, graph.fingerprints, writer)
    if any(type(page.data) is CarriedData for page in pending.pages):
        raise _CarriedOutputGone
    writer.make_folders_ahead(pending.keys)  # in a child process, while product cards render
    with timer("product cards"):
        cards.prepare(pages, pending.pages, renderer.template_for, graph.templates, graph.data,
                      graph.env.globals["product_card"], state.record.key, clean=options.clean)
    with timer("render"):
        writer.folders_ready()
        settle_pages(pending, graph.fingerprints, renderer, writer,
                     lambda done, total: reporter.progress("Rendering", done, total), strict=options.strict,
                     check=options.serving.check if options.serving else None)
    with timer("write"):
        graph.widgets.write(writer, graph.env)
        _write_static(site, writer, graph.env.theme_assets, elsewhere)
        _write_site_files(site, graph.env, writer, elsewhere)
    unindexed: set[str] = set()
    if config.search:
        with timer("search index"):
            # A new build key (a Pagefind upgrade among its causes) indexes anew even when no HTML changed.
            when = "later" if options.serving else "all" if state.plan.key_changed else "changed"
            unindexed = write_search_index(writer, reporter, when=when, pending=state.record.search_pending,
                                           elsewhere=elsewhere, split=config.search_always_split)
    if options.shard:
        from generator.engine.sharding import identity  # deferred: only `--shard` builds load engine.sharding

        write_shard_note(writer, options.shard, identity(config, drafts=options.drafts, strict=options.strict,
                                                         data_version=data_version),
                         graph.fingerprints, graph.products.products, reporter.warnings,
                         drafts=options.drafts, strict=options.strict)
    reporter.flush_groups()
    check_strict(reporter.warnings, options.strict)
    # Files kept from the last build were checked then, unless the secrets (part of the key) changed.
    SecretGuard(config).check_all(writer.owners if state.plan.key_changed else writer.written, writer.read)
    return unindexed


def _keep_for_text_edits(config: Config, state: BuildState, graph: _Graph, data_version: str | None,
                         options: _Options) -> None:
    """The dev server's text edits (publish/text_edit.py) start from this build's site graph."""
    from generator.publish.text_edit import LastBuild  # deferred: only the dev server's builds keep the graph

    reads = state.plan.reads
    state.keep_site(LastBuild(graph.site, graph.renderer, repr(config), options.drafts, options.strict,
                              data_version=data_version,
                              text_private=reads is not None and not (reads.bodies or reads.whole_site)))


class _CarriedOutputGone(Exception):
    """A product page carried over from the last build (`products.carry`) has no live output to keep."""


def refresh_search_index(config: Config, *, output: Path | None = None, state: BuildState,
                         reporter: Reporter, cancelled: Cancelled | None = None) -> None:
    """Index the live site's pages again and swap the new bundle in, every other file kept as it is.

    The dev server's second step after a `serving` build: the browser reloads without
    waiting for Pagefind (seconds on a big site), and search catches up when the edits pause.
    `cancelled()` turning True (a new edit) stops it: search.SearchCancelled, the live site as it was.
    """
    _keep_live_site(output or config.output_path, state, lambda key: not key.startswith(f"{SEARCH_BUNDLE}/"),
                    lambda writer: write_search_index(writer, reporter, cancelled=cancelled,
                                                      pending=state.record.search_pending,
                                                      split=config.search_always_split))


def prepare_shadow(config: Config, *, output: Path | None = None, state: BuildState) -> None:
    """Make the shadow tree the next build works in, when the last build left none: its output folder was
    new, so its shadow became the live site. The dev server calls this while it waits for the first edit,
    which would otherwise first link every file of the site into a new shadow (a second at 10,000 pages)."""
    if state.record.shadow is None:
        _keep_live_site(output or config.output_path, state, lambda key: True, lambda writer: None)


def _keep_live_site(out_dir: Path, state: BuildState, keep: Callable[[str], bool],
                    then: Callable[[OutputWriter], set[str] | None]) -> None:
    """A writer over the live site that keeps each file `keep` accepts, lets `then` add files, and commits;
    the page fingerprints of the last build still hold."""
    writer = state.shadows.writer(out_dir.resolve())
    try:
        for key in sorted(state.record.files):
            if keep(key):
                writer.keep(key, "unchanged")
        unindexed = then(writer)
        stats, shadow = writer.commit()
    except BaseException:
        state.aborted(writer.abort())
        raise
    state.reindexed(writer, shadow, unindexed)


def _nothing_changed(record: BuildRecord, reporter: Reporter, strict: bool, timer: StageTimer) -> BuildReport:
    """The short way: the live site already is this build. Its warnings still count."""
    for warning in record.warnings:
        reporter.warn(warning)
    reporter.flush_groups()
    check_strict(reporter.warnings, strict)
    return BuildReport(pages=record.pages.count, seconds=timer.elapsed, warnings=len(reporter.warnings),
                       nothing_changed=True)


def check_strict(warnings: list[str], strict: bool) -> None:
    """--strict: any warning fails the build, before anything is committed."""
    if strict and warnings:
        raise BuildError(f"{len(warnings)} warnings and --strict is on; the previous output is "
                         "untouched (first: " + warnings[0] + ")")


def _details(products: StageResult, source: ProductSource) -> list[str]:
    return [f"{products.product_pages:,} product pages", f"{products.listing_pages:,} listing pages",
            source.stats.summary()]


_BUILDS_STARTED = itertools.count()  # in this process (`_collector_paused`)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the site graph is built, then keep it out of the
    collector's sight for the rest of the build.

    Reading content and the product stage allocate hundreds of thousands of objects that all stay alive
    until the build ends; the collector would walk them again and again and free nothing (about a fifth of
    the serial time of a 10,000-product build, and a 0.09 s full collection while a one-product rebuild
    renders). It runs again before rendering, in this process and in the render workers it forks, over the
    objects made since: the graph is frozen (`gc.freeze`) until the build returns
    (`_leaves_collector_as_found`).

    Whatever is garbage when the build starts would be frozen with the graph and outlive the build, so it
    is collected first: in a long-lived caller (the dev server) the site graph the last build made, or the
    half-made one of a build a newer edit stopped. Without this, each of a run of stopped builds froze the
    garbage of the ones before (every edit saved while a big site's template edit rendered), and the dev
    server grew until a build finished (issue 34). A process's first build has no earlier build's garbage,
    and skips the collection (30 ms of a command that may take 0.3 s)."""
    enabled = gc.isenabled()
    if next(_BUILDS_STARTED):
        gc.collect()
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


def _write_static(site: Site, writer: OutputWriter, assets: ThemeAssets, elsewhere: Collection[str] = ()) -> None:
    """The static files no page replaces (`elsewhere`: the pages other build shards write)."""
    for rel, source in site.static_files:
        if writer.claimed(rel) or rel in elsewhere:
            continue  # a page at the same path wins over a static file of the same name
        writer.write(rel, assets.output(rel, source), str(source))  # a theme's CSS and JS minified


def _write_site_files(site: Site, env: jinja2.Environment, writer: OutputWriter,
                      elsewhere: Collection[str] = ()) -> None:
    urls = UrlBuilder(site.config)
    for path, data in sitemaps(site.pages, urls).items():
        writer.write(path, data, "sitemap")
    if not writer.claimed("robots.txt") and "robots.txt" not in elsewhere:  # (a page of another shard's)
        writer.write("robots.txt", robots(urls), "robots.txt")
    not_found = Page(url="/404.html", kind="404", title="Page not found")
    context = {"site": site, "config": site.config, "page": not_found}
    html = render_template(env, site.config, "404.html", context, "404.html")
    writer.write("404.html", html.encode(), "404 page")
