"""ShopperClient against a real loopback server: parameters, paging, statuses, the broken seed sample."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from generator.core.errors import QueryError
from generator.affiliate.revenue.ledger import Ledger
from generator.affiliate.revenue.periods import Period
from generator.affiliate.revenue.settings import ShopperSettings
from generator.affiliate.revenue.shopper import SalesQuery, ShopperClient
from generator.affiliate.revenue.sync import sync
from generator.core.net import (AuthError, BadRequestError, DecodeError, MethodNotAllowedError,
                                    ServerError)
from tests.support.shopper_server import SEED_SAMPLE, ShopperServer, sale

pytestmark = pytest.mark.server
T = TypeVar("T")
TOKEN = "shopper-token-xyz"


@pytest.fixture
def server():
    with ShopperServer(token=TOKEN) as running:
        running.sales = [sale(f"R{i:02d}", f"{i + 1:02d}-02-2024", subid="section:guider" if i % 2 else "home",
                              status="approved" if i < 3 else "pending") for i in range(7)]
        yield running


def settings(server: ShopperServer, **overrides: Any) -> ShopperSettings:
    return ShopperSettings(**{"base_url": server.url, "token": TOKEN, "retries": 1, "backoff": 0.0,
                              "page_size": 3, **overrides})


def call(server: ShopperServer, work: Callable[[ShopperClient], Awaitable[T]], **overrides: Any) -> T:
    async def main() -> T:
        async with ShopperClient(settings(server, **overrides)) as client:
            return await work(client)
    return asyncio.run(main())


def test_follows_next_page_until_done(server):
    sales = call(server, lambda c: c.sales(SalesQuery(limit=3)))
    assert [s.reference for s in sales] == [f"R{i:02d}" for i in range(7)]
    assert [r["page"] for r in server.requests] == ["1", "2", "3"]
    assert all(r["_auth"] == f"Bearer {TOKEN}" for r in server.requests)


def test_every_parameter_is_sent():
    query = SalesQuery(page=2, limit=50, start_date=dt.date(2024, 2, 1), end_date=dt.datetime(2024, 2, 28, 12),
                       order_by="-transaction_date", commission_status="approved", payment_status="paid",
                       subid="johndoe")
    assert query.to_params() == {"page": "2", "limit": "50", "start_date": "2024-02-01T00:00:00",
                                 "end_date": "2024-02-28T12:00:00", "order_by": "-transaction_date",
                                 "commission_status": "approved", "payment_status": "paid", "subid": "johndoe"}
    assert SalesQuery().to_params() == {"page": "1"}


def test_filters_and_order_reach_the_server(server):
    sales = call(server, lambda c: c.sales(SalesQuery(limit=100, order_by="-transaction_date",
                                                      commission_status="approved", subid="home")))
    assert [s.reference for s in sales] == ["R02", "R00"]
    assert server.requests[0]["subid"] == "home" and server.requests[0]["order_by"] == "-transaction_date"


def test_dates_are_parsed_from_dd_mm_yyyy(server):
    first = call(server, lambda c: c.sales(SalesQuery(limit=1, page=1)))[0]
    assert first.transaction_date == dt.date(2024, 2, 1) and first.payment_date is None


@pytest.mark.parametrize("kwargs, parameter", [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"page": 0}, "page"),
    ({"order_by": "amount"}, "order_by"), ({"commission_status": "declined"}, "commission_status"),
    ({"payment_status": "late"}, "payment_status"),
    ({"start_date": dt.date(2024, 3, 1), "end_date": dt.date(2024, 2, 1)}, "end_date"),
])
def test_invalid_parameters_are_refused_before_sending(kwargs, parameter):
    with pytest.raises(QueryError) as caught:
        SalesQuery(**kwargs)
    assert caught.value.parameter == parameter


@pytest.mark.parametrize("status, error, words", [
    (400, BadRequestError, "invalid request parameters"),
    (401, AuthError, "check the Shopper token"),
    (405, MethodNotAllowedError, "not allowed for the account"),
    (500, ServerError, "internal server error"),
])
def test_each_documented_status_has_its_own_error(server, status, error, words):
    server.faults.extend([(status, f'{{"status": {status}, "message": "nope"}}')] * 2)
    with pytest.raises(error) as caught:
        call(server, lambda c: c.sales())
    assert caught.value.status == status and words in caught.value.message
    assert "report/sales" in caught.value.message and TOKEN not in caught.value.message


def test_wrong_token_is_401_and_never_shown(server, caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as caught:
        call(server, lambda c: c.sales(), token="not-the-token-123")
    assert "not-the-token-123" not in str(caught.value) + repr(caught.value) + caplog.text


def test_custom_auth_header():
    with ShopperServer(token=TOKEN, header="X-Api-Token", scheme="") as custom:
        custom.sales = [sale("A", "01-02-2024")]
        assert len(call(custom, lambda c: c.sales(), auth_header="X-Api-Token", auth_scheme="")) == 1


def test_the_seed_sample_is_reported_with_status_endpoint_and_position(server):
    server.faults.extend([(200, SEED_SAMPLE)] * 10)  # broken on every retry
    with pytest.raises(DecodeError) as caught:
        call(server, lambda c: c.sales())
    message = caught.value.message
    assert "malformed JSON in the HTTP 200 response" in message and "Expecting ',' delimiter" in message
    assert "line 43, column 13" in message and "endpoint report/sales" in message


def test_the_seed_sample_with_its_comma_fixed_parses():
    fixed = SEED_SAMPLE.replace('ctbg"\n', 'ctbg",\n').replace('zefe"\n', 'zefe",\n')
    with ShopperServer(token=TOKEN) as srv:
        srv.faults.append((200, fixed.replace('"next_page": "https://api.shopper.com/v1/report/sales?page=2&limit=20"',
                                              '"next_page": null')))
        sales = call(srv, lambda c: c.sales())
    assert [(s.reference, s.subid, s.transaction_date) for s in sales] == [
        ("dFtGed", "SaraSmith", dt.date(2024, 2, 10)), ("eQtMVh", "DavidDoe", dt.date(2024, 2, 20))]


def test_a_broken_later_page_imports_nothing(server, tmp_path):
    server.fault_on_page[3] = (200, '{"status": 200, "data": [ {"reference": "X"} ')
    period = Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        async def main() -> None:
            async with ShopperClient(settings(server)) as client:
                await sync(ledger, period, shopper=client)
        with pytest.raises(DecodeError, match="malformed JSON"):
            asyncio.run(main())
        assert ledger.db.execute("SELECT COUNT(*) FROM sales").fetchone()[0] == 0


def test_status_other_than_200_in_the_body_is_an_error(server):
    server.faults.append((200, '{"status": 500, "message": "backend down", "data": []}'))
    with pytest.raises(DecodeError, match="status 500: backend down"):
        call(server, lambda c: c.sales())
