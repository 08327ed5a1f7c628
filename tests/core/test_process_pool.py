"""Tests for generator/core/process_pool.py: forked render workers killed mid-task or mid-teardown never
hang the build (issue 34: `Pool.terminate()` waited forever on a lock a dead worker held)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

import generator.core.process_pool as process_pool
from generator.core.platform import can_fork, child_setup
from generator.core.process_pool import WorkerLost, run_chunks

pytestmark = pytest.mark.skipif(not can_fork(), reason="this system (or portable mode) does not fork")
FORK = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def slow_square(n: int) -> int:
    time.sleep(0.05)
    return n * n


def stubborn_setup(parent: int) -> None:
    """As a worker that kept the dev server's SIGTERM handler did (issue 34): SIGTERM cannot stop it."""
    child_setup(parent)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def kill_one_when(n: int) -> int:
    """Chunk 5 kills its own worker, mid-task."""
    if n == 5:
        os.kill(os.getpid(), signal.SIGKILL)
    return n


def test_results_come_in_order_and_every_worker_is_reaped() -> None:
    before = set(multiprocessing.active_children())
    assert list(run_chunks(FORK, 2, slow_square, list(range(20)), child_setup, (os.getpid(),))) == \
        [n * n for n in range(20)]
    assert set(multiprocessing.active_children()) == before


def test_a_worker_killed_mid_task_fails_the_run_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(WorkerLost, match="exit code -9"):
        list(run_chunks(FORK, 2, kill_one_when, list(range(40)), child_setup, (os.getpid(),)))
    assert time.monotonic() - started < 5
    assert not [p for p in multiprocessing.active_children() if p.name == "shelfpress-render"]


def test_a_worker_killed_mid_teardown_leaves_teardown_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The consumer stops early (a failed or cancelled build) and, as teardown starts, one worker is killed
    while the other ignores SIGTERM: teardown still ends, with every worker gone."""
    stop = process_pool._stop
    killed: list[int] = []

    def kill_then_stop(procs: list) -> None:  # type: ignore[type-arg]
        os.kill(procs[0][0].pid, signal.SIGKILL)
        killed.append(procs[0][0].pid)
        stop(procs)

    monkeypatch.setattr(process_pool, "_stop", kill_then_stop)
    results = run_chunks(FORK, 2, slow_square, list(range(200)), stubborn_setup, (os.getpid(),))
    assert next(results) == 0
    started = time.monotonic()
    results.close()  # teardown
    assert time.monotonic() - started < process_pool.STOP_SECONDS
    assert killed and not [p for p in multiprocessing.active_children() if p.name == "shelfpress-render"]
