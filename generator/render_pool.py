"""Settle every page on every core: fingerprint it, then keep its live output or render it anew.

Fingerprinting and rendering are pure CPU (digests, Jinja, Markdown); one
Python process uses one core. Past `PARALLEL_MIN` pages the site's pages are
split into chunks and settled by forked workers, which inherit the whole
site graph (nothing is pickled on the way in) and put their files into the
output writer's shadow tree themselves; only (path, fingerprint, changed)
come back. Each page is settled by exactly the code a single process would
run, so the bytes are the same.

Output paths are claimed by the parent before any worker starts, so the
one-owner-per-path rule holds as in a serial build. Where `fork` is not
available, or the machine has one core, pages render in this process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Sequence

from .buildstate import Plan
from .content import Page
from .errors import ShelfpressError
from .output import OutputWriter
from .pages import PageRenderer

PARALLEL_MIN = 400
CHUNK = 64

Progress = Callable[[int, int], None]
Outcome = tuple[str, str, bool | None]  # (output key, fingerprint, changed on disk; None: kept as it was)
_job: tuple[Sequence[Page], Sequence[str], PageRenderer, OutputWriter, Plan] | None = None  # set before fork


def workers_available() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return cores if "fork" in multiprocessing.get_all_start_methods() else 1


def _die_with_parent() -> None:
    """A killed build must not leave workers writing into the shadow (or holding the build lock)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _settle(index: int) -> Outcome:
    """Fingerprint page `index`; keep its live output when the fingerprint matches, else render it."""
    assert _job is not None
    pages, keys, renderer, writer, plan = _job
    page, key = pages[index], keys[index]
    same, fingerprint = plan.unchanged(page)
    if same and writer.carry(key):
        return key, fingerprint, None
    return key, fingerprint, writer.files.put(key, renderer.render(page))


def _settle_chunk(bounds: tuple[int, int]) -> list[Outcome] | str:
    """In a worker: settle pages[start:end]; an error comes back as its message."""
    try:
        return [_settle(i) for i in range(*bounds)]
    except ShelfpressError as exc:
        return exc.format_message()


def _account(outcomes: Iterable[Outcome], writer: OutputWriter, plan: Plan) -> None:
    for key, fingerprint, changed in outcomes:
        plan.record(key, fingerprint, rendered=changed is not None)
        if changed is None:
            writer.record_kept(key)
        else:
            writer.record(key, changed)


def settle_pages(pages: Sequence[Page], plan: Plan, renderer: PageRenderer, writer: OutputWriter,
                 progress: Progress) -> None:
    """Keep every page of `pages` whose fingerprint matches the last build, render and put the others.

    Raises the first page's error, as a serial build would."""
    global _job
    keys = [writer.claim(page.output_path, str(page.source or page.url)) for page in pages]
    _job = (pages, keys, renderer, writer, plan)
    try:
        if len(pages) < PARALLEL_MIN or workers_available() < 2:
            for start in range(0, len(pages), CHUNK):
                _account((_settle(i) for i in range(start, min(start + CHUNK, len(pages)))), writer, plan)
                progress(min(start + CHUNK, len(pages)), len(pages))
            return
        _settle_in_workers(pages, writer, plan, progress)
    finally:
        _job = None


def _settle_in_workers(pages: Sequence[Page], writer: OutputWriter, plan: Plan, progress: Progress) -> None:
    chunks = [(start, min(start + CHUNK, len(pages))) for start in range(0, len(pages), CHUNK)]
    writer.untracked_writes = True  # until every worker's files are accounted for
    done = 0
    gc.freeze()  # the collector must not touch (and so copy) the inherited site graph in every worker
    try:
        with multiprocessing.get_context("fork").Pool(workers_available(), initializer=_die_with_parent) as pool:
            for outcome in pool.imap(_settle_chunk, chunks):
                if isinstance(outcome, str):
                    raise ShelfpressError(outcome)
                _account(outcome, writer, plan)
                done += len(outcome)
                progress(done, len(pages))
        writer.untracked_writes = False
    finally:
        gc.unfreeze()
