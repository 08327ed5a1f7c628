"""The portable fallbacks build the same site as the Linux fast path, byte for byte, and `build()` as a
library call leaves its caller's process as it found it (collector, child processes, threads, signals)."""

from __future__ import annotations

import gc
import multiprocessing
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import generator.engine.output as output
import generator.engine.render_pool as render_pool
from generator.core import platform
from generator.engine.buildstate import BuildState
from generator.commands.build import build
from generator.config.schema import load_config
from generator.core.console import Reporter
from tests.support.sites import BASIC_CONFIG, add_files, portable_env, tree, write_site

ROOT = Path(__file__).resolve().parents[2]
FILES = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome, [about](/about/).\n",
    "content/about.md": "---\ntitle: About\n---\nAbout *us*.\n",
    **{f"content/guides/g{i}.md": f"---\ntitle: Guide {i}\ntags: [lamps]\n---\nGuide {i} text.\n" for i in range(12)},
    "static/css/extra.css": "body { color: black }\n",
}
EDITS = [  # applied in turn, each followed by an incremental build
    {"content/guides/g3.md": "---\ntitle: Guide 3\ntags: [lamps]\n---\nEdited guide text.\n"},
    {"templates/page.html": "{% extends 'base.html' %}{% block main %}<h1>{{ page.title }}</h1>"
                            "<div class=\"edited\">{{ content }}</div>{% endblock %}"},
]


def force_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every forking path of the fast build, on this small site and whatever threads the test run has."""
    monkeypatch.setattr(render_pool, "PARALLEL_MIN", 1)
    monkeypatch.setattr(render_pool, "CHUNK", 4)
    monkeypatch.setattr(render_pool, "workers_available", lambda: 2)
    monkeypatch.setattr(output, "FOLDERS_AHEAD_MIN", 1)
    monkeypatch.setattr(output, "can_fork", lambda: True)


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.portable(),
                    reason="compares with the Linux fast path")
def test_portable_mode_builds_the_same_bytes_as_the_fast_path(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    fast = write_site(tmp_path / "fast", FILES, BASIC_CONFIG)
    slow = write_site(tmp_path / "portable", FILES, BASIC_CONFIG)
    force_parallel(monkeypatch)
    config = load_config(fast)
    state = BuildState.for_output(config.cache_path, config.output_path)
    command = [sys.executable, "-c", "from generator.cli import main; main()", "build", "-q", "-C", str(slow)]
    for edit in [{}, *EDITS]:
        add_files(fast, edit)
        add_files(slow, edit)
        time.sleep(0.05)  # files younger than a few ms are never trusted as unchanged
        build(config, state=state, reporter=Reporter(verbosity=0))
        done = subprocess.run(command, cwd=ROOT, env=portable_env(), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        fast_files, portable_files = tree(fast / "public"), tree(slow / "public")
        assert fast_files.keys() == portable_files.keys()
        assert [key for key in fast_files if fast_files[key] != portable_files[key]] == []
    assert b"Edited guide text." in fast_files["guides/g3/index.html"]


def children() -> set[int]:
    """This process's child processes, zombies included (Linux's /proc; elsewhere multiprocessing's)."""
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return {child.pid for child in multiprocessing.active_children() if child.pid is not None}
    return {int(pid) for task in tasks.iterdir() for pid in (task / "children").read_text().split()}


def test_build_as_a_library_call_leaves_the_process_as_it_found_it(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "site", FILES, BASIC_CONFIG)
    if not platform.portable():
        force_parallel(monkeypatch)  # forked workers, a folder maker and a forked sweeper (the --clean build)
    config = load_config(site)
    handlers = {signal.SIGINT: lambda *_: None, signal.SIGTERM: lambda *_: None}
    previous = {number: signal.signal(number, handler) for number, handler in handlers.items()}
    threads, before = threading.active_count(), children()
    try:
        for collector_enabled in (True, False):
            (gc.enable if collector_enabled else gc.disable)()
            for clean in (False, True):
                add_files(site, {"content/about.md": f"---\ntitle: About\n---\n{clean} {collector_enabled}\n"})
                time.sleep(0.05)
                build(config, clean=clean, reporter=Reporter(verbosity=0))
                assert gc.isenabled() == collector_enabled
                assert gc.get_freeze_count() == 0  # the build's objects are freed once the caller drops them
                assert multiprocessing.active_children() == []
                assert children() <= before  # none left, not even one waiting to be reaped
                assert threading.active_count() == threads
                assert {number: signal.getsignal(number) for number in handlers} == handlers
    finally:
        gc.enable()
        for number, handler in previous.items():
            signal.signal(number, handler)
    assert b"True False" in (site / "public/about/index.html").read_bytes()
