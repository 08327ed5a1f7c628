"""Product pages end to end: listings, pagination, product pages, signed links, SEO, untrusted data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.affiliate.signing import verify_url
from tests.support.products import CATALOG_CONFIG, catalog_site, product
from tests.support.sites import run, write_site
from tests.support.memory_backend import MemoryBackend
from tests.support.shopello_server import ShopelloServer

SECRET = "s3cr3t-signing-key"
LAMPS = [product(100 + i, f"Lamp {i}", 100 + 10 * i) for i in range(11)]
LISTING = "---\ntitle: Lamps\nlisting:\n  query: lamp\n  per_page: 4\n  max_pages: 10\n---\nAll lamps.\n"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    return catalog_site(tmp_path / "shop", LAMPS, {"content/lamps/index.md": LISTING})


def build(site: Path, *extra: str) -> str:
    result = run("build", "-C", str(site), *extra)
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    return result.output


def hrefs(html: str, rel: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]+)"[^>]*rel="' + rel, html)


def test_listing_paginates_without_empty_trailing_pages(shop: Path) -> None:
    build(shop)
    out = shop / "public/lamps"
    assert (out / "index.html").is_file() and (out / "page/2/index.html").is_file()
    assert (out / "page/3/index.html").is_file() and not (out / "page/4").exists()  # 11 products / 4
    second = (out / "page/2/index.html").read_text()
    assert '<link rel="prev" href="https://user.github.io/repo/lamps/">' in second
    assert '<link rel="next" href="https://user.github.io/repo/lamps/page/3/">' in second
    assert second.count('class="product-card"') == 4
    assert "11 products" in second


def test_product_pages_and_signed_links(shop: Path) -> None:
    build(shop)
    page = (shop / "public/p/100-lamp-0/index.html").read_text()
    assert "Lamp 0" in page and "SEK" in page
    (cta,) = re.findall(r'<a class="btn" href="([^"]+)" rel="sponsored nofollow noopener" target="_blank"', page)
    link = verify_url(cta.replace("&amp;", "&"), SECRET)
    assert link.valid and link.data == {"channel": "4711"}
    assert cta.startswith("https://se.shopelloapi.com/click/100?partnerdata=")
    assert 'srcset="https://cdn.example/100-160.jpg 160w, ' in page and 'width="440" height="440"' in page
    ld = json.loads(re.search(r'<script type="application/ld\+json">(\{"@context.*?"Product".*?)</script>',
                              page).group(1))
    assert ld["offers"]["price"] == 100 and ld["offers"]["priceCurrency"] == "SEK"
    assert ld["brand"]["name"] == "Muuto"
    sitemap = (shop / "public/sitemap.xml").read_text()
    assert "https://user.github.io/repo/p/100-lamp-0/" in sitemap
    assert "https://user.github.io/repo/lamps/page/2/" in sitemap


def test_every_card_link_is_sponsored_and_signed(shop: Path) -> None:
    build(shop)
    html = (shop / "public/lamps/index.html").read_text()
    cards = re.findall(r'<a class="btn btn-small" href="([^"]+)" rel="sponsored nofollow noopener"', html)
    assert len(cards) == 4
    assert all(verify_url(c.replace("&amp;", "&"), SECRET).valid for c in cards)


def test_channel_can_be_overridden_per_page_and_section(shop: Path) -> None:
    (shop / "content/lamps/index.md").write_text(LISTING.replace("title: Lamps", "title: Lamps\nchannel: lamps-42"))
    (shop / "content/lamps/more.md").write_text('---\ntitle: More\n---\n{{< products query="lamp" limit=2 >}}\n')
    build(shop)
    for rel in ("lamps/index.html", "lamps/more/index.html"):
        html = (shop / "public" / rel).read_text()
        link = hrefs(html, "sponsored")[0].replace("&amp;", "&")
        assert verify_url(link, SECRET).data == {"channel": "lamps-42"}, rel


def test_products_shortcode_renders_query_results(shop: Path) -> None:
    (shop / "content/index.md").write_text(
        '---\ntitle: Home\n---\n{{< products title="Cheap" query="lamp" order_by="price" limit=3 >}}\n')
    build(shop)
    html = (shop / "public/index.html").read_text()
    names = re.findall(r'<h3><a href="/repo/p/[^"]+">([^<]+)</a></h3>', html)
    assert names == ["Lamp 0", "Lamp 1", "Lamp 2"] and "<h2>Cheap</h2>" in html


def test_invalid_listing_parameter_names_file_and_parameter(shop: Path) -> None:
    (shop / "content/bad.md").write_text("---\ntitle: Bad\nlisting:\n  order_by: cheapest\n---\n")
    result = run("build", "-C", str(shop))
    assert result.exit_code == 1 and "content/bad.md" in result.output and "order_by" in result.output
    (shop / "content/bad.md").write_text('---\ntitle: Bad\n---\n{{< products price_min=9 price_max=1 >}}\n')
    result = run("build", "-C", str(shop))
    assert result.exit_code == 1 and "content/bad.md:4:1" in result.output and "price_min" in result.output


def test_empty_listing_warns_and_fails_with_strict(shop: Path) -> None:
    (shop / "content/none.md").write_text("---\ntitle: None\nlisting:\n  query: zebra\n---\n")
    assert "listing found no products" in build(shop)
    result = run("build", "-C", str(shop), "--strict")
    assert result.exit_code == 1 and "--strict" in result.output


def test_vanished_product_page_is_removed(shop: Path, tmp_path: Path) -> None:
    build(shop)
    assert (shop / "public/p/110-lamp-10/index.html").is_file()
    from generator.sources.catalog import CatalogSource

    with CatalogSource(shop / "products.sqlite") as catalog:
        catalog.conn.execute("DELETE FROM products WHERE product_id = 110")
        catalog.conn.commit()
    output = build(shop)
    assert not (shop / "public/p/110-lamp-10").exists()
    assert "removed" in output and "0 removed" not in output


def test_untrusted_fields_are_escaped_and_unsafe_urls_dropped(tmp_path: Path) -> None:
    evil = product(666, '<script>alert(1)</script>Lamp', 10,
                   description='"><img src=x onerror=alert(2)>&lt;b&gt;bold&lt;/b&gt;',
                   url="javascript:alert(3)", attributes={"brand": '<svg onload=alert(4)>'},
                   store={"store_id": 9, "name": '"><script>alert(5)</script>', "url": "JaVaScRiPt:alert(6)"},
                   images={"220": "javascript:alert(7)"})
    site = catalog_site(tmp_path / "evil", [evil], {"content/lamps.md": LISTING})
    output = build(site)
    assert "no http(s) click URL" in output
    for path in (site / "public").rglob("*.html"):
        html = path.read_text()
        assert "<script>alert" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")
        assert "javascript:" not in html.lower()
        assert "<svg onload" not in html
    page = (site / "public/p/666-script-alert-1-script-lamp/index.html").read_text()
    assert "<h1>alert(1) Lamp</h1>" in page  # product text is plain text: tags stripped, then escaped
    assert "<b>bold</b>" not in page and "bold" in page  # entities decoded once, tags stripped


def test_locale_formats_prices(shop: Path) -> None:
    config = (shop / "shelfpress.toml").read_text().replace('language = "en"', 'language = "sv"')
    (shop / "shelfpress.toml").write_text(config)
    (shop / "content/lamps/index.md").write_text(LISTING.replace("query: lamp", "query: lamp\n  order_by: price\n  order: DESC"))
    build(shop)
    html = (shop / "public/lamps/index.html").read_text()
    assert "200\xa0kr" in html and "Till butiken" in html


def test_demo_site_builds_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """README command (1): the repo root builds from the embedded catalog, no key, no network."""
    import socket

    def no_network(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.delenv("SHOPELLO_API_KEY", raising=False)
    repo = Path(__file__).resolve().parents[2]
    result = run("build", "-C", str(repo), "--output", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    home = (out / "index.html").read_text()
    assert home.count('class="products-shortcode"') >= 3
    assert list((out / "c").iterdir()) and len(list((out / "p").iterdir())) >= 20
    assert (out / "lampor/page/2/index.html").is_file()
    assert (out / "deals.xml").read_text().startswith("<?xml")


def test_synced_section_channels_sign_links_of_their_section(shop: Path) -> None:
    state = {"version": 1, "channels": {"section:lamps": {"id": "9001", "name": "Shop / Lamps", "uri": ""}}}
    (shop / ".shelfpress").mkdir()
    (shop / ".shelfpress/channels.json").write_text(json.dumps(state))
    build(shop)
    html = (shop / "public/lamps/index.html").read_text()
    assert verify_url(hrefs(html, "sponsored")[0].replace("&amp;", "&"), SECRET).data == {"channel": "9001"}
    product_page = (shop / "public/p/100-lamp-0/index.html").read_text()  # not in a section: config channel
    assert verify_url(hrefs(product_page, "sponsored")[0].replace("&amp;", "&"), SECRET).data == {"channel": "4711"}


# -- hostile data and offline misses, against the loopback Shopello API -----------------------------

SHOPELLO_CONFIG = """\
title = "Shop"
base_url = "https://user.github.io/repo/"
language = "sv"
locale = "sv_SE"

