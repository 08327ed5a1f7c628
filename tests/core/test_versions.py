"""Library upgrades rebuild what they change (issue 28, item 6; generator/core/versions.py).

The build key holds the versions of Python, shelfpress and the libraries whose output lands in pages. A
test reports a different Markdown version (and makes Markdown's output differ, as an upgrade would) between
two builds: the second build renders again, and its output equals a clean build's.
"""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from generator.core import versions
from generator.engine.buildstate import BuildState
from generator.commands.build import build
from generator.config.schema import load_config
from generator.core.console import Reporter
from tests.support.sites import SMALL_CONFIG, tree, write_site

PAGES = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome *home*.\n",
    "content/guides/index.md": "---\ntitle: Guides\n---\nAll guides.\n",
    "content/guides/lamps.md": "---\ntitle: Lamps\n---\n# Lamps\n\nA **bright** guide.\n",
}


def incremental(site: Path) -> tuple[str, list[str]]:
    config = load_config(site)
    state = BuildState.for_output(config.cache_path, config.output_path)
    report = build(config, state=state, reporter=Reporter(verbosity=0))
    return report.summary(), state.plan.rendered


def report_version(monkeypatch: pytest.MonkeyPatch, distribution: str, version: str) -> None:
    """Make `versions.installed` report `version` for `distribution` (as after `pip install -U`)."""
    real = versions.installed
    monkeypatch.setattr(versions, "installed", lambda name: version if name == distribution else real(name))
    versions.build_software.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_versions():
    versions.build_software.cache_clear()
    yield
    versions.build_software.cache_clear()


def test_build_software_names_python_shelfpress_and_each_library() -> None:
    software = versions.build_software()
    for name in ("python=", "shelfpress=", *(f"{lib}=" for lib in versions.LIBRARIES)):
        assert name in software
    assert f"jinja2={versions.installed('jinja2')}" in software


def test_version_tuple_reads_leading_numbers() -> None:
    assert versions.version_tuple("3.1.6") == (3, 1, 6)
    assert versions.version_tuple("3.2.0rc1") == (3, 2, 0)
    assert versions.version_tuple("2") == (2,)
    assert versions.version_tuple(None) == ()


def test_a_markdown_upgrade_rebuilds_its_pages_and_equals_a_clean_build(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "site", PAGES, config=SMALL_CONFIG)
    incremental(site)
    before = tree(site / "public")

    real_convert = markdown.Markdown.convert
    monkeypatch.setattr(markdown.Markdown, "convert",
                        lambda self, source: real_convert(self, source).replace("<strong>", "<strong class=new>"))
    report_version(monkeypatch, "markdown", "99.0")
    summary, rendered = incremental(site)

    assert "Nothing changed" not in summary
    assert "guides/lamps/index.html" in rendered
    after = tree(site / "public")
    assert b"<strong class=new>bright" in after["guides/lamps/index.html"]
    assert after != before
    build(load_config(site), clean=True, output=tmp_path / "clean", reporter=Reporter(verbosity=0))
    assert after == tree(tmp_path / "clean")


def test_the_same_versions_keep_every_page(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", PAGES, config=SMALL_CONFIG)
    incremental(site)
    versions.build_software.cache_clear()
    _, rendered = incremental(site)
    assert rendered == []


def test_a_pagefind_upgrade_indexes_anew_even_when_no_page_changed(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.publish import search

    site = write_site(tmp_path / "site", PAGES, config=SMALL_CONFIG.replace("search = false\n", ""))
    incremental(site)
    assert (site / "public" / "pagefind" / "pagefind-entry.json").is_file()

    real_index = search._index

    def upgraded(site_dir: Path, bundle: Path, cancelled=None) -> None:  # the next release writes one more file
        real_index(site_dir, bundle, cancelled)
        (bundle / "upgraded.txt").write_text("pagefind 99\n")

    monkeypatch.setattr(search, "_index", upgraded)
    report_version(monkeypatch, "pagefind_bin", "99.0.0")
    incremental(site)
    after = tree(site / "public")
    assert "pagefind/upgraded.txt" in after
    build(load_config(site), clean=True, output=tmp_path / "clean", reporter=Reporter(verbosity=0))
    assert after == tree(tmp_path / "clean")
