"""The network limits of generator/core/net, each against a real HTTP server on 127.0.0.1 started here.

- the API key never goes to another host: a redirect to `localhost` from `127.0.0.1` (two hosts, one
  machine) is refused before anything is sent, in one line without the key; same-host redirects are
  followed, a loop is one line;
- a deadline for the whole request: a server dripping a byte at a time is cut off, retries included;
- a cap on the decompressed body, checked while it streams: a gzip bomb costs a few MB, not a GiB;
- JSON nested too deep is a malformed body: retried, then the stale cache, then one line.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import json
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from generator.config.schema import load_config
from generator.core.errors import ConfigError
from generator.core.net import (MAX_JSON_DEPTH, MAX_REDIRECTS, BlockingClient, DecodeError, HTTPClient, RedirectError,
                           RequestError, ResponseTooLargeError, RetryPolicy)
from generator.core.net.redirects import RedirectRefused, redirect_target
from generator.affiliate.revenue.settings import partner_settings
from generator.sources.feeds import FeedError, FeedFetcher
from generator.sources.shopello import ShopelloSettings, ShopelloSource
from generator.engine.ownership import MARKER, MARKER_TEXT
from tests.support.sites import BASIC_CONFIG, run, tree, write_site
from tests.support.loopback import LoopbackServer
from tests.sources.test_feeds import KEY as FEED_KEY
from tests.sources.test_feeds import FeedServer

pytestmark = pytest.mark.server

KEY = "limits-key-8d1f2c"
MiB = 1024 * 1024
Answer = Callable[["_Handler"], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self._answer()

    def _answer(self) -> None:
        app = self.server.app  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        app.seen.append((self.command, self.path, dict(self.headers), body))
        try:
            app.answer(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up: exactly what the limits are for

    def log_message(self, *args: object) -> None:
        pass


class Server(LoopbackServer):
    """Answers every request with `answer(handler)`; `seen` lists (method, path, headers, body) of each."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        super().__init__(_Handler)

    @property
    def port(self) -> int:
        return int(self.origin.rsplit(":", 1)[1])

    def keys_seen(self) -> list[str | None]:
        return [headers.get("X-API-KEY") for _, _, headers, _ in self.seen]


