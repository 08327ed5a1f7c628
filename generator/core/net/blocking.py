"""BlockingClient: HTTPClient for synchronous callers (feed sync, the sales-file upload).

Same retries, timeouts, errors and redaction as the async client; the
requests run on one event loop kept by `generator.core.asyncrun.LoopRunner`.
Must not grow behaviour of its own: anything a request needs belongs in
HTTPClient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.core.asyncrun import LoopRunner
from generator.core.net.client import HTTPClient


class BlockingClient:
    """`BlockingClient(**HTTPClient options)`; `sleep` may be a plain blocking function (tests pass a recorder)."""

    def __init__(self, *, sleep: Callable[[float], None] | None = None, **options: Any) -> None:
        self._loop = LoopRunner()
        if sleep is not None:
            blocking_sleep = sleep

            async def wait(seconds: float) -> None:
                blocking_sleep(seconds)
            options["sleep"] = wait

        async def make() -> HTTPClient:
            return HTTPClient(**options)
        self._client = self._loop.run(make())
        self.redact = self._client.redact

    def __enter__(self) -> BlockingClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def send(self, method: str, url: str, **options: Any) -> Any:
        """`HTTPClient.send`, waited for."""
        return self._loop.run(self._client.send(method, url, **options))

    def close(self) -> None:
        try:
            self._loop.run(self._client.aclose())
        finally:
            self._loop.close()
