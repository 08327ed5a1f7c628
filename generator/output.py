"""The output writer: the only code that touches the output directory.

A build writes into a staging directory beside the output and, when every
page succeeded, swaps it in (one atomic `renameat2(RENAME_EXCHANGE)` on
Linux, two renames elsewhere). A failed or interrupted build therefore
leaves the previous site exactly as it was. Incremental rebuilds, where
staging ten thousand unchanged files would cost more than the build, use
`InPlaceWriter`: same rules, nothing written before `commit()`, then each
changed file replaced atomically in place. Files whose bytes did not
change are hard-linked from the previous output instead of written, so
they keep their mtime (and rsync, browsers and gh-pages see no change).

The writer also enforces the invariants no page may break: one owner per
output path, and no path escaping the output root.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import BuildError, ContentError

_RENAME_EXCHANGE = 2


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.written + self.unchanged


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False when unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def check_output_dir(out_dir: Path, site_dir: Path) -> None:
    """Refuse output locations that would let a build delete the site's own sources."""
    out, site = out_dir.resolve(), site_dir.resolve()
    if out == site or site.is_relative_to(out):
        raise BuildError(f"output directory {out} contains the site itself; set output_dir to a subfolder "
                         "such as \"public\"")
    for name in ("content", "templates", "static", "themes"):
        if out == site / name or out.is_relative_to(site / name):
            raise BuildError(f"output directory {out} is inside the site's {name}/ folder; choose another output_dir")


class OutputWriter:
    """Stage a complete site, then swap it in; see the module docstring."""

    def __init__(self, out_dir: Path, *, reuse_unchanged: bool = True) -> None:
        self.out_dir = out_dir.resolve()
        self.staging = self.out_dir.parent / f".{self.out_dir.name}.staging-{os.getpid()}"
        self.previous = self.out_dir if self.out_dir.is_dir() and reuse_unchanged else None
        self.owners: dict[str, str] = {}
        self.stats = WriteStats()
        self._made_dirs: set[Path] = set()
        self._clean_stale_staging()
        self.staging.mkdir(parents=True)

    def _clean_stale_staging(self) -> None:
        for stale in self.out_dir.parent.glob(f".{self.out_dir.name}.staging-*"):
            shutil.rmtree(stale, ignore_errors=True)

    def _claim(self, rel: str, owner: str) -> str:
        """Record `owner` as the one writer of `rel`; return the normalised key."""
        if "\\" in rel or any(part in ("", ".", "..") for part in rel.split("/")):
            clean = PurePosixPath(rel.replace("\\", "/"))
            if clean.is_absolute() or ".." in clean.parts or not clean.parts:
                raise ContentError(f"output path {rel!r} would leave the output directory", file=owner)
            rel = clean.as_posix()
        key = rel  # already normal: the common case skips pathlib (10,000 pages, every build)
        if key in self.owners:
            raise ContentError(f"two pages write {key}: {self.owners[key]} and {owner}; give one a different "
                               "slug or url", file=owner)
        self.owners[key] = owner
        return key

    def _target(self, rel: str, owner: str) -> Path:
        target = self.staging / self._claim(rel, owner)
        parent = target.parent
        if parent not in self._made_dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._made_dirs.add(parent)
        return target

    def read(self, key: str) -> bytes:
        """The bytes this build puts at `key` (a path already written, copied or kept)."""
        return (self.staging / key).read_bytes()

    def changed(self, ignore: str = "\0") -> bool:
        """Whether this build differs from the previous output outside paths starting with `ignore`
        (always true for a staged build)."""
        return True

    def claimed(self, rel: str) -> bool:
        return PurePosixPath(rel).as_posix() in self.owners

    def _previous_file(self, key: Path) -> Path | None:
        if self.previous is None:
            return None
        old = self.previous / key.relative_to(self.staging)
        return old if old.is_file() else None

    def write(self, rel: str, data: bytes, owner: str) -> None:
        """Stage `data` at `rel`; reuse the previous file when its bytes are identical."""
        target = self._target(rel, owner)
        old = self._previous_file(target)
        if old is not None and old.stat().st_size == len(data) and old.read_bytes() == data:
            self._link_or_copy(old, target)
            self.stats.unchanged += 1
            return
        target.write_bytes(data)
        self.stats.written += 1

    def copy(self, rel: str, source: Path, owner: str) -> None:
        """Stage a static file; unchanged bytes are linked from the previous output."""
        target = self._target(rel, owner)
        old = self._previous_file(target)
        if old is not None and old.stat().st_size == source.stat().st_size and old.read_bytes() == source.read_bytes():
            self._link_or_copy(old, target)
            self.stats.unchanged += 1
            return
        shutil.copyfile(source, target)
        self.stats.written += 1

    def keep(self, rel: str, owner: str) -> bool:
        """Reuse the previous file at `rel` unchanged (the caller knows its inputs did not change)."""
        target = self._target(rel, owner)
        old = self._previous_file(target)
        if old is None:
            del self.owners[PurePosixPath(rel).as_posix()]
            return False
        self._link_or_copy(old, target)
        self.stats.unchanged += 1
        return True

    @staticmethod
    def _link_or_copy(old: Path, target: Path) -> None:
        try:
            os.link(old, target)
        except OSError:
            shutil.copy2(old, target)

    def commit(self) -> WriteStats:
        """Swap the staged site in; the previous one is removed only afterwards."""
        if self.previous is not None:
            self.stats.removed = sum(1 for p in self.previous.rglob("*")
                                     if p.is_file() and p.relative_to(self.previous).as_posix() not in self.owners)
        if self.out_dir.exists():
            if _exchange(self.staging, self.out_dir):
                shutil.rmtree(self.staging)
            else:
                retired = self.out_dir.parent / f".{self.out_dir.name}.old-{os.getpid()}"
                os.rename(self.out_dir, retired)
                os.rename(self.staging, self.out_dir)
                shutil.rmtree(retired)
        else:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            os.rename(self.staging, self.out_dir)
        return self.stats

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


