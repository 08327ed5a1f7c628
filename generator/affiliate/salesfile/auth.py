"""The `X-Shoptimiza-Auth` header: make it (uploads) and check it (servers).

Owns the signing algorithm of shared/API-NOTES.md:

    GET/HEAD/DELETE: apiKey.unixTime.signature
    POST/PUT:        apiKey.unixTime.bodySig.signature
    bodySig   = base64(sha1(body))
    signature = base64(HMAC-SHA256(secret, apiKey.unixTime.VERB.urlWithoutScheme[.bodySig]))

Must not do I/O or read the environment; the secret is an argument and
never appears in a return value or an error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass

HEADER = "X-Shoptimiza-Auth"
BODY_VERBS = frozenset({"POST", "PUT"})
DEFAULT_MAX_AGE = 300


def url_without_scheme(url: str) -> str:
    """`https://api.shoptimiza.com/v1/x` -> `api.shoptimiza.com/v1/x`."""
    scheme, separator, rest = url.partition("://")
    return rest if separator else url


def body_signature(body: bytes | Iterable[bytes]) -> str:
    """base64(sha1(body)); `body` may be an iterable of chunks (a file streamed from disk)."""
    digest = hashlib.sha1()
    for chunk in (body,) if isinstance(body, bytes) else body:
        digest.update(chunk)
    return base64.b64encode(digest.digest()).decode("ascii")


def _signature(secret: str, api_key: str, timestamp: str, method: str, url: str, body_sig: str | None) -> str:
    message = f"{api_key}.{timestamp}.{method.upper()}.{url_without_scheme(url)}"
    if body_sig is not None:
        message += f".{body_sig}"
    mac = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def shoptimiza_auth_header(api_key: str, secret: str, method: str, url: str, *,
                           body_sig: str | None = None, body: bytes | None = None,
                           now: int | None = None) -> str:
    """The header value for a request. POST/PUT need `body` or its `body_sig`."""
    verb = method.upper()
    timestamp = str(int(time.time()) if now is None else now)
    if verb in BODY_VERBS:
        if body_sig is None:
            body_sig = body_signature(body or b"")
        return f"{api_key}.{timestamp}.{body_sig}.{_signature(secret, api_key, timestamp, verb, url, body_sig)}"
    return f"{api_key}.{timestamp}.{_signature(secret, api_key, timestamp, verb, url, None)}"


@dataclass(frozen=True)
class AuthCheck:
    """The outcome of `verify_shoptimiza_auth`; truthy when the request is authentic."""

    valid: bool
    reason: str = ""
    api_key: str = ""

    def __bool__(self) -> bool:
        return self.valid


def verify_shoptimiza_auth(header: str | None, method: str, url: str, body: bytes, secret: str,
                           max_age: int = DEFAULT_MAX_AGE, *, now: int | None = None) -> AuthCheck:
    """Check an `X-Shoptimiza-Auth` header on a request your own server received.

    For publishers who serve the sales file themselves: Shoptimiza signs
    its fetches with your secret. Rejects a missing or malformed header, a
    timestamp more than `max_age` seconds from now (replays), a body that
    does not match its signature, and a signature made for another verb or
    URL. `url` is the full URL as requested (scheme optional).

    Example (a WSGI app serving the file only to Shoptimiza)::

        from generator.affiliate.salesfile import verify_shoptimiza_auth

        def app(environ, start_response):
            url = "https://" + environ["HTTP_HOST"] + environ["PATH_INFO"]
            check = verify_shoptimiza_auth(environ.get("HTTP_X_SHOPTIMIZA_AUTH"),
                                           environ["REQUEST_METHOD"], url, b"",
                                           secret=os.environ["SHOPTIMIZA_SECRET"])
            if not check:
                start_response("403 Forbidden", [("Content-Type", "text/plain")])
                return [b"forbidden\\n"]
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [open("sales.jsonl", "rb").read()]
    """
    if not header:
        return AuthCheck(False, f"no {HEADER} header")
    verb = method.upper()
    parts = header.strip().split(".")
    if len(parts) != (4 if verb in BODY_VERBS else 3) or not all(parts):
        return AuthCheck(False, f"{HEADER} is malformed for a {verb} request")
    api_key, timestamp, *rest = parts
    if not timestamp.isdigit():
        return AuthCheck(False, f"{HEADER} timestamp is not a unix time")
    age = (int(time.time()) if now is None else now) - int(timestamp)
    if abs(age) > max_age:
        return AuthCheck(False, f"timestamp is {abs(age)} s {'old' if age > 0 else 'in the future'} "
                                f"(max {max_age} s)")
    body_sig = rest[0] if verb in BODY_VERBS else None
    if body_sig is not None and not hmac.compare_digest(body_sig, body_signature(body)):
        return AuthCheck(False, "body does not match its signature")
    expected = _signature(secret, api_key, timestamp, verb, url, body_sig)
    if not hmac.compare_digest(rest[-1].encode("utf-8"), expected.encode("ascii")):
        return AuthCheck(False, "signature does not match (wrong secret, verb or URL)")
    return AuthCheck(True, api_key=api_key)
