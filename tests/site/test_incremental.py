"""Incremental builds end to end (issue 13): an incremental build's output equals a clean build's.

"Clean build" is `build(config, clean=True, output=<another dir>)`. Output trees are compared byte for
byte, the Pagefind bundle included (it is deterministic: the same HTML gives the same bundle).

1. a product's price and name change in the catalog: every output that shows it changes, nothing
   unrelated is rendered, and the result equals a clean build;
2. the same through the loopback Shopello API (cache_ttl = 0, so the second build sees the change);
3. a property test over random sequences of edits to content (a menu page too), templates, config and catalog;
4. `kill -9` at random points of an incremental build leaves the live site byte-identical, and the
   next build cleans up and equals a clean build;
5. a rebuild with nothing changed says so, rewrites nothing and still fails under --strict.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.engine.buildstate import BuildState
from generator.commands.build import BuildReport, build
from generator.config.schema import load_config
from generator.core.console import Reporter
from generator.engine.output import INCOMPLETE
from generator.sources.catalog import CatalogSource
from generator.sources.catalog_import import delete_products
from generator.sources.catalog_related import refresh_related
from generator.sources.catalog_schema import transaction
from generator.sources.models import Product
from tests.support.products import product
from tests.support.sites import SMALL_CONFIG, run, tree, write_site
from tests.support.memory_backend import MemoryBackend
from tests.support.shopello_server import ShopelloServer

ROOT = Path(__file__).resolve().parents[2]
SECRET = "incremental-signing-secret"
EPOCH = "1767225600"  # 2026-01-01: the deals feed's timestamp, the same for every build


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)


# -- helpers ---------------------------------------------------------------------------------------

def incremental(site: Path, **options: Any) -> tuple[BuildReport, list[str]]:
    """An ordinary (incremental) build of `site` into its output dir: the report and what it rendered."""
    config = load_config(site)
    state = BuildState.for_output(config.cache_path, config.output_path)
    report = build(config, state=state, reporter=Reporter(verbosity=0), **options)
    return report, state.plan.rendered


def clean_tree(site: Path, out: Path, **options: Any) -> dict[str, bytes]:
    """The tree a clean build of the same inputs writes into `out`."""
    build(load_config(site), clean=True, output=out, reporter=Reporter(verbosity=0), **options)
    return tree(out)


def differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


def assert_same_tree(incremental_tree: dict[str, bytes], clean: dict[str, bytes]) -> None:
    diff = differences(incremental_tree, clean)
    assert not diff, f"incremental output differs from a clean build at {diff[:20]}"


def mentions(files: dict[str, bytes], *needles: str) -> set[str]:
    return {path for path, body in files.items() if any(n.encode() in body for n in needles)}


def backdate(root: Path, seconds: int = 5) -> None:
    """Move every file's mtime into the past, as if the site had been written a while ago (no racy inputs)."""
    past = time.time_ns() - seconds * 10**9
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(past, past))


def upsert(catalog: Path, *products: Product) -> None:
    with CatalogSource(catalog) as source:
        source.import_products(products)


def delete(catalog: Path, *ids: int) -> None:
    with CatalogSource(catalog) as source:
        with transaction(source.conn):
            delete_products(source.conn, ids)
        refresh_related(source.conn)


def lamp(pid: int, name: str, price: float, regular: float = 0) -> Product:
    reduction = round(100 * (regular - price) / regular) if regular else 0
    return product(pid, name, price, price={"price": price, "regular_price": regular,
                                            "reduction_percent": reduction, "currency": "SEK"})


def chair(pid: int, name: str, price: float) -> Product:
    return product(pid, name, price, categories=[{"category_id": 40, "name": "Stolar"}],
                   attributes={"brand": "Hay"},
                   store={"store_id": 52, "name": "Stolboden", "url": "https://se.shopelloapi.com/click/store/52"})


# -- 1. a product change in the catalog ------------------------------------------------------------

SHOP_CONFIG = """\
title = "Shop"
base_url = "https://user.github.io/repo/"
language = "en"
{extra}

[source]
kind = "catalog"
catalog = "products.sqlite"

[links]
channel = "4711"

[products]
related = 3

[stores]
enabled = true

[brands]
enabled = true

[widgets.lampor]
query = "lamp"
count = 20

[widgets.stolar]
query = "chair"
"""

