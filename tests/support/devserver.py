"""A dev server on a free port of 127.0.0.1 for a test, closed after it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from generator.commands.serve import DevServer
from generator.config.schema import load_config
from generator.core.console import Reporter


def running_dev_server(site: Path) -> Iterator[DevServer]:
    """`shelfpress serve` of `site`, quiet, its first build served: for `yield from` in a fixture."""
    dev = DevServer(load_config(site), port=0, reporter=Reporter(verbosity=0))
    dev.start()
    yield dev
    dev.close()
