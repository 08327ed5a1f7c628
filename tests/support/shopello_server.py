"""A real HTTP server on 127.0.0.1 that speaks the Shopello v1 API.

Owns HTTP only: routing `/1/{method}.json`, the X-API-KEY check (401 JSON
error otherwise), gzip, the JSON envelope, a log of every request, latency
and switchable fault injection. The data comes from a pluggable backend
with ProductSource-like async methods (`products(query) -> ProductPage`,
`product(id)`, `categories()`, ...): `MemoryBackend` today, the SQLite
CatalogSource for the parity suite later. Backend calls all run on one
private event-loop thread, so a backend never sees two calls at once.

    with ShopelloServer(MemoryBackend.from_fixtures(), api_key="k") as server:
        server.latency = 0.02
        server.fail("503", times=1, retry_after="0")
        ... ShopelloSettings(api_key="k", base_url=server.url) ...
"""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from generator.core.errors import QueryError
from generator.sources.query import ProductQuery
from tests.support.loopback import LoopbackServer

FAULT_KINDS = ("500", "503", "429", "404", "truncated", "invalid_json", "html", "reset", "status_false",
               "wrong_shape", "cut_json", "json_as_html", "body")


@dataclass
class Fault:
    kind: str
    times: int | None = None       # None: until cleared
    endpoint: str | None = None    # None: every endpoint
    retry_after: str | None = None
    body: Any = None               # "body": the JSON to answer with (e.g. hostile product records)


@dataclass(frozen=True)
class RecordedRequest:
    endpoint: str
    params: dict[str, str]
    headers: dict[str, str]


