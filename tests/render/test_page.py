"""Tests for generator/render/page.py: relative links to Markdown files become the linked page's URL, the template
chosen per page, shortcodes rendered through their templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config.schema import load_config
from generator.core.errors import ContentError
from generator.render.page import PageRenderer
from generator.render.environment import make_environment
from generator.content.site import load_site
from tests.support.sites import SMALL_CONFIG, run, write_site

FILES = {
    "content/index.md": "---\ntitle: Start\n---\n[Guide](guider/val.md) [Om](om.md#kontakt) [Abs](/om/)\n",
    "content/om.md": "---\ntitle: Om\n---\n## Kontakt\n[Start](index.md) [Extern](https://example.com/a.md)\n",
    "content/guider/val.md": "---\ntitle: Val\n---\n[Upp](../om.md) [Utanför](../../README.md) [Kod](`x.md`)\n"
                             "\n```\n[i kod](om.md)\n```\n",
}


def build(tmp_path: Path, config: str = SMALL_CONFIG) -> Path:
    site = write_site(tmp_path, FILES, config=config)
    result = run("build", "-C", str(site), "-q")
    assert result.exit_code == 0, result.output
    return site / "public"


def test_markdown_file_links_become_page_urls_with_the_base_path(tmp_path: Path) -> None:
    public = build(tmp_path)
    home = (public / "index.html").read_text(encoding="utf-8")
    assert 'href="/repo/guider/val/"' in home and 'href="/repo/om/#kontakt"' in home and 'href="/repo/om/"' in home
    about = (public / "om" / "index.html").read_text(encoding="utf-8")
    assert 'href="/repo/"' in about and 'href="https://example.com/a.md"' in about
    guide = (public / "guider" / "val" / "index.html").read_text(encoding="utf-8")
    assert 'href="/repo/om/"' in guide
    assert 'href="../../README.md"' in guide  # leaves content/: left as written
    assert "[i kod](om.md)" in guide  # code is text


def test_markdown_file_links_follow_ugly_permalinks(tmp_path: Path) -> None:
    public = build(tmp_path, SMALL_CONFIG + 'permalinks = "ugly"\n')
    assert 'href="/repo/guider/val.html"' in (public / "index.html").read_text(encoding="utf-8")


# -- PageRenderer on its own: template choice, shortcodes, links from a section's index.md -----------

def renderer_for(tmp_path: Path, files: dict[str, str]) -> PageRenderer:
    site = load_site(load_config(write_site(tmp_path / "unit", files, config=SMALL_CONFIG)))
    return PageRenderer(site, make_environment(site.config))


def test_the_template_is_chosen_by_front_matter_then_by_kind(tmp_path: Path) -> None:
    renderer = renderer_for(tmp_path, {
        "content/om.md": "---\ntitle: Om\n---\n",
        "content/kampanj.md": "---\ntitle: Kampanj\ntemplate: landing\n---\n",
        "content/rea.md": "---\ntitle: Rea\ntemplate: landing.html\naliases: [/gammal/]\n---\n",
        "content/guider/val.md": "---\ntitle: Val\n---\n",
        "templates/landing.html": "LANDING {{ page.title }}",
    })
    chosen = {p.url: renderer.template_for(p) for p in renderer.site.pages}
    assert chosen == {"/om/": "page.html", "/kampanj/": "landing.html", "/rea/": "landing.html",
                      "/guider/val/": "page.html", "/guider/": "section.html", "/gammal/": "alias.html",
                      "/": "section.html"}  # the default theme has no home.html
    assert renderer.render(renderer.site.by_url["/kampanj/"]) == b"LANDING Kampanj"

    with_home = renderer_for(tmp_path / "home", {"templates/home.html": "HOME"})
    assert with_home.template_for(with_home.site.by_url["/"]) == "home.html"


def test_a_missing_front_matter_template_is_an_error_naming_the_file(tmp_path: Path) -> None:
    renderer = renderer_for(tmp_path, {"content/om.md": "---\ntitle: Om\ntemplate: landnig\n---\n"})
    with pytest.raises(ContentError, match=r"content/om\.md: template 'landnig\.html' named in front matter "
                                           "does not exist"):
        renderer.check(renderer.site.by_url["/om/"])


def test_shortcodes_render_through_their_templates(tmp_path: Path) -> None:
    renderer = renderer_for(tmp_path, {
        "content/om.md": '---\ntitle: Om\n---\nFöre.\n\n{{< badge tone="hot" >}}**Rea**{{< /badge >}}\n\n'
                         '{{< badge tone="cold" />}}\n',
        "templates/page.html": "{{ content }}",
        "templates/shortcodes/badge.html": '<b class="{{ params.tone }}">{{ inner }}{{ extra }}</b>',
    })
    page = renderer.site.by_url["/om/"]
    page.data["shortcodes"] = {1: {"extra": "from the product stage"}}
    html = renderer.render(page).decode()
    assert '<b class="hot"><p><strong>Rea</strong></p></b>' in html
    assert '<b class="cold">from the product stage</b>' in html
    assert "<p>Före.</p>" in html and "SPSC" not in html


def test_an_unknown_shortcode_is_an_error_at_its_line_and_column(tmp_path: Path) -> None:
    renderer = renderer_for(tmp_path, {"content/om.md": "---\ntitle: Om\n---\nText.\n\n  {{< bagde />}}\n"})
    with pytest.raises(ContentError, match=r"content/om\.md:6:3: unknown shortcode 'bagde': add "
                                           r"templates/shortcodes/bagde\.html"):
        renderer.render(renderer.site.by_url["/om/"])


def test_links_in_a_section_index_are_relative_to_its_folder(tmp_path: Path) -> None:
    renderer = renderer_for(tmp_path, {"content/guider/index.md": "---\ntitle: Guider\n---\n[Val](val.md#pris)\n",
                                       "content/guider/val.md": "---\ntitle: Val\n---\n"})
    content, _ = renderer.body_html(renderer.site.by_url["/guider/"])
    assert '<a href="/repo/guider/val/#pris">Val</a>' in content
