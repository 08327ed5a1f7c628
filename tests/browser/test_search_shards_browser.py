"""Search in real Chromium: the demo site's index split into shards answers as its one whole-site index does."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.publish import shards
from tests.support.browser import serve_directory, stub_external_images
from tests.support.sites import run

pytestmark = [pytest.mark.browser, pytest.mark.server]

DEMO = Path(__file__).resolve().parents[2]
QUERIES = ("lampa", "design", "svart")


def _build_demo(root: Path) -> Path:
    site = root / "site"
    shutil.copy(DEMO / "shelfpress.toml", root / "shelfpress.toml")
    for folder in ("content", "static", "templates", "themes"):
        if (DEMO / folder).is_dir():
            shutil.copytree(DEMO / folder, site / folder)
    shutil.move(root / "shelfpress.toml", site / "shelfpress.toml")
    result = run("build", "-C", str(site))
    assert result.exit_code == 0 and "search is off" not in result.output, result.output
    return site / "public"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The demo built with one index, and with the same pages in shards (SHARD_PAGES lowered to 12: four shards)."""
    single = _build_demo(tmp_path_factory.mktemp("single"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shards, "SHARD_PAGES", 12)
        sharded = _build_demo(tmp_path_factory.mktemp("sharded"))
    assert json.loads((single / "pagefind/shards.json").read_text())["merge"] == []
    assert len(json.loads((sharded / "pagefind/shards.json").read_text())["merge"]) >= 1
    with serve_directory(single, "/demo/") as one, serve_directory(sharded, "/demo/") as many:
        yield one, many


def _results(chromium: Any, base: str, query: str) -> tuple[str, list[str], list[str]]:
    """The search page's answer to `query`: its message, the result links in order (every "load more"
    clicked), and the page's errors."""
    page = chromium.new_page()
    stub_external_images(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{base}search/?q={query}")
    page.wait_for_function("/\\d/.test((document.querySelector('.pagefind-ui__message') || {}).textContent || '')")
    while page.query_selector(".pagefind-ui__button"):
        count = len(page.query_selector_all(".pagefind-ui__result-link"))
        page.click(".pagefind-ui__button")
        page.wait_for_function(f"document.querySelectorAll('.pagefind-ui__result-link').length > {count}")
    page.wait_for_load_state("networkidle")
    links = [link.get_attribute("href") for link in page.query_selector_all(".pagefind-ui__result-link")]
    message = page.inner_text(".pagefind-ui__message")
    page.close()
    return message, links, errors


@pytest.mark.parametrize("query", QUERIES)
def test_a_sharded_index_finds_what_the_whole_site_index_finds(chromium: Any, sites: tuple[str, str],
                                                               query: str) -> None:
    single, sharded = sites
    message, expected, errors = _results(chromium, f"{single}", query)
    assert expected and errors == []
    message_sharded, found, errors = _results(chromium, f"{sharded}", query)
    assert errors == []
    assert message_sharded == message  # "N results for ..."
    assert sorted(found) == sorted(expected)


@pytest.mark.xfail(strict=True, reason="Pagefind scores each shard with its own term statistics (BM25 idf, "
                   "average page length): on shards of ~25 demo pages the order, not the set, can differ")
def test_a_sharded_index_ranks_as_the_whole_site_index_does(chromium: Any, sites: tuple[str, str]) -> None:
    single, sharded = sites
    assert [_results(chromium, sharded, q)[1][0] for q in QUERIES] == [_results(chromium, single, q)[1][0]
                                                                      for q in QUERIES]