class _Reply(Exception):
    """Raised by a route to answer with a status and a JSON body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def _not_found(what: str) -> _Reply:
    return _Reply(404, {"status": False, "error": f"{what} not found"})


class ShopelloServer(LoopbackServer):
    """Start with `with ShopelloServer(backend) as server:`; `server.url` is the v1 base URL."""

    def __init__(self, backend: Any, *, api_key: str = "test-api-key", latency: float = 0.0) -> None:
        self.backend, self.api_key, self.latency = backend, api_key, latency
        self.requests: list[RecordedRequest] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        super().__init__(_Handler, "/1/")
        self._loop_thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._routes: list[tuple[re.Pattern[str], Callable[[re.Match[str], dict[str, str]], Any]]] = [
            (re.compile(pattern), route) for pattern, route in [
                (r"products", lambda m, p: self._products(p)),
                (r"products/(\d+)", lambda m, p: self._one(self.backend.product(int(m[1])), "product")),
                (r"related_products/(\d+)", lambda m, p: self._many(self.backend.related_products(int(m[1])))),
                (r"categories", lambda m, p: self._many(self.backend.categories())),
                (r"categories/(\d+)", lambda m, p: self._one(self.backend.category(int(m[1])), "category")),
                (r"category_parents", lambda m, p: self._parents()),
                (r"category_tree(?:/(\d+))?",
                 lambda m, p: self._many(self.backend.category_tree(int(m[1]) if m[1] else None))),
                (r"stores", lambda m, p: self._many(self.backend.stores())),
                (r"stores/(\d+)", lambda m, p: self._one(self.backend.store(int(m[1])), "store")),
                (r"attributes/brand", lambda m, p: self._many(self.backend.brands())),
                (r"price_history", lambda m, p: self._many(self.backend.price_history(self._id(p, "product_id")))),
            ]]

    def __enter__(self) -> ShopelloServer:
        self._loop_thread.start()
        return super().__enter__()  # type: ignore[no-any-return]

    def __exit__(self, *exc_info: object) -> None:
        super().__exit__(*exc_info)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop_thread.join()
        self._loop.close()

    # -- fault injection and the request log ----------------------------------

    def fail(self, kind: str, *, times: int | None = None, endpoint: str | None = None,
             retry_after: str | None = None, body: Any = None) -> None:
        """Answer matching requests with a fault, `times` times (None: until `clear_faults`)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        with self._lock:
            self._faults.append(Fault(kind, times, endpoint, retry_after, body))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    def _record(self, request: RecordedRequest) -> Fault | None:
        """Log the request; return (and use up) the first fault that applies to it."""
        with self._lock:
            self.requests.append(request)
            for fault in self._faults:
                if fault.endpoint in (None, request.endpoint):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # -- routes: backend answers into the API's JSON shapes --------------------

    def answer(self, endpoint: str, params: dict[str, str]) -> Any:
        for pattern, route in self._routes:
            match = pattern.fullmatch(endpoint)
            if match:
                return route(match, params)
        raise _Reply(404, {"status": False, "error": f"Unknown method {endpoint}"})

    def _call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        try:
            future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        except RuntimeError:  # a slow request outlived the server: its loop is closed
            coro.close()
            raise _Reply(503, {"status": False, "error": "shutting down"}) from None
        return future.result()

    def _products(self, params: dict[str, str]) -> Any:
        try:
            query = ProductQuery.from_params(params)
        except QueryError as exc:
            raise _Reply(400, {"status": False, "error": exc.message}) from None
        return self._call(self.backend.products(query)).to_api(query.extra)

    def _one(self, coro: Coroutine[Any, Any, Any], what: str) -> Any:
        found = self._call(coro)
        if found is None:
            raise _not_found(what)
        return {"status": True, "data": found.to_api()}

    def _many(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return {"status": True, "data": [item.to_api() for item in self._call(coro)]}

    def _parents(self) -> Any:
        return {"status": True, "data": [{"category_id": c.category_id, "parent_id": c.parent_id}
                                         for c in self._call(self.backend.categories()) if c.parent_id]}

    @staticmethod
    def _id(params: dict[str, str], name: str) -> int:
        if not params.get(name, "").isdigit():
            raise _Reply(400, {"status": False, "error": f"{name} is required"})
        return int(params[name])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    server_version = "shopello-loopback/1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is `ShopelloServer.requests`."""

    def do_GET(self) -> None:
        app: ShopelloServer = self.server.app  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        match = re.fullmatch(r"/1/(.+)\.json", url.path)
        endpoint = match[1] if match else url.path
        fault = app._record(RecordedRequest(endpoint, dict(parse_qsl(url.query)), dict(self.headers.items())))
        if app.latency:
            time.sleep(app.latency)
        if self.headers.get("X-API-KEY") != app.api_key:
            # Echo the key, as careless APIs do, so clients must redact it.
            given = self.headers.get("X-API-KEY", "")
            return self._send(401, {"status": False, "error": f"Invalid API key '{given}'"})
        if fault is not None:
            return self._fault(fault, lambda: app.answer(endpoint, dict(parse_qsl(url.query))))
        try:
            body = app.answer(endpoint, dict(parse_qsl(url.query)))
        except _Reply as reply:
            return self._send(reply.status, reply.body, reply.headers)
        self._send(200, body)

    def _fault(self, fault: Fault, answer: Callable[[], Any]) -> None:
        """Send `fault`; `answer()` is the body the request would have had."""
        retry = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        kind = fault.kind
        if kind in ("500", "503", "429", "404"):
            return self._send(int(kind), {"status": False, "error": f"injected {kind}"}, retry)
        if kind == "status_false":
            return self._send(200, {"status": False, "error": "Something went wrong"})
        if kind == "wrong_shape":
            return self._send(200, {"status": True, "data": "not a list"})
        if kind == "invalid_json":
            return self._raw(200, b'{"status": true, "data": [{"product_id": 1,', "application/json")
        if kind == "html":
            return self._raw(200, b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "text/html")
        if kind == "json_as_html":  # PHP's default Content-Type
            return self._raw(200, json.dumps(answer()).encode(), "text/html")
        if kind == "body":
            return self._raw(200, json.dumps(fault.body).encode(), "application/json")
        if kind == "cut_json":  # no Content-Length: the close ends the body, so the client sees no error
            body = json.dumps(answer()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return None
        if kind == "truncated":
            body = json.dumps({"status": True, "data": []}).encode() * 20
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
        # "reset", and the end of "truncated": abort the connection with an RST.
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def finish(self) -> None:
        try:
            super().finish()
        except (OSError, ValueError):
            pass  # the connection was reset on purpose

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json", headers)

    def _raw(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        if "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            headers = {**(headers or {}), "Content-Encoding": "gzip"}
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
