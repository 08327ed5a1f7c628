"""Tests for generator/core/platform.py: each OS-specific piece and its fallback (the one macOS or Windows
takes, forced here by `SHELFPRESS_PORTABLE=1`) behave the same: the build lock refuses a second build
with one line and outlives no killed holder, the swap exchanges the two trees and keeps the previous
site as the shadow, and forked children neither keep the parent's signal handlers nor outlive it."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import generator.engine.output as output
from generator.core import platform
from generator.engine.buildstate import BuildState
from generator.commands.build import build
from generator.config.schema import load_config
from generator.core.console import Reporter
from generator.core.errors import BuildError
from generator.core.forked import Forked
from generator.engine.output import OutputWriter
from generator.engine.ownership import MARKER, MARKER_TEXT
from tests.support.sites import SMALL_CONFIG, add_files, fails, portable_env, run, write_site
from tests.support.sites import tree as whole_tree


def tree(root: Path) -> dict[str, bytes]:
    """A site's files without the ownership marker every commit adds (tests/engine/test_ownership.py)."""
    return {key: data for key, data in whole_tree(root).items() if key != MARKER}

ROOT = Path(__file__).resolve().parents[2]
PAGES = {f"content/p{i}.md": f"---\ntitle: Page {i}\n---\nText {i}.\n" for i in range(5)}


