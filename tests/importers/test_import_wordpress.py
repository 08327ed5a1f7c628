"""`shelfpress import wordpress`: a realistic WXR export in, a site that builds out.

The fixture (tests/fixtures/wordpress/) is a small WordPress + Shopello plugin site: Gutenberg and classic
posts, a draft, a private and a password-protected post, nested pages with Swedish slugs, attachments,
captions, a gallery, embeds, and three Shopello listing pages with the plugin's `shopello_list` export.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from tests.support.sites import run, tree, write_site

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wordpress"
WXR12 = FIXTURES / "hemmaochljus-wxr12.xml"
WXR11 = FIXTURES / "classic-wxr11.xml"
LISTS = FIXTURES / "shopello_list.json"
CONFIG = 'title = "Hemma & Ljus"\nbase_url = "https://example.github.io/hemma/"\nlanguage = "sv"\n'


def front(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2)
    return yaml.safe_load(head), body


def import_(site: Path, *args: str) -> str:
    result = run("import", "wordpress", *args, "-C", str(site))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Hem\n---\nVälkommen.\n"}, CONFIG)


@pytest.fixture
def imported(site: Path) -> Path:
    import_(site, str(WXR12), "--shopello-lists", str(LISTS))
    return site


def test_posts_and_pages_get_front_matter_and_folders(imported: Path) -> None:
    content = imported / "content"
    post, body = front(content / "blog" / "så-väljer-du-rätt-taklampa.md")
    assert post["title"] == "Så väljer du rätt taklampa"
    assert str(post["date"]).startswith("2023-04-01")
    assert post["author"] == "Anna Åström"
    assert post["categories"] == ["Belysning"] and post["tags"] == ["mässing"]
    assert post["description"] == "Guide: mät, välj ljusfärg och material."
    assert "draft" not in post
    assert "<!-- wp:" not in body  # Gutenberg comments gone, their content kept
    assert "En **taklampa** sätter tonen" in body and "## Mässing eller glas?" in body
    # the page hierarchy becomes folders; a page with children is its folder's index
    assert (content / "lampor" / "index.md").is_file()
    assert (content / "lampor" / "taklampor.md").is_file()
    assert (content / "lampor" / "läslampor.md").is_file()
    assert front(content / "om-oss.md")[0]["weight"] == 5
    # not published -> draft; auto-generated slug for a draft without one
    assert front(content / "blog" / "julbelysning-2024.md")[0]["draft"] is True
    assert front(content / "blog" / "leverantorskontakter.md")[0]["draft"] is True
    # menu items, trash and attachments are not pages
    assert not (content / "gammal-sida.md").exists() and not list(content.rglob("meny*"))


def test_shortcodes_captions_galleries_embeds(imported: Path) -> None:
    _, lamp = front(imported / "content" / "blog" / "så-väljer-du-rätt-taklampa.md")
    assert '{{< figure src="https://hemmaochljus.se/wp-content/uploads/2023/04/lampa-1024x683.jpg" ' \
           'alt="Taklampa i mässing" caption="Mässing blir varmare med åren"' in lamp
    gallery = re.search(r'<div class="gallery gallery-columns-2">\n(.*?)\n</div>', lamp, re.S)
    assert gallery and gallery.group(1).count("{{< figure") == 2 and 'alt="Grå soffa"' in gallery.group(1)
    assert "youtube-nocookie.com/embed/dQw4w9WgXcQ" in lamp
    assert '<table class="has-fixed-layout">' in lamp  # a table with attributes stays HTML
    assert '<iframe height="450" loading="lazy" src="https://www.google.com/maps/embed?pb=abc"' in lamp
    # links between posts point at the new URLs
    assert "[höstens bästa soffor](/blog/hostens-basta-soffor/)" in lamp
    _, sofa = front(imported / "content" / "blog" / "hostens-basta-soffor.md")
    assert 'caption="Soffan passar även i köket" width=300 height=200 >}}' in sofa
    assert "player.vimeo.com" not in sofa and "youtube-nocookie.com/embed/aqz-KE-bpKQ" in sofa
    assert "[taklampor](/blog/så-väljer-du-rätt-taklampa/)" in sofa  # ?p=20 resolved
    assert '[contact-form-7 id="44" title="Nyhetsbrev"]' in sofa  # unknown: verbatim ...
    report = (imported / "content" / ".wordpress-import" / "report.md").read_text()
    assert "`[contact-form-7]` ×1: content/blog/hostens-basta-soffor.md" in report  # ... and listed


def test_shopello_pages_get_listings_from_the_plugin_lists(imported: Path) -> None:
    lamps, body = front(imported / "content" / "lampor" / "index.md")
    assert lamps["listing"] == {"query": "lampa", "per_page": 8, "filters": True}  # had [shopello_filters]
    assert "shopello" not in body
    ceiling, _ = front(imported / "content" / "lampor" / "taklampor.md")
    assert ceiling["listing"] == {"category_id": "432", "price_max": 3000, "order_by": "price", "order": "ASC",
                                  "per_page": 4, "filters": False}
    report = (imported / "content" / ".wordpress-import" / "report.md").read_text()
    assert "content/lampor/läslampor.md: Shopello list 9 is not in --shopello-lists" in report
    assert "content/lampor/index.md: Shopello list 2: sorting by 'popularity' has no equivalent" in report


def test_without_lists_each_listing_page_is_named_in_a_warning(site: Path) -> None:
    output = import_(site, str(WXR12))
    for page in ("content/lampor/index.md", "content/lampor/taklampor.md", "content/lampor/läslampor.md"):
        assert f"WARNING: {page}: no --shopello-lists given" in output
    lamps, _ = front(site / "content" / "lampor" / "index.md")
    assert lamps["listing"] == {"query": "Lampor", "filters": True}


def test_imported_site_builds_with_pages_listings_aliases(imported: Path) -> None:
    result = run("build", "-C", str(imported))
    assert result.exit_code == 0, result.output
    public = imported / "public"
    post = (public / "blog" / "så-väljer-du-rätt-taklampa" / "index.html").read_text()
    assert "<figcaption>Mässing blir varmare med åren</figcaption>" in post
    assert post.count('<figure class="figure">') == 3  # the image block + the two gallery images
    # every old permalink redirects to the new URL (with the base path)
    alias = (public / "2023" / "04" / "så-väljer-du-rätt-taklampa" / "index.html").read_text()
    assert 'url=/hemma/blog/så-väljer-du-rätt-taklampa/"' in alias
    sofa_alias = (public / "2023" / "10" / "hostens-basta-soffor" / "index.html").read_text()
    assert "url=/hemma/blog/hostens-basta-soffor/" in sofa_alias
    # listing pages: the plugin list's category, max price, sort and page size
    ceiling = (public / "lampor" / "taklampor" / "index.html").read_text()
    prices = [int(re.sub(r"\D", "", p)) for p in re.findall(r'<span class="price[^"]*">([^<]+)', ceiling)]
    assert len(prices) == 4 and prices == sorted(prices) and max(prices) <= 3000
    assert (public / "lampor" / "taklampor" / "page" / "2" / "index.html").is_file()
    # drafts, private and password-protected posts are not published, nor in the ?p= map
    assert not (public / "blog" / "leverantorskontakter").exists()
    ids = json.loads((public / "wordpress-ids.json").read_text())
    assert ids == {"20": "/blog/så-väljer-du-rätt-taklampa/", "21": "/blog/hostens-basta-soffor/",
                   "30": "/om-oss/", "31": "/lampor/", "32": "/lampor/taklampor/", "33": "/lampor/läslampor/"}
    home = (public / "index.html").read_text()
    assert "/hemma/js/wordpress-urls.js" in home and (public / "js" / "wordpress-urls.js").is_file()


def test_report_lists_every_old_url_with_its_new_one(imported: Path) -> None:
    report = (imported / "content" / ".wordpress-import" / "report.md").read_text()
    for old, new in [("/2023/04/så-väljer-du-rätt-taklampa/", "/blog/så-väljer-du-rätt-taklampa/"),
                     ("/?p=20", "/blog/så-väljer-du-rätt-taklampa/"), ("/?page_id=32", "/lampor/taklampor/"),
                     ("/?p=31", "/lampor/")]:
        assert f"| {old} | {new} |" in report
    assert "| /om-oss/ | /om-oss/ |" not in report  # a page whose URL did not change needs no redirect
    assert "?p=22" not in report and "?p=23" not in report  # drafts and private posts stay unlisted


def test_wxr_1_1_classic_editor(site: Path) -> None:
    import_(site, str(WXR11), "--posts-dir", "blogg")
    meta, body = front(site / "content" / "blogg" / "var-forsta-lampa.md")
    assert meta["aliases"] == ["/blogg/2009/03/var-forsta-lampa/"] and meta["author"] == "Per Öberg"
    assert meta["description"] == "Vår första lampa, från loppis."
    assert "Det här är vår *första* lampa.  \nDen köptes på loppis." in body  # wpautop: line break kept
    assert '{{< figure src="http://www.lampbloggen.se/blogg/wp-content/uploads/2009/03/lampa.jpg" alt="" ' \
           'caption="Loppisfyndet" width=500 height=375 >}}' in body
    assert '<table border="1" cellpadding="4"><tr><td rowspan="2">Pris</td>' in body
    assert "https://player.vimeo.com/video/1084537" in body
    assert "[not_a_shortcode] och [wpseo_breadcrumb]" in body  # WordPress's [[escape]] shows [it]
    assert front(site / "content" / "kontakt.md")[0].get("aliases") is None  # ?page_id=2: by the ID map
    secret = front(site / "content" / "blogg" / "hemlig.md")[0]
    assert secret["draft"] is True  # password-protected: never published by accident
    assert json.loads((site / "static" / "wordpress-ids.json").read_text()) == {"2": "/kontakt/",
                                                                                 "5": "/blogg/var-forsta-lampa/"}
    report = (site / "content" / ".wordpress-import" / "report.md").read_text()
    assert "| /blogg/?p=5 | /blogg/var-forsta-lampa/ |" in report  # the blog lived in /blogg/


def test_reserved_and_clashing_slugs_get_their_id(tmp_path: Path, site: Path) -> None:
    export = tmp_path / "export.xml"
    export.write_text(WXR12.read_text().replace("<![CDATA[hostens-basta-soffor]]>", "<![CDATA[index]]>")
                      .replace("<![CDATA[leverantorskontakter]]>", "<![CDATA[" + "å" * 150 + "]]>"))
    import_(site, str(export))
    assert (site / "content" / "blog" / "index-21.md").is_file()  # not the blog's own section page
    assert not (site / "content" / "blog" / "index.md").exists()
    long_name = next((site / "content" / "blog").glob("ååå*.md")).name
    assert len(long_name.encode()) <= 255


def test_rerun_updates_its_files_and_never_overwrites_edits(tmp_path: Path, site: Path) -> None:
    export = tmp_path / "export.xml"
    shutil.copy(WXR12, export)
    import_(site, str(export), "--shopello-lists", str(LISTS))
    before = tree(site)
    second = import_(site, str(export), "--shopello-lists", str(LISTS))
    assert "0 added, 0 changed" in second and "0 skipped" in second
    assert {k: v for k, v in tree(site).items() if "report.md" not in k} == \
           {k: v for k, v in before.items() if "report.md" not in k}

    edited = site / "content" / "om-oss.md"
    edited.write_text(edited.read_text().replace("Göteborg", "Malmö"))
    (site / "content" / "blog" / "hostens-basta-soffor.md").unlink()
    export.write_text(WXR12.read_text().replace("Vi är två inredare", "Vi är tre inredare")
                      .replace("Alla våra lampor", "Alla lampor"))
    dry = run("import", "wordpress", str(export), "--shopello-lists", str(LISTS), "--dry-run", "-C", str(site))
    assert dry.exit_code == 0, dry.output
    snapshot = tree(site)
    assert "changed  content/lampor/index.md" in dry.output
    assert "skipped  content/om-oss.md  (edited since the last import)" in dry.output
    assert "skipped  content/blog/hostens-basta-soffor.md  (deleted since the last import)" in dry.output
    assert tree(site) == snapshot  # a dry run writes nothing at all

    import_(site, str(export), "--shopello-lists", str(LISTS))
    assert "Malmö" in edited.read_text() and "tre inredare" not in edited.read_text()
    assert "Alla lampor" in (site / "content" / "lampor" / "index.md").read_text()
    assert not (site / "content" / "blog" / "hostens-basta-soffor.md").exists()


def test_existing_file_not_from_the_importer_is_left_alone(site: Path) -> None:
    mine = site / "content" / "om-oss.md"
    mine.write_text("---\ntitle: Min egen sida\n---\n")
    output = import_(site, str(WXR12))
    assert mine.read_text() == "---\ntitle: Min egen sida\n---\n"
    assert "1 skipped" in output


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss><channel><wp:wxr_version xmlns:wp="http://wordpress.org/export/1.2/">1.2</wp:wxr_version>
<item><title>&lol3;</title></item></channel></rss>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss><channel><title>&xxe;</title></channel></rss>"""
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Blogg</title>
<item><title>Inlägg</title><link>https://x.se/a/</link></item></channel></rss>"""


