"""Listing pages in real Chromium: filters and sorting, no-JS fallback, and XSS payloads that must not run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import serve_directory, stub_external_images
from tests.support.products import catalog_site, product
from tests.support.sites import run

pytestmark = pytest.mark.browser

PRODUCTS = [
    product(1, "Pendel lampa", 300, attributes={"brand": "Muuto", "color": "Orange"}),
    product(2, "Bord lampa", 150, attributes={"brand": "Hay", "color": "Black"},
            categories=[{"category_id": 436, "name": "Bordslampor"}]),
    product(3, "Golv lampa", 900, attributes={"brand": "Muuto", "color": "Black"},
            price={"price": 900, "regular_price": 1200, "reduction_percent": 25, "currency": "SEK"}),
    product(4, "Vägg lampa", 50, attributes={"brand": "Hay", "color": "White"}),
    product(5, "Tak lampa", 600, attributes={"brand": "Muuto", "color": "White"}),
]
LISTING = "---\ntitle: Lamps\nlisting:\n  query: lampa\n  per_page: 2\n---\nAll lamps.\n"


def built(tmp_path: Path, products: list[Any]) -> Path:
    site = catalog_site(tmp_path / "site", products, {"content/lamps/index.md": LISTING})
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    return site / "public"


@pytest.fixture
def listing_url(tmp_path: Path) -> Iterator[str]:
    with serve_directory(built(tmp_path, PRODUCTS), "/repo/") as base:
        yield base + "lamps/"


def names(page: Any) -> list[str]:
    return page.locator("[data-listing-grid] .product-card h3").all_inner_texts()


def open_page(chromium: Any, url: str, **context: Any) -> tuple[Any, list[str]]:
    page = chromium.new_context(**context).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    stub_external_images(page)
    page.goto(url)
    return page, errors


def test_filters_and_sort_change_products_and_url(chromium: Any, listing_url: str) -> None:
    page, errors = open_page(chromium, listing_url)
    assert len(names(page)) == 2  # the static first page
    page.select_option("select[name=brand]", "Muuto")  # the listing's products.json loads on this first use
    page.wait_for_function("document.querySelectorAll('[data-listing-grid] .product-card').length === 3")
    assert sorted(names(page)) == ["Golv lampa", "Pendel lampa", "Tak lampa"]  # across all pages
    assert "brand=Muuto" in page.url
    assert page.locator(".pagination").is_hidden()
    page.select_option("select[name=sort]", "price")
    assert names(page) == ["Pendel lampa", "Tak lampa", "Golv lampa"]
    page.fill("input[name=max]", "700")
    assert names(page) == ["Pendel lampa", "Tak lampa"]
    assert "max=700" in page.url and "sort=price" in page.url
    page.select_option("select[name=brand]", "Hay")
    page.fill("input[name=max]", "10")
    assert names(page) == [] and page.locator("[data-listing-empty]").is_visible()
    page.click("button[type=reset]")
    page.wait_for_function("document.querySelectorAll('[data-listing-grid] .product-card').length === 2")
    assert "brand=" not in page.url
    assert errors == []


def test_shared_filtered_url_restores_the_view(chromium: Any, listing_url: str) -> None:
    page, errors = open_page(chromium, listing_url + "?color=Black&sort=-price")
    expect(page.locator("[data-listing-grid] .product-card h3")).to_have_text(["Golv lampa", "Bord lampa"])
    assert page.locator("select[name=color]").input_value() == "Black"
    assert errors == []


def test_listing_works_without_javascript(chromium: Any, listing_url: str) -> None:
    page, _ = open_page(chromium, listing_url, java_script_enabled=False)
    assert len(names(page)) == 2
    assert page.locator("form.filters").is_hidden()
    page.click("text=Next")
    assert "/lamps/page/2/" in page.url and len(names(page)) == 2


XSS = [
    product(66, '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">lampa', 10,
            description='"><img src=x onerror="window.__pwned=3"><script>window.__pwned=4</script>',
            url='javascript:window.__pwned=5', attributes={"brand": '"><svg onload="window.__pwned=6">',
                                                           "color": "</script><script>window.__pwned=7</script>"},
            store={"store_id": 9, "name": '<img src=x onerror="window.__pwned=8">', "url": "javascript:alert(9)"},
            categories=[{"category_id": 1, "name": "<b onmouseover=alert(10)>x</b>"}]),
    product(67, "Safe lampa", 20),
]


def test_xss_payloads_in_product_data_never_run(chromium: Any, tmp_path: Path) -> None:
    out = built(tmp_path, XSS)
    pages = ["lamps/", "lamps/?brand=%22%3E%3Csvg%20onload%3D%22window.__pwned%3D6%22%3E", "p/66-script-window-pwned-1-script-img-src-x-onerror-window-pwned-2-lampa/"]
    with serve_directory(out, "/repo/") as base:
        for rel in pages:
            page, _ = open_page(chromium, base + rel)
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            if page.locator("select[name=sort]").count():
                page.select_option("select[name=sort]", "price")  # re-render cards from the JSON
            page.wait_for_timeout(200)
            assert page.evaluate("window.__pwned === undefined"), rel
            assert dialogs == []
            assert page.locator("a[href^='javascript']").count() == 0
