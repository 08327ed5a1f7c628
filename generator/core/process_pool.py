"""Worker processes with a teardown that always ends, whatever happens to a worker: the build's render
workers (`engine.render_pool`, `engine.spawn_pool`) and the catalog's ranking of related products
(`sources.name_index`).

`multiprocessing.Pool` feeds its workers through one shared queue, read under a lock that an idle worker
holds while it waits for a task, and `Pool.terminate()` takes that lock before it stops anyone. A worker
killed while holding it (the OOM killer, a stray `kill`, a crash) leaves the lock taken forever: the
teardown, and the dev server's rebuild thread with it, waited forever (issue 34). A worker killed in the
middle of a task was no better: its result never came and the pool waited for it.

Here each worker has a pipe of its own and nothing is shared, so nothing a dead worker held can block
anyone: a worker that dies while it owes a result is seen at once (its process sentinel) and the run
raises `WorkerLost`; stopping (the end, an error, a consumer that stops early, such as a cancelled dev
server build) sends each live worker away or kills it, and waits at most `STOP_SECONDS` for each.
`in_forked_workers` is the forked kind: workers that inherit the caller's state (set before the fork, in a
module global), so nothing is pickled on the way in.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

from generator.core.errors import ShelfpressError
from generator.core.platform import child_setup

STOP_SECONDS = 5.0
IN_FLIGHT = 2  # chunks sent ahead to each worker: it never waits for its next one
CHECK_SECONDS = 0.05  # how often `check` is asked while the workers work

C = TypeVar("C")
T = TypeVar("T")


class WorkerLost(ShelfpressError):
    """A worker process ended before it returned the results it owed."""


# The render pool's workers, and what their loss means for the user (other pools name theirs).
RENDER_ROLE = "render"
RENDER_LOST = "nothing was published, save again to rebuild"


def run_chunks(context: BaseContext, workers: int, work: Callable[[C], T], chunks: Sequence[C],
               initializer: Callable[..., None], initargs: tuple[Any, ...],
               check: Callable[[], None] | None = None, *, role: str = RENDER_ROLE,
               lost: str = RENDER_LOST) -> Iterator[T]:
    """`work(chunk)` for each of `chunks` in up to `workers` processes of `context` ("fork" or "spawn"), the
    results in order; each process runs `initializer(*initargs)` first. A worker's exception is raised here;
    a worker that dies raises `WorkerLost` (its message names the `role` of the workers, "shelfpress-<role>"
    their process names, and ends with `lost`: what that means for the user). Closing the iterator early
    stops every worker (bounded), and so does an exception from `check()`, asked every `CHECK_SECONDS`
    while the workers work (or start)."""
    procs: list[tuple[Any, multiprocessing.connection.Connection]] = []
    try:
        for _ in range(min(workers, len(chunks))):
            ours, theirs = context.Pipe()
            proc = context.Process(  # type: ignore[attr-defined]
                target=_worker, args=(theirs, work, initializer, initargs), daemon=True, name=f"shelfpress-{role}")
            proc.start()
            theirs.close()
            procs.append((proc, ours))
        yield from _in_order(procs, chunks, check, f"{role} worker", lost)
        for proc, conn in procs:
            try:
                conn.send(None)  # no more work: the worker returns
            except OSError:
                pass  # it ended already; `_stop` reaps it
        for proc, _ in procs:
            proc.join(STOP_SECONDS)
    finally:
        _stop(procs)


def _worker(conn: multiprocessing.connection.Connection, work: Callable[[Any], Any],
            initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    """A worker: set up, then work each (index, chunk) received until None; an exception goes back and
    ends the worker (the run raises it and stops the others)."""
    initializer(*initargs)
    while (task := conn.recv()) is not None:
        index, chunk = task
        try:
            conn.send((index, True, work(chunk)))
        except BaseException as exc:  # noqa: BLE001 - any: the build raises it, as a single process would
            conn.send((index, False, _sendable(exc)))
            return


def _sendable(exc: BaseException) -> BaseException:
    """`exc` if it pickles (and so crosses the pipe), else a RuntimeError saying what it was."""
    import pickle

    try:
        pickle.dumps(exc)
        return exc.with_traceback(None)
    except Exception:  # noqa: BLE001 - whatever pickling raises, the message still crosses
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _in_order(procs: list[tuple[Any, multiprocessing.connection.Connection]], chunks: Sequence[C],
              check: Callable[[], None] | None, worker: str, lost: str) -> Iterator[Any]:
    """Hand out chunks as workers finish them and yield the results in the order of `chunks`."""
    tasks = iter(enumerate(chunks))
    owed = {conn: 0 for _, conn in procs}
    results: dict[int, Any] = {}
    done = 0

    def feed(conn: multiprocessing.connection.Connection) -> None:
        task = next(tasks, None)
        if task is not None:
            owed[conn] += 1  # (sent to a worker that just died: its sentinel says so next)
            try:
                conn.send(task)
            except OSError:
                pass

    for _, conn in procs:
        for _ in range(IN_FLIGHT):
            feed(conn)
    by_sentinel = {proc.sentinel: (proc, conn) for proc, conn in procs}
    by_conn = {conn: (proc, conn) for proc, conn in procs}
    while done < len(chunks):
        ready = multiprocessing.connection.wait([c for c in owed if owed[c]] + list(by_sentinel),
                                                None if check is None else CHECK_SECONDS)
        if check is not None:
            check()
        for item in ready:
            proc, conn = by_sentinel[item] if item in by_sentinel else by_conn[item]
            try:
                index, ok, value = conn.recv()  # (a result sent before the worker ended is read first)
            except (EOFError, OSError):
                proc.join(STOP_SECONDS)  # ended: reaped at once, for its exit code
                raise WorkerLost(f"a {worker} (process {proc.pid}) stopped with exit code {proc.exitcode} "
                                 f"before it finished; {lost}") from None
            owed[conn] -= 1
            if not ok:
                raise value
            results[index] = value
            feed(conn)
            break  # `ready` may name this worker twice (its sentinel and its pipe): wait again
        while done in results:
            yield results.pop(done)
            done += 1


def in_forked_workers(work: Callable[[C], T], chunks: Sequence[C], workers: int,
                      check: Callable[[], None] | None = None, *, role: str = RENDER_ROLE,
                      lost: str = RENDER_LOST) -> Iterator[T]:
    """`run_chunks` in forked workers (the caller checked `platform.can_fork`), results in order. The job
    is whatever the caller set before calling, in a module global: the workers inherit it, nothing is
    pickled on the way in."""
    frozen_before = gc.get_freeze_count() > 0  # the caller froze its objects already (commands.build): it stays so
    gc.freeze()  # the collector must not touch (and so copy) the inherited objects in every worker
    try:
        yield from run_chunks(multiprocessing.get_context("fork"), workers, work, chunks,
                              child_setup, (os.getpid(),), check, role=role, lost=lost)
    finally:
        if not frozen_before:
            gc.unfreeze()


def _stop(procs: list[tuple[Any, multiprocessing.connection.Connection]]) -> None:
    """Kill every worker still running (nothing they hold can block this) and reap each, bounded."""
    for proc, conn in procs:
        if proc.is_alive():
            proc.kill()
        proc.join(STOP_SECONDS)
        conn.close()
        if proc.exitcode is not None:
            proc.close()
