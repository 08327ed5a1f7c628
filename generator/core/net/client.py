"""HTTPClient: one pooled httpx.AsyncClient with retries, timeouts, typed errors and redaction.

Owns turning "send this request" into either a decoded body or a typed,
one-line, secret-free error (tree in `generator.core.net`). GETs, PUTs and
DELETEs are retried on 429, 5xx, transport errors and a 2xx body the
decoder refuses (an HTML error page from a proxy, a cut-off body); a POST
is retried only on 429 and on a failed connect, when nothing can have been
created twice, unless the caller says it is idempotent. JSON bodies are
parsed by content: valid JSON labelled text/html (PHP's default) is
accepted. Secrets given to the client are replaced in every message, in
`repr()` and in the text of the low-level cause, which is never chained
(`from None`) so that no traceback can show an unredacted URL or header.

Must not: know any API's envelope, models, caching or the environment.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

import httpx

from generator.core.net.errors import (APIError, APIStatusError, AuthError, BadRequestError, DecodeError, MethodNotAllowedError,
                     NotFoundError, RateLimitedError, RequestError, ServerError)
from generator.core.net.redact import Redactor
from generator.core.net.retry import RETRY_STATUSES, RetryPolicy, parse_retry_after

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


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


def _response(response: httpx.Response) -> httpx.Response:
    return response


class HTTPClient:
    """The async client every API client builds on.

    `max_in_flight` bounds concurrent requests (the semaphore is held only
    while a request is on the wire, not while backing off). `on_request` is
    called once per HTTP request actually sent, retries included. `secrets`
    are masked as `***`; a `redactor` may be given instead to choose other
    placeholders.
    """

    def __init__(self, *, service: str, base_url: str = "", headers: Mapping[str, str] | None = None,
                 secrets: Iterable[str | None] = (), redactor: Redactor | None = None,
                 timeout: httpx.Timeout | float = 30.0, retry: RetryPolicy = RetryPolicy(), max_in_flight: int = 4,
                 on_request: Callable[[], None] | None = None, auth: httpx.Auth | None = None,
                 auth_hint: str = "check the API key", status_meanings: Mapping[int, str] | None = None,
                 sleep: Sleep = asyncio.sleep) -> None:
        self.service = service
        self.redact = redactor or Redactor(secrets)
        self._auth_hint = auth_hint
        self._meanings = dict(status_meanings or {})
        self._retry = retry
        self._rng = random.Random()
        self._sleep = sleep
        self._slots = asyncio.Semaphore(max_in_flight)
        self._on_request = on_request
        self._client = httpx.AsyncClient(
            base_url=base_url, headers=dict(headers or {}), timeout=timeout, follow_redirects=True, auth=auth,
            limits=httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight),
        )

    def __repr__(self) -> str:
        return f"HTTPClient({self.service!r})"

    async def get_json(self, path: str, params: Mapping[str, str], *, endpoint: str,
                       query: str | None = None) -> Any:
        """GET `path` and decode its JSON body; raise an APIError subclass otherwise."""
        return await self.request_json("GET", path, params=params, endpoint=endpoint, query=query)

    async def request_json(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
                           data: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
                           endpoint: str, query: str | None = None) -> Any:
        """Send one request (form-encoded `data`, if any) and decode its JSON body."""
        where = self._where(endpoint, query)
        return await self.send(method, path, params=params, data=data, headers=headers, endpoint=endpoint,
                               query=query, decode=lambda response: self._decode_json(response, where))

    def _where(self, endpoint: str, query: str | None) -> dict[str, Any]:
        return {"service": self.service, "endpoint": self.redact(endpoint),
                "query": self.redact(query) if query else None}

    async def send(self, method: str, url: str, *, endpoint: str, query: str | None = None,
                   params: Mapping[str, str] | None = None, data: Mapping[str, Any] | None = None,
                   content: Callable[[], Any] | None = None,
                   headers: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
                   idempotent: bool | None = None,
                   decode: Callable[[httpx.Response], T] = _response) -> T:  # type: ignore[assignment]
        """Send one request, retrying as the module docstring says; return `decode(response)`.

        `content` and a callable `headers` are called once per attempt (a
        streamed body, a signature with a fresh timestamp). `decode` may
        raise DecodeError, which is retried like a 5xx for idempotent
        requests. Raises an APIError subclass on every failure.
        """
        where = self._where(endpoint, query)
        safe = method.upper() != "POST" if idempotent is None else idempotent
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                async with self._slots:
                    if self._on_request:
                        self._on_request()
                    response = await self._client.request(
                        method, url, params=dict(params or {}), data=data,
                        content=content() if content else None,
                        headers=headers() if callable(headers) else headers)
            except httpx.TimeoutException as exc:
                failure: APIError = RequestError(f"timed out ({type(exc).__name__})", kind=type(exc).__name__,
                                                 **where)
                retryable = safe or isinstance(exc, httpx.ConnectTimeout)
            except httpx.TransportError as exc:
                failure = RequestError(f"connection failed: {self.redact(str(exc)) or type(exc).__name__}",
                                       kind=type(exc).__name__, **where)
                retryable = safe or isinstance(exc, httpx.ConnectError)
            else:
                if response.is_success:
                    try:
                        return decode(response)
                    except DecodeError as exc:
                        # A proxy's error page, a cut-off or garbled body: as transient as a 5xx.
                        failure, retryable = exc, safe
                else:
                    failure = self._status_error(response, where)
                    status = response.status_code
                    retryable = status in RETRY_STATUSES and (safe or status == 429)
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
            if attempt >= self._retry.retries or not retryable:
                failure.attempts = attempt + 1
                raise failure from None
            delay = self._retry.delay(attempt, retry_after, self._rng)
            log.info("%s; retrying in %.2f s (attempt %d of %d)", failure, delay, attempt + 2, self._retry.retries + 1)
            attempt += 1
            await self._sleep(delay)

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

    def _decode_json(self, response: httpx.Response, where: dict[str, Any]) -> Any:
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
