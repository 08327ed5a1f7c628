"""Tests for generator/engine/card_store.py: cards made once, kept between builds, never stale."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from generator.engine.buildstate import BuildState
from generator.render.cards import ProductCards
from generator.config.schema import load_config
from generator.core.console import Reporter
from generator.commands.build import build
from generator.products.product_page import ProductPageData
from tests.support.sites import tree
from generator.engine import card_store
from generator.products import views
from tests.site.test_incremental import (NEW_NAME, OLD_NAME, TARGET, assert_same_tree, clean_tree, delete, lamp, make_shop,
                                    upsert)


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")


def cards_rendered(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the cards rendered from here on (serial builds: every render is in this process)."""
    calls: list[int] = []
    original = ProductCards.render_card

    def counting(self: ProductCards, p: object) -> str | None:
        calls.append(1)
        return original(self, p)

    monkeypatch.setattr(ProductCards, "render_card", counting)
    return calls


def stored(site: Path) -> dict[str, str]:
    with sqlite3.connect(site / ".shelfpress-cache" / "cards.sqlite") as conn:
        return dict(conn.execute("SELECT key, html FROM cards"))


def test_a_rebuild_renders_only_the_cards_of_changed_products(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_shop(tmp_path / "shop")
    build(load_config(site), reporter=Reporter(verbosity=0))
    first = stored(site)
    assert len(first) >= 10 and all(html.startswith('<li class="product-card"') for html in first.values())

    upsert(site / "products.sqlite", lamp(TARGET, NEW_NAME, 87, regular=300))
    calls = cards_rendered(monkeypatch)
    build(load_config(site), reporter=Reporter(verbosity=0))
    second = stored(site)
    assert len(calls) == 1  # the changed lamp's card; every other card came from the store
    assert len(second) == len(first) and len(set(second) - set(first)) == 1
    (new_card,) = (html for key, html in second.items() if key not in first)
    assert NEW_NAME in new_card and "87" in new_card
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def test_a_build_reads_only_the_cards_of_the_pages_it_renders_and_keeps_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Editing a page without products renders and reads no card; the store still holds every card the
    site shows, and a later product change renders that product's card only."""
    site = make_shop(tmp_path / "shop")
    build(load_config(site), reporter=Reporter(verbosity=0))
    first = stored(site)
    read: list[int] = []
    original = ProductCards.preload
    monkeypatch.setattr(ProductCards, "preload", lambda self, p, html: (read.append(1), original(self, p, html)))
    calls = cards_rendered(monkeypatch)
    (site / "content/about.md").write_text("---\ntitle: About\n---\nEdited.\n")
    with monkeypatch.context() as patch:  # nor opens the store (reading its keys took 4 ms at 10,000 cards)
        patch.setattr(card_store.CardStore, "_connect", lambda self: pytest.fail("the card store was opened"))
        build(load_config(site), reporter=Reporter(verbosity=0))
    assert (calls, read) == ([], []) and stored(site) == first
    upsert(site / "products.sqlite", lamp(TARGET, NEW_NAME, 87, regular=300))
    build(load_config(site), reporter=Reporter(verbosity=0))
    assert len(calls) == 1 and 1 < len(read) < len(first)  # the pages showing the lamp show other cards too
    assert len(stored(site)) == len(first)
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def test_an_edited_card_template_renders_every_card_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_shop(tmp_path / "shop")
    build(load_config(site), reporter=Reporter(verbosity=0))
    card = Path(__file__).resolve().parents[2] / "generator/assets/themes/default/templates/partials/product-card.html"
    (site / "templates/partials").mkdir(parents=True)
    (site / "templates/partials/product-card.html").write_text(
        card.read_text(encoding="utf-8").replace('class="product-card"', 'class="product-card edited"'))
    calls = cards_rendered(monkeypatch)
    build(load_config(site), reporter=Reporter(verbosity=0))
    assert len(calls) == len(stored(site))
    assert all("edited" in html for html in stored(site).values())
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def test_a_broken_card_cache_is_rebuilt_not_fatal(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    build(load_config(site), reporter=Reporter(verbosity=0))
    path = site / ".shelfpress-cache" / "cards.sqlite"
    for leftover in path.parent.glob("cards.sqlite-*"):
        leftover.unlink()
    path.write_bytes(b"not a database" * 100)
    (site / "content/about.md").write_text("---\ntitle: About\n---\nEdited.\n")
    build(load_config(site), reporter=Reporter(verbosity=0))
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def test_clean_builds_render_every_card_and_the_store_keeps_only_the_live_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_shop(tmp_path / "shop")
    build(load_config(site), reporter=Reporter(verbosity=0))
    first = stored(site)
    upsert(site / "products.sqlite", lamp(TARGET, NEW_NAME, 87, regular=300))
    calls = cards_rendered(monkeypatch)
    build(load_config(site), clean=True, reporter=Reporter(verbosity=0))
    assert len(calls) == len(first)  # --clean trusts no cache
    after = stored(site)
    assert len(after) == len(first) and len(set(after) - set(first)) == 1  # the old card of the lamp is gone


def test_cards_of_products_gone_from_the_site_go_once_the_store_outgrows_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A removed product's card may stay while the store has room (a rebuild then walks no site); past its
    room, the next build that renders a card keeps exactly the cards the site shows."""
    site = make_shop(tmp_path / "shop")
    build(load_config(site), reporter=Reporter(verbosity=0))
    first = stored(site)
    gone = next(pid for pid in range(100, 200) if pid != TARGET and any(f'data-id="{pid}"' in h for h in first.values()))
    delete(site / "products.sqlite", gone)
    upsert(site / "products.sqlite", lamp(TARGET, NEW_NAME, 87, regular=300))
    build(load_config(site), reporter=Reporter(verbosity=0))
    roomy = stored(site)
    assert len(roomy) == len(first) and any(f'data-id="{gone}"' in h for h in roomy.values())

    monkeypatch.setattr(card_store, "ROOM_PER_PAGE", 0)
    monkeypatch.setattr(card_store, "ROOM_SLACK", len(first) - 1)
    upsert(site / "products.sqlite", lamp(TARGET, NEW_NAME, 88, regular=300))
    build(load_config(site), reporter=Reporter(verbosity=0))
    swept = stored(site)
    assert len(swept) == len(first) - 1 and not any(f'data-id="{gone}"' in h for h in swept.values())
    assert any(NEW_NAME in h and "88" in h for h in swept.values())
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def test_a_product_change_makes_the_data_of_the_product_pages_it_renders_only(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store still learns which cards the kept product pages show (it keeps them all), from their
    recipes: their data is never made."""
    site = make_shop(tmp_path / "shop")
    config = load_config(site)
    build(config, reporter=Reporter(verbosity=0))
    first = stored(site)
    made: list[int] = []
    original = ProductPageData.make
    monkeypatch.setattr(ProductPageData, "make", lambda self: (made.append(self.product.id), original(self))[1])
    upsert(site / "products.sqlite", lamp(TARGET, NEW_NAME, 87, regular=300))
    state = BuildState.for_output(config.cache_path, config.output_path.resolve())
    build(load_config(site), reporter=Reporter(verbosity=0), state=state)
    rendered = [key for key in state.plan.rendered if key.startswith("p/")]
    kept = [key for key in tree(site / "public") if key.startswith("p/") and key not in rendered]
    assert rendered and kept and len(made) == len(rendered)
    assert len(stored(site)) == len(first) and len(set(stored(site)) - set(first)) == 1
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def test_cards_from_the_store_give_their_views_the_url_and_name_a_listing_lists(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lamps listing shows every lamp (cards, and a JSON-LD ItemList of their URLs and names). After one
    price change its pages are made again: the other lamps' URLs come with their stored cards instead of being
    slugged anew, and the site is still byte for byte a clean build's."""
    site = make_shop(tmp_path / "shop")
    build(load_config(site), reporter=Reporter(verbosity=0))
    assert all(url for (url,) in sqlite3.connect(site / ".shelfpress-cache" / "cards.sqlite").execute(
        "SELECT url FROM cards"))

    upsert(site / "products.sqlite", lamp(TARGET, OLD_NAME, 87, regular=300))
    slugged: list[int] = []
    original = views.product_url
    monkeypatch.setattr(views, "product_url", lambda product: slugged.append(product.product_id) or original(product))
    build(load_config(site), reporter=Reporter(verbosity=0))
    listings = "".join(page.read_text(encoding="utf-8") for page in (site / "public" / "lamps").rglob("*.html"))
    listed = listings.count('"@type": "ListItem"')
    assert listed == 11 and TARGET in slugged and len(slugged) < listed / 2
    monkeypatch.setattr(views, "product_url", original)
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))
