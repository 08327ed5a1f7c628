"""Digests of text and of files' signatures: what every "did this change" question of a build compares.

Plain functions on strings, bytes and paths, so any stage can fingerprint what it makes without
knowing the engine that stores the fingerprints.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path


def digest(*parts: str | bytes) -> str:
    """A digest of `parts`, each ended by a NUL. Text is joined and hashed in one call: a build digests
    every page five or six times, and one update per part was a third of fingerprinting."""
    try:
        data = ("\0".join(parts) + "\0" if parts else "").encode("utf-8", "surrogatepass")  # type: ignore[arg-type]
    except TypeError:  # bytes among the parts
        data = b"".join((p if isinstance(p, bytes) else p.encode("utf-8", "surrogatepass")) + b"\0" for p in parts)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def file_signature(paths: Iterable[Path]) -> list[tuple[str, int, int]]:
    """(path, mtime_ns, size) of each existing file, sorted; what "did any of these change" compares.

    A symbolic link that leads nowhere counts by the link itself (size -1): a build must not find
    "nothing changed" when a broken link, which it refuses, was added."""
    out = []
    for path in paths:
        try:
            stat = os.stat(path)
        except OSError:
            try:
                stat = os.lstat(path)
            except OSError:
                continue  # gone since it was listed
            out.append((str(path), stat.st_mtime_ns, -1))
            continue
        out.append((str(path), stat.st_mtime_ns, stat.st_size))
    return sorted(out)
