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
  the others are made. A source with a change log (the catalog) first says
  which products changed since its log stood where the last build read it
  (`narrow`): every other page is carried over without reading its related
  products or digesting what it shows, so one changed price costs the pages
  that show it, not a pass over every product page.

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

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
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
    the products it shows, digest of its offers: "" on the page of a product in no group), in the order they
    were added; the products they reported for an unsafe
    click URL (reported again when they are carried over); and where the source's change log stood when they
    were made (`ChangeSource.change_token`; "" for a source without one, or a record from before it was kept)."""

    scope: str
    whole: str
    pages: Sequence[tuple[int, str, str, str, str]]
    unsafe: Sequence[int] = ()
    changes: str = ""

    def to_json(self) -> dict[str, Any]:
        # the pages as they are: JSON writes a tuple as a list, and a copy of a million of them cost seconds
        return {"scope": self.scope, "whole": self.whole,
                "pages": self.pages if isinstance(self.pages, list) else list(self.pages),
                "unsafe": list(self.unsafe), "changes": self.changes}

    @classmethod
    def from_json(cls, saved: Mapping[str, Any]) -> ProductPagesRecord:
        return cls(str(saved["scope"]), str(saved["whole"]),
                   # a record from before offers were digested apart: its grouped pages are compared in full
                   [(int(pid), str(url), str(title), str(shown), str(offered[0]) if offered else "")
                    for pid, url, title, shown, *offered in saved["pages"]],
                   [int(pid) for pid in saved["unsafe"]], str(saved.get("changes", "")))


@dataclass
class CarryOver:
    """The product stage's link to the last build's product pages (made by `BuildState.carry_over`):
    `whole` first; when that said None, `narrow` if the source can tell what changed since `last_changes`,
    then `take_untouched` or else `page` for each product, then `finish`."""

    context: str  # the build state's part of the shared inputs (see the module docstring)
    data_version: str  # of the product data
    per_page: bool  # whether pages may be carried over one by one (no co-purchase data)
    data: DataDigests
    previous: ProductPagesRecord | None  # the last committed build's product pages
    fingerprints: Mapping[str, str]  # output path -> fingerprint of the live site
    output_path: Callable[[str], str] = field(repr=False)  # url -> output path (content.output_path_for)
    # Whether the source's change log may carry pages over (`narrow`), asked only when it could; not when the
    # build must know every card the site shows (`CardStore.outgrown`): a page carried so knows no related products.
    narrowing: Callable[[], bool] = field(default=lambda: True, repr=False)
    made: ProductPagesRecord | None = None  # this build's, to record when it commits
    _scope: str = ""
    _whole: str = ""
    _pages: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    # product id -> the last build's (url, title, shown, offers) of its page
    _last: dict[int, tuple[str, str, str, str]] | None = None
    _touched: Collection[int] | None = None  # products whose pages may show something new (`narrow`)
    _untouched: dict[int, Page] = field(default_factory=dict)  # product id -> stand-in, as `untouched` found
    carried: set[int] = field(default_factory=set)  # the products whose pages `page` carried over

    def whole(self, site: Site, product_ids: Sequence[int]) -> list[Page] | None:
        """Stand-ins for every product page of the last build when nothing they show changed (call before
        adding any); None to make them, or carry them over one by one (`page`)."""
        self._scope = digest(self.context, self.data.value(site.data), *sorted(site.by_url))
        self._whole = digest(self._scope, self.data_version, ",".join(map(str, product_ids)))
        previous = self.previous
        if previous is None or previous.whole != self._whole:
            if previous is not None and self.per_page and previous.scope == self._scope:
                self._last = {page[0]: page[1:] for page in previous.pages}
            return None
        carried = []
        for _, url, title, *_ in previous.pages:
            page = self._stand_in(url, title, None)
            if page is None:
                return None
            carried.append(page)
        self.made = previous  # the same data version: the change log stands where it stood
        return carried

    def last_changes(self) -> str | None:
        """Where the source's change log stood when the last build's pages were made, when they may be carried
        over one by one (`page`), the record knows it and `narrowing` allows narrowing them."""
        if self._last is None or self.previous is None or not self.previous.changes or not self.narrowing():
            return None
        return self.previous.changes

    def narrow(self, touched: Collection[int]) -> None:
        """Only the pages of `touched` products may show something new since `last_changes` (the source's
        change log: changed products, and those whose related lists name one or changed); every other page
        the last build made is carried over as it was, without reading what it shows."""
        self._touched = touched

    def untouched(self, product: Product, offers: Sequence[Product]) -> bool:
        """Whether `product`'s page (showing `offers`) is carried over as `narrow` allows: nothing it shows
        changed (its stand-in is then ready for `take_untouched`). A grouped product's page is compared by its
        offers too: the log does not say which group a changed record left."""
        if self._touched is None or self._last is None or product.product_id in self._touched:
            return False
        last = self._last.get(product.product_id)
        page = self._stand_in(last[0], last[1], None) if last is not None and last[3] == self._offered(offers) \
            else None
        if page is not None:
            self._untouched[product.product_id] = page
        return page is not None

    def take_untouched(self, product_id: int) -> Page | None:
        """The stand-in `untouched` prepared for the page of `product_id` (its related products go unread, and
        it does not know its cards), recorded as the last build recorded it; None when there is none."""
        page = self._untouched.pop(product_id, None)
        if page is not None:
            self.carried.add(product_id)
            self._pages.append((product_id, *self._last[product_id]))  # type: ignore[index]  # (`untouched`)
        return page

    def page(self, product: Product, related: Sequence[Product], channel: str, make: Callable[[], Page],
             offers: Sequence[Product] = ()) -> Page:
        """The page of `product`, which shows `related` (their links signed with `channel`) and, on a grouped
        product's page, `offers`: carried over when the last build made it from the same records (and
        everything else it shows is the same), else `make()`."""
        last = self._last.get(product.product_id) if self._last is not None else None
        shown = digest(self.data.product(product), *[self.data.product(p) for p in related],
                       *(["offers", *[self.data.product(p) for p in offers]] if offers else []))
        # the products it shows, as `ProductPageData.products` lists them
        page = self._stand_in(last[0], last[1], [(product, channel), *((p, channel) for p in related)]) \
            if last is not None and last[2] == shown else None
        if page is None:
            page = make()
        else:
            self.carried.add(product.product_id)
        self._pages.append((product.product_id, page.url, page.title, shown, self._offered(offers)))
        return page

    def finish(self, unsafe: Sequence[int], changes: str) -> None:
        """The product pages are made (after `whole` said None): record them, with the products they reported
        for an unsafe click URL and where the source's change log stood before they were read (`changes`)."""
        self.made = ProductPagesRecord(self._scope, self._whole, self._pages, list(unsafe), changes)

    def _offered(self, offers: Sequence[Product]) -> str:
        return digest(*[self.data.product(p) for p in offers]) if offers else ""

    def _stand_in(self, url: str, title: str, cards: Sequence[tuple[Product, str]] | None) -> Page | None:
        fingerprint = self.fingerprints.get(self.output_path(url))
        if fingerprint is None:  # not in the live site's record after all: make the page anew
            return None
        return Page(url=url, kind="product", title=title, data=CarriedData(fingerprint, cards))
