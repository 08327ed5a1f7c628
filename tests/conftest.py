"""Shared pytest fixtures. Keep each small; add yours below."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.memory_backend import MemoryBackend
from tests.support.shopello_server import ShopelloServer


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
