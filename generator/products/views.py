"""ProductView: what templates see of a product — every field already made safe to use.

Product data is untrusted. Here URLs pass the http(s) allow-list (a
`javascript:` click URL yields no link at all), descriptions become plain
text (entities decoded once, tags stripped) and click links are signed
with the channel of the page they appear on. Templates still autoescape
every value; this layer makes sure nothing dangerous is *meant* as markup
or as a link.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

from generator.core.safety import plain_text, safe_url
from generator.affiliate.signing import Signer
from generator.core.textfold import slugify
from generator.sources.models import IMAGE_SIZES, Product
from generator.sources.offer_keys import group_key, group_url

# Image hosts known to serve the same file over https (the Shopello plugin rewrites cdn.203.se the same way).
HTTPS_IMAGE_HOSTS = ("cdn.203.se",)


def secure_image_url(url: str) -> str:
    """An image URL a page served over https may load: https (or site-relative) as is, http on a known
    CDN upgraded to https, any other http URL dropped ("" -> the template shows its placeholder, never a
    mixed-content image). Sites are published over https (GitHub Pages), so this does not depend on base_url.
    """
    url = safe_url(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme == "https" or (not scheme and url.startswith("/")):
        return url
    if scheme == "http" and parts.hostname in HTTPS_IMAGE_HOSTS and parts.port is None and not parts.username:
        return urlunsplit(parts._replace(scheme="https"))
    return ""


T = TypeVar("T")


class cached_property(Generic[T]):  # noqa: N801 - named as the functools one it stands in for
    """`functools.cached_property` without the lock Python 3.11's takes on every first read (four times
    slower; a build makes about a dozen of these values for each of 10,000 products). Views are never
    shared between threads, and computing a value twice would give the same value. The value is set as an
    attribute (past a frozen dataclass's guard), not written into `__dict__`: reading `__dict__` makes each
    instance a dict of its own, 64 bytes more per view, and a build keeps one view per product it lists."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute, self.name, self.__doc__ = compute, compute.__name__, compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, view: Any, owner: type | None = None) -> T:
        if view is None:
            return self  # type: ignore[return-value]
        value = self.compute(view)
        object.__setattr__(view, self.name, value)  # read from the instance from now on
        return value


def product_url(product: Product) -> str:
    return f"/p/{product.product_id}-{slugify(product.name, 'product')}/"


def grouped_page_url(product: Product, grouping: str) -> str:
    """The page of the grouped product `product` is an offer of under `grouping` ("" when none): a function
    of its record alone, so every view of it (cards, widgets, recommendations) links to the same page whatever
    else the build fetched, never to its own product URL, which only redirects there."""
    key = group_key(product, grouping)
    return group_url(key) if key else ""


@dataclass(frozen=True)
class ProductView:
    """Text and links are computed once per view (cached): one view is shown on many pages."""

    product: Product
    channel: str
    # Not part of the value: the build state fingerprints page data by repr, which must be stable.
    sign: Signer = field(repr=False, compare=False)
    # The page of a grouped product (`offers.py`), when the product is one of its offers. Not part of the
    # value either: it follows from the product's record and the config, both already digested.
    page_url: str = field(default="", repr=False, compare=False)

    @property
    def id(self) -> int:
        return self.product.product_id

    @cached_property
    def name(self) -> str:
        return plain_text(self.product.name)

    @cached_property
    def description(self) -> str:
        return plain_text(self.product.description)

    @cached_property
    def url(self) -> str:
        """The product's own page on this site (its grouped product's, when it has one)."""
        return self.page_url or product_url(self.product)

    @cached_property
    def link_target(self) -> str:
        """The API's click URL when it is http(s), else "" (unsigned: whether there is a link at all)."""
        return safe_url(self.product.url)

    @cached_property
    def click_url(self) -> str:
        """The signed outbound link, or "" when the API's URL is not http(s). Signed when first shown,
        so an incremental build signs only the products on the pages it renders."""
        return self.sign(self.link_target, self.channel) if self.link_target else ""

    @cached_property
    def store_click_url(self) -> str:
        url = safe_url(self.product.store.url)
        return self.sign(url, self.channel) if url else ""

    @cached_property
    def store(self) -> str:
        return plain_text(self.product.store.name)

    @property
    def store_id(self) -> int:
        return self.product.store.store_id

    @cached_property
    def brand(self) -> str:
        return plain_text(self.product.attributes.brand)

    @cached_property
    def color(self) -> str:
        return plain_text(self.product.attributes.color)

    @cached_property
    def categories(self) -> list[tuple[int, str]]:
        return [(c.category_id, plain_text(c.name)) for c in self.product.categories]

    @property
    def price(self) -> float:
        return self.product.price.price

    @property
    def currency(self) -> str:
        return self.product.price.currency

    @property
    def regular_price(self) -> float:
        return self.product.price.regular_price if self.product.price.on_sale else 0.0

    @property
    def reduction(self) -> int:
        if not self.product.price.on_sale:
            return 0
        if self.product.price.reduction_percent:
            return round(self.product.price.reduction_percent)
        return round(100 * (1 - self.price / self.regular_price))

    @property
    def shipping_cost(self) -> float | None:
        return self.product.attributes.shipping_cost

    @property
    def in_stock(self) -> bool | None:
        return self.product.attributes.stock

    @cached_property
    def size(self) -> str:
        return plain_text(self.product.attributes.size)

    def attribute(self, label: str) -> str:
        """The plain text of a shop's own attribute (`material`), by its label in any case; "" when it has none."""
        wanted = label.casefold()
        return next((plain_text(value) for name, value in self.product.attributes.other if name.casefold() == wanted),
                    "")

    @cached_property
    def gtin(self) -> str:
        return plain_text(self.product.attributes.gtin)

    @cached_property
    def images(self) -> list[tuple[int, str]]:
        """(size, https URL) of each usable image: standard sizes when there are any, else all of them."""
        usable = [(size, secure) for size, url in self.product.images if (secure := secure_image_url(url))]
        return [(size, url) for size, url in usable if size in IMAGE_SIZES] or usable

    def image(self, size: int = 220) -> str:
        larger = [url for s, url in self.images if s >= size]
        return larger[0] if larger else (self.images[-1][1] if self.images else "")

    @property
    def srcset(self) -> str:
        """`url 160w, url 220w, ...`: commas inside URLs are escaped so the list stays parseable."""
        return ", ".join(f"{url.replace(',', '%2C').replace(' ', '%20')} {size}w" for size, url in self.images)