SHOP_PAGES = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
    "content/about.md": "---\ntitle: About\n---\nAbout us.\n",
    "content/lamps/index.md": "---\ntitle: Lamps\nlisting:\n  query: lamp\n  per_page: 4\n---\nAll lamps.\n",
    "content/chairs.md": "---\ntitle: Chairs\nlisting:\n  query: chair\n  per_page: 4\n---\nAll chairs.\n",
    "content/tips.md": '---\ntitle: Tips\n---\nOur picks:\n\n{{< products query="lamp" limit=20 >}}\n',
}

OLD_NAME, NEW_NAME = "Juno Brass Lamp", "Vesta Brass Lamp"
TARGET = 103


def shop_products() -> list[Product]:
    lamps = [lamp(100 + i, f"Lamp {i}", 100 + 10 * i, regular=300 if i % 4 == 0 else 0) for i in range(11)]
    lamps[3] = lamp(TARGET, OLD_NAME, 130, regular=300)  # on sale: in the deals feed
    lamps[5] = lamp(105, "Brass Lamp 5", 150)  # these two show the target as a related product
    lamps[7] = lamp(107, "Brass Lamp 7", 170)
    return lamps + [chair(200 + i, f"Chair {i}", 500 + i) for i in range(6)]


def make_shop(root: Path, extra: str = "") -> Path:
    site = write_site(root, SHOP_PAGES, config=SHOP_CONFIG.format(extra=extra))
    upsert(site / "products.sqlite", *shop_products())
    return site


def json_ld(html: str, kind: str) -> dict[str, Any]:
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        data = json.loads(block)
        if data.get("@type") == kind:
            return data
    raise AssertionError(f"no {kind} JSON-LD")


