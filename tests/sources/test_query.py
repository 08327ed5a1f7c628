"""ProductQuery: validation names the parameter; equal meanings give equal keys."""

from __future__ import annotations

import pytest

from generator.core.errors import QueryError
from generator.sources.query import IdFilter, ProductQuery


def test_spellings_of_one_query_normalise_to_one_value() -> None:
    a = ProductQuery.from_params({"category_id": "3, 1,-7", "order": "desc", "order_by": "PRICE",
                                  "extra": "stores,categories", "query": "  iMac   pro ", "price_min": "100"})
    b = ProductQuery(category_id=[-7, 1, 3], order="DESC", order_by="price", extra=("categories", "stores"),
                     query="iMac pro", price_min=100.0)
    assert a == b and hash(a) == hash(b) and a.key == b.key
    assert len({a, b}) == 1


def test_wire_params_drop_empty_values_and_spell_lists_like_the_api() -> None:
    query = ProductQuery(product_id="5,-9,2", store_id=[-1], has_images=True, offset=0, price_max=99.5,
                         extra="max_price,brands", brand="", get_total_found=False)
    assert query.to_params() == {"product_id": "2,5,-9", "store_id": "-1", "has_images": "1",
                                 "price_max": "99.5", "extra": "brands,max_price"}
    assert ProductQuery().to_params() == {} and str(ProductQuery()) == "(all products)"


def test_id_filter_parses_include_and_exclude() -> None:
    ids = IdFilter.parse("1, 3,-7, 3", "category_id")
    assert (ids.include, ids.exclude, ids.to_param()) == ((1, 3), (7,), "1,3,-7")
    assert not IdFilter.parse("", "category_id")


@pytest.mark.parametrize(("params", "parameter"), [
    ({"limit": -1}, "limit"),
    ({"limit": 0}, "limit"),
    ({"offset": "-3"}, "offset"),
    ({"price_min": 10, "price_max": 5}, "price_min"),
    ({"reduction_percent_min": 50, "reduction_percent_max": 10}, "reduction_percent_min"),
    ({"order_by": "popularity"}, "order_by"),
    ({"order": "sideways"}, "order"),
    ({"mode": "fuzzy"}, "mode"),
    ({"extra": "categories,colours"}, "extra"),
    ({"category_id": "1,x"}, "category_id"),
    ({"store_id": "0"}, "store_id"),
    ({"has_images": "maybe"}, "has_images"),
    ({"price_max": "nan"}, "price_max"),
    ({"catgory_id": 1}, "catgory_id"),
])
def test_invalid_values_are_rejected_naming_the_parameter(params: dict[str, object], parameter: str) -> None:
    with pytest.raises(QueryError) as caught:
        ProductQuery.from_params(params)
    assert caught.value.parameter == parameter
    assert caught.value.message.startswith(f"{parameter}: ")


def test_unknown_parameter_suggests_the_close_one() -> None:
    with pytest.raises(QueryError, match="did you mean 'category_id'"):
        ProductQuery.from_params({"catgory_id": 1})


def test_replace_revalidates() -> None:
    query = ProductQuery(limit=10)
    assert query.replace(offset="20").offset == 20
    with pytest.raises(QueryError):
        query.replace(limit=-5)
