"""Incremental builds: what a rebuild renders, keeps and rewrites (generator/engine/buildstate.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.engine import planner, template_reads
from generator.engine.buildstate import BuildState
from generator.commands.build import BuildReport, build
from generator.commands.serve import serving_build
from generator.config.schema import load_config
from generator.core.console import Reporter
from generator.core.errors import ContentError
from tests.support.sites import BASIC_CONFIG, add_files, tree, write_site

PAGES = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
    "content/about.md": "---\ntitle: About\n---\nAbout text.\n",
    "content/guides/index.md": "---\ntitle: Guides\n---\nAll guides.\n",
    "content/guides/lamps.md": "---\ntitle: Lamps\n---\nLamp text.\n",
    "content/guides/chairs.md": "---\ntitle: Chairs\n---\nChair text.\n",
    "content/news/first.md": "---\ntitle: First\n---\nNews.\n",
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    # No search index here: Pagefind's bundle changes with every edit and would blur the counts.
    return write_site(tmp_path / "site", PAGES, config=BASIC_CONFIG + "search = false\n")


def rebuild(site: Path, **options: bool) -> tuple[BuildReport, list[str]]:
    config = load_config(site)
    state = BuildState.for_output(config.cache_path, config.output_path)
    report = build(config, state=state, reporter=Reporter(verbosity=0), **options)
    return report, state.plan.rendered


def touch_later(path: Path, text: str) -> None:
    """Write `text` and move the mtime well past the last build, as a real edit would."""
    path.write_text(text)
    later = path.stat().st_mtime_ns + 10**9
    os.utime(path, ns=(later, later))


def test_no_change_rebuild_renders_and_rewrites_nothing(site: Path) -> None:
    first, rendered = rebuild(site)
    assert first.writes.written == len(tree(site / "public")) and len(rendered) == first.pages
    mtimes = {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*") if p.is_file()}
    again, rendered = rebuild(site)
    assert rendered == [] and again.writes.written == 0 and again.writes.removed == 0
    assert {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*") if p.is_file()} == mtimes


def test_editing_a_pages_text_renders_it_alone(site: Path) -> None:
    rebuild(site)
    touch_later(site / "content/guides/lamps.md", "---\ntitle: Lamps\n---\nNew lamp text.\n")
    report, rendered = rebuild(site)
    assert rendered == ["guides/lamps/index.html"]  # its section shows its title, which did not change
    assert report.writes.written == 1
    assert "New lamp text." in (site / "public/guides/lamps/index.html").read_text()


def test_retitling_a_page_updates_the_section_listing(site: Path) -> None:
    rebuild(site)
    touch_later(site / "content/guides/lamps.md", "---\ntitle: Best lamps\n---\nLamp text.\n")
    rebuild(site)
    assert "Best lamps" in (site / "public/guides/index.html").read_text()


def test_template_change_renders_the_pages_that_use_it(site: Path) -> None:
    rebuild(site)
    add_files(site, {"templates/page.html": "PAGE {{ page.title }}"})
    report, rendered = rebuild(site)
    assert (site / "public/about/index.html").read_text() == "PAGE About"
    assert report.writes.written == 4  # the four pages using page.html; sections render to the same bytes


def test_config_change_renders_everything(site: Path) -> None:
    first, _ = rebuild(site)
    (site / "shelfpress.toml").write_text((site / "shelfpress.toml").read_text().replace("Test site", "Renamed"))
    report, rendered = rebuild(site)
    assert len(rendered) == first.pages
    assert "Renamed" in (site / "public/about/index.html").read_text()


def test_added_and_removed_pages(site: Path) -> None:
    rebuild(site)
    (site / "content/news/first.md").unlink()
    add_files(site, {"content/news/second.md": "---\ntitle: Second\n---\nx\n"})
    report, rendered = rebuild(site)
    assert not (site / "public/news/first").exists()
    assert "Second" in (site / "public/news/index.html").read_text()
    assert "news/second/index.html" in rendered and report.writes.removed == 1


def test_clean_ignores_the_state(site: Path) -> None:
    first, _ = rebuild(site)
    _, rendered = rebuild(site, clean=True)
    assert len(rendered) == first.pages


@pytest.mark.parametrize("chunk", [planner.PRESENCE_CHUNK, 1])
def test_deleted_output_file_is_rendered_again(site: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Also when the live files are checked by several threads (a big site's: here one file per thread)."""
    monkeypatch.setattr(planner, "PRESENCE_CHUNK", chunk)
    rebuild(site)
    assert rebuild(site)[0].nothing_changed
    (site / "public/about/index.html").unlink()
    _, rendered = rebuild(site)
    assert rendered == ["about/index.html"] and (site / "public/about/index.html").is_file()