def test_product_change_reaches_every_output_that_shows_it(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    first, _ = incremental(site)
    public = site / "public"
    before = tree(public)
    old_page = f"p/{TARGET}-juno-brass-lamp/index.html"
    new_page = f"p/{TARGET}-vesta-brass-lamp/index.html"
    listing = ["lamps/index.html", "lamps/page/2/index.html", "lamps/page/3/index.html"]
    (category,) = [k for k in before if k.startswith("c/432-") and k.endswith("/index.html")]
    (store,) = [k for k in before if re.match(r"s/51-.*index\.html$", k)]
    (brand,) = [k for k in before if k.startswith("b/") and "muuto" in k and k.endswith("/index.html")]
    showing = mentions(before, OLD_NAME)
    expected = {old_page, category, store, brand, "tips/index.html", "widgets/lampor.json",
                "deals.xml", "lamps/products.json"}
    assert showing & set(listing), "the listing page that shows the product"
    assert expected <= showing, expected - showing
    related_pages = {k for k in showing if k.startswith("p/") and k != old_page}
    assert {"p/105-brass-lamp-5/index.html", "p/107-brass-lamp-7/index.html"} <= related_pages
    unrelated = {k for k in before if k.endswith(".html") and not k.startswith("pagefind/")} - showing
    assert {"index.html", "about/index.html", "chairs/index.html", "p/200-chair-0/index.html"} <= unrelated
    # The widget gallery reserves room for each preview from its products' names: it depends on them too.
    gallery = {"widgets/index.html"}

    upsert(site / "products.sqlite", lamp(TARGET, NEW_NAME, 87, regular=300))
    report, rendered = incremental(site)
    after = tree(public)

    # the product page moved with its slug and shows the new name and price, in JSON-LD too
    assert old_page not in after and new_page in after
    ld = json_ld(after[new_page].decode(), "Product")
    assert ld["name"] == NEW_NAME and ld["offers"]["price"] == 87
    # every output that showed the product changed and shows the new name, none the old one
    for path in sorted((showing - {old_page}) | {new_page}):
        assert path in after and after[path] != before.get(path), f"{path} did not change"
        assert NEW_NAME.encode() in after[path] and OLD_NAME.encode() not in after[path], path
    # the listing's filter file (every product of the listing) has the new name and price
    (item,) = [p for p in json.loads(after["lamps/products.json"]) if p["id"] == TARGET]
    assert item["name"] == NEW_NAME and item["price"] == 87
    widget = json.loads(after["widgets/lampor.json"])
    assert NEW_NAME in json.dumps(widget, ensure_ascii=False) and "87" in json.dumps(widget)
    # the search index changed: Pagefind re-indexed the renamed product
    assert differences({k: v for k, v in before.items() if k.startswith("pagefind/")},
                       {k: v for k, v in after.items() if k.startswith("pagefind/")})
    # unrelated outputs were kept, not rendered, and kept their bytes
    assert set(rendered) <= showing | mentions(after, NEW_NAME) | gallery, set(rendered) - showing
    assert not set(rendered) & (unrelated - gallery)
    assert report.rendered == len(rendered) < first.pages // 2
    assert all(after[k] == before[k] for k in unrelated - gallery if k != "search/index.html")
    # and the whole tree is what a clean build of the same inputs writes
    assert_same_tree(after, clean_tree(site, tmp_path / "clean"))


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "forked workers"])
def test_settling_pages_in_workers_gives_what_one_process_gives(tmp_path: Path, parallel: bool,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers fingerprint, keep and render chunks of pages (into folders a forked child made ahead, on the
    first build): the bytes, what is rendered and the recorded fingerprints are those of one process, on a
    first build and after a product change."""
    import generator.engine.output as output
    import generator.engine.render_pool as render_pool

    runs = {}
    for mode in ("serial", "parallel" if parallel else "serial again"):
        monkeypatch.setattr(render_pool, "PARALLEL_MIN", 1)
        monkeypatch.setattr(render_pool, "CHUNK", 3)
        monkeypatch.setattr(render_pool, "workers_available", lambda mode=mode: 2 if mode == "parallel" else 1)
        monkeypatch.setattr(output, "FOLDERS_AHEAD_MIN", 1 if mode == "parallel" else 10**9)
        shutil.rmtree(tmp_path / "shop", ignore_errors=True)  # one path: the fingerprints include the site's
        site = make_shop(tmp_path / "shop")
        config = load_config(site)
        steps = []
        for change in (None, lamp(TARGET, NEW_NAME, 87, regular=300)):
            if change is not None:
                upsert(site / "products.sqlite", change)
            state = BuildState.for_output(config.cache_path, config.output_path)
            build(config, state=state, reporter=Reporter(verbosity=0))
            steps.append((tree(site / "public"), sorted(state.plan.rendered), state.record.outputs))
        runs[mode] = steps
    (one, other) = runs.values()
    for (tree_a, rendered_a, outputs_a), (tree_b, rendered_b, outputs_b) in zip(one, other):
        assert_same_tree(tree_b, tree_a)
        assert rendered_a == rendered_b and outputs_a == outputs_b
    assert 0 < len(one[1][1]) < len(one[0][1])  # the second build kept most pages


def test_a_changed_ui_string_override_renders_the_outputs_that_show_it(tmp_path: Path) -> None:
    """[params.strings] is config, and config is in every output's build key: a changed override (singular
    or plural) reaches every page and widget that shows the string, as a clean build would."""
    overrides = '\n[params.strings]\n"To the store" = "{store}"\n"%(n)s product" = {{ other = "%(n)s {lamps}" }}\n'
    site = make_shop(tmp_path / "shop", extra=overrides.format(store="Go shopping", lamps="lights"))
    backdate(site)
    incremental(site)
    before = tree(site / "public")
    assert {"widgets/lampor.json", "tips/index.html"} <= mentions(before, "Go shopping")
    assert "lamps/index.html" in mentions(before, "11 lights")

    config = site / "shelfpress.toml"
    config.write_text(config.read_text().replace("Go shopping", "Shop now").replace("lights", "lamps to love"))
    report, rendered = incremental(site)
    after = tree(site / "public")
    pages = {path for path in mentions(before, "Go shopping", "11 lights") if path.endswith(".html")}
    assert not report.nothing_changed and set(rendered) >= pages  # (widget JSON is written, not rendered)
    assert not mentions(after, "Go shopping", "11 lights") and "lamps/index.html" in mentions(after, "11 lamps to love")
    assert_same_tree(after, clean_tree(site, tmp_path / "clean"))


def test_template_references_learnt_by_an_earlier_build_stay_right(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """What each template includes is kept in the build state, keyed by the template's text: a later build
    parses only templates whose text it has not seen, and a template edited to include a new partial makes
    the pages that use it depend on that partial (editing it renders them again), as a clean build does."""
    from generator.engine import fingerprint

    site = write_site(tmp_path / "site", {"content/about.md": "---\ntitle: About\n---\nAbout us.\n",
                                          "templates/partials/note.html": "<p>note one</p>"}, config=SMALL_CONFIG)
    page_template = site / "templates/page.html"
    write(page_template, PAGE_TEMPLATE.format(v=1))
    backdate(site)
    incremental(site)
    parsed: list[str] = []
    original = fingerprint._references
    monkeypatch.setattr(fingerprint, "_references", lambda env, source: parsed.append(source) or original(env, source))

    write(site / "content/about.md", "---\ntitle: About\n---\nAbout us, edited.\n")
    _, rendered = incremental(site)
    assert rendered == ["about/index.html"] and parsed == []  # every template was known by its text

    write(page_template, PAGE_TEMPLATE.format(v=2).replace("{% endblock %}", '{% include "partials/note.html" %}'
                                                          "{% endblock %}"))
    _, rendered = incremental(site)
    assert "about/index.html" in rendered and "note one" in (site / "public/about/index.html").read_text()
    assert len(parsed) == 2 and "<p>note one</p>" in parsed  # the edited template and the partial it now reaches

    write(site / "templates/partials/note.html", "<p>note two</p>")
    _, rendered = incremental(site)
    assert "about/index.html" in rendered and "note two" in (site / "public/about/index.html").read_text()
    assert_same_tree(tree(site / "public"), clean_tree(site, tmp_path / "clean"))


def test_pagefind_bundle_is_deterministic(tmp_path: Path) -> None:
    """Two clean builds of one site give the same bundle, so trees can be compared with pagefind/ included."""
    site = make_shop(tmp_path / "shop")
    one = clean_tree(site, tmp_path / "one")
    two = clean_tree(site, tmp_path / "two")
    assert any(k.startswith("pagefind/") for k in one)
    assert_same_tree(one, two)


# -- 2. the same through the loopback Shopello API -------------------------------------------------

API_CONFIG = """\
title = "Butik"
base_url = "https://user.github.io/repo/"
language = "sv"
locale = "sv_SE"

