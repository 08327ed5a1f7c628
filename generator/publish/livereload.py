"""The dev server's HTTP side: static files, the reload script, build epochs.

`BuildEpochs` is the MkDocs-style handshake between the rebuild loop and the
browsers: `wanted` counts the changes seen, `visible` the builds finished
(successful or not). HTML requests wait while `wanted > visible`, so nobody
sees a half-built site; the injected script long-polls
`/__shelfpress/reload/<epoch>` and reloads (or, after a CSS-only change,
swaps its stylesheets) once a newer epoch is visible. While the last build
failed, served HTML carries an overlay with the error (file:line: message).

When every build since the tab's epoch rewrote only pages' HTML (the text of
content pages), the script fetches its page and swaps the new body in place,
keeping the scroll position: no navigation, no stylesheet or image fetched
again. It does so only when the new page's head is the one it shows (the
server marks each page with a digest of everything before `</head>`) and no
script of the page would have to run again: none in the body (but the reload
script and data such as JSON-LD), and in the head only inline classic ones
that do not wait for the document to load. Otherwise, and on any failure, it
reloads. A swap fires `shelfpress:swapped` on the window.

The script also names the page its tab shows (`?tab=...&page=<path>`) and
says when the tab goes away: `OpenPages` knows what the browsers look at. A
template edit publishes its epoch as soon as those pages are rendered; while
the rest of the site renders, `LiveReloadServer.preview` answers HTML requests
with pages rendered on demand, and anything it cannot make waits for the build
(no stale page is ever served as new).

`LiveReloadServer` serves the output directory under the site's base path
(`/` redirects there), with content types, directory index, the site's
404.html, and no way out of the output directory. Files other than HTML carry
validators (ETag, Last-Modified) and `Cache-Control: no-cache`, so a reload
revalidates them (304) instead of fetching them again; HTML is never stored
(it carries the epoch). Every response carries
`Access-Control-Allow-Origin: *` (as GitHub Pages sends), so a widget script
embedded in a page on another local port can load its JSON. The widget
gallery (`/widgets/`) is served with its embed codes pointing at the address
the browser used, not the production `base_url` (`local_embed_codes`); the
built files keep the production address. This module never builds
and never watches files; `commands/serve.py` drives it.
"""

from __future__ import annotations

import errno
import hashlib
import html
import json
import mimetypes
import os
import re
import sys
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from generator.core.failures import one_line

RELOAD_PATH = "/__shelfpress/reload/"
MAX_URL_LENGTH = 8192  # as nginx's default header buffer; no page of a site has a longer URL
# What the file system says of a path that cannot be a file of the site (or stopped being one mid-request).
_NO_SUCH_PATH = {errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.EISDIR}
POLL_SECONDS = 30.0
KEPT_EPOCHS = 1000  # what the last this many builds changed; a tab further behind reloads
BUILD_WAIT_SECONDS = 60.0
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".json": "application/json", ".xml": "application/xml",
          ".txt": "text/plain; charset=utf-8", ".svg": "image/svg+xml", ".webp": "image/webp",
          ".woff2": "font/woff2", ".ico": "image/x-icon", ".webmanifest": "application/manifest+json"}

_HOST = re.compile(r"[A-Za-z0-9.:\[\]-]{1,255}")
GALLERY_PREFIX = "widgets/"

