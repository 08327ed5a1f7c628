"""Crash-safe file writes: write beside the target, then swap it in with `os.replace`.

The one way shelfpress replaces a single file (state files, reports, the
sales file). A failed or interrupted write leaves the previous file as it
was and no temp file behind; readers never see a half-written file. Must
not know what it writes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def atomic_writer(destination: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """A handle (UTF-8 text with "\\n" line ends, or binary with mode "wb") whose content replaces
    `destination` when the `with` block ends without an exception."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    try:
        if mode == "wb":
            handle: IO[Any] = os.fdopen(fd, "wb")
        else:
            handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        with handle:
            yield handle
        os.replace(temp_name, destination)
    except BaseException as error:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        if isinstance(error, OSError) and error.filename is None:  # a full disk fails a write(), which names
            raise OSError(error.errno, error.strerror, str(destination)) from error  # no file: name it
        raise


def atomic_write(destination: Path, data: str | bytes) -> None:
    """Replace `destination` with `data` (str is written as UTF-8) in one step."""
    if isinstance(data, bytes):
        with atomic_writer(destination, "wb") as handle:
            handle.write(data)
    else:
        with atomic_writer(destination) as handle:
            handle.write(data)
