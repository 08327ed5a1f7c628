"""generator/publish/seo.py: sitemaps by the protocol (at most 50,000 URLs and 50 MB a file) and robots.txt."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from generator.content.page import Page
from generator.publish import seo
from tests.support.sites import SMALL_CONFIG, run, write_site

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def page_urls(count: int) -> list[Page]:
    return [Page(url=f"/p/{n:03d}/", kind="page", title=f"P{n}") for n in range(count)]


def locs(data: bytes, tag: str) -> list[str]:
    root = ET.fromstring(data)
    assert root.tag == NS + tag
    return [loc.text or "" for loc in root.iter(NS + "loc")]


class Urls:
    def absolute(self, url: str) -> str:
        return "https://example.org/" + url.lstrip("/")


def test_a_small_site_has_one_sitemap() -> None:
    files = seo.sitemaps(page_urls(3), Urls())  # type: ignore[arg-type]
    assert list(files) == ["sitemap.xml"]
    assert locs(files["sitemap.xml"], "urlset") == [f"https://example.org/p/{n:03d}/" for n in range(3)]


@pytest.mark.parametrize(("limits", "sizes"), [
    ({"max_urls": 4}, [4, 4, 2]),
    ({"max_bytes": 200 + 3 * 60}, None),  # by size: each file stays within its bytes
])
def test_over_a_limit_sitemap_xml_becomes_the_index_of_numbered_sitemaps(limits: dict[str, int],
                                                                         sizes: list[int] | None) -> None:
    files = seo.sitemaps(page_urls(10), Urls(), **limits)  # type: ignore[arg-type]
    numbered = [name for name in files if name != "sitemap.xml"]
    assert numbered == [f"sitemap-{n}.xml" for n in range(1, len(numbered) + 1)] and len(numbered) > 1
    assert locs(files["sitemap.xml"], "sitemapindex") == [f"https://example.org/{name}" for name in numbered]
    listed = [url for name in numbered for url in locs(files[name], "urlset")]
    assert listed == [f"https://example.org/p/{n:03d}/" for n in range(10)]  # every URL once, in order
    if sizes:
        assert [len(locs(files[name], "urlset")) for name in numbered] == sizes
    else:
        assert all(len(files[name]) <= limits["max_bytes"] for name in numbered)


def test_a_sitemap_holds_exactly_as_many_bytes_as_the_limit_allows() -> None:
    """The entries are measured together while they fit one file, one by one past it: the limit is the same."""
    pages = [*page_urls(9), Page(url="/ä/&/", kind="page", title="Ä"),  # (a non-ASCII and an escaped URL)
             Page(url="/news/", kind="page", title="N", date=date(2024, 5, 1)),
             Page(url="/x/", kind="alias", title="A")]
    whole = seo.sitemaps(pages, Urls())["sitemap.xml"]  # type: ignore[arg-type]
    assert "https://example.org/ä/&amp;/" in whole.decode() and "<lastmod>2024-05-01</lastmod>" in whole.decode()
    assert seo.sitemaps(pages, Urls(), max_bytes=len(whole)) == {"sitemap.xml": whole}  # type: ignore[arg-type]
    assert seo.sitemaps(pages, Urls(), max_urls=11) == {"sitemap.xml": whole}  # type: ignore[arg-type]
    split = seo.sitemaps(pages, Urls(), max_bytes=len(whole) - 1)  # type: ignore[arg-type]
    assert list(split) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap.xml"]
    assert len(seo.sitemaps(pages, Urls(), max_urls=10)) == 3  # type: ignore[arg-type]


def test_a_big_site_builds_a_sitemap_index_that_robots_txt_names(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seo, "MAX_URLS", 2)
    pages = {f"content/p{n}.md": f"---\ntitle: P{n}\n---\nText {n}\n" for n in range(5)}
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\nHi\n", **pages},
                      config=SMALL_CONFIG)
    assert run("build", "-q", "-C", str(site)).exit_code == 0
    out = site / "public"
    index = locs((out / "sitemap.xml").read_bytes(), "sitemapindex")
    assert index == [f"https://user.github.io/repo/sitemap-{n}.xml" for n in (1, 2, 3)]
    listed = [url for n in (1, 2, 3) for url in locs((out / f"sitemap-{n}.xml").read_bytes(), "urlset")]
    assert sorted(listed) == sorted(["https://user.github.io/repo/"]
                                    + [f"https://user.github.io/repo/p{n}/" for n in range(5)])
    assert "Sitemap: https://user.github.io/repo/sitemap.xml" in (out / "robots.txt").read_text()
    for n in range(1, 5):  # the site shrinks back under the limit: no numbered file is left over
        (site / f"content/p{n}.md").unlink()
    assert run("build", "-q", "-C", str(site)).exit_code == 0
    assert locs((out / "sitemap.xml").read_bytes(), "urlset") and not list(out.glob("sitemap-*.xml"))
