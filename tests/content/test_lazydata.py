"""Product page data is made on first read and digested by its recipe: the digest must count every field
the data is made from, and fingerprinting must not make the data."""

from __future__ import annotations

import dataclasses
from typing import Any

from generator.engine.fingerprint import DataDigests
from generator.content.lazydata import LazyData
from generator.products.product_page import ProductPageData
from generator.products.views import ProductView
from generator.sources.models import Category
from generator.sources.price_history import PriceChange
from generator.products.product_data import ProductData
from tests.support.products import product


def sign(url: str, channel: str) -> str:
    return f"{url}?c={channel}"


def views(products: Any, channel: str) -> list[ProductView]:
    return [ProductView(p, channel, sign) for p in products]


LAMP, CHAIR, TABLE = product(1, "Lamp", 100), product(2, "Chair", 200), product(3, "Table", 300)
BASE = ProductPageData(product=ProductView(LAMP, "4711", sign), categories=(Category(432, "Lamps"),),
                       store_url="/stores/51-rum21/", brand_url="/brands/muuto/", related=(CHAIR,), views=views)

# One changed value per field of the recipe; each is something the page shows.
CHANGES: dict[str, Any] = {
    "product": ProductView(product(1, "Lamp", 101), "4711", sign),
    "categories": (Category(432, "Ceiling lamps"),),
    "store_url": "",
    "brand_url": "/brands/other/",
    "related": (CHAIR, TABLE),
    "recommendations": (TABLE,),
    "offers": (LAMP, TABLE),
    "price_history": (PriceChange(1_700_000_000, 120.0, "SEK"), PriceChange(1_700_086_400, 100.0, "SEK")),
    "own": ProductData(None, (("Material", "Brass"),)),
}


def digest_of(recipe: ProductPageData) -> str:
    return DataDigests().value(LazyData(recipe))


def test_every_field_the_data_is_made_from_counts_in_the_digest() -> None:
    shown = {f.name for f in dataclasses.fields(ProductPageData) if f.repr}
    assert shown == CHANGES.keys(), "a new field needs a change here and a part in digest_parts"
    for name, changed in CHANGES.items():
        assert digest_of(dataclasses.replace(BASE, **{name: changed})) != digest_of(BASE), name


def test_moving_a_product_between_lists_changes_the_digest() -> None:
    """Related and recommended products are separate lists: the same products split differently differ."""
    both = dataclasses.replace(BASE, related=(CHAIR, TABLE), recommendations=())
    moved = dataclasses.replace(BASE, related=(CHAIR,), recommendations=(TABLE,))
    assert digest_of(both) != digest_of(moved)


def test_equal_recipes_digest_alike_and_the_channel_counts() -> None:
    again = dataclasses.replace(BASE, product=ProductView(product(1, "Lamp", 100), "4711", sign),
                                related=(product(2, "Chair", 200),))
    assert digest_of(again) == digest_of(BASE)
    assert digest_of(dataclasses.replace(BASE, product=ProductView(LAMP, "other", sign))) != digest_of(BASE)


def test_fingerprinting_does_not_make_the_data_and_reading_does() -> None:
    made: list[ProductPageData] = []

    def counting_views(products: Any, channel: str) -> list[ProductView]:
        made.append(BASE)
        return views(products, channel)

    data = LazyData(dataclasses.replace(BASE, views=counting_views))
    DataDigests().value(data)
    assert made == []
    assert [v.name for v in data["related"]] == ["Chair"]
    assert data["product"].click_url == "https://se.shopelloapi.com/click/1?c=4711"
    assert "recommendations" not in data
    assert dict(data).keys() == {"product", "product_categories", "store_url", "brand_url", "related"}
    assert len(made) == 1, "made once, then read from memory"


def test_products_name_every_view_the_data_shows_with_its_channel() -> None:
    """What the card store asks of data it does not make: the same products, channels and order."""
    data = LazyData(dataclasses.replace(BASE, related=(CHAIR,), recommendations=(TABLE,)))
    shown = list(data.recipe.products())
    views = [data["product"], *data["related"], *data["recommendations"]]
    assert shown == [(view.product, view.channel) for view in views]
    assert [p.name for p, _ in shown] == ["Lamp", "Chair", "Table"]


def test_shown_views_are_the_very_views_the_made_data_holds() -> None:
    """The card store renders these views' cards before the page renders, and the page finds each card by
    its view: the same objects must come back, in the same order, when views are shared as the product
    stage shares them (one per product and channel)."""
    shared: dict[tuple[int, str], ProductView] = {}

    def shared_views(products: Any, channel: str) -> list[ProductView]:
        return [shared.setdefault((p.product_id, channel), ProductView(p, channel, sign)) for p in products]

    recipe = dataclasses.replace(BASE, related=(CHAIR,), recommendations=(TABLE,), views=shared_views)
    shown = recipe.shown_views()
    data = LazyData(recipe)
    assert [v.name for v in shown] == ["Lamp", "Chair", "Table"]
    assert all(a is b for a, b in zip(shown, [data["product"], *data["related"], *data["recommendations"]],
                                      strict=True))
