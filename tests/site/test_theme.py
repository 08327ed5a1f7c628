"""The default theme's output (no browser): https images, compact pagination, per-listing filter
files, the 404 page's language, Pagefind markup, and the starter and demo layouts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.products.listing_json import data_url
from generator.products.views import ProductView, secure_image_url
from tests.support.products import CATALOG_CONFIG, catalog_site, product
from tests.support.sites import run

ROOT = Path(__file__).resolve().parents[2]


def many(count: int) -> list[Any]:
    brands, colors = ("Muuto", "Hay", "Tala"), ("Orange", "Black", "White", "Green")
    return [product(i, f"Lampa {i:04d}", 10 + i, attributes={"brand": brands[i % 3], "color": colors[i % 4]})
            for i in range(1, count + 1)]


# https images ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("http://cdn.203.se/i?u=a.jpg&w=220", "https://cdn.203.se/i?u=a.jpg&w=220"),
    ("HTTP://CDN.203.SE/a.jpg", "https://CDN.203.SE/a.jpg"),
    ("https://cdn.example/a.jpg", "https://cdn.example/a.jpg"),
    ("http://images.shop.example/a.jpg", ""),  # http elsewhere: never on an https page
    ("http://cdn.203.se.evil.example/a.jpg", ""),
    ("http://cdn.203.se:8080/a.jpg", ""),
    ("http://user@cdn.203.se/a.jpg", ""),
    ("javascript:alert(1)", ""),
    ("//cdn.203.se/a.jpg", ""),
    ("/img/local.jpg", "/img/local.jpg"),
])
def test_secure_image_url(url: str, expected: str) -> None:
    assert secure_image_url(url) == expected


def test_product_views_never_show_http_images() -> None:
    view = ProductView(product(1, "Lampa", 100, images={
        "160": "http://cdn.203.se/a160.jpg", "220": "http://cdn.203.se/a220.jpg",
        "440": "http://other.example/a440.jpg"}), "", lambda url, channel: url)
    assert view.images == [(160, "https://cdn.203.se/a160.jpg"), (220, "https://cdn.203.se/a220.jpg")]
    assert view.image(220) == "https://cdn.203.se/a220.jpg"
    assert "http:" not in view.srcset


def test_built_pages_have_no_http_images_and_every_img_has_a_size(tmp_path: Path) -> None:
    products = [product(1, "Lampa", 100, images={"220": "http://cdn.203.se/x.jpg", "440": "http://cdn.203.se/y.jpg"}),
                product(2, "Bord", 200, images={"220": "http://plain.example/x.jpg"})]
    site = catalog_site(tmp_path / "site", products, {"content/index.md": "---\ntitle: Home\nlisting:\n  query: ''\n---\n"})
    assert run("build", "-C", str(site)).exit_code == 0
    for page in (site / "public").rglob("*.html"):
        html = page.read_text()
        assert not re.search(r'<img[^>]+src="http:', html), page
        for img in re.findall(r"<img[^>]*>", html):
            assert 'width="' in img and 'height="' in img, (page, img)
    home = (site / "public/index.html").read_text()
    assert "https://cdn.203.se/x.jpg" in home and "plain.example" not in home
    assert 'class="thumb no-img"' in home  # product 2: a placeholder, not a broken image


# listings ----------------------------------------------------------------------------------------------

def pagination_numbers(html: str) -> list[str]:
    nav = re.search(r'<nav class="pagination".*?</nav>', html, re.S)
    assert nav is not None
    return re.findall(r">(\d+|…)</(?:a|span|li)>", nav.group(0))


def test_pagination_is_compact(tmp_path: Path) -> None:
    listing = "---\ntitle: Lamps\nlisting:\n  query: lampa\n  per_page: 2\n  max_pages: 40\n---\n"
    site = catalog_site(tmp_path / "site", many(60), {"content/lamps/index.md": listing})
    assert run("build", "-C", str(site)).exit_code == 0
    out = site / "public/lamps"
    assert pagination_numbers((out / "page/6/index.html").read_text()) == ["1", "…", "5", "6", "7", "…", "30"]
    assert pagination_numbers((out / "index.html").read_text()) == ["1", "2", "…", "30"]
    assert pagination_numbers((out / "page/30/index.html").read_text()) == ["1", "…", "29", "30"]
    assert pagination_numbers((out / "page/3/index.html").read_text()) == ["1", "2", "3", "4", "…", "30"]


def test_count_is_what_the_listing_reaches(tmp_path: Path) -> None:
    listing = "---\ntitle: Lamps\nlisting:\n  query: lampa\n  per_page: 5\n  max_pages: 2\n---\n"
    site = catalog_site(tmp_path / "site", many(30), {"content/lamps/index.md": listing})
    assert run("build", "-C", str(site)).exit_code == 0
    html = (site / "public/lamps/index.html").read_text()
    assert ">10 products</h2>" in html  # 30 match, 10 are reachable on 2 pages


def test_filter_options_are_in_the_html(tmp_path: Path) -> None:
    listing = "---\ntitle: Lamps\nlisting:\n  query: lampa\n  per_page: 4\n---\n"
    site = catalog_site(tmp_path / "site", many(13), {"content/lamps/index.md": listing})
    assert run("build", "-C", str(site)).exit_code == 0
    html = (site / "public/lamps/index.html").read_text()
    form = re.search(r"<form class=\"filters\".*?</form>", html, re.S)
    assert form is not None and "hidden" not in form.group(0).split(">", 1)[0]
    # each option with how many of the listing's products have it (issue 33: facets with counts)
    assert ('<option value="Hay">Hay (5)</option><option value="Muuto">Muuto (4)</option>'
            '<option value="Tala">Tala (4)</option>') in form.group(0)


def test_listing_files_replace_embedded_products(tmp_path: Path) -> None:
    listing = "---\ntitle: Lamps\nlisting:\n  query: lampa\n  per_page: 10\n  max_pages: 60\n---\n"
    site = catalog_site(tmp_path / "site", many(520), {"content/lamps/index.md": listing})
    assert run("build", "-C", str(site)).exit_code == 0
    out = site / "public/lamps"
    items = json.loads((out / "products.json").read_text())
    assert len(items) == 520 and items[0]["name"] == "Lampa 0001" and items[0]["img"].startswith("https://")
    for page in (out / "index.html", out / "page/52/index.html"):
        html = page.read_text()
        assert 'data-src="/repo/lamps/products.json"' in html and "data-listing-products" not in html
        assert ">520 products</h2>" in html
    assert "products.json" not in (site / "public/sitemap.xml").read_text()


def test_no_listing_file_without_filters(tmp_path: Path) -> None:
    listing = "---\ntitle: Lamps\nlisting:\n  query: lampa\n  filters: false\n---\n"
    site = catalog_site(tmp_path / "site", many(5), {"content/lamps/index.md": listing})
    assert run("build", "-C", str(site)).exit_code == 0
    assert not (site / "public/lamps/products.json").exists()
    assert "data-listing-filters" not in (site / "public/lamps/index.html").read_text()


def test_data_url() -> None:
    assert data_url("/lampor/") == "/lampor/products.json"
    assert data_url("/lampor.html") == "/lampor.products.json"


# pages -------------------------------------------------------------------------------------------------

def test_404_og_title_is_in_the_site_language(tmp_path: Path) -> None:
    site = catalog_site(tmp_path / "site", many(2), {"content/index.md": "---\ntitle: Hem\n---\n"},
                        config=CATALOG_CONFIG.replace('language = "en"', 'language = "sv"'))
    assert run("build", "-C", str(site)).exit_code == 0
    html = (site / "public/404.html").read_text()
    assert '<meta property="og:title" content="Sidan hittades inte">' in html


def test_product_page_search_metadata_and_ignored_related(tmp_path: Path) -> None:
    site = catalog_site(tmp_path / "site", many(6), {"content/index.md": "---\ntitle: Home\nlisting:\n  query: lampa\n---\n"})
    assert run("build", "-C", str(site)).exit_code == 0
    html = next((site / "public/p").glob("1-*/index.html")).read_text()
    assert 'data-pagefind-meta="image[src], image_alt[alt]"' in html
    assert '<span data-pagefind-meta="price">' in html
    if "related-heading" in html:
        assert 'aria-labelledby="related-heading" data-pagefind-ignore="all"' in html


def test_headings_never_skip_a_level(tmp_path: Path) -> None:
    files = {"content/index.md": "---\ntitle: Home\nlisting:\n  query: lampa\n---\nText.\n\n{{< products query=\"lampa\" limit=2 >}}\n"}
    site = catalog_site(tmp_path / "site", many(6), files)
    assert run("build", "-C", str(site)).exit_code == 0
    for page in (site / "public").rglob("*.html"):
        html = re.sub(r"<footer.*?</footer>", "", page.read_text(), flags=re.S)
        levels = [int(h) for h in re.findall(r"<h([1-6])[\s>]", html)]
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, (page, levels)


def test_starter_home_shows_products_and_links_taxonomy_pages(tmp_path: Path) -> None:
    assert run("new", str(tmp_path / "s")).exit_code == 0
    assert run("build", "-C", str(tmp_path / "s")).exit_code == 0
    out = tmp_path / "s/public"
    home = (out / "index.html").read_text()
    assert home.count("<h1") == 1 and 'class="product-card"' in home and "products-shortcode" in home
    assert 'role="search"' in home and 'class="category-menu"' in home
    assert (out / "widgets/index.html").exists()
    product_page = next((out / "p").glob("*/index.html")).read_text()
    assert re.search(r'href="/my-site/s/\d+-[a-z0-9-]+/"', product_page)
    assert re.search(r'href="/my-site/c/\d+-[a-z0-9-]+/"', product_page)


def test_demo_site_override_and_second_theme(tmp_path: Path) -> None:
    assert (ROOT / "templates/partials/footer.html").is_file()
    demo = tmp_path / "demo"
    for folder in ("content", "static", "templates"):
        import shutil
        shutil.copytree(ROOT / folder, demo / folder)
    config = (ROOT / "shelfpress.toml").read_text()
    (demo / "shelfpress.toml").write_text(config.replace('# theme = "magazine"', 'theme = "magazine"'))
    assert run("build", "-C", str(demo)).exit_code == 0
    home = (demo / "public/index.html").read_text()
    assert "/css/magazine.css" in home and 'class="site-header masthead"' in home  # the theme
    assert 'class="site-footer demo-footer"' in home  # the site's own override wins over any theme


def test_demo_listing_weighs_at_most_25_kb_and_no_page_waits_for_a_style_sheet(tmp_path: Path) -> None:
    """Issue 33 item 12: the critical CSS is inline, the sheets load without blocking the first paint, and the
    listing stays within the page-weight budget (PERFORMANCE.md: <= 25 KB of HTML) with it."""
    import shutil
    demo = tmp_path / "demo"
    for folder in ("content", "static", "templates"):
        shutil.copytree(ROOT / folder, demo / folder)
    shutil.copy(ROOT / "shelfpress.toml", demo / "shelfpress.toml")
    assert run("build", "-C", str(demo)).exit_code == 0
    assert len((demo / "public/lampor/index.html").read_bytes()) <= 25_000
    for page in (demo / "public").rglob("*.html"):
        html = page.read_text()
        head = html[:html.index("</head>")]
        links = re.findall(r"<link [^>]*rel=\"stylesheet\"[^>]*>", head)
        assert links, page
        blocking = [link for link in links if "media=" not in link and f"<noscript>{link}</noscript>" not in head]
        assert blocking == [], page
        assert "<style>" in head, page
