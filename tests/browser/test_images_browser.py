"""Product images that fail to load (an ad blocker, offline, a removed image; issue 33 §5), in real Chromium at a
phone's 390 px: every place a product shows (product page, static cards, cards the listing's filter script draws,
widgets in the page and in their iframe page) shows the one placeholder, and nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import serve_directory
from tests.support.sites import run

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Elements wider than the page would make it scroll sideways; a broken image is one that failed and still shows.
LAYOUT = """() => {
  const roots = [document, ...[...document.querySelectorAll('[data-shelfpress-widget]')]
                 .map(h => h.shadowRoot).filter(Boolean)];
  const imgs = roots.flatMap(r => [...r.querySelectorAll('img')]);
  return {
    scrollWidth: document.scrollingElement.scrollWidth,
    broken: imgs.filter(i => i.complete && i.naturalWidth === 0 && getComputedStyle(i).display !== 'none')
                .map(i => i.outerHTML.slice(0, 80)),
    images: imgs.length,
  };
}"""
PLACEHOLDER_SHOWN = """(selector) => [...document.querySelectorAll(selector)].map(e =>
  e.classList.contains('no-img') && getComputedStyle(e).backgroundImage.startsWith('url("data:image/svg+xml'))"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new site (the starter: listings with filters, a widget), built and served."""
    root = tmp_path_factory.mktemp("images") / "mysite"
    assert run("new", str(root)).exit_code == 0
    result = run("build", "-C", str(root), "-q")
    assert result.exit_code == 0, result.output
    with serve_directory(root / "public", "/my-site/") as base:
        yield base


@pytest.fixture
def phone(chromium: Any, site: str, tmp_path: Path) -> Iterator[Any]:
    """A 390 px page whose product image requests all fail (everything but this site's own files)."""
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda route: route.abort() if route.request.resource_type == "image"
               and not route.request.url.startswith(site) else route.continue_())
    page.errors = errors
    yield page
    assert errors == []
    context.close()


def scroll_through(page: Any) -> None:
    """Scroll to the end and back, so that every lazy image is asked for (and fails)."""
    page.evaluate("""async () => {
      for (let y = 0; y < document.scrollingElement.scrollHeight; y += innerHeight / 2) {
        scrollTo(0, y); await new Promise(r => setTimeout(r, 30));
      }
      scrollTo(0, 0);
    }""")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(200)  # the error events of the last images


def settle(page: Any, url: str, shot: Path) -> dict[str, Any]:
    page.goto(url, wait_until="networkidle")
    scroll_through(page)
    page.screenshot(path=str(shot))
    layout: dict[str, Any] = page.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= PHONE["width"], (url, layout)
    assert layout["broken"] == [], (url, layout)
    return layout


def test_product_page_shows_the_placeholder_without_overflow(phone: Any, site: str, tmp_path: Path) -> None:
    home = phone.goto(site, wait_until="networkidle")
    assert home is not None and home.ok
    product_url = phone.locator(".product-card h3 a").first.get_attribute("href")
    settle(phone, site.split("/my-site/")[0] + product_url, tmp_path / "product.png")
    assert phone.evaluate(PLACEHOLDER_SHOWN, ".product-media") == [True]
    box = phone.locator(".product-media").bounding_box()
    assert box["width"] <= PHONE["width"] and box["height"] > 200  # a square, not a collapsed box


def test_static_cards_and_cards_the_filter_script_draws_show_the_placeholder(phone: Any, site: str,
                                                                             tmp_path: Path) -> None:
    settle(phone, site, tmp_path / "home.png")
    shown = phone.evaluate(PLACEHOLDER_SHOWN, ".product-card .thumb")
    assert shown and all(shown)
    settle(phone, site + "c/14-belysning/", tmp_path / "category.png")
    before = phone.locator("[data-listing-grid] .product-card h3").all_inner_texts()
    phone.select_option("select[name=sort]", "price")  # the filter script draws every card anew
    phone.wait_for_function("(before) => [...document.querySelectorAll('[data-listing-grid] .product-card h3')]"
                            ".map(h => h.innerText).join() !== before.join()", arg=before)
    scroll_through(phone)
    layout = phone.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= PHONE["width"] and layout["broken"] == [], layout
    shown = phone.evaluate(PLACEHOLDER_SHOWN, "[data-listing-grid] .product-card .thumb")
    assert len(shown) > 1 and all(shown), shown
    phone.screenshot(path=str(tmp_path / "category-sorted.png"))


@pytest.mark.parametrize("path", ["widgets/", "widgets/picks/"], ids=["gallery", "iframe-page"])
def test_widget_cards_show_the_placeholder(phone: Any, site: str, tmp_path: Path, path: str) -> None:
    settle(phone, site + path, tmp_path / "widget.png")
    sources = phone.evaluate("""() => [...document.querySelectorAll('[data-shelfpress-widget]')]
        .filter(h => h.shadowRoot).flatMap(h => [...h.shadowRoot.querySelectorAll('img')])
        .map(i => [i.src.startsWith('data:image/svg+xml,'), i.naturalWidth > 0,
                   i.getBoundingClientRect().height > 50])""")
    assert sources and all(s == [True, True, True] for s in sources), sources
