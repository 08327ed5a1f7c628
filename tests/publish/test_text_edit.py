"""Tests for generator/publish/text_edit.py: the dev server's short way for text-only edits, never stale."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.engine.buildstate import BuildState
from generator.commands.build import BuildReport, refresh_search_index
from generator.commands.serve import serving_build
from generator.config.schema import load_config
from generator.core.console import Reporter
from generator.core.errors import ContentError
from tests.support.sites import tree
from tests.site.test_incremental import (PROP_CONFIG, PROP_IDS, PROP_PAGES, apply_edit, assert_same_tree, clean_tree,
                                    edits, make_shop, prop_product, upsert, write)
from tests.site.test_incremental import write_site


class DevServer:
    """Serving builds of one site with one in-memory state, told what changed as the watcher would."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.state = BuildState(load_config(site).output_path)
        self.files = self._snapshot()
        self.report = self._build(None)

    def _build(self, changed: set[str] | None) -> BuildReport:
        config = load_config(self.site)
        return serving_build(config, config.output_path, self.state, changed, drafts=False,
                             reporter=Reporter(verbosity=0))

    def _snapshot(self) -> dict[str, tuple[int, int, bytes]]:
        found = {}
        for folder, dirs, names in os.walk(self.site):
            dirs[:] = [d for d in dirs if d != "public" and not d.startswith(".")]  # output, shadow, cache
            for name in names:
                if name.endswith(("-wal", "-shm")) or name.startswith("."):
                    continue  # SQLite's side files, the output's lock: the dev server watches neither
                path = Path(folder, name)
                stat = path.stat()
                found[str(path.relative_to(self.site))] = (stat.st_mtime_ns, stat.st_size, path.read_bytes())
        return found

    def rebuild(self) -> BuildReport:
        """Build after whatever changed on disk since the last build (the watcher's changed paths)."""
        now = self._snapshot()
        changed = {rel for rel in now.keys() | self.files.keys() if now.get(rel) != self.files.get(rel)}
        self.files = now
        self.report = self._build(changed)
        if self.report.search_stale:  # what the dev server does once the edits pause
            refresh_search_index(load_config(self.site), state=self.state, reporter=Reporter(verbosity=0))
        return self.report

    @property
    def graph(self) -> object:
        assert self.state.last is not None
        return self.state.last.site


def assert_like_a_clean_build(site: Path, out: Path) -> None:
    assert_same_tree(tree(site / "public"), clean_tree(site, out))


