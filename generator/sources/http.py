"""HTTP faults for API clients: timeouts, retries, typed errors, redaction.

Owns one thing: turning "GET this JSON endpoint" into either a decoded JSON
value or a typed, one-line, secret-free error. Every API client (Shopello
v1 today, the v3 partner and Shopper sales-report clients later) builds on
`JSONClient`. This module knows nothing about any API's envelope, models
or caching; those belong to the client that uses it.

    SourceError                      (generator.errors)
    └── APIError                     any failure talking to an HTTP API
        ├── RequestError             transport: connect/read timeout, reset, DNS
        ├── APIStatusError           the API answered with a non-2xx status
        │   ├── BadRequestError      400: the API rejected the parameters
        │   ├── AuthError            401 / 403: bad or missing credentials
        │   ├── MethodNotAllowedError 405: the account may not use this method
        │   ├── NotFoundError        404
        │   ├── RateLimitedError     429 (after retries; carries retry_after)
        │   └── ServerError          5xx (after retries)
        └── DecodeError              malformed JSON, HTML error page, wrong
                                     shape, an envelope saying status:false

Each error names the service, endpoint and query; a client may pass the
meaning its API documents for a status (`status_meanings`) and a hint for
auth failures (`auth_hint`). GETs, PUTs and DELETEs are retried on 429, 5xx,
transport errors and a 2xx body that is no JSON (an HTML error page from a
proxy, a cut-off body); a POST is retried only on 429 and on a failed
connect, when nothing can have been created twice. Bodies are parsed by
content: valid JSON labelled text/html (PHP's default) is accepted. Secrets handed to
`Redactor` are replaced by `***` in every message, in `repr()` and in the
text of the low-level cause, which is never chained (`from None`) so that no
traceback can show an unredacted URL or header.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ..errors import SourceError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Redactor:
    """Replaces every known secret in a text with `***`."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        # Longest first, so a secret containing another is removed whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


class APIError(SourceError):
    """Base of every API failure; carries service, endpoint and query, never secrets."""

    def __init__(self, message: str, *, service: str, endpoint: str, query: str | None = None) -> None:
        self.service = service
        self.bare_message = message
        super().__init__(f"{service}: {message}", endpoint=endpoint, query=query)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class RequestError(APIError):
    """No usable response: timeout, refused or reset connection, truncated body."""


class APIStatusError(APIError):
    """The API answered with a non-2xx status."""

    def __init__(self, message: str, *, status: int, **where: Any) -> None:
        self.status = status
        super().__init__(f"{message} (HTTP {status})", **where)


class BadRequestError(APIStatusError):
    """400: the API rejected the request parameters."""


class AuthError(APIStatusError):
    """401/403: the credentials are missing, wrong or lack permission."""


class MethodNotAllowedError(APIStatusError):
    """405: the method is not allowed (for this account)."""


class NotFoundError(APIStatusError):
    """404: the endpoint or the object does not exist."""


class RateLimitedError(APIStatusError):
    """429 after all retries; `retry_after` is the server's hint in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(APIStatusError):
    """5xx after all retries."""


class DecodeError(APIError):
    """The body is not the JSON the API documents."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry 429, 5xx and transport errors.

    The delay before retry n (0-based) is `backoff * 2**n`, capped at
    `backoff_max`, scaled by a random factor in [0.5, 1) (jitter) so that
    concurrent requests do not retry in lockstep. A Retry-After header wins
    over the computed delay, but is also capped at `backoff_max`.
    """

    retries: int = 3
    backoff: float = 0.5
    backoff_max: float = 30.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.backoff_max)
        return min(self.backoff * 2 ** attempt, self.backoff_max) * (0.5 + rng.random() / 2)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _error_text(response: httpx.Response) -> str:
    """The API's own error message from a JSON `{"error": ...}` body, else a short reason."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "error"
    if isinstance(body, Mapping):
        for name in ("error", "message", "msg"):
            if body.get(name):
                return str(body[name])[:200]
    return response.reason_phrase or "error"


def _looks_like_html(response: httpx.Response) -> bool:
    """Only names what a body that is not JSON was: the label never decides whether it is JSON."""
    return response.content[:200].lstrip().startswith(b"<") or "html" in response.headers.get("content-type", "")


