"""`links check --external`: links in content that stopped answering, asked politely.

A link counts as dead when it answered 404 or 410 on two checks in a row: one bad answer (a shop's
deploy, a flaky CDN) is not worth an alarm. The count of bad answers in a row lives in the check state
(`link_health.CheckState.external`) so it carries over between runs, and so does every good answer for
`fresh_for` seconds: a link that answered well recently is not asked again. Transport errors and other
statuses neither count nor clear the count.

Politeness: HEAD first (GET when the server refuses HEAD), an honest User-Agent naming shelfpress and
the site, at most one request per host every `min_interval` seconds, hosts in parallel up to
`concurrency`. Every request goes through the one HTTP client (`generator.core.net`).

Must not: follow anything but the links written in content, or print.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from generator.core.asyncrun import run_sync
from generator.affiliate.deeplinks import host_of
from generator.publish.link_findings import CheckState, Finding
from generator.core.net import APIError, APIStatusError, HTTPClient, RetryPolicy

DEAD = (404, 410)
STRIKES = 2  # bad answers in a row that make a link dead


async def _status(client: HTTPClient, url: str, pace: Callable[[], Awaitable[None]]) -> int | None:
    """The status `url` answers (after redirects), None when it could not be reached. `pace()` comes
    before every request (the host's interval)."""
    for method in ("HEAD", "GET"):
        await pace()
        try:
            response = await client.send(method, url, endpoint=url)
            return int(response.status_code)
        except APIStatusError as exc:
            if method == "HEAD" and exc.status in (405, 501):
                continue
            return exc.status
        except APIError:
            return None
    return None


async def _check_all(urls: Sequence[str], *, user_agent: str, min_interval: float, timeout: float,
                     concurrency: int) -> dict[str, int | None]:
    by_host: dict[str, list[str]] = {}
    for url in urls:
        by_host.setdefault(host_of(url), []).append(url)
    results: dict[str, int | None] = {}
    hosts = asyncio.Semaphore(concurrency)
    client = HTTPClient(service="link check", headers={"User-Agent": user_agent}, timeout=timeout,
                        retry=RetryPolicy(0), max_in_flight=concurrency)

    async def one_host(host_urls: list[str]) -> None:
        last: list[float] = []

        async def pace() -> None:
            if last:
                await asyncio.sleep(max(0.0, last[0] + min_interval - time.monotonic()))
            last[:] = [time.monotonic()]

        async with hosts:
            for url in host_urls:
                results[url] = await _status(client, url, pace)

    try:
        await asyncio.gather(*(one_host(group) for group in by_host.values()))
    finally:
        await client.aclose()
    return results


def check_external(located: Sequence[tuple[Any, int | None, str]], state: CheckState, *, user_agent: str,
                   min_interval: float = 1.0, timeout: float = 10.0, concurrency: int = 4,
                   fresh_for: float = 24 * 3600, now: float | None = None) -> list[Finding]:
    """Check the links of `located` (link with `page` and `url`, line, file) and return the dead ones."""
    now = time.time() if now is None else now
    urls = sorted({link.url for link, _, _ in located})
    state.external = {url: entry for url, entry in state.external.items() if url in urls}  # gone from content
    due = [url for url in urls if not _fresh(state.external.get(url), now, fresh_for)]
    answers = run_sync(_check_all(due, user_agent=user_agent, min_interval=min_interval, timeout=timeout,
                                  concurrency=concurrency)) if due else {}
    for url, status in answers.items():
        if status is None:
            continue
        strikes = int(state.external.get(url, {}).get("strikes", 0))
        if status in DEAD:
            strikes += 1
        elif status < 400:
            strikes = 0
        state.external[url] = {"status": status, "strikes": strikes, "at": now, "ok": status < 400}
    findings = []
    for link, line, file in located:
        entry = state.external.get(link.url, {})
        if int(entry.get("strikes", 0)) >= STRIKES:
            findings.append(Finding("dead-link", page=link.page.url, file=file, line=line,
                                    message=f"{link.url} answered {entry.get('status')} on "
                                    f"{entry.get('strikes')} checks in a row; fix or remove the link"))
    return findings


def _fresh(entry: dict[str, Any] | None, now: float, fresh_for: float) -> bool:
    """A good answer younger than `fresh_for`: not asked again."""
    return bool(entry and entry.get("ok")) and now - float(entry.get("at", 0)) < fresh_for
