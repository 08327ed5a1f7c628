"""End-to-end builds of scratch sites through the CLI: routing, links, themes, output guarantees."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.support.sites import BASIC_CONFIG, NO_SHOP_NO_SEARCH, SMALL_CONFIG, add_files, run, tree, write_site

PAGES = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome [about](about/).\n",
    "content/about.md": "---\ntitle: About us\n---\nAbout text.\n",
    "content/guides/index.md": "---\ntitle: Guides\n---\nAll guides.\n",
    "content/guides/lamps.md": "---\ntitle: Lamps\nslug: choosing-lamps\n---\n# Lamps\n",
    "content/news/first.md": "---\ntitle: First news\ndate: 2026-01-02\n---\nHello\n",
    "content/news/draft.md": "---\ntitle: Draft\ndraft: true\n---\nSecret\n",
    "static/img/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", PAGES, SMALL_CONFIG)


@pytest.fixture
def shop_site(tmp_path: Path) -> Path:
    """The same pages with the demo shop's category and product pages and the search page: for the checks
    that hold for every page a build writes."""
    return write_site(tmp_path / "shop", PAGES, BASIC_CONFIG)


def build(site: Path, *extra: str) -> None:
    result = run("build", "-C", str(site), *extra)
    assert result.exit_code == 0, result.output


def test_routing_follows_content_tree(site: Path) -> None:
    build(site)
    out = tree(site / "public")
    for path in ["index.html", "about/index.html", "guides/index.html", "guides/choosing-lamps/index.html",
                 "news/first/index.html", "news/index.html", "404.html", "sitemap.xml", "robots.txt",
                 "css/style.css", "img/logo.svg"]:
        assert path in out, path
    assert "news/draft/index.html" not in out
    section = out["guides/index.html"].decode()
    assert "/repo/guides/choosing-lamps/" in section  # a section lists its pages
    assert "Lamps" in section


def test_drafts_flag_includes_drafts(site: Path) -> None:
    build(site, "--drafts")
    assert (site / "public/news/draft/index.html").is_file()


def test_every_link_honours_base_path(shop_site: Path) -> None:
    site = shop_site
    build(site)
    for rel, body in tree(site / "public").items():
        if not rel.endswith(".html"):
            continue
        for link in re.findall(r'(?:href|src)="([^"]+)"', body.decode()):
            if link.startswith(("#", "https://user.github.io/repo/", "about/")):
                continue
            if link.startswith(("http://", "https://")):
                assert "user.github.io" not in link, f"{rel}: {link}"  # product/CDN links are external
                continue
            assert link.startswith("/repo/"), f"{rel}: {link}"
    sitemap = (site / "public/sitemap.xml").read_text()
    assert "<loc>https://user.github.io/repo/guides/choosing-lamps/</loc>" in sitemap
    assert "draft" not in sitemap
    assert "Sitemap: https://user.github.io/repo/sitemap.xml" in (site / "public/robots.txt").read_text()


def test_site_templates_override_theme(site: Path) -> None:
    write_site(site, {"templates/page.html": "OVERRIDE {{ page.title }}",
                      "themes/mine/templates/section.html": "THEME SECTION {{ page.title }}"},
               config='title = "T"\nbase_url = "https://x.org/"\ntheme = "mine"\n' + NO_SHOP_NO_SEARCH)
    build(site)
    assert (site / "public/about/index.html").read_text() == "OVERRIDE About us"
    assert (site / "public/guides/index.html").read_text() == "THEME SECTION Guides"
    # templates the site theme lacks fall back to the built-in default theme
    assert "Page not found" in (site / "public/404.html").read_text()


def test_site_static_wins_over_theme_static(site: Path) -> None:
    write_site(site, {"static/css/style.css": "body{color:red}", "themes/mine/static/css/extra.css": "x{}",
                      "themes/mine/static/img/logo.svg": "theme logo"},
               config='title = "T"\nbase_url = "https://x.org/"\ntheme = "mine"\n' + NO_SHOP_NO_SEARCH)
    build(site)
    assert (site / "public/css/style.css").read_text() == "body{color:red}"
    assert (site / "public/css/extra.css").read_text() == "x{}"
    assert (site / "public/img/logo.svg").read_text() == PAGES["static/img/logo.svg"]


def test_unchanged_files_keep_their_mtime_and_changed_ones_are_rewritten(site: Path) -> None:
    build(site)
    about, home = site / "public/about/index.html", site / "public/index.html"
    old = about.stat().st_mtime_ns
    os.utime(about, ns=(old - 10**9, old - 10**9))
    before = about.stat().st_mtime_ns
    (site / "content/index.md").write_text("---\ntitle: Home\n---\nChanged.\n")
    mtimes = {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*") if p.is_file()}
    run("build", "-C", str(site))
    rewritten = {p.relative_to(site / "public").as_posix() for p, t in mtimes.items()
                 if p.exists() and p.stat().st_mtime_ns != t}
    assert {rel for rel in rewritten if not rel.startswith("pagefind/")} == {"index.html"}  # + the search index
    assert about.stat().st_mtime_ns == before
    assert "Changed." in home.read_text()


def test_removed_pages_disappear(site: Path) -> None:
    build(site)
    (site / "content/about.md").unlink()
    result = run("build", "-C", str(site))
    assert not (site / "public/about/index.html").exists()
    assert "removed" in result.output and "0 removed" not in result.output


def test_builds_are_deterministic(shop_site: Path, tmp_path: Path) -> None:
    build(shop_site, "--output", str(tmp_path / "a"))
    build(shop_site, "--output", str(tmp_path / "b"))
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_failed_build_leaves_previous_output_untouched(site: Path) -> None:
    build(site)
    before = tree(site / "public")
    # The last page alphabetically breaks, so earlier pages have already been rendered.
    (site / "content/zz.md").write_text("---\ntitle: Broken\n---\n{{< nope >}}\n")
    result = run("build", "-C", str(site))
    assert result.exit_code == 1
    assert tree(site / "public") == before
    assert not list(site.glob(".public*"))  # nothing left beside the output


def test_alias_pages_redirect(site: Path) -> None:
    add_files(site, {"content/about.md": "---\ntitle: About us\naliases: [/old-about/]\n---\nx\n"})
    build(site)
    alias = (site / "public/old-about/index.html").read_text()
    assert 'url=/repo/about/' in alias and 'rel="canonical"' in alias


def test_shortcodes_render_through_theme_templates(site: Path) -> None:
    add_files(site, {"content/sc.md": '---\ntitle: SC\n---\n{{< callout type="warning" title="Heads up" >}}'
                                      "Be **careful**{{< /callout >}}\n\n"
                                      '{{< figure src="/img/logo.svg" alt="Logo" caption="Cap" >}}\n\n'
                                      "```\n{{< notashortcode >}}\n```\n"})
    build(site)
    html = (site / "public/sc/index.html").read_text()
    assert 'class="callout callout-warning"' in html and "<strong>careful</strong>" in html
    assert 'src="/repo/img/logo.svg"' in html and "<figcaption>Cap</figcaption>" in html
    assert "{{&lt; notashortcode &gt;}}" in html  # left alone inside a code fence


def test_compiled_templates_are_reused_and_follow_edits(tmp_path: Path) -> None:
    """The bytecode cache in the cache dir: a second build loads compiled templates; an edited template
    (same name, same path) is compiled again, and its errors still name the site's file and line."""
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\nHi.\n",
                                          "templates/section.html": "ONE {{ page.title }}\n"}, SMALL_CONFIG)
    assert run("build", "-C", str(site)).exit_code == 0
    compiled = list((site / ".shelfpress-cache/templates").iterdir())
    assert compiled and (site / "public/index.html").read_text() == "ONE Home\n"
    (site / "templates/section.html").write_text("TWO {{ page.title }}\n{{ nope(1) }}\n")
    result = run("build", "-C", str(site))
    assert result.exit_code == 1 and "templates/section.html:2" in result.output
    (site / "templates/section.html").write_text("TWO {{ page.title }}\n")
    assert run("build", "-C", str(site)).exit_code == 0
    assert (site / "public/index.html").read_text() == "TWO Home\n"
