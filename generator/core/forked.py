"""Child processes made by fork: the render workers' pool (`render_pool`) and one-off helpers (`Forked`).

A forked child inherits the build's whole state without pickling it, which
is why the build forks rather than spawns, where forking is safe
(`platform.can_fork`). A child must never outlive a killed build (it would go
on writing into the shadow tree, or hold the build lock), nor keep the signal
handlers of its parent: `platform.child_setup` sees to both.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from generator.core.platform import child_setup


class Forked:
    """`work()` running in a forked child while this process goes on; `wait()` tells whether it finished
    without an error. The child leaves through `os._exit`: no cleanup, no output of this process flushed
    twice."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._ok: bool | None = None
        parent = os.getpid()
        self._pid = os.fork()
        if self._pid == 0:
            code = 1
            try:
                child_setup(parent)
                work()
                code = 0
            finally:
                os._exit(code)

    def wait(self) -> bool:
        if self._ok is None:
            _, status = os.waitpid(self._pid, 0)
            self._ok = os.waitstatus_to_exitcode(status) == 0
        return self._ok
