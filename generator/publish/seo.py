"""Site-wide SEO files: sitemap.xml and robots.txt.

Deterministic by construction (sorted, no build timestamps): lastmod is
only written where a page has a date of its own. The sitemaps protocol reads
at most 50,000 URLs and 50 MB from one file and ignores the rest, so a bigger
site gets numbered sitemaps (sitemap-1.xml, ...) and sitemap.xml becomes their
index: the URL robots.txt names and a publisher submitted stays the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from generator.content.page import Page
from generator.render.environment import UrlBuilder

EXCLUDED_KINDS = ("alias", "404", "feed")


MAX_URLS = 50_000  # per sitemap file, by the protocol (sitemaps.org)
MAX_BYTES = 50 * 1024 * 1024  # uncompressed, per file
_URLSET = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')
_INDEX = ('<?xml version="1.0" encoding="UTF-8"?>\n'
          '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n')


def sitemaps(pages: Iterable[Page], urls: UrlBuilder, *, max_urls: int | None = None,
             max_bytes: int | None = None) -> dict[str, bytes]:
    """Output path -> bytes: `sitemap.xml` alone, or numbered sitemaps and `sitemap.xml` as their index."""
    max_urls, max_bytes = max_urls or MAX_URLS, max_bytes or MAX_BYTES
    entries = [_entry(page, urls) for page in sorted(pages, key=lambda p: p.url)
               if page.kind not in EXCLUDED_KINDS and page.params.get("sitemap") is not False]
    groups = _split(entries, max_urls, max_bytes - len(_URLSET) - len("</urlset>\n"))
    if len(groups) == 1:
        return {"sitemap.xml": _urlset(groups[0])}
    files = {f"sitemap-{number}.xml": _urlset(group) for number, group in enumerate(groups, 1)}
    index = "".join(f"  <sitemap><loc>{escape(urls.absolute(name), quote=False)}</loc></sitemap>\n" for name in files)
    return {**files, "sitemap.xml": (_INDEX + index + "</sitemapindex>\n").encode()}


def _entry(page: Page, urls: UrlBuilder) -> bytes:
    entry = f"  <url><loc>{escape(urls.absolute(page.url), quote=False)}</loc>"
    if page.date:
        entry += f"<lastmod>{page.date.isoformat()}</lastmod>"
    return (entry + "</url>\n").encode()


def _split(entries: list[bytes], max_urls: int, max_bytes: int) -> list[list[bytes]]:
    """Consecutive groups of at most `max_urls` entries and `max_bytes` bytes (one group at least)."""
    groups: list[list[bytes]] = [[]]
    size = 0
    for entry in entries:
        if groups[-1] and (len(groups[-1]) >= max_urls or size + len(entry) > max_bytes):
            groups.append([])
            size = 0
        groups[-1].append(entry)
        size += len(entry)
    return groups


def _urlset(entries: list[bytes]) -> bytes:
    return _URLSET.encode() + b"".join(entries) + b"</urlset>\n"


def robots(urls: UrlBuilder) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute('sitemap.xml')}\n".encode()
