"""Site search on a static host: the `/search/` page and its Pagefind index.

Pagefind (PyPI `pagefind[bin]`, which ships the binary) indexes the next
site's HTML as the last step of a build — the `<main data-pagefind-body>` of
product, listing and content pages — and its bundle is written through the
OutputWriter as `/pagefind/...`: one whole-site bundle, so results rank as
Pagefind ranks them, and in shards only on a very big site (shards.py). A build
indexes again the bundles holding a page it wrote or dropped (or one the dev
server changed since the bundle was made), and keeps the others as files;
a build that changed no HTML page keeps the whole bundle without running
Pagefind. When Pagefind is not installed or fails, the build warns and goes
on: the search page then says search is unavailable. This module does not render pages.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import zlib
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from generator.content.page import Page
from generator.config.i18n import site_translations
from generator.engine.output import OutputWriter
from generator.core.console import Reporter
from generator.content.site import Site
from generator.core.platform import cores
from generator.publish.shards import BUNDLE, MANIFEST, ShardLayout, link_pages, shard_of

def add_search_page(site: Site) -> None:
    title = site_translations(site.config).gettext("Search")
    site.add(Page(url="/search/", kind="search", title=title, template="search.html"))


Cancelled = Callable[[], bool]  # asked while Pagefind runs: True stops it (SearchCancelled)
_POLL_SECONDS = 0.05


def _index(site: Path, bundle: Path, cancelled: Cancelled | None = None) -> None:
    """Index `site` into `bundle` with Pagefind's own command, which exits once its files are written.

    (Its Python API stops the indexing service as soon as the service reports the files written, which
    left a cut-off file in the bundle now and then.) It runs in an empty folder, so no pagefind.yml of
    the user's is read, and raises PagefindFailed with Pagefind's last words when it fails. When
    `cancelled()` turns True while it runs, Pagefind is stopped and SearchCancelled raised."""
    from pagefind.service import get_executable

    executable = get_executable()
    if executable is None:
        raise PagefindFailed("Pagefind is not installed")
    with (tempfile.TemporaryDirectory(prefix="shelfpress-pagefind-") as empty,
          tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as said):
        with subprocess.Popen([str(executable), "--site", str(site), "--output-path", str(bundle)], cwd=empty,
                              stdout=said, stderr=subprocess.STDOUT) as pagefind:
            while True:
                try:
                    code = pagefind.wait(_POLL_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    if cancelled is not None and cancelled():
                        pagefind.kill()
                        raise SearchCancelled from None
        if code != 0:
            said.seek(0)
            last = (said.read().strip() or f"exit status {code}").splitlines()[-1]
            raise PagefindFailed(last)


class PagefindFailed(Exception):
    """Pagefind could not index the site."""


class SearchCancelled(Exception):
    """The caller stopped Pagefind (`cancelled`): the dev server has a newer edit to build first."""


class BrokenBundle(Exception):
    """Pagefind wrote a bundle that cannot be served (an empty file, an unreadable entry file)."""


def _is_compressed(path: Path) -> bool:
    """Pagefind's index, fragment, metadata and wasm files are gzip streams."""
    return path.suffix == ".pagefind" or path.suffix.startswith(".pf_")


def _whole_gzip(data: bytes) -> bool:
    """Whether `data` is a gzip stream that ends where it should (not cut off part way)."""
    stream = zlib.decompressobj(wbits=31)
    try:
        stream.decompress(data)
    except zlib.error:
        return False
    return stream.eof


def _check_bundle(bundle: Path) -> list[tuple[Path, bytes]]:
    """The bundle's files with their bytes, each read once; raises BrokenBundle when one is empty, a
    compressed one is cut off, or the entry file is not JSON. (Pagefind's Python API stopped its service
    before the last writes landed: a wasm file cut at 64 KiB of 68 KiB reached the live site in the
    kill -9 test. `_index` now runs the command, which exits on its own; this check stays as the last
    guard.)"""
    files = [(path, path.read_bytes()) for path in sorted(bundle.rglob("*")) if path.is_file()]
    empty = [path.name for path, data in files if not data]
    if empty:
        raise BrokenBundle(f"empty files: {', '.join(empty[:3])}")
    truncated = [path.name for path, data in files if _is_compressed(path) and not _whole_gzip(data)]
    if truncated:
        raise BrokenBundle(f"cut-off files: {', '.join(truncated[:3])}")
    entry = dict(files).get(bundle / "pagefind-entry.json")
    if entry is None:
        raise BrokenBundle("pagefind-entry.json is missing")
    try:
        json.loads(entry)
    except ValueError as exc:
        raise BrokenBundle(f"pagefind-entry.json: {exc}") from None
    return files


