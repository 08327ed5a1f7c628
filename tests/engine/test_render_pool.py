"""Tests for generator/engine/render_pool.py: a page that fails to render fails the build with that page's error,
the first failing page's as in one process, whether pages settle in this process, in forked workers or in
spawned ones; the live site is left as it was, and so is the next build's view of it."""

from __future__ import annotations

from pathlib import Path

import pytest

import generator.engine.render_pool as render_pool
import generator.engine.spawn_pool as spawn_pool
from generator.core.platform import PORTABLE_ENV, can_fork
from generator.engine.buildstate import BuildState
from generator.commands.build import build
from generator.config.schema import load_config
from generator.core.console import Reporter
from generator.core.errors import ShelfpressError
from generator.engine.output import INCOMPLETE
from tests.support.sites import SMALL_CONFIG, add_files, tree, write_site

PAGES = {f"content/p{i}.md": f"---\ntitle: Page {i}\n---\nText {i}.\n" for i in range(1, 10)}
# Fails for pages 4 and 7 only (in different chunks of two), at run time: 1 // 0 is not folded by Jinja.
FAILING = '{% extends "base.html" %}{% block main %}{{ page.title }}' \
          '{% if page.title in ("Page 4", "Page 7") %}{{ 1 // 0 }}{% endif %}{% endblock %}'


def build_site(site: Path) -> None:
    config = load_config(site)
    build(config, state=BuildState.for_output(config.cache_path, config.output_path), reporter=Reporter(verbosity=0))


@pytest.mark.parametrize("workers", [1, 2, 3], ids=["one process", "forked workers", "spawned workers"])
def test_a_failing_page_fails_the_build_with_its_error_and_leaves_the_live_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, alone: None) -> None:
    if workers == 2 and not can_fork():
        pytest.skip("this system (or portable mode) does not fork")
    if workers == 3:  # two of them, spawned: as on macOS and Windows
        workers = 2
        monkeypatch.setenv(PORTABLE_ENV, "1")
        monkeypatch.setattr(spawn_pool, "SPAWN_MIN", 1)
    monkeypatch.setattr(render_pool, "PARALLEL_MIN", 1)
    monkeypatch.setattr(render_pool, "CHUNK", 2)
    monkeypatch.setattr(render_pool, "workers_available", lambda: workers)
    settled_in = []
    real_settle = render_pool._settle_in_workers
    monkeypatch.setattr(render_pool, "_settle_in_workers",
                        lambda *args: settled_in.append("workers") or real_settle(*args))
    site = write_site(tmp_path / "site", PAGES, config=SMALL_CONFIG)
    build_site(site)
    add_files(site, {"content/extra/a.md": "---\ntitle: A\n---\n"})  # in no menu: the p pages stay as they are
    build_site(site)  # the first build to swap: from now on the shadow holds the previous site, and is trusted
    public = site / "public"
    live = tree(public)
    assert b"Text 4." in live["p4/index.html"]

    add_files(site, {"templates/page.html": FAILING})  # every page renders again, two of them fail
    settled_in.clear()
    with pytest.raises(ShelfpressError, match=r"error rendering content/p4\.md: integer division") as failed:
        build_site(site)
    assert "p7" not in str(failed.value)  # the first failing page's error, as one process raises it
    assert settled_in == (["workers"] if workers == 2 else [])
    assert tree(public) == live
    assert not (public / INCOMPLETE).exists()

    # Back to the template of the live site, plus a new page: the next build keeps p1-p9 as they are live,
    # not as the failed build left them in the shadow (the workers' writes were never accounted for).
    (site / "templates/page.html").unlink()
    add_files(site, {"content/extra/b.md": "---\ntitle: B\n---\n"})
    build_site(site)
    after = tree(public)
    assert {key: after[key] for key in live if key.startswith("p")} == {k: v for k, v in live.items()
                                                                       if k.startswith("p")}
    assert "extra/b/index.html" in after
