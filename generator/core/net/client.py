"""HTTPClient: one pooled httpx.AsyncClient with retries, timeouts, typed errors and redaction.

Owns turning "send this request" into either a decoded body or a typed,
one-line, secret-free error (tree in `generator.core.net`). GETs, PUTs and
DELETEs are retried on 429, 5xx, transport errors (not a host name that
does not resolve: a wrong setting, named in the error) and a 2xx body the
decoder refuses (an HTML error page from a proxy, a cut-off body); a POST
is retried only on 429 and on a failed connect, when nothing can have been
created twice, unless the caller says it is idempotent. JSON bodies are
parsed by content: valid JSON labelled text/html (PHP's default) is
accepted. Secrets given to the client are replaced in every message, in
`repr()` and in the text of the low-level cause, which is never chained
(`from None`) so that no traceback can show an unredacted URL or header.

Limits, so that no server can hang a build, exhaust its memory or collect
its credentials: redirects are followed here, not by httpx, and only to the
same host and port (`redirects.py`), at most MAX_REDIRECTS of them, never
from https to http; a request, retries and back-off included, ends within
its `deadline` (connect to last byte: a server sending a byte every two
seconds is cut off); a body is decompressed while it streams and refused
past `max_body` bytes, and JSON nested deeper than MAX_JSON_DEPTH is a
malformed body (`body.py`, `generator.core.jsondepth`). A refused redirect and a too-large body are
not retried; a deep or garbled body is, like any DecodeError.

Must not: know any API's envelope, models, caching or the environment.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

import httpx

from generator.core.jsondepth import loads_json
from generator.core.net.body import ACCEPT_ENCODING, DEFAULT_MAX_BODY, BodyError, BodyTooLarge, CappedBody
from generator.core.net.errors import (APIError, APIStatusError, AuthError, BadRequestError, DecodeError, MethodNotAllowedError,
                     NotFoundError, RateLimitedError, RedirectError, RequestError, ResponseTooLargeError, ServerError)
from generator.core.net.redact import Redactor
from generator.core.net.redirects import MAX_REDIRECTS, RedirectRefused, redirect_method, redirect_target
from generator.core.net.retry import RETRY_STATUSES, RetryPolicy, parse_retry_after

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

DEFAULT_DEADLINE = 60.0
"""Seconds one request may take, connect to last byte, retries and their back-off included."""
_BODY_HEADERS = frozenset({"content-length", "content-type", "transfer-encoding"})
_DECODED_AWAY = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class _DeadlinePassed(Exception):
    """The request's deadline passed on the wire (turned into a RequestError by `send`)."""


def _error_text(response: httpx.Response) -> str:
    """The API's own error message from a JSON `{"error": ...}` body, else a short reason."""
    try:
        body = loads_json(response.content)
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


