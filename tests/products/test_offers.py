"""One product, many shops: group keys, grouping, the catalog's search by key, and the built site (where to buy,
AggregateOffer JSON-LD, redirects, grouped listing cards, the offers shortcode), from the catalog and the API."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.products.offers import group_offers
from generator.affiliate.signing import verify_url
from generator.sources.catalog import CatalogSource
from generator.sources.offer_keys import group_key, group_url, gtin_key, name_key
from tests.support.products import CATALOG_CONFIG, catalog_site, product
from tests.support.sites import run, write_site
from tests.support.memory_backend import MemoryBackend
from tests.support.shopello_server import ShopelloServer

SECRET = "s3cr3t-signing-key"
GTIN = "7350012345679"  # a valid EAN-13
OTHER_GTIN = "4006381333931"
# No category pages: the listing's query is all the site fetches (besides the deals feed, which finds no reduction).
CONFIG = CATALOG_CONFIG + "\n[categories]\nenabled = false\n"
LISTING = "---\ntitle: Chairs\nlisting:\n  query: chair\n  per_page: 12\n---\nAll chairs.\n"


def offer(pid: int, name: str, price: float, store: tuple[int, str], gtin: str = GTIN, **attributes: Any) -> Any:
    return product(pid, name, price, attributes={"brand": "Stokke", "gtin": gtin, **attributes},
                   store={"store_id": store[0], "name": store[1], "url": f"https://se.shopelloapi.com/s/{store[0]}"})


# Three shops sell the chair; the cheapest calls it a "stol", so the listing's query never finds it: its offer
# comes from the whole catalog. The GTINs are written three ways. Another chair has a GTIN of its own.
CHAIRS = [
    offer(10, "Tripp Trapp chair", 2195, (1, "Lekmer"), gtin="735 0012 345679", shipping_cost=49, stock=1),
    offer(11, "Tripp Trapp chair, oak", 1995, (2, "RUM21"), gtin="735-0012-345679", shipping_cost=0, stock=0),
    offer(12, "Tripp Trapp stol", 1795, (3, "Babyshop"), gtin="0735-0012-345679"),
    offer(20, "Other chair", 995, (1, "Lekmer"), gtin=OTHER_GTIN),
    product(30, "Plain chair", 495),  # no GTIN: a product of its own, as before
]


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    return catalog_site(tmp_path / "shop", CHAIRS, {"content/chairs/index.md": LISTING}, config=CONFIG)


def build(site: Path, *extra: str) -> str:
    result = run("build", "-C", str(site), *extra)
    assert result.exit_code == 0, result.output
    return result.output


def html(site: Path, url: str) -> str:
    return (site / "public" / url.strip("/") / "index.html").read_text()


def offer_rows(page: str) -> list[tuple[str, str, str]]:
    """(store, price text, signed link) of each row of the where-to-buy table, in order."""
    table = page[page.index('<table class="offers-table">'):page.index("</table>")]
    return [(store, price, link.replace("&amp;", "&")) for store, price, link in re.findall(
        r'<th scope="row">([^<]*)</th>\s*<td data-label="Price" class="offer-price">([^<]*)</td>.*?'
        r'<a class="btn btn-small" href="([^"]+)" rel="sponsored nofollow noopener"', table, re.S)]


def json_ld(page: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(re.search(r'<script type="application/ld\+json">(\{"@context[^<]*?"Product".*?)'
                                                 r'</script>', page).group(1))
    return found


# --- keys ------------------------------------------------------------------------------------------------------

def test_gtin_key_accepts_real_gtins_in_any_spelling_and_rejects_the_rest() -> None:
    assert gtin_key("7350012345679") == gtin_key("07350012345679") == gtin_key(" 735-0012 345679 ") == \
        "07350012345679"
    assert gtin_key("036000291452") == "00036000291452"  # UPC-A
    assert gtin_key("96385074") == "00000096385074"  # EAN-8
    for bad in ("7350012345678", "", "0", "-", "00000000000000", "12345", "735001234567X", "７３５００１２３４５６７９",
                "73500123456790000"):
        assert gtin_key(bad) == "", bad


def test_name_key_ignores_case_accents_punctuation_and_a_repeated_brand() -> None:
    assert name_key("Stokke", "Stokke Tripp-Trapp, Ek") == name_key("STOKKE", "tripp trapp ek") == \
        "stokke|tripp trapp ek"
    assert name_key("", "Tripp Trapp") == "" and name_key("Stokke", "Stokke") == ""
    assert name_key("Brüel", "Lampa Ö") == "bruel|lampa o"


def test_group_key_modes_and_urls_that_never_meet_a_product_url() -> None:
    with_gtin, nameless = CHAIRS[0], offer(40, "Stokke Tripp Trapp", 1, (1, "X"), gtin="n/a")
    assert group_key(with_gtin, "none") == "" and group_key(nameless, "gtin") == ""
    assert group_key(with_gtin, "gtin") == group_key(with_gtin, "gtin+name") == "gtin:07350012345679"
    assert group_key(nameless, "gtin+name") == "name:stokke|tripp trapp"
    assert group_url("gtin:07350012345679") == "/p/7350012345679/"
    assert group_url("gtin:10012345678902") == "/p/10012345678902/"
    assert group_url("name:stokke|tripp trapp") == "/p/m-stokke-tripp-trapp/"
    # Letters a slug drops, or a name cut short, get a digest: two such groups never share a URL.
    assert group_url("name:brand|商品") != group_url("name:brand|产品")
    long_a, long_b = "name:b|" + "x " * 60 + "a", "name:b|" + "x " * 60 + "b"
    assert group_url(long_a) != group_url(long_b) and len(group_url(long_a)) < 100


def test_group_offers_orders_cheapest_first_then_by_shipping_and_stock() -> None:
    same = [offer(1, "A", 100, (1, "Zeta"), shipping_cost=10), offer(2, "A", 100, (2, "Alfa")),
            offer(3, "A", 100, (3, "Beta"), shipping_cost=0, stock=0), offer(4, "A", 100, (4, "Gamma"),
                                                                             shipping_cost=0), offer(5, "A", 90, (5, "Eta"))]
    (group,) = group_offers(reversed(same), "gtin").values()
    assert [p.product_id for p in group.products] == [5, 4, 3, 1, 2]
    assert group.url == "/p/7350012345679/"


def test_catalog_finds_every_record_of_a_group_by_key(tmp_path: Path) -> None:
    with CatalogSource(tmp_path / "c.sqlite") as catalog:
        catalog.import_products([*CHAIRS, offer(41, "Stokke Tripp Trapp", 1, (9, "X"), gtin="")])
        from generator.core.asyncrun import run_sync
        found = run_sync(catalog.same_products({"gtin:07350012345679", "name:stokke|tripp trapp"}, "gtin+name"))
        assert sorted(p.product_id for p in found["gtin:07350012345679"]) == [10, 11, 12]
        assert [p.product_id for p in found["name:stokke|tripp trapp"]] == [41]
        assert run_sync(catalog.same_products({"name:stokke|tripp trapp"}, "gtin")) == {}


# --- the built site --------------------------------------------------------------------------------------------

def test_grouped_product_page_lists_every_shop_cheapest_first_with_signed_sponsored_links(shop: Path) -> None:
    build(shop)
    page = html(shop, "/p/7350012345679/")
    rows = offer_rows(page)
    assert [(store, price) for store, price, _ in rows] == [("Babyshop", "SEK1,795"), ("RUM21", "SEK1,995"),
                                                            ("Lekmer", "SEK2,195")]
    for (_, _, link), pid in zip(rows, (12, 11, 10)):
        assert link.startswith(f"https://se.shopelloapi.com/click/{pid}?")
        signed = verify_url(link, SECRET)
        assert signed.valid and signed.data == {"channel": "4711"}
    assert "Free shipping" in page and "SEK49" in page and "Out of stock" in page
    assert "from SEK1,795 in 3 stores" in page
    assert SECRET not in page


def test_grouped_product_json_ld_is_one_product_with_an_aggregate_offer(shop: Path) -> None:
    build(shop)
    page = html(shop, "/p/7350012345679/")
    ld = json_ld(page)
    assert ld["@type"] == "Product" and ld["gtin"] == "07350012345679"
    assert ld["url"] == "https://user.github.io/repo/p/7350012345679/"
    aggregate = ld["offers"]
    assert aggregate["@type"] == "AggregateOffer"
    assert (aggregate["lowPrice"], aggregate["highPrice"], aggregate["offerCount"]) == (1795, 2195, 3)
    assert aggregate["priceCurrency"] == "SEK"
    urls = [o["url"] for o in aggregate["offers"]]
    assert urls == [link for _, _, link in offer_rows(page)]  # each offer: the shop's signed click link
    for o in aggregate["offers"]:
        assert o["@type"] == "Offer" and {"price", "priceCurrency", "availability", "seller"} <= set(o)
    assert [o["availability"] for o in aggregate["offers"]] == [
        "https://schema.org/InStock", "https://schema.org/OutOfStock", "https://schema.org/InStock"]
    assert page.count('"@type": "Product"') + page.count('"@type":"Product"') == 1


def test_offers_old_product_urls_redirect_and_cards_link_to_the_grouped_product(shop: Path) -> None:
    build(shop)
    for old in ("/p/10-tripp-trapp-chair/", "/p/11-tripp-trapp-chair-oak/", "/p/12-tripp-trapp-stol/"):
        redirect = html(shop, old)
        assert '<meta http-equiv="refresh" content="0; url=/repo/p/7350012345679/">' in redirect, old
        assert '<meta name="robots" content="noindex">' in redirect
    listing = html(shop, "/chairs/")
    assert listing.count('href="/repo/p/7350012345679/"') == 2  # the two offers the listing found, one card each
    assert 'href="/repo/p/30-plain-chair/"' in listing and (shop / "public/p/30-plain-chair/index.html").is_file()
    single = html(shop, "/p/4006381333931/")  # a GTIN only one shop sells: a grouped product of one offer
    assert [store for store, _, _ in offer_rows(single)] == ["Lekmer"] and "in 1 store" not in single
    sitemap = (shop / "public/sitemap.xml").read_text()
    assert "/p/7350012345679/" in sitemap and "/p/10-tripp-trapp-chair/" not in sitemap


def test_grouped_cards_show_one_card_per_product_from_its_lowest_price(shop: Path) -> None:
    with (shop / "shelfpress.toml").open("a") as config:
        config.write("\n[offers]\ngrouped_cards = true\n")
    build(shop)
    listing = html(shop, "/chairs/")
    assert listing.count('href="/repo/p/7350012345679/"') == 1
    assert "from SEK1,795 in 3 stores" in listing
    assert listing.count('class="product-card"') == 3 and "3 products" in listing


def test_grouped_cards_speak_the_site_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    config = CONFIG.replace('language = "en"', 'language = "sv"') + "\n[offers]\ngrouped_cards = true\n"
    site = catalog_site(tmp_path / "sv", [*CHAIRS[:2], offer(13, "Chair", 1195, (4, "Jollyroom")),
                                          offer(14, "Chair", 1295, (5, "Babyland"))],
                        {"content/chairs/index.md": LISTING}, config=config)
    build(site)
    assert "från 1\xa0195\xa0kr i 4 butiker" in html(site, "/chairs/")
    assert "Var kan jag köpa" in html(site, "/p/7350012345679/")


def test_grouped_url_stays_as_shops_come_and_go(shop: Path) -> None:
    build(shop)
    with CatalogSource(shop / "products.sqlite") as catalog:
        catalog.conn.execute("DELETE FROM products WHERE product_id = 12")  # the cheapest shop leaves
        catalog.import_products([offer(13, "Tripp Trapp, white", 2095, (4, "Jollyroom"))])  # another comes
    build(shop)
    page = html(shop, "/p/7350012345679/")
    assert [store for store, _, _ in offer_rows(page)] == ["RUM21", "Jollyroom", "Lekmer"]
    assert json_ld(page)["offers"]["lowPrice"] == 1995
    assert "0; url=/repo/p/7350012345679/" in html(shop, "/p/13-tripp-trapp-white/")
    assert not (shop / "public/p/12-tripp-trapp-stol").exists()


def test_a_changed_offer_the_listing_never_shows_reaches_the_grouped_page(shop: Path) -> None:
    build(shop)
    with CatalogSource(shop / "products.sqlite") as catalog:  # the "stol" offer: on no listing
        catalog.import_products([offer(12, "Tripp Trapp stol", 1695, (3, "Babyshop"))])
    build(shop)
    assert offer_rows(html(shop, "/p/7350012345679/"))[0][:2] == ("Babyshop", "SEK1,695")


def test_offers_shortcode_shows_where_to_buy_in_an_article(shop: Path) -> None:
    (shop / "content/review.md").write_text("---\ntitle: Review\n---\nOur pick.\n\n"
                                            '{{< offers product_id=10 title="Buy it here" >}}\n\n'
                                            "{{< offers product_id=30 />}}\n")
    build(shop)
    page = html(shop, "/review/")
    assert "<h2 id=\"offers-12-0\">Buy it here</h2>" in page
    tables = page.split('<table class="offers-table">')[1:]
    assert len(tables) == 2
    first = offer_rows('<table class="offers-table">' + tables[0])
    assert [store for store, _, _ in first] == ["Babyshop", "RUM21", "Lekmer"]
    assert all(verify_url(link, SECRET).valid for _, _, link in first)
    assert [store for store, _, _ in offer_rows('<table class="offers-table">' + tables[1])] == ["RUM21"]


def test_two_offers_tables_of_one_product_on_a_page_keep_their_ids_apart(shop: Path) -> None:
    (shop / "content/review.md").write_text("---\ntitle: Review\n---\n{{< offers product_id=10 />}}\n\nAgain:\n\n"
                                            "{{< offers product_id=11 />}}\n")  # two offers of one product
    build(shop)
    page = html(shop, "/review/")
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(ids)
    labels = re.findall(r'<section class="offers" aria-labelledby="([^"]+)"', page)
    assert len(labels) == 2 and all(f'<h2 id="{label}">' in page for label in labels)


def test_recommendations_link_to_the_grouped_page_not_a_redirect(shop: Path) -> None:
    (shop / "data").mkdir(exist_ok=True)
    (shop / "data/recommendations.jsonl").write_text(json.dumps({"key": "30", "alsoBought": ["11"], "boughtTogether": ["30", "11"]}) + "\n")
    (shop / "content/picks.md").write_text('---\ntitle: Picks\n---\n{{< recommendations product_id="30" />}}\n')
    build(shop)
    picks, plain = html(shop, "/picks/"), html(shop, "/p/30-plain-chair/")
    for page in (picks, plain):  # the shortcode and "Others also bought" on the plain chair's page
        section = page[page.index("Others also bought"):]
        assert 'href="/repo/p/7350012345679/"' in section and "/p/11-tripp-trapp-chair-oak/" not in section


def test_offers_shortcode_with_a_bad_parameter_is_one_line_naming_file_and_line(shop: Path) -> None:
    (shop / "content/review.md").write_text("---\ntitle: Review\n---\n\n{{< offers product_idd=10 >}}\n")
    result = run("build", "-C", str(shop))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "content/review.md:5" in result.output and "product_id" in result.output


def test_grouping_off_builds_every_product_on_its_own_page(shop: Path) -> None:
    with (shop / "shelfpress.toml").open("a") as config:
        config.write('\n[offers]\ngroup_by = "none"\n')
    build(shop)
    assert not (shop / "public/p/7350012345679").exists()
    page = html(shop, "/p/10-tripp-trapp-chair/")
    assert "offers-table" not in page and json_ld(page)["offers"]["@type"] == "Offer"


def test_bad_group_by_is_a_config_error(shop: Path) -> None:
    with (shop / "shelfpress.toml").open("a") as config:
        config.write('\n[offers]\ngroup_by = "ean"\n')
    result = run("build", "-C", str(shop))
    assert result.exit_code == 1 and "offers.group_by" in result.output and "gtin" in result.output


def test_name_grouping_is_opt_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    records = [offer(50, "Stokke Tripp Trapp chair", 2000, (1, "Lekmer"), gtin=""),
               offer(51, "TRIPP TRAPP CHAIR", 1900, (2, "RUM21"), gtin="")]
    site = catalog_site(tmp_path / "n", records, {"content/chairs/index.md": LISTING}, config=CONFIG)
    build(site)
    assert (site / "public/p/50-stokke-tripp-trapp-chair/index.html").is_file()
    with (site / "shelfpress.toml").open("a") as config:
        config.write('\n[offers]\ngroup_by = "gtin+name"\n')
    build(site)
    page = html(site, "/p/m-stokke-tripp-trapp-chair/")
    assert [store for store, _, _ in offer_rows(page)] == ["RUM21", "Lekmer"]
    assert "0; url=/repo/p/m-stokke-tripp-trapp-chair/" in html(site, "/p/50-stokke-tripp-trapp-chair/")


SHOPELLO_CONFIG = """\
title = "Shop"
base_url = "https://user.github.io/repo/"
language = "en"

