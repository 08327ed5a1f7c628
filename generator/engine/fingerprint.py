"""Digests of what an output is made from: page data, templates, files.

An incremental build re-renders an output exactly when one of these changed:

- `DataDigests.value(page.data)`: everything the product stage handed the page
  (listings, shortcode results, related products, pagination, feeds). A
  product contributes the digest of its full record plus the channel its
  link is signed with, so a changed price or name reaches every page that
  shows the product, and nothing else. A catalog product brings the digest
  of its stored record (`Product.digest`), so it is not walked at all.
  Data made on demand (`lazydata.LazyData`: product pages) is digested by
  its recipe, so a kept page's data is never made.
  Digests are memoised per object for one build: the 10,000-product "all"
  list of a listing is digested once, not once per listing page.
- `TemplateDigests.of(name)`: a template with everything it extends, includes
  or imports, by content (Jinja's own AST names the references), and the
  templates behind the globals it calls (`cards.IMPLIED_TEMPLATES`). A
  template that names another through a variable depends on every template.
- `file_signature(paths)`: (path, mtime, size) of files, for the "nothing at
  all changed" check that lets a build stop before fetching anything.

This module computes digests only; the build state decides what to do with them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jinja2
from jinja2 import meta, nodes

from generator.render.cards import IMPLIED_TEMPLATES
from generator.content.page import Page
from generator.content.lazydata import LazyData
from generator.products.views import ProductView
from generator.core.digest import digest
from generator.sources.models import Product


class DataDigests:
    """Stable digests of page data values, memoised by object identity for one build."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[object, str]] = {}
        # channel -> a catalog product's record digest -> its view's digest: nothing per product is held but
        # two short strings, the record digest the product holds anyway among them (a million products)
        self._views: dict[str, dict[str, str]] = {}
        self._walked: dict[tuple[int, str], tuple[Product, str]] = {}  # products without a record digest

    def _remember(self, value: object, compute: Any) -> str:
        hit = self._memo.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        found: str = compute()
        self._memo[id(value)] = (value, found)  # holding `value` keeps its id from being reused
        return found

    def product(self, product: Product) -> str:
        return product.digest or self._remember(product, lambda: digest(repr(product)))

    def view(self, product: Product, channel: str) -> str:
        """The digest of a product's view: its record and the channel its link is signed with. Memoised:
        a product is on its own page, a listing, related lists and cards. A catalog product is memoised by its
        record's digest (equal digests, equal products), any other by identity."""
        if record := product.digest:
            by_record = self._views.get(channel)
            if by_record is None:
                by_record = self._views[channel] = {}
            found = by_record.get(record)
            if found is None:
                found = by_record[record] = digest("view", record, channel)
            return found
        hit = self._walked.get((id(product), channel))
        if hit is not None and hit[0] is product:
            return hit[1]
        found = digest("view", self.product(product), channel)
        self._walked[(id(product), channel)] = (product, found)  # holding `product` keeps its id from being reused
        return found

    def value(self, value: Any) -> str:
        """A digest of `value` that changes exactly when what a template can read of it changes.

        Runs for every page of every build (10,000 product pages): the common scalars are tested by exact
        type first, and views (by their product), lists and tuples (shared by many pages) are memoised."""
        kind = type(value)
        if kind is str or kind is int or kind is float or kind is bool or value is None:
            return repr(value)
        if kind is Product:  # a subclass is walked as the dataclass it is
            return self.product(value)
        if kind is LazyData:  # its recipe names the data exactly: digest that, never make the data
            return digest("lazy", type(value.recipe).__name__, *value.recipe.digest_parts(self))
        if kind is ProductView or isinstance(value, ProductView):  # memoised by its product, the view not held
            return self.view(value.product, value.channel)
        if isinstance(value, (list, tuple)):
            hit = self._memo.get(id(value))
            if hit is not None and hit[0] is value:
                return hit[1]
            found = digest(kind.__name__, *self._items(value))
            self._memo[id(value)] = (value, found)  # holding `value` keeps its id from being reused
            return found
        if isinstance(value, (str, int, float, bool)):  # their subclasses (Markup)
            return repr(value)
        if isinstance(value, Page):
            return digest("page", value.url, value.title)  # another page is shown by its link and title
        if isinstance(value, Mapping):
            return digest("map", *(f"{k!r}={self.value(v)}" for k, v in sorted(value.items(), key=_key)))
        if isinstance(value, (set, frozenset)):
            return digest("set", *sorted(self.value(v) for v in value))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return self._remember(value, lambda: digest(kind.__name__, *(
                f"{name}={self.value(getattr(value, name))}" for name in _shown_fields(kind))))
        return digest(kind.__name__, repr(value))

    def _items(self, items: list[Any] | tuple[Any, ...]) -> list[str]:
        """What each item adds to its list's digest: its `value`, or for a view what its digest is made of
        ("view", its product's digest and channel; `value` never gives the bare "view"). A listing's items are
        views (the home page's "all": 10,000 of them, in every build that fingerprints it): hashed once with
        the list, not one by one."""
        product_digest, found = self.product, []
        for item in items:
            if type(item) is ProductView:
                found.append(f"view\0{product_digest(item.product)}\0{item.channel}")
            else:
                found.append(self.value(item))
        return found


def _key(item: tuple[Any, Any]) -> str:
    return repr(item[0])


