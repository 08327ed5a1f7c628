"""Run a coroutine to completion from synchronous code, whatever the caller's thread is doing.

`asyncio.run` refuses to start inside a running event loop (a notebook,
Playwright's sync API, an embedding app). Then the coroutine gets a fresh
loop on a worker thread of its own, and the caller waits for it. Every
synchronous entry into async code (commands, build stages, the blocking
HTTP facade) goes through here; nothing else calls `asyncio.run`.

The result comes back through a box, not as the main task's result: when
`asyncio.run` restores the SIGINT handler it formats the old one, which holds
the main task, and a task's repr includes its result in full. For the product
stage (10,000 products) that repr alone cost 0.7 s of every build.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    box: list[T] = []

    async def boxed() -> None:
        box.append(await coroutine)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(boxed())
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, boxed()).result()
    return box[0]


class LoopRunner:
    """One event loop kept across calls: the bridge for a synchronous facade over an async client.

    The loop lives on a worker thread of its own, so `run` works whether or
    not the caller's thread is running a loop, and an async client's pooled
    connections survive from one call to the next. `close()` ends the loop.
    """

    def __init__(self) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="shelfpress-loop")
        self._runner = asyncio.Runner()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._pool.submit(self._runner.run, coroutine).result()

    def close(self) -> None:
        self._pool.submit(self._runner.close).result()
        self._pool.shutdown()
