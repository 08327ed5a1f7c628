"""The compare shortcode: products by id or query, chosen fields (built-in and a shop's own attributes), signed
links, typos caught before the build; in Chromium, no sideways scrolling of the page from 320 to 1440 px."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.affiliate.signing import verify_url
from tests.support.browser import serve_directory, stub_external_images
from tests.support.products import catalog_site, product
from tests.support.sites import fails, run
from tests.products.test_offers import CONFIG, SECRET

PRODUCTS = [
    product(1, "Oak chair", 1495, attributes={"brand": "Hay", "color": "Oak", "material": "Solid oak",
                                              "shipping_cost": 0, "stock": 1}),
    product(2, "Steel chair", 995, attributes={"brand": "Muuto", "size": "45 x 50 cm", "stock": 0}),
    product(3, "Plastic chair with an unusually long name that must wrap", 295, attributes={"brand": "<b>Ikea</b>"}),
]
PAGE = ('---\ntitle: Chairs compared\n---\nIntro.\n\n'
        '{{< compare product_id="1,2,3" fields="price,brand,color,size,shipping,stock,material" title="Chairs" />}}\n\n'
        '| Chair | Price | Weight | Seat height | Material | Verdict |\n|---|---|---|---|---|---|\n'
        '| Oak chair | 1495 | 5 kg | 45 cm | Solid oak, oiled | Our favourite for a long table |\n')


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    return catalog_site(tmp_path / "shop", PRODUCTS, {"content/compare.md": PAGE}, config=CONFIG)


def build(site: Path) -> str:
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    return (site / "public/compare/index.html").read_text()


def cells(html: str) -> dict[str, list[str]]:
    """Row label -> the text of each product's cell."""
    table = html[html.index('<table class="compare-table">'):html.index("</table>")]
    rows = {}
    for label, row in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table, re.S):
        rows[re.sub(r"<[^>]+>", "", label)] = [re.sub(r"<[^>]+>", "", c).strip()
                                                for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    return rows


def test_compare_table_has_a_column_per_product_and_a_row_per_field(site: Path) -> None:
    html = build(site)
    heads = re.findall(r'<th scope="col">.*?<a href="([^"]+)">([^<]+)</a></th>', html)
    assert [name for _, name in heads] == ["Oak chair", "Steel chair", PRODUCTS[2].name]
    assert heads[0][0] == "/repo/p/1-oak-chair/"
    rows = cells(html)
    assert rows["Price"] == ["SEK1,495", "SEK995", "SEK295"]
    assert rows["Brand"] == ["Hay", "Muuto", "Ikea"] and "<b>Ikea" not in html  # product text is plain text
    assert rows["Color"] == ["Oak", "–", "–"] and rows["Size"] == ["–", "45 x 50 cm", "–"]
    assert rows["Shipping"] == ["Free shipping", "–", "–"]
    assert rows["Availability"] == ["In stock", "Out of stock", "–"]
    assert rows["material"] == ["Solid oak", "–", "–"]  # a shop's own attribute
    links = re.findall(r'<a class="btn btn-small" href="([^"]+)" rel="sponsored nofollow noopener"', html)
    assert len(links) == 3 and all(verify_url(link.replace("&amp;", "&"), SECRET).valid for link in links)


def test_compare_by_query_with_the_default_fields(site: Path) -> None:
    (site / "content/compare.md").write_text('---\ntitle: C\n---\n{{< compare query="chair" order_by="price" '
                                             'limit=2 />}}\n')
    rows = cells(build(site))
    assert list(rows)[:5] == ["Price", "Store", "Brand", "Shipping", "Availability"]
    assert rows["Price"] == ["SEK295", "SEK995"]


def test_a_misspelt_field_is_an_error_at_the_shortcode(site: Path) -> None:
    (site / "content/compare.md").write_text('---\ntitle: C\n---\n\n{{< compare product_id="1" fields="prise" />}}\n')
    for command in ("build", "check"):
        fails(site, "content/compare.md:5", "'prise' is no field; did you mean 'price'?", command=command)
    (site / "content/compare.md").write_text('---\ntitle: C\n---\n\n{{< compare product_id="1" layout="x" />}}\n')
    fails(site, "content/compare.md:5", "layout")


@pytest.fixture
def compare_url(site: Path) -> Iterator[str]:
    build(site)
    with serve_directory(site / "public", "/repo/") as base:
        yield base + "compare/"


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 390, 1440])
def test_compare_and_content_tables_never_scroll_the_page_sideways(chromium: Any, compare_url: str,
                                                                   width: int) -> None:
    page = chromium.new_context(viewport={"width": width, "height": 900}).new_page()
    stub_external_images(page)
    page.goto(compare_url)
    if os.environ.get("SHELFPRESS_SCREENSHOTS"):  # keep them to look at: SHELFPRESS_SCREENSHOTS=/some/dir
        page.screenshot(path=os.path.join(os.environ["SHELFPRESS_SCREENSHOTS"], f"compare-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    label = page.locator(".compare-table tbody th").first
    box = page.locator(".compare-scroll")
    if width < 600:  # the table scrolls inside its box, and the field names stay in view
        assert box.evaluate("el => el.scrollWidth > el.clientWidth")
        before = label.bounding_box()
        box.evaluate("el => el.scrollLeft = 400")
        page.wait_for_function("document.querySelector('.compare-scroll').scrollLeft > 0")
        assert abs(label.bounding_box()["x"] - before["x"]) < 1
        prose = page.locator(".prose table:not([class])")
        assert prose.evaluate("el => el.getBoundingClientRect().right") <= width
    assert label.is_visible()
