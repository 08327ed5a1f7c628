"""Shared pytest fixtures. Keep each small; add yours below."""

from __future__ import annotations

import os
import runpy
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.core.platform import portable
from tests.support.memory_backend import MemoryBackend
from tests.support.shopello_server import ShopelloServer

if portable():  # CI's second run: fcntl blocked here and in every Python process the tests start
    PORTABLE_HOOKS = Path(__file__).parent / "portable"
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PORTABLE_HOOKS), os.environ.get("PYTHONPATH")]))
    runpy.run_path(str(PORTABLE_HOOKS / "sitecustomize.py"))


@pytest.fixture(scope="session")
def memory_backend() -> MemoryBackend:
    """The fixture products, parsed once per session (the backend is read-only)."""
    return MemoryBackend.from_fixtures()


@pytest.fixture
def shopello_server(memory_backend: MemoryBackend) -> Iterator[ShopelloServer]:
    """A loopback Shopello v1 API with a fresh request log and no faults."""
    with ShopelloServer(memory_backend, api_key="test-api-key-5f3c9a") as server:
        yield server


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Headless Chromium (Debian's binary; never downloaded), one per test module.

    Not per session: Playwright's sync API keeps an event loop running on the main
    thread while it is alive, which would break `asyncio.run` in later, unrelated tests.
    """
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def pagefind_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every Pagefind run of the builds that follow, as the sorted HTML pages it indexed."""
    from generator.publish import search

    runs: list[list[str]] = []
    real = search._index

    def counted(site: Path, bundle: Path, cancelled: object = None) -> None:
        runs.append(sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                           if "pagefind" not in p.relative_to(site).parts))
        real(site, bundle, cancelled)  # type: ignore[arg-type]

    monkeypatch.setattr(search, "_index", counted)
    return runs


@pytest.fixture
def alone() -> None:
    """Waits (up to 10 s) for the threads earlier tests left behind to end: a loopback server's last
    request handler, a client's resolver thread. A build forks its workers only from a process with no
    other thread (`platform.can_fork`), so a test of forked workers must not depend on what ran before it."""
    deadline = time.monotonic() + 10
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
