"""The one HTTP layer: every request shelfpress sends goes through here.

Owns transport faults and their wording: pooled connections, timeouts, the
retry policy (exponential back-off with jitter, Retry-After honoured),
typed one-line errors and the one secret redactor. It knows nothing about
any API's envelope, models or caching; those belong to the client that
uses it (sources/shopello.py, sources/feeds.py, revenue/partner.py,
revenue/shopper.py, salesfile/upload.py).

    SourceError                      (generator.core.errors)
    └── APIError                     any failure talking to an HTTP API
        ├── RequestError             transport: connect/read timeout, reset, DNS,
        │                            the request deadline passed
        ├── APIStatusError           the API answered with a non-2xx status
        │   ├── BadRequestError      400: the API rejected the parameters
        │   ├── AuthError            401 / 403: bad or missing credentials
        │   ├── MethodNotAllowedError 405: the account may not use this method
        │   ├── NotFoundError        404
        │   ├── RateLimitedError     429 (after retries; carries retry_after)
        │   └── ServerError          5xx (after retries)
        ├── DecodeError              malformed JSON (or nested too deep), HTML
        │   │                        error page, wrong shape, status:false
        │   └── ResponseTooLargeError  the decompressed body passed the cap
        └── RedirectError            a redirect to another host or port, from
                                     https to http, or past MAX_REDIRECTS

Limits every request keeps (`client.py`): credentials never leave the host
they were configured for (`redirects.py`); a deadline for the whole request,
connect to last byte, retries and their waits included; a cap on the
decompressed body, checked while it streams (`body.py`), and on JSON
nesting (`generator.core.jsondepth`).

`HTTPClient` is the async client; `BlockingClient` is its facade for
synchronous callers (feed sync, the sales-file upload), running it on one
event loop of its own through `generator.core.asyncrun`.
"""

from generator.core.jsondepth import MAX_JSON_DEPTH
from generator.core.net.blocking import BlockingClient
from generator.core.net.body import DEFAULT_MAX_BODY
from generator.core.net.client import DEFAULT_DEADLINE, HTTPClient
from generator.core.net.errors import (APIError, APIStatusError, AuthError, BadRequestError, DecodeError, MethodNotAllowedError,
                     NotFoundError, RateLimitedError, RedirectError, RequestError, ResponseTooLargeError, ServerError)
from generator.core.net.redirects import MAX_REDIRECTS
from generator.core.net.redact import Redactor
from generator.core.net.retry import RETRY_STATUSES, RetryPolicy, parse_retry_after

__all__ = [
    "APIError", "APIStatusError", "AuthError", "BadRequestError", "BlockingClient", "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BODY", "DecodeError", "HTTPClient", "MAX_JSON_DEPTH", "MAX_REDIRECTS", "MethodNotAllowedError",
    "NotFoundError", "RETRY_STATUSES", "RateLimitedError", "Redactor", "RedirectError", "RequestError",
    "ResponseTooLargeError", "RetryPolicy", "ServerError", "parse_retry_after",
]
