"""Pinned products that are gone: a fallback's best match takes their place, or they are left out."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.sites import SMALL_CONFIG, fails, run, write_site

KEPT, GONE = 62559094, 999999999  # "E27 lampa, orange" is in the demo catalog; the other id is not


def shown_ids(html: str) -> list[str]:
    return re.findall(r'href="[^"]*/p/(\d+)-', html)


def build(tmp_path: Path, shortcode: str) -> tuple[Path, str]:
    page = f"---\ntitle: Lampor\n---\nVåra val:\n\n{shortcode}\n"
    site = write_site(tmp_path / "site", {"content/lampor.md": page}, config=SMALL_CONFIG)
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    return site, (site / "public/lampor/index.html").read_text()


def test_without_fallback_a_gone_product_is_left_out(tmp_path: Path) -> None:
    _, html = build(tmp_path, f'{{{{< products product_id="{KEPT},{GONE}" />}}}}')
    assert set(shown_ids(html)) == {str(KEPT)} and str(GONE) not in html


def test_a_search_fallback_fills_the_gap_with_its_best_match(tmp_path: Path) -> None:
    site, html = build(tmp_path, f'{{{{< products product_id="{KEPT},{GONE}" fallback="lampa" />}}}}')
    ids = list(dict.fromkeys(shown_ids(html)))
    assert ids[0] == str(KEPT) and len(ids) == 2 and str(GONE) not in ids
    report = run("links", "check", "-C", str(site)).output
    assert (f"content/lampor.md:6: products shortcode: product {GONE} is gone (the product API answers 404); "
            f"the page shows its fallback's best match") in report
    assert f"({ids[1]}); pin another to choose" in report


def test_an_id_fallback_and_nothing_when_all_is_there(tmp_path: Path) -> None:
    _, html = build(tmp_path, f'{{{{< products product_id="{GONE}" fallback="{KEPT}" />}}}}')
    assert list(dict.fromkeys(shown_ids(html))) == [str(KEPT)]
    _, html = build(tmp_path / "b", f'{{{{< products product_id="{KEPT}" fallback="lampa" />}}}}')
    assert list(dict.fromkeys(shown_ids(html))) == [str(KEPT)]  # nothing gone: the fallback stays out


def test_a_fallback_needs_pinned_products(tmp_path: Path) -> None:
    page = '---\ntitle: L\n---\n\n{{< products query="lampa" fallback="matta" />}}\n'
    site = write_site(tmp_path / "site", {"content/l.md": page}, config=SMALL_CONFIG)
    fails(site, "content/l.md:5", "fallback: only a products shortcode that pins product_id ids")


def test_check_finds_a_fallback_without_pinned_products(tmp_path: Path) -> None:
    page = '---\ntitle: L\n---\n\n{{< products query="lampa" fallback="matta" />}}\n'
    site = write_site(tmp_path / "site", {"content/l.md": page}, config=SMALL_CONFIG)
    fails(site, "content/l.md:5", "fallback: only a products shortcode", command="check")
