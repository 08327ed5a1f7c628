"""Python `logging` from `generator.*` into the command's Reporter: one reporting path.

Code that runs without a Reporter at hand (the HTTP client's retries, the
Shopello source's stale-cache fallback, template typo warnings) logs. While
a command runs, the CLI forwards those records here, so they are shown,
grouped and counted like every other warning, and `--strict` fails on them:
WARNING and above become `Reporter.warn` (a record's `kind` extra groups
repeats), INFO becomes `Reporter.debug` (shown with -v).

This module does not configure logging for anything outside `generator`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from generator.core.console import Reporter

LOGGER = "generator"


class ReporterHandler(logging.Handler):
    def __init__(self, reporter: Reporter) -> None:
        super().__init__(logging.INFO)
        self.reporter = reporter

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string is logging's problem, as in every handler
            self.handleError(record)
            return
        if record.levelno >= logging.WARNING:
            self.reporter.warn(message, kind=getattr(record, "kind", None))
        else:
            self.reporter.debug(message)


@contextmanager
def forward_logging(reporter: Reporter) -> Iterator[None]:
    """Route `generator.*` records of INFO and above to `reporter` until the block ends."""
    logger = logging.getLogger(LOGGER)
    handler = ReporterHandler(reporter)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