@pytest.mark.parametrize("body, expected", [
    (BOMB.encode(), "declares XML entities or a DTD"),
    (EXTERNAL.encode(), "declares XML entities or a DTD"),
    (FEED.encode(), "is an RSS feed, not a WordPress export"),
    (b"<html><body>Not an export</body></html>", "its root element is <html>, not <rss>"),
    (b"", "is empty"),
    (WXR12.read_bytes()[:9000], "the file ends in the middle of the export (truncated?)"),
    (WXR12.read_bytes().replace("Så väljer".encode(), b"S\xe5 v\xe4ljer"), "is not UTF-8 text (bad byte at offset"),
    (WXR12.read_bytes().replace(b"</wp:post_name>", b"</wp:post_nam>", 1), "is not well-formed XML (mismatched tag)"),
    (WXR12.read_bytes().replace(b">1.2</wp:wxr_version>", b">9.0</wp:wxr_version>"), "WXR version '9.0'"),
], ids=["xml-bomb", "external-entity", "rss-feed", "html", "empty", "truncated", "invalid-utf8", "malformed",
        "future-version"])
def test_bad_export_is_one_line_exit_1_nothing_written(tmp_path: Path, site: Path, body: bytes,
                                                      expected: str) -> None:
    export = tmp_path / "export.xml"
    export.write_bytes(body)
    before = tree(site)
    result = run("import", "wordpress", str(export), "-C", str(site))
    assert result.exit_code == 1, result.output
    assert expected in result.output and str(export) in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert tree(site) == before


