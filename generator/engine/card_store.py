"""Product cards made ready before pages render, and kept between builds.

A card (`cards.py`) sees its product view, `eager`, the config and the
template globals, nothing else. So its HTML is a function of: the build key
(config, code and translations, shelfpress version, --strict), the card
template with everything it reaches, the product's record and the channel
its link is signed with. A digest of those is the card's key in
`<cache_dir>/cards.sqlite`.

Before pages render (and after the unchanged ones are kept), `prepare` finds
the cards the pages to render will show: the product views in the page data
of pages whose template reaches the card template. Known cards come from the
store; the others are rendered once each, in this process, instead of once
per render worker: the render workers inherit them all. (Rendering them in
forked workers too cost more than it saved: 10,000 cards render in a third
of a second, while a pool's workers copy much of the build's memory as they
touch it, and a child process making the output's folders, `output.py`,
has the other core meanwhile.) A build that
re-renders a home page listing 10,000 products after one of them changed
renders one card and reuses 9,999; each stored card also brings its product's page URL and name, which
the listing's structured data lists (`_Facts`).

Only cards with `eager=False` are prepared; the few eager ones (above the
fold of a listing) render on demand. After a successful build, `save` adds
the cards it rendered, each replacing the stored card of the same product and
channel (the old version of a changed product). Cards of products gone from
the site stay until the store outgrows the site (`ROOM_PER_PAGE`); the next
build that renders cards then walks the site and keeps exactly the cards it
shows (kept pages' too). That walk costs a tenth of a second at 10,000
products, so a one-product rebuild does not take it.
`--clean` renders every card again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from generator.render.cards import CARD_TEMPLATE, ProductCards
from generator.content.page import Page
from generator.core.database import DatabaseError, Schema, connect
from generator.core.digest import digest
from generator.engine.fingerprint import DataDigests, TemplateDigests, page_templates
from generator.content.lazydata import LazyData
from generator.products.carry import CarriedData
from generator.products.views import ProductView
from generator.sources.models import Product

SCHEMA = Schema("card cache", [
    "CREATE TABLE IF NOT EXISTS cards (key TEXT NOT NULL UNIQUE, html TEXT NOT NULL);",
    # Version 2 knows each card's product and channel: a new version of a card replaces the old one.
    "DROP TABLE IF EXISTS cards; CREATE TABLE cards (key TEXT NOT NULL UNIQUE, product_id INTEGER NOT NULL, "
    "channel TEXT NOT NULL, html TEXT NOT NULL, UNIQUE (product_id, channel));",
    # Version 3 keeps each card's product page URL and name too (`_Facts`).
    "DROP TABLE IF EXISTS cards; CREATE TABLE cards (key TEXT NOT NULL UNIQUE, product_id INTEGER NOT NULL, "
    "channel TEXT NOT NULL, html TEXT NOT NULL, url TEXT NOT NULL, name TEXT NOT NULL, "
    "UNIQUE (product_id, channel));",
], hint="delete the file (it is a cache) and build again")

# The store may hold this many cards per page of the site (plus ROOM_SLACK) before `save` drops the cards
# the site no longer shows; a site shows at most about one card per product page and channel.
ROOM_PER_PAGE, ROOM_SLACK = 2, 1000


_BATCH = 500  # keys per SELECT ... IN (...): well under SQLite's limit on parameters

# (html, url, name) of a stored card: a listing that re-renders shows each product's card and lists its page
# URL and name in its structured data. Both are functions of what the card's key digests (the product's record,
# the config), so a card from the store gives them to its view as its own cached values: a 10,000-product home
# page made after one product changed then slugs one name, not 10,000 (0.04 s of a 1 s build).
_Facts = tuple[str, str, str]


class CardStore:
    """The cards of one build: `prepare` before rendering, `save` after the site is committed."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stored: set[str] = set()  # keys of the stored cards
        self._new: dict[str, tuple[int, str, str, str, str]] = {}  # key -> (product id, channel, html, url, name)
        # The keys of every card the site shows, prepared or not; None when the site has product pages
        # carried over from the last build whose cards are not known (`products.carry`).
        self._shown: Callable[[], set[str] | None] = set
        self._room = ROOM_SLACK  # how many cards the store may hold before `save` drops those not shown
        self._rendered_any = False

    @classmethod
    def in_cache(cls, cache_dir: Path) -> CardStore:
        """The store a site keeps in its cache dir (`Config.cache_path`)."""
        return cls(cache_dir / "cards.sqlite")

    def prepare(self, pages: list[Page], rendering: list[Page], template_for: Callable[[Page], str],
                templates: TemplateDigests, data: DataDigests, cards: ProductCards, build_key: str, *,
                clean: bool) -> None:
        """Give `cards` the HTML of every card the pages being `rendering` will show (eager=False), from the
        store or rendered. `pages` (the whole site) tell `save` which stored cards are still shown.

        An incremental build renders a few pages: only their cards are read or rendered, and the cards of
        the pages it keeps stay in the store."""
        base = digest(build_key, templates.of(CARD_TEMPLATE))

        def key_of(product: Product, channel: str) -> str:
            return digest(base, data.view(product, channel))

        needed = _card_views(rendering, template_for, templates)
        keys = {id(view): key_of(view.product, view.channel) for view in needed}
        self._room = ROOM_PER_PAGE * len(pages) + ROOM_SLACK
        if len(rendering) == len(pages):
            self._shown = lambda: set(keys.values())
        elif any(type(page.data) is CarriedData and page.data.cards is None for page in pages):
            self._shown = lambda: None
        else:  # the kept pages' cards too, without making their data (`lazydata`)
            self._shown = lambda: {key_of(product, channel) for product, channel in
                                   _card_products(pages, template_for, templates)}
        # --clean renders every card again (reading no stored HTML); `save` still drops the stale ones. Pages
        # that show no card (a content edit) leave the store unopened: there is nothing to read or add.
        self._stored, known = self._load(set() if clean else set(keys.values())) if keys else (set(), {})
        missing = [view for view in needed if keys[id(view)] not in known]
        rendered = {keys[id(view)]: cards.render_card(view) for view in missing}
        self._rendered_any = bool(rendered)
        for view in needed:
            key = keys[id(view)]
            if key in rendered:
                html = rendered[key]
                if html is None:  # this card fails to render; a page that shows it reports the error
                    continue
                url, name = view.url, view.name
            else:
                html, url, name = known[key]
                if type(view) is ProductView:  # (a subclass may compute them otherwise)
                    cached = view.__dict__  # where `views.cached_property` keeps them
                    cached.setdefault("url", url)
                    cached.setdefault("name", name)
            self._new[key] = (view.product.product_id, view.channel, cards.preload(view, html), url, name)

    def outgrown(self, pages: int) -> bool:
        """Whether the store holds more cards than a site of `pages` pages has room for: the next build that
        renders cards should then know every card the site shows, to keep only those (`save`)."""
        if self.path is None or not self.path.is_file():
            return False
        try:
            with closing(self._connect()) as conn:
                return conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0] > ROOM_PER_PAGE * pages + ROOM_SLACK
        except (sqlite3.Error, OSError):
            return False

    def save(self) -> None:
        """Add the cards this build rendered, each in place of its product's older card (best effort: it is
        a cache). Only a build that rendered cards can leave more cards than before, so only such a build
        checks the store's size; past its room it drops every card the site no longer shows (when it knows them
        all: not after product pages were carried over as a whole)."""
        if self.path is None or not self._rendered_any:
            return
        # (a generator, not a list: a first build of a million products adds a million cards)
        new = ((key, *card) for key, card in self._new.items() if key not in self._stored)
        try:
            with closing(self._connect()) as conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR REPLACE INTO cards (key, product_id, channel, html, url, name) "
                                 "VALUES (?, ?, ?, ?, ?, ?)", new)
                shown = self._shown() if conn.execute("SELECT COUNT(*) FROM cards").fetchone()[0] > self._room else None
                if shown is not None:
                    stale = [key for (key,) in conn.execute("SELECT key FROM cards") if key not in shown]
                    conn.executemany("DELETE FROM cards WHERE key = ?", ((key,) for key in stale))
                conn.execute("COMMIT")
        except (sqlite3.Error, OSError):
            pass

    def _load(self, html_of: set[str]) -> tuple[set[str], dict[str, _Facts]]:
        """(the key of every stored card, key -> (html, url, name) of those whose key is in `html_of`)."""
        if self.path is None or not self.path.is_file():
            return set(), {}
        try:
            with closing(self._connect()) as conn:
                stored = {key for (key,) in conn.execute("SELECT key FROM cards")}
                found = [key for key in html_of if key in stored]
                if len(found) > len(stored) // 4:  # most of the store: one scan
                    return stored, {k: (h, u, n) for k, h, u, n in conn.execute("SELECT key, html, url, name FROM cards")
                                    if k in html_of}
                html: dict[str, _Facts] = {}
                for start in range(0, len(found), _BATCH):
                    batch = found[start:start + _BATCH]
                    html.update((k, (h, u, n)) for k, h, u, n in conn.execute(
                        f"SELECT key, html, url, name FROM cards WHERE key IN ({','.join('?' * len(batch))})", batch))
                return stored, html
        except (sqlite3.Error, OSError):
            return set(), {}

    def _connect(self) -> sqlite3.Connection:
        """The store, made anew when the file is no card cache (it is only a cache)."""
        assert self.path is not None
        try:
            return connect(self.path, SCHEMA, isolation_level=None)
        except DatabaseError:
            for leftover in (self.path, *self.path.parent.glob(f"{self.path.name}-*")):
                leftover.unlink(missing_ok=True)
            return connect(self.path, SCHEMA, isolation_level=None)