def reply(handler: _Handler, status: int = 200, body: bytes = b'{"ok": true}', **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def redirect(location: str, status: int = 302) -> Answer:
    return lambda handler: reply(handler, status, b"", Location=location)


def client(server: Server, **options: Any) -> HTTPClient:
    """A client sending the key as Shopello's does (a header), with quick retries."""
    values: dict[str, Any] = {"service": "Test API", "base_url": server.url, "headers": {"X-API-KEY": KEY},
                              "secrets": [KEY], "retry": RetryPolicy(retries=2, backoff=0.001), "timeout": 5.0}
    return HTTPClient(**{**values, **options})


def get(server: Server, path: str = "products.json", **options: Any) -> Any:
    """GET `path` and decode its JSON as every API client does (`HTTPClient.get_json`)."""
    async def main() -> Any:
        http = client(server, **options)
        try:
            return await http.get_json(path, {}, endpoint="products", query="query=lampa")
        finally:
            await http.aclose()
    return asyncio.run(main())


def failure(server: Server, path: str = "products.json", **options: Any) -> Any:
    """The error a GET ends in, checked to be one line without the key."""
    with pytest.raises(Exception) as caught:
        get(server, path, **options)
    message = caught.value.format_message()  # type: ignore[attr-defined]
    assert "\n" not in message and KEY not in message and "endpoint products" in message
    return caught.value


# -- redirects ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("other_port", [True, False], ids=["other-server", "same-port"])
def test_a_redirect_to_another_host_is_refused_and_that_host_never_sees_the_key(other_port: bool) -> None:
    with Server(reply) as other:
        with Server(lambda h: None) as api:
            port = other.port if other_port else api.port
            api.answer = redirect(f"http://localhost:{port}/1/products.json?key={KEY}", 301)
            error = failure(api)
        assert isinstance(error, RedirectError)
        assert f"redirects to another host (http://localhost:{port})" in error.message
        assert "credentials were not sent there" in error.message
    assert other.seen == []                      # the other host got nothing at all, let alone the key
    assert api.keys_seen() == [KEY]              # one request: a refused redirect is not retried


def test_a_redirect_naming_the_key_in_its_host_is_refused_without_showing_the_key() -> None:
    with Server(redirect(f"https://{KEY}.example.test/steal?k={KEY}")) as api:
        error = failure(api)  # which also checks the key is nowhere in the message
    assert "redirects to another host (https://***.example.test)" in error.message


def test_a_redirect_to_another_port_of_the_same_host_is_refused() -> None:
    with Server(reply) as other, Server(lambda h: None) as api:
        api.answer = redirect(f"{other.origin}/elsewhere")
        error = failure(api)
    assert isinstance(error, RedirectError) and "another port" in error.message and other.seen == []


def test_the_feed_key_in_the_url_path_never_follows_a_redirect_to_another_host() -> None:
    with Server(reply) as other, Server(lambda h: None) as feeds:
        feeds.answer = lambda h: reply(h, 302, b"", Location=f"http://localhost:{other.port}{h.path}")
        fetcher = FeedFetcher(KEY, feeds.origin, retry=RetryPolicy(retries=1, backoff=0.001))
        try:
            with pytest.raises(FeedError) as caught:
                fetcher.get(*fetcher.control_url())
        finally:
            fetcher.close()
    assert "redirects to another host" in caught.value.format_message()
    assert KEY not in caught.value.format_message() and "<api-key>" in caught.value.format_message()
    assert other.seen == [] and [path for _, path, _, _ in feeds.seen] == [f"/feeds/{KEY}.xml"]


def test_same_host_redirects_are_followed_with_the_key() -> None:
    def answer(handler: _Handler) -> None:
        if handler.path.startswith("/1/old"):
            reply(handler, 301, b"", Location="/1/middle")
        elif handler.path == "/1/middle":
            reply(handler, 307, b"", Location=f"{api.origin}/1/new.json")
        else:
            reply(handler, body=b'{"moved": true}')
    with Server(answer) as api:
        api._path = "/1/"
        assert get(api, "old.json") == {"moved": True}
    assert [path for _, path, _, _ in api.seen] == ["/1/old.json", "/1/middle", "/1/new.json"]
    assert api.keys_seen() == [KEY] * 3


def test_a_post_redirected_with_303_becomes_a_get_without_its_body() -> None:
    with Server(lambda h: reply(h, 303, b"", Location="/done") if h.path == "/form" else reply(h)) as api:
        with BlockingClient(service="Test API", base_url=api.url) as http:
            http.send("POST", "form", endpoint="form", data={"a": "1"})
    assert [(method, path, body) for method, path, _, body in api.seen] == [("POST", "/form", b"a=1"),
                                                                          ("GET", "/done", b"")]
    assert "Content-Type" not in api.seen[1][2]


def test_a_redirect_loop_is_one_line_after_a_bounded_number_of_hops() -> None:
    with Server(redirect("/products.json")) as api:
        error = failure(api)
    assert isinstance(error, RedirectError)
    assert f"more than {MAX_REDIRECTS} redirects (a redirect loop?)" in error.message
    assert len(api.seen) == MAX_REDIRECTS + 1  # and not retried


def test_https_never_redirects_to_http_and_http_may_move_to_https_on_the_same_host() -> None:
    # No TLS server on the loopback: the policy is checked on the request and response objects it reads.
    def target(url: str, location: str) -> httpx.URL:
        return redirect_target(httpx.Request("GET", url), httpx.Response(301, headers={"Location": location}))
    with pytest.raises(RedirectRefused, match="from https to http"):
        target("https://api.example/1/x.json", "http://api.example/1/x.json")
    assert target("http://api.example/1/x.json", "https://API.example/1/y.json").path == "/1/y.json"
    for location in ("ftp://api.example/x", "javascript:alert(1)", "https://api.example.evil.test/x"):
        with pytest.raises(RedirectRefused):
            target("https://api.example/1/x.json", location)


# -- the deadline -------------------------------------------------------------------------------------


def drip(interval: float) -> Answer:
    """Headers at once, then one byte of a long body every `interval` seconds: no read timeout ever fires."""
    def answer(handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        for _ in range(100000):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(interval)
    return answer


def test_a_server_dripping_a_byte_at_a_time_is_cut_off_at_the_deadline() -> None:
    with Server(drip(0.2)) as api:
        started = time.monotonic()
        error = failure(api, deadline=1.5, timeout=10.0)
        elapsed = time.monotonic() - started
    assert isinstance(error, RequestError) and error.kind == "DeadlineExceeded"
    assert "no complete answer within the request deadline of 1.5 s" in error.message
    assert 1.4 < elapsed < 5 and len(api.seen) == 1  # the deadline includes retries: none is left for one


def test_retries_stop_when_the_deadline_is_spent() -> None:
    def slow_failure(handler: _Handler) -> None:
        time.sleep(0.3)
        reply(handler, 503, b"busy")
    with Server(slow_failure) as api:
        started = time.monotonic()
        failure(api, deadline=1.0, retry=RetryPolicy(retries=50, backoff=0.0))
        elapsed = time.monotonic() - started
    assert elapsed < 3 and 2 <= len(api.seen) <= 4  # 0.3 s each: at most 4 fit in the second (a loaded CI is slow)


def test_a_retry_whose_wait_would_pass_the_deadline_is_not_made() -> None:
    waits: list[float] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)
    with Server(lambda h: reply(h, 503, b"busy", Retry_After="30")) as api:
        error = failure(api, deadline=20.0, sleep=wait,
                        retry=RetryPolicy(retries=3, backoff=1.0, backoff_max=60.0))
    assert error.status == 503 and error.attempts == 1 and waits == [] and len(api.seen) == 1


# -- the body size cap --------------------------------------------------------------------------------


@functools.cache
def gzip_bomb(size: int) -> bytes:
    """`size` zero bytes, gzipped (about 1,000:1), made in 1 MiB steps to stay small here too."""
    packer, chunk = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS), bytes(MiB)
    return b"".join([*(packer.compress(chunk) for _ in range(size // MiB)), packer.flush()])


def test_a_gzip_bomb_is_refused_while_it_streams_using_a_few_mb_over_the_cap() -> None:
    bomb = gzip_bomb(512 * MiB)  # 512 MiB inflated, about 500 KB on the wire
    assert len(bomb) < MiB
    with Server(lambda h: reply(h, body=bomb, Content_Encoding="gzip", Content_Type="application/json")) as api:
        tracemalloc.start()
        try:
            error = failure(api, max_body=16 * MiB)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert isinstance(error, ResponseTooLargeError) and "larger than 16 MiB" in error.message
    assert peak < 16 * MiB + 4 * MiB, f"{peak / MiB:.1f} MiB"
    assert len(api.seen) == 1  # a bomb is not fetched again


@pytest.mark.parametrize("encoding", ["identity", "gzip", "deflate"])
def test_a_body_of_exactly_the_cap_is_read_and_one_byte_more_is_refused(encoding: str) -> None:
    cap = 256 * 1024
    exact = json.dumps(["x" * (cap - 4)]).encode()
    assert len(exact) == cap
    encode = {"identity": lambda b: b, "gzip": gzip.compress, "deflate": zlib.compress}[encoding]
    for body, fits in ((exact, True), (exact + b" ", False)):
        with Server(lambda h, b=encode(body): reply(h, body=b, Content_Encoding=encoding)) as api:
            if fits:
                assert get(api, max_body=cap) == ["x" * (cap - 4)]
            else:
                assert isinstance(failure(api, max_body=cap), ResponseTooLargeError)


def test_a_corrupt_gzip_body_is_a_decode_error_retried_like_a_garbled_one() -> None:
    with Server(lambda h: reply(h, body=b"\x1f\x8b\x08\x00not gzip at all", Content_Encoding="gzip")) as api:
        error = failure(api)
    assert type(error) is DecodeError and "cannot be decompressed" in error.message and len(api.seen) == 3


# -- JSON nesting ---------------------------------------------------------------------------------------


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_json_nested_a_million_deep_is_a_malformed_body_retried_then_one_line() -> None:
    with Server(lambda h: reply(h, body=nested(1_000_000))) as api:
        error = failure(api)
    assert type(error) is DecodeError and "nested 1,000,000 levels deep" in error.message
    assert len(api.seen) == 3  # retried like any garbled body


def test_json_nesting_is_accepted_up_to_the_limit() -> None:
    with Server(lambda h: reply(h, body=nested(MAX_JSON_DEPTH))) as api:
        assert get(api) is not None
    with Server(lambda h: reply(h, body=b'{"a": "[[[[[[", "b": ' + nested(MAX_JSON_DEPTH - 1) + b"}")) as api:
        assert get(api)["a"] == "[[[[[["  # brackets inside strings do not count
    with Server(lambda h: reply(h, body=nested(MAX_JSON_DEPTH + 1))) as api:
        assert "nested 201 levels deep" in failure(api).message


def test_a_deeply_nested_answer_falls_back_to_the_stale_cache_then_fails_in_one_line(tmp_path: Path) -> None:
    good = json.dumps({"status": True, "data": [{"category_id": 1, "name": "Lampor"}]}).encode()
    state = {"body": good}
    with Server(lambda h: reply(h, body=state["body"])) as api:
        api._path = "/1/"

        def categories(cache: Path) -> tuple[Any, ShopelloSource]:
            source = ShopelloSource(ShopelloSettings(api_key=KEY, base_url=api.url, retries=1, backoff=0.001,
                                                     cache_path=cache, cache_ttl=0))

            async def main() -> Any:
                async with source:
                    return await source.categories()
            return asyncio.run(main()), source

        fresh, _ = categories(tmp_path / "cache.sqlite")
        state["body"] = b'{"status": true, "data": ' + nested(100_000) + b"}"
        stale, source = categories(tmp_path / "cache.sqlite")
        assert stale == fresh and len(source.stats.stale) == 1 and "nested 100,001 levels" in source.stats.stale[0]
        with pytest.raises(DecodeError) as caught:
            categories(tmp_path / "other-cache.sqlite")
    assert "\n" not in caught.value.message and KEY not in caught.value.message


# -- configuration and the build --------------------------------------------------------------------


def test_the_limits_are_source_settings_validated_with_the_key_named(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "ok", {}, BASIC_CONFIG + '[source]\nrequest_deadline = 5\nmax_response_size = "2MB"\n')
    config = load_config(site)
    assert (config.source.request_deadline, config.source.max_response_size) == (5, 2 * MiB)
    assert (load_config(write_site(tmp_path / "default", {})).source.request_deadline) <= 60
    bad = write_site(tmp_path / "bad", {},
                     BASIC_CONFIG + '[source]\nrequest_deadline = 0\nmax_response_size = "lots"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert "source.request_deadline" in str(caught.value) and "source.max_response_size" in str(caught.value)
    monkeypatch.setenv("SHOPELLO_PARTNER_PASSWORD", "pw")
    partner = partner_settings(load_config(write_site(
        tmp_path / "revenue", {}, BASIC_CONFIG + '[revenue]\npartner_username = "me"\n[source]\nrequest_deadline = 7\n'
        'max_response_size = "3MB"\n')))
    assert (partner.deadline, partner.max_body) == (7, 3 * MiB)  # the revenue clients keep the same limits


SHOP = BASIC_CONFIG + """search = false
[source]
kind = "shopello"
api_base = "{url}"
retries = 1
request_deadline = {deadline}
"""


@pytest.fixture
def shop_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SHOPELLO_API_KEY", KEY)
    yield


def build_fails(site: Path, *expected: str) -> str:
    result = run("build", "-C", str(site))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and KEY not in result.output
    for text in expected:
        assert text in result.output, result.output
    return result.output


def test_a_build_whose_api_redirects_to_another_host_fails_in_one_line_and_keeps_the_site(
        tmp_path: Path, shop_env: None) -> None:
    with Server(reply) as other, Server(lambda h: None) as api:
        api.answer = lambda h: reply(h, 301, b"", Location=f"http://localhost:{other.port}{h.path}")
        site = write_site(tmp_path / "site", {}, SHOP.format(url=api.url, deadline=60))
        (site / "public").mkdir()
        (site / "public" / "index.html").write_text("the live site")
        (site / "public" / MARKER).write_bytes(MARKER_TEXT)  # a site shelfpress published
        before = tree(site / "public")
        build_fails(site, "redirects to another host", "not sent there")
        assert tree(site / "public") == before
    assert other.seen == []


def test_a_build_against_a_dripping_api_ends_at_the_configured_deadline(tmp_path: Path, shop_env: None) -> None:
    with Server(drip(0.2)) as api:
        site = write_site(tmp_path / "site", {}, SHOP.format(url=api.url, deadline=1))
        started = time.monotonic()
        build_fails(site, "request deadline of 1 s")
        assert time.monotonic() - started < 15


def test_a_build_refuses_an_answer_above_the_configured_size(tmp_path: Path, shop_env: None) -> None:
    big = json.dumps({"status": True, "data": [{"category_id": n, "name": "x" * 100} for n in range(1, 40)]})
    with Server(lambda h: reply(h, body=gzip.compress(big.encode()), Content_Encoding="gzip")) as api:
        site = write_site(tmp_path / "site", {}, SHOP.format(url=api.url, deadline=60) + 'max_response_size = "2KB"\n')
        build_fails(site, "the response is larger than 2,048 bytes")
        paths = [path for _, path, _, _ in api.seen]
        assert len(paths) == len(set(paths))  # none fetched again


def test_sync_feeds_keeps_the_site_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_API_KEY", FEED_KEY)
    site = write_site(tmp_path / "site", {}, BASIC_CONFIG + '[source]\ncatalog = "products.sqlite"\n'
                      'max_response_size = "1KB"\n')
    feeds = FeedServer(tmp_path / "www")
    try:
        result = run("catalog", "sync-feeds", "-C", str(site), "--base-url", feeds.base_url)
    finally:
        feeds.close()
    assert result.exit_code == 1 and "Traceback" not in result.output and FEED_KEY not in result.output
    assert "the response is larger than 1,024 bytes" in result.output  # store 51's feed is 1,838 bytes
    assert "1 imported, 0 unchanged, 0 removed, 1 failed stores" in result.output