@pytest.fixture(params=["fast", "portable"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test twice: the system's own calls, and the fallbacks (`SHELFPRESS_PORTABLE=1`)."""
    if request.param == "fast":
        if platform.portable():
            pytest.skip("a portable run has no fast path (fcntl is blocked)")
        monkeypatch.delenv(platform.PORTABLE_ENV, raising=False)
    else:
        monkeypatch.setenv(platform.PORTABLE_ENV, "1")
    yield request.param


def python_env(mode: str) -> dict[str, str]:
    """The environment of a child Python in `mode`: a portable one cannot import fcntl."""
    return portable_env() if mode == "portable" else dict(os.environ)


HOLD_LOCK = """
import sys, time
from pathlib import Path
from generator.engine.buildstate import BuildState
from generator.config.schema import load_config
config = load_config(Path(sys.argv[1]))
writer = BuildState.for_output(config.cache_path, config.output_path).shadows.writer(config.output_path.resolve())
print("locked", flush=True)
time.sleep(60)
"""


def test_a_second_build_is_refused_with_one_line_and_a_killed_holder_frees_the_site(
        tmp_path: Path, mode: str) -> None:
    site = write_site(tmp_path / "site", PAGES, SMALL_CONFIG)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(site)], cwd=ROOT, env=python_env(mode),
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        output = fails(site, f"another shelfpress build is writing {(site / 'public').resolve()}; "
                             "wait for it to finish")
        assert len(output.strip().splitlines()) == 1
        assert not (site / "public").exists()
    finally:
        holder.kill()
        holder.wait()
    result = run("build", "-C", str(site))  # kill -9 left no lock behind
    assert result.exit_code == 0, result.output
    assert (site / "public/p1/index.html").is_file()


def test_two_writers_in_one_process_exclude_each_other_until_released(tmp_path: Path, mode: str) -> None:
    first = OutputWriter(tmp_path / "public")
    with pytest.raises(BuildError, match="another shelfpress build is writing"):
        OutputWriter(tmp_path / "public")
    first.abort()
    OutputWriter(tmp_path / "public").abort()


def test_swap_exchanges_the_trees_and_keeps_both(tmp_path: Path, mode: str) -> None:
    live, shadow = tmp_path / "live", tmp_path / "shadow"
    write_site(live, {"index.html": "old"}, "")
    write_site(shadow, {"index.html": "new", "extra.html": "x"}, "")
    platform.swap(shadow, live)
    assert tree(live) == {"index.html": b"new", "extra.html": b"x", "shelfpress.toml": b""}
    assert tree(shadow) == {"index.html": b"old", "shelfpress.toml": b""}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live", "shadow"]
    expected = {"linux": "renameat2", "darwin": "renamex_np"}.get(sys.platform, "renames")
    assert platform.swap_kind() == (expected if mode == "fast" else "renames")


def test_a_swap_that_cannot_finish_leaves_the_live_site(tmp_path: Path, mode: str) -> None:
    live = write_site(tmp_path / "live", {"index.html": "old", MARKER: MARKER_TEXT}, "")
    with pytest.raises(OSError):
        platform.swap(tmp_path / "missing", live)
    assert tree(live) == {"index.html": b"old", "shelfpress.toml": b""}
    assert not platform.retired_path(live).exists()


def test_a_previous_site_held_open_stays_retired_until_the_next_writer(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows refuses to rename a folder with a file open in it: a reader of the previous site can make the
    last rename fail. The new site is live all the same; the next writer clears the previous one."""
    monkeypatch.setenv(platform.PORTABLE_ENV, "1")
    live = write_site(tmp_path / "live", {"index.html": "old", MARKER: MARKER_TEXT}, "")
    shadow = write_site(tmp_path / "shadow", {"index.html": "new", MARKER: MARKER_TEXT}, "")
    real_rename = os.rename

    def held_open(source: Path, target: Path) -> None:
        if Path(source) == platform.retired_path(live):
            raise PermissionError(13, "Access is denied", str(source))
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", held_open)
    assert platform.swap(shadow, live) is False
    monkeypatch.setattr(os, "rename", real_rename)
    assert (live / "index.html").read_text() == "new" and not shadow.exists()
    OutputWriter(live).abort()
    assert not platform.retired_path(live).exists()


def test_a_refused_swap_is_one_line_and_leaves_the_live_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "site", PAGES, SMALL_CONFIG)
    assert run("build", "-C", str(site)).exit_code == 0
    live = tree(site / "public")
    add_files(site, {"content/p1.md": "---\ntitle: Page 1\n---\nEdited.\n"})

    def refused(shadow: Path, target: Path) -> bool:
        raise PermissionError(13, "Access is denied", str(target))

    monkeypatch.setattr(output, "swap", refused)
    fails(site, f"could not swap the new site into {(site / 'public').resolve()} (Access is denied); close "
                "programs that have files of it open and build again")
    assert tree(site / "public") == live
    monkeypatch.undo()
    assert run("build", "-C", str(site)).exit_code == 0
    assert b"Edited." in (site / "public/p1/index.html").read_bytes()


def test_a_swap_killed_between_its_renames_is_put_right_by_the_next_writer(tmp_path: Path) -> None:
    live = write_site(tmp_path / "public", {"index.html": "live", MARKER: MARKER_TEXT}, "")
    os.rename(live, platform.retired_path(live))  # killed after the first of the three renames
    OutputWriter(live).abort()
    assert tree(live) == {"index.html": b"live", "shelfpress.toml": b""}
    platform.retired_path(live).mkdir()  # killed after the second: the previous site is left over
    OutputWriter(live).abort()
    assert not platform.retired_path(live).exists()


def test_incremental_builds_stay_incremental_with_either_swap(tmp_path: Path, mode: str) -> None:
    """The fallback swap keeps the previous site as the shadow: an edit writes one page, not the site."""
    site = write_site(tmp_path / "site", PAGES, SMALL_CONFIG)
    config = load_config(site)
    state = BuildState.for_output(config.cache_path, config.output_path)
    quiet = Reporter(verbosity=0)
    build(config, state=state, reporter=quiet)
    for text in ("First edit.", "Second edit."):
        add_files(site, {"content/p2.md": f"---\ntitle: Page 2\n---\n{text}\n"})
        time.sleep(0.05)
        report = build(config, state=state, reporter=quiet)
        assert report.writes.written == 1 and report.writes.unchanged > 5
        assert state.record.shadow is not None
    shadow = state.shadows.shadow_dir(config.output_path)
    assert b"First edit." in (shadow / "p2/index.html").read_bytes()  # the previous site, kept
    assert b"Second edit." in (site / "public/p2/index.html").read_bytes()


def test_fork_only_on_linux_outside_portable_mode_with_no_other_thread(mode: str, alone: None) -> None:
    assert platform.can_fork() == (mode == "fast" and sys.platform.startswith("linux")
                                   and threading.active_count() == 1)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not platform.can_fork()
    finally:
        stop.set()
        other.join()


def test_free_memory_is_handed_back_only_with_glibc_outside_portable_mode(mode: str) -> None:
    """The dev server calls this after each rebuild; with another C library, or portable, nothing happens."""
    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION") is not None
    except (AttributeError, ValueError, OSError):
        glibc = False
    assert platform.release_free_memory() == (mode == "fast" and sys.platform.startswith("linux") and glibc)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_forked_workers_stop_on_terminate_whatever_handler_the_parent_installed() -> None:
    """A dev server installs a SIGTERM handler; a worker that kept it would ignore `Pool.terminate`, and the
    rebuild thread would wait in the pool's teardown forever (issue 34)."""
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        pool = multiprocessing.get_context("fork").Pool(2, initializer=platform.child_setup,
                                                        initargs=(os.getpid(),))
        pool.map_async(time.sleep, [30, 30])
        time.sleep(0.5)
        started = time.monotonic()
        pool.terminate()
        pool.join()
        assert time.monotonic() - started < 10
        assert Forked(lambda: None if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL else 1 / 0).wait()
    finally:
        signal.signal(signal.SIGTERM, previous)


KILLED_PARENT = """
import os, sys, time
from generator.core.forked import Forked
Forked(lambda: (print(os.getpid(), flush=True), time.sleep(60)))
time.sleep(60)
"""


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped by init, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the only OS where the build forks")
def test_a_forked_child_dies_with_its_killed_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", KILLED_PARENT], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert alive(child)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_portable_mode_runs_without_fcntl(tmp_path: Path) -> None:
    """Nothing shelfpress runs imports fcntl in portable mode (as on Windows, where there is none)."""
    env = python_env("portable")
    blocked = subprocess.run([sys.executable, "-c", "import fcntl"], env=env, capture_output=True, text=True)
    assert blocked.returncode == 1 and "ModuleNotFoundError" in blocked.stderr  # the blocker works
    site = write_site(tmp_path / "site", PAGES, SMALL_CONFIG)
    command = [sys.executable, "-c", "from generator.cli import main; main()", "build", "-C", str(site)]
    for text in ("First.", "Edited."):  # the second build reuses the shadow the fallback swap kept
        add_files(site, {"content/p3.md": f"---\ntitle: Page 3\n---\n{text}\n"})
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert b"Edited." in (site / "public/p3/index.html").read_bytes()
