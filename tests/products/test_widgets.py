"""Widget definitions, payloads and build outputs (generator/products/widgets/), without a browser."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from generator.products.widgets.payload import name_width, tokens
from tests.support.sites import BASIC_CONFIG, run, write_site

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "generator/assets/themes/default/static/js/widget.js"
SIZE_DOCS = (ROOT / "README.md", ROOT / "docs/content/products.md")
WIDGETS = BASIC_CONFIG + """
[links]
channel = "777"

[widgets.lamps]
query = "lampa"
count = 3
layout = "list"
colors = { accent = "#b4451f" }

[widgets.context]
query = "lampa"
count = 2
context = true
pool = 50
"""


def build(site: Path) -> str:
    result = run("build", "-C", str(site))
    return result.output


def test_widget_outputs(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\nHi\n"}, WIDGETS)
    build(site)
    out = site / "public"
    for rel in ("widgets/index.html", "widgets/lamps/index.html", "widgets/lamps.js", "widgets/lamps.json",
                "widgets/context.js", "widgets/context.json", "js/widget-host.js", "search/index.html"):
        assert (out / rel).is_file(), rel
    data = json.loads((out / "widgets/lamps.json").read_text())
    assert data["v"] == 1 and data["layout"] == "list" and data["colors"] == {"accent": "#b4451f"}
    assert len(data["default"]) == 3 and "index" not in data
    assert all(item["click"].startswith("https://") for item in data["items"])
    context = json.loads((out / "widgets/context.json").read_text())
    assert len(context["items"]) > 2 and context["index"]["lampa"]
    assert "/widgets/" not in (out / "sitemap.xml").read_text()


def test_gallery_carries_each_previews_size_numbers(tmp_path: Path) -> None:
    """/widgets/ reserves each preview's height (style.css) from its layout, columns, cards shown and the
    estimated width of its longest name, so the live previews do not shift the page when they load."""
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\nHi\n"}, WIDGETS)
    build(site)
    html = (site / "public/widgets/index.html").read_text()
    data = json.loads((site / "public/widgets/lamps.json").read_text())
    longest = max(name_width(item["name"]) for item in data["items"][:3])
    assert f'data-layout="list" style="--n:3;--c:4;--name:{longest}px;--head:0px"' in html
    assert html.count('class="widget-live"') == 4  # iframe and script preview of both widgets
    assert name_width("LAMPA GOLV") > name_width("lampa golv") > name_width("lampa")


def test_context_widget_ranks_its_own_query_without_stop_words(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\nHi\n"}, WIDGETS)
    build(site)
    context = json.loads((site / "public/widgets/context.json").read_text())
    names = [item["name"] for item in context["items"]]
    assert names and sum("lamp" in name.lower() for name in names) > len(names) / 2  # its own "lampa" results
    assert not any(other in name for name in names for other in ("Namnlapp", "Stokke", "Futaba"))
    assert not {"till", "och", "med", "the", "og", "pa"} & set(context["index"])
    assert {"till", "och", "for", "the", "af", "og", "ikke"} <= set(context["stop"])
    assert "stop" not in json.loads((site / "public/widgets/lamps.json").read_text())


def test_search_words_drop_stop_words_of_every_language() -> None:
    from generator.products.widgets.payload import search_words

    assert search_words("Lampor till hallen och köket") == ["lampor", "hallen", "koket"]
    assert search_words("Lamper til stuen og køkkenet") == ["lamper", "stuen", "kokkenet"]
    assert search_words("The best lamps for the hall") == ["lamps", "hall"]


def test_signed_links_in_widget_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", "s3cret-for-tests")
    site = write_site(tmp_path / "site", {}, WIDGETS)
    build(site)
    data = json.loads((site / "public/widgets/lamps.json").read_text())
    assert all("partnerdata=" in item["click"] for item in data["items"])
    assert "s3cret-for-tests" not in (site / "public/widgets/lamps.json").read_text()


@pytest.mark.parametrize(("table", "message"), [
    ('[widgets.bad]\nlayout = "tiles"\n', "5: widgets.bad.layout: 'tiles' is not one of grid, carousel, list"),
    ('[widgets.bad]\nlayout = "lsit"\n', "5: widgets.bad.layout: 'lsit' is not one of grid, carousel, list; "
                                         "did you mean 'list'?"),
    ('[widgets.bad]\ncount = 0\n', "5: widgets.bad.count: expected a whole number from 1 to 48"),
    ('[widgets.bad]\ncolors = { accent = "red;}" }\n', "5: widgets.bad.colors.accent: expected a colour"),
    ('[widgets.bad]\norder_by = "cheapest"\n', "5: widgets.bad.order_by: 'cheapest' is not one of"),
    ('[widgets.bad]\nquery_text = "x"\n', "5: widgets.bad.query_text: unknown product query parameter"),
    ('[widgets.bad]\nlayuot = "x"\n', "5: widgets.bad.layuot: unknown product query parameter; did you mean "
                                      "'layout'?"),
    ('[widgets.Bad_Name]\nquery = "x"\n', "4: widgets.Bad_Name: widget names are lowercase slugs"),
])
@pytest.mark.parametrize("command", ["build", "check"])
def test_invalid_widget_config_names_file_line_and_key(tmp_path: Path, table: str, message: str,
                                                       command: str) -> None:
    site = write_site(tmp_path / "site", {}, BASIC_CONFIG + table)
    result = run(command, "-C", str(site))
    assert result.exit_code == 1
    assert "shelfpress.toml:" + message in result.output


def test_front_matter_widget_and_duplicate_name(tmp_path: Path) -> None:
    page = "---\ntitle: P\nwidgets:\n  fm:\n    query: lampa\n    count: 2\n---\nx\n"
    site = write_site(tmp_path / "site", {"content/p.md": page}, BASIC_CONFIG)
    build(site)
    assert len(json.loads((site / "public/widgets/fm.json").read_text())["default"]) == 2
    site = write_site(tmp_path / "dup", {"content/p.md": page.replace("fm:", "lamps:")}, WIDGETS)
    result = run("build", "-C", str(site))
    assert result.exit_code == 1 and "widget 'lamps' is already defined in" in result.output
    assert "shelfpress.toml; rename one" in result.output


def test_tokens_fold_like_the_browser() -> None:
    assert tokens("Taklampa Ström-ÖL, 3 st") == ["taklampa", "strom", "ol", "st"]


def test_widget_script_is_the_size_the_docs_give() -> None:
    """`/widgets/<name>.js` is widget.js copied as it is (not minified); README and the products page say it is
    "about N KB gzipped". The measured size must be that figure give or take 0.15 KB, so a change that makes the
    script noticeably bigger (or smaller) updates the figure with it."""
    figures = {doc.name: [float(n) for n in re.findall(r"about (\d+(?:\.\d+)?) KB gzipped", doc.read_text())]
               for doc in SIZE_DOCS}
    assert all(len(found) == 1 for found in figures.values()), figures
    assert len({found[0] for found in figures.values()}) == 1, f"the docs disagree: {figures}"
    documented = figures["README.md"][0]
    size = len(gzip.compress(SCRIPT.read_bytes(), 9))
    print(f"\nwidget.js: {SCRIPT.stat().st_size} bytes, {size} bytes gzipped")
    assert abs(size / 1024 - documented) <= 0.15, (
        f"widget.js is {size / 1024:.2f} KB gzipped; README.md and docs/content/products.md say about {documented} KB")


def test_build_without_pagefind_only_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pagefind.service.get_executable", lambda: None)  # pagefind[bin] without its binary
    site = write_site(tmp_path / "site", {}, BASIC_CONFIG)
    result = run("build", "-C", str(site))
    assert result.exit_code == 0 and "site search is off" in result.output
    assert (site / "public/search/index.html").is_file() and not (site / "public/pagefind").exists()