def test_invalid_utf8_names_the_line(tmp_path: Path, site: Path) -> None:
    export = tmp_path / "export.xml"
    data = WXR12.read_bytes()
    line = data[:data.index("Så väljer".encode())].count(b"\n") + 1
    export.write_bytes(data.replace("Så väljer".encode(), b"S\xe5 v\xe4ljer", 1))
    result = run("import", "wordpress", str(export), "-C", str(site))
    assert f"{export}:{line}: is not UTF-8 text" in result.output


def test_bad_lists_file_and_missing_site_are_one_line(tmp_path: Path, site: Path) -> None:
    lists = tmp_path / "lists.json"
    lists.write_text("{not json")
    result = run("import", "wordpress", str(WXR12), "--shopello-lists", str(lists), "-C", str(site))
    assert result.exit_code == 1 and "lists.json: is not JSON" in result.output and "Traceback" not in result.output
    result = run("import", "wordpress", str(WXR12), "-C", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "no shelfpress.toml here" in result.output


def test_never_writes_outside_content_and_static(tmp_path: Path, site: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (site / "content" / "blog").symlink_to(outside, target_is_directory=True)
    result = run("import", "wordpress", str(WXR12), "-C", str(site))
    assert result.exit_code == 1 and "leads outside the site's content/" in result.output
    assert list(outside.iterdir()) == []
    # hostile slugs stay inside content/
    export = tmp_path / "export.xml"
    export.write_text(WXR12.read_text().replace("<![CDATA[om-oss]]>", "<![CDATA[../../../../tmp/evil]]>"))
    (site / "content" / "blog").unlink()
    import_(site, str(export))
    assert not Path("/tmp/evil.md").exists() and (site / "content" / "tmp-evil.md").is_file()
