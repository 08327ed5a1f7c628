"""Co-purchase recommendations on the site (generator/products/recommendations.py): "Others also bought"
on product pages, the {{< recommendations >}} shortcode, no block without data, incremental rebuilds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from generator.affiliate.salesfile.recommend import compute_recommendations, write_recommendations
from tests.support.sites import fails, tree
from tests.site.test_incremental import EPOCH, SECRET, backdate, clean_tree, incremental, make_shop

RECS = "data/recommendations.jsonl"
LAMP0, LAMP1, LAMP2 = "p/100-lamp-0/index.html", "p/101-lamp-1/index.html", "p/102-lamp-2/index.html"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)


def write_recs(site: Path, recs: dict[str, list[str]]) -> None:
    path = site / RECS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"key": k, "alsoBought": v, "boughtTogether": [k, *v[:2]]}) + "\n"
                            for k, v in sorted(recs.items())))


def section(html: str, heading: str) -> list[str]:
    """The product names in the section under `heading` (empty when there is none)."""
    match = re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>\s*<ul[^>]*>(.*?)</ul>", html, re.S)
    return re.findall(r'<h3><a href="[^"]*">([^<]*)</a></h3>', match.group(1)) if match else []


def pages(files: dict[str, bytes]) -> dict[str, bytes]:
    """Without the Pagefind bundle: a file of it is sometimes empty (the open pagefind truncation bug noted in
    tests/site/test_incremental.py), which is not what these tests are about."""
    return {k: v for k, v in files.items() if not k.startswith("pagefind/")}


def html(site: Path, rel: str) -> str:
    return (site / "public" / rel).read_text()


def test_product_pages_show_others_also_bought_topped_up_with_related(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    incremental(site)
    related_before = section(html(site, LAMP0), "Related products")
    assert related_before and "Others also bought" not in html(site, LAMP0)  # no data: no block

    write_recs(site, {"100": ["201", "200", "999999"], "201": ["100"]})  # 999999 is not in the catalog
    incremental(site)
    page = html(site, LAMP0)
    shown = section(page, "Others also bought")
    assert shown[:2] == ["Chair 1", "Chair 0"]  # co-purchases first, in their order
    topped_up = [name for name in related_before if name not in shown[:2]][:2]
    assert len(shown) == 4 and shown[2:] == topped_up  # topped up with related products
    assert not set(section(page, "Related products")) & set(shown)  # nothing shown twice
    assert section(html(site, "p/201-chair-1/index.html"), "Others also bought")[0] == "Lamp 0"
    assert "Others also bought" not in html(site, LAMP1)  # no partners: related products as before
    assert section(html(site, LAMP1), "Related products")
    assert "partnerdata=" in page.split("<h2>Others also bought</h2>")[1]  # signed links


def test_shortcode_on_any_page(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    (site / "content/picks.md").write_text(
        "---\ntitle: Picks\n---\nBought with lamp 0:\n\n"
        '{{< recommendations product_id="100" limit=1 title="With lamp 0" />}}\n\nPopular:\n\n'
        "{{< recommendations />}}\n")
    incremental(site)
    assert "With lamp 0" not in html(site, "picks/index.html")  # no data: nothing, and no error
    write_recs(site, {"100": ["201", "200"], "101": ["200"], "102": ["200", "100"]})
    incremental(site)
    page = html(site, "picks/index.html")
    assert section(page, "With lamp 0") == ["Chair 1"]
    # most often bought with others first; ties by id
    assert section(page, "Others also bought") == ["Chair 0", "Lamp 0", "Chair 1"]


def test_shortcode_errors_name_the_line(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    (site / "content/picks.md").write_text('---\ntitle: Picks\n---\n\n{{< recommendations count=3 />}}\n')
    fails(site, "picks.md:5", "unknown parameter 'count'")
    fails(site, "picks.md:5", "unknown parameter 'count'", command="check")
    (site / "content/picks.md").write_text('---\ntitle: Picks\n---\n\n{{< recommendations product_id="x" />}}\n')
    fails(site, "picks.md:5", "not an id")


def test_location_is_a_config_option_and_a_bad_file_is_one_line(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    config = (site / "shelfpress.toml").read_text().replace("related = 3", 'related = 3\nrecommendations = "recs.jsonl"')
    (site / "shelfpress.toml").write_text(config)
    write_recs(site, {"100": ["201"]})  # at the default place: not read now
    (site / "recs.jsonl").write_text(json.dumps({"key": "100", "alsoBought": ["202"], "boughtTogether": []}) + "\n")
    incremental(site)
    assert section(html(site, LAMP0), "Others also bought")[0] == "Chair 2"
    (site / "recs.jsonl").write_text("not json\n")
    fails(site, "recs.jsonl:1", "sales-file recommend")


def test_sales_file_recommend_output_feeds_the_site(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    orders = tmp_path / "sales.jsonl"
    orders.write_text("".join(json.dumps({"key": str(n), "items": [100, 203]}) + "\n" for n in range(4)))
    recs, _ = compute_recommendations(orders)
    write_recommendations(recs, site / RECS)
    incremental(site)
    assert section(html(site, LAMP0), "Others also bought")[0] == "Chair 3"


def test_changing_the_file_re_renders_exactly_the_affected_pages(tmp_path: Path) -> None:
    site = make_shop(tmp_path / "shop")
    (site / "content/picks.md").write_text('---\ntitle: Picks\n---\n{{< recommendations product_id="101" />}}\n')
    write_recs(site, {"100": ["201"], "101": ["202"], "102": ["203"]})
    backdate(site)
    incremental(site)
    before = tree(site / "public")

    write_recs(site, {"100": ["201"], "101": ["204"], "102": ["203"]})  # only lamp 1's partners change
    backdate(site)
    report, rendered = incremental(site)
    after = tree(site / "public")
    assert not report.nothing_changed
    assert set(rendered) == {LAMP1, "picks/index.html"}
    assert after[LAMP1] != before[LAMP1] and b"Chair 4" in after[LAMP1]
    assert after[LAMP0] == before[LAMP0] and after[LAMP2] == before[LAMP2]
    assert pages(after) == pages(clean_tree(site, tmp_path / "clean"))

    (site / RECS).unlink()  # no data any more: the blocks go away
    report, rendered = incremental(site)
    assert {LAMP0, LAMP1, LAMP2, "picks/index.html"} <= set(rendered)
    assert "Others also bought" not in html(site, LAMP0) and "Chair 4" not in html(site, "picks/index.html")
    assert pages(tree(site / "public")) == pages(clean_tree(site, tmp_path / "clean2"))
