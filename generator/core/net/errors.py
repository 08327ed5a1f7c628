"""The typed HTTP errors (tree in `generator.core.net`): one line each, never a secret.

Each error names the service, endpoint and query; `attempts` says how many
requests were sent before giving up.
"""

from __future__ import annotations

from typing import Any

from generator.core.errors import SourceError


class APIError(SourceError):
    """Base of every API failure; carries service, endpoint and query, never secrets."""

    attempts: int = 1

    def __init__(self, message: str, *, service: str, endpoint: str, query: str | None = None) -> None:
        self.service = service
        self.bare_message = message
        super().__init__(f"{service}: {message}", endpoint=endpoint, query=query)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class RequestError(APIError):
    """No usable response: timeout, refused or reset connection, truncated body, the request's deadline passed.

    `kind` is the low-level exception's class name (`ConnectError`, `ReadTimeout`), or `DeadlineExceeded`."""

    def __init__(self, message: str, *, kind: str = "", **where: Any) -> None:
        self.kind = kind
        super().__init__(message, **where)


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
    """The body is not what the API documents (JSON, the envelope, the shape)."""


class ResponseTooLargeError(DecodeError):
    """The decompressed body passed the size cap while it was read (a gzip bomb, a runaway answer)."""


class RedirectError(APIError):
    """A redirect that is not followed: to another host or port, from https to http, or one too many."""
