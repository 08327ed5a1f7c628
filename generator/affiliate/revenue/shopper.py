"""ShopperClient: the Shopper sale report (`GET report/sales`), every page.

Owns the request parameters of the seed (validated before any request), the
auth header (configurable; default `Authorization: Bearer <token>`), the
documented meaning of statuses 400/401/405/500, the response envelope and
`next_page` (only its query is used, against the configured base URL, so
the token never travels to a host the config did not name). `sales()` returns every page or raises: a broken page (the
seed's own sample lacks a comma) fails the whole fetch with the status,
endpoint, page and line/column, so the caller never imports half a report.

Must not: read config or the environment, print, or touch the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from generator.core import validators
from generator.core.errors import QueryError
from generator.core.net import DecodeError
from generator.sources.models import PayloadError
from generator.affiliate.revenue.models import Sale
from generator.affiliate.revenue.settings import ShopperSettings

SERVICE = "Shopper sale report"
ENDPOINT = "report/sales"
STATUS_MEANINGS = {
    400: "invalid request parameters",
    401: "invalid authentication parameters; check the Shopper token and revenue.shopper_auth_header",
    405: "this API method is not allowed for the account; ask Shopper's admin for access",
    500: "Shopper had an internal server error; try again later",
}
COMMISSION_STATUSES = ("all", "approved", "pending")
PAYMENT_STATUSES = ("all", "paid", "pending")
ORDER_FIELDS = ("transaction_date",)
MAX_PAGES = 10_000


@dataclass(frozen=True)
class SalesQuery:
    """The seed's request parameters; None leaves a parameter to the API's default."""

    page: int = 1
    limit: int | None = None
    start_date: dt.datetime | dt.date | None = None
    end_date: dt.datetime | dt.date | None = None
    order_by: str | None = None
    commission_status: str | None = None
    payment_status: str | None = None
    subid: str | None = None

    def __post_init__(self) -> None:
        _check("page", validators.whole_number, self.page, minimum=1)
        if self.limit is not None:
            _check("limit", validators.whole_number, self.limit, minimum=1, maximum=100)
        if self.order_by is not None and self.order_by.lstrip("-") not in ORDER_FIELDS:
            raise QueryError(f"expected transaction_date or -transaction_date, got {self.order_by!r}",
                             parameter="order_by")
        for name, allowed in (("commission_status", COMMISSION_STATUSES), ("payment_status", PAYMENT_STATUSES)):
            if getattr(self, name) is not None:
                _check(name, validators.choice, getattr(self, name), allowed)
        if self.start_date and self.end_date and _instant(self.end_date) < _instant(self.start_date):
            raise QueryError("end_date is before start_date", parameter="end_date")

    def to_params(self) -> dict[str, str]:
        values: dict[str, Any] = {"page": self.page, "limit": self.limit, "order_by": self.order_by,
                                  "commission_status": self.commission_status,
                                  "payment_status": self.payment_status, "subid": self.subid,
                                  "start_date": self.start_date and _instant(self.start_date).isoformat(),
                                  "end_date": self.end_date and _instant(self.end_date).isoformat()}
        return {name: str(value) for name, value in values.items() if value not in (None, "")}


def _check(parameter: str, check: Callable[..., object], *args: Any, **options: Any) -> None:
    """A shared validator (generator.core.validators) whose ValueError becomes a QueryError naming `parameter`."""
    try:
        check(*args, **options)
    except ValueError as exc:
        raise QueryError(str(exc), parameter=parameter) from None


def _instant(value: dt.datetime | dt.date) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


@dataclass(frozen=True)
class SalesPage:
    sales: tuple[Sale, ...]
    total: int | None
    next_page: str | None


class ShopperClient:
    def __init__(self, settings: ShopperSettings) -> None:
        self.settings = settings
        value = f"{settings.auth_scheme} {settings.token}".strip() if settings.auth_scheme else settings.token
        self._http = settings.http(SERVICE, headers={settings.auth_header: value}, secrets=[settings.token],
                                   auth_hint="check the Shopper token", status_meanings=STATUS_MEANINGS)

    async def __aenter__(self) -> ShopperClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def page(self, params: Mapping[str, str]) -> SalesPage:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        body = await self._http.get_json(ENDPOINT, params, endpoint=ENDPOINT, query=query)
        where = {"service": SERVICE, "endpoint": ENDPOINT, "query": query}
        if not isinstance(body, Mapping):
            raise DecodeError(f"expected a JSON object, got {type(body).__name__}", **where)
        if body.get("status") not in (None, 200, "200"):
            reason = self._http.redact(str(body.get("message") or "no message"))[:200]
            raise DecodeError(f"the report answered status {body.get('status')!r}: {reason}", **where)
        data = body.get("data") or []
        if not isinstance(data, list):
            raise DecodeError(f"data: expected a list of sales, got {type(data).__name__}", **where)
        try:
            sales = tuple(Sale.from_api(entry) for entry in data)
        except PayloadError as exc:
            raise DecodeError(f"unexpected sale record: {self._http.redact(str(exc))}", **where) from None
        total = body.get("total")
        return SalesPage(sales, int(total) if isinstance(total, int) else None, body.get("next_page") or None)

    async def sales(self, query: SalesQuery | None = None) -> list[Sale]:
        """Every sale of the query, following `next_page` until it is empty; all pages or an error."""
        params = (query or SalesQuery(limit=self.settings.page_size)).to_params()
        found: list[Sale] = []
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = await self.page(params)
            found.extend(page.sales)
            if not page.next_page or not page.sales or page.next_page in seen:
                return found
            seen.add(page.next_page)
            params = self._next_params(page.next_page, params)
        raise DecodeError(f"more than {MAX_PAGES} pages; stopping", service=SERVICE, endpoint=ENDPOINT)

    def _next_params(self, next_page: str, current: Mapping[str, str]) -> dict[str, str]:
        """The query of `next_page` over the current one: the API may drop filters from the link."""
        url = urlsplit(urljoin(self.settings.base_url + ENDPOINT, next_page))
        return {**current, **dict(parse_qsl(url.query))}
