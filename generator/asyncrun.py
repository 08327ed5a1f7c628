"""Run a coroutine to completion from synchronous code, whatever the caller's thread is doing.

`asyncio.run` refuses to start inside a running event loop (a notebook,
Playwright's sync API, an embedding app). Then the coroutine gets a fresh
loop on a worker thread of its own, and the caller waits for it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
