"""The output writer: the only code that touches the output directory.

Every build, first or incremental, is atomic. The next site is assembled in
a *shadow* tree (in the site's cache dir, or beside the output when that is
on another file system) and the two are swapped (`platform.swap`: one
`renameat2(RENAME_EXCHANGE)` on Linux): the live site is never written to, so
a failed or killed (even `kill -9`) build leaves it byte-identical.

After the swap the shadow holds the previous site, which differs from the
live one only at the paths this build wrote or removed (its *lag*). The next
build brings the shadow level with the live site by re-linking just those
paths, applies its own changes and swaps again: an incremental build costs
file operations in proportion to what changed, not to the size of the site.
Unchanged files are hard links of the live ones (same inode: they keep their
mtime, and rsync, browsers and gh-pages see no change). Files are only ever
replaced by rename, never rewritten in place, so a shared inode is never
modified.

When the shadow cannot be trusted (none yet, an interrupted build left its
marker, the two trees are not the ones the build state recorded) it is
rebuilt from scratch: every unchanged file linked, every changed one written.

The writer also enforces the invariants no page may break: one owner per
output path, and no path escaping the output root. It writes only into a
folder it owns (`ownership.py`) and leaves the ownership marker in every site
it commits. A lock file beside the shadow (`platform.BuildLock`) keeps two
builds from writing one site at the same time.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from generator.core.errors import BuildError, ContentError
from generator.core.forked import Forked
from generator.core.platform import BuildLock, Locked, can_fork, recover_swap, swap
from generator.core.portable_paths import unportable
from generator.engine.ownership import MARKER, MARKER_TEXT, check_owned

INCOMPLETE = ".shelfpress-incomplete"  # present in a shadow while it is being changed
FOLDERS_AHEAD_MIN = 400  # new output files from which `make_folders_ahead` forks a folder maker


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def total(self) -> int:
        return self.written + self.unchanged


@dataclass
class ShadowRecord:
    """What a committed build leaves for the next one: the two trees and where they differ."""

    live_inode: int
    shadow_inode: int
    lag: list[str] = field(default_factory=list)


def check_output_dir(out_dir: Path, site_dir: Path) -> None:
    """Refuse output locations that would let a build delete the site's own sources."""
    out, site = out_dir.resolve(), site_dir.resolve()
    if out == site or site.is_relative_to(out):
        raise BuildError(f"output directory {out} contains the site itself; set output_dir to a subfolder "
                         "such as \"public\"")
    for name in ("content", "templates", "static", "themes"):
        if out == site / name or out.is_relative_to(site / name):
            raise BuildError(f"output directory {out} is inside the site's {name}/ folder; choose another output_dir")


