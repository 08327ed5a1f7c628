"""Response bodies within a size cap, decompressed while they stream.

A 1 MB gzip body can expand to gigabytes. `CappedBody` decompresses each
piece as it arrives, never producing more than the cap plus one bounded
step, and raises plain exceptions (BodyTooLarge, BodyError) that the client
turns into its typed errors. JSON nesting is limited by `generator.core.jsondepth`.

Must not: do I/O, know the client's errors, or keep more than the body it returns.
"""

from __future__ import annotations

import zlib
from typing import Any

DEFAULT_MAX_BODY = 64 * 1024 * 1024
"""The decompressed size a response may have by default: far above any API answer or store feed seen."""
ACCEPT_ENCODING = "gzip, deflate"
"""The encodings `CappedBody` can decompress in bounded steps (asked for on every request)."""

_STEP = 256 * 1024  # the most one decompression call may produce: how far past the cap a bomb gets


class BodyTooLarge(Exception):
    """The body grew past the cap while it was read; `limit` is the cap in bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the response is larger than {_size(limit)}")


class BodyError(ValueError):
    """A body that cannot be decoded: a corrupt compressed stream, or an encoding not asked for."""


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:g} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


class CappedBody:
    """Feed it the raw (still encoded) pieces of one body with `feed`, then take `finish()`.

    Understands identity, gzip and deflate (zlib or raw, as servers send
    either); raises BodyTooLarge as soon as the decoded size passes `limit`,
    BodyError for any other encoding and for a corrupt stream.
    """

    def __init__(self, content_encoding: str | None, limit: int = DEFAULT_MAX_BODY) -> None:
        encodings = [e.strip().lower() for e in (content_encoding or "").split(",") if e.strip()]
        encodings = [e for e in encodings if e != "identity"]
        if len(encodings) > 1 or (encodings and encodings[0] not in ("gzip", "x-gzip", "deflate")):
            raise BodyError(f"unsupported Content-Encoding {content_encoding!r}")
        self._encoding = encodings[0] if encodings else ""
        self._limit = limit
        self._parts: list[bytes] = []
        self._size = 0
        self._zlib: Any = None
        if self._encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, raw: bytes) -> None:
        if not self._encoding:
            self._keep(raw)
            return
        if self._zlib is None:  # deflate: zlib-wrapped, as the RFC says, or raw, as some servers send it
            wrapped = len(raw) >= 2 and raw[0] & 0x0F == 8 and (raw[0] << 8 | raw[1]) % 31 == 0
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        try:
            while raw:
                self._keep(self._zlib.decompress(raw, _STEP))
                raw = self._zlib.unconsumed_tail
        except zlib.error as exc:
            raise BodyError(f"the {self._encoding} body cannot be decompressed ({exc})") from None

    def _keep(self, piece: bytes) -> None:
        self._size += len(piece)
        if self._size > self._limit:
            raise BodyTooLarge(self._limit)
        if piece:
            self._parts.append(piece)

    def finish(self) -> bytes:
        if self._zlib is not None:
            try:
                self._keep(self._zlib.flush())
            except zlib.error as exc:
                raise BodyError(f"the {self._encoding} body cannot be decompressed ({exc})") from None
        return b"".join(self._parts)