# getaddrinfo's answers that a name does not exist (EAI_NONAME; EAI_NODATA where the platform has it). A
# temporary failure (EAI_AGAIN: no DNS server reachable) is retried like any connection error.
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def unresolvable_host(exc: BaseException, host: str) -> str | None:
    """`host` when `exc` was caused by a name that does not resolve, else None."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror) and cause.errno in _NO_SUCH_NAME:
            return host or "the API host"
        cause = cause.__cause__ or cause.__context__
    return None


class HTTPClient:
    """The async client every API client builds on.

    `max_in_flight` bounds concurrent requests (the semaphore is held only
    while a request is on the wire, not while backing off). `on_request` is
    called once per HTTP request actually sent, retries and redirects
    included. `secrets` are masked as `***`; a `redactor` may be given
    instead to choose other placeholders. `deadline` (seconds) and
    `max_body` (bytes) are the limits of the module docstring.
    `address_hint` ends the error for a host name that does not resolve
    (which is never retried): the setting it came from and the fix.
    """

    def __init__(self, *, service: str, base_url: str = "", headers: Mapping[str, str] | None = None,
                 secrets: Iterable[str | None] = (), redactor: Redactor | None = None,
                 timeout: httpx.Timeout | float = 30.0, retry: RetryPolicy = RetryPolicy(), max_in_flight: int = 4,
                 on_request: Callable[[], None] | None = None, auth: httpx.Auth | None = None,
                 auth_hint: str = "check the API key", status_meanings: Mapping[int, str] | None = None,
                 address_hint: str = "check the address", sleep: Sleep = asyncio.sleep,
                 deadline: float = DEFAULT_DEADLINE, max_body: int = DEFAULT_MAX_BODY,
                 max_redirects: int = MAX_REDIRECTS) -> None:
        self.service = service
        self.redact = redactor or Redactor(secrets)
        self._auth_hint = auth_hint
        self._address_hint = address_hint
        self._meanings = dict(status_meanings or {})
        self._retry = retry
        self._rng = random.Random()
        self._sleep = sleep
        self._slots = asyncio.Semaphore(max_in_flight)
        self._on_request = on_request
        self._deadline = deadline
        self._max_body = max_body
        self._max_redirects = max_redirects
        self._client = httpx.AsyncClient(
            base_url=base_url, headers={"Accept-Encoding": ACCEPT_ENCODING, **(headers or {})}, timeout=timeout,
            follow_redirects=False, auth=auth,
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
        attempt, spent = 0, 0.0
        while True:
            retry_after: float | None = None
            try:
                async with self._slots:
                    started = time.monotonic()
                    try:
                        response = await self._within(self._deadline - spent, self._exchange(
                            method, url, params=params, data=data, content=content, headers=headers))
                    finally:
                        spent += time.monotonic() - started
            except _DeadlinePassed:
                failure = RequestError(f"no complete answer within the request deadline of {self._deadline:g} s",
                                       kind="DeadlineExceeded", **where)
                retryable = False
            except RedirectRefused as exc:
                failure, retryable = RedirectError(self.redact(str(exc)), **where), False
            except BodyTooLarge as exc:
                failure, retryable = ResponseTooLargeError(f"{exc}; not read further", **where), False
            except BodyError as exc:
                failure, retryable = DecodeError(self.redact(str(exc)), **where), safe
            except httpx.TimeoutException as exc:
                failure: APIError = RequestError(f"timed out ({type(exc).__name__})", kind=type(exc).__name__,
                                                 **where)
                retryable = safe or isinstance(exc, httpx.ConnectTimeout)
            except httpx.TransportError as exc:
                failure = RequestError(f"connection failed: {self.redact(str(exc)) or type(exc).__name__}",
                                       kind=type(exc).__name__, **where)
                retryable = safe or isinstance(exc, httpx.ConnectError)
                host = unresolvable_host(exc, self._client.base_url.host or httpx.URL(url).host)
                if host is not None:  # a typo or a wrong setting, not a glitch: asking again cannot help
                    failure = RequestError(f"host {host!r} does not resolve (no such name); "
                                           f"{self._address_hint}", kind="NameResolutionError", **where)
                    retryable = False
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
            delay = self._retry.delay(attempt, retry_after, self._rng)
            if attempt >= self._retry.retries or not retryable or spent + delay >= self._deadline:
                failure.attempts = attempt + 1
                raise failure from None
            log.info("%s; retrying in %.2f s (attempt %d of %d)", failure, delay, attempt + 2, self._retry.retries + 1)
            attempt += 1
            spent += delay
            await self._sleep(delay)

    @staticmethod
    async def _within(seconds: float, work: Awaitable[T]) -> T:
        """`await work`, or _DeadlinePassed once `seconds` have passed (or none are left)."""
        if seconds <= 0:
            if asyncio.iscoroutine(work):
                work.close()
            raise _DeadlinePassed
        timer = asyncio.timeout(seconds)
        try:
            async with timer:
                return await work
        except TimeoutError:
            if timer.expired():
                raise _DeadlinePassed from None
            raise

    async def _exchange(self, method: str, url: str, *, params: Mapping[str, str] | None,
                        data: Mapping[str, Any] | None, content: Callable[[], Any] | None,
                        headers: Mapping[str, str] | Callable[[], Mapping[str, str]] | None) -> httpx.Response:
        """One attempt: send, follow same-host redirects (`redirects.py`), read the final body within the cap."""
        sent_headers = dict((headers() if callable(headers) else headers) or {})
        request = self._client.build_request(method, url, params=dict(params or {}), data=data,
                                             content=content() if content else None, headers=sent_headers)
        for _hop in range(self._max_redirects + 1):
            if self._on_request:
                self._on_request()
            response = await self._client.send(request, stream=True)
            try:
                if not response.has_redirect_location:
                    return await self._read(response)
                target = redirect_target(request, response)
            finally:
                await response.aclose()
            method, keep_body = redirect_method(request.method, response.status_code)
            if not keep_body:
                data, content = None, None
                sent_headers = {k: v for k, v in sent_headers.items() if k.lower() not in _BODY_HEADERS}
            request = self._client.build_request(method, target, data=data, content=content() if content else None,
                                                 headers=sent_headers)
        raise RedirectRefused(f"more than {self._max_redirects} redirects (a redirect loop?); "
                              "check the configured API address")

    async def _read(self, response: httpx.Response) -> httpx.Response:
        """The response with its body decompressed and read, refused as soon as it passes `max_body`."""
        body = CappedBody(response.headers.get("content-encoding"), self._max_body)
        async for raw in response.aiter_raw():
            body.feed(raw)
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DECODED_AWAY]
        extensions = {k: v for k, v in response.extensions.items() if k in ("http_version", "reason_phrase")}
        return httpx.Response(response.status_code, headers=headers, content=body.finish(),
                              request=response.request, extensions=extensions)

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
            return loads_json(response.content)
        except ValueError as exc:
            if _looks_like_html(response):
                raise DecodeError(f"expected JSON, got an HTML page (HTTP {response.status_code})", **where) from None
            detail = (f": {exc.msg} at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError)
                      else f" ({self.redact(str(exc))})")
            raise DecodeError(f"malformed JSON in the HTTP {response.status_code} response{detail}", **where) from None

    async def aclose(self) -> None:
        await self._client.aclose()
