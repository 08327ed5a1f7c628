"""Tests for generator/pages.py: relative links to Markdown files become the linked page's URL."""

from __future__ import annotations

from pathlib import Path

from tests.sites import SMALL_CONFIG, run, write_site

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