def _is_page(key: str) -> bool:
    return key.endswith(".html") and not key.startswith(f"{BUNDLE}/")


def _keep_previous_bundle(writer: OutputWriter) -> bool:
    """Carry the live site's whole bundle (every shard, the manifest) over as it is; False when there is none."""
    return writer.keep_recorded(f"{BUNDLE}/", "search index")


def changed_pages(writer: OutputWriter) -> set[str]:
    """The HTML pages this build wrote anew or dropped (so far): what a search bundle made before it misses."""
    return {key for key in writer.written if _is_page(key)} | {
        key for key in writer.previous_files - writer.owners.keys() if _is_page(key)}


def _split_as_before(writer: OutputWriter, always: bool) -> bool:
    """Whether the live bundle is split as the next site's pages call for: one that is not (a site that
    crossed WHOLE_SITE_PAGES, or shards made before one whole-site index was the rule below it) is indexed
    again though no page changed."""
    pages = [key for key in writer.owners if _is_page(key)]
    return ShardLayout.for_pages(pages, always).manifest() == _live_manifest(writer)


def write_search_index(writer: OutputWriter, reporter: Reporter, *,
                       when: Literal["changed", "later", "all"] = "changed", cancelled: Cancelled | None = None,
                       pending: Collection[str] = (), elsewhere: Collection[str] = (),
                       split: bool = False) -> set[str]:
    """Index the next site's HTML pages into its Pagefind bundle (shards.py); warn (never fail) without Pagefind.

    Runs after every other file is in place (the shadow tree is then the complete next site). `pending`
    names the pages that changed after the live bundle was made (an earlier "later"); with the pages this
    build wrote or dropped they decide which shards are indexed again. `when`: "changed" indexes just the
    shards holding such a page (the other shards' bundles are kept as files); "later" keeps the whole
    previous bundle (the dev server re-indexes once the browser has reloaded, see
    `commands.build.refresh_search_index`); "all" indexes every shard. Returns the pages the bundle does
    not cover yet (empty: search is up to date). `cancelled` may stop Pagefind midway (SearchCancelled,
    the one failure that is raised, not warned about). `elsewhere`: a shard build's view (engine/sharding.py),
    the pages other shards render; the layout is the whole site's, and a search shard holding any of them
    is left to `merge` (`index_missing_shards`). `split`: in shards whatever the site's size
    (`Config.search_split`, shards.py).
    """
    elsewhere = set(elsewhere)
    changed = set(pending) | changed_pages(writer)
    # (A shard build cannot take this short way: pages other shards added can change the whole layout.)
    if not elsewhere and (when == "later" or when == "changed" and not changed and _split_as_before(writer, split)) \
            and _keep_previous_bundle(writer):
        return changed
    writer.prune()
    pages = sorted([key for key in writer.owners if _is_page(key)] + [key for key in elsewhere if _is_page(key)])
    layout = ShardLayout.for_pages(pages, split)
    kept: list[str] = []  # the live bundle files of the shards that need no indexing
    stale: list[tuple[int, list[str]]] = []
    reuse = when != "all" and layout.manifest() == _live_manifest(writer)
    touched = {shard_of(page, layout.count) for page in changed}
    bundles = _live_bundles(writer, layout) if reuse else {}
    for shard, keys in layout.shards(pages):
        if elsewhere and not elsewhere.isdisjoint(keys):
            continue  # (its pages are not all here: `merge` indexes it)
        live = bundles.get(shard) if shard not in touched else None
        if live:
            kept += live
        else:
            stale.append((shard, keys))
    if _index_and_adopt(writer, reporter, layout, stale, kept, cancelled):
        writer.write(MANIFEST, layout.manifest(), "search index")
    return set()


def index_missing_shards(writer: OutputWriter, reporter: Reporter, made: Collection[str], split: bool = False) -> bool:
    """Index the search shards of the next site whose bundle is not among the files `made` (by the build
    shards): what `merge` does for the search shards no build shard held whole (engine/sharding.py). False
    when Pagefind could not (warned): then the site goes without search, as a build's would. `split` as for
    `write_search_index`."""
    pages = sorted(key for key in writer.owners if _is_page(key))
    layout = ShardLayout.for_pages(pages, split)
    stale = [(shard, keys) for shard, keys in layout.shards(pages)
             if f"{layout.prefix(shard)}pagefind-entry.json" not in made]
    return not stale or _index_and_adopt(writer, reporter, layout, stale, [], None)


