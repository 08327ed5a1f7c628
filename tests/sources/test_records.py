"""The product record parser (generator/sources/records.py via Product.from_api): hostile values drop
the field or the product with an issue naming both, and whatever survives is safe to format and
serialise as strict JSON. Ends with a fuzz test over arbitrary JSON-ish records."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.render.formatting import Formatter
from generator.sources.models import PayloadError, Product, parse_product, parse_products
from generator.sources.records import (DESCRIPTION_CHARS, MAX_PRICE, NAME_CHARS, PRODUCT, TEXT_CHARS, URL_CHARS,
                                       RecordError, RecordIssue)

GOOD: dict[str, Any] = {
    "product_id": 7, "name": "Taklampa Ø40", "description": "Mässing &amp; glas", "url": "https://x.example/c/7",
    "price": {"price": "1795.00", "regular_price": 0, "reduction_percent": 0, "currency": "SEK"},
    "categories": [{"category_id": 14, "name": "Belysning"}], "attributes": {"brand": "Muuto"},
    "images": {"160": "https://cdn.example/7-160.jpg"}, "store": {"store_id": 51, "name": "RUM21", "url": ""},
}
FORMAT = Formatter("sv_SE")
# Characters XML 1.0 forbids or HTML calls a parse error: C0 controls but tab and newline, DEL, C1,
# lone surrogates, noncharacters.
XML_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                        + "".join(chr(p << 16 | 0xFFFE) + chr(p << 16 | 0xFFFF) for p in range(17)) + "]")


def parse(**overrides: Any) -> tuple[Product | None, list[RecordIssue]]:
    issues: list[RecordIssue] = []
    return parse_product({**GOOD, **overrides}, issues.append), issues


def price(value: Any) -> dict[str, Any]:
    return {**GOOD["price"], "price": value}


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", float("nan"), float("inf"), 1e28,
                                   MAX_PRICE + 1, -5, 0, "0", "", None, "cheap", True, [1], {"price": 1}])
def test_unusable_prices_drop_the_product_naming_id_and_field(value: Any) -> None:
    product, issues = parse(price=price(value))
    assert product is None
    ((issue),) = issues
    assert (issue.product_id, issue.field, issue.dropped) == ("7", "price.price", PRODUCT)
    assert str(issue).startswith("product 7: price.price: ") and str(issue).endswith("; product dropped")


@pytest.mark.parametrize(("raw", "field"), [
    ({**GOOD, "product_id": "abc"}, "product_id"), ({**GOOD, "product_id": 2**64}, "product_id"),
    ({**GOOD, "product_id": 1.5}, "product_id"), ({**GOOD, "product_id": None}, "product_id"),
    ({**GOOD, "name": {"sv": "Lampa"}}, "name"), ({**GOOD, "name": " \x00 "}, "name"),
    ({**GOOD, "price": "1795"}, "price"), (["not", "a", "product"], "record"),
])
def test_a_product_without_usable_id_name_or_price_is_dropped(raw: Any, field: str) -> None:
    issues: list[RecordIssue] = []
    assert parse_product(raw, issues.append) is None
    assert [(i.field, i.dropped) for i in issues] == [(field, PRODUCT)]
    with pytest.raises(RecordError, match=field):  # without a sink it raises (a PayloadError)
        Product.from_api(raw)


@pytest.mark.parametrize(("overrides", "field", "check"), [
    ({"description": {"html": "<b>x</b>"}}, "description", lambda p: p.description == ""),
    ({"url": ["https://x"]}, "url", lambda p: p.url == ""),
    ({"url": "https://x.example/" + "a" * URL_CHARS}, "url", lambda p: p.url == ""),
    ({"price": {**GOOD["price"], "regular_price": "NaN"}}, "price.regular_price", lambda p: p.price.regular_price == 0),
    ({"price": {**GOOD["price"], "reduction_percent": 250}}, "price.reduction_percent",
     lambda p: p.price.reduction_percent == 0),
    ({"price": {**GOOD["price"], "currency": "<b>"}}, "price.currency", lambda p: p.price.currency == "SEK"),
    ({"categories": "Lamps"}, "categories", lambda p: p.categories == ()),
    ({"categories": [{"category_id": -1, "name": "x"}, {"category_id": 3, "name": "Ok"}]},
     "categories[0].category_id", lambda p: [c.category_id for c in p.categories] == [3]),
    ({"attributes": {"brand": {"x": 1}, "color": "röd"}}, "attributes.brand",
     lambda p: (p.brand, p.attributes.color) == ("", "röd")),
    ({"attributes": {"shipping_cost": "Infinity"}}, "attributes.shipping_cost",
     lambda p: p.attributes.shipping_cost is None),
    ({"images": {"huge": "https://cdn.example/a.jpg", "220": "https://cdn.example/b.jpg"}}, "images.huge",
     lambda p: p.images == ((220, "https://cdn.example/b.jpg"),)),
    ({"store": {"store_id": "x", "name": "RUM21"}}, "store.store_id", lambda p: p.store.store_id == 0),
])
def test_an_unusable_field_is_ignored_and_the_product_kept(overrides: dict[str, Any], field: str, check: Any) -> None:
    product, issues = parse(**overrides)
    assert product is not None and check(product)
    assert [(i.product_id, i.field, i.dropped) for i in issues] == [("7", field, "field")]
    assert str(issues[0]).endswith("; field ignored")


def test_text_is_cleaned_and_cut_to_documented_lengths() -> None:
    product, issues = parse(name="Lampa " * 20_000, description="x" * (DESCRIPTION_CHARS - 4) + "&amp; more",
                            attributes={"brand": "B" * 500, "material": "m" * 500},
                            categories=[{"category_id": 1, "name": "c\ud800\x07" * 100}])
    assert product is not None and not issues
    assert len(product.name) == NAME_CHARS and product.name.endswith("…")
    assert product.description == "x" * (DESCRIPTION_CHARS - 4) + "…"  # never cut inside an entity
    assert len(product.brand) == TEXT_CHARS and len(product.attributes.other[0][1]) == TEXT_CHARS
    assert "\ud800" not in product.categories[0].name and "\x07" not in product.categories[0].name
    product.categories[0].name.encode("utf-8")  # no lone surrogate left to break a write


def test_numbers_as_strings_and_php_spellings_still_parse() -> None:
    product, issues = parse(product_id="7", price=price("1795.5"), attributes=[], images=[], name=1984)
    assert product is not None and not issues
    assert (product.product_id, product.price.price, product.name) == (7, 1795.5, "1984")


def test_parse_products_keeps_the_usable_ones_in_order() -> None:
    issues: list[RecordIssue] = []
    items = [GOOD, {**GOOD, "product_id": 8, "price": price("NaN")}, {**GOOD, "product_id": 9}]
    assert [p.product_id for p in parse_products(items, issues.append)] == [7, 9]
    assert [i.product_id for i in issues] == ["8"]
    with pytest.raises(PayloadError, match="product 8.price.price"):
        parse_products(items, None)


# --- fuzz: arbitrary JSON-ish records ------------------------------------------------------------

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30)
           | st.sampled_from(["NaN", "Infinity", "-1", "0", "1e400", "1e28", "12.5", "&amp", "<b>", "\ud800", ""])
           | st.sampled_from(["\udfff", "\ufffe", "\uffff", "\U0010ffff", "\x00", "\x1b", "\x85"]))
JSONISH = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
FIELDS = ("product_id", "name", "description", "url", "price", "categories", "attributes", "images", "store",
          "original_url", "revenue_segment")


@st.composite
def records(draw: st.DrawFn) -> Any:
    """Mostly product-shaped records with hostile values in any field, sometimes anything at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSONISH)
    raw = dict(GOOD)
    for name in draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=4)):
        raw[name] = draw(JSONISH)
    if draw(st.booleans()):
        raw["price"] = {**GOOD["price"], **draw(st.dictionaries(
            st.sampled_from(["price", "regular_price", "reduction_percent", "currency"]), JSONISH, max_size=3))}
    return raw


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_fuzz_the_record_parser(raw: Any) -> None:
    issues: list[RecordIssue] = []
    product = parse_product(raw, issues.append)  # never raises
    if product is None:
        assert issues and issues[-1].dropped == PRODUCT
        return
    assert all(i.dropped == "field" and i.product_id == str(product.product_id) for i in issues)
    text = json.dumps(product.to_api(), allow_nan=False, ensure_ascii=False)
    text.encode("utf-8")
    assert not XML_UNSAFE.search(text), "text no XML or HTML file may hold survived"
    assert Product.from_api(json.loads(text)) == product  # strict: what survived has no issue left
    assert 0 < product.price.price <= MAX_PRICE and math.isfinite(product.price.regular_price)
    assert FORMAT.price(product.price.price, product.price.currency)
    assert len(product.name) <= NAME_CHARS and len(product.description) <= DESCRIPTION_CHARS
