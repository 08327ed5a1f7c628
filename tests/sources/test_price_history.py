"""Price history across builds and the Omnibus rule: a "was" price is the lowest price of the 30 days before the
reduction, seen by the site itself; a reduction it never saw is not shown as one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from generator.sources.catalog import CatalogSource
from generator.sources.price_history import KEEP, PriceChange, PriceHistory, prior_price
from tests.support.products import catalog_site, product
from tests.support.sites import run
from tests.products.test_offers import CONFIG, LISTING

DAY = 86400
T0 = 1_780_000_000


def chair(price: float, regular: float = 0) -> Any:
    return product(7, "Oak chair", price, price={"price": price, "regular_price": regular,
                                                 "reduction_percent": 0, "currency": "SEK"})


def changes(*points: tuple[int, float]) -> list[PriceChange]:
    return [PriceChange(T0 + day * DAY, price, "SEK") for day, price in points]


def test_prior_price_is_the_lowest_of_the_30_days_before_the_reduction() -> None:
    assert prior_price(changes((0, 1000))) is None  # never saw another price
    assert prior_price(changes((0, 1000), (10, 800))) == 1000
    assert prior_price(changes((0, 1000), (5, 900), (10, 800))) == 900  # stepped down: the lowest before
    assert prior_price(changes((0, 700), (5, 1000), (10, 800))) is None  # raised before "reducing": none
    assert prior_price(changes((0, 700), (5, 1000), (45, 800))) == 1000  # 700 ended more than 30 days before
    assert prior_price(changes((0, 1000), (10, 1200))) is None  # a rise is no reduction
    assert prior_price([PriceChange(T0, 90, "EUR"), PriceChange(T0 + DAY, 800, "SEK")]) is None


def test_history_records_changes_only_and_is_bounded(tmp_path: Path) -> None:
    history = PriceHistory(tmp_path / "h.sqlite")
    for day, price in enumerate([100, 100, 90, 90, 95]):
        history.record([chair(price)], T0 + day * DAY)
    assert [(c.seen_at, c.price) for c in history.changes(7)] == [(T0, 100), (T0 + 2 * DAY, 90), (T0 + 4 * DAY, 95)]
    for day in range(KEEP + 20):
        history.record([chair(100 + day)], T0 + (10 + day) * DAY)
    kept = history.changes(7)
    assert len(kept) == KEEP and kept[-1].price == 100 + KEEP + 19
    history.close()
    assert len(PriceHistory(tmp_path / "h.sqlite").changes(7)) == KEEP  # kept across runs


@pytest.fixture
def site(tmp_path: Path) -> Path:
    # The shop says the chair is reduced from 1 500: the site never saw that price.
    return catalog_site(tmp_path / "s", [chair(1000, regular=1500)], {"content/chairs/index.md": LISTING},
                        config=CONFIG + "\n[prices]\nhistory = true\n")


def build_on(site: Path, day: int, monkeypatch: pytest.MonkeyPatch, price: float | None = None) -> str:
    if price is not None:
        with CatalogSource(site / "products.sqlite") as catalog:
            catalog.import_products([chair(price, regular=1500)])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0 + day * DAY))
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    return (site / "public/p/7-oak-chair/index.html").read_text()


def shown(page: str) -> str:
    return re.search(r'<p class="price[^"]*">(.*?)</p>', page).group(1)


def test_a_was_price_is_shown_only_against_prices_the_site_saw(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = build_on(site, 0, monkeypatch)
    assert "<del>" not in shown(page) and "1,500" not in page  # the shop's "regular price" is never shown
    assert "Oak chair" not in (site / "public/deals.xml").read_text()
    assert 'class="badge"' not in (site / "public/chairs/index.html").read_text()

    page = build_on(site, 10, monkeypatch, price=800)
    assert shown(page).endswith("<del>SEK1,000</del> <span class=\"badge-inline\">−20%</span>")
    assert "the lowest price in the 30 days before the reduction" in page
    assert '<span class="badge">−20%</span>' in (site / "public/chairs/index.html").read_text()
    assert "Oak chair −20%" in (site / "public/deals.xml").read_text()

    page = build_on(site, 50, monkeypatch)  # still 800: the reduction's prior price stays the one before it
    assert "<del>SEK1,000</del>" in shown(page)

    page = build_on(site, 60, monkeypatch, price=1000)  # back up: no reduction
    assert "<del>" not in shown(page) and "Oak chair" not in (site / "public/deals.xml").read_text()


def test_without_history_the_shops_regular_price_is_shown_as_before(tmp_path: Path) -> None:
    site = catalog_site(tmp_path / "s", [chair(1000, regular=1500)], {"content/chairs/index.md": LISTING},
                        config=CONFIG)
    assert run("build", "-C", str(site)).exit_code == 0
    assert "<del>SEK1,500</del>" in (site / "public/p/7-oak-chair/index.html").read_text()
    assert not (site / ".shelfpress/price-history.sqlite").exists()


def test_a_broken_history_file_is_one_line_naming_it(site: Path) -> None:
    (site / ".shelfpress").mkdir()
    (site / ".shelfpress/price-history.sqlite").write_bytes(b"not a database" * 100)
    result = run("build", "-C", str(site))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "price-history.sqlite" in result.output and len(result.output.strip().splitlines()) == 1