def test_failed_rebuild_keeps_output_and_state(site: Path) -> None:
    rebuild(site)
    before = tree(site / "public")
    touch_later(site / "content/about.md", "---\ntitle: About\n---\n{{< nope >}}\n")
    with pytest.raises(Exception, match="nope"):
        rebuild(site)
    assert tree(site / "public") == before
    touch_later(site / "content/about.md", "---\ntitle: About\n---\nFixed.\n")
    _, rendered = rebuild(site)
    assert rendered == ["about/index.html"]  # the home page lists its title, which did not change


def test_same_output_as_a_clean_build(site: Path, tmp_path: Path) -> None:
    rebuild(site)
    touch_later(site / "content/guides/chairs.md", "---\ntitle: Chairs\nweight: -1\n---\nFirst now.\n")
    rebuild(site)
    config = load_config(site)
    build(config, output=tmp_path / "clean", clean=True, reporter=Reporter(verbosity=0))
    assert tree(site / "public") == tree(tmp_path / "clean")


def test_dev_server_rebuilds_trust_the_watcher_for_unchanged_files_only(site: Path, tmp_path: Path) -> None:
    """With the watcher's changed paths, a serving rebuild checks only those files again; an added, removed
    or retyped file makes it list content/ anew; the output always equals a clean build's."""
    config = load_config(site)
    state = BuildState(config.output_path)

    def serve_build(*changed: str) -> None:
        serving_build(config, config.output_path, state, set(changed), drafts=False, reporter=Reporter(verbosity=0))
        clean = tmp_path / "clean"
        build(load_config(site), clean=True, output=clean, reporter=Reporter(verbosity=0))
        assert tree(site / "public") == tree(clean)

    serve_build()
    touch_later(site / "content/about.md", "---\ntitle: About us\n---\nNew text.\n")
    serve_build("content/about.md")
    assert b"New text." in (site / "public/about/index.html").read_bytes()
    touch_later(site / "content/guides/desks.md", "---\ntitle: Desks\n---\nDesk text.\n")
    serve_build("content/guides/desks.md")
    assert (site / "public/guides/desks/index.html").is_file()
    (site / "content/news/first.md").unlink()
    serve_build("content/news/first.md")
    assert not (site / "public/news/first/index.html").exists()
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: Secret\n---\nPrivate.\n")
    (site / "content/about.md").unlink()
    (site / "content/about.md").symlink_to(secret)
    with pytest.raises(ContentError, match="leads outside the site"):
        serving_build(config, config.output_path, state, {"content/about.md"}, drafts=False,
                      reporter=Reporter(verbosity=0))
    (site / "content/about.md").unlink()
    touch_later(site / "content/about.md", "---\ntitle: About\n---\nBack.\n")
    serve_build("content/about.md")  # the failed load left no listing behind: content/ is walked again
    assert b"Back." in (site / "public/about/index.html").read_bytes()


def test_a_template_is_parsed_for_what_it_reads_only_when_its_source_changed(
        site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the templates read of other pages is remembered by their sources' digests in the build record:
    a later build (another process) parses only a template whose text changed, and an edit that makes a
    template read the pages' text still counts."""
    parsed: list[str] = []

    def counting(source: str) -> tuple[bool, bool]:
        parsed.append(source)
        return real(source)
    real = template_reads._reads.__wrapped__
    monkeypatch.setattr(template_reads, "_reads", counting)
    rebuild(site)
    assert parsed  # the theme's templates, read once (the base template has <body>)
    parsed.clear()
    touch_later(site / "content/about.md", "---\ntitle: About\n---\nOther text.\n")
    rebuild(site)
    assert parsed == []
    footer = site / "templates/partials/footer.html"
    footer.parent.mkdir(parents=True)
    touch_later(footer, "{% if false %}{{ page.body }}{% endif %}")
    rebuild(site)
    assert parsed == [footer.read_text()]
    parsed.clear()
    touch_later(site / "content/guides/lamps.md", "---\ntitle: Lamps\n---\nNew lamp text.\n")
    _, rendered = rebuild(site)
    assert parsed == [] and "guides/index.html" in rendered  # remembered: a page's text is read now
