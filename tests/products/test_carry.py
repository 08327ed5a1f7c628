"""Product pages carried over from the last build (generator/products/carry.py).

A content edit on a catalog site carries every product page over without making it (no related products
read, no page data, nothing rendered); a product change makes only the pages that show the product; anything
else a product page shows that changed makes them all anew; a carried page whose live output is gone is
made anew; a carried build reports the warnings a full one does. In every case the output equals a clean
build's.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from generator.config.schema import load_config
from generator.core.console import Reporter
from generator.commands.build import build
from generator.affiliate.salesfile.recommend import Recommendation, write_recommendations
from generator.content.page import Page
from generator.products.stage import ProductStage
from generator.products.views import ProductView
from generator.sources.catalog import CatalogSource
from generator.sources.catalog_query import StoredText
from generator.sources.models import Product
from tests.support.products import CATALOG_CONFIG, catalog_site, product
from tests.support.sites import tree
from tests.site.test_incremental import (EPOCH, SECRET, TARGET, assert_same_tree, backdate, clean_tree, incremental, lamp,
                                    make_shop, upsert)

ABOUT = "content/about.md"
LAMP = f"p/{TARGET}-juno-brass-lamp/index.html"
RECOMMENDATIONS = "data/recommendations.jsonl"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)


@pytest.fixture
def related_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a build read related products (making product pages does, carrying them does not)."""
    reads: list[int] = []
    original = CatalogSource.related_many

    async def counting(self: CatalogSource, *args: object, **kwargs: object) -> object:
        reads.append(1)
        return await original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(CatalogSource, "related_many", counting)
    return reads