def _card_pages(pages: list[Page], template_for: Callable[[Page], str],
                templates: TemplateDigests) -> Iterator[Page]:
    """The pages whose templates reach the card template."""
    shows_cards: dict[tuple[str, ...], bool] = {}
    for page in pages:
        names = page_templates(page, template_for)
        if names not in shows_cards:
            reached = templates.reached(*names)
            shows_cards[names] = reached is None or CARD_TEMPLATE in reached
        if shows_cards[names]:
            yield page


def _card_views(pages: list[Page], template_for: Callable[[Page], str],
                templates: TemplateDigests) -> list[ProductView]:
    """Each product view in the data of a page that shows cards, once (views are shared: one per product
    and channel). Data not made yet is asked its recipe: the render workers make it, on every core."""
    found: dict[int, ProductView] = {}
    for page in _card_pages(pages, template_for, templates):
        shown = page.data.recipe.shown_views() if isinstance(page.data, LazyData) else _views_in(page.data)
        for view in shown:
            found.setdefault(id(view), view)
    return list(found.values())


def _card_products(pages: list[Page], template_for: Callable[[Page], str],
                   templates: TemplateDigests) -> Iterator[tuple[Product, str]]:
    """(product, channel) of each card the pages that show cards show, once (a product is on many pages);
    data not made yet is asked its recipe, not made."""
    found: dict[tuple[int, str], Product] = {}
    for page in _card_pages(pages, template_for, templates):
        data = page.data
        shown = data.recipe.products() if isinstance(data, LazyData) else (data.cards or ()) if isinstance(
            data, CarriedData) else ((view.product, view.channel) for view in _views_in(data))
        for product, channel in shown:
            found.setdefault((id(product), channel), product)
    return ((product, channel) for (_, channel), product in found.items())


def _views_in(value: Mapping[str, Any] | list[Any] | tuple[Any, ...]) -> Iterator[ProductView]:
    """Every product view in `value` (page data: dicts and lists of views, scalars and other objects)."""
    for item in value.values() if isinstance(value, Mapping) else value:
        if isinstance(item, ProductView):
            yield item
        elif isinstance(item, (list, tuple, Mapping)):
            yield from _views_in(item)
