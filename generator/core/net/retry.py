"""When and how long to wait before retrying a request. Pure: no I/O, no clock but Retry-After's."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry 429, 5xx and transport errors.

    The delay before retry n (0-based) is `backoff * 2**n`, capped at
    `backoff_max`, scaled by a random factor in [0.5, 1) (jitter, unless
    `jitter` is off) so that concurrent requests do not retry in lockstep.
    A Retry-After header wins over the computed delay, but is also capped
    at `backoff_max`.
    """

    retries: int = 3
    backoff: float = 0.5
    backoff_max: float = 30.0
    jitter: bool = True

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.backoff_max)
        delay = min(self.backoff * 2 ** attempt, self.backoff_max)
        return delay * (0.5 + rng.random() / 2) if self.jitter else delay


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