[source]
kind = "shopello"
api_base = "{url}"
api_key_env = "INCREMENTAL_SHOPELLO_KEY"
retries = 0
cache_ttl = 0

[links]
channel = "4711"

[products]
related = 4

[widgets.lampor]
query = "lampa"
count = 10
"""

API_PAGES = {
    "content/index.md": "---\ntitle: Hem\n---\nVälkommen.\n",
    "content/lampor.md": "---\ntitle: Lampor\nlisting:\n  query: lampa\n  per_page: 3\n---\nAlla lampor.\n",
    "content/tips.md": '---\ntitle: Tips\n---\n\n{{< products query="lampa" limit=8 >}}\n',
    "content/stolar.md": "---\ntitle: Stolar\nlisting:\n  query: matstol\n---\nStolar.\n",
}
API_KEY = "incremental-api-key-8c1d"
API_TARGET = 62559094  # "E27 lampa, orange", 499 kr, category 432, not on sale


@pytest.mark.server
def test_product_change_through_the_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = MemoryBackend.from_fixtures()  # our own: this test changes it
    monkeypatch.setenv("INCREMENTAL_KEY_UNUSED", "")
    monkeypatch.setenv("INCREMENTAL_SHOPELLO_KEY", API_KEY)
    with ShopelloServer(backend, api_key=API_KEY) as server:
        site = write_site(tmp_path / "api", API_PAGES, config=API_CONFIG.format(url=server.url))
        incremental(site)
        public = site / "public"
        before = tree(public)
        (old_page,) = [k for k in before if k.startswith(f"p/{API_TARGET}-")]
        showing = mentions(before, "E27 lampa, orange")
        assert {old_page, "lampor/index.html", "tips/index.html", "widgets/lampor.json"} <= showing
        assert "deals.xml" not in showing  # not on sale yet

        raw = next(p for p in backend.all_products if p.product_id == API_TARGET).to_api()
        raw["name"] = "E27 lampa, koppar"
        raw["price"] = {**raw["price"], "price": 349, "regular_price": 499, "reduction_percent": 30}
        index = next(i for i, p in enumerate(backend._products) if p.product_id == API_TARGET)
        backend._products[index] = Product.from_api(raw)
        requests = len(server.requests)
        report, rendered = incremental(site)
        assert len(server.requests) > requests  # cache_ttl = 0: the second build asked the API again
        after = tree(public)

        (new_page,) = [k for k in after if k.startswith(f"p/{API_TARGET}-")]
        assert new_page != old_page and old_page not in after
        ld = json_ld(after[new_page].decode(), "Product")
        assert ld["name"] == "E27 lampa, koppar" and ld["offers"]["price"] == 349
        for path in sorted((showing - {old_page}) | {new_page, "deals.xml"}):
            assert after.get(path) != before.get(path), f"{path} did not change"
            assert b"E27 lampa, koppar" in after[path] and b"E27 lampa, orange" not in after[path], path
        (item,) = [p for p in json.loads(after["lampor/products.json"]) if p["id"] == API_TARGET]
        assert item["price"] == 349 and item["reduction"] == 30
        assert differences({k: v for k, v in before.items() if k.startswith("pagefind/")},
                           {k: v for k, v in after.items() if k.startswith("pagefind/")})
        assert "stolar/index.html" not in rendered and "index.html" not in rendered
        assert set(rendered) <= showing | mentions(after, "E27 lampa, koppar") | {"deals.xml"}
        assert report.rendered == len(rendered) < report.pages // 2
        assert_same_tree(after, clean_tree(site, tmp_path / "clean"))


# -- 5. no-change rebuild --------------------------------------------------------------------------

def test_no_change_rebuild_rewrites_nothing_and_keeps_its_warnings(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    (site / "content/empty.md").write_text("---\ntitle: Empty\nlisting:\n  query: zebra\n---\n")
    backdate(site)  # inputs written just now would (rightly) make the first build's signature untrusted
    first = run("build", "-C", str(site))
    assert first.exit_code == 0 and "listing found no products" in first.output, first.output
    public = site / "public"
    files = sorted(p for p in public.rglob("*") if p.is_file())
    stats = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in files}
    before = tree(public)

    again = run("build", "-C", str(site))
    assert again.exit_code == 0, again.output
    assert "Nothing changed since the last build" in again.output and "1 warning" in again.output
    assert "listing found no products" in again.output  # the warning is reported again
    strict = run("build", "-C", str(site), "--strict")
    assert strict.exit_code == 1 and "--strict" in strict.output and "listing found no products" in strict.output
    report, rendered = incremental(site)
    assert report.nothing_changed and report.warnings == 1 and rendered == []
    assert report.writes.written == 0 and report.writes.removed == 0
    # nothing was rewritten: same files, same inodes, same mtimes
    assert sorted(p for p in public.rglob("*") if p.is_file()) == files
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in files} == stats
    assert tree(public) == before

    # the short cut is only taken when nothing changed: touch one page and the build runs again
    page = site / "content/about.md"
    page.write_text("---\ntitle: About\n---\nAbout us!\n")
    later = time.time_ns() - 10**9
    os.utime(page, ns=(later, later))
    report, rendered = incremental(site)
    assert not report.nothing_changed and rendered == ["about/index.html"]  # the home page lists its title only

    # a new title is what the home page (and the menu of every page) shows of it
    page.write_text("---\ntitle: About us\n---\nAbout us!\n")
    os.utime(page, ns=(later + 10**6, later + 10**6))
    report, rendered = incremental(site)
    assert {"about/index.html", "index.html"} <= set(rendered)


@pytest.mark.parametrize("reads", ["{% for child in children %}{{ child.body }}{% endfor %}",
                                   "{{ children | map(attribute='body') | join }}",
                                   "{% for child in children %}{{ child['body'] }}{% endfor %}"])
def test_a_section_that_shows_its_childrens_text_renders_when_it_changes(tmp_path: Path, reads: str) -> None:
    site = make_shop(tmp_path / "shop")
    write(site / "templates/section.html", reads + "\n")
    incremental(site)
    page = site / "content/about.md"
    page.write_text("---\ntitle: About\n---\nAbout us, now longer.\n")
    later = time.time_ns() - 10**9
    os.utime(page, ns=(later, later))
    report, rendered = incremental(site)
    assert sorted(rendered) == ["about/index.html", "index.html"]
    assert b"About us, now longer." in (site / "public/index.html").read_bytes()


# -- 3. random sequences of edits ------------------------------------------------------------------

PROP_CONFIG = """\
title = "Shop {title}"
base_url = "https://user.github.io/repo/"
language = "en"
per_page = {per_page}

