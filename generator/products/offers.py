"""One product, many shops: grouping the records of one product into offers.

    group_offers(products, grouping)   key -> OfferGroup: the records of each group key, cheapest first
    OfferGroup                         what the build knows of a group (its key, URL and records)
    GroupView                          what templates see of a group: its offers as ProductViews (each
                                       with its own signed link), lowest and highest price, how many
                                       shops; anything else is read from the cheapest offer, so a
                                       grouped product can stand wherever a ProductView stands (a card)

Which records are one product is decided by `sources/offer_keys.py`; where
they come from (the whole catalog, or what the site fetched from the API) by
the product stage. "Cheapest first" orders by price, then by shipping (an
unknown cost after any known one), then in stock before out of stock, then
by shop name and product id, so equal inputs always give the same order.

A group's URL is a function of its key alone: it does not move when the
cheapest shop changes or a shop comes or goes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from generator.sources.models import Product
from generator.sources.offer_keys import group_key, group_url, gtin_key
from generator.products.views import ProductView


def cheapest_first(product: Product) -> tuple[float, float, int, str, int]:
    shipping = product.attributes.shipping_cost
    return (product.price.price, float("inf") if shipping is None else shipping,
            1 if product.attributes.stock is False else 0, product.store.name.casefold(), product.product_id)


@dataclass(frozen=True)
class OfferGroup:
    key: str
    url: str
    products: tuple[Product, ...]  # cheapest first, one per product id


def group_offers(products: Iterable[Product], grouping: str) -> dict[str, OfferGroup]:
    """Each group key among `products` -> its group (a product with no key is in none)."""
    members: dict[str, dict[int, Product]] = {}
    for product in products:
        key = group_key(product, grouping)
        if key:
            members.setdefault(key, {}).setdefault(product.product_id, product)
    # a group of one is not sorted: its record is not read (a product loaded lean, `CatalogSource.fetch_lean`)
    return {key: OfferGroup(key, group_url(key), tuple(sorted(found.values(), key=cheapest_first))
                            if len(found) > 1 else tuple(found.values()))
            for key, found in sorted(members.items())}


@dataclass(frozen=True)
class GroupView:
    """A grouped product for templates. Its fields are its whole value (the build state digests page data
    by them): the page URL and the offers' views, whose signed links are those of the page showing them."""

    url: str
    offers: tuple[ProductView, ...]

    @property
    def offer_count(self) -> int:
        return len(self.offers)

    @property
    def store_count(self) -> int:
        """How many shops sell it (a shop may list it twice, in two variants)."""
        return len({(o.store_id, o.store) for o in self.offers})

    @property
    def gtin(self) -> str:
        """The group's GTIN in its 14-digit form, however its shops write it ("" for a group by name)."""
        return next((key for o in self.offers if (key := gtin_key(o.gtin))), "")

    @property
    def low_price(self) -> float:
        return self.offers[0].price

    @property
    def high_price(self) -> float:
        return max(o.price for o in self.offers)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and dataclass internals: never the cheapest offer's
            raise AttributeError(name)
        return getattr(self.offers[0], name)
