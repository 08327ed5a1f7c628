"""Settle every page on every core: fingerprint it, then keep its live output or render it anew.

Fingerprinting and rendering are pure CPU (digests, Jinja, Markdown); one
Python process uses one core. An incremental build first keeps, in this
process, every page whose fingerprint matches the last build
(`keep_unchanged`); the build then prepares the product cards of the pages
left, and `settle_pages` renders them. Past
`PARALLEL_MIN` pages, the pages left (all of them in a first or clean build)
are split into chunks and settled by forked workers, which inherit the whole
site graph (nothing is pickled on the way in) and put their files into the
output writer's shadow tree themselves; only (path, fingerprint, changed)
come back (`process_pool`: a worker that dies is an error, never a hang).
Each page is settled by exactly the code a single process would run, so
the bytes are the same.

Output paths are claimed by the parent before any worker starts, so the
one-owner-per-path rule holds as in a serial build. Where forking is not safe
(`platform.can_fork`: not Linux, portable mode, or other threads running, as in
the dev server), past `spawn_pool.SPAWN_MIN` pages they go to spawned workers,
which receive the site graph pickled (`spawn_pool`); fewer pages, or a machine
with one core, render in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from generator.engine.fingerprint import Fingerprints
from generator.content.page import Page
from generator.core.errors import ShelfpressError
from generator.core.platform import can_fork, cores
from generator.engine.output import OutputWriter
from generator.render.page import PageRenderer

# `engine.spawn_pool` and `core.process_pool` (with multiprocessing's connections and pickling) are imported
# where pages go to workers: an incremental build renders its few pages here and needs neither.

PARALLEL_MIN = 400
CHUNK = 64

Progress = Callable[[int, int], None]
Outcome = tuple[str, str, bool | None]  # (output key, fingerprint, changed on disk; None: kept as it was)
_job: tuple[Sequence[Page], Sequence[str], PageRenderer, Any, Fingerprints] | None = None  # set before fork


def workers_available() -> int:
    return cores()


def _workers_for(count: int) -> str:
    """Where `count` pages settle: "fork" (forked workers), "spawn" (spawned ones) or "serial" (here)."""
    if workers_available() < 2:
        return "serial"
    if can_fork():
        return "fork" if count >= PARALLEL_MIN else "serial"
    from generator.engine import spawn_pool

    return "spawn" if count >= spawn_pool.SPAWN_MIN else "serial"


def _kept(page: Page, key: str, fingerprints: Fingerprints, writer: OutputWriter) -> Outcome | None:
    """`page`'s outcome when its live output is carried over as it is; None when it must be rendered."""
    return (key, fingerprints.of(page, key), None) if fingerprints.unchanged(page, key) and writer.carry(key) else None


def _settle(index: int) -> Outcome:
    """Fingerprint page `index`; keep its live output when the fingerprint matches, else render it."""
    assert _job is not None
    pages, keys, renderer, writer, fingerprints = _job
    page, key = pages[index], keys[index]
    return _kept(page, key, fingerprints, writer) or (
        key, fingerprints.of(page, key), writer.files.put(key, renderer.render(page)))


def _settle_chunk(bounds: tuple[int, int]) -> list[Outcome] | str:
    """In a worker: settle pages[start:end]; an error comes back as its message."""
    try:
        return [_settle(i) for i in range(*bounds)]
    except ShelfpressError as exc:
        return exc.format_message()


def _account(outcomes: Iterable[Outcome], writer: OutputWriter, fingerprints: Fingerprints) -> None:
    for key, fingerprint, changed in outcomes:
        fingerprints.record(key, fingerprint, rendered=changed is not None)
        if changed is None:
            writer.record_kept()
        else:
            writer.record(key, changed)


@dataclass
class Pending:
    """The pages left to render after the unchanged ones were kept, with their output keys."""

    pages: list[Page]
    keys: list[str]


def keep_unchanged(pages: Sequence[Page], fingerprints: Fingerprints, writer: OutputWriter) -> Pending:
    """Claim every page's output path, and keep each page whose fingerprint matches the last build.

    An incremental build keeps most pages: they are fingerprinted here, as forking a big process (a dev
    server's) for that costs more than the digests. A first or clean build has nothing to compare with:
    every page is pending, and is fingerprinted where it renders."""
    keys = [writer.claim(page.output_path, str(page.source or page.url)) for page in pages]
    if not fingerprints.previous:
        return Pending(list(pages), keys)
    left = fingerprints.keep_unchanged(pages, keys, writer.carry)  # (`_kept` and `_account` for every page)
    writer.record_kept(len(pages) - len(left))
    return Pending([pages[index] for index in left], [keys[index] for index in left])


def settle_pages(pending: Pending, fingerprints: Fingerprints, renderer: PageRenderer, writer: OutputWriter,
                 progress: Progress, *, strict: bool = False, check: Callable[[], None] | None = None) -> None:
    """Settle every pending page (`keep_unchanged`): keep it if its fingerprint matches after all, else
    render and put it, on every core when there are many. `strict` is the build's (a spawned worker makes
    its own template environment). `check()` is called after each chunk and, while workers run, every few
    hundredths of a second: it raises to stop the render (the dev server's build, for a newer edit).

    Raises the first page's error, as a serial build would."""
    global _job
    pages = pending.pages
    _job = (pages, pending.keys, renderer, writer, fingerprints)
    try:
        workers = _workers_for(len(pages))
        if workers == "serial":
            for start in range(0, len(pages), CHUNK):
                _account((_settle(i) for i in range(start, min(start + CHUNK, len(pages)))), writer, fingerprints)
                progress(min(start + CHUNK, len(pages)), len(pages))
                if check is not None:
                    check()
            return
        chunks = [(start, min(start + CHUNK, len(pages))) for start in range(0, len(pages), CHUNK)]
        if workers == "fork":
            from generator.core.process_pool import in_forked_workers

            outcomes = in_forked_workers(_settle_chunk, chunks, workers_available(), check)
        else:
            from generator.engine import spawn_pool

            job = spawn_pool.job_bytes(pages, pending.keys, renderer, writer, fingerprints, strict)
            outcomes = spawn_pool.in_spawned_workers(_settle_chunk, chunks, workers_available(), job, _install, check)
        with closing(outcomes):  # on an error too: the workers stop now, not when the traceback is freed
            _settle_in_workers(outcomes, len(pages), writer, fingerprints, progress)
    finally:
        _job = None


def _install(job: tuple[Sequence[Page], Sequence[str], PageRenderer, Any, Fingerprints]) -> None:
    """In a spawned worker: the job it rebuilt, where `_settle` finds it (a forked worker inherits it)."""
    global _job
    _job = job


def _settle_in_workers(outcomes: Iterator[list[Outcome] | str], count: int, writer: OutputWriter,
                       fingerprints: Fingerprints, progress: Progress) -> None:
    writer.untracked_writes = True  # until every worker's files are accounted for
    done = 0
    for outcome in outcomes:
        if isinstance(outcome, str):
            raise ShelfpressError(outcome)
        _account(outcome, writer, fingerprints)
        done += len(outcome)
        progress(done, count)
    writer.untracked_writes = False
