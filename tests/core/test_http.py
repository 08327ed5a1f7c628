"""generator/core/net: the pure parts (backoff, Retry-After, redaction, error text) and the blocking facade."""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from generator.core.errors import SourceError
from generator.core.net import AuthError, BlockingClient, Redactor, RetryPolicy, ServerError, parse_retry_after
from tests.support.loopback import LoopbackServer


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy, rng = RetryPolicy(retries=5, backoff=1.0, backoff_max=5.0), random.Random(1)
    for attempt, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 5.0), (6, 5.0)]:
        delays = [policy.delay(attempt, None, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d < ceiling for d in delays) and len(set(delays)) > 1


def test_retry_after_wins_but_is_capped() -> None:
    policy, rng = RetryPolicy(backoff=1.0, backoff_max=10.0), random.Random()
    assert policy.delay(0, 3.0, rng) == 3.0 and policy.delay(0, 3600.0, rng) == 10.0


def test_parse_retry_after() -> None:
    assert parse_retry_after("7") == 7.0
    assert 55 < parse_retry_after(email.utils.formatdate(time.time() + 60, usegmt=True)) <= 60  # type: ignore[operator]
    assert parse_retry_after(email.utils.formatdate(time.time() - 60, usegmt=True)) == 0.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None


def test_redactor_removes_every_secret_longest_first() -> None:
    redact = Redactor(["abc", "abcdef", None, ""])
    assert redact("key=abcdef and abc") == "key=*** and ***"


def test_errors_are_source_errors_naming_service_endpoint_and_query() -> None:
    error = AuthError("authentication failed", status=401, service="Shopello API", endpoint="products",
                      query="limit=5")
    assert isinstance(error, SourceError) and error.status == 401
    assert error.message == "Shopello API: authentication failed (HTTP 401) | endpoint products | query limit=5"
    assert repr(error) == f"AuthError({error.message!r})"


def test_redactor_placeholders_and_url_credentials() -> None:
    redact = Redactor(["s3cret"], shown_as={"key-42": "<api-key>"})
    assert redact("https://x/feeds/key-42.xml?s=s3cret") == "https://x/feeds/<api-key>.xml?s=***"
    assert redact("fatal: https://user:tok@github.com/a.git") == "fatal: https://***@github.com/a.git"
    assert "s3cret" not in repr(redact)


class _Flaky(BaseHTTPRequestHandler):
    """Answers 503 with Retry-After: 0 until `failures` runs out, then 200 with the request count."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        app = self.server.app  # type: ignore[attr-defined]
        app.seen += 1
        failing = app.seen <= app.failures
        body = b"busy" if failing else json.dumps({"seen": app.seen}).encode()
        self.send_response(503 if failing else 200)
        if failing:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class FlakyServer(LoopbackServer):
    def __init__(self, failures: int) -> None:
        self.failures, self.seen = failures, 0
        super().__init__(_Flaky)


def test_blocking_client_retries_honouring_retry_after_even_inside_a_running_loop() -> None:
    waits: list[float] = []
    with FlakyServer(failures=2) as server, BlockingClient(
            service="Test", base_url=server.url, retry=RetryPolicy(retries=3, backoff=5.0), sleep=waits.append,
            secrets=["tok-123"]) as client:
        async def inside_a_loop() -> Any:
            return client.send("GET", "x", endpoint="x").json()
        assert asyncio.run(inside_a_loop()) == {"seen": 3}
    assert waits == [0.0, 0.0]  # Retry-After: 0 wins over the 5 s back-off


def test_blocking_client_errors_are_typed_and_redacted() -> None:
    with FlakyServer(failures=9) as server, BlockingClient(
            service="Test", base_url=server.url, retry=RetryPolicy(retries=1), sleep=lambda _: None,
            secrets=["tok-123"]) as client:
        with pytest.raises(ServerError) as caught:
            client.send("GET", "x?t=tok-123", endpoint="x?t=tok-123", query="t=tok-123")
    assert caught.value.attempts == 2 and "tok-123" not in caught.value.format_message()
