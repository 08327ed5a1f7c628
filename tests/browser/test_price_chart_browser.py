"""The price history chart in real Chromium: on a 390 px phone and a 1280 px desktop it fits its column (no sideways
scrolling of the page), its points are drawn inside the chart, its accessible name is the caption, and its table
opens without JavaScript and reads every price change."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.products.test_offers import CONFIG, LISTING
from tests.sources.test_price_history import DAY, T0, chair
from tests.support.browser import serve_directory, stub_external_images
from tests.support.products import catalog_site
from tests.support.sites import run
from generator.sources.catalog import CatalogSource

pytestmark = pytest.mark.browser

PRICES = (12995, 9995, 11495, 8995)  # many digits: what widens a table and the caption first


@pytest.fixture
def product_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    site = catalog_site(tmp_path / "site", [chair(PRICES[0])], {"content/chairs/index.md": LISTING},
                        config=CONFIG + "\n[prices]\nhistory = true\n")
    for day, price in enumerate(PRICES):
        with CatalogSource(site / "products.sqlite") as catalog:
            catalog.import_products([chair(price)])
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0 + 9 * day * DAY))
        result = run("build", "-C", str(site))
        assert result.exit_code == 0, result.output
    with serve_directory(site / "public", "/repo/") as base:
        yield base + "p/7-oak-chair/"


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)])
def test_the_chart_fits_draws_every_point_and_its_table_reads_every_change(
        chromium: Any, product_url: str, tmp_path: Path, width: int, height: int) -> None:
    context = chromium.new_context(viewport={"width": width, "height": height}, java_script_enabled=False)
    page = context.new_page()
    stub_external_images(page)
    page.goto(product_url)
    chart = page.locator("svg.price-chart")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= width and box["height"] > 60
    for circle in page.locator("svg.price-chart circle").all():  # every point inside the drawn chart
        point = circle.bounding_box()
        assert point is not None
        assert box["x"] <= point["x"] and point["x"] + point["width"] <= box["x"] + box["width"] + 0.5
        assert box["y"] <= point["y"] and point["y"] + point["height"] <= box["y"] + box["height"] + 0.5
    assert page.locator("svg.price-chart circle").count() == len(PRICES)
    snapshot = page.locator(".price-history").aria_snapshot()
    assert 'img "From SEK12,995 on May 28, 2026 to SEK8,995 on Jun 24, 2026; lowest SEK8,995 on Jun 24, 2026."' \
        in snapshot
    table = page.locator(".price-table table")
    assert not table.is_visible()  # closed until asked for, and opening it needs no script
    page.locator(".price-table summary").click()
    assert table.is_visible()
    rows = [row.split("\t") for row in table.locator("tbody tr").all_inner_texts()]
    assert [price.strip() for _, price in rows] == [f"SEK{p:,}" for p in PRICES]
    assert rows[0][0].strip() == "May 28, 2026"
    table_box = table.bounding_box()
    assert table_box is not None and table_box["x"] + table_box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling of the page
    shot = tmp_path / f"price-history-{width}.png"
    page.locator(".price-history").screenshot(path=str(shot))
    if os.environ.get("SHELFPRESS_SCREENSHOTS"):  # keep them to look at: SHELFPRESS_SCREENSHOTS=/some/dir
        Path(os.environ["SHELFPRESS_SCREENSHOTS"], shot.name).write_bytes(shot.read_bytes())
    assert shot.stat().st_size > 1000
    context.close()
