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