[source]
kind = "catalog"
catalog = "products.sqlite"

[links]
channel = "4711"

[products]
related = {related}

[widgets.lampor]
query = "lamp"
count = 6
"""
PROP_PAGES = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
    "content/lamps/index.md": "---\ntitle: Lamps\nlisting:\n  query: lamp\n---\nAll lamps.\n",
    "content/chairs.md": '---\ntitle: Chairs\n---\n{{< products query="chair" limit=4 >}}\n',
}
PROP_IDS = [100, 101, 102, 103, 104, 105, 200, 201, 202]
PAGE_TEMPLATE = """\
{{% extends "base.html" %}}
{{% block main %}}<article class="prose"><h1>{{{{ page.title }}}}</h1><p>variant {v}</p>{{{{ content }}}}</article>
{{% if listing is defined and listing %}}{{% include "partials/listing.html" %}}{{% endif %}}{{% endblock %}}
"""
CARD = ROOT / "generator/assets/themes/default/templates/partials/product-card.html"
PRODUCT = ROOT / "generator/assets/themes/default/templates/product.html"

edits = st.one_of(
    st.tuples(st.just("page"), st.integers(0, 2), st.integers(0, 3)),      # create or edit a content page
    st.tuples(st.just("delete page"), st.integers(0, 2)),
    st.tuples(st.just("menu page"), st.sampled_from([None, 0, 1])),        # a top-level page: in every menu
    st.tuples(st.just("page template"), st.sampled_from([None, 0, 1])),     # None: no override
    st.tuples(st.just("card template"), st.sampled_from([None, 0, 1])),     # an included partial
    st.tuples(st.just("product template"), st.sampled_from([None, 0, 1])),
    st.tuples(st.just("config"), st.sampled_from("ABC"), st.sampled_from([2, 3, 5]), st.sampled_from([0, 2])),
    st.tuples(st.just("product"), st.sampled_from(PROP_IDS), st.integers(50, 900), st.integers(0, 2),
              st.booleans()),                                             # price, name, on sale; re-adds
    st.tuples(st.just("delete product"), st.sampled_from(PROP_IDS)),
)


def prop_product(pid: int, price: int, name: int, sale: bool) -> Product:
    if pid >= 200:
        return chair(pid, f"{['Chair', 'Oak Chair', 'Bar Chair'][name]} {pid}", price)
    return lamp(pid, f"{['Lamp', 'Brass Lamp', 'Desk Lamp'][name]} {pid}", price, regular=1000 if sale else 0)


def apply_edit(site: Path, edit: tuple[Any, ...]) -> None:
    """One edit, written at once: no mtime games, so edits within a build's racy window are exercised too."""
    kind = edit[0]
    if kind == "page":
        _, n, v = edit
        body = ['Plain text.', 'Other text.', '{{< products query="chair" limit=2 >}}',
                '{{< products query="lamp" limit=3 >}}'][v]
        write(site / f"content/notes/n{n}.md", f"---\ntitle: Note {n}{v}\n---\n{body}\n")
    elif kind == "delete page":
        (site / f"content/notes/n{edit[1]}.md").unlink(missing_ok=True)
    elif kind == "menu page":
        path = site / "content/about.md"
        path.unlink(missing_ok=True) if edit[1] is None else write(path, f"---\ntitle: About {edit[1]}\n---\nUs.\n")
    elif kind == "page template":
        path = site / "templates/page.html"
        path.unlink(missing_ok=True) if edit[1] is None else write(path, PAGE_TEMPLATE.format(v=edit[1]))
    elif kind == "card template":
        path = site / "templates/partials/product-card.html"
        if edit[1] is None:
            path.unlink(missing_ok=True)
        else:
            write(path, CARD.read_text() + f"<!-- card {edit[1]} -->\n")
    elif kind == "product template":
        path = site / "templates/product.html"
        if edit[1] is None:
            path.unlink(missing_ok=True)
        else:
            write(path, PRODUCT.read_text().replace("{% block main %}", f"{{% block main %}}<!-- product {edit[1]} -->"))
    elif kind == "config":
        _, title, per_page, related = edit
        write(site / "shelfpress.toml", PROP_CONFIG.format(title=title, per_page=per_page, related=related))
    elif kind == "product":
        upsert(site / "products.sqlite", prop_product(*edit[1:]))
    elif kind == "delete product":
        delete(site / "products.sqlite", edit[1])


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_random_edit_sequences_build_like_clean_builds(tmp_path: Path) -> None:
    examples = iter(range(10**6))

    @settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(edits, min_size=1, max_size=4))
    def check(steps: list[tuple[Any, ...]]) -> None:
        root = tmp_path / f"example-{next(examples)}"
        site = write_site(root / "site", PROP_PAGES, config=PROP_CONFIG.format(title="A", per_page=3, related=2))
        upsert(site / "products.sqlite", *(prop_product(pid, 100 + pid % 100, 0, pid % 3 == 0) for pid in PROP_IDS))
        incremental(site)
        for edit in steps:
            apply_edit(site, edit)
            incremental(site)
            assert_same_tree(tree(site / "public"), clean_tree(site, root / "clean"))

    check()


