"""Site search on a static host: the `/search/` page and its Pagefind index.

Pagefind (PyPI `pagefind[bin]`, which ships the binary) indexes the next
site's HTML as the last step of a build — the `<main data-pagefind-body>` of
product, listing and content pages — and its bundle is written through the
OutputWriter as `/pagefind/...`. A build that changed no HTML page keeps the
previous bundle without running Pagefind. When Pagefind is not installed or fails,
the build warns and goes on: the search page then says search is
unavailable. This module does not render pages.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from generator.content.page import Page
from generator.config.i18n import site_translations
from generator.engine.output import OutputWriter
from generator.core.console import Reporter
from generator.content.site import Site

BUNDLE = "pagefind"


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
    """Carry the live site's bundle over as it is; False when there is none."""
    return writer.keep_recorded(f"{BUNDLE}/", "search index")


def write_search_index(writer: OutputWriter, reporter: Reporter, *,
                       when: Literal["changed", "later", "now"] = "changed", cancelled: Cancelled | None = None) -> bool:
    """Index the next site's HTML pages and put the Pagefind bundle into it; warn (never fail) without Pagefind.

    Runs after every other file is in place (the shadow tree is then the complete next site, which
    Pagefind reads directly). `when`: "changed" indexes only when an HTML page was written or removed
    (else the previous bundle is still right); "later" keeps the previous bundle even then and returns
    True (the index is stale: the dev server re-indexes once the browser has reloaded, see
    `commands.build.refresh_search_index`); "now" always indexes. `cancelled` may stop Pagefind midway
    (SearchCancelled, the one failure that is raised, not warned about).
    """
    pages_changed = writer.changed(_is_page)
    if when != "now" and (not pages_changed or when == "later") and _keep_previous_bundle(writer):
        return pages_changed
    writer.prune()
    for attempt in (1, 2):  # a broken bundle is made again once before search is given up
        with tempfile.TemporaryDirectory(dir=writer.out_dir.parent, prefix=f".{writer.out_dir.name}.pagefind-") as temp:
            bundle = Path(temp) / BUNDLE
            try:
                _index(writer.shadow, bundle, cancelled)
                files = _check_bundle(bundle)
            except SearchCancelled:
                raise
            except BrokenBundle as exc:
                if attempt == 1:
                    continue
                reporter.warn(f"site search is off: Pagefind wrote a broken index twice ({exc})")
                return False
            except Exception as exc:  # noqa: BLE001 - any Pagefind failure (not installed, crashed) only warns
                reporter.warn(f"site search is off: Pagefind could not index the site ({type(exc).__name__}: {exc}); "
                              "install it with `pip install 'pagefind[bin]'`")
                return False
            for path, data in files:
                writer.adopt(f"{BUNDLE}/{path.relative_to(bundle).as_posix()}", path, data, "search index")
            return False
    return False
