"""Tests for generator/content/site.py: `load_site` turns content/ into the site graph (pages, sections, aliases, nav)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from generator.config.schema import load_config
from generator.core.errors import ContentError
from generator.content.page import Page
from generator.content.site import Site, load_site
from tests.support.sites import SMALL_CONFIG, write_site


def page(title: str, **front: object) -> str:
    lines = [f"title: {title}"] + [f"{key}: {value}" for key, value in front.items()]
    return "---\n" + "\n".join(lines) + "\n---\nText.\n"


def load(tmp_path: Path, files: dict[str, str], config: str = SMALL_CONFIG, **options: bool) -> Site:
    return load_site(load_config(write_site(tmp_path / "site", files, config=config)), **options)


def urls(site: Site, kind: str) -> list[str]:
    return sorted(p.url for p in site.pages if p.kind == kind)


def test_every_folder_gets_a_section_page(tmp_path: Path) -> None:
    site = load(tmp_path, {"content/guider/val.md": page("Val"), "content/guider/djup/lampor.md": page("Lampor"),
                           "content/om/index.md": page("Om oss"), "content/om/team.md": page("Team")})
    assert urls(site, "section") == ["/guider/", "/guider/djup/", "/om/"]
    generated = site.by_url["/guider/djup/"]
    assert (generated.title, generated.source, generated.section) == ("Djup", None, "guider")
    own = site.by_url["/om/"]  # a folder with its own index.md keeps it, and gets no second section page
    assert (own.title, own.source) == ("Om oss", Path("content/om/index.md"))
    assert [p.url for p in site.children(site.by_url["/guider/"])] == ["/guider/djup/", "/guider/val/"]


def test_a_sections_children_follow_pages_added_and_replaced_after_they_were_asked_for(tmp_path: Path) -> None:
    """Children are grouped once for speed; a page added (the product stage's) or replaced (the dev server's text
    edit) later is still listed."""
    site = load(tmp_path, {"content/guider/val.md": page("Val", weight=2), "content/guider/djup.md": page("Djup", weight=1)})
    guides = site.by_url["/guider/"]
    assert [p.title for p in site.children(guides)] == ["Djup", "Val"]
    site.add(Page(url="/guider/alfa/", kind="page", title="Alfa", weight=0))
    assert [p.title for p in site.children(guides)] == ["Alfa", "Djup", "Val"]
    old = site.by_url["/guider/val/"]
    edited = dataclasses.replace(old, body="Edited.")
    site.replace(old, edited)
    assert site.children(guides)[2] is edited and site.by_url["/guider/val/"] is edited


def test_the_home_page_exists_without_content_index(tmp_path: Path) -> None:
    site = load(tmp_path, {"content/om.md": page("Om")})
    home = site.by_url["/"]
    assert (home.kind, home.title, home.source) == ("home", "Test site", None)
    assert [p.url for p in site.children(home)] == ["/om/"]

    site = load(tmp_path / "with", {"content/index.md": page("Start")})
    assert [(p.url, p.title) for p in site.pages if p.kind == "home"] == [("/", "Start")]


def test_aliases_become_pages_pointing_at_their_target(tmp_path: Path) -> None:
    site = load(tmp_path, {"content/guider/val.md": page("Val", aliases='["/gammal-sida/", "old/val.html", "x"]')})
    aliases = {p.url: p for p in site.pages if p.kind == "alias"}
    assert sorted(aliases) == ["/gammal-sida/", "/old/val.html", "/x/"]
    assert {p.data["target"] for p in aliases.values()} == {"/guider/val/"}
    assert {p.title for p in aliases.values()} == {"Val"}
    assert site.by_url["/old/val.html"].output_path == "old/val.html"


def test_an_alias_on_a_page_url_is_an_error_naming_both(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match=r"URL /om/ is claimed twice: by content/om\.md and by generated "
                                           r"alias page"):
        load(tmp_path, {"content/om.md": page("Om"), "content/kontakt.md": page("Kontakt", aliases='["/om/"]')})


def test_drafts_are_left_out_unless_asked(tmp_path: Path) -> None:
    files = {"content/klar.md": page("Klar"), "content/utkast.md": page("Utkast", draft="true", aliases='["/u/"]'),
             "content/nytt/ide.md": page("Idé", draft="true")}
    site = load(tmp_path, files)
    assert "/utkast/" not in site.by_url and "/u/" not in site.by_url
    assert "/nytt/" not in site.by_url  # no section for a folder of drafts only
    with_drafts = load(tmp_path / "drafts", files, drafts=True)
    assert {"/utkast/", "/u/", "/nytt/", "/nytt/ide/"} <= with_drafts.by_url.keys() and with_drafts.drafts


def test_nav_lists_top_level_pages_and_sections_by_weight_date_and_title(tmp_path: Path) -> None:
    site = load(tmp_path, {
        "content/index.md": page("Start"),
        "content/b.md": page("Beta"),
        "content/a.md": page("alfa"),
        "content/tung.md": page("Tung", weight=5),
        "content/forst.md": page("Först", weight=-1),
        "content/gammal.md": page("Gammal", weight=2, date="2024-01-01"),
        "content/ny.md": page("Ny", weight=2, date="2026-01-01"),
        "content/dold.md": page("Dold", menu="false"),
        "content/guider/index.md": page("Guider", weight=1),
        "content/guider/val.md": page("Val"),
    })
    assert [p.title for p in site.nav] == ["Först", "alfa", "Beta", "Guider", "Ny", "Gammal", "Tung"]


def test_nav_holds_no_pages_of_sections_with_ugly_permalinks(tmp_path: Path) -> None:
    site = load(tmp_path, {"content/om.md": page("Om"), "content/guider/index.md": page("Guider"),
                           "content/guider/val.md": page("Val")}, config=SMALL_CONFIG + 'permalinks = "ugly"\n')
    assert site.by_url["/guider/val.html"].title == "Val"
    assert [p.url for p in site.nav] == ["/guider/", "/om.html"]
