"""Tests for generator/engine/spawn_pool.py: spawned render workers build the very bytes of one process and
of forked workers (product pages, cards, signed links included), leave no process behind in the caller,
and never outlive a build that is killed mid-render."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import generator.engine.render_pool as render_pool
import generator.engine.spawn_pool as spawn_pool
from generator.commands.build import build
from generator.config.schema import load_config
from generator.core import platform
from generator.core.console import Reporter
from generator.engine.buildstate import BuildState
from tests.support.sites import BASIC_CONFIG, add_files, portable_env, tree, write_site

ROOT = Path(__file__).resolve().parents[2]
# The demo shop (BASIC_CONFIG): product pages with cards, related products and signed links, plus guides.
FILES = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome, [about](about.md).\n",
    "content/about.md": "---\ntitle: About\n---\nAbout *us*.\n\n{{< products query=\"lampa\" limit=3 >}}\n",
    **{f"content/guides/g{i}.md": f"---\ntitle: Guide {i}\ntags: [lamps]\n---\nGuide {i} text.\n" for i in range(9)},
}
CONFIG = BASIC_CONFIG + 'search = false\n[links]\nchannel = "site"\nsecret_env = "LINKS_SECRET_TEST"\n'
EDIT = {"content/guides/g3.md": "---\ntitle: Guide 3\ntags: [lamps]\n---\nEdited guide text.\n"}


def build_with(site: Path, monkeypatch: pytest.MonkeyPatch, workers: str) -> list[str]:
    """Build `site` (cold, then after EDIT) with `workers` ("serial", "spawn", "fork"); the ways used."""
    used: list[str] = []
    real = render_pool._workers_for
    with monkeypatch.context() as patch:
        patch.setenv("LINKS_SECRET_TEST", "s3cret")
        if workers != "fork":
            patch.setenv(platform.PORTABLE_ENV, "1")
        patch.setattr(render_pool, "CHUNK", 4)
        patch.setattr(render_pool, "PARALLEL_MIN", 1)
        patch.setattr(render_pool, "workers_available", lambda: 2)
        patch.setattr(spawn_pool, "SPAWN_MIN", 10**9 if workers == "serial" else 1)
        patch.setattr(render_pool, "_workers_for", lambda count: used.append(real(count)) or used[-1])
        config = load_config(site)
        for edit in ({}, EDIT):
            add_files(site, edit)
            time.sleep(0.05)  # files younger than a few ms are never trusted as unchanged
            build(config, state=BuildState.for_output(config.cache_path, config.output_path), reporter=Reporter(verbosity=0))
    return used


def children() -> set[int]:
    """This process's child processes (Linux's /proc)."""
    return {int(pid) for task in Path("/proc/self/task").iterdir() for pid in (task / "children").read_text().split()}


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.portable(),
                    reason="compares with forked workers, which only Linux has")
def test_spawned_workers_build_the_same_bytes_as_one_process_and_forked_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alone: None) -> None:
    sites = {way: write_site(tmp_path / way, FILES, CONFIG) for way in ("serial", "spawn", "fork")}
    before = children()
    used = {way: build_with(site, monkeypatch, way) for way, site in sites.items()}
    assert used == {"serial": ["serial", "serial"], "spawn": ["spawn", "spawn"], "fork": ["fork", "fork"]}
    assert children() <= before  # no worker, and no resource tracker, left behind in the caller
    outputs = {way: tree(site / "public") for way, site in sites.items()}
    assert outputs["serial"].keys() == outputs["spawn"].keys() == outputs["fork"].keys()
    assert [key for key in outputs["serial"] if outputs["spawn"][key] != outputs["serial"][key]] == []
    assert [key for key in outputs["serial"] if outputs["fork"][key] != outputs["serial"][key]] == []
    product_pages = [key for key in outputs["spawn"] if key.startswith("p/") and key.endswith(".html")]
    assert len(product_pages) > 20
    assert all(b"partnerdata=" in outputs["spawn"][key] for key in product_pages)  # signed in the workers too
    assert b"Edited guide text." in outputs["spawn"]["guides/g3/index.html"]


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids = {int(child) for child in (task / "children").read_text().split()}
            except OSError:
                continue
            todo.extend(kids - found)
            found |= kids
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


SLOW_PAGE = ('{% extends "base.html" %}{% block main %}{{ page.title }}'
             '{% for i in range(2000000) %}{% endfor %}{% endblock %}')  # a second or more a page
# A build whose every page goes to spawned workers, two pages a chunk.
SPAWNING_BUILD = ("import generator.engine.render_pool as r, generator.engine.spawn_pool as s\n"
                  "r.CHUNK = 2; r.workers_available = lambda: 2; s.SPAWN_MIN = 1\n"
                  "from generator.cli import main; main()")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")
def test_a_killed_build_leaves_no_spawned_worker_alive(tmp_path: Path) -> None:
    pages = {f"content/p{i}.md": f"---\ntitle: Page {i}\n---\nText {i}.\n" for i in range(12)}
    site = write_site(tmp_path / "site", {**pages, "templates/page.html": SLOW_PAGE},
                      BASIC_CONFIG + "search = false\ncategories.enabled = false\n")
    build_process = subprocess.Popen([sys.executable, "-c", SPAWNING_BUILD, "build", "-q", "-C", str(site)],
                                     cwd=ROOT, env=portable_env(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        shadow_pages: list[Path] = []
        while not shadow_pages and time.monotonic() < deadline and build_process.poll() is None:
            time.sleep(0.05)  # until the workers have put a page into the shadow tree: mid-render
            shadow_pages = list(tmp_path.glob("site/**/p*/index.html"))
        workers = descendants(build_process.pid)
        assert build_process.poll() is None, build_process.stderr.read() if build_process.stderr else ""
        assert len(workers) >= 2 and shadow_pages
    finally:
        os.kill(build_process.pid, signal.SIGKILL)
        build_process.wait()
    deadline = time.monotonic() + 0.75  # well before a worker would finish the page it is on
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [pid for pid in workers if alive(pid)] == []
    assert not (site / "public").exists()  # the build never got to swap


def _refuse() -> None:
    raise ValueError("cannot be rebuilt here")


class Unloadable:
    """Pickles, and fails to unpickle (in a worker)."""

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return _refuse, ()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")
def test_a_worker_that_cannot_start_fails_the_build_at_once_and_leaves_the_live_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "site", FILES, CONFIG)
    build_with(site, monkeypatch, "serial")
    live = tree(site / "public")
    monkeypatch.setattr(spawn_pool, "job_bytes", lambda *args: pickle.dumps(Unloadable()))
    add_files(site, {"content/about.md": "---\ntitle: About\n---\nChanged.\n"})
    before = children()
    with pytest.raises(RuntimeError, match="a render worker could not start: ValueError: cannot be rebuilt here"):
        build_with(site, monkeypatch, "spawn")
    assert children() <= before
    assert tree(site / "public") == live
