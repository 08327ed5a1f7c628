"""Big exports: the reader streams (memory does not grow with the file), and a generated export of
many posts imports and builds. `write_export` is also what bench/bench_import_wordpress.py imports."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from generator.importers.wxr import read_wxr
from tests.support.sites import run, write_site

HEAD = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Stor blogg</title><link>https://stor.example</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://stor.example</wp:base_site_url>
<wp:author><wp:author_login>anna</wp:author_login><wp:author_display_name>Anna</wp:author_display_name></wp:author>
"""
PARAGRAPH = ("<!-- wp:paragraph -->\n<p>Lampor i <strong>mässing</strong> och glas, med "
             "<a href=\"https://stor.example/2020/01/post-{prev}/\">en äldre text</a> om ljus.</p>\n"
             "<!-- /wp:paragraph -->\n\n")
EXTRAS = ("[caption id=\"attachment_1\" width=\"300\"]<img src=\"https://stor.example/wp-content/uploads/a-{n}.jpg\" "
          "alt=\"Lampa {n}\" width=\"300\" height=\"200\" /> Bild {n}[/caption]\n\n"
          "<!-- wp:list -->\n<ul><li>Ett</li><li>Två</li></ul>\n<!-- /wp:list -->\n")


def write_export(path: Path, posts: int, paragraphs: int = 6) -> int:
    """Write a WXR 1.2 export of `posts` published posts, streaming; return its size in bytes."""
    with path.open("w", encoding="utf-8") as f:
        f.write(HEAD)
        for n in range(1, posts + 1):
            body = "".join(PARAGRAPH.format(prev=max(1, n - 1)) for _ in range(paragraphs)) + EXTRAS.format(n=n)
            f.write(f"<item><title>Inlägg nummer {n}</title><link>https://stor.example/2020/01/post-{n}/</link>"
                    f"<dc:creator>anna</dc:creator><content:encoded><![CDATA[{body}]]></content:encoded>"
                    f"<excerpt:encoded><![CDATA[Utdrag {n}]]></excerpt:encoded><wp:post_id>{n + 100}</wp:post_id>"
                    f"<wp:post_date>2020-01-01 10:00:00</wp:post_date><wp:post_name>post-{n}</wp:post_name>"
                    "<wp:status>publish</wp:status><wp:post_parent>0</wp:post_parent>"
                    "<wp:menu_order>0</wp:menu_order><wp:post_type>post</wp:post_type>"
                    "<category domain=\"category\" nicename=\"ljus\"><![CDATA[Ljus]]></category></item>\n")
        f.write("</channel></rss>\n")
    return path.stat().st_size


def reader_peak(path: Path) -> tuple[int, int]:
    """(items read, peak bytes allocated by Python while reading them all)."""
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_wxr(path))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reader_memory_does_not_grow_with_the_export(tmp_path: Path) -> None:
    small, big = tmp_path / "small.xml", tmp_path / "big.xml"
    write_export(small, 200)
    size = write_export(big, 2000)
    small_count, small_peak = reader_peak(small)
    big_count, big_peak = reader_peak(big)
    assert (small_count, big_count) == (200, 2000)
    assert big_peak < 2 * small_peak + 256 * 1024, (small_peak, big_peak)  # 10x the posts, not 10x the memory
    assert big_peak < size / 4


def test_many_posts_import_and_build(tmp_path: Path) -> None:
    export = tmp_path / "export.xml"
    write_export(export, 300, paragraphs=2)
    site = write_site(tmp_path / "site", {})
    result = run("import", "wordpress", str(export), "-C", str(site))
    assert result.exit_code == 0, result.output
    assert "Imported 300 posts and 0 pages" in result.output and "600 redirects" in result.output  # old permalink + ?p=ID each
    assert len(list((site / "content" / "blog").glob("post-*.md"))) == 300
    built = run("build", "-C", str(site))
    assert built.exit_code == 0, built.output
    assert (site / "public" / "2020" / "01" / "post-150" / "index.html").is_file()
    assert 'href="/repo/blog/post-149/"' in (site / "public" / "blog" / "post-150" / "index.html").read_text()
