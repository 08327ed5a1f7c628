"""A real HTTP server on 127.0.0.1 that speaks the Shopello partner API (v3).

Owns HTTP only: Basic auth (401 otherwise), the `/v3/...` routes of the
seed with the `{"status": true, "data": ...}` envelope, in-memory channels,
a secret, store logs, 120 deeplink stores (50 per page), a request log and
one-shot faults. Revenue comes from `revenue[(kind, key, span)]` where kind
is "channel", "store" or "total" and span is "YYYY-MM-DD/YYYY-MM-DD" or a
named range; unknown spans answer an empty list.

    with PartnerServer(username="u", password="p") as server:
        ... PartnerSettings(base_url=server.url, username="u", password="p") ...
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import LoopbackServer


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    form: dict[str, list[str]]
    headers: dict[str, str]


class PartnerServer(LoopbackServer):
    def __init__(self, *, username: str = "partner", password: str = "s3cret-pass", api_key: str = "") -> None:
        self.username, self.password, self.api_key = username, password, api_key
        self.channels: dict[str, dict[str, str]] = {}
        self.secret = "old-consumer-secret"
        self.revenue: dict[tuple[str, str, str], Any] = {}
        self.status_log = [{"store_id": 7, "name": "Lampbutiken", "status": "activated", "date": "2016-03-30"}]
        self.deeplink_stores = [{"store_id": i, "name": f"Store {i}", "enabled": i % 2} for i in range(120)]
        self.requests: list[Request] = []
        self.faults: list[tuple[int, str]] = []  # (status, body) answered once each, in order
        self._next_id = 100
        self._lock = threading.Lock()
        super().__init__(_Handler, "/v3/")

    def authorized(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return header == f"Basic {expected}"

    def route(self, method: str, path: str, form: dict[str, list[str]]) -> tuple[int, Any]:
        def one(name: str) -> str:
            return form.get(name, [""])[0]

        with self._lock:
            if path == "channel/" and method == "GET":
                return 200, [{"channel_id": cid, **ch} for cid, ch in self.channels.items()]
            if path == "channel/" and method == "POST":
                if not one("name"):
                    return 400, {"status": False, "error": "name is required"}
                self._next_id += 1
                self.channels[str(self._next_id)] = {"name": one("name"), "uri": one("uri")}
                return 200, {"channel_id": self._next_id}
            match = re.fullmatch(r"channel/(\d+)/", path)
            if match and match.group(1) not in self.channels:
                return 404, {"status": False, "error": "no such channel"}
            if match and method == "POST":
                self.channels[match.group(1)].update({k: v[0] for k, v in form.items() if k in ("name", "uri")})
                return 200, {"channel_id": match.group(1)}
            if match and method == "DELETE":
                del self.channels[match.group(1)]
                return 200, []
            if path == "consumer/secret/" and method in ("GET", "PUT"):
                if method == "PUT":
                    self.secret = f"new-secret-{self._next_id}"
                    self._next_id += 1
                return 200, {"secret": self.secret}
            if path == "store/status_log/" and method == "GET":
                return 200, self.status_log
            match = re.fullmatch(r"store/deeplink-stores/(\d+)/", path)
            if match and method == "GET":
                offset = int(match.group(1))
                return 200, self.deeplink_stores[offset:offset + 50]
            if path == "deepLinkGenerator/" and method == "POST":
                uris = form.get("uri") or form.get("uri[]") or []
                return 200, [{"uri": u, "deeplink": f"https://click.example/?u={u}"} for u in uris]
            for kind, pattern in (("channel", r"channel/revenue/([^/]+)/(.+)/"),
                                  ("store", r"consumer/revenue/store/([^/]+)/(.+)/"),
                                  ("total", r"consumer/revenue/()(.+)/")):
                match = re.fullmatch(pattern, path)
                if match and method == "GET":
                    return 200, self.revenue.get((kind, match.group(1), match.group(2)), [])
        return 404, {"status": False, "error": "unknown endpoint"}


class _Handler(BaseHTTPRequestHandler):
    server_version = "PartnerServer/1"

    def log_message(self, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        app: PartnerServer = self.server.app  # type: ignore[attr-defined]
        length = int(self.headers.get("content-length") or 0)
        form = parse_qs(self.rfile.read(length).decode()) if length else {}
        path = urlsplit(self.path).path.removeprefix("/v3/")
        app.requests.append(Request(self.command, path, form, {k.lower(): v for k, v in self.headers.items()}))
        deeplink = path.startswith(("deepLinkGenerator/", "store/deeplink-stores/"))
        if app.faults:
            status, text = app.faults.pop(0)
            return self._send(status, text.encode())
        if not app.authorized(self.headers.get("authorization", "")):
            return self._send(401, b'{"status": false, "error": "Invalid credentials"}')
        if deeplink and app.api_key and self.headers.get("x-api-key") != app.api_key:
            return self._send(401, b'{"status": false, "error": "Invalid API key"}')
        status, data = app.route(self.command, path, form)
        body = data if status >= 400 else {"status": True, "data": data}
        self._send(status, json.dumps(body).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _handle