RELOAD_SCRIPT = """<script id="shelfpress-reload" data-head="%s">(function () {
  var epoch = %d, busy = null, swapping = false, url = "%s", head = document.currentScript.dataset.head;
  // Which page this tab shows, so the server renders it first after a template edit (OpenPages).
  var tab = "?tab=" + Math.random().toString(36).slice(2) + "&page=" + encodeURIComponent(location.pathname);
  function swapStyles(v) {
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href); url.searchParams.set("shelfpress", v);
      // The page's inline critical CSS (render/stylesheets.py) is the old sheet's: drop it once the new is in.
      var critical = link.previousElementSibling;
      if (critical && critical.tagName === "STYLE" && link.getAttribute("onload"))
        link.addEventListener("load", function () { critical.remove(); }, {once: true});
      link.href = url.href;
    });
  }
  // A script of the page that would have to run again on a new body: any in the body (but this one and data
  // blocks), an external, deferred or module one in the head, or an inline one that waits for the load.
  function runsOnBody(s) {
    if (s.id === "shelfpress-reload" || !/^(|module|(text|application)\\/(x-)?(java|ecma)script)$/i.test(s.type))
      return false;
    return s.parentNode !== s.ownerDocument.head || s.src || s.type === "module" ||
      /DOMContentLoaded|readystatechange|onload|["']load["']/.test(s.text);
  }
  function swappable(doc) {
    return !Array.prototype.some.call(doc.scripts, runsOnBody) && !doc.body.hasAttribute("onload") &&
      !doc.body.querySelector("noscript");  // (parsed as markup here: it would show)
  }
  function swapPage(v) {
    swapping = true;
    fetch(location.href, {cache: "no-store"})
      .then(function (r) { if (!r.ok || r.redirected) throw new Error(r.status); return r.text(); })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html"), next = doc.getElementById("shelfpress-reload");
        if (!head || !next || next.dataset.head !== head || !swappable(document) || !swappable(doc))
          return location.reload();
        var x = window.scrollX, y = window.scrollY;
        document.body.replaceWith(document.adoptNode(doc.body));
        window.scrollTo(x, y);
        epoch = v; swapping = false;
        window.dispatchEvent(new Event("shelfpress:swapped"));
        poll();
      })
      .catch(function () { location.reload(); });
  }
  function poll() {
    if (busy || swapping || document.visibilityState === "hidden") return;
    busy = new AbortController();
    fetch(url + epoch + tab, {signal: busy.signal, cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        busy = null;
        if (d.epoch === epoch) return poll();
        if (d.change === "pages") return swapPage(d.epoch);
        if (d.change !== "styles") return location.reload();
        epoch = d.epoch; swapStyles(epoch); poll();
      }, function (e) { var aborted = e.name === "AbortError"; busy = null; if (!aborted) setTimeout(poll, 1000); });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { if (busy) busy.abort(); } else poll();
  });
  window.addEventListener("beforeunload", function () { if (busy) busy.abort(); });
  window.addEventListener("pagehide", function () { navigator.sendBeacon(url + "closed" + tab); });
  // After the load event: the server starts the rest of a template edit's build once a reloaded tab polls.
  if (document.readyState === "complete") poll(); else window.addEventListener("load", poll);
})();</script>"""

OVERLAY = """<div id="shelfpress-error" role="alert" style="position:fixed;top:0;left:0;right:0;z-index:2147483647;\
margin:0;padding:16px 20px;background:#2b0b0b;color:#ffd7d7;border-bottom:4px solid #e5484d;\
font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap"><strong>shelfpress: the rebuild failed</strong>
<span class="shelfpress-error-message">%s</span>
<small>Still serving the last good build. Fix the file and save; this page reloads by itself.</small></div>"""