def test_a_content_edit_carries_every_product_page_over(tmp_path: Path, related_reads: list[int]) -> None:
    site = make_shop(tmp_path / "shop")
    first, _ = incremental(site)
    assert related_reads == [1]

    (site / ABOUT).write_text("---\ntitle: About\n---\nAbout us, edited.\n")
    report, rendered = incremental(site)
    assert related_reads == [1]  # carried: no product page was made
    assert rendered == ["about/index.html"] and report.details[0] == first.details[0] == "17 product pages"
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))

    upsert(site / "products.sqlite", lamp(TARGET, "Juno Brass Lamp", 95, regular=300))  # after a carried build
    _, rendered = incremental(site)
    assert LAMP in rendered and len(related_reads) == 3  # this build, and the clean one above
    assert b"95" in (site / "public" / LAMP).read_bytes()
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean2"))


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The output paths of the product pages a build made (the others it carried over)."""
    pages: list[str] = []
    original = ProductStage._group_page

    def counting(self: ProductStage, view: ProductView, related: tuple[Product, ...], *rest: object) -> Page:
        page = original(self, view, related, *rest)  # type: ignore[arg-type]  # (offers, price history, own data)
        pages.append(page.output_path)
        return page

    monkeypatch.setattr(ProductStage, "_group_page", counting)
    return pages


def test_a_product_change_makes_only_the_pages_that_show_the_product(tmp_path: Path, made: list[str]) -> None:
    site = make_shop(tmp_path / "shop")
    incremental(site)
    assert len(made) == 17
    before = tree(site / "public")
    made.clear()

    upsert(site / "products.sqlite", lamp(TARGET, "Juno Brass Lamp", 95, regular=300))
    _, rendered = incremental(site)
    showing = {path for path in before if path.startswith("p/") and b"Juno Brass Lamp" in before[path]}
    assert LAMP in made and set(made) == showing and len(made) < 17
    assert set(made) == {path for path in rendered if path.startswith("p/")}
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))

    made.clear()  # with co-purchase data (added to product pages later) the pages are carried as a whole only
    write_recommendations({"100": Recommendation("100", (str(TARGET),), ())}, site / RECOMMENDATIONS)
    incremental(site)
    made.clear()
    upsert(site / "products.sqlite", lamp(TARGET, "Juno Brass Lamp", 96, regular=300))
    incremental(site)
    assert len(made) == 17
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean2"))


def test_a_clean_build_records_its_product_pages_for_the_next(tmp_path: Path, made: list[str]) -> None:
    """`--clean` carries nothing over, yet the build after it can carry its pages (deploys run --clean)."""
    site = make_shop(tmp_path / "shop")
    incremental(site)
    made.clear()
    _, rendered = incremental(site, clean=True)
    assert len(made) == 17 and LAMP in rendered
    made.clear()
    upsert(site / "products.sqlite", lamp(TARGET, "Juno Brass Lamp", 95, regular=300))
    incremental(site)
    assert LAMP in made and len(made) < 17
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def _nav_title(site: Path) -> None:
    (site / ABOUT).write_text("---\ntitle: About the shop\n---\nAbout us.\n")  # every page's menu shows it


def _product_template(site: Path) -> None:
    theme = Path(__file__).resolve().parents[2] / "generator/assets/themes/default/templates/product.html"
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates/product.html").write_text(theme.read_text().replace("{% block main %}",
                                                                           "{% block main %}<p>Edited</p>"))


def _co_purchase_data(site: Path) -> None:
    write_recommendations({str(TARGET): Recommendation(str(TARGET), ("201",), ())}, site / RECOMMENDATIONS)


@pytest.mark.parametrize("edit", [_nav_title, _product_template, _co_purchase_data])
def test_what_product_pages_show_changing_makes_them_anew(tmp_path: Path, edit: object,
                                                          related_reads: list[int]) -> None:
    site = make_shop(tmp_path / "shop")
    write_recommendations({str(TARGET): Recommendation(str(TARGET), ("200",), ())}, site / RECOMMENDATIONS)
    backdate(site)
    incremental(site)
    before = (site / "public" / LAMP).read_bytes()
    edit(site)  # type: ignore[operator]
    _, rendered = incremental(site)
    assert len(related_reads) == 2 and LAMP in rendered  # made anew
    assert (site / "public" / LAMP).read_bytes() != before
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def test_a_carried_page_whose_output_is_gone_is_made_anew(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    incremental(site)
    (site / "public" / LAMP).unlink()
    (site / ABOUT).write_text("---\ntitle: About\n---\nAbout us, edited.\n")
    report, rendered = incremental(site)
    assert (site / "public" / LAMP).is_file() and LAMP in rendered and report.warnings == 0
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def test_a_carried_build_reports_what_a_full_build_reports(tmp_path: Path, related_reads: list[int]) -> None:
    """Products without a safe click URL that only their own pages show (the listing shows one of them) are
    reported by a build that carries those pages over too."""
    lamps = [product(300 + i, f"Lamp {i}", 100 + i, url="javascript:alert(1)") for i in range(3)]
    config = CATALOG_CONFIG + "[categories]\nenabled = false\n[stores]\nenabled = false\n[brands]\nenabled = false\n"
    site = catalog_site(tmp_path / "shop", lamps, {
        "content/lamps.md": "---\ntitle: Lamps\nlisting:\n  query: lamp\n  per_page: 1\n  max_pages: 1\n---\n",
        "content/about.md": "---\ntitle: About\n---\nAbout us.\n"}, config=config)
    first = Reporter(verbosity=0)
    build(load_config(site), reporter=first)
    assert sum("no http(s) click URL" in w for w in first.warnings) == 3

    (site / ABOUT).write_text("---\ntitle: About\n---\nAbout us, edited.\n")
    carried = Reporter(verbosity=0)
    build(load_config(site), reporter=carried)
    assert len(related_reads) == 1 and carried.warnings == first.warnings


@pytest.fixture
def related_asked(monkeypatch: pytest.MonkeyPatch) -> list[set[int]]:
    """The product ids each build asked related products of."""
    asked: list[set[int]] = []
    original = CatalogSource.related_many

    async def recording(self: CatalogSource, product_ids: Iterable[int], **kwargs: object) -> object:
        ids = list(product_ids)
        asked.append(set(ids))
        return await original(self, ids, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(CatalogSource, "related_many", recording)
    return asked


NARROW_CONFIG = CATALOG_CONFIG + ("[products]\nrelated = 2\n[categories]\nenabled = false\n[stores]\nenabled = false\n"
                                  "[brands]\nenabled = false\n")
NARROW_PAGES = {"content/lamps.md": "---\ntitle: Lamps\nlisting:\n  query: lamp\n---\n",
                "content/chairs.md": "---\ntitle: Chairs\nlisting:\n  query: chair\n---\n"}


def test_a_product_change_reads_only_what_the_pages_that_show_it_show(tmp_path: Path,
                                                                      related_asked: list[set[int]]) -> None:
    """The catalog's change log says which products changed since the last build: only their pages and the
    pages that list them as related are made, and only those read related products. A related product without
    a safe click URL that no listing shows, on a page carried over that way, is still reported."""
    sconce = product(300, "Brass Sconce", 90, url="javascript:alert(1)")  # related to the brass lamp, unlisted
    products = [product(100, "Brass Lamp", 100), product(101, "Juno Lamp", 110), product(102, "Vega Lamp", 120),
                product(200, "Oak Chair", 500), product(201, "Pine Chair", 510), product(202, "Teak Chair", 520),
                sconce]
    site = catalog_site(tmp_path / "shop", products, NARROW_PAGES, config=NARROW_CONFIG)
    first = Reporter(verbosity=0)
    build(load_config(site), reporter=first)
    assert related_asked == [{100, 101, 102, 200, 201, 202}]
    assert [w for w in first.warnings if "product 300 has no http(s) click URL" in w]

    upsert(site / "products.sqlite", product(200, "Oak Chair", 450))
    narrowed = Reporter(verbosity=0)
    build(load_config(site), reporter=narrowed)
    assert related_asked[1] == {200, 201, 202}  # the chair and the chairs that show it; the lamps carried over
    assert sorted(narrowed.warnings) == sorted(first.warnings)
    assert b"450" in (site / "public/p/200-oak-chair/index.html").read_bytes()
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def test_an_offer_that_leaves_its_group_makes_the_group_page_anew(tmp_path: Path) -> None:
    """A grouped product's page shows every offer of its group: when one offer's GTIN changes (it leaves the
    group, the page's own product unchanged), the change log names the offer only, and the page is compared by
    its offers and made anew."""
    gtin = "7350012345679"

    def offer(pid: int, name: str, price: float, code: str = gtin) -> Product:
        return product(pid, name, price, attributes={"brand": "Stokke", "gtin": code},
                       store={"store_id": pid, "name": f"Shop {pid}", "url": f"https://shop{pid}.example/"})

    # the second offer's name shares no word with the first's: no related list ties them
    chairs = [product(20 + n, f"{wood} chair", 500 + n) for n, wood in enumerate(("Oak", "Pine", "Teak", "Elm"))]
    site = catalog_site(tmp_path / "shop", [offer(10, "Tripp Trapp chair", 1995), offer(11, "Kinderstuhl", 2195),
                                            *chairs], NARROW_PAGES, config=NARROW_CONFIG)
    incremental(site)
    group_page = next(path for path in tree(site / "public") if path.startswith("p/") and b"Shop 11" in
                      (site / "public" / path).read_bytes() and b"Shop 10" in (site / "public" / path).read_bytes())
    upsert(site / "products.sqlite", offer(11, "Kinderstuhl", 2195, code="4006381333931"))
    _, rendered = incremental(site)
    assert group_page in rendered
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def test_a_narrowed_build_reads_the_records_of_what_it_renders_only(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """After one changed chair, the build fetches its listings lean: no lamp's record is read (the lamps'
    pages and listing are carried or kept); the output equals a clean build's. (Listings without filters: a
    listing's filter options read every record it lists.)"""
    products = [product(100, "Brass Lamp", 100), product(101, "Juno Lamp", 110), product(102, "Vega Lamp", 120),
                product(200, "Oak Chair", 500), product(201, "Pine Chair", 510), product(202, "Teak Chair", 520)]
    pages = {path: text.replace("listing:\n", "listing:\n  filters: false\n") for path, text in NARROW_PAGES.items()}
    site = catalog_site(tmp_path / "shop", products, pages, config=NARROW_CONFIG)
    build(load_config(site), reporter=Reporter(verbosity=0))
    read: list[int] = []
    one, bulk = StoredText.__call__, StoredText.fill
    monkeypatch.setattr(StoredText, "__call__", lambda self, pid, key: read.append(pid) or one(self, pid, key))
    monkeypatch.setattr(StoredText, "fill", lambda self, found: bulk(self, read.extend(
        p.product_id for p in found if p.text_reader()) or found))

    upsert(site / "products.sqlite", product(200, "Oak Chair", 450))
    build(load_config(site), reporter=Reporter(verbosity=0))
    assert read and set(read) <= {200, 201, 202}
    assert b"450" in (site / "public/p/200-oak-chair/index.html").read_bytes()
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))
