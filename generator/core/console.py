"""One Reporter for everything a command tells the user (never bare prints).

Warnings are counted (so `--strict` can fail the build) and repeated ones
are grouped ("... and 312 more"). Progress is a bar rewritten in place on
a terminal; elsewhere (CI logs) a plain line every `PROGRESS_EVERY` seconds
and a last one for any stage that took over a second, so a long build is
never silent and a short one stays quiet. Tests pass a StringIO.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import TextIO

GROUP_AFTER = 5
PROGRESS_EVERY = 3.0
BAR = 24


class Reporter:
    def __init__(self, verbosity: int = 1, stream: TextIO | None = None) -> None:
        self.verbosity = verbosity
        self.stream = stream if stream is not None else sys.stderr
        self.warnings: list[str] = []
        self._kinds: Counter[str] = Counter()
        self._progress_open = False
        self._stage = ""
        self._stage_started = self._last_line = 0.0

    def __reduce__(self) -> tuple[type[Reporter], tuple[int]]:
        """In another process (a spawned render worker) a reporter is a quiet one: the build reports."""
        return Reporter, (0,)

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

    def forget_warnings(self) -> None:
        """Drop the warnings recorded so far (a build that starts over reports them again)."""
        self.warnings.clear()
        self._kinds.clear()

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

    def end_progress(self) -> None:
        """Take an open progress bar off the terminal (before output that does not come through here)."""
        if self._progress_open:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._progress_open = False

    def progress(self, stage: str, done: int, total: int, extra: str = "") -> None:
        now = time.monotonic()
        if stage != self._stage:
            self._stage, self._stage_started, self._last_line = stage, now, now
        text = f"{stage}: {done:,}/{total:,}{(' ' + extra) if extra else ''}"
        if self.interactive:
            filled = BAR * done // total if total else BAR
            self.stream.write(f"\r\x1b[K[{'#' * filled}{'.' * (BAR - filled)}] {text}")
            self.stream.flush()
            self._progress_open = True
        elif self.verbosity >= 1 and (now - self._last_line >= PROGRESS_EVERY
                                      or (done >= total and now - self._stage_started >= 1.0)):
            self._line(text)
            self._last_line = now