[source]
kind = "shopello"
api_base = "{url}"
retries = 1

[products]
related = 4
"""


@pytest.fixture
def api_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shopello_server: ShopelloServer) -> Path:
    monkeypatch.setenv("SHOPELLO_API_KEY", shopello_server.api_key)
    files = {"content/lampor.md": LISTING.replace("query: lamp", "query: lampa"),
             "content/tips.md": '---\ntitle: Tips\n---\n\n{{< products query="sofa" >}}\n'}
    return write_site(tmp_path / "api", files, config=SHOPELLO_CONFIG.format(url=shopello_server.url))


def strict_json(text: str) -> object:
    def refuse(constant: str) -> None:
        raise AssertionError(f"invalid JSON constant {constant}")
    return json.loads(text.replace("\\u003c", "<"), parse_constant=refuse)


@pytest.mark.server
def test_hostile_api_products_are_dropped_with_warnings_and_every_page_stays_valid(
        api_site: Path, shopello_server: ShopelloServer, memory_backend: MemoryBackend) -> None:
    good = memory_backend.all_products[0].to_api()
    records = [good, {**good, "product_id": 901, "price": {**good["price"], "price": "NaN"}},
               {**good, "product_id": 902, "price": {**good["price"], "price": "Infinity"}},
               {**good, "product_id": 903, "price": {**good["price"], "price": 1e28}},
               {**good, "product_id": 904, "name": {"sv": "Lampa"}},
               {**good, "product_id": 905, "name": "Lång " * 30_000}]
    shopello_server.fail("body", endpoint="products", body={"status": True, "data": records, "total_found": 6})
    shopello_server.fail("404", endpoint="related_products/905")  # vanished between the listing and this call
    output = build(api_site)
    for pid, field in ((901, "price.price"), (902, "price.price"), (903, "price.price"), (904, "name")):
        assert f"WARNING: product {pid}: {field}: " in output and "; product dropped" in output
    assert "WARNING: product 905: not found" in output
    assert "shown without related products" in output
    public = api_site / "public"
    assert not list(public.glob("p/90[1-4]-*"))
    (long_page,) = public.glob("p/905-*/index.html")
    assert long_page.stat().st_size < 60_000
    listing = (public / "lampor/index.html").read_text()
    assert "NaN" not in listing and "∞" not in listing
    for page in [listing, long_page.read_text()]:
        for block in re.findall(r'<script type="application/(?:ld\+)?json"[^>]*>(.*?)</script>', page, re.S):
            strict_json(block)


@pytest.mark.server
def test_offline_miss_names_the_content_file_that_needs_the_query(api_site: Path) -> None:
    build(api_site)  # fills the cache
    (api_site / "content/lampor.md").write_text(LISTING.replace("query: lamp", "query: golvlampa"))
    result = run("build", "-C", str(api_site), "--offline")
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = [line for line in result.output.splitlines() if line.strip()]
    assert "not in the cache" in line and "endpoint products" in line
    assert "needed by content/lampor.md (listing)" in line


@pytest.mark.server
def test_offline_miss_names_the_shortcode_or_widget_that_needs_the_query(
        api_site: Path, shopello_server: ShopelloServer) -> None:
    build(api_site)  # fills the cache
    (api_site / "content/tips.md").write_text("---\ntitle: Tips\n---\n\nText.\n\n{{< products query=\"bord\" >}}\n")
    result = run("build", "-C", str(api_site), "--offline")
    assert result.exit_code == 1 and "needed by content/tips.md:7 (products shortcode)" in result.output
    (api_site / "content/tips.md").write_text("---\ntitle: Tips\n---\n\nText.\n")
    config = (api_site / "shelfpress.toml").read_text()
    (api_site / "shelfpress.toml").write_text(config + '\n[widgets.kontext]\nquery = "matta"\n')
    result = run("build", "-C", str(api_site), "--offline")
    assert result.exit_code == 1 and "needed by widget 'kontext'" in result.output


def test_brands_whose_names_make_the_same_slug_get_a_page_each_and_products_link_their_own(tmp_path: Path) -> None:
    lamps = [product(1, "Lamp one", 100, attributes={"brand": "H&M"}),
             product(2, "Lamp two", 200, attributes={"brand": "H M"}),
             product(3, "Lamp three", 300, attributes={"brand": "h-m"})]
    site = catalog_site(tmp_path / "shop", lamps, {"content/lamps/index.md": LISTING},
                        config=CATALOG_CONFIG + "\n[brands]\nenabled = true\n")
    build(site)
    public = site / "public"
    linked = {}
    for lamp in lamps:
        page = next(public.glob(f"p/{lamp.product_id}-*/index.html")).read_text()
        brand_links = [href for href in re.findall(r'href="([^"]+)"', page) if "/b/" in href]
        assert len(set(brand_links)) == 1, brand_links
        linked[lamp.brand] = brand_links[0]
    assert len(set(linked.values())) == 3  # three brands, three pages
    for brand, href in linked.items():
        listing = (public / href.split("/repo/", 1)[1] / "index.html").read_text()
        own = next(lamp for lamp in lamps if lamp.brand == brand)
        assert own.name in listing
        assert all(other.name not in listing for other in lamps if other is not own)


def test_a_views_values_are_made_once_and_kept_by_the_view_alone() -> None:
    """A view computes each value at its first read and keeps it as an attribute (a frozen view, not a dict
    of its own each: a build keeps a view per listed product); what the card store sets in `__dict__`
    before the first read is the value read, and the view equals a fresh one of the same product."""
    from generator.products.views import ProductView

    signed: list[str] = []

    def sign(url: str, channel: str) -> str:
        signed.append(url)
        return f"{url}?c={channel}"

    lamp = product(7, "Lamp  seven", 100)
    view = ProductView(lamp, "web", sign)
    assert view.click_url == view.click_url == "https://se.shopelloapi.com/click/7?c=web"
    assert signed == ["https://se.shopelloapi.com/click/7"]  # signed once
    assert view.name == "Lamp seven" and view == ProductView(lamp, "web", sign)
    assert hash(view) == hash(ProductView(lamp, "web", sign))
    kept = ProductView(lamp, "web", sign)
    kept.__dict__.setdefault("url", "/p/stored/")  # as card_store.prepare gives a stored card's URL
    assert kept.url == "/p/stored/"