class BuildEpochs:
    """wanted/visible build epochs, the last build error, and which epochs only changed CSS or pages' HTML."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.wanted = 0
        self.visible = 0
        self.error: str | None = None
        # The last KEPT_EPOCHS epochs -> "styles", "pages" (only those changed) or "any"; any other is "any".
        self._change: dict[int, str] = {}

    def want(self) -> int:
        """A change was seen: a build is wanted."""
        with self._cond:
            self.wanted += 1
            self._cond.notify_all()
            return self.wanted

    def next_wanted(self, built: int, stop: threading.Event) -> int | None:
        """Block until a build newer than `built` is wanted (None once `stop` is set)."""
        with self._cond:
            while self.wanted <= built and not stop.is_set():
                self._cond.wait(0.2)
            return None if stop.is_set() else self.wanted

    def wanted_after(self, built: int) -> bool:
        """Whether a build newer than `built` is wanted: a change came in since."""
        with self._cond:
            return self.wanted > built

    def quiet_for(self, built: int, seconds: float, stop: threading.Event) -> bool:
        """Whether `seconds` pass with no build newer than `built` wanted (and no stop)."""
        deadline = time.monotonic() + seconds
        with self._cond:
            while self.wanted <= built and not stop.is_set() and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(min(left, 0.2))
            return self.wanted <= built and not stop.is_set()

    def publish(self, epoch: int, error: str | None, css_only: bool = False, pages_only: bool = False) -> None:
        """The build for `epoch` finished (failed when `error` is set); `css_only`: it changed stylesheets
        only, `pages_only`: it rewrote only pages' HTML. Either needs this and the last build to succeed.
        The epochs wanted since the last one published were built by this build, all at once: they changed
        what it changed (a tab that saw none of them swaps its page after two quick text edits too)."""
        with self._cond:
            clean = error is None and self.error is None
            change = "styles" if css_only and clean else "pages" if pages_only and clean else "any"
            for coalesced in range(self.visible + 1, epoch):  # edits this one build took in together
                self._change[coalesced] = change
            self.visible, self.error = epoch, error
            self._change[epoch] = change
            while (oldest := next(iter(self._change))) <= epoch - KEPT_EPOCHS:  # (in the order published)
                del self._change[oldest]  # a server that runs for days keeps no entry per edit
            self._cond.notify_all()

    def republish(self, error: str | None) -> int | None:
        """A later outcome of the build already published (the rest of the site, rendered after the open pages
        were shown): as a new epoch, so the browsers reload, when no newer change is wanted (that change's
        build shows it anyway: None)."""
        with self._cond:
            if self.wanted > self.visible:
                return None
            self.wanted += 1
            self.visible, self.error = self.wanted, error
            self._cond.notify_all()
            return self.visible

    def wait_built(self, timeout: float = BUILD_WAIT_SECONDS) -> None:
        """Wait for the in-flight build, if any (HTML requests call this)."""
        with self._cond:
            self._cond.wait_for(lambda: self.visible >= self.wanted, timeout)

    def wait_newer(self, epoch: int, timeout: float = POLL_SECONDS) -> tuple[int, str]:
        """Long-poll: (visible epoch, what every build since `epoch` changed: "styles" or "pages" when all
        changed only that, "any" otherwise, "" when none is newer)."""
        with self._cond:
            self._cond.wait_for(lambda: self.visible != epoch, timeout)
            if self.visible <= epoch:
                return self.visible, "" if self.visible == epoch else "any"
            changes = {self._change.get(e, "any") for e in range(epoch + 1, self.visible + 1)}
            return self.visible, changes.pop() if len(changes) == 1 else "any"


class OpenPages:
    """The pages the browsers show: each tab's reload script names its page (the path below the base path)
    when it long-polls, and says when it goes away (`pagehide`: closed, reloaded or navigated away). A tab
    counts while it polls and for `LINGER_SECONDS` after (the gap between one poll and the next); one that
    vanished without a word (a crash) stops counting when its poll times out."""

    LINGER_SECONDS = 3.0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._tabs: dict[str, tuple[str, int, float]] = {}  # tab -> (page, epoch it polls with, counts until)

    @contextmanager
    def polling(self, tab: str, page: str, epoch: int) -> Iterator[None]:
        """While tab `tab`, showing `page` as built in `epoch`, waits for a newer build."""
        with self._cond:
            self._tabs[tab] = (page, epoch, float("inf"))
            self._cond.notify_all()
        try:
            yield
        finally:
            with self._cond:
                if tab in self._tabs:
                    self._tabs[tab] = (page, epoch, time.monotonic() + self.LINGER_SECONDS)

    def closed(self, tab: str) -> None:
        with self._cond:
            self._tabs.pop(tab, None)

    def pages(self) -> list[str]:
        """The open pages, each once, the most recently opened first."""
        now = time.monotonic()
        with self._cond:
            for tab in [tab for tab, (_, _, until) in self._tabs.items() if until < now]:
                del self._tabs[tab]
            return list(dict.fromkeys(page for page, _, _ in reversed(self._tabs.values())))

    def wait_shown(self, pages: list[str], epoch: int, timeout: float) -> bool:
        """Wait until a tab shows each of `pages` as built in `epoch` or later (it reloaded and polls again)."""
        def shown() -> bool:
            fresh = {page for page, seen, _ in self._tabs.values() if seen >= epoch}
            return all(page in fresh for page in pages)

        with self._cond:
            return self._cond.wait_for(shown, timeout)


def inject(page: bytes, epoch: int, error: str | None) -> bytes:
    """Add the reload script (and the error overlay) before the last </body>; the script carries a digest of
    everything before the first </head> (none without one): a page swapped in place must have the same."""
    lower = page.lower()
    head = lower.find(b"</head>")
    digest = hashlib.blake2b(page[:head], digest_size=8).hexdigest() if head >= 0 else ""
    snippet = (OVERLAY % html.escape(error) if error else "") + RELOAD_SCRIPT % (digest, epoch, RELOAD_PATH)
    data = snippet.encode("utf-8")
    at = lower.rfind(b"</body>")
    return page + data if at < 0 else page[:at] + data + page[at:]


def local_embed_codes(page: bytes, public_url: str, local_url: str) -> bytes:
    """The widget gallery as served locally: its production base URL (in the embed codes) replaced
    by the dev server's, so codes copied from it work from another local port."""
    if not public_url or public_url == local_url:
        return page
    return page.replace(html.escape(public_url).encode(), html.escape(local_url).encode())


