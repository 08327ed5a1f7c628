"""Product pages carried over from the last build when nothing they show changed.

An edit to a content page of a 10,000-product site changes no product page,
and a changed price changes one product page (and the few that show the
product as related); yet making every product page (related products,
views, breadcrumbs) and fingerprinting it was most of such a rebuild. So
the build state records, with each committed build, the product pages it
made: per page its product, URL, title and a digest of the products it
shows, and for them all a digest of what they share. The next build's
product stage asks `CarryOver` before making them:

- `whole`: when the shared inputs, the product data's version and the
  listed products are the last build's, every product page is carried over
  at once, without reading related products;
- `page`: else, when only product data changed, each page whose product and
  related products are the same records as last time is carried over, and
  the others are made.

A carried page is a stand-in: its URL, title and last fingerprint
(`CarriedData`), nothing else. It is kept with its live output like any
unchanged page and never rendered: when its output is gone from the live
site, the build starts over and makes the product pages anew.

The shared inputs (`scope`) are everything a product page's fingerprint
reads besides the products it shows: the build key (config, code, secrets),
the nav and, when a template reads the whole page list, every content source
(`context`, from the build state), the product page templates, the
co-purchase data, the site-wide data (category tree and menu) and every URL
the site had when product pages were made (breadcrumbs and store and brand
links point only at pages that exist). Co-purchase partners are added to
product pages after this stage, so a site with co-purchase data carries its
product pages over only as a whole. A live API has no data version: its
builds never carry pages over. `--clean` carries nothing over but records
what it made, for the next build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.content.page import Page
from generator.core.digest import digest
from generator.content.site import Site
from generator.sources.models import Product

if TYPE_CHECKING:
    from generator.engine.fingerprint import DataDigests


class CarriedData(Mapping[str, Any]):
    """The page data of a page carried over from the last build: none, only the fingerprint its live output
    was made from and, when known, the (product, channel) of each card it shows (`card_store` keeps those
    cards). Such a page is kept, never rendered."""

    __slots__ = ("fingerprint", "cards")

    def __init__(self, fingerprint: str, cards: Sequence[tuple[Product, str]] | None = None) -> None:
        self.fingerprint = fingerprint
        self.cards = cards

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass(frozen=True)
class ProductPagesRecord:
    """The product pages one build made: the digest of what they share (`scope`) and of that plus the
    product data's version and the listed products (`whole`); per page (product id, url, title, digest of
    the products it shows), in the order they were added; and the products they reported for an unsafe
    click URL (reported again when they are carried over as a whole)."""

    scope: str
    whole: str
    pages: Sequence[tuple[int, str, str, str]]
    unsafe: Sequence[int] = ()

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope, "whole": self.whole, "pages": [list(page) for page in self.pages],
                "unsafe": list(self.unsafe)}

    @classmethod
    def from_json(cls, saved: Mapping[str, Any]) -> ProductPagesRecord:
        return cls(str(saved["scope"]), str(saved["whole"]),
                   [(int(pid), str(url), str(title), str(shown)) for pid, url, title, shown in saved["pages"]],
                   [int(pid) for pid in saved["unsafe"]])


@dataclass
class CarryOver:
    """The product stage's link to the last build's product pages (made by `BuildState.carry_over`):
    `whole` first, then `page` for each product when that said None, then `finish`."""

    context: str  # the build state's part of the shared inputs (see the module docstring)
    data_version: str  # of the product data
    per_page: bool  # whether pages may be carried over one by one (no co-purchase data)
    data: DataDigests
    previous: ProductPagesRecord | None  # the last committed build's product pages
    fingerprints: Mapping[str, str]  # output path -> fingerprint of the live site
    output_path: Callable[[str], str] = field(repr=False)  # url -> output path (content.output_path_for)
    made: ProductPagesRecord | None = None  # this build's, to record when it commits
    _scope: str = ""
    _whole: str = ""
    _pages: list[tuple[int, str, str, str]] = field(default_factory=list)
    _last: dict[int, tuple[str, str, str]] | None = None  # product id -> the last build's (url, title, shown)

    def whole(self, site: Site, product_ids: Sequence[int]) -> list[Page] | None:
        """Stand-ins for every product page of the last build when nothing they show changed (call before
        adding any); None to make them, or carry them over one by one (`page`)."""
        self._scope = digest(self.context, self.data.value(site.data), *sorted(site.by_url))
        self._whole = digest(self._scope, self.data_version, ",".join(map(str, product_ids)))
        previous = self.previous
        if previous is None or previous.whole != self._whole:
            if previous is not None and self.per_page and previous.scope == self._scope:
                self._last = {pid: (url, title, shown) for pid, url, title, shown in previous.pages}
            return None
        carried = []
        for _, url, title, _ in previous.pages:
            page = self._stand_in(url, title, None)
            if page is None:
                return None
            carried.append(page)
        self.made = previous
        return carried

    def page(self, product: Product, related: Sequence[Product], channel: str, make: Callable[[], Page],
             offers: Sequence[Product] = ()) -> Page:
        """The page of `product`, which shows `related` (their links signed with `channel`) and, on a grouped
        product's page, `offers`: carried over when the last build made it from the same records (and
        everything else it shows is the same), else `make()`."""
        shown = digest(self.data.product(product), *[self.data.product(p) for p in related],
                       *(["offers", *[self.data.product(p) for p in offers]] if offers else []))
        last = self._last.get(product.product_id) if self._last is not None else None
        page = None
        if last is not None and last[2] == shown:  # the products it shows, as `ProductPageData.products` lists them
            page = self._stand_in(last[0], last[1], [(product, channel), *((p, channel) for p in related)])
        if page is None:
            page = make()
        self._pages.append((product.product_id, page.url, page.title, shown))
        return page

    def finish(self, unsafe: Sequence[int]) -> None:
        """The product pages are made (after `whole` said None): record them, with the products they reported
        for an unsafe click URL."""
        self.made = ProductPagesRecord(self._scope, self._whole, self._pages, list(unsafe))

    def _stand_in(self, url: str, title: str, cards: Sequence[tuple[Product, str]] | None) -> Page | None:
        fingerprint = self.fingerprints.get(self.output_path(url))
        if fingerprint is None:  # not in the live site's record after all: make the page anew
            return None
        return Page(url=url, kind="product", title=title, data=CarriedData(fingerprint, cards))
