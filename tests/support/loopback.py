"""The one loopback HTTP server of the test suite: 127.0.0.1, a free port, a context manager.

API fakes (shopello_server, partner_server, shopper_server, the Shoptimiza
recorder) subclass `LoopbackServer` or pass it their handler class; the
handler reaches the server object as `self.server.app`. Static sites (built
output, feed hosts, widget host pages) use `serve_directory`.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _Listener(ThreadingHTTPServer):
    # socketserver's default listen backlog is 5: a client opening 16 connections at once had some of them
    # dropped and retried a second later, which no real API server does.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a build refusing an oversized answer) is no server error: socketserver would
        print its traceback to stderr, which a CLI test captures as the command's own output."""
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class LoopbackServer:
    """`with LoopbackServer(Handler, "/v1/") as server:` serves on `server.url` until the block ends."""

    def __init__(self, handler: Any, path: str = "/") -> None:
        self._path = path
        self._httpd = _Listener(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._httpd.app = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        return self.origin + self._path

    def __enter__(self) -> Any:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class StaticHandler(SimpleHTTPRequestHandler):
    """Files of a directory, only under the server's `prefix` (as GitHub Pages serves a project site);
    quiet, optionally with `Access-Control-Allow-Origin: *`, recording each request path."""

    def translate_path(self, path: str) -> str:
        prefix = self.server.app.prefix  # type: ignore[attr-defined]
        if not path.startswith(prefix):
            return str(Path(self.directory) / "__not_under_the_prefix__")
        return super().translate_path("/" + path[len(prefix):])

    def end_headers(self) -> None:
        if self.server.app.cors:  # type: ignore[attr-defined]
            self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args: object) -> None:
        self.server.app.requests.append(self.path)  # type: ignore[attr-defined]


class DirectoryServer(LoopbackServer):
    """A static file server for `root`; `requests` lists the paths asked for."""

    def __init__(self, root: Path, prefix: str = "/", *, cors: bool = False) -> None:
        self.root, self.prefix, self.cors = root, prefix, cors
        self.requests: list[str] = []
        super().__init__(functools.partial(StaticHandler, directory=str(root)), prefix)


@contextmanager
def serve_directory(root: Path, prefix: str = "/", *, cors: bool = False) -> Iterator[DirectoryServer]:
    with DirectoryServer(root, prefix, cors=cors) as server:
        yield server


