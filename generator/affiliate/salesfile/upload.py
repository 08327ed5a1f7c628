"""Upload the sales file to Shoptimiza (`POST /v1/sites/{apiKey}/sales-file`).

Owns: the request (streamed from disk, signed per attempt with a fresh
timestamp), the error messages, and the dry-run description. Retries (on
connection errors and 5xx, with exponential back-off), timeouts and
redaction come from `generator.core.net`. Must not read the
environment (the command passes key and secret) nor put the secret, the
signature or the unredacted API key in any output or error.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from generator.core.net import APIError, APIStatusError, BlockingClient, Redactor, RequestError, RetryPolicy
from generator.affiliate.salesfile.auth import HEADER, body_signature, shoptimiza_auth_header
from generator.affiliate.salesfile.errors import UploadError

DEFAULT_BASE_URL = "https://api.shoptimiza.com/v1/"
_CHUNK = 1 << 16
_STATUS_HINTS = {
    400: "Shoptimiza rejected the file; check it with `sales-file build` output",
    401: "check SHOPTIMIZA_API_KEY and SHOPTIMIZA_SECRET",
    403: "check SHOPTIMIZA_API_KEY and SHOPTIMIZA_SECRET, and that uploads are enabled for the site",
    404: "check SHOPTIMIZA_API_KEY (no such site)",
    413: "the file is too large for Shoptimiza; shorten the window (--months)",
}


@dataclass(frozen=True)
class UploadTarget:
    """Where and as whom to upload. `secret` is never rendered."""

    api_key: str
    secret: str
    base_url: str = DEFAULT_BASE_URL

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + f"/sites/{self.api_key}/sales-file"

    def redactor(self) -> Redactor:
        """Masks the secret as `***` and the API key as `<api-key>` (for messages)."""
        return Redactor([self.secret], shown_as={self.api_key: "<api-key>"})


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


async def _stream(path: Path) -> AsyncIterator[bytes]:
    for chunk in _chunks(path):
        yield chunk


def _headers(target: UploadTarget, body_sig: str, size: int) -> dict[str, str]:
    return {HEADER: shoptimiza_auth_header(target.api_key, target.secret, "POST", target.url, body_sig=body_sig),
            "Content-Type": "text/plain; charset=utf-8", "Content-Length": str(size)}


def describe_upload(path: Path, target: UploadTarget) -> str:
    """The request `upload_sales_file` would send, with the signature and secret hidden."""
    headers = _headers(target, body_signature(_chunks(path)), path.stat().st_size)
    key, timestamp, body_sig, _signature = headers[HEADER].rsplit(".", 3)
    headers[HEADER] = f"{key}.{timestamp}.{body_sig}.<HMAC-SHA256 signature hidden>"
    lines = [f"POST {target.url}"] + [f"{name}: {value}" for name, value in headers.items()]
    return "\n".join(lines + [f"<body: {path} ({path.stat().st_size:,} bytes)>"])


def upload_sales_file(path: Path, target: UploadTarget, *, retries: int = 3, backoff: float = 1.0,
                      timeout: float = 60.0, sleep: Callable[[float], None] = time.sleep) -> httpx.Response:
    """POST the file at `path`; retry connection errors and 5xx `retries` times.

    Raises UploadError (endpoint redacted) on a 4xx, or when the retries are
    exhausted. Returns the successful response.
    """
    body_sig = body_signature(_chunks(path))
    size = path.stat().st_size
    redact = target.redactor()
    shown = redact(target.url)
    policy = RetryPolicy(retries, backoff, backoff_max=float("inf"), jitter=False)
    with BlockingClient(service="Shoptimiza", redactor=redact, timeout=timeout, retry=policy, max_in_flight=1,
                        sleep=sleep) as client:
        try:
            response: httpx.Response = client.send(
                "POST", target.url, endpoint=shown, idempotent=True,  # the upload replaces the file
                content=lambda: _stream(path), headers=lambda: _headers(target, body_sig, size))
        except APIStatusError as error:
            attempts = error.attempts
            if error.status < 500:
                hint = _STATUS_HINTS.get(error.status, "see the Shoptimiza documentation")
                raise UploadError(f"upload to {shown} failed: HTTP {error.status}; {hint}") from None
            problem = f"HTTP {error.status}"
        except RequestError as error:
            attempts, problem = error.attempts, f"connection failed ({error.kind})"
        except APIError as error:
            attempts, problem = error.attempts, error.bare_message
        else:
            return response
    raise UploadError(f"upload to {shown} failed after {attempts} attempts: {problem}; "
                      "try again later or check your network")
