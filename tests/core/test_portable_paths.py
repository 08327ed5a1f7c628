"""Paths that are portable (issue 28, item 3; generator/core/portable_paths.py, content.py, output.py, textfold.py).

- content files with CRLF (or CR) line endings build the same bytes as LF;
- two outputs that differ only in case (`About.md` and `about.md`, a folder `Guides/` beside `guides/`) are a
  one-line error naming both sources, on every OS, and the last good site stays as it was;
- Windows device names and names ending in a dot or space never become a path segment of the output: from
  content and static files an error naming the file; from product data (brands, categories, stores, products
  whose names differ only in case or are device names) a distinct, stable path, and the build succeeds;
- no URL holds a backslash.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.core.portable_paths import CaseFolds, device_safe, problem
from generator.core.textfold import slugify
from tests.support.products import CATALOG_CONFIG, catalog_site, product
from tests.support.sites import SMALL_CONFIG, add_files, fails, run, tree, write_site

PAGES = {
    "content/index.md": "---\ntitle: Home\ndescription: The home page\n---\n# Welcome\n\nSome *text*.\n",
    "content/guides/index.md": "---\ntitle: Guides\n---\nAll guides:\n\n- one\n- two\n",
    "content/guides/lamps.md": (
        "---\ntitle: Lamps\nparams:\n  note: |\n    two\n    lines\n---\n"
        "# Lamps\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('x')\n\nprint('y')\n```\n\n"
        "<div class=\"box\">\nraw\n</div>\n\nA [link](/guides/).  \nHard break above.\n"),
}


def with_endings(files: dict[str, str], ending: str) -> dict[str, str | bytes]:
    return {rel: body.replace("\n", ending).encode() for rel, body in files.items()}


@pytest.mark.parametrize("ending", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_windows_line_endings_build_the_same_pages(tmp_path: Path, ending: str) -> None:
    lf = write_site(tmp_path / "lf", with_endings(PAGES, "\n"), config=SMALL_CONFIG)
    other = write_site(tmp_path / "other", with_endings(PAGES, ending), config=SMALL_CONFIG)
    assert b"\r" in (other / "content/guides/lamps.md").read_bytes()
    for site in (lf, other):
        result = run("build", "-C", str(site), "-q")
        assert result.exit_code == 0, result.output
    built_lf, built_other = tree(lf / "public"), tree(other / "public")
    assert len(built_lf) > 3
    assert built_lf == built_other


def test_a_crlf_front_matter_error_names_the_right_line(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/a.md": b"---\r\ntitle: A\r\nweight: heavy\r\n---\r\nx\r\n"},
                      config=SMALL_CONFIG)
    fails(site, "content/a.md:3", "weight")


def test_two_pages_differing_only_in_case_are_one_error_and_the_site_stays(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/about.md": "# About\n", "content/index.md": "# Home\n"},
                      config=SMALL_CONFIG)
    assert run("build", "-C", str(site)).exit_code == 0
    before = tree(site / "public")
    add_files(site, {"content/About.md": "# About, again\n"})
    output = fails(site, "content/About.md", "content/about.md", "differ only in case")
    assert len([line for line in output.splitlines() if line.strip()]) == 1
    assert tree(site / "public") == before


def test_folders_differing_only_in_case_are_an_error(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/Guides/lamps.md": "# Lamps\n", "content/guides/chairs.md": "# C\n"},
                      config=SMALL_CONFIG)
    fails(site, "Guides/", "guides/", "differ only in case")


def test_a_static_file_and_a_page_differing_only_in_case_are_an_error(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/index.md": "# Home\n", "static/Robots.txt": "x\n",
                                          "static/robots.txt": "y\n"}, config=SMALL_CONFIG)
    fails(site, "Robots.txt", "robots.txt", "differ only in case")


@pytest.mark.parametrize("rel, named", [
    ("content/con.md", "'con'"), ("content/NUL.md", "'NUL'"), ("content/Com1.md", "'Com1'"),
    ("content/lpt9.md", "'lpt9'"), ("content/aux/index.md", "'aux'"), ("content/prn/x.md", "'prn'"),
    ("content/a..md", "'a.'"), ("content/b .md", "'b '"), ("static/con.txt", "'con.txt'"),
    ("static/css/Aux.min.css", "'Aux.min.css'"), ("static/notes.", "'notes.'"), ("content/what?.md", "'what?'"),
])
def test_names_windows_cannot_hold_are_an_error_naming_the_file(tmp_path: Path, rel: str, named: str) -> None:
    site = write_site(tmp_path / "site", {"content/index.md": "# Home\n", rel: "# Page\n"}, config=SMALL_CONFIG)
    output = fails(site, rel.split("/", 1)[1] if rel.startswith("static/") else rel, named)
    assert len([line for line in output.splitlines() if line.strip()]) == 1


@pytest.mark.parametrize("slug", ["con", "Aux", "x."])
def test_a_slug_windows_cannot_hold_is_an_error(tmp_path: Path, slug: str) -> None:
    site = write_site(tmp_path / "site", {"content/page.md": f"---\nslug: '{slug}'\n---\nx\n"}, config=SMALL_CONFIG)
    fails(site, "content/page.md", repr(slug))


def test_a_file_name_with_a_backslash_never_becomes_a_url(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/index.md": "# Home\n", "content/a\\b.md": "# AB\n"},
                      config=SMALL_CONFIG)
    fails(site, "a\\b.md", "'\\'")


API_CONFIG = CATALOG_CONFIG + "\n[stores]\nenabled = true\n\n[brands]\nenabled = true\n"


def test_product_data_never_fails_the_build_and_gets_portable_distinct_paths(tmp_path: Path) -> None:
    def shop(store_id: int, name: str) -> dict[str, object]:
        return {"store_id": store_id, "name": name, "url": f"https://se.shopelloapi.com/click/store/{store_id}"}

    products = [
        product(1, "Lamp", 100, attributes={"brand": "Con"}, store=shop(61, "NUL"),
                categories=[{"category_id": 10, "name": "Lampor"}]),
        product(2, "LAMP", 110, attributes={"brand": "CON"}, store=shop(62, "nul"),
                categories=[{"category_id": 11, "name": "LAMPOR"}]),
        product(3, "aux", 120, attributes={"brand": "Aux."}, store=shop(63, "Com1 "),
                categories=[{"category_id": 12, "name": "lpt1"}]),
        product(4, "Lamp.", 130, attributes={"brand": "lamp "}, store=shop(64, "Lamp\\Shop"),
                categories=[{"category_id": 13, "name": "Prn"}]),
    ]
    site = catalog_site(tmp_path / "site", products, {"content/index.md": "# Home\n"}, config=API_CONFIG)
    result = run("build", "-C", str(site), "-q")
    assert result.exit_code == 0, result.output
    built = tree(site / "public")
    folds = CaseFolds()
    for path in built:
        assert problem(path) is None, path
        assert folds.conflict(path, "build") is None
        assert "\\" not in path
    product_pages = sorted(p for p in built if p.startswith("p/"))
    assert len(product_pages) == 4  # every product has a page of its own
    assert "b/con_/index.html" in built and "b/aux_/index.html" in built
    links = {link for path, body in built.items() if path.endswith(".html")
             for link in re.findall(rb'(?:href|src)="([^"]*)"', body)}
    assert b"/repo/b/con_/" in links and b"/repo/b/con/" not in links
    assert not [link for link in links if b"\\" in link]  # no URL holds a backslash
    again = tmp_path / "again"
    catalog_site(again, products, {"content/index.md": "# Home\n"}, config=API_CONFIG)
    assert run("build", "-C", str(again), "-q").exit_code == 0
    assert sorted(tree(again / "public")) == sorted(built)  # stable: the same paths every build


@given(st.text())
def test_slugs_are_portable_path_segments(text: str) -> None:
    slug = slugify(text)
    assert problem(slug) is None and problem(slug + "/index.html") is None
    assert slug == slug.lower() and "\\" not in slug


@pytest.mark.parametrize("name", ["con", "CON", "Con", "aux", "nul", "prn", "com1", "COM9", "lpt1", "LPT9",
                                  "com¹", "lpt³"])
def test_every_device_name_is_caught_with_and_without_an_extension(name: str) -> None:
    for segment in (name, f"{name}.html", f"{name}.tar.gz", f"{name} .txt"):
        assert problem(f"a/{segment}/index.html") is not None, segment
        assert problem(segment) is not None, segment
    assert device_safe(name) == name + "_" and problem(device_safe(name)) is None
    for fine in (f"{name}x", f"x{name}", f"{name}-1", f"{name}_"):
        assert problem(fine) is None, fine


def test_unicode_normalisation_is_a_case_clash_too() -> None:
    folds = CaseFolds()
    assert folds.conflict("caf\u00e9/index.html", "a.md") is None
    assert "Unicode" in (folds.conflict("cafe\u0301/index.html", "b.md") or "")


@pytest.mark.parametrize("files, named", [
    ({"content/About.md": "# A\n", "content/about.md": "# a\n"}, "differ only in case"),
    ({"content/nul.md": "# N\n"}, "'nul' is a device name"),
    ({"static/aux.css": "x\n"}, "'aux.css' is a device name"),
])
def test_check_finds_what_the_build_would_refuse(tmp_path: Path, files: dict[str, str], named: str) -> None:
    site = write_site(tmp_path / "site", {"content/index.md": "# Home\n", **files}, config=SMALL_CONFIG)
    fails(site, named, command="check")
