"""Everything that differs between operating systems, in one place: the build lock, the swap of the
shadow tree with the live site, and whether the build may fork worker processes.

Each piece has a fast path where the system offers one and a fallback elsewhere, and both give the
same bytes on disk and the same messages; only speed and what a reader of the site can see during the
swap differ (docs/content/getting-started.md says what, per OS):

- *lock*: `fcntl.flock` on Linux and macOS, `msvcrt.locking` on Windows (both released by the system
  when the holder dies); elsewhere, and in portable mode on a POSIX system, a lock file made in one step
  that holds the owner's process id: a lock whose owner is gone is taken over.
- *swap*: one `renameat2(RENAME_EXCHANGE)` on Linux, one `renamex_np(RENAME_SWAP)` on macOS; elsewhere
  three renames (live -> retired, shadow -> live, retired -> shadow), so the previous site still becomes
  the shadow and incremental builds stay incremental; a build interrupted between two of them is put
  right by the next one (`recover_swap`).
- *fork*: only on Linux, and only from a process with no other thread at that moment (a thread may hold
  a lock of a system library that the child would then wait on forever). Elsewhere a big build renders
  in spawned workers (`engine.spawn_pool`), which receive the site graph a forked one inherits, and a
  small one in its own process. A forked child dies with the build through the kernel (`child_setup`),
  a spawned one by watching the build's process (`spawn_pool`), which works on every system.

- *memory*: glibc keeps what a thread's malloc arena freed for that thread to reuse; a long-lived process
  (the dev server, whose rebuild thread frees a site graph per rebuild) hands it back with `malloc_trim`
  (`release_free_memory`). Elsewhere the allocator is left alone.

`SHELFPRESS_PORTABLE=1` makes a Linux machine take every fallback (no fork, no renameat2/renamex_np, no
fcntl), which is how CI proves them without a Mac or a Windows machine. Nothing here imports `fcntl` or
`msvcrt` at module level: both exist on one family of systems only.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import multiprocessing
import os
import signal
import sys
import threading
from pathlib import Path

PORTABLE_ENV = "SHELFPRESS_PORTABLE"
_RENAME_EXCHANGE = 2  # linux/fs.h
_RENAME_SWAP = 2  # macOS sys/stdio.h
_PR_SET_PDEATHSIG = 1


def portable() -> bool:
    """Whether the fallbacks are forced (`SHELFPRESS_PORTABLE` set to anything but "" or "0")."""
    return os.environ.get(PORTABLE_ENV, "") not in ("", "0")


# -- the build lock -----------------------------------------------------------------------------------

class Locked(Exception):
    """Another process holds the lock."""


def _lock_kind() -> str:
    if os.name == "nt":
        return "msvcrt"
    return "flock" if os.name == "posix" and not portable() else "pidfile"


class BuildLock:
    """An exclusive, non-blocking lock on `path`, held until `release()`; raises `Locked` when another
    holder (another process, or another writer in this one) has it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = _lock_kind()
        self._fd: int | None = None  # the locked file (flock, msvcrt)
        self._held = True
        if self.kind == "pidfile":
            _take_pidfile(path)
            return
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            if self.kind == "flock":
                import fcntl  # POSIX only

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                import msvcrt  # Windows only

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
                raise Locked from None
            raise
        self._fd = fd

    def release(self, *, remove: bool = False) -> None:
        """Let go of the lock (again: nothing); `remove` also deletes a lock file that would outlive it (a
        one-off writer leaves nothing behind). A lock file of the pidfile kind always goes."""
        if not self._held:
            return
        self._held = False
        if self._fd is None or remove:
            try:
                self.path.unlink(missing_ok=True)  # still locked: no other build has it in between
            except PermissionError:
                pass  # Windows deletes no open file: an empty lock file stays
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _take_pidfile(path: Path) -> None:
    """Create `path` holding this process's id, in one step (a hard link of a complete temp file: a reader
    never sees it empty). A lock file whose process is gone (a killed build) is replaced."""
    temp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
    temp.write_text(str(os.getpid()), encoding="ascii")
    try:
        for _ in range(2):
            try:
                os.link(temp, path)
                return
            except FileExistsError:
                if _owner_alive(path):
                    raise Locked from None
                path.unlink(missing_ok=True)  # its owner died without letting go
        raise Locked
    finally:
        temp.unlink(missing_ok=True)


