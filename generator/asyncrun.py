"""Run a coroutine to completion from synchronous code, whatever the caller's thread is doing.

`asyncio.run` refuses to start inside a running event loop (a notebook,
Playwright's sync API, an embedding app). Then the coroutine gets a fresh
loop on a worker thread of its own, and the caller waits for it.

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
