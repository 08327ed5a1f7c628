"""The documentation site on a phone (issue 33 §11), in real Chromium: no page scrolls sideways at 390 px (wide
tables scroll inside themselves, long inline code wraps), a page shows its heading once even with a table of
contents, the footer carries no advertising disclosure (the docs show no product links), and search works."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import serve_directory
from tests.support.sites import run

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    site = tmp_path_factory.mktemp("docs") / "docs"
    shutil.copytree(DOCS, site, ignore=shutil.ignore_patterns("public", ".shelfpress-cache"))
    result = run("build", "-C", str(site), "--strict", "-q")
    assert result.exit_code == 0, result.output
    with serve_directory(site / "public", "/docs/") as base:
        yield base, site / "public"


def test_every_docs_page_fits_a_phone_and_shows_its_heading_once(chromium: Any, docs: tuple[str, Path],
                                                                 tmp_path: Path) -> None:
    base, public = docs
    page = chromium.new_context(viewport={"width": 390, "height": 844}).new_page()
    pages = sorted(p.parent.relative_to(public).as_posix() for p in public.rglob("index.html")
                   if "pagefind" not in p.parts)
    assert len(pages) >= 15
    for rel in pages:
        page.goto(base + ("" if rel == "." else rel + "/"))
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, rel
        assert page.locator("main h1").count() == 1, rel
        assert "commission" not in page.locator("footer").inner_text().lower(), rel
    page.goto(base + "themes/")
    assert page.locator("nav.toc").count() == 1 and page.locator("main h1 + nav.toc").count() == 1
    page.screenshot(path=str(tmp_path / "themes-390.png"))
    page.context.close()


def test_docs_search_finds_a_page(chromium: Any, docs: tuple[str, Path]) -> None:
    base, public = docs
    assert (public / "pagefind" / "pagefind-entry.json").is_file()
    page = chromium.new_context().new_page()
    page.goto(base + "search/?q=eject")
    page.wait_for_selector("a[href*='/docs/themes/']", timeout=15000)
    page.context.close()