class JSONClient:
    """One pooled httpx.AsyncClient that GETs JSON with retries and typed errors.

    `max_in_flight` bounds concurrent requests (the semaphore is held only
    while a request is on the wire, not while backing off). `on_request` is
    called once per HTTP request actually sent, retries included.
    """

    def __init__(self, *, service: str, base_url: str, headers: Mapping[str, str], secrets: Iterable[str],
                 timeout: httpx.Timeout, retry: RetryPolicy, max_in_flight: int,
                 on_request: Callable[[], None] | None = None, auth: httpx.Auth | None = None,
                 auth_hint: str = "check the API key", status_meanings: Mapping[int, str] | None = None) -> None:
        self.service = service
        self.redact = Redactor(secrets)
        self._auth_hint = auth_hint
        self._meanings = dict(status_meanings or {})
        self._retry = retry
        self._rng = random.Random()
        self._slots = asyncio.Semaphore(max_in_flight)
        self._on_request = on_request
        self._client = httpx.AsyncClient(
            base_url=base_url, headers=dict(headers), timeout=timeout, follow_redirects=True, auth=auth,
            limits=httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight),
        )

    async def get_json(self, path: str, params: Mapping[str, str], *, endpoint: str,
                       query: str | None = None) -> Any:
        """GET `path` and decode its JSON body; raise an APIError subclass otherwise."""
        return await self.request_json("GET", path, params=params, endpoint=endpoint, query=query)

    async def request_json(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                           data: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
                           endpoint: str, query: str | None = None) -> Any:
        """Send one request (form-encoded `data`, if any) and decode its JSON body.

        Raises an APIError subclass on every failure; a POST is retried only
        when it cannot have reached the server (see the module docstring).
        """
        where = {"service": self.service, "endpoint": endpoint, "query": self.redact(query) if query else None}
        safe = method.upper() != "POST"
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                async with self._slots:
                    if self._on_request:
                        self._on_request()
                    response = await self._client.request(method, path, params=dict(params or {}),
                                                          data=data, headers=headers)
            except httpx.TimeoutException as exc:
                failure: APIError = RequestError(f"timed out ({type(exc).__name__})", **where)
                retryable = safe or isinstance(exc, httpx.ConnectTimeout)
            except httpx.TransportError as exc:
                failure = RequestError(f"connection failed: {self.redact(str(exc)) or type(exc).__name__}",
                                       **where)
                retryable = safe or isinstance(exc, httpx.ConnectError)
            else:
                if response.is_success:
                    try:
                        return self._decode(response, where)
                    except DecodeError as exc:
                        # A proxy's error page, a cut-off or garbled body: as transient as a 5xx.
                        failure, retryable = exc, safe
                else:
                    failure = self._status_error(response, where)
                    status = response.status_code
                    if status not in RETRY_STATUSES or not (safe or status == 429):
                        raise failure from None
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
                    retryable = True
            if attempt >= self._retry.retries or not retryable:
                raise failure from None
            delay = self._retry.delay(attempt, retry_after, self._rng)
            log.info("%s; retrying in %.2f s (attempt %d of %d)", failure, delay, attempt + 2, self._retry.retries + 1)
            attempt += 1
            await asyncio.sleep(delay)

    def _status_error(self, response: httpx.Response, where: dict[str, Any]) -> APIStatusError:
        status = response.status_code
        reason = self.redact(_error_text(response))
        if status in self._meanings:
            reason = f"{self._meanings[status]} ({reason})"
        if status == 400:
            return BadRequestError(f"request rejected: {reason}", status=status, **where)
        if status in (401, 403):
            return AuthError(f"authentication failed, {self._auth_hint}: {reason}", status=status, **where)
        if status == 405:
            return MethodNotAllowedError(f"method not allowed: {reason}", status=status, **where)
        if status == 404:
            return NotFoundError(f"not found: {reason}", status=status, **where)
        if status == 429:
            return RateLimitedError(f"rate limited: {reason}", status=status,
                                    retry_after=parse_retry_after(response.headers.get("retry-after")), **where)
        if status >= 500:
            return ServerError(f"server error: {reason}", status=status, **where)
        return APIStatusError(f"request rejected: {reason}", status=status, **where)

    def _decode(self, response: httpx.Response, where: dict[str, Any]) -> Any:
        """JSON by content, whatever the Content-Type says (PHP labels JSON text/html by default)."""
        try:
            return json.loads(response.content)
        except ValueError as exc:
            if _looks_like_html(response):
                raise DecodeError(f"expected JSON, got an HTML page (HTTP {response.status_code})", **where) from None
            detail = (f": {exc.msg} at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError)
                      else f" ({self.redact(str(exc))})")
            raise DecodeError(f"malformed JSON in the HTTP {response.status_code} response{detail}", **where) from None

    async def aclose(self) -> None:
        await self._client.aclose()
