"""`shelfpress serve`: build, serve, watch, rebuild, reload the browsers.

    watcher thread --(changed paths)--> BuildEpochs.want()
    build thread   --(incremental build into a temp dir)--> BuildEpochs.publish()
    HTTP threads   --(serve the temp dir; HTML waits for an in-flight build)

One long-lived `watchfiles.watch()` covers content/, templates/, themes/,
static/, data/, shelfpress.toml, a local catalog file and the recommendations
file; a burst of saves
arrives as one batch, and changes that land during a build are coalesced
into the next one. The build state stays in memory between rebuilds, so a
one-page edit re-renders that page (and what lists it) only. The browser
reloads as soon as the pages are in; when the build rewrote only pages' HTML
(the text of content pages), it swaps its page in place instead when it can
(publish/livereload.py). After an edit of templates, the pages
open in a browser (each tab's reload script names its page) are rendered
first and published; the rest of the site is built in the background, a
newer edit stops that build, and HTML asked for meanwhile is rendered on
demand (publish/template_edit.py). The search index (Pagefind: seconds on
a big site) is brought up to date once the edits pause for a second, in a
second atomic swap, so a reload never waits for it; an edit that arrives
while Pagefind runs stops it, and indexing starts over at the next pause. A failed rebuild
(config included) keeps the last good site and shows its error in the
terminal and, as an overlay, in the browser. Product data comes through the
build's normal (cached) sources: serving never forces a re-fetch. Responses
allow any origin (CORS), and the widget gallery shows embed codes for the
local address, so widgets can be tried in a page served from another port.
"""

from __future__ import annotations

import errno
import gc
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path

import watchfiles

from generator.engine.buildstate import BuildState
from generator.config.schema import CONFIG_FILE, Config, load_config
from generator.core.console import Reporter
from generator.core.errors import ServeError
from generator.core.failures import one_line
from generator.core.platform import release_free_memory
from generator.publish.livereload import BuildEpochs, LiveReloadServer
from generator.products.recommendations import recommendations_path
from generator.publish.search import SearchCancelled
from generator.commands.build import (BuildCancelled, BuildReport, Serving, StageTimer, build, open_output,
                                      prepare_shadow, refresh_search_index)
from generator.core.asyncrun import run_sync
from generator.publish.template_edit import TemplatePreview, is_template
from generator.publish.text_edit import LastBuild, edited_pages, render_edited
from generator.render.prices_as_of import prices_as_of
from generator.sources.history_source import build_time
from generator.sources.factory import open_source

WATCHED = ("content", "templates", "themes", "static", "data", CONFIG_FILE)
# A save's events (write, rename, chmod) come within a few ms. The watcher yields a batch once a step passes
# with no new event, so 1-2 steps are added to every reload: 10 ms steps take 8-18 ms (20 ms steps took 31).
WATCH_STEP_MS = 10
WATCH_TIMEOUT_MS = 200
SEARCH_AFTER_QUIET_SECONDS = 1.0  # edits pause this long before the search index catches up
OPEN_PAGES_GRACE_SECONDS = 0.5  # at most this long, the open tabs fetch their new pages before the rest renders
_EDITOR_TEMP = (r"\.sw[a-p]$", r"~$", r"^\.#", r"^#.*#$", r"^4913$", r"\.tmp(-\d+)?$", r"\.(crdownload|part)$")


class SourceFilter(watchfiles.DefaultFilter):
    """watchfiles' defaults plus editor temp files, the serve output and the cache dir."""

    ignore_entity_patterns = (*watchfiles.DefaultFilter.ignore_entity_patterns, *_EDITOR_TEMP)

    def __init__(self, ignore: list[Path]) -> None:
        super().__init__(ignore_paths=[str(p) for p in ignore])


def is_css_only(paths: set[str]) -> bool:
    """Every change is a stylesheet among static files: browsers can swap styles instead of reloading."""
    return bool(paths) and all(p.endswith(".css") and re.search(r"(^|/)static/", p.replace("\\", "/"))
                               for p in paths)