def _remove_leftovers(out_dir: Path, shadow: Path) -> None:
    """Staging folders and temp files of interrupted runs of older versions or of this one (a build killed
    while Pagefind ran leaves `.<output>.pagefind-*` beside the output; one killed between the renames of a
    fallback swap is put right). The caller holds the lock."""
    recover_swap(out_dir)
    for stale in out_dir.parent.glob(f".{out_dir.name}.staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for kind in ("old", "pagefind"):
        for stale in out_dir.parent.glob(f".{out_dir.name}.{kind}-*"):
            shutil.rmtree(stale, ignore_errors=True)
    for stale in shadow.parent.glob(f"{shadow.name}.trash-*"):
        shutil.rmtree(stale, ignore_errors=True)


def clean_leftovers(out_dir: Path, shadow: Path) -> None:
    """Remove what killed runs left beside `out_dir` (see `_remove_leftovers`) at a build's start, also
    when it then finds nothing to write; skipped while another build holds the lock (they are its own)."""
    try:
        lock = BuildLock(shadow.with_name(shadow.name + ".lock"))
    except Locked:
        return
    except OSError:
        return  # no place for the lock: the writer reports that
    try:
        _remove_leftovers(out_dir, shadow)
    finally:
        lock.release()


def shadow_path(out_dir: Path, preferred: Path | None = None) -> Path:
    """`preferred` when it can be swapped with `out_dir` (same file system), else a hidden sibling of it."""
    beside = out_dir.parent / f".{out_dir.name}.shadow"
    if preferred is None:
        return beside
    try:
        preferred.parent.mkdir(parents=True, exist_ok=True)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        same_device = os.stat(preferred.parent).st_dev == os.stat(out_dir.parent).st_dev
    except OSError:
        return beside
    return preferred if same_device else beside


def _same_bytes(path: Path | str, data: bytes) -> bool:
    try:
        if os.stat(path).st_size != len(data):
            return False
        with open(path, "rb") as file:
            return file.read() == data
    except OSError:
        return False


def _replace_with(target: Path, fill: Callable[[Path], object]) -> None:
    """Create `target` through a temp name and a rename: an inode shared with the live tree is never touched."""
    temp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        fill(temp)
        os.replace(temp, target)
    except BaseException as error:
        temp.unlink(missing_ok=True)  # else a kept shadow would carry it into the next site
        if isinstance(error, OSError) and error.filename is None:  # a full disk's write() names no file
            raise OSError(error.errno, error.strerror, str(target)) from error
        raise


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _write_new(target: Path | str, data: bytes) -> None:
    """Create `target`, which must not exist, in place: a new inode is shared with nothing, and a cold
    build saves a rename per file. A failed write removes it (a kill leaves the shadow's incomplete
    marker, which makes the next build distrust the whole shadow). Plain os calls, not open(): no
    buffer, no tty check and no seek, three system calls fewer for each of 10,000 pages."""
    fd = os.open(target, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except BaseException as error:
        os.close(fd)
        os.unlink(target)
        if isinstance(error, OSError) and error.filename is None:  # os.write names no file; a full disk must
            raise OSError(error.errno, error.strerror, os.fspath(target)) from error
        raise
    os.close(fd)


def _make_folders(folders: Sequence[str]) -> None:
    """Make each folder (parents come first); one that exists already is fine."""
    for folder in folders:
        try:
            os.mkdir(folder)
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)


def _link_or_copy(old: Path, target: Path) -> None:
    try:
        os.link(old, target)
    except FileExistsError:
        _replace_with(target, lambda temp: _link_or_copy(old, temp))
    except OSError:
        shutil.copy2(old, target)


class FileStore:
    """Puts files into the shadow tree; picklable-free and stateless enough to run in render workers."""

    def __init__(self, live: Path, shadow: Path, *, fresh: bool, live_files: set[str]) -> None:
        """`live_files`: the keys of the live site's files; no other key has live bytes to compare with."""
        self.live, self.shadow, self.fresh, self.live_files = live, shadow, fresh, live_files
        self._made_dirs: set[str] = set()

    def folders(self, keys: Iterable[str]) -> list[str]:
        """The folders that hold `keys` in the shadow, parents before children."""
        return sorted({os.path.dirname(os.path.join(self.shadow, key)) for key in keys})

    def made(self, folders: Iterable[str]) -> None:
        """`folders` exist now (made by another process): `put` makes no system call for them."""
        self._made_dirs.update(folders)

    def _parent(self, target: Path | str) -> None:
        """Make sure `target`'s folder exists. A cold build makes a folder per product page, under a folder
        this process already made: one mkdir then, not makedirs' stat of every ancestor first."""
        parent = os.path.dirname(target)
        if parent in self._made_dirs:
            return
        if os.path.dirname(parent) in self._made_dirs:
            try:
                os.mkdir(parent)
            except FileExistsError:
                pass
        else:
            os.makedirs(parent, exist_ok=True)
        self._made_dirs.add(parent)

    def put(self, key: str, data: bytes) -> bool:
        """Make `key` hold `data` in the next site; True when that differs from the live site."""
        target = os.path.join(self.shadow, key)  # strings, not Paths: this runs for every page
        if key in self.live_files and _same_bytes(os.path.join(self.live, key), data):
            self._carry_live(Path(target), self.live / key)
            return False
        self._parent(target)
        try:
            _write_new(target, data)
        except FileExistsError:  # maybe a hard link of a live file: replace, never rewrite
            _replace_with(Path(target), lambda temp: temp.write_bytes(data))
        return True

    def _carry_live(self, target: Path, live: Path) -> None:
        """The next site keeps the live file as it is (a trusted shadow has it, unless pruned this build)."""
        if self.fresh or not os.path.lexists(target):
            self._parent(target)
            _link_or_copy(live, target)

    def adopt(self, key: str, path: Path, data: bytes) -> bool:
        """Like `put` with `data`, the bytes of `path`, a file on the shadow's file system that is moved, not
        copied (a generated bundle: thousands of files need not be written twice)."""
        target, live = self.shadow / key, self.live / key
        if key in self.live_files and _same_bytes(live, data):
            self._carry_live(target, live)
            return False
        self._parent(target)
        try:
            os.replace(path, target)
        except OSError:  # another file system after all
            return self.put(key, data)
        return True

    def keep(self, key: str) -> bool:
        """Carry the live file at `key` over unchanged; False when there is none (it must be rendered)."""
        live = self.live / key
        if not os.path.isfile(live):
            return False
        if self.fresh:
            target = self.shadow / key
            self._parent(target)
            _link_or_copy(live, target)
        return True


class OutputWriter:
    """Assemble the next site in the shadow tree and swap it in; see the module docstring.

    `shadow` is where the build state keeps its shadow tree (see `shadow_path`); `previous_files` and
    `record` come from the build state too (the live site's files and the shadow's lag);
    without them the shadow is rebuilt from the live tree. `keep_shadow=False` (plain-folder deploys)
    deletes the previous site after the swap instead of keeping it for the next build.
    """

    def __init__(self, out_dir: Path, *, shadow: Path | None = None, previous_files: set[str] | None = None,
                 record: ShadowRecord | None = None, keep_shadow: bool = True) -> None:
        self.out_dir = out_dir.resolve()
        self.shadow = shadow_path(self.out_dir, shadow)
        check_owned(self.out_dir, built_before=bool(previous_files) or self.shadow.is_dir())
        self.keep_shadow = keep_shadow
        self.owners: dict[str, str] = {}
        self.stats = WriteStats()
        self.written: set[str] = set()
        self.untracked_writes = False  # render workers may have put files nobody recorded
        self._lock: BuildLock | None = self._acquire_lock()
        self._swept: Callable[[], object] | None = None  # waits for `_sweep_away`
        try:
            self._prepare(record, previous_files)
        except BaseException:  # e.g. a full disk: unlock, or a dev server's next build finds the site "busy"
            self._release()
            raise

    def _prepare(self, record: ShadowRecord | None, previous_files: set[str] | None) -> None:
        """Decide whether the shadow can be trusted and make it ready for this build's writes."""
        self._clean_leftovers()
        live_exists = self.out_dir.is_dir()
        trusted = (live_exists and record is not None and previous_files is not None and self.shadow.is_dir()
                   and not (self.shadow / INCOMPLETE).exists()
                   and os.stat(self.out_dir).st_ino == record.live_inode
                   and os.stat(self.shadow).st_ino == record.shadow_inode)
        self.previous_files = previous_files if trusted else self._live_files() if live_exists else set()
        self.previous_trusted = trusted
        self._folder_maker: tuple[Forked, list[str]] | None = None
        if not trusted:
            self._sweep_away(self.shadow)
            self.shadow.mkdir(parents=True)
        (self.shadow / INCOMPLETE).touch()
        self.files = FileStore(self.out_dir, self.shadow, fresh=not trusted, live_files=self.previous_files)
        if trusted and record is not None:
            self._level_shadow(record.lag)

    # -- setup -------------------------------------------------------------------------------------
    def _acquire_lock(self) -> BuildLock:
        self.lock_path = self.shadow.with_name(self.shadow.name + ".lock")
        try:
            return BuildLock(self.lock_path)
        except Locked:
            raise BuildError(f"another shelfpress build is writing {self.out_dir}; wait for it to finish") from None

    def _clean_leftovers(self) -> None:
        _remove_leftovers(self.out_dir, self.shadow)

    def _sweep_away(self, tree: Path) -> None:
        """Delete an untrusted shadow in a background thread while the build goes on: deleting a
        10,000-page tree is seconds of file system calls. `_release` waits for it. Where the build may
        fork its render workers it deletes in a forked child instead: a thread would forbid the fork."""
        trash = tree.with_name(f"{tree.name}.trash-{os.getpid()}")
        try:
            os.rename(tree, trash)
        except FileNotFoundError:
            return
        if can_fork():
            self._swept = Forked(lambda: shutil.rmtree(trash, ignore_errors=True)).wait
            return
        sweeper = threading.Thread(target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True},
                                   name="shelfpress-sweeper", daemon=True)
        sweeper.start()
        self._swept = sweeper.join

    def _live_files(self) -> set[str]:
        found = set()
        for folder, _, files in os.walk(self.out_dir):
            rel = os.path.relpath(folder, self.out_dir).replace(os.sep, "/")
            prefix = "" if rel == "." else rel + "/"
            found.update(prefix + name for name in files)
        return found

    def _level_shadow(self, lag: Iterable[str]) -> None:
        """Make the shadow equal the live site again at the paths the last build changed."""
        for key in lag:
            live, target = self.out_dir / key, self.shadow / key
            if key in self.previous_files and live.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                _replace_with(target, lambda temp, live=live: _link_or_copy(live, temp))
            elif target.exists():
                target.unlink()
                self._remove_empty_parents(target)

    # -- claiming paths ----------------------------------------------------------------------------
    def _claim(self, rel: str, owner: str) -> str:
        """Record `owner` as the one writer of `rel`; return the normalised key."""
        segments = f"/{rel}/"  # an empty, "." or ".." segment of `rel` is "//", "/./" or "/../" here: C-speed tests
        if "\\" in rel or "//" in segments or "/./" in segments or "/../" in segments:
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

    def make_folders_ahead(self, keys: Sequence[str]) -> None:
        """Start making the folders of `keys` in a fresh shadow, in a child process, while this one goes on
        (`folders_ready` waits for it). A cold 10,000-product build makes a folder per product page, all in
        one parent folder: render workers making them side by side wait on each other's lock of that folder
        (a third of their file system time), while the build's product cards leave a core idle. A trusted
        shadow has the folders of the last build already, and a small build gains nothing."""
        if not self.files.fresh or len(keys) < FOLDERS_AHEAD_MIN or not can_fork():
            return
        folders = self.files.folders(keys)
        self._folder_maker = (Forked(lambda: _make_folders(folders)), folders)

    def folders_ready(self) -> None:
        """Wait for `make_folders_ahead`; where it failed, `put` makes the folders it finds missing."""
        if self._folder_maker is not None:
            maker, folders = self._folder_maker
            self._folder_maker = None
            if maker.wait():
                self.files.made(folders)

    def claim(self, rel: str, owner: str) -> str:
        """Reserve `rel` for a file a render worker will `record` (see `render_pool`)."""
        return self._claim(rel, owner)

    def claimed(self, rel: str) -> bool:
        return PurePosixPath(rel).as_posix() in self.owners

    # -- writing -----------------------------------------------------------------------------------
    def record(self, key: str, changed: bool) -> None:
        """Account for a file put into the shadow (by this process or a render worker)."""
        if changed:
            self.written.add(key)
            self.stats.written += 1
        else:
            self.stats.unchanged += 1

    def write(self, rel: str, data: bytes, owner: str) -> None:
        """Put `data` at `rel`; an identical live file is kept as it is."""
        key = self._claim(rel, owner)
        self.record(key, self.files.put(key, data))

    def adopt(self, rel: str, source: Path, data: bytes, owner: str) -> None:
        """Move the file `source` (on the shadow's file system, about to be deleted), which holds `data`
        (the caller has read it), to `rel`."""
        key = self._claim(rel, owner)
        self.record(key, self.files.adopt(key, source, data))

    def copy(self, rel: str, source: Path, owner: str) -> None:
        """Put a static file at `rel`."""
        self.write(rel, source.read_bytes(), owner)

    def keep(self, rel: str, owner: str) -> bool:
        """Reuse the live file at `rel` unchanged (the caller knows its inputs did not change)."""
        key = self._claim(rel, owner)
        if self.carry(key):
            self.record_kept()
            return True
        del self.owners[key]
        return False

    def keep_the_rest(self, owner: str) -> None:
        """`keep` every live file nobody claimed yet. With a trusted shadow they are all in it already and
        their keys are the last build's own (normal, one owner each): no check, no file system call, in bulk
        (a dev server's text edit keeps 20,000 files of a 10,000-page site on every save)."""
        rest = self.previous_files - self.owners.keys()
        if not self.previous_trusted:
            for key in sorted(rest):
                self.keep(key, owner)
            return
        self.owners.update(dict.fromkeys(rest, owner))
        self.stats.unchanged += len(rest)

    def carry(self, key: str) -> bool:
        """Put the live file at the claimed `key` into the next site as it is; False when there is none.

        A file the last build left, with a trusted shadow, is already in the shadow: no file system call
        (a dev-server rebuild of a 10,000-page site keeps 10,000 files). Safe in a render worker; the
        parent accounts for it with `record_kept`."""
        return (self.previous_trusted and key in self.previous_files) or self.files.keep(key)

    def record_kept(self, count: int = 1) -> None:
        """Account for `count` files carried over as they were (`carry`)."""
        self.stats.unchanged += count

    def keep_recorded(self, prefix: str, owner: str) -> bool:
        """Carry over every live file under `prefix` (a generated bundle) as it is; False when there is none.

        With a trusted shadow the files are already there: `keep` costs no file system call."""
        keys = sorted(key for key in self.previous_files if key.startswith(prefix))
        return bool(keys) and all(self.keep(key, owner) for key in keys)

    def read(self, key: str) -> bytes:
        """The bytes this build puts at `key` (a path already written or kept)."""
        return (self.shadow / key).read_bytes()

    def changed(self, which: Callable[[str], bool]) -> bool:
        """Whether this build wrote or dropped any path `which` accepts (so far)."""
        return any(which(key) for key in self.written) or any(
            which(key) for key in self.previous_files - self.owners.keys())

    # -- finishing ---------------------------------------------------------------------------------
    def prune(self) -> list[str]:
        """Drop from the next site the live files nobody claimed (so far); return their paths."""
        removed = sorted(self.previous_files - self.owners.keys())
        if self.previous_trusted:
            for key in removed:
                target = self.shadow / key
                if target.exists():
                    target.unlink()
                    self._remove_empty_parents(target)
        return removed

    def commit(self) -> tuple[WriteStats, ShadowRecord | None]:
        """Swap the next site in; return the stats and what the next build needs to reuse the shadow.
        A site whose paths are not the same files on every OS is refused (the live site stays)."""
        self._mark()
        found = None if self.owners.keys() == self.previous_files else unportable(self.owners)
        if found:  # (the same paths as the last build's were checked then)
            owner, why = found
            raise ContentError(f"{why}; rename the file or change its slug: the same site must build on Linux, "
                               "macOS and Windows", file=owner)
        self.folders_ready()
        removed = self.prune()
        self.stats.removed = len(removed)
        record = None
        try:
            if not self.written and not removed and self.out_dir.is_dir():
                record = self._unchanged_record()  # nothing to swap: the live site already is this build
                return self.stats, record
            (self.shadow / INCOMPLETE).unlink()
            if not self.out_dir.exists():
                os.rename(self.shadow, self.out_dir)
            elif self._swap():  # else the previous site is no shadow: the next build makes a new one
                if self.keep_shadow:
                    record = ShadowRecord(os.stat(self.out_dir).st_ino, os.stat(self.shadow).st_ino,
                                          sorted(self.written | set(removed)))
                else:
                    shutil.rmtree(self.shadow)
            return self.stats, record
        finally:
            self._release()

    def _swap(self) -> bool:
        """Swap the shadow in (`platform.swap`); a swap the system refuses is one line, the live site as it was."""
        try:
            return swap(self.shadow, self.out_dir)
        except OSError as exc:
            raise BuildError(f"could not swap the new site into {self.out_dir} ({exc.strerror or exc}); close "
                             "programs that have files of it open and build again") from None

    def _mark(self) -> None:
        """Put the ownership marker into the next site (unless a page or kept file put it there already)."""
        if MARKER not in self.owners:
            key = self._claim(MARKER, "shelfpress")
            self.record(key, self.files.put(key, MARKER_TEXT))

    def _unchanged_record(self) -> ShadowRecord | None:
        """Nothing to swap: the live site already is this build, and the shadow equals it."""
        if not self.keep_shadow:
            shutil.rmtree(self.shadow, ignore_errors=True)
            return None
        (self.shadow / INCOMPLETE).unlink()
        return ShadowRecord(os.stat(self.out_dir).st_ino, os.stat(self.shadow).st_ino, [])

    def abort(self) -> ShadowRecord | None:
        """Leave the live site as it is. The shadow stays reusable when every write into it is known
        (not after a render worker failed mid-way): its lag is then what this build wrote."""
        self.folders_ready()  # the folder maker stops writing into the shadow before it is removed
        try:
            if self.keep_shadow and not self.untracked_writes and self.previous_trusted and self.out_dir.is_dir():
                (self.shadow / INCOMPLETE).unlink(missing_ok=True)
                return ShadowRecord(os.stat(self.out_dir).st_ino, os.stat(self.shadow).st_ino, sorted(self.written))
            shutil.rmtree(self.shadow, ignore_errors=True)  # a half-linked fresh shadow is worth nothing
            return None
        finally:
            self._release()

    def _release(self) -> None:
        if self._swept is not None:
            self._swept()
            self._swept = None
        if self._lock is not None:
            self._lock.release(remove=not self.keep_shadow)  # a one-off writer leaves nothing behind
            self._lock = None

    def _remove_empty_parents(self, path: Path) -> None:
        parent = path.parent
        while parent != self.shadow and parent.is_relative_to(self.shadow):
            try:
                parent.rmdir()
            except OSError:
                return
            parent = parent.parent
