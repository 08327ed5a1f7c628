"""Parsing the real Shopello fixtures, irregularities included, and writing them back."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.sources.models import (Attributes, Brand, Category, CategoryNode, PayloadError, Price, PricePoint,
                                      Product, ProductPage, Store, build_category_tree, parse_product)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shopello"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(("name", "total"), [("products-response-1.json", 194), ("products-response-2.json", 176557)])
def test_both_fixtures_parse(name: str, total: int) -> None:
    page = ProductPage.from_api(load(name))
    assert len(page.products) == 16 and page.total_found == total
    assert page.facets.has_reduction is True and page.facets.max_price
    assert len(page.facets.stores) == 1 and page.facets.stores[0].count == 0
    assert all(len(p.categories) == 1 and p.price.currency == "SEK" for p in page.products)


def test_irregularities_are_tolerated() -> None:
    products = {p.product_id: p for f in ("products-response-1.json", "products-response-2.json")
                for p in ProductPage.from_api(load(f)).products}
    assert sum(1 for p in products.values() if p.brand == "") >= 7          # attributes: []
    assert products[201688698].images == () and products[201688698].image() == ""  # images: []
    assert products[123571739].attributes.brand == "Yes" and products[123571739].attributes.other == ()  # _empty_
    assert not any(p.price.on_sale for p in products.values())               # regular_price: 0
    assert 2.45 in {p.price.price for p in products.values()}               # float32 artefact rounded
    assert any("&nbsp;" in p.description for p in products.values())        # entities kept as sent
    facets = ProductPage.from_api(load("products-response-2.json")).facets
    assert any(c.name == "Babyprodukter" for c in facets.categories)         # trailing space stripped
    assert any(b.name == "" for b in facets.brands)


def test_product_round_trips_through_the_api_shape() -> None:
    for product in ProductPage.from_api(load("products-response-1.json")).products:
        assert Product.from_api(product.to_api()) == product


def test_page_round_trips_with_requested_extra() -> None:
    page = ProductPage.from_api(load("products-response-1.json"))
    again = ProductPage.from_api(page.to_api(("brands", "categories", "has_reduction", "max_price", "stores")))
    assert again == page


def test_newer_attributes_are_typed() -> None:
    raw = load("products-response-1.json")["data"][0]
    raw["attributes"] = {"brand": "Muuto", "Color": "orange", "size": "M", "gender": "unisex", "gtin": "123",
                         "shipping_cost": "49", "stock": "0", "material": "glass"}
    attrs = Product.from_api(raw).attributes
    assert (attrs.color, attrs.size, attrs.gender, attrs.gtin, attrs.shipping_cost, attrs.stock) == \
        ("orange", "M", "unisex", "123", 49.0, False)
    assert attrs.other == (("material", "glass"),)


@pytest.mark.parametrize(("raw", "field"), [
    ({"data": "x"}, "data"),
    ({"data": [{"name": "no id"}]}, "product_id"),
    ({"data": [{"product_id": 1, "price": {"price": "cheap"}}]}, "price.price"),
    ({"data": [{"product_id": 1, "name": "Lampa", "price": {"price": 1}, "categories": "Lamps"}]}, "categories"),
    ([1, 2], "response"),
])
def test_wrong_shapes_raise_payload_error_naming_the_field(raw: object, field: str) -> None:
    """Without an issue sink (hand-made or trusted data) every problem raises."""
    with pytest.raises(PayloadError, match=field):
        ProductPage.from_api(raw)


def test_listing_types_accept_the_api_spellings() -> None:
    assert Category.from_api({"category_id": "14", "name": "Belysning ", "parent_id": 0}) == Category(14, "Belysning")
    assert Store.from_api({"id": 51, "name": "RUM21"}).store_id == 51
    assert Brand.from_api({"attribute_value_id": 7, "value": "Muuto"}) == Brand(7, "Muuto")
    assert PricePoint.from_api({"date": "2017-01-01", "price": "99.90"}) == PricePoint("2017-01-01", 99.9)
    node = CategoryNode.from_api({"category_id": 14, "name": "Belysning",
                                  "children": {"432": {"category_id": 432, "name": "Taklampor"}}})
    assert node.children[0].category == Category(432, "Taklampor", 14)
    assert CategoryNode.from_api(node.to_api()) == node


def test_build_category_tree_nests_sorts_and_cuts_cycles() -> None:
    cats = [Category(1, "B"), Category(2, "A"), Category(3, "Child"), Category(4, "X"), Category(5, "Y")]
    tree = build_category_tree(cats, {3: 1, 4: 5, 5: 4})
    assert [n.category.name for n in tree] == ["A", "B"]  # 4 and 5 form a cycle with no root
    assert tree[1].children[0].category == Category(3, "Child", 1)
    sub = build_category_tree(cats, {3: 1, 4: 5, 5: 4}, root=4)
    assert [(n.category.category_id, d) for n, d in sub[0].walk()] == [(4, 0), (5, 1)]
    assert build_category_tree(cats, {}, root=99) == []


def test_build_category_tree_sorts_case_insensitively_and_roots_self_parents() -> None:
    cats = [Category(1, "beta"), Category(2, "Alpha"), Category(3, "Gamma", 3)]
    tree = build_category_tree(cats, {})
    assert [n.category.category_id for n in tree] == [2, 1, 3]  # "Alpha" < "beta" < "Gamma"
    assert tree[2].children == ()


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_NUMBER = st.one_of(st.integers(0, 10**6), st.floats(0, 10**6, allow_nan=False), st.integers(0, 10**6).map(str))
_RAW_PRODUCTS = st.fixed_dictionaries({
    "product_id": st.integers(1, 10**9),
    "name": _TEXT.filter(str.strip),
    "description": _TEXT,
    "url": st.sampled_from(["https://shop.example/p?id=1", "javascript:alert(1)", "", "http://x.example/a b"]),
    "price": st.fixed_dictionaries({"price": st.integers(1, 10**6), "regular_price": _NUMBER,
                                    "reduction_percent": st.one_of(st.integers(0, 100), st.just("12.5")),
                                    "currency": st.sampled_from(["SEK", "EUR", "", None])}),
    "categories": st.lists(st.fixed_dictionaries({"category_id": st.integers(0, 99), "name": _TEXT}), max_size=3),
    "attributes": st.one_of(st.just([]), st.dictionaries(
        st.sampled_from(["brand", "Color", "size", "GTIN", "shipping_cost", "Stock", "material", "_empty_", "Fit"]),
        st.one_of(_TEXT, st.integers(0, 500), st.none()), max_size=6)),
    "images": st.one_of(st.just([]), st.dictionaries(st.sampled_from(["160", "220", "440", "x"]),
                                                     st.sampled_from(["https://img.example/a.jpg", "ftp://x"]))),
    "store": st.fixed_dictionaries({"store_id": st.integers(0, 50), "name": _TEXT, "url": st.just("https://s.example/")}),
    "original_url": st.just(""),
})


@given(_RAW_PRODUCTS)
@settings(max_examples=200, deadline=None)
def test_a_stored_product_is_rebuilt_without_validation_as_validation_would_build_it(raw: dict) -> None:
    """The catalog loads its own checked payloads with `from_checked`: it must give the product validation gives."""
    issues: list = []
    product = parse_product(raw, issues.append)
    assume(product is not None)
    stored = json.loads(json.dumps(product.to_api()))
    assert Product.from_checked(stored) == Product.from_api(stored) == product


def test_from_checked_refuses_what_is_not_the_stored_shape() -> None:
    with pytest.raises((KeyError, TypeError, ValueError)):
        Product.from_checked({"product_id": 1, "name": "x"})


_FIELD_NAMES = [f.name for f in dataclasses.fields(Product)]


@given(_RAW_PRODUCTS, st.sampled_from(_FIELD_NAMES + ["brand", "gtin", "image", "repr", "hash", "pickle", "eq"]))
@settings(max_examples=200, deadline=None)
def test_a_stored_product_made_when_read_is_the_product_its_row_holds(raw: dict, first: str) -> None:
    """A catalog loads its own rows as `Product.stored`, made on the first read of any field: whichever is read
    first, the product is the one `from_checked` makes of the row, field for field, in its repr, hash and
    equality, and through pickling (spawned render workers get products that way)."""
    product = parse_product(raw, [].append)
    assume(product is not None)
    payload = json.dumps(product.to_api())
    expected = Product.from_checked(json.loads(payload), "d1")
    stored = Product.stored(product.product_id, expected.url, expected.name, expected.attributes.gtin, payload, "d1")
    assert stored.product_id == expected.product_id and stored.digest == "d1" and stored.gtin == expected.gtin
    if first == "pickle":
        stored = pickle.loads(pickle.dumps(stored))
    read = {"repr": repr, "hash": hash, "eq": lambda p: p == expected, "image": lambda p: p.image(220),
            "pickle": repr}.get(first, lambda p: getattr(p, first))
    read(stored)
    for name in _FIELD_NAMES:
        assert getattr(stored, name) == getattr(expected, name)
    assert stored == expected and repr(stored) == repr(expected) and hash(stored) == hash(expected)
    assert stored.to_api() == expected.to_api() and stored.gtin == expected.gtin and stored.digest == "d1"


def test_a_stored_product_whose_row_is_not_the_stored_shape_is_validated_when_read() -> None:
    payload = json.dumps({"product_id": 7, "name": "<b>Lamp</b>", "price": {"price": "12"}, "url": "https://s.example/"})
    stored = Product.stored(7, "https://s.example/", "<b>Lamp</b>", "", payload, "d7")
    assert stored.price.price == 12.0 and stored.name == "<b>Lamp</b>" and stored.digest == "d7"
    broken = Product.stored(8, "", "", "", json.dumps({"product_id": 8}), "d8")
    with pytest.raises(PayloadError, match="product 8"):
        broken.price


def test_products_made_the_usual_way_keep_their_defaults() -> None:
    """The class holds no field defaults (a stored product's unread fields must reach `__getattr__`); the
    constructor still fills them, and a missing attribute is still an AttributeError."""
    product = Product(product_id=1, name="Lamp", description="", url="", price=Price(10.0))
    assert (product.categories, product.images, product.original_url, product.revenue_segment, product.digest) == \
        ((), (), "", "", "")
    assert product.attributes == Attributes() and product.gtin == "" and not hasattr(product, "colour")
    assert not hasattr(Product.stored(1, "", "", "", "{}", ""), "colour")
def test_stored_products_share_the_strings_a_catalog_repeats() -> None:
    """A build holds every product at once: two products of one store and brand hold one copy of the store's
    name and URL, the brand, the currency and the category name, not one per product."""
    def stored(product_id: int) -> Product:
        raw = {"product_id": product_id, "name": f"Lampa {product_id}", "url": f"https://x.test/{product_id}",
               "price": {"price": 10, "currency": "SEK"}, "categories": [{"category_id": 1, "name": "Lampor"}],
               "attributes": {"brand": "Markslöjd", "color": "vit"},
               "store": {"store_id": 5, "name": "Lampgallerian", "url": "https://shop.test/"}}
        return Product.from_checked(json.loads(json.dumps(parse_product(raw, print).to_api())))

    first, second = stored(1), stored(2)
    assert first.store.name is second.store.name and first.store.url is second.store.url
    assert first.brand is second.brand and first.attributes.color is second.attributes.color
    assert first.price.currency is second.price.currency
    assert first.categories[0].name is second.categories[0].name
    assert first.name == "Lampa 1" and first == Product.from_api(json.loads(json.dumps(first.to_api())))