def test_a_text_edit_renders_that_page_alone_from_the_last_site_graph(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    server = DevServer(site)
    graph = server.graph
    write(site / "content/tips.md", '---\ntitle: Tips\n---\nOur *new* picks:\n\n{{< products query="lamp" limit=20 >}}\n')
    report = server.rebuild()
    assert server.graph is graph and report.rendered == 1 and report.writes.written == 1
    assert b"<em>new</em> picks" in (site / "public/tips/index.html").read_bytes()
    assert b"Juno Brass Lamp" in (site / "public/tips/index.html").read_bytes()  # the shortcode's products
    assert_like_a_clean_build(site, tmp_path / "clean")
    write(site / "content/about.md", "---\ntitle: About\n---\nAbout us, again.\n")
    write(site / "content/index.md", "---\ntitle: Home\n---\nWelcome back.\n")
    assert server.rebuild().rendered == 2 and server.graph is graph
    assert_like_a_clean_build(site, tmp_path / "clean")


@pytest.mark.parametrize("edit", [
    pytest.param(lambda site: write(site / "content/about.md", "---\ntitle: About us\n---\nAbout us.\n"), id="title"),
    pytest.param(lambda site: write(site / "content/tips.md", '---\ntitle: Tips\n---\n{{< products query="chair" >}}\n'),
                 id="shortcode query"),
    pytest.param(lambda site: write(site / "content/about.md", "---\ntitle: About\nweight: 3\n---\nAbout us.\n"),
                 id="front matter"),
    pytest.param(lambda site: write(site / "content/new.md", "---\ntitle: New\n---\nNew.\n"), id="new page"),
    pytest.param(lambda site: (site / "content/about.md").unlink(), id="deleted page"),
    pytest.param(lambda site: (write(site / "content/about.md", "---\ntitle: About\n---\nText.\n"),
                               write(site / "templates/page.html", '{% extends "base.html" %}{% block main %}'
                                     '<p>own</p>{{ content }}{% endblock %}')), id="and a template"),
    pytest.param(lambda site: (write(site / "content/about.md", "---\ntitle: About\n---\nText.\n"),
                               upsert(site / "products.sqlite", prop_product(103, 999, 1, True))), id="and a product"),
    pytest.param(lambda site: (write(site / "content/about.md", "---\ntitle: About\n---\nText.\n"),
                               write(site / "shelfpress.toml", (site / "shelfpress.toml").read_text()
                                     .replace('title = "Shop"', 'title = "Butik"'))), id="and the config"),
])
def test_any_other_edit_takes_the_full_way(tmp_path: Path, edit: Any) -> None:
    site = make_shop(tmp_path / "shop")
    server = DevServer(site)
    graph = server.graph
    edit(site)
    server.rebuild()
    assert server.graph is not graph
    assert_like_a_clean_build(site, tmp_path / "clean")


def test_a_theme_that_shows_other_pages_text_takes_the_full_way(tmp_path: Path) -> None:
    """A section template reading its children's bodies shows the edited text on another page."""
    site = make_shop(tmp_path / "shop")
    write(site / "content/guides/one.md", "---\ntitle: One\n---\nFirst guide.\n")
    write(site / "templates/section.html", '{% extends "base.html" %}{% block main %}'
          '{% for c in children %}<p>{{ c.body }}</p>{% endfor %}{% endblock %}')
    server = DevServer(site)
    graph = server.graph
    write(site / "content/guides/one.md", "---\ntitle: One\n---\nEdited guide.\n")
    server.rebuild()
    assert server.graph is not graph and b"Edited guide." in (site / "public/guides/index.html").read_bytes()
    assert_like_a_clean_build(site, tmp_path / "clean")


def test_a_theme_whose_script_reads_the_document_body_keeps_the_short_way(tmp_path: Path) -> None:
    """`document.body` in a template's inline script is output, not a read of another page's text."""
    site = make_shop(tmp_path / "shop")
    write(site / "templates/page.html", '{% extends "base.html" %}{% block main %}{{ content }}'
          '<script>document.body.classList.add("js"); document.querySelector("body");</script>{% endblock %}')
    server = DevServer(site)
    graph = server.graph
    write(site / "content/about.md", "---\ntitle: About\n---\nAbout us, again.\n")
    assert server.rebuild().rendered == 1 and server.graph is graph
    assert b"About us, again." in (site / "public/about/index.html").read_bytes()
    assert_like_a_clean_build(site, tmp_path / "clean")


def test_a_bad_text_edit_fails_like_a_full_build_and_the_site_stays(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    server = DevServer(site)
    before = tree(site / "public")
    write(site / "content/about.md", "---\ntitle: About\n---\n{{< nosuchcode >}}\n")
    with pytest.raises(ContentError, match="unknown shortcode 'nosuchcode'"):
        server.rebuild()
    assert tree(site / "public") == before
    write(site / "content/about.md", "---\ntitle: About\n---\nFixed.\n")
    server.rebuild()
    assert b"Fixed." in (site / "public/about/index.html").read_bytes()
    assert_like_a_clean_build(site, tmp_path / "clean")


text_edits = st.tuples(st.just("text"), st.sampled_from(sorted(PROP_PAGES)), st.integers(0, 3))


def apply_text_edit(site: Path, edit: tuple[Any, ...]) -> None:
    """A new text for one of the starting pages, its front matter and shortcodes kept."""
    _, rel, variant = edit
    front, _, body = PROP_PAGES[rel].partition("---\n")[2].partition("---\n")
    shortcodes = "\n".join(line for line in body.splitlines() if line.startswith("{{<"))
    write(site / rel, f"---\n{front}---\n{['Words.', 'Other *words*.', '', 'Words again.'][variant]}\n\n{shortcodes}\n")


def test_random_dev_server_edit_sequences_build_like_clean_builds(tmp_path: Path) -> None:
    examples = iter(range(10**6))

    @settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.one_of(text_edits, text_edits, text_edits, edits), min_size=1, max_size=6))
    def check(steps: list[tuple[Any, ...]]) -> None:
        root = tmp_path / f"example-{next(examples)}"
        site = write_site(root / "site", PROP_PAGES, config=PROP_CONFIG.format(title="A", per_page=3, related=2))
        upsert(site / "products.sqlite", *(prop_product(pid, 100 + pid % 100, 0, pid % 3 == 0) for pid in PROP_IDS))
        server = DevServer(site)
        for edit in steps:
            (apply_text_edit if edit[0] == "text" else apply_edit)(site, edit)
            server.rebuild()
            assert_same_tree(tree(site / "public"), clean_tree(site, root / "clean"))

    check()
