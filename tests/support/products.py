"""Helpers for product-page tests: a scratch site on a catalog of hand-made products."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.sources.catalog import CatalogSource
from generator.sources.models import Product
from tests.support.sites import write_site

CATALOG_CONFIG = """\
title = "Shop"
base_url = "https://user.github.io/repo/"
language = "en"

[source]
kind = "catalog"
catalog = "products.sqlite"

[links]
channel = "4711"
"""


def product(pid: int, name: str, amount: float, **overrides: Any) -> Product:
    """A product in the API's shape; `overrides` replace whole top-level fields."""
    raw: dict[str, Any] = {
        "product_id": pid, "name": name, "description": f"About {name}",
        "url": f"https://se.shopelloapi.com/click/{pid}",
        "price": {"price": amount, "regular_price": 0, "reduction_percent": 0, "currency": "SEK"},
        "categories": [{"category_id": 432, "name": "Taklampor"}],
        "attributes": {"brand": "Muuto"},
        "images": {str(s): f"https://cdn.example/{pid}-{s}.jpg" for s in (160, 220, 320, 440)},
        "store": {"store_id": 51, "name": "RUM21", "url": "https://se.shopelloapi.com/click/store/51"},
        "original_url": "https://shop.example/x",
    }
    raw.update(overrides)
    return Product.from_api(raw)


def catalog_site(root: Path, products: list[Product], files: dict[str, str], config: str = CATALOG_CONFIG) -> Path:
    site = write_site(root, files, config=config)
    with CatalogSource(site / "products.sqlite") as catalog:
        catalog.import_products(products)
    return site
