"""Search in real Chromium: the results of one whole-site Pagefind index, in its order, on the demo and on a site
past the 2,000 pages where the index used to be split into shards; and a very big site's shards find the same pages."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.publish import shards
from tests.support.browser import serve_directory, stub_external_images
from tests.support.sites import run, tree, write_site

pytestmark = [pytest.mark.browser, pytest.mark.server]

DEMO = Path(__file__).resolve().parents[2]
QUERIES = ("lampa", "design", "svart")
BIG_PAGES = 2_100  # past the 2,000 pages at which the index used to come in shards
WORDS = ("lampa", "soffa", "ek", "svart", "vit", "bord", "stol", "hylla", "design", "klassisk", "modern",
         "mässing", "glas", "ull", "läder", "matta", "spegel", "kudde", "pall", "byrå")
BIG_QUERIES = ("lampa", "soffa ek", "design", "mäss", "svart stol")


def _build(site: Path) -> Path:
    result = run("build", "-C", str(site))
    assert result.exit_code == 0 and "search is off" not in result.output, result.output
    return site / "public"


def _demo(root: Path) -> Path:
    site = root / "site"
    for folder in ("content", "static", "templates", "themes"):
        if (DEMO / folder).is_dir():
            shutil.copytree(DEMO / folder, site / folder)
    shutil.copy(DEMO / "shelfpress.toml", site / "shelfpress.toml")
    return _build(site)


def _big(root: Path) -> Path:
    """BIG_PAGES content pages of 8 to 300 words drawn unevenly from WORDS (so pages differ in length and in
    how often they use a word: the statistics a ranking reads), seeded: the same site every run."""
    rng = random.Random(34)
    files = {"content/index.md": "---\ntitle: Hem\n---\nVälkommen.\n"}
    for number in range(BIG_PAGES):
        words = rng.choices(WORDS, weights=range(len(WORDS), 0, -1), k=rng.randint(8, 300))
        heading = " ".join(rng.sample(WORDS, 2))
        files[f"content/sida-{number}.md"] = f"---\ntitle: Sida {number}\n---\n## {heading}\n\n{' '.join(words)}\n"
    return _build(write_site(root / "site", files, 'title = "Stor"\nbase_url = "https://example.org/"\n'
                                                   'language = "sv"\n'))


def _reference(public: Path, root: Path) -> Path:
    """One whole-site index that Pagefind's own command makes of the built pages, beside the built site."""
    from pagefind.service import get_executable

    reference = root / "reference"
    subprocess.run([str(get_executable()), "--site", str(public), "--output-path", str(reference / "pagefind"),
                    "--quiet"], cwd=root, check=True, capture_output=True)
    return reference


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("demo")
    public = _demo(root)
    return public, _reference(public, root)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("big")
    public = _big(root)
    assert len(list(public.rglob("sida-*/index.html"))) == BIG_PAGES
    return public, _reference(public, root)


def _bundle(public: Path) -> dict[str, bytes]:
    return {key: data for key, data in tree(public / "pagefind").items() if key != "shards.json"}


@pytest.mark.parametrize("site", ["demo", "big"])
def test_the_site_gets_the_index_pagefind_makes_of_the_whole_site_byte_for_byte(
        site: str, request: pytest.FixtureRequest) -> None:
    public, reference = request.getfixturevalue(site)
    assert json.loads((public / "pagefind/shards.json").read_text()) == {"shards": 1, "merge": []}
    assert _bundle(public) == tree(reference / "pagefind")  # same pages, words, counts: same results for any query


def _ui_results(chromium: Any, base: str, query: str, more: int | None = None) -> tuple[str, list[str], list[str]]:
    """The search page's answer to `query`: its message, the result links in order ("load more" clicked
    `more` times, or until there is none), and the page's errors."""
    page = chromium.new_page()
    stub_external_images(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{base}search/?q={query}")
    page.wait_for_function("/\\d/.test((document.querySelector('.pagefind-ui__message') || {}).textContent || '')")
    clicks = 0
    while page.query_selector(".pagefind-ui__button") and (more is None or clicks < more):
        count = len(page.query_selector_all(".pagefind-ui__result-link"))
        page.click(".pagefind-ui__button")
        page.wait_for_function(f"document.querySelectorAll('.pagefind-ui__result-link').length > {count}")
        clicks += 1
    page.wait_for_load_state("networkidle")
    links = [link.get_attribute("href") for link in page.query_selector_all(".pagefind-ui__result-link")]
    message = page.inner_text(".pagefind-ui__message")
    page.close()
    return message, links, errors


def _pagefind_results(chromium: Any, base: str, bundle: str, queries: tuple[str, ...]) -> dict[str, list[str]]:
    """Every result's URL in rank order, for each query, from Pagefind's own search API over `base` + `bundle`.
    Each query gets a new page, as the search page does: Pagefind can find more for a query once an earlier
    one has loaded other parts of its index (one whole index does that too)."""
    found = {}
    for query in queries:
        page = chromium.new_page()
        page.goto(f"{base}404.html")
        found[query] = page.evaluate("""async ([base, bundle, query]) => {
            const pagefind = await import(base + bundle + "pagefind.js");
            await pagefind.options({ baseUrl: new URL(base).pathname });
            const search = await pagefind.search(query);
            return await Promise.all(search.results.map(async (result) => (await result.data()).url));
        }""", [base, bundle, query])
        page.close()
    return found


@pytest.mark.parametrize(("site", "prefix", "queries"), [("demo", "/demo/", QUERIES), ("big", "/", BIG_QUERIES)])
def test_the_search_page_ranks_as_one_whole_site_index_does(chromium: Any, request: pytest.FixtureRequest,
                                                           site: str, prefix: str, queries: tuple[str, ...]) -> None:
    public, reference = request.getfixturevalue(site)
    shutil.copytree(reference / "pagefind", public / "reference-pagefind", dirs_exist_ok=True)
    with serve_directory(public, prefix) as base:
        expected = _pagefind_results(chromium, base, "reference-pagefind/", queries)
        assert _pagefind_results(chromium, base, "pagefind/", queries) == expected
        for query in queries:
            assert expected[query], query
            message, links, errors = _ui_results(chromium, base, query, more=3)
            assert errors == [] and re.sub(r"\D", "", message) == str(len(expected[query]))  # "N results for ..."
            assert links == expected[query][:20]


@pytest.fixture(scope="module")
def sharded_demo(tmp_path_factory: pytest.TempPathFactory, demo: tuple[Path, Path]) -> Iterator[tuple[str, str]]:
    """The demo with one index, and with its pages in shards as on a site past WHOLE_SITE_PAGES (SHARD_PAGES
    lowered to 12: four shards)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shards, "WHOLE_SITE_PAGES", 0)
        patch.setattr(shards, "SHARD_PAGES", 12)
        sharded = _demo(tmp_path_factory.mktemp("sharded"))
    assert len(json.loads((sharded / "pagefind/shards.json").read_text())["merge"]) >= 1
    with serve_directory(demo[0], "/demo/") as one, serve_directory(sharded, "/demo/") as many:
        yield one, many


@pytest.mark.parametrize("query", QUERIES)
def test_a_very_big_sites_shards_find_what_the_whole_site_index_finds(chromium: Any,
                                                                     sharded_demo: tuple[str, str],
                                                                     query: str) -> None:
    single, sharded = sharded_demo
    message, expected, errors = _ui_results(chromium, single, query)
    assert expected and errors == []
    message_sharded, found, errors = _ui_results(chromium, sharded, query)
    assert errors == []
    assert message_sharded == message  # "N results for ..."
    assert sorted(found) == sorted(expected)