def _owner_alive(path: Path) -> bool:
    try:
        pid = int(path.read_text(encoding="ascii"))
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return True  # another writer of this process holds it
    try:  # POSIX only: Windows locks with msvcrt, and its os.kill would end the process
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, someone else's
    return True


# -- the swap -----------------------------------------------------------------------------------------

def swap_kind() -> str:
    """How `swap` exchanges two folders here: "renameat2", "renamex_np" or "renames"."""
    if portable():
        return "renames"
    if sys.platform.startswith("linux"):
        return "renameat2"
    if sys.platform == "darwin":
        return "renamex_np"
    return "renames"


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library's functions (renameat2, renamex_np, prctl, malloc_trim) as the process has them loaded:
    Python itself is linked with the C library. (Asking `ctypes.util.find_library` for its file ran
    `ldconfig -p`, a fork and 2-3 ms of every build.) None on Windows, which has no such library."""
    if os.name == "nt":
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _exchange(a: Path, b: Path) -> bool:
    """Swap `a` and `b` in one system call; False when the system or file system cannot."""
    kind, libc = swap_kind(), _libc()
    if kind == "renames" or libc is None:
        return False
    try:
        if kind == "renameat2":
            at_fdcwd = -100
            return libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0
        return libc.renamex_np(os.fsencode(a), os.fsencode(b), _RENAME_SWAP) == 0
    except AttributeError:  # an older libc without the call
        return False


def retired_path(live: Path) -> Path:
    """Where the three-rename swap parks the live site for a moment."""
    return live.with_name(f".{live.name}.retired")


def swap(shadow: Path, live: Path) -> bool:
    """Exchange the folders `shadow` and `live`: afterwards `live` holds what `shadow` held. One atomic call
    where the system has one; else three renames, during which `live` is missing for the time between the
    first two (readers get "not found" then). Returns whether `shadow` now holds the previous live site:
    not when the last rename fails (on Windows, a reader still holding one of its files open); the previous
    site then waits at `retired_path(live)` for the next writer to clear it (`recover_swap`)."""
    if _exchange(shadow, live):
        return True
    retired = retired_path(live)
    os.rename(live, retired)
    try:
        os.rename(shadow, live)
    except OSError:
        os.rename(retired, live)  # the live site stays as it was
        raise
    try:
        os.rename(retired, shadow)
    except OSError:
        return False
    return True


def recover_swap(live: Path) -> None:
    """Put right a three-rename swap that was interrupted (a killed build): when `live` is missing its
    retired copy goes back; a retired copy beside a live site is the previous site, no longer needed."""
    retired = retired_path(live)
    if not retired.exists():
        return
    if not live.exists():
        os.rename(retired, live)
    else:
        import shutil

        shutil.rmtree(retired, ignore_errors=True)


# -- parallel work ------------------------------------------------------------------------------------

def can_fork() -> bool:
    """Whether the build may fork workers now: on Linux, outside portable mode, with no other thread
    running (a dev server's HTTP and watcher threads, a caller's own), as a forked child gets only the
    forking thread and any lock another thread held stays locked in it."""
    return (sys.platform.startswith("linux") and not portable() and threading.active_count() == 1
            and "fork" in multiprocessing.get_all_start_methods())


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def child_setup(parent: int) -> None:
    """First thing in a forked child (`parent` is the forking process's id): the signal handlers the
    parent installed are not the child's (a dev server's SIGTERM handler would keep `Pool.terminate` from
    stopping it), and the child dies with its parent: the kernel kills it (PR_SET_PDEATHSIG), and a parent
    that died before that was asked leaves the child exiting at once."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    libc = _libc()
    if libc is not None:
        try:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except AttributeError:
            pass
    if os.getppid() != parent:
        os._exit(1)


# -- memory -------------------------------------------------------------------------------------------

def release_free_memory() -> bool:
    """Hand the memory the allocator holds free back to the system (glibc's `malloc_trim`: freed pages in
    every thread's arena, not only the top of the main heap); whether it could. After a dev server's
    rebuild, 5-10 % of its resident memory on a 3,000-page site; a millisecond or two."""
    libc = None if portable() or not sys.platform.startswith("linux") else _libc()
    if libc is None:
        return False
    try:
        libc.malloc_trim(0)
    except AttributeError:  # musl and other C libraries without it
        return False
    return True
