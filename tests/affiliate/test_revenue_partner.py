"""PartnerClient against a real loopback v3 server: auth, every endpoint, paging, ranges, faults."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from generator.affiliate.revenue.partner import PartnerClient
from generator.affiliate.revenue.periods import NAMED_RANGES, Period, PeriodError, resolve
from generator.affiliate.revenue.settings import PartnerSettings
from generator.core.net import AuthError, DecodeError, NotFoundError, ServerError
from tests.support.partner_server import PartnerServer

pytestmark = pytest.mark.server
T = TypeVar("T")
PASSWORD = "s3cret-pass"
API_KEY = "api-key-123"
FEB = Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29))


@pytest.fixture
def server():
    with PartnerServer(password=PASSWORD, api_key=API_KEY) as running:
        yield running


def call(server: PartnerServer, work: Callable[[PartnerClient], Awaitable[T]], **overrides: Any) -> T:
    settings = PartnerSettings(**{"base_url": server.url, "username": "partner", "password": PASSWORD,
                                  "api_key": API_KEY, "retries": 1, "backoff": 0.0, **overrides})

    async def main() -> T:
        async with PartnerClient(settings) as client:
            return await work(client)
    return asyncio.run(main())


def test_basic_auth_is_sent_and_checked(server):
    call(server, lambda c: c.channels())
    assert server.requests[-1].headers["authorization"].startswith("Basic ")
    with pytest.raises(AuthError) as caught:
        call(server, lambda c: c.channels(), password="wrong-password")
    assert caught.value.status == 401 and "partner_username" in caught.value.message
    assert "wrong-password" not in caught.value.message and "wrong-password" not in repr(caught.value)


def test_consumer_revenue_for_dates_and_named_ranges(server):
    server.revenue[("total", "", "2024-02-01/2024-02-29")] = {"clicks": "120", "revenue": "45,50"}
    server.revenue[("total", "", "lastmonth")] = [{"date": "2024-02-01", "clicks": 3, "revenue": 1}]
    (total,) = call(server, lambda c: c.consumer_revenue(FEB))
    assert (total.clicks, total.revenue, total.day) == (120, 45.5, None)
    (row,) = call(server, lambda c: c.consumer_revenue("lastmonth"))
    assert row.day == dt.date(2024, 2, 1)
    for name in NAMED_RANGES:
        call(server, lambda c, n=name: c.consumer_revenue(n))
        assert server.requests[-1].path == f"consumer/revenue/{name}/"
    with pytest.raises(PeriodError, match="unknown range"):
        call(server, lambda c: c.consumer_revenue("lastyear"))


def test_store_revenue_one_and_all(server):
    server.revenue[("store", "all", "2024-02-01/2024-02-29")] = {
        "7": {"name": "Lampbutiken", "clicks": 9, "revenue": 4.5}, "8": {"name": "Ljus", "clicks": 1, "revenue": 0}}
    server.revenue[("store", "7", "yesterday")] = [{"store_id": 7, "clicks": 2, "amount": "1.25"}]
    rows = call(server, lambda c: c.store_revenue(FEB))
    assert [(r.key, r.name, r.clicks) for r in rows] == [("7", "Lampbutiken", 9), ("8", "Ljus", 1)]
    (one,) = call(server, lambda c: c.store_revenue("yesterday", 7))
    assert (one.key, one.revenue) == ("7", 1.25)


def test_channels_crud_and_channel_revenue(server):
    new_id = call(server, lambda c: c.create_channel("Guides", "https://site.example/guider/"))
    assert server.requests[-1].method == "POST" and server.requests[-1].path == "channel/"
    call(server, lambda c: c.update_channel(new_id, name="Guides 2"))
    (channel,) = call(server, lambda c: c.channels())
    assert (channel.channel_id, channel.name, channel.uri) == (new_id, "Guides 2", "https://site.example/guider/")
    server.revenue[("channel", "all", "2024-02-01/2024-02-29")] = [{"channel_id": new_id, "clicks": 5,
                                                                    "revenue": 2}]
    server.revenue[("channel", new_id, "2024-02-01/2024-02-29")] = {"channel_id": new_id, "clicks": 5}
    assert call(server, lambda c: c.channel_revenue(FEB))[0].key == new_id
    assert call(server, lambda c: c.channel_revenue(FEB, new_id))[0].clicks == 5
    call(server, lambda c: c.delete_channel(new_id))
    assert server.requests[-1].method == "DELETE" and call(server, lambda c: c.channels()) == []
    with pytest.raises(NotFoundError):
        call(server, lambda c: c.delete_channel(new_id))


def test_every_path_ends_with_a_slash(server):
    call(server, lambda c: c.store_status_log())
    call(server, lambda c: c.secret())
    assert all(r.path.endswith("/") for r in server.requests)


def test_secret_get_and_regenerate(server):
    assert call(server, lambda c: c.secret()) == "old-consumer-secret"
    new = call(server, lambda c: c.regenerate_secret())
    assert new != "old-consumer-secret" and server.requests[-1].method == "PUT"
    assert call(server, lambda c: c.secret()) == new


def test_store_status_log(server):
    (entry,) = call(server, lambda c: c.store_status_log())
    assert (entry.store_id, entry.status, entry.when) == ("7", "activated", "2016-03-30")


def test_deeplink_stores_page_by_offset_with_the_api_key(server):
    stores = call(server, lambda c: c.deeplink_stores())
    assert len(stores) == 120 and stores[1].enabled is True and stores[2].enabled is False
    assert [r.path for r in server.requests] == [f"store/deeplink-stores/{o}/" for o in (0, 50, 100)]
    assert all(r.headers["x-api-key"] == API_KEY for r in server.requests)


def test_deeplink_generator_posts_uris(server):
    one = call(server, lambda c: c.deeplinks(["https://shop.example/a"]))
    assert one == {"https://shop.example/a": "https://click.example/?u=https://shop.example/a"}
    assert server.requests[-1].path == "deepLinkGenerator/" and server.requests[-1].form["uri"]
    many = call(server, lambda c: c.deeplinks(["https://a.example/", "https://b.example/"]))
    assert list(many) == ["https://a.example/", "https://b.example/"]


def test_status_false_and_bad_shapes_are_decode_errors(server):
    server.faults.append((200, '{"status": false, "error": "Channel limit reached"}'))
    with pytest.raises(DecodeError, match="Channel limit reached"):
        call(server, lambda c: c.channels())
    server.faults.append((200, '{"status": true, "data": [{"name": "no id"}]}'))
    with pytest.raises(DecodeError, match="channel without an id"):
        call(server, lambda c: c.channels())
    server.faults.append((200, '{"status": true, "data": {"clicks": "many"}}'))
    with pytest.raises(DecodeError, match="clicks: expected a number"):
        call(server, lambda c: c.consumer_revenue("today"))


def test_get_is_retried_but_a_post_is_not(server):
    server.faults.append((503, '{"error": "busy"}'))
    assert call(server, lambda c: c.channels()) == []
    server.faults.append((503, '{"error": "busy"}'))
    with pytest.raises(ServerError):
        call(server, lambda c: c.create_channel("x", "https://x.example/"))
    assert server.channels == {}


def test_secrets_never_in_errors_or_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.faults.extend([(500, f'{{"error": "bad password {PASSWORD} key {API_KEY}"}}')] * 2)
    with pytest.raises(ServerError) as caught:
        call(server, lambda c: c.channels())
    text = str(caught.value) + repr(caught.value) + caplog.text
    assert PASSWORD not in text and API_KEY not in text and "***" in text
    assert PASSWORD not in repr(PartnerSettings(base_url="x", password=PASSWORD, api_key=API_KEY))


@pytest.mark.parametrize("name, start, end", [
    ("today", "2024-05-15", "2024-05-15"), ("yesterday", "2024-05-14", "2024-05-14"),
    ("currentweek", "2024-05-13", "2024-05-19"), ("lastweek", "2024-05-06", "2024-05-12"),
    ("currentmonth", "2024-05-01", "2024-05-31"), ("lastmonth", "2024-04-01", "2024-04-30"),
    ("currentquarter", "2024-04-01", "2024-06-30"), ("lastquarter", "2024-01-01", "2024-03-31"),
])
def test_named_ranges_resolve_locally(name, start, end):
    period = resolve(name, dt.date(2024, 5, 15))
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


def test_lastquarter_in_january_is_last_year():
    assert str(resolve("lastquarter", dt.date(2024, 1, 10))) == "2023-10-01..2023-12-31"