class Preview(Protocol):
    def page(self, rel: str) -> bytes | None: ...

    def wait_done(self, timeout: float) -> None: ...


class LiveReloadServer(ThreadingHTTPServer):
    """Serves `root` at `base_path`; see the module docstring.

    Every connection has a thread of its own, so open reload long-polls never hold up page requests, and
    the listen backlog takes a burst (a page with many assets in many tabs): with the stdlib's 5, the
    kernel dropped connections and clients waited seconds for SYN retries."""

    daemon_threads = True
    request_queue_size = 1024  # the kernel caps it at net.core.somaxconn

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """One line, not the stdlib's traceback; a browser that went away (a closed tab) is no error."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        sys.stderr.write(f"dev server: request from {client_address[0]} failed: {one_line(error)}\n")

    def __init__(self, address: tuple[str, int], root: Path, base_path: str, epochs: BuildEpochs) -> None:
        self.root = root.resolve()
        self.base_path = base_path
        self.epochs = epochs
        self.public_url = ""  # the site's production base_url, replaced in the widget gallery
        self.live = True  # False: files leave as built, no reload script (`serve --built`)
        self.open_pages = OpenPages()
        # While the rest of the site renders after a template edit, its HTML pages as they now are, rendered
        # on demand (commands/serve.py's `Preview`): `page(rel)` -> the bytes, or None (wait for the build).
        self.preview: Preview | None = None
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: LiveReloadServer
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one segment: no Nagle/delayed-ACK stall (~40 ms) per response.
    disable_nagle_algorithm = True
    wbufsize = -1

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        """Quiet: the terminal is for build results, not access logs."""

    def _respond(self, *, send_body: bool) -> None:
        """`_route`, with a URL too long to be a page's a 414 and a path the file system cannot hold (a name
        over 255 bytes, a path over PATH_MAX) a 404: an answer, never a dropped connection."""
        if len(self.path) > MAX_URL_LENGTH:
            return self._send(HTTPStatus.REQUEST_URI_TOO_LONG, b"URL too long\n", "text/plain; charset=utf-8",
                              send_body)
        try:
            self._route(send_body=send_body)
        except OSError as error:
            if error.errno not in _NO_SUCH_PATH:
                raise
            self._not_found(send_body)

    def do_POST(self) -> None:
        """Only the reload script's word that its tab went away (`navigator.sendBeacon`). Its body is not
        read: the connection closes after the answer, so no unread bytes are taken for the next request."""
        self.close_connection = True
        url = urlsplit(self.path)
        if url.path == RELOAD_PATH + "closed":
            self.server.open_pages.closed(parse_qs(url.query).get("tab", [""])[0])
            return self._send(HTTPStatus.NO_CONTENT, b"", "text/plain; charset=utf-8", False)
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"GET or HEAD\n", "text/plain; charset=utf-8", True)

    def _route(self, *, send_body: bool) -> None:
        url = urlsplit(self.path)
        path = url.path
        if path.startswith(RELOAD_PATH):
            return self._reload(path[len(RELOAD_PATH):], parse_qs(url.query))
        base = self.server.base_path
        if path in ("/", base.rstrip("/")) and path != base:
            return self._redirect(base)
        if not path.startswith(base):
            return self._not_found(send_body)
        rel = unquote(path[len(base):])
        parts = rel.split("/")
        if "\x00" in rel or "\\" in rel or any(part in (".", "..") for part in parts):
            return self._send(HTTPStatus.BAD_REQUEST, b"Bad path\n", "text/plain; charset=utf-8", send_body)
        if not parts[-1] or "." not in parts[-1] or parts[-1].endswith(".html"):
            self.server.epochs.wait_built()
            preview = self.server.preview
            if preview is not None and (not parts[-1] or parts[-1].endswith(".html")):  # (a page's address)
                if (body := preview.page(rel)) is not None:
                    return self._send(HTTPStatus.OK, self._live(body, rel), _TYPES[".html"], send_body)
                preview.wait_done(BUILD_WAIT_SECONDS)  # a page the preview does not make: the build's
                self.server.epochs.wait_built()
        target = (self.server.root / rel).resolve()
        if not target.is_relative_to(self.server.root):
            return self._not_found(send_body)
        if target.is_dir():
            if not path.endswith("/"):
                return self._redirect(path + "/")
            target = target / "index.html"
        if not target.is_file():
            return self._not_found(send_body)
        self._file(HTTPStatus.OK, target, send_body, rel)

    def _local_url(self) -> str:
        host = self.headers.get("Host", "")
        if not _HOST.fullmatch(host):
            host = "%s:%d" % self.server.server_address[:2]
        return f"http://{host}{self.server.base_path}"

    def _file(self, status: HTTPStatus, target: Path, send_body: bool, rel: str = "") -> None:
        kind = _TYPES.get(target.suffix.lower()) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if target.suffix.lower() == ".html":
            return self._send(status, self._live(target.read_bytes(), rel), kind, send_body)
        with target.open("rb") as file:  # its validators and its bytes from one file (a build replaces files)
            stat = os.fstat(file.fileno())
            tag = f'"{stat.st_ino:x}-{stat.st_mtime_ns:x}-{stat.st_size:x}"'
            validators = {"ETag": tag, "Last-Modified": formatdate(stat.st_mtime, usegmt=True)}
            if _matches(self.headers.get("If-None-Match", ""), tag):
                return self._send(HTTPStatus.NOT_MODIFIED, b"", kind, False, validators)
            body = file.read()
        self._send(status, body, kind, send_body, validators)

    def _live(self, body: bytes, rel: str) -> bytes:
        """An HTML page as served: with the reload script and any error overlay (and, in the widget gallery,
        local embed codes), unless the server serves files as built."""
        if not self.server.live:
            return body
        epochs = self.server.epochs
        if rel.startswith(GALLERY_PREFIX):
            body = local_embed_codes(body, self.server.public_url, self._local_url())
        return inject(body, epochs.visible, epochs.error)

    def _not_found(self, send_body: bool) -> None:
        page = self.server.root / "404.html"
        if page.is_file():
            return self._file(HTTPStatus.NOT_FOUND, page, send_body)
        self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", send_body)

    def _reload(self, tail: str, query: dict[str, list[str]]) -> None:
        try:
            epoch = int(tail.strip("/"))
        except ValueError:
            return self._send(HTTPStatus.BAD_REQUEST, b"Bad epoch\n", "text/plain; charset=utf-8", True)
        tab, page = query.get("tab", [""])[0], query.get("page", [""])[0]
        base = self.server.base_path
        if tab and page.startswith(base):
            with self.server.open_pages.polling(tab, unquote(page[len(base):]), epoch):
                visible, change = self.server.epochs.wait_newer(epoch)
        else:
            visible, change = self.server.epochs.wait_newer(epoch)
        self._send(HTTPStatus.OK, json.dumps({"epoch": visible, "change": change}).encode(),
                   "application/json", True)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: HTTPStatus, body: bytes, kind: str, send_body: bool,
              validators: dict[str, str] | None = None) -> None:
        """With `validators` (a file's ETag and Last-Modified), browsers may keep the body and ask again with
        If-None-Match; without, they store nothing."""
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        for name, value in (validators or {}).items():
            self.send_header(name, value)
        self.send_header("Cache-Control", "no-cache" if validators else "no-store")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        if send_body:
            self.wfile.write(body)


def _matches(if_none_match: str, tag: str) -> bool:
    """Whether an If-None-Match header names `tag` (weakly, as RFC 9110 compares them for GET) or is `*`."""
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return tag in tags or "*" in tags