# -- 4. kill -9 during an incremental build --------------------------------------------------------

KILL_SECTIONS, KILL_PAGES = 8, 250  # 2,000 content pages: a build takes a few seconds, on both cores


def kill_site(root: Path) -> Path:
    files = {f"content/s{s}/p{i}.md": f"---\ntitle: Page {s}-{i}\n---\nText of page {s}-{i}, with *some* markup.\n"
             for s in range(KILL_SECTIONS) for i in range(KILL_PAGES)}
    files.update({f"content/s{s}/_index.md": f"---\ntitle: Section {s}\n---\n" for s in range(KILL_SECTIONS)})
    files["content/index.md"] = "---\ntitle: Home\n---\nWelcome.\n"
    return write_site(root, files)


def start_build(site: Path, log: Path) -> subprocess.Popen[bytes]:
    """`shelfpress build -v` in its own process group (its render workers are forked into it); -v logs
    each stage as it ends, unbuffered, so the log tells how far a killed build got."""
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-c", "from generator.cli import main; main()", "build", "-v",
                                 "-C", str(site)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


STAGES = ("check inputs", "read content", "fetch products", "fingerprint", "render", "write", "search index", "commit")
_TIMING = re.compile(r"^\s+(\w[\w ]*?)\s+([\d.]+) s$", re.M)  # a stage's line in the -v log


