"""The user documentation in docs/ is a shelfpress site: it builds (offline, from the embedded demo catalog), every
link in it leads somewhere, and every example marked `<!-- check: PATH -->` builds in a scratch site (issue 16 §1).

An example is marked by an HTML comment on the line before its fenced code block:

    <!-- check: content/lampor.md -->      a page: built with the page's other examples, must render (with
                                           products when it asks for some, unless marked `empty-ok`: the
                                           demo catalog has nothing on sale, say)
    <!-- check: templates/x.html -->       a template: put into that scratch site too
    <!-- check: shelfpress.toml -->        a config fragment: must load and validate (widgets included)
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.config.schema import load_config
from generator.config.i18n import site_translations
from generator.products.widgets.spec import widget_specs
from tests.support.sites import BASIC_CONFIG, run, write_site

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted((DOCS / "content").rglob("*.md"))
EXAMPLE = re.compile(r"<!-- check: (\S+)( empty-ok)? -->\n```[\w-]*\n(.*?)\n```", re.DOTALL)


def examples(page: Path) -> list[tuple[str, bool, str]]:
    return [(path, bool(empty_ok), body) for path, empty_ok, body in EXAMPLE.findall(page.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def docs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("docs") / "docs"
    shutil.copytree(DOCS, site, ignore=shutil.ignore_patterns("public", ".shelfpress-cache", ".shelfpress"))
    result = run("build", "-C", str(site), "--strict", "-q")
    assert result.exit_code == 0, result.output
    return site / "public"


def test_every_docs_page_is_built(docs_site: Path) -> None:
    for page in PAGES:
        rel = page.relative_to(DOCS / "content").with_suffix("")
        out = docs_site / ("index.html" if rel.name == "index" and rel.parent == Path(".") else
                           (rel.parent if rel.name == "index" else rel) / "index.html")
        assert out.is_file(), out
        assert "SPSC" not in out.read_text(encoding="utf-8"), page  # no shortcode placeholder left over


def test_every_link_in_the_docs_leads_somewhere(docs_site: Path) -> None:
    base = "/docs/"
    broken = []
    for html_file in sorted(docs_site.rglob("*.html")):
        html = html_file.read_text(encoding="utf-8")
        anchors = set(re.findall(r'id="([^"]+)"', html))
        for href in re.findall(r'href="([^"]+)"', html):
            if href.startswith(("http://", "https://", "mailto:")):
                continue
            parts = urlsplit(href)
            if not parts.path:  # "#fragment" on this page
                if parts.fragment not in anchors:
                    broken.append((html_file.name, href))
                continue
            assert parts.path.startswith(base), (html_file, href)
            rel = parts.path[len(base):]
            target = docs_site / (rel + "index.html" if rel.endswith("/") or not rel else rel)
            if not target.is_file():
                broken.append((str(html_file.relative_to(docs_site)), href))
            elif parts.fragment and f'id="{parts.fragment}"' not in target.read_text(encoding="utf-8"):
                broken.append((str(html_file.relative_to(docs_site)), href))
    assert not broken, broken


def test_reference_tables_render_pipes_and_shortcodes_as_text(docs_site: Path) -> None:
    commands = (docs_site / "reference" / "commands" / "index.html").read_text(encoding="utf-8")
    assert "--mode [pre&#124;or&#124;fill]" in commands and "\\|" not in commands
    shortcodes = (docs_site / "reference" / "shortcodes" / "index.html").read_text(encoding="utf-8")
    assert "<code>{{&lt; /callout &gt;}}</code>" in shortcodes


@pytest.mark.parametrize("page", [p for p in PAGES if examples(p)], ids=lambda p: p.name)
def test_examples_build(tmp_path: Path, page: Path) -> None:
    found = examples(page)
    files = {path: body + "\n" for path, _, body in found if path != "shelfpress.toml"}
    may_be_empty = {path for path, empty_ok, _ in found if empty_ok}
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Start\n---\nHej\n", **files})
    for number, (path, _, body) in enumerate(found):
        if path == "shelfpress.toml":
            check = tmp_path / f"config-{number}"
            config_text = body if "base_url" in body else BASIC_CONFIG + body
            write_site(check, {}, config=config_text)
            config = load_config(check)
            widget_specs(config, [])
            site_translations(config)  # [params.strings]
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    for path in files:
        if path not in may_be_empty:  # a shortcode's heading over nothing is a warning naming its file:line
            assert f"{path}:" not in result.output or "found no products" not in result.output, result.output
        if path.startswith("content/"):
            rel = Path(path).relative_to("content").with_suffix("")
            out = site / "public" / (rel.parent if rel.name == "index" else rel) / "index.html"
            html = out.read_text(encoding="utf-8")
            if ("{{< products" in files[path] or "listing:" in files[path]) and path not in may_be_empty:
                assert "product-card" in html, f"{page.name}: {path} shows no products"


def test_docs_explain_how_markdown_links_work() -> None:
    """The docs link with `file.md` links (they read right on GitHub); the built site turns them into URLs."""
    text = (DOCS / "content" / "index.md").read_text(encoding="utf-8")
    assert "](getting-started.md)" in text


def test_readme_links_into_the_docs_resolve() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert len(links) >= 8
    for link in links:
        assert (DOCS.parent / link).is_file(), link
    assert "described below" not in readme
