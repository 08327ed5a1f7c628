"""Bench: 200 distinct product queries against the loopback Shopello server.

Starts the test server (tests/support) in a child process with 20 ms
injected latency per request, answers each query once untimed (the server then replays its answers,
as the real API's work happens on its own machines, not on the 2 cores the client is measured on),
fetches 200 distinct queries through ShopelloSource.fetch_many (no cache) at each concurrency, and prints wall time, requests made and the
ratio to the sequential time (200 x 20 ms). The goal is a ratio close to
1 / concurrency.

    .venv/bin/python bench/bench_fetch.py                 # concurrency 1 4 8 16
    .venv/bin/python bench/bench_fetch.py -c 8 -n 500
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.sources.query import ProductQuery  # noqa: E402
from generator.sources.shopello import ShopelloSettings, ShopelloSource  # noqa: E402
from tests.support.memory_backend import MemoryBackend  # noqa: E402
from tests.support.shopello_server import ShopelloServer  # noqa: E402


def serve(latency: float, conn: Connection) -> None:
    """Child process: run the server until the parent says stop.

    Answers are computed once per distinct request (the warm-up round fills them): the real API does its
    work on its own machines, so the server's Python must not eat the 2 cores the client is measured on."""
    with ShopelloServer(MemoryBackend.from_fixtures(), latency=latency) as server:
        answered: dict[tuple[str, frozenset[tuple[str, str]]], Any] = {}
        answer = server.answer

        def remembered(endpoint: str, params: dict[str, str]) -> Any:
            key = (endpoint, frozenset(params.items()))
            if key not in answered:
                answered[key] = answer(endpoint, params)
            return answered[key]

        server.answer = remembered  # type: ignore[method-assign]
        conn.send((server.url, server.api_key))
        conn.recv()


@contextmanager
def server_process(latency: float) -> Iterator[tuple[str, str]]:
    """The server in its own process, so it does not share the client's GIL."""
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=serve, args=(latency, child), daemon=True)
    process.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        process.join()


async def fetch(source: ShopelloSource, queries: list[ProductQuery]) -> None:
    async with source:
        await source.fetch_many(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--concurrency", type=int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("-n", "--queries", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.020, help="seconds per request (default 0.020)")
    args = parser.parse_args()
    if args.latency <= 0:
        parser.error("--latency must be positive: the ratio is to queries x latency")
    queries = [ProductQuery(offset=i, limit=10) for i in range(args.queries)]
    sequential = args.queries * args.latency
    print(f"{args.queries} distinct queries, {args.latency * 1000:.0f} ms latency, "
          f"sequential time {sequential:.2f} s")
    with server_process(args.latency) as (url, api_key):
        # Untimed warm-up: the server computes each answer once (see `serve`); the timed rounds measure the client.
        asyncio.run(fetch(ShopelloSource(ShopelloSettings(api_key=api_key, base_url=url, concurrency=16)), queries))
        for concurrency in args.concurrency:
            source = ShopelloSource(ShopelloSettings(api_key=api_key, base_url=url, concurrency=concurrency))
            started = time.perf_counter()
            asyncio.run(fetch(source, queries))
            wall = time.perf_counter() - started
            print(f"concurrency {concurrency:>3}: wall {wall:6.2f} s   requests {source.stats.requests:>4}   "
                  f"ratio to sequential {wall / sequential:.3f} (ideal {1 / concurrency:.3f})")


if __name__ == "__main__":
    main()