def stage_times(text: str) -> list[tuple[str, float]]:
    """(stage, seconds) of every stage a -v log says has ended, in order."""
    return [(stage, float(seconds)) for stage, seconds in _TIMING.findall(text)]


def stages_done(log: Path) -> list[str]:
    return [stage for stage, _ in stage_times(log.read_text("utf-8", "replace")) if stage in STAGES]


def time_until_next_stage(times: list[tuple[str, float]], after: str) -> float:
    """How long a build took from the end of `after` to the end of the next stage `stages_done` sees."""
    names = [stage for stage, _ in times]
    following = times[names.index(after) + 1:]
    last = next(i for i, (stage, _) in enumerate(following) if stage in STAGES)
    return sum(seconds for _, seconds in following[:last + 1])


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for_group(pgid: int, timeout: float = 20.0) -> None:
    """Let orphaned render workers of a killed build finish on their own (they write only to the shadow)."""
    deadline = time.monotonic() + timeout
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.02)
    if group_alive(pgid):
        os.killpg(pgid, signal.SIGKILL)
        pytest.fail("a killed build's workers were still running after 20 s")


def test_kill_9_leaves_the_live_site_as_it_was(tmp_path: Path) -> None:
    site = kill_site(tmp_path / "big")
    incremental(site)
    public = site / "public"
    snapshot = tree(public)
    assert len([k for k in snapshot if k.endswith(".html")]) > 2000
    variants = iter(range(100))

    def change_every_page() -> tuple[dict[str, bytes], list[tuple[str, float]]]:
        """A template change: every content page is rendered again, then the search index. Returns what a
        clean build writes, and how long its stages took (on this machine, under its load right now)."""
        write(site / "templates/page.html", PAGE_TEMPLATE.format(v=f"killed {next(variants)}"))
        log = io.StringIO()
        out = tmp_path / "clean"
        shutil.rmtree(out, ignore_errors=True)
        build(load_config(site), clean=True, output=out, reporter=Reporter(verbosity=2, stream=log))
        return tree(out), stage_times(log.getvalue())

    expected, times = change_every_page()
    assert differences(snapshot, expected)

    # Kill points: after the start or after a stage ended (read from the -v log), a random part of the time
    # the clean build took to the next stage, so the kill lands in that stage on a fast machine and on a
    # slow one alike (the early ones in absolute seconds: start-up is not timed). A kill that lands later
    # than meant is checked all the same and tried again sooner. The last one may come after the swap.
    rng = random.Random(13)
    points = [(None, 0.3), ("check inputs", 0.8), ("read content", 0.8), ("fingerprint", 0.4),
              ("fingerprint", 0.4), ("write", 0.5), ("write", 0.5), ("search index", 0.02)]
    outcomes: list[str] = []
    number = 0
    for index, (after, part) in enumerate(points):
        last = index == len(points) - 1
        for attempt in range(4):
            number += 1
            log = tmp_path / f"build-{number}.log"
            build_process = start_build(site, log)
            while after and after not in stages_done(log) and build_process.poll() is None:
                time.sleep(0.005)
            delay = part if after is None or last else part * time_until_next_stage(times, after)
            time.sleep(rng.uniform(0, delay / 2**attempt))
            finished = build_process.poll() is not None
            if not finished:
                os.kill(build_process.pid, signal.SIGKILL)
            build_process.wait()
            wait_for_group(build_process.pid)
            now = tree(public)
            assert not (public / INCOMPLETE).exists()
            if finished:
                assert build_process.returncode == 0, log.read_text()
                assert_same_tree(now, expected)
                outcome = "finished"
            elif now == expected:
                outcome = "killed after the swap"  # atomic either way: the whole new site
            else:
                done = stages_done(log)
                assert not differences(now, snapshot), f"killed after {done}: the live site changed"
                outcome = f"killed after {done[-1] if done else 'start-up'}"
            outcomes.append(outcome)
            if outcome in ("finished", "killed after the swap") and not last:
                snapshot = now  # the live site is the new one: change every page again, and go on killing
                expected, times = change_every_page()
            if last or outcome == f"killed after {after or 'start-up'}":
                break
    killed = [o for o in outcomes if o.startswith("killed after ") and o != "killed after the swap"]
    assert len(killed) >= 6, outcomes
    assert "killed after fingerprint" in killed, outcomes  # while rendering on both cores
    assert "killed after write" in killed, outcomes  # while Pagefind indexed the shadow

    report, _ = incremental(site)  # an ordinary build after the kills: cleans up and finishes the job
    assert report.nothing_changed == (outcomes[-1] == "finished")
    assert_same_tree(tree(public), expected)
    assert not (public / INCOMPLETE).exists()
    leftovers = [p.name for p in site.iterdir() if p.name.startswith(".public.") and not p.name.endswith(".lock")]
    assert not leftovers, leftovers
    cache = site / ".shelfpress-cache"
    stray = [str(p.relative_to(cache)) for p in cache.rglob("*") if ".tmp-" in p.name or p.name == INCOMPLETE]
    assert not stray, stray
    # and the build after that one has nothing left to do
    again, rendered = incremental(site)
    assert rendered == [] and again.writes.written == 0


def test_a_new_shelfpress_version_is_a_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an upgrade nothing in the site moved, but its pages may come out differently: build them."""
    import generator.engine.planner

    site = make_shop(tmp_path / "shop")
    backdate(site)
    incremental(site)
    assert incremental(site)[0].nothing_changed
    monkeypatch.setattr(generator.engine.planner, "__version__", "99.0")
    report, rendered = incremental(site)
    assert not report.nothing_changed and rendered
