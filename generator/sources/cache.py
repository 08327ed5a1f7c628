"""An on-disk response cache: one SQLite table of JSON bodies with a TTL.

Owns storage and freshness only. Keys are built by `request_key` from the
base URL, endpoint and sorted parameters, never from credentials, so the
cache file holds no secret. The client decides what to do with a miss, a
stale entry or a failed request (see `ShopelloSource._get`).

Modes (`CacheMode`):
- normal:  fresh entries are served; expired ones are refetched, and kept
           as a fallback in case the request fails.
- offline: every entry is served whatever its age; a miss is an error.
- refresh: nothing is served from the cache; every response is re-stored.

Safe for concurrent use from one asyncio loop: every call is a short
synchronous transaction on the loop's thread, with no await in between.
"""

from __future__ import annotations

import enum
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from generator.core.database import Schema, connect
from generator.core.errors import SourceError

SCHEMA = Schema("response cache", [
    "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body TEXT NOT NULL, stored_at REAL NOT NULL);",
], hint="delete the file (it is only a cache)")


class CacheMode(enum.StrEnum):
    NORMAL = "normal"
    OFFLINE = "offline"
    REFRESH = "refresh"


class OfflineMissError(SourceError):
    """Offline mode was asked for a response the cache does not hold.

    `planned` is the query the build planned when a paged or deduplicated request missed (set by
    `fetch_many`); `needed_by()` names the content file or widget that wants it (see `base.fetch_planned`).
    """

    planned: object = None

    def needed_by(self, owner: str) -> OfflineMissError:
        """This error, also naming who needs the response."""
        named = OfflineMissError(f"{self.message} | needed by {owner}")
        named.endpoint, named.query, named.planned = self.endpoint, self.query, self.planned
        return named


def request_key(base_url: str, endpoint: str, params: Mapping[str, str]) -> str:
    """The normalised request: same endpoint and parameters, same key, in any order."""
    return f"{base_url.rstrip('/')}/{endpoint}?{urlencode(sorted(params.items()))}"


@dataclass(frozen=True)
class CachedResponse:
    body: Any
    stored_at: float
    fresh: bool


class ResponseCache:
    """JSON bodies by request key, each with the time it was stored."""

    def __init__(self, path: Path, *, ttl: float, mode: CacheMode = CacheMode.NORMAL) -> None:
        self.path, self.ttl, self.mode = path, ttl, CacheMode(mode)
        self._db = connect(path, SCHEMA, error=SourceError)

    def entry(self, key: str) -> CachedResponse | None:
        """The stored entry whatever its age, or None."""
        row = self._db.execute("SELECT body, stored_at FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return CachedResponse(json.loads(row[0]), row[1], time.time() - row[1] < self.ttl)

    def lookup(self, key: str) -> CachedResponse | None:
        """What this mode allows serving without a request: None means "go to the network"."""
        if self.mode is CacheMode.REFRESH:
            return None
        found = self.entry(key)
        if found is None or (self.mode is CacheMode.NORMAL and not found.fresh):
            return None
        return found

    def store(self, key: str, body: Any) -> None:
        """Store the body as the API sent it. Text no encoding can write (a lone surrogate, which records.py
        replaces when it reads the products) is kept as a JSON escape, so storing never fails on it."""
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = json.dumps(body, separators=(",", ":"))
        self._db.execute("INSERT OR REPLACE INTO responses (key, body, stored_at) VALUES (?, ?, ?)",
                         (key, text, time.time()))

    def close(self) -> None:
        self._db.close()
