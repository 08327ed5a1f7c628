"""The where-to-buy table in real Chromium: every offer's link signed and sponsored, cheapest first, readable on a
390 px phone (no sideways scrolling, every row's price and button visible) and a 1280 px desktop."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.affiliate.signing import verify_url
from tests.support.browser import serve_directory, stub_external_images
from tests.support.products import catalog_site
from tests.support.sites import run
from tests.products.test_offers import CHAIRS, CONFIG, LISTING, SECRET, offer

pytestmark = pytest.mark.browser

# A shop with a long name and a price with many digits: what breaks a narrow table first.
LONG = offer(14, "Tripp Trapp", 12995, (8, "Barnvagnsexperten Stockholm & Göteborg"), shipping_cost=149, stock=1)


@pytest.fixture
def product_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    site = catalog_site(tmp_path / "site", [*CHAIRS, LONG], {"content/chairs/index.md": LISTING}, config=CONFIG)
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    with serve_directory(site / "public", "/repo/") as base:
        yield base + "p/7350012345679/"


def rows(page: Any) -> list[dict[str, Any]]:
    return page.eval_on_selector_all(".offers-table tbody tr", """rows => rows.map(row => {
        const link = row.querySelector('a');
        const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
        return {store: row.querySelector('th').innerText.trim(),
                price: row.querySelector('.offer-price').innerText.trim(),
                href: link.href, rel: link.rel, target: link.target,
                priceBox: box(row.querySelector('.offer-price')), linkBox: box(link),
                linkVisible: link.offsetWidth > 0 && link.offsetHeight > 0};
    })""")


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)])
def test_where_to_buy_is_signed_sponsored_cheapest_first_and_fits(
        chromium: Any, product_url: str, tmp_path: Path, width: int, height: int) -> None:
    page = chromium.new_context(viewport={"width": width, "height": height}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    stub_external_images(page)
    page.goto(product_url)
    page.locator(".offers-table").scroll_into_view_if_needed()
    found = rows(page)
    assert [r["store"] for r in found] == ["Babyshop", "RUM21", "Lekmer", LONG.store.name]
    assert [r["price"] for r in found] == ["SEK1,795", "SEK1,995", "SEK2,195", "SEK12,995"]
    for row, pid in zip(found, (12, 11, 10, 14)):
        assert set(row["rel"].split()) >= {"sponsored", "nofollow", "noopener"} and row["target"] == "_blank"
        assert row["href"].startswith(f"https://se.shopelloapi.com/click/{pid}?")
        assert verify_url(row["href"], SECRET).valid
        assert row["linkVisible"]
        for left, right, _, _ in (row["priceBox"], row["linkBox"]):
            assert 0 <= left and right <= width, row  # price and button on screen, not cut off
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling of the page
    shot = tmp_path / f"offers-{width}.png"
    page.locator(".offers").screenshot(path=str(shot))
    if os.environ.get("SHELFPRESS_SCREENSHOTS"):  # keep them to look at: SHELFPRESS_SCREENSHOTS=/some/dir
        Path(os.environ["SHELFPRESS_SCREENSHOTS"], shot.name).write_bytes(shot.read_bytes())
    assert shot.stat().st_size > 1000
    assert errors == []
