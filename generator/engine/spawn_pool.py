"""Render workers started afresh (spawned), where the build may not fork: macOS, Windows, portable mode,
and a process with other threads running (the dev server). See `render_pool` for the forked ones.

A spawned worker inherits nothing. It imports shelfpress, then receives the job once: the site graph,
the pages to settle with their output keys, the fingerprints, the file store of the shadow tree and the
product cards made so far, all in one pickle made once by the build (objects shared in the graph stay
shared, so each card is still the card of its own product view). The one piece that does not pickle,
the Jinja environment, it makes again from the config, as the build made it. Then it settles chunks of
pages with the very code a forked worker or a single process runs (`render_pool._settle`), putting files
into the shadow tree itself; only (key, fingerprint, changed) come back. Same code, same inputs: the
same bytes.

Starting is not free: the build pickles the site graph, and every worker imports shelfpress, unpickles
it and loads the templates before its first page. `SPAWN_MIN` is where that pays off
(docs/content/getting-started.md has the figures); below it, pages render in the build's own process.

A worker never outlives the build, on any OS: a thread of the worker waits on multiprocessing's parent
sentinel (a handle that becomes ready when the build's process ends, however it ends) and ends the worker
at once; on Linux the kernel's parent-death signal does the same (`platform.child_setup`).
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

from generator.content.page import Page
from generator.core.platform import child_setup
from generator.engine.fingerprint import Fingerprints
from generator.engine.output import FileStore, OutputWriter
from generator.core.process_pool import run_chunks
from generator.render.page import PageRenderer

SPAWN_MIN = 4000  # pages; see the module docstring

if TYPE_CHECKING:
    from multiprocessing import resource_tracker

T = TypeVar("T")
_failed: str | None = None  # in a worker: why it could not start (`_start_worker`)


class _ShadowFiles:
    """What a worker needs of the build's `OutputWriter`: putting files into the shadow tree (`files`) and
    carrying a live file over (`carry`, the writer's own method). The writer itself holds the build lock."""

    carry = OutputWriter.carry

    def __init__(self, writer: OutputWriter) -> None:
        self.files: FileStore = writer.files
        self.previous_trusted: bool = writer.previous_trusted
        self.previous_files: set[str] = writer.previous_files


def job_bytes(pages: list[Page], keys: list[str], renderer: PageRenderer, writer: OutputWriter,
              fingerprints: Fingerprints, strict: bool) -> bytes:
    """Everything a spawned worker needs to settle any of `pages`, in one pickle. Their fingerprints are
    computed here, as the worker cannot."""
    for page, key in zip(pages, keys):
        fingerprints.of(page, key)
    cards = renderer.env.globals["product_card"]
    return pickle.dumps((pages, keys, renderer.site, renderer.extra_context, renderer.markdown,
                         _ShadowFiles(writer), fingerprints, strict,
                         [(eager, p, html) for (_, eager), (p, html) in cards._memo.items()]),
                        protocol=pickle.HIGHEST_PROTOCOL)


def _start_worker(parent: int, job: bytes, install: Callable[[tuple[object, ...]], None]) -> None:
    """The initializer of a spawned worker: watch the parent, then rebuild the job and `install` it where the
    work function finds it (as a forked worker finds the one it inherited). A failure here is kept for
    `_run` to raise: an initializer that raises would end the worker with no word of why."""
    global _failed
    child_setup(parent)
    _watch_parent()
    try:
        from generator.render.environment import make_environment

        pages, keys, site, extra_context, markdown, writer, fingerprints, strict, cards = pickle.loads(job)
        env = make_environment(site.config, strict=strict)
        memo = env.globals["product_card"]._memo
        for eager, p, html in cards:  # keyed by the id of the product view, which is new here
            memo[(id(p), eager)] = (p, html)
        install((pages, keys, PageRenderer(site, env, extra_context, markdown=markdown), writer, fingerprints))
    except Exception as exc:  # any: see above
        _failed = f"{type(exc).__name__}: {exc}"


def _run(work: Callable[[tuple[int, int]], T], chunk: tuple[int, int]) -> T:
    """`work(chunk)` in a worker that started; else the reason it did not, as the build's error."""
    if _failed is not None:
        raise RuntimeError(f"a render worker could not start: {_failed}")
    return work(chunk)


def _watch_parent() -> None:
    """End this process the moment its parent does (a killed build)."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def wait() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=wait, name="parent-watch", daemon=True).start()


def in_spawned_workers(work: Callable[[tuple[int, int]], T], chunks: list[tuple[int, int]], workers: int,
                       job: bytes, install: Callable[[tuple[object, ...]], None],
                       check: Callable[[], None] | None = None) -> Iterator[T]:
    """`work` over `chunks` in `workers` spawned processes that each received `job` (`job_bytes`) and gave
    it, rebuilt, to `install` (a module-level function: it is pickled by name), results in order.
    Leaves no process behind: not the workers, nor the resource tracker multiprocessing starts with them
    on POSIX systems when this process had none."""
    tracker = _tracker()
    tracked_before = tracker is None or tracker._fd is not None
    failure: Exception | None = None
    try:
        yield from run_chunks(multiprocessing.get_context("spawn"), workers, functools.partial(_run, work), chunks,
                              _start_worker, (os.getpid(), job, install), check)
    except Exception as exc:  # a worker's: raised below without its frames, which hold on to the workers
        failure = exc.with_traceback(None)
    finally:
        if not tracked_before:
            tracker._stop()  # type: ignore[union-attr]
    if failure is not None:
        raise failure


def _tracker() -> resource_tracker.ResourceTracker | None:
    """multiprocessing's resource tracker (POSIX only), a child process it starts with the first spawn."""
    if os.name != "posix":
        return None
    from multiprocessing import resource_tracker

    return resource_tracker._resource_tracker