@functools.cache
def _shown_fields(kind: type) -> tuple[str, ...]:
    """A dataclass's fields that are part of its value (those its repr shows)."""
    return tuple(f.name for f in dataclasses.fields(kind) if f.repr)


def _references(env: jinja2.Environment, source: str) -> frozenset[str] | None:
    """What a template extends, includes, imports or renders through a global; None when a name is dynamic."""
    try:
        tree = env.parse(source)
        found = list(meta.find_referenced_templates(tree))
    except jinja2.TemplateSyntaxError:
        return frozenset()  # rendering reports the error with its line
    if None in found:
        return None
    used = {node.name for node in tree.find_all(nodes.Name)}
    return frozenset({str(n) for n in found} | {implied for global_, implied in IMPLIED_TEMPLATES.items()
                                                 if global_ in used})


class TemplateDigests:
    """Per template: a digest of its source and of every template it reaches."""

    def __init__(self, env: jinja2.Environment, references: dict[str, frozenset[str] | None] | None = None) -> None:
        """`references`: source digest -> what that source references, as earlier builds found it (parsing
        is the slow part: a tenth of a second of a one-page rebuild); it learns the sources read here."""
        self.env = env
        self._references = {} if references is None else references
        self._own: dict[str, tuple[str, frozenset[str] | None]] = {}
        self._closure: dict[str, str] = {}
        self._everything: str | None = None

    def _read(self, name: str) -> tuple[str, frozenset[str] | None]:
        """(digest of the source, names it references; None when one is dynamic)."""
        if name not in self._own:
            try:
                source, _, _ = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                self._own[name] = ("missing", frozenset())
                return self._own[name]
            own = digest(source)
            if own not in self._references:
                self._references[own] = _references(self.env, source)
            self._own[name] = (own, self._references[own])
        return self._own[name]

    def references_read(self) -> dict[str, frozenset[str] | None]:
        """Source digest -> references of each template read so far: the next build's `references`."""
        return {own: refs for own, refs in self._own.values() if own != "missing"}

    def of(self, *names: str) -> str:
        """The digest of these templates and everything they extend, include or import."""
        key = "\0".join(names)
        if key not in self._closure:
            reached = self.reached(*names)
            self._closure[key] = self.everything() if reached is None else digest(
                *(f"{n}:{self._read(n)[0]}" for n in sorted(reached)))
        return self._closure[key]

    def reached(self, *names: str) -> frozenset[str] | None:
        """These templates and every one they extend, include, import or render through a global;
        None when one of them names a template through a variable (it may reach any)."""
        seen: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            refs = self._read(name)[1]
            if refs is None:
                return None
            seen.add(name)
            todo.extend(refs)
        return frozenset(seen)

    def everything(self) -> str:
        if self._everything is None:
            names = sorted(self.env.list_templates())
            self._everything = digest(*(f"{n}:{self._read(n)[0]}" for n in names))
        return self._everything


def page_templates(page: Page, template_for: Callable[[Page], str]) -> tuple[str, ...]:
    """The templates `page` renders with: its own and those of its shortcodes."""
    return (template_for(page), *(shortcode.template for shortcode in page.shortcodes))


class Fingerprints:
    """Fingerprints of this build's pages against the last build's, and which pages were rendered.

    A fingerprint is computed when a page's turn comes (`of`), in the render workers on a big
    site: fingerprinting 10,000 product pages then runs on every core, alongside rendering."""

    def __init__(self, fingerprint: Callable[[Page], str], previous: dict[str, str]) -> None:
        self._fingerprint = fingerprint
        self._computed: dict[str, str] = {}
        self.previous = previous
        self.fingerprints: dict[str, str] = {}
        self.rendered: list[str] = []

    def of(self, page: Page, key: str) -> str:
        """The fingerprint of `page` (output at `key`), computed once (a page found changed is fingerprinted
        before it renders)."""
        found = self._computed.get(key)
        if found is None:
            found = self._computed[key] = self._fingerprint(page)
        return found

    def __getstate__(self) -> dict[str, object]:
        """A spawned render worker gets the fingerprints computed so far, not how to compute one (it reads
        the build's template digests): the build fingerprints every page it sends there (`spawn_pool`)."""
        return {**self.__dict__, "_fingerprint": None}

    def unchanged(self, page: Page, key: str) -> bool:
        """Whether the inputs of `page` (output at `key`) are the ones its live output was made from."""
        return self.previous.get(key) == self.of(page, key)

    def keep_unchanged(self, pages: Sequence[Page], keys: Sequence[str], carry: Callable[[str], bool]) -> list[int]:
        """Record as kept each page (output at the same index of `keys`) whose fingerprint matches the last
        build's and whose live output `carry` puts into the next site; the indices of the others, which are
        rendered. `unchanged` and `record` for every page at once: an incremental build keeps 10,000."""
        previous, computed, fingerprint = self.previous, self._computed, self._fingerprint
        fingerprints = self.fingerprints
        left = []
        for index, key in enumerate(keys):
            found = computed.get(key)
            if found is None:
                found = computed[key] = fingerprint(pages[index])
            if previous.get(key) == found and carry(key):
                fingerprints[key] = found
            else:
                left.append(index)
        return left

    def record(self, key: str, fingerprint: str, rendered: bool) -> None:
        self.fingerprints[key] = fingerprint
        if rendered:
            self.rendered.append(key)

