"""Write a file beside its target and swap it in with `os.replace`.

Owns crash safety for the files this package writes: a failed or
interrupted write leaves the previous file untouched and no temp file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_text_writer(destination: Path) -> Iterator[IO[str]]:
    """A UTF-8 text handle whose content replaces `destination` on success."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
        os.replace(temp_name, destination)
    except BaseException:
        os.unlink(temp_name)
        raise
