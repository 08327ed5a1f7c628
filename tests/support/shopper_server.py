"""A real HTTP server on 127.0.0.1 that speaks the Shopper sale report API.

`GET /v1/report/sales` with the seed's parameters, Bearer-token auth (the
header name and scheme are configurable), pages of `sales` filtered by
commission_status / payment_status / subid and ordered by order_by, an
absolute `next_page` on a foreign host (as the seed's sample has), a
request log, and one-shot faults: (status, raw body) pairs. `SEED_SAMPLE`
is the seed's sample output verbatim, missing comma included.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.loopback import LoopbackServer

SEED_SAMPLE = """{
    "status": 200,
    "message": "OK",
    "current": 1,
    "start": 1,
    "end": 1,
    "limit": 20,
    "total": 2,
    "next_page": "https://api.shopper.com/v1/report/sales?page=2&limit=20",
    "data": [
        {
            "reference": "dFtGed",
            "commission_amount": 52,
            "currency": "USD",
            "commission_status": "approved",
            "transaction_amount": 968,
            "category": "product",
            "transaction_date": "10-02-2024",
            "payment_status": "paid",
            "payment_date": "19-01-2023",
            "product_slug": "WrsQ",
            "product_name": "Jordan Max Aura 5 Men's Shoes. Nike INn",
            "collection_slug": "CTbG",
            "collection_name": "Nike Shoes",
            "collection_url": "https://www.shopper.com/c/nike-shoes/ctbg",
            "subid": "SaraSmith"
        },
        {
            "reference": "eQtMVh",
            "commission_amount": 56,
            "currency": "USD",
            "commission_status": "approved",
            "transaction_amount": 1000,
            "category": "product",
            "transaction_date": "20-02-2024",
            "payment_status": "paid",
            "payment_date": "19-01-2023",
            "product_slug": "GdlK",
            "product_name": "Pacer Future Unisex Sneakers",
            "collection_slug": "ZeFE",
            "collection_name": "Puma Shoes",
            "collection_url": "https://www.shopper.com/c/puma-shoes/zefe"
            "subid": "DavidDoe"
        }
    ]
}"""


def sale(reference: str, day: str, *, amount: float = 10, status: str = "pending", subid: str = "home",
         payment: str = "pending") -> dict[str, Any]:
    return {"reference": reference, "commission_amount": amount, "currency": "SEK", "commission_status": status,
            "transaction_amount": amount * 10, "category": "product", "transaction_date": day,
            "payment_status": payment, "payment_date": "", "product_slug": reference.lower(),
            "product_name": f"Product <{reference}>", "collection_slug": "c", "collection_name": "Lamps",
            "collection_url": "https://shop.example/c", "subid": subid}


class ShopperServer(LoopbackServer):
    def __init__(self, *, token: str = "shopper-token-xyz", header: str = "Authorization",
                 scheme: str = "Bearer") -> None:
        self.token, self.header, self.scheme = token, header, scheme
        self.sales: list[dict[str, Any]] = []
        self.requests: list[dict[str, str]] = []
        self.faults: list[tuple[int, str]] = []
        self.fault_on_page: dict[int, tuple[int, str]] = {}
        super().__init__(_Handler, "/v1/")

    def answer(self, params: dict[str, str]) -> dict[str, Any]:
        page, limit = int(params.get("page", 1)), int(params.get("limit", 20))
        rows = [s for s in self.sales
                if params.get("commission_status", "all") in ("all", s["commission_status"])
                and params.get("payment_status", "all") in ("all", s["payment_status"])
                and params.get("subid", s["subid"]) == s["subid"]]
        order = params.get("order_by", "transaction_date")
        rows.sort(key=lambda s: s["transaction_date"][6:] + s["transaction_date"][3:5] + s["transaction_date"][:2],
                  reverse=order.startswith("-"))
        chunk = rows[(page - 1) * limit:page * limit]
        more = page * limit < len(rows)
        return {"status": 200, "message": "OK", "current": page, "limit": limit, "total": len(rows),
                "next_page": f"https://api.shopper.com/v1/report/sales?page={page + 1}&limit={limit}" if more else None,
                "data": chunk}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        app: ShopperServer = self.server.app  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query))
        app.requests.append({**params, "_auth": self.headers.get(app.header, "")})
        if app.faults:
            return self._send(*app.faults.pop(0))
        if int(params.get("page", 1)) in app.fault_on_page:
            return self._send(*app.fault_on_page[int(params.get("page", 1))])
        if url.path != "/v1/report/sales":
            return self._send(405, '{"status": 405, "message": "API method is not allowed"}')
        expected = f"{app.scheme} {app.token}".strip()
        if self.headers.get(app.header) != expected:
            return self._send(401, '{"status": 401, "message": "Invalid authentication parameters"}')
        if not 1 <= int(params.get("limit", 20)) <= 100:
            return self._send(400, '{"status": 400, "message": "Invalid request parameters"}')
        self._send(200, json.dumps(app.answer(params)))

    def _send(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