def _index_and_adopt(writer: OutputWriter, reporter: Reporter, layout: ShardLayout, stale: list[tuple[int, list[str]]],
                     kept: list[str], cancelled: Cancelled | None) -> bool:
    """Index the `stale` shards, then keep the live bundle files `kept` and move the new bundles into the
    next site; False (with a warning, nothing claimed) when Pagefind could not."""
    with tempfile.TemporaryDirectory(dir=writer.out_dir.parent, prefix=f".{writer.out_dir.name}.pagefind-") as temp:
        try:  # every stale shard is made before anything is claimed: a failure leaves the site without search
            made = _index_shards(writer.shadow, Path(temp), layout, stale, cancelled)
        except _SearchOff as exc:
            reporter.warn(str(exc))
            return False
        for key in kept:
            writer.keep(key, "search index")
        for prefix, (bundle, files) in made:
            for path, data in files:
                writer.adopt(f"{prefix}{path.relative_to(bundle).as_posix()}", path, data, "search index")
    return True


class _SearchOff(Exception):
    """Pagefind could not make a shard: the site goes out without search (the message says why)."""


def _live_manifest(writer: OutputWriter) -> bytes | None:
    if MANIFEST not in writer.previous_files:
        return None
    try:
        return (writer.out_dir / MANIFEST).read_bytes()
    except OSError:
        return None


def _live_bundles(writer: OutputWriter, layout: ShardLayout) -> dict[int, list[str]]:
    """Each shard's live bundle files, to keep as they are; a shard that has none or lost one is left out."""
    bundles: dict[int, list[str]] = {}
    for key in writer.previous_files:
        shard = layout.bundle_of(key)
        if shard is not None:
            bundles.setdefault(shard, []).append(key)
    return {shard: sorted(keys) for shard, keys in bundles.items()
            if f"{layout.prefix(shard)}pagefind-entry.json" in keys
            and (writer.previous_trusted or all((writer.out_dir / key).is_file() for key in keys))}


def _index_shards(shadow: Path, temp: Path, layout: ShardLayout, stale: list[tuple[int, list[str]]],
                  cancelled: Cancelled | None) -> list[tuple[str, tuple[Path, list[tuple[Path, bytes]]]]]:
    """Index the `stale` shards, one Pagefind per core side by side (a Pagefind run keeps about one core
    busy: 4 shards of a 5,200-page site took 26 s one after another and 10 s two at a time); return each
    bundle's folder (a key prefix) with its made bundle."""
    def one(item: tuple[int, list[str]]) -> tuple[str, tuple[Path, list[tuple[Path, bytes]]]]:
        shard, keys = item
        return layout.prefix(shard), _index_shard(shadow, temp / str(shard), layout, keys, cancelled)

    if len(stale) < 2 or cores() < 2:
        return [one(item) for item in stale]
    with ThreadPoolExecutor(min(len(stale), cores()), thread_name_prefix="pagefind") as pool:
        futures = [pool.submit(one, item) for item in stale]
        try:
            return [future.result() for future in futures]
        except BaseException:
            pool.shutdown(cancel_futures=True)  # (the running ones see `cancelled` too, or finish)
            raise


def _index_shard(shadow: Path, temp: Path, layout: ShardLayout, pages: list[str],
                 cancelled: Cancelled | None) -> tuple[Path, list[tuple[Path, bytes]]]:
    """Index the `pages` of a shard into a bundle under `temp`; return it and its files, read and checked.
    Raises _SearchOff when Pagefind cannot (a broken bundle is made again once first)."""
    bundle = temp / BUNDLE
    for attempt in (1, 2):
        shutil.rmtree(temp, ignore_errors=True)
        try:
            # the whole site: Pagefind reads the shadow tree itself; a shard: links to its pages
            site = shadow if layout.count == 1 else link_pages(shadow, pages, temp / "pages")
            _index(site, bundle, cancelled)
            return bundle, _check_bundle(bundle)
        except SearchCancelled:
            raise
        except BrokenBundle as exc:
            if attempt == 2:
                raise _SearchOff(f"site search is off: Pagefind wrote a broken index twice ({exc})") from None
        except Exception as exc:  # noqa: BLE001 - any Pagefind failure (not installed, crashed) only warns
            raise _SearchOff(f"site search is off: Pagefind could not index the site ({type(exc).__name__}: "
                             f"{exc}); install it with `pip install 'pagefind[bin]'`") from None
    raise AssertionError("unreachable")
