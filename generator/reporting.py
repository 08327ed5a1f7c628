"""One Reporter for everything a command tells the user (never bare prints).

Warnings are counted (so `--strict` can fail the build) and repeated ones
are grouped ("... and 312 more"). Progress is a single rewritten line on a
terminal and silent otherwise, so logs stay short. Tests pass a StringIO.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import TextIO

GROUP_AFTER = 5


class Reporter:
    def __init__(self, verbosity: int = 1, stream: TextIO | None = None) -> None:
        self.verbosity = verbosity
        self.stream = stream if stream is not None else sys.stderr
        self.warnings: list[str] = []
        self._kinds: Counter[str] = Counter()
        self._progress_open = False

    @property
    def interactive(self) -> bool:
        return self.verbosity >= 1 and hasattr(self.stream, "isatty") and self.stream.isatty()

    def _line(self, text: str) -> None:
        if self._progress_open:
            self.stream.write("\r\x1b[K")
            self._progress_open = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def warn(self, message: str, kind: str | None = None) -> None:
        """Record a warning; after GROUP_AFTER of one `kind`, only count them."""
        self.warnings.append(message)
        group = kind or message
        self._kinds[group] += 1
        if self._kinds[group] <= GROUP_AFTER:
            self._line(f"WARNING: {message}")

    def flush_groups(self) -> None:
        for kind, count in self._kinds.items():
            if count > GROUP_AFTER:
                self._line(f"WARNING: ... and {count - GROUP_AFTER} more like '{kind}'")
        self._kinds.clear()

    def error(self, message: str) -> None:
        """An error the command survives (a failed rebuild in `serve`); shown at every verbosity."""
        self._line(f"ERROR: {message}")

    def info(self, message: str) -> None:
        if self.verbosity >= 1:
            self._line(message)

    def debug(self, message: str) -> None:
        if self.verbosity >= 2:
            self._line(message)

    def progress(self, stage: str, done: int, total: int, extra: str = "") -> None:
        if not self.interactive:
            return
        self.stream.write(f"\r\x1b[K{stage}: {done}/{total}{(' ' + extra) if extra else ''}")
        self.stream.flush()
        self._progress_open = True
