"""ProductQuery cases as data, shared by the catalog tests and the parity suite.

Each case is (id, ProductQuery, Expect). `build_test_catalog(path)` creates
the catalog they run against: the demo data (32 real Shopello products, the
demo category tree) plus `fixtures/catalog/` (7 products with sales,
diacritics, missing images and a "Dörrar" category under "Övrigt bygg &
trädgård"). The parity suite serves that catalog through the loopback
Shopello server and runs the same cases through the HTTP client:

    for case in CASES:
        case.expect.verify(await source.products(case.query))

Expectations are properties of the answer (exact ids where the order is
fully determined, otherwise membership, order and counts), so they hold for
any source with the `products` endpoint's semantics.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.sources.catalog import CatalogSource
from generator.sources.demo import demo_catalog
from generator.sources.models import Facets, Product, ProductPage
from generator.sources.query import ProductQuery

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "catalog"
ALL_PRODUCTS = 39
LAMP_CATEGORIES = {14, 432, 435, 436, 422}  # Belysning and its sub-categories
DOOR_IDS = {800001, 800002, 800003}


def build_test_catalog(path: str | Path) -> CatalogSource:
    source = demo_catalog(path)
    source.import_files([FIXTURES / "extra-taxonomy.json", FIXTURES / "extra-products.jsonl"])
    return source


@dataclass(frozen=True)
class Expect:
    ids: Sequence[int] | None = None
    first: Sequence[int] = ()
    include: frozenset[int] = frozenset()
    exclude: frozenset[int] = frozenset()
    count: int | None = None
    total_found: int | None = None
    each: Callable[[Product], bool] | None = None
    order: Callable[[Product], Any] | None = None
    descending: bool = False
    facets: Callable[[Facets], bool] | None = None

    def verify(self, page: ProductPage) -> None:
        got = [p.product_id for p in page.products]
        if self.ids is not None:
            assert got == list(self.ids), got
        assert got[:len(self.first)] == list(self.first), got
        assert self.include <= set(got), (sorted(self.include - set(got)), got)
        assert not self.exclude & set(got), sorted(self.exclude & set(got))
        assert len(got) == len(set(got)), got
        if self.count is not None:
            assert len(got) == self.count, got
        if self.total_found is not None:
            assert page.total_found == self.total_found, page.total_found
        if self.each is not None:
            bad = [p.product_id for p in page.products if not self.each(p)]
            assert not bad, bad
        if self.order is not None:
            keys = [(self.order(p), p.product_id) for p in page.products]
            primary = [k for k, _ in keys]
            assert primary == sorted(primary, reverse=self.descending), keys
        if self.facets is not None:
            assert self.facets(page.facets), page.facets


@dataclass(frozen=True)
class QueryCase:
    id: str
    query: ProductQuery
    expect: Expect


def _q(**params: Any) -> ProductQuery:
    return ProductQuery.from_params(params)


def _text_of(p: Product) -> str:
    return " ".join([p.name, p.brand, p.description, *(c.name for c in p.categories)]).casefold()


def _text_has_all(*words: str) -> Callable[[Product], bool]:
    return lambda p: all(w in _text_of(p) for w in words)


def _text_has_any(*words: str) -> Callable[[Product], bool]:
    return lambda p: any(w in _text_of(p) for w in words)


def _category_in(ids: set[int]) -> Callable[[Product], bool]:
    return lambda p: any(c.category_id in ids for c in p.categories)


def _reduction(p: Product) -> float:
    if p.price.reduction_percent:
        return p.price.reduction_percent
    return round(100 * (1 - p.price.price / p.price.regular_price), 2) if p.price.regular_price > p.price.price else 0


CASES: list[QueryCase] = [
    # --- no filters: stable order by product id ---------------------------------------------
    QueryCase("all-default-order", _q(get_total_found=1),
              Expect(count=ALL_PRODUCTS, total_found=ALL_PRODUCTS, order=lambda p: p.product_id)),
    QueryCase("limit", _q(limit=5), Expect(ids=[800001, 800002, 800003, 800004, 800005])),
    QueryCase("offset", _q(limit=3, offset=2), Expect(ids=[800003, 800004, 800005])),
    QueryCase("offset-past-end", _q(limit=10, offset=500, get_total_found=1),
              Expect(count=0, total_found=ALL_PRODUCTS)),
    QueryCase("order-desc-without-order-by", _q(order="desc", limit=2), Expect(ids=[230437567, 229950319])),
    # --- product_id --------------------------------------------------------------------------
    QueryCase("product-id-include", _q(product_id="800002,62559094"), Expect(ids=[800002, 62559094])),
    QueryCase("product-id-exclude", _q(product_id="-800001,-800002", limit=2),
              Expect(ids=[800003, 800004])),
    QueryCase("product-id-mixed", _q(product_id="800001,800002,-800002"), Expect(ids=[800001])),
    # --- category_id (sub-categories included) -----------------------------------------------
    QueryCase("category-parent-includes-children", _q(category_id=14, get_total_found=1),
              Expect(total_found=13, each=_category_in(LAMP_CATEGORIES), include=frozenset({229950319, 62559094, 800004}))),
    QueryCase("category-leaf", _q(category_id=436), Expect(ids=[92392773, 95265090, 229940851])),
    QueryCase("category-grandparent", _q(category_id=37), Expect(ids=sorted(DOOR_IDS))),
    QueryCase("category-exclude-subtree", _q(category_id=-14, get_total_found=1),
              Expect(total_found=ALL_PRODUCTS - 13, each=lambda p: not _category_in(LAMP_CATEGORIES)(p))),
    QueryCase("category-include-and-exclude", _q(category_id="14,-432"),
              Expect(each=_category_in({14, 435, 436}), include=frozenset({800004, 229950319}), count=5)),
    # --- store_id -----------------------------------------------------------------------------
    QueryCase("store-include", _q(store_id="2001,2002"), Expect(ids=[800001, 800002, 800003, 800004, 800007])),
    QueryCase("store-exclude", _q(store_id="-51,-568,-329", get_total_found=1),
              Expect(total_found=ALL_PRODUCTS - 9 - 4 - 3, each=lambda p: p.store.store_id not in (51, 568, 329))),
    # --- brand ----------------------------------------------------------------------------------
    QueryCase("brand-exact", _q(brand="Swedoor"), Expect(ids=[800001, 800003])),
    QueryCase("brand-case-insensitive", _q(brand="  bébé   CONFORT "), Expect(ids=[800005])),
    QueryCase("brand-with-query", _q(brand="UTO", query="orange"),
              Expect(count=2, include=frozenset({62559094, 194535682}))),
    # --- price and reduction ranges -------------------------------------------------------------
    QueryCase("price-range", _q(price_min=100, price_max=500),
              Expect(each=lambda p: 100 <= p.price.price <= 500, include=frozenset({800002, 62559094, 800005, 800006}),
                     count=7)),
    QueryCase("price-min-only", _q(price_min=2000), Expect(ids=[800001, 92392773, 229940851])),
    QueryCase("price-max-fractional", _q(price_max=1.5), Expect(ids=[64054471, 174609298, 201688698, 217835799, 230437567])),
    QueryCase("reduction-min", _q(reduction_percent_min=30), Expect(ids=[800003, 800004])),
    QueryCase("reduction-range", _q(reduction_percent_min=1, reduction_percent_max=25),
              Expect(ids=[800001, 800007])),
    # --- has_images -----------------------------------------------------------------------------
    QueryCase("has-images", _q(has_images=1, get_total_found=1),
              Expect(total_found=ALL_PRODUCTS - 3, exclude=frozenset({201688698, 800004, 800005}))),
    # --- full-text query and modes --------------------------------------------------------------
    QueryCase("query-all-words", _q(query="orange pendel"),
              Expect(each=_text_has_all("orange", "pendel"), first=[95639730, 194535682, 62554750], count=4)),
    QueryCase("query-diacritics-folded", _q(query="dorr"), Expect(include=frozenset({800001, 800002}),
                                                                     each=_text_has_any("dörr"))),
    QueryCase("query-diacritics-typed", _q(query="Dörr"), Expect(include=frozenset({800001, 800002}),
                                                                    first=[800001])),
    QueryCase("query-accent-foreign", _q(query="bebe"), Expect(ids=[800005])),
    QueryCase("query-relevance-name-first", _q(query="kaffebryggare", limit=1), Expect(ids=[800007])),
    QueryCase("query-no-match", _q(query="zzzyyx", get_total_found=1), Expect(count=0, total_found=0)),
    QueryCase("query-punctuation-safe", _q(query='"lampa" OR NEAR( * -'),
              Expect(each=_text_has_any("lampa", "near"))),
    QueryCase("mode-pre", _q(query="garderob", mode="pre"), Expect(ids=[800003])),
    QueryCase("mode-pre-multi", _q(query="lamp oran", mode="pre", get_total_found=1),
              Expect(each=_text_has_any("lamp"), total_found=16)),
    QueryCase("mode-or", _q(query="dörrhandtag kaffebryggare", mode="or"),
              Expect(include=frozenset({800002, 800007}), exclude=frozenset({800001}))),
    QueryCase("mode-all-words-fewer-than-or", _q(query="dörrhandtag kaffebryggare", get_total_found=1),
              Expect(count=0, total_found=0)),
    QueryCase("mode-fill", _q(query="dörrhandtag kaffebryggare", mode="fill", limit=6, get_total_found=1),
              Expect(count=6, total_found=0, include=frozenset({800002, 800007}))),
    QueryCase("mode-fill-strict-first", _q(query="orange pendel", mode="fill", limit=5),
              Expect(count=5, include=frozenset({95639730, 194535682, 62554750}))),
    # --- ordering ---------------------------------------------------------------------------------
    QueryCase("order-by-price-asc", _q(order_by="price", limit=8), Expect(order=lambda p: p.price.price, count=8,
                                                                          first=[64054471, 174609298])),
    QueryCase("order-by-price-desc", _q(order_by="price", order="DESC", limit=3),
              Expect(ids=[92392773, 800001, 229940851])),
    QueryCase("order-by-reduction-default-desc", _q(order_by="reduction_percent", limit=4),
              Expect(ids=[800004, 800003, 800007, 800001])),
    QueryCase("order-by-reduction-asc", _q(order_by="reduction_percent", order="asc", reduction_percent_min=1),
              Expect(ids=[800001, 800007, 800003, 800004])),
    QueryCase("order-by-relevance-short-name-first", _q(query="lampa", order_by="relevance", limit=3),
              Expect(ids=[229950319, 800006, 229940851])),
    QueryCase("order-by-price-with-query", _q(query="lampa", order_by="price"),
              Expect(order=lambda p: p.price.price, first=[165558122, 210956234])),
    QueryCase("order-relevance-asc-reverses", _q(query="lampa", order_by="relevance", order="asc", limit=2),
              Expect(ids=[62550232, 62541664])),
    # --- disseminate --------------------------------------------------------------------------------
    QueryCase("disseminate", _q(category_id=432, disseminate=1, limit=5),
              Expect(first=[800006, 62541664], count=5, each=_category_in({432}))),
    QueryCase("disseminate-three-stores", _q(query="orange", order_by="price", order="desc", disseminate=1, limit=5),
              Expect(ids=[92392773, 229940851, 229950319, 95265090, 62547145])),
    # --- extra facets -------------------------------------------------------------------------------
    QueryCase("extra-categories", _q(query="lampa", extra="categories"),
              Expect(facets=lambda f: {c.id: c.count for c in f.categories}.get(432) == 6
                     and f.categories[0].count >= f.categories[-1].count)),
    QueryCase("extra-stores", _q(category_id=37, extra="stores"),
              Expect(facets=lambda f: [(s.id, s.count) for s in f.stores] == [(2001, 2), (2002, 1)])),
    QueryCase("extra-brands", _q(category_id=37, extra="brands"),
              Expect(facets=lambda f: [(b.name, b.count) for b in f.brands] == [("Swedoor", 2), ("Habo", 1)])),
    QueryCase("extra-max-price-and-reduction", _q(category_id=37, extra="max_price,has_reduction"),
              Expect(facets=lambda f: f.max_price == 2495 and f.has_reduction is True)),
    QueryCase("extra-no-reduction", _q(store_id=51, extra="has_reduction,max_price"),
              Expect(facets=lambda f: f.has_reduction is False and f.max_price == 2724)),
]
