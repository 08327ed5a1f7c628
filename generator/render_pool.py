"""Render many pages on every core: forked workers that write straight into the next site.

Rendering is pure CPU (Jinja, Markdown); one Python process uses one core.
Past `PARALLEL_MIN` pages the pages to render are split into chunks and
rendered by forked workers, which inherit the whole site graph (nothing is
pickled on the way in) and put their files into the output writer's shadow
tree themselves; only (path, changed) pairs come back. Each page is rendered
by exactly the code a single process would run, so the bytes are the same.

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
from collections.abc import Callable, Sequence

from .content import Page
from .errors import ShelfpressError
from .output import FileStore, OutputWriter
from .pages import PageRenderer

PARALLEL_MIN = 400
CHUNK = 64

Progress = Callable[[int, int], None]
_job: tuple[Sequence[Page], Sequence[str], PageRenderer, FileStore] | None = None  # set before fork


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


def _render_chunk(bounds: tuple[int, int]) -> list[tuple[str, bool]] | str:
    """In a worker: render pages[start:end] into the shadow tree; an error comes back as its message."""
    assert _job is not None
    pages, keys, renderer, files = _job
    try:
        return [(keys[i], files.put(keys[i], renderer.render(pages[i]))) for i in range(*bounds)]
    except ShelfpressError as exc:
        return exc.format_message()


def render_pages(pages: Sequence[Page], renderer: PageRenderer, writer: OutputWriter, progress: Progress) -> None:
    """Render `pages` and put them into `writer`; raises the first page's error, as a serial build would."""
    global _job
    keys = [writer.claim(page.output_path, str(page.source or page.url)) for page in pages]
    workers = workers_available()
    if len(pages) < PARALLEL_MIN or workers < 2:
        for done, (page, key) in enumerate(zip(pages, keys), 1):
            writer.record(key, writer.files.put(key, renderer.render(page)))
            if done % 200 == 0:
                progress(done, len(pages))
        progress(len(pages), len(pages))
        return
    chunks = [(start, min(start + CHUNK, len(pages))) for start in range(0, len(pages), CHUNK)]
    _job = (pages, keys, renderer, writer.files)
    writer.untracked_writes = True  # until every worker's files are accounted for
    done = 0
    gc.freeze()  # the collector must not touch (and so copy) the inherited site graph in every worker
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_die_with_parent) as pool:
            for outcome in pool.imap(_render_chunk, chunks):
                if isinstance(outcome, str):
                    raise ShelfpressError(outcome)
                for key, changed in outcome:
                    writer.record(key, changed)
                done += len(outcome)
                progress(done, len(pages))
        writer.untracked_writes = False
    finally:
        _job = None
        gc.unfreeze()
