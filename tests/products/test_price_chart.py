"""The price history readers see: the lowest price over time of one product or a group's shops, the SVG chart's
geometry, and product pages that draw it (with its table) only when `[prices] history` saw two prices."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.products.price_chart import BOTTOM, LEFT, RIGHT, TOP, lowest_over_time, price_chart
from generator.sources.catalog import CatalogSource
from generator.sources.price_history import PriceChange
from tests.products.test_offers import CHAIRS, CONFIG, LISTING, SECRET, offer
from tests.sources.test_price_history import DAY, T0, build_on, chair, changes
from tests.support.products import catalog_site
from tests.support.sites import run


def test_one_history_keeps_its_changes_and_drops_repeats_and_other_currencies() -> None:
    series = lowest_over_time([changes((0, 1000), (5, 900), (9, 1100))], "SEK")
    assert [(c.seen_at, c.price) for c in series] == [(T0, 1000), (T0 + 5 * DAY, 900), (T0 + 9 * DAY, 1100)]
    mixed = [PriceChange(T0, 1000, "SEK"), PriceChange(T0 + DAY, 90, "EUR"), PriceChange(T0 + 2 * DAY, 1000, "SEK")]
    assert [c.price for c in lowest_over_time([mixed], "SEK")] == [1000]
    assert lowest_over_time([], "SEK") == () and lowest_over_time([[]], "SEK") == ()


def test_a_group_shows_its_cheapest_shop_at_every_moment() -> None:
    lekmer = changes((0, 2000), (10, 1500))
    rum21 = changes((3, 1800), (12, 1900))
    series = lowest_over_time([lekmer, rum21], "SEK")
    # 2000 alone, then RUM21's 1800, then Lekmer's 1500; RUM21 rising later changes nothing
    assert [(c.seen_at - T0) // DAY for c in series] == [0, 3, 10]
    assert [c.price for c in series] == [2000, 1800, 1500]
    same_moment = lowest_over_time([changes((0, 500)), changes((0, 400))], "SEK")
    assert [c.price for c in same_moment] == [400]


def test_the_chart_spans_its_plot_area_and_steps_from_price_to_price() -> None:
    assert price_chart(changes((0, 1000))) is None and price_chart(()) is None
    chart = price_chart(changes((0, 1000), (10, 800), (30, 1200)))
    assert chart is not None
    xs, ys = [p.x for p in chart.points], [p.y for p in chart.points]
    assert xs[0] == LEFT and xs == sorted(xs) and max(xs) < RIGHT
    assert max(ys) == BOTTOM and min(ys) == TOP  # the lowest price at the bottom, the highest at the top
    assert ys[1] == BOTTOM and ys[2] == TOP
    assert chart.path.startswith(f"M{LEFT} ") and chart.path.endswith(f"H{RIGHT}")
    assert chart.path.count("H") == 3 and chart.path.count("V") == 2  # a step per change, then on to the edge
    assert (chart.lowest.price, chart.highest.price) == (800, 1200)
    flat_span = price_chart([PriceChange(T0, 10, "SEK"), PriceChange(T0, 12, "SEK")])  # no time between them
    assert flat_span is not None and all(LEFT <= p.x < RIGHT for p in flat_span.points)


def chart_section(page: str) -> str:
    found = re.search(r'<section class="price-history".*?</section>', page, re.S)
    return found.group(0) if found else ""


@pytest.fixture
def history_site(tmp_path: Path) -> Path:
    return catalog_site(tmp_path / "s", [chair(1000)], {"content/chairs/index.md": LISTING},
                        config=CONFIG + "\n[prices]\nhistory = true\n")


def test_a_product_page_draws_the_prices_the_site_saw(history_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert chart_section(build_on(history_site, 0, monkeypatch)) == ""  # one price: nothing to draw
    build_on(history_site, 10, monkeypatch, price=800)
    section = chart_section(build_on(history_site, 20, monkeypatch, price=900))
    assert '<svg class="price-chart"' in section and 'role="img" aria-labelledby="price-history-caption"' in section
    assert section.count("<circle ") == 3 and "<script" not in section
    rows = re.findall(r"<tr><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td></tr>", section)
    assert [price for _, price in rows] == ["SEK1,000", "SEK800", "SEK900"]
    assert [day for day, _ in rows] == ["May 28, 2026", "Jun 7, 2026", "Jun 17, 2026"]  # T0 and 10, 20 days on
    caption = re.search(r'<figcaption id="price-history-caption"[^>]*>(.*?)</figcaption>', section).group(1)
    assert caption.startswith("From SEK1,000 on ") and "lowest SEK800 on " in caption


def test_the_chart_follows_the_site_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = catalog_site(tmp_path / "sv", [chair(1000)], {"content/chairs/index.md": LISTING},
                        config=CONFIG.replace('language = "en"', 'language = "sv"') + "\n[prices]\nhistory = true\n")
    build_on(site, 0, monkeypatch)
    section = chart_section(build_on(site, 3, monkeypatch, price=1200))
    assert "Prishistorik" in section and "Alla prisändringar" in section and "lägst 1\xa0000\xa0kr" in section


def test_a_grouped_product_draws_its_cheapest_shop_over_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    site = catalog_site(tmp_path / "g", CHAIRS, {"content/chairs/index.md": LISTING},
                        config=CONFIG + "\n[prices]\nhistory = true\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    assert run("build", "-C", str(site)).exit_code == 0
    with CatalogSource(site / "products.sqlite") as catalog:  # the cheapest shop cuts its price; another rises
        catalog.import_products([offer(12, "Tripp Trapp stol", 1595, (3, "Babyshop")),
                                 offer(10, "Tripp Trapp chair", 2295, (1, "Lekmer"))])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0 + DAY))
    assert run("build", "-C", str(site)).exit_code == 0
    section = chart_section((site / "public/p/7350012345679/index.html").read_text())
    assert [p for _, p in re.findall(r"<tr><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td></tr>", section)] == [
        "SEK1,795", "SEK1,595"]


def test_without_history_no_page_has_a_chart(tmp_path: Path) -> None:
    site = catalog_site(tmp_path / "s", [chair(1000)], {"content/chairs/index.md": LISTING}, config=CONFIG)
    assert run("build", "-C", str(site)).exit_code == 0
    assert "price-history" not in (site / "public/p/7-oak-chair/index.html").read_text()
