"""The one HTTP layer: every request shelfpress sends goes through here.

Owns transport faults and their wording: pooled connections, timeouts, the
retry policy (exponential back-off with jitter, Retry-After honoured),
typed one-line errors and the one secret redactor. It knows nothing about
any API's envelope, models or caching; those belong to the client that
uses it (sources/shopello.py, sources/feeds.py, revenue/partner.py,
revenue/shopper.py, salesfile/upload.py).

    SourceError                      (generator.core.errors)
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

`HTTPClient` is the async client; `BlockingClient` is its facade for
synchronous callers (feed sync, the sales-file upload), running it on one
event loop of its own through `generator.core.asyncrun`.
"""

from generator.core.net.blocking import BlockingClient
from generator.core.net.client import HTTPClient
from generator.core.net.errors import (APIError, APIStatusError, AuthError, BadRequestError, DecodeError, MethodNotAllowedError,
                     NotFoundError, RateLimitedError, RequestError, ServerError)
from generator.core.net.redact import Redactor
from generator.core.net.retry import RETRY_STATUSES, RetryPolicy, parse_retry_after

__all__ = [
    "APIError", "APIStatusError", "AuthError", "BadRequestError", "BlockingClient", "DecodeError", "HTTPClient",
    "MethodNotAllowedError", "NotFoundError", "RETRY_STATUSES", "RateLimitedError", "Redactor", "RequestError",
    "RetryPolicy", "ServerError", "parse_retry_after",
]
