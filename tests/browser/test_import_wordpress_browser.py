"""Old WordPress visitor URLs in real Chromium on an imported, built site (js/wordpress-urls.js):
?p=ID on the home page, and the Shopello plugin's swp_ parameters on listing pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.browser import serve_directory, stub_external_images
from tests.support.sites import run, write_site
from tests.importers.test_import_wordpress import CONFIG, LISTS, WXR12

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = write_site(tmp_path_factory.mktemp("wp") / "site", {}, CONFIG)
    assert run("import", "wordpress", str(WXR12), "--shopello-lists", str(LISTS), "-C", str(site)).exit_code == 0
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    with serve_directory(site / "public", "/hemma/") as url:
        yield url


def visit(chromium: Any, url: str) -> Any:
    page = chromium.new_context().new_page()
    stub_external_images(page)
    page.goto(url)
    return page


def test_old_post_id_on_the_home_page_reaches_the_new_url(chromium: Any, base: str) -> None:
    page = visit(chromium, base + "?p=21")
    page.wait_for_url(re.compile(r"/hemma/blog/hostens-basta-soffor/$"))
    page = visit(chromium, base + "?page_id=32")
    page.wait_for_url(re.compile(r"/hemma/lampor/taklampor/$"))


def test_plugin_page_parameter_opens_that_page_of_the_listing(chromium: Any, base: str) -> None:
    page = visit(chromium, base + "lampor/taklampor/?swp_page=2")
    page.wait_for_url(re.compile(r"/hemma/lampor/taklampor/page/2/$"))
    # the visitor had chosen 2 a page: the plugin's page 2 (products 3-4) is on the new first page (4 a page)
    page = visit(chromium, base + "lampor/taklampor/?swp_page=2&swp_pagesize=2")
    page.wait_for_function("location.search === ''")
    assert urlsplit(page.url).path == "/hemma/lampor/taklampor/"
    page = visit(chromium, base + "lampor/taklampor/?swp_page=9")  # past the last page: the last page
    page.wait_for_url(re.compile(r"/hemma/lampor/taklampor/page/2/$"))


def test_plugin_filters_become_the_listing_filters(chromium: Any, base: str) -> None:
    page = visit(chromium, base + "lampor/?swp_category=432&swp_maxprice=2000&swp_sorting=price&swp_sortorder=DESC")
    page.wait_for_function("location.search.indexOf('swp_') < 0")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"category": ["Taklampor"], "max": ["2000"], "sort": ["-price"]}
    assert page.input_value("select[name=sort]") == "-price" and page.input_value("input[name=max]") == "2000"
    prices = [int(re.sub(r"\D", "", t)) for t in page.locator("[data-listing-grid] .price").all_inner_texts()]
    assert prices and prices == sorted(prices, reverse=True) and max(prices) <= 2000


def test_plugin_search_words_go_to_the_site_search(chromium: Any, base: str) -> None:
    page = visit(chromium, base + "lampor/?swp_query=m%C3%A4ssing")
    page.wait_for_url(re.compile(r"/hemma/search/\?q=m%C3%A4ssing$"))
