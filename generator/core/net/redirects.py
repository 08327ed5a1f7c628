"""Which redirects a request may follow: only to the same host, never from https to http, only a few.

httpx follows a redirect to any host and drops only the Authorization
header on the way, so an API key sent as `X-API-KEY`, or written into the
URL path (the static feeds), went wherever a 301 pointed. Here a redirect
is checked before anything is sent to its target: a request's credentials
stay on the host they were configured for.

Must not: send requests or know the client's errors (it raises RedirectRefused with a one-line reason).
"""

from __future__ import annotations

import httpx

MAX_REDIRECTS = 5
"""Same-host redirects one request may follow; more is a loop, not an API."""

_DEFAULT_PORTS = {"http": 80, "https": 443}


class RedirectRefused(Exception):
    """A redirect shelfpress will not follow; the message says why, naming at most the target's origin."""


def _origin(url: httpx.URL) -> str:
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{url.host}{port}"


def _port(url: httpx.URL) -> int | None:
    return url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme)


def redirect_target(request: httpx.Request, response: httpx.Response) -> httpx.URL:
    """The absolute URL `response` redirects `request` to, if it may be followed; else RedirectRefused."""
    try:
        target = request.url.join(response.headers["location"])
    except (httpx.InvalidURL, ValueError):
        raise RedirectRefused("the answer redirects to an invalid URL") from None
    old = request.url
    if target.scheme not in _DEFAULT_PORTS:
        raise RedirectRefused(f"the answer redirects to a {target.scheme or 'relative'}: URL, not to http(s)")
    if target.host.lower() != old.host.lower():
        raise RedirectRefused(f"the answer redirects to another host ({_origin(target)}); not followed, so the "
                              "credentials were not sent there: check the configured API address")
    if old.scheme == "https" and target.scheme == "http":
        raise RedirectRefused(f"the answer redirects from https to http ({_origin(target)}); not followed, so "
                              "nothing was sent unencrypted: check the configured API address")
    upgrade = old.scheme == "http" and target.scheme == "https" and _port(old) == 80 and _port(target) == 443
    if _port(old) != _port(target) and not upgrade:
        raise RedirectRefused(f"the answer redirects to another port ({_origin(target)}); not followed, so the "
                              "credentials were not sent there: check the configured API address")
    return target


def redirect_method(method: str, status: int) -> tuple[str, bool]:
    """The method of the redirected request and whether it carries the body again (RFC 9110 15.4, as browsers do):
    303 turns anything but HEAD into GET, 301/302 turn a POST into GET, 307/308 keep both."""
    if status == 303 and method != "HEAD":
        return "GET", False
    if status in (301, 302) and method == "POST":
        return "GET", False
    return method, True
