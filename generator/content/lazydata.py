"""Page data made when a page first reads it, and known before that by its recipe.

A 10,000-product site has 10,000 product pages, and an incremental build
renders a handful of them. Their data (the product, its related products,
breadcrumbs) is only worth making for the pages that render. `LazyData`
holds a recipe: a frozen value with everything its `make()` reads. The build
state digests the recipe (`digest_parts`), not the data: equal recipes make
equal data, so a page whose recipe did not change is kept without its data
ever being made.

The made data is read-only: code that wants other data gives the page a new
`LazyData` with another recipe (`dataclasses.replace`), which keeps the
digest and the data in step.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from generator.engine.fingerprint import DataDigests
    from generator.products.views import ProductView
    from generator.sources.models import Product


class Recipe(Protocol):
    """What `LazyData` needs of a recipe: the data, and the parts of its digest, which must cover every
    value `make()` reads (its tests change each field and watch the digest change)."""

    def make(self) -> dict[str, Any]: ...

    def digest_parts(self, data: DataDigests) -> tuple[str, ...]: ...

    def shown_views(self) -> list[ProductView]:
        """The product views `make()` puts in the data, the very objects, made without the data."""
        ...

    def products(self) -> Iterator[tuple[Product, str]]:
        """(product, channel) of every product view `make()` puts in the data: the cards a page shows
        are known without making its data (`card_store`)."""
        ...


class LazyData(Mapping[str, Any]):
    """A read-only mapping of `recipe.make()`, made on first read."""

    __slots__ = ("recipe", "_data")

    def __init__(self, recipe: Recipe) -> None:
        self.recipe = recipe
        self._data: dict[str, Any] | None = None

    def _made(self) -> dict[str, Any]:
        if self._data is None:
            self._data = self.recipe.make()
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._made()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._made())

    def __len__(self) -> int:
        return len(self._made())

    def __repr__(self) -> str:
        return f"LazyData({self.recipe!r})"