class InPlaceWriter(OutputWriter):
    """Update an existing output directory file by file (incremental rebuilds).

    Every change is held in memory until `commit()`, so a failed build writes
    nothing. Commit replaces each changed file atomically (temp file beside it +
    `os.replace`) and prunes files of the previous build that nobody claimed.
    An interrupted commit can leave a mix of old and new (whole) files, so
    `before_commit` lets the build state forget itself first: the next build
    then starts clean. `verify=False` trusts that kept files still exist (the
    dev server owns its output directory; a stat per page costs real time).
    """

    def __init__(self, out_dir: Path, previous_files: set[str], *, verify: bool = True,
                 before_commit: Callable[[], None] = lambda: None) -> None:
        self.out_dir = out_dir.resolve()
        self.previous_files = previous_files
        self.verify = verify
        self.before_commit = before_commit
        self.owners = {}
        self.stats = WriteStats()
        self.pending: dict[str, bytes | Path] = {}

    def _unchanged(self, key: str, size: int, data: Callable[[], bytes]) -> bool:
        old = self.out_dir / key
        try:
            return old.stat().st_size == size and old.read_bytes() == data()
        except OSError:
            return False

    def write(self, rel: str, data: bytes, owner: str) -> None:
        key = self._claim(rel, owner)
        if self._unchanged(key, len(data), lambda: data):
            self.stats.unchanged += 1
        else:
            self.pending[key] = data

    def copy(self, rel: str, source: Path, owner: str) -> None:
        key = self._claim(rel, owner)
        if self._unchanged(key, source.stat().st_size, source.read_bytes):
            self.stats.unchanged += 1
        else:
            self.pending[key] = source

    def read(self, key: str) -> bytes:
        data = self.pending.get(key)
        if isinstance(data, bytes):
            return data
        return (data or self.out_dir / key).read_bytes()

    def changed(self, ignore: str = "\0") -> bool:
        return any(not key.startswith(ignore) for key in self.pending) or any(
            not key.startswith(ignore) for key in self.previous_files - self.owners.keys())

    def keep(self, rel: str, owner: str) -> bool:
        key = self._claim(rel, owner)
        if self.verify and not os.path.isfile(os.path.join(self.out_dir, key)):
            del self.owners[key]
            return False
        self.stats.unchanged += 1
        return True

    def commit(self) -> WriteStats:
        stale = self.previous_files - self.owners.keys()
        if self.pending or stale:
            self.before_commit()
        for key, data in sorted(self.pending.items()):
            target = self.out_dir / key
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
            if isinstance(data, Path):
                shutil.copyfile(data, temp)
            else:
                temp.write_bytes(data)
            os.replace(temp, target)
        self.stats.written = len(self.pending)
        for key in sorted(stale):
            (self.out_dir / key).unlink(missing_ok=True)
            self._remove_empty_parents(self.out_dir / key)
        self.stats.removed = len(stale)
        self.pending.clear()
        return self.stats

    def _remove_empty_parents(self, path: Path) -> None:
        parent = path.parent
        while parent != self.out_dir and parent.is_relative_to(self.out_dir):
            try:
                parent.rmdir()
            except OSError:
                return
            parent = parent.parent

    def abort(self) -> None:
        self.pending.clear()
