"""Product pages carried over from the last build when nothing they are made from changed.

An edit to a content page of a 10,000-product site changes no product page,
yet making those pages (related products, views, breadcrumbs) and
fingerprinting them was most of such a rebuild. So the build state records,
with each committed build, the product pages it made and a digest of their
inputs; the next build's product stage asks `CarryOver.pages` first, and
when the digest matches it adds each product page as a stand-in: its URL,
title and last fingerprint (`CarriedData`), nothing else. The stand-ins are
kept with their live output like any unchanged page and are never rendered:
when one's output is gone from the live site, the build starts over and
makes the product pages anew.

The digest covers everything a product page's fingerprint reads besides its
own product: the build key (config, code, secrets), the nav and, when a
template reads the whole page list, every content source (`context`, from
the build state), the product page templates, the product data's version,
the co-purchase data, the site-wide data (category tree and menu), every URL the
site had when product pages were made (breadcrumbs and store and brand links
point only at pages that exist) and the listed products. A live API has no
data version: its builds never carry pages over. Neither does `--clean`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..fingerprint import DataDigests, digest
from ..site import Site


class CarriedData(Mapping[str, Any]):
    """The page data of a page carried over from the last build: none, only the fingerprint its live output
    was made from. Such a page is kept, never rendered."""

    __slots__ = ("fingerprint",)

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@dataclass(frozen=True)
class ProductPagesRecord:
    """The product pages one build made: a digest of their inputs, (url, title) of each page in the order
    they were added, and the products they reported for an unsafe click URL (reported again when carried)."""

    inputs: str
    pages: Sequence[tuple[str, str]]
    unsafe: Sequence[int] = ()

    def to_json(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "pages": [list(page) for page in self.pages], "unsafe": list(self.unsafe)}

    @classmethod
    def from_json(cls, saved: Mapping[str, Any]) -> ProductPagesRecord:
        return cls(str(saved["inputs"]), [(str(url), str(title)) for url, title in saved["pages"]],
                   [int(pid) for pid in saved["unsafe"]])


@dataclass
class CarryOver:
    """The product stage's link to the last build (made by `BuildState.carry_over`)."""

    context: str  # what product pages share beyond the site graph (see the module docstring)
    data: DataDigests
    previous: ProductPagesRecord | None  # the last committed build's product pages
    fingerprints: Mapping[str, str]  # output path -> fingerprint of the live site
    output_path: Callable[[str], str] = field(repr=False)  # url -> output path (content.output_path_for)
    made: ProductPagesRecord | None = None  # this build's, to record when it commits
    _inputs: str = ""

    def pages(self, site: Site, product_ids: Sequence[int]) -> list[tuple[str, str, str]] | None:
        """(url, title, fingerprint) of each product page of the last build when they are made from what
        `site` and these listed products give them now (call before adding any); None to make them anew."""
        self._inputs = digest(self.context, self.data.value(site.data), ",".join(map(str, product_ids)),
                              *sorted(site.by_url))
        previous = self.previous
        if previous is None or previous.inputs != self._inputs:
            return None
        carried = []
        for url, title in previous.pages:
            fingerprint = self.fingerprints.get(self.output_path(url))
            if fingerprint is None:  # not in the live site's record after all: make the pages anew
                return None
            carried.append((url, title, fingerprint))
        self.made = previous
        return carried

    def record(self, pages: Sequence[tuple[str, str]], unsafe: Sequence[int]) -> None:
        """The product pages this build made (after `pages` said None)."""
        self.made = ProductPagesRecord(self._inputs, list(pages), list(unsafe))