class DevServer:
    """The running dev server; `serve()` drives one, tests start and stop it directly."""

    def __init__(self, config: Config, *, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False,
                 poll: bool = False, reporter: Reporter | None = None) -> None:
        self.config, self.drafts, self.poll = config, drafts, poll
        self.reporter = reporter or Reporter()
        self.host, self.port = host, port
        self.cache_dir = config.cache_path
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        # In the cache dir, not /tmp: the build writes many small files, and /tmp may be slow or tiny.
        _remove_abandoned(self.cache_dir)
        self.temp = Path(tempfile.mkdtemp(prefix=f"serve-{os.getpid()}-", dir=self.cache_dir))
        self.out_dir = self.temp / "site"
        self.state = BuildState(self.out_dir)
        self.epochs = BuildEpochs()
        self.stop_event = threading.Event()
        self._changes: set[str] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._search_stale = False
        self._pages_only = False  # the last build rewrote only pages' HTML (the text-edit way)
        self._stopped_from: LastBuild | None = None  # the graph of the live site, when a stopped build dropped it
        self.server: LiveReloadServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.config.base_path}"

    def start(self) -> None:
        """Listen (a busy port raises ServeError), watch, build once (errors raise), then serve and rebuild."""
        try:
            self.server = _listen(self.host, self.port, self.out_dir, self.config.base_path, self.epochs)
            self.server.public_url = self.config.base_url
            watching = self._open_watch()  # before the first build: no edit after start() began is missed
            try:
                self._build()  # requests wait in the listen backlog until it is done
            except BaseException:
                watching.close()
                raise
        except BaseException:
            self.close()
            raise
        for target, args in ((self.server.serve_forever, ()), (self._watch, (watching,)), (self._rebuild_loop, ())):
            thread = threading.Thread(target=target, args=args, daemon=True, name=f"shelfpress-{target.__name__}")
            thread.start()
            self._threads.append(thread)

    def close(self) -> None:
        self.stop_event.set()
        if self.server is not None:
            if self._threads:  # shutdown() waits for serve_forever(), which only runs once started
                self.server.shutdown()
            self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        shutil.rmtree(self.temp, ignore_errors=True)

    def _build(self, changed: set[str] | None = None, cancelled: Callable[[], bool] | None = None) -> None:
        """Build into the served dir; the search index may lag behind (see _rebuild_loop)."""
        report = serving_build(self.config, self.out_dir, self.state, changed, drafts=self.drafts,
                               reporter=Reporter(self.reporter.verbosity, self.reporter.stream), cancelled=cancelled)
        self._search_stale = self._search_stale or report.search_stale
        self._pages_only = report.pages_only
        self.reporter.info(report.summary())

    def _prepare_shadow(self) -> None:
        """While no edit has come yet: the shadow tree the first edit's build needs, if the first build
        (into a new output folder) left none. Failing only costs that build the time."""
        try:
            prepare_shadow(self.config, output=self.out_dir, state=self.state)
        except Exception as exc:  # noqa: BLE001 - the next build makes the shadow itself
            self.reporter.debug(f"shadow tree not prepared: {exc}")

    def _refresh_search(self, built: int) -> None:
        """Index search again, unless an edit after build `built` arrives first: Pagefind is then stopped
        (seconds on a big site that edit's reload must not wait for) and runs at the next pause. Closing the
        server stops it too (before its folder is removed)."""
        try:
            refresh_search_index(self.config, output=self.out_dir, state=self.state,
                                 reporter=Reporter(self.reporter.verbosity, self.reporter.stream),
                                 cancelled=lambda: self.stop_event.is_set() or self.epochs.wanted_after(built))
            self._search_stale = False
            self.reporter.debug("Search index updated")
        except SearchCancelled:
            self.reporter.debug("Search index update stopped for a newer edit")
        except Exception as exc:  # noqa: BLE001 - search stays stale; the next rebuild tries again
            message = one_line(exc)
            self.reporter.error(f"search index not updated: {message}")

    def watched_paths(self) -> list[Path]:
        site = self.config.site_dir
        paths = [site / name for name in WATCHED]
        if self.config.source.catalog:
            paths.append(site / self.config.source.catalog)
        recommendations = recommendations_path(self.config)
        if recommendations is not None and not recommendations.resolve().is_relative_to((site / "data").resolve()):
            paths.append(recommendations)
        return [p for p in paths if p.exists()]

    def _open_watch(self) -> Iterator[set[tuple[watchfiles.Change, str]]]:
        """The one long-lived watch; its first (empty, after WATCH_TIMEOUT_MS) batch proves it is listening."""
        changes = watchfiles.watch(*self.watched_paths(), watch_filter=SourceFilter([self.cache_dir,
                                   self.config.output_path]), stop_event=self.stop_event, step=WATCH_STEP_MS,
                                   rust_timeout=WATCH_TIMEOUT_MS, yield_on_timeout=True,
                                   force_polling=self.poll or None, raise_interrupt=False)
        self._record(next(changes, set()))
        return changes

    def _watch(self, changes: Iterator[set[tuple[watchfiles.Change, str]]]) -> None:
        for batch in changes:
            self._record(batch)

    def _record(self, batch: set[tuple[watchfiles.Change, str]]) -> None:
        if not batch:
            return
        site = self.config.site_dir
        with self._lock:
            self._changes.update(os.path.relpath(path, site) for _, path in batch)  # a catalog may be outside
        self.epochs.want()

    def _rebuild_loop(self) -> None:
        """Rebuild on every batch of changes and publish it (the browsers reload); re-index search only
        once the edits pause, so a reload never waits for Pagefind."""
        self._prepare_shadow()
        built = 0
        while (epoch := self.epochs.next_wanted(built, self.stop_event)) is not None:
            with self._lock:
                changed, self._changes = self._changes, set()
            graph = id(self.state.last)
            built = self._build_and_publish(epoch, changed)
            if id(self.state.last) != graph:
                gc.collect()  # the site graph the build replaced, freed while the browsers reload
                release_free_memory()  # and the memory it held given back, not kept by this thread's arena
            if self._search_stale and self.epochs.quiet_for(built, SEARCH_AFTER_QUIET_SECONDS, self.stop_event):
                self._refresh_search(built)

    def _build_and_publish(self, epoch: int, changed: set[str]) -> int:
        """Build for the changes `changed` (wanted as `epoch`) and publish; the epoch now visible."""
        preview = self._open_pages_first(changed)
        if preview is not None:
            return self._rest_of_site(epoch, changed, preview)
        self._show(None)
        self._stopped_from = None
        try:
            error = self.rebuild(changed, cancelled=self.stop_event.is_set)
        except BuildCancelled:
            return epoch  # the server is closing
        # Only pages' HTML changed: the browsers may swap their page in place instead of reloading it.
        self.epochs.publish(epoch, error, css_only=is_css_only(changed), pages_only=self._pages_only)
        return epoch

    def _open_pages_first(self, changed: set[str]) -> TemplatePreview | None:
        """After an edit of templates (and maybe the text of content pages): the pages open in a browser
        rendered with the new templates (publish/template_edit.py), or None when the edit takes the one-step
        way (no open page, no last full build, another kind of change, or a preview that could not be made)."""
        pages = self.server.open_pages.pages() if self.server is not None else []
        last = self.state.last or self._stopped_from  # (a stopped build dropped the graph it started from)
        texts = {rel for rel in changed if not is_template(rel)}
        if not pages or last is None or texts == changed or last.config != repr(self.config):
            return None
        try:
            edited = edited_pages(last, self.config, texts, drafts=self.drafts, strict=False,
                                  read=self.state.plan.read_page,
                                  data_version=lambda: _data_version(self.config, self.reporter)) if texts else []
            if edited is None:
                return None
            preview = TemplatePreview(last, self.config, prices_as_of(self.config, build_time()), edited)
            preview.first(pages)
        except Exception as exc:  # noqa: BLE001 - the full build makes (and reports) the same
            self.reporter.debug(f"open pages not rendered first: {one_line(exc)}")
            return None
        return preview

    def _rest_of_site(self, epoch: int, changed: set[str], preview: TemplatePreview) -> int:
        """Publish the open pages `preview` rendered (the browsers reload), then build the whole site, which
        a newer edit stops; the browsers reload again only when the build's pages or error are not what the
        preview showed. The epoch now visible."""
        self._show(preview if preview.error is None else None)
        self.epochs.publish(epoch, preview.error)
        self.reporter.debug(f"Open pages ({len(preview.served)}) shown; rendering the rest of the site")
        assert self.server is not None
        # Let the reloading tabs load their pages (each polls again after its load event) before the build
        # competes with them for this process.
        self.server.open_pages.wait_shown(preview.open, epoch, OPEN_PAGES_GRACE_SECONDS)
        try:
            error = self.rebuild(changed,
                                 cancelled=lambda: self.stop_event.is_set() or self.epochs.wanted_after(epoch))
        except BuildCancelled:
            with self._lock:
                self._changes |= changed  # the next build does this edit's part too
            self._stopped_from = preview.last  # still the live site's graph: the next preview starts from it
            self.reporter.debug("Rebuild stopped for a newer edit")
            return epoch
        finally:
            preview.done()
        self._stopped_from = None
        self._show(None)
        if error != preview.error or (error is None and preview.differs(self.out_dir)):
            return self.epochs.republish(error) or epoch
        return epoch

    def _show(self, preview: TemplatePreview | None) -> None:
        """Serve HTML from `preview` (None: from the output folder) from now on."""
        if self.server is not None:
            self.server.preview = preview

    def rebuild(self, changed: set[str], cancelled: Callable[[], bool] | None = None) -> str | None:
        """Rebuild after `changed` (site-relative paths); return the error line, or None on success.
        `cancelled`: see `build.Serving` (BuildCancelled is raised through)."""
        started = time.perf_counter()
        self._pages_only = False
        shown = ", ".join(sorted(changed)[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        try:
            self.config = load_config(self.config.site_dir)
            if self.server is not None:
                self.server.base_path = self.config.base_path
                self.server.public_url = self.config.base_url
            self._build(changed, cancelled)
        except BuildCancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure keeps the last good site and is shown
            message = one_line(exc)
            self.reporter.error(f"rebuild failed ({shown}): {message}")
            return message
        self.reporter.debug(f"Rebuilt after {shown} in {time.perf_counter() - started:.2f} s")
        return None


def serving_build(config: Config, out_dir: Path, state: BuildState, changed: set[str] | None, *, drafts: bool,
                  reporter: Reporter, cancelled: Callable[[], bool] | None = None) -> BuildReport:
    """The dev server's build of `out_dir` after its watcher saw `changed` (site-relative paths; None
    before the first build): the short way when only the text of content pages changed, else the full
    pipeline as the dev server runs it (`build.Serving`)."""
    timer = StageTimer(reporter)
    open_output(config, out_dir, state, serving=True)
    report = _text_edit(config, state, changed or set(), out_dir, drafts=drafts, reporter=reporter, timer=timer)
    if report is not None:
        return report
    return build(config, drafts=drafts, output=out_dir, state=state, reporter=reporter,
                 serving=Serving(changed=changed, cancelled=cancelled))


def _text_edit(config: Config, state: BuildState, changed: set[str], out_dir: Path, *, drafts: bool,
               reporter: Reporter, timer: StageTimer) -> BuildReport | None:
    """The short way when only the text of content pages changed (publish/text_edit.py): those pages
    rendered with the last build's site graph, every other file kept. None when the edit needs the full
    pipeline."""

    with timer("read content"):
        try:
            pairs = edited_pages(state.last, config, changed, drafts=drafts, strict=False,
                                 read=state.plan.read_page, data_version=lambda: _data_version(config, reporter))
        except BaseException:
            state.forget_site()  # as a failed full load does: the next build reads content/ anew
            raise
    if pairs is None or state.last is None:
        return None
    writer = state.shadows.writer(out_dir)
    try:
        with timer("render"):
            rendered = render_edited(state.last, pairs, config, writer)
        reporter.flush_groups()  # (the dev server never builds --strict)
        with timer("commit"):
            stats, shadow = writer.commit()
    except BaseException:
        state.text_edit_failed(writer.abort())  # the next build takes the full way
        raise
    state.text_edited(writer, shadow, rendered, [config.site_dir / rel for rel in changed])
    return BuildReport(pages=len(state.last.site.pages), seconds=timer.elapsed, writes=stats,
                       warnings=len(reporter.warnings), rendered=len(rendered), search_stale=config.search,
                       pages_only=True)


def _data_version(config: Config, reporter: Reporter) -> str | None:
    """The product source's data version now (a local catalog's; None for the live API)."""
    source = open_source(config, on_warning=reporter.warn)
    try:
        return source.data_version()
    finally:
        run_sync(source.aclose())


def _remove_abandoned(cache_dir: Path) -> None:
    """Delete temp dirs of dev servers that were killed (their process is gone)."""
    for folder in cache_dir.glob("serve-*-*"):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and Path("/proc/self").exists():
            shutil.rmtree(folder, ignore_errors=True)


def _listen(host: str, port: int, root: Path, base_path: str, epochs: BuildEpochs) -> LiveReloadServer:
    try:
        return LiveReloadServer((host, port), root, base_path, epochs)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is already in use; stop the other server or pass "
                             "--port 0 to pick a free one") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(config: Config, *, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False,
          open_browser: bool = False, poll: bool = False, reporter: Reporter | None = None) -> None:
    """Serve the site with live reload until Ctrl+C."""
    reporter = reporter or Reporter()
    server = DevServer(config, host=host, port=port, drafts=drafts, poll=poll, reporter=reporter)
    server.start()
    reporter.info(f"Serving {server.url} (live reload on; Ctrl+C to stop)")
    if open_browser:
        webbrowser.open(server.url)
    signal.signal(signal.SIGTERM, lambda *_: server.stop_event.set())
    try:
        server.stop_event.wait()
    except KeyboardInterrupt:
        reporter.info("Stopped.")
    finally:
        server.close()