[source]
kind = "shopello"
api_base = "{url}"
retries = 0

[categories]
enabled = false

[links]
channel = "4711"
"""


def test_from_the_api_offers_are_grouped_across_what_the_site_fetches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    with ShopelloServer(MemoryBackend(CHAIRS), api_key="test-api-key-5f3c9a") as server:
        monkeypatch.setenv("SHOPELLO_API_KEY", server.api_key)
        site = write_site(tmp_path / "api", {"content/chairs/index.md": LISTING},
                          config=SHOPELLO_CONFIG.format(url=server.url))
        build(site)
        # "stol" is on no page the site fetches: the API cannot be searched by GTIN, so it is not an offer
        assert [s for s, _, _ in offer_rows(html(site, "/p/7350012345679/"))] == ["RUM21", "Lekmer"]
        (site / "content/stol.md").write_text('---\ntitle: Stol\n---\n{{< products query="stol" />}}\n')
        build(site)
        assert [s for s, _, _ in offer_rows(html(site, "/p/7350012345679/"))] == ["Babyshop", "RUM21", "Lekmer"]


def test_grouping_with_price_history_on_lists_every_shop(shop: Path) -> None:
    with (shop / "shelfpress.toml").open("a") as config:
        config.write("\n[prices]\nhistory = true\n")
    build(shop)
    build(shop, "--clean")  # a second build reads the history it wrote
    rows = offer_rows(html(shop, "/p/7350012345679/"))
    assert [store for store, _, _ in rows] == ["Babyshop", "RUM21", "Lekmer"]
    assert (shop / ".shelfpress/price-history.sqlite").is_file()


def test_a_grouped_card_follows_a_price_change_of_an_offer_it_does_not_show(shop: Path) -> None:
    with (shop / "shelfpress.toml").open("a") as config:
        config.write("\n[offers]\ngrouped_cards = true\n")
    build(shop)
    assert "from SEK1,795 in 3 stores" in html(shop, "/chairs/")
    with CatalogSource(shop / "products.sqlite") as catalog:  # the cheapest offer, which no listing finds
        catalog.import_products([offer(12, "Tripp Trapp stol", 1595, (3, "Babyshop"))])
    build(shop)  # incremental
    assert "from SEK1,595 in 3 stores" in html(shop, "/chairs/")
