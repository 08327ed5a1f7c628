"""The publisher's own product data (`data/products/<id>.yaml`): checked line by line, shown on the product page
(specs and a review box with its schema.org Review), read by comparison tables, carried to a grouped product, and a
file of a product no page shows is one warning naming it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.products.test_offers import CHAIRS, CONFIG, LISTING, SECRET, build, html
from tests.support.products import catalog_site
from tests.support.sites import run

CHAIR_DATA = """\
rating: 4.5
pros: [Stable, Grows with the child]
cons: [Pricey]
verdict: The chair to buy.
specs:
  Material: Beech
  Weight: 7 kg
"""


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    return catalog_site(tmp_path / "shop", CHAIRS, {"content/chairs/index.md": LISTING}, config=CONFIG)


def write(site: Path, name: str, text: str) -> None:
    path = site / "data/products" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def reviews_ld(page: str) -> list[dict]:  # type: ignore[type-arg]
    found = [json.loads(m) for m in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)]
    return [ld for ld in found if isinstance(ld, dict) and ld.get("@type") == "Review"]


def between_tags(page: str) -> str:
    """The page with the whitespace between tags removed: a fact list reads the same with or without a space
    between a term and its value (the space that keeps search excerpts from gluing them together)."""
    return re.sub(r">\s+<", "><", page)


def test_a_data_file_shows_its_specs_and_review_on_the_product_page(shop: Path) -> None:
    write(shop, "30.yaml", CHAIR_DATA)
    build(shop)
    page = html(shop, "/p/30-plain-chair/")
    assert "<dt>Material</dt><dd>Beech</dd><dt>Weight</dt><dd>7 kg</dd>" in between_tags(page)
    assert "<li>Stable</li><li>Grows with the child</li>" in page and "The chair to buy." in page
    (review,) = reviews_ld(page)
    assert review["reviewRating"]["ratingValue"] == 4.5 and review["itemReviewed"]["name"] == "Plain chair"
    assert [n["name"] for n in review["positiveNotes"]["itemListElement"]] == ["Stable", "Grows with the child"]
    assert "aggregateRating" not in review["itemReviewed"]  # never a rating the site does not have
    assert "Specifications" not in html(shop, "/p/4006381333931/")  # a product without a file: nothing


def test_a_grouped_product_takes_the_data_of_any_of_its_offers(shop: Path) -> None:
    write(shop, "10.yaml", "specs: {Material: Beech}\n")  # Lekmer's offer; the page is made from Babyshop's
    build(shop)
    assert "<dt>Material</dt><dd>Beech</dd>" in between_tags(html(shop, "/p/7350012345679/"))


def test_a_comparison_reads_the_publishers_fields(shop: Path) -> None:
    write(shop, "30.yaml", "specs: {Material: Beech}\n")
    (shop / "content/compare.md").write_text('---\ntitle: C\n---\n{{< compare product_id="30,20" '
                                             'fields="price,material" />}}\n')
    build(shop)
    page = html(shop, "/compare/")
    names = re.findall(r'<th scope="col">(?:<img[^>]*>)?<a href="[^"]*">([^<]*)</a></th>', page)
    row = re.search(r'<tr><th scope="row">material</th>(.*?)</tr>', page, re.S).group(1)
    by_name = dict(zip(names, re.findall(r"<td>([^<]*)</td>", row)))
    assert by_name == {"Plain chair": "Beech", "Other chair": "–"}  # the publisher's field; none for the other


@pytest.mark.parametrize("name,text,where,message", [
    ("30.yaml", "rating: 4\nprso: [Light]\n", "data/products/30.yaml:2", "unknown key; did you mean 'pros'?"),
    ("30.yaml", "rating: 9\n", "data/products/30.yaml:1", "rating"),
    ("30.yaml", "specs: [Beech]\n", "data/products/30.yaml:1", "specs: expected a mapping of field = text"),
    ("30.yaml", "rating: [\n", "data/products/30.yaml", "not valid YAML"),
    ("chair.yaml", "rating: 4\n", "data/products/chair.yaml", "name the file by its product id"),
])
def test_a_bad_data_file_is_one_line_at_its_file_and_line(shop: Path, name: str, text: str, where: str,
                                                          message: str) -> None:
    write(shop, name, text)
    result = run("build", "-C", str(shop))
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    line = next(line for line in result.output.splitlines() if message in line)
    assert where in line
    assert not (shop / "public").exists()  # checked before anything is written
    checked = run("check", "-C", str(shop))  # `check` finds it too, without building
    assert checked.exit_code == 1 and where in checked.output and message in checked.output


def test_a_file_of_a_product_no_page_shows_is_one_warning_with_the_nearest_id(shop: Path) -> None:
    write(shop, "31.yaml", "rating: 4\n")  # a typo for 30
    output = build(shop)
    assert "data/products/31.yaml:1: product 31 is on no page of the site; did you mean '30'?" in output
    assert run("build", "-C", str(shop), "--strict").exit_code == 1


def test_editing_a_data_file_rebuilds_its_page(shop: Path) -> None:
    write(shop, "30.yaml", "specs: {Material: Beech}\n")
    build(shop)
    write(shop, "30.yaml", "specs: {Material: Oak}\n")
    build(shop)  # incremental: the catalog did not change
    assert "<dd>Oak</dd>" in html(shop, "/p/30-plain-chair/")
