"""Child processes made by fork: the render workers' pool (`render_pool`) and one-off helpers (`Forked`).

A forked child inherits the build's whole state without pickling it, which
is why the build forks rather than spawns. A child must never outlive a
killed build (it would go on writing into the shadow tree, or hold the build
lock): each asks the kernel to kill it when its parent dies.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
from collections.abc import Callable


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (Linux; elsewhere nothing)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Forked:
    """`work()` running in a forked child while this process goes on; `wait()` tells whether it finished
    without an error. The child leaves through `os._exit`: no cleanup, no output of this process flushed
    twice."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._ok: bool | None = None
        self._pid = os.fork()
        if self._pid == 0:
            code = 1
            try:
                die_with_parent()
                work()
                code = 0
            finally:
                os._exit(code)

    def wait(self) -> bool:
        if self._ok is None:
            _, status = os.waitpid(self._pid, 0)
            self._ok = os.waitstatus_to_exitcode(status) == 0
        return self._ok
