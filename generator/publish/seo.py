"""Site-wide SEO files: sitemap.xml and robots.txt.

Deterministic by construction (sorted, no build timestamps): lastmod is
only written where a page has a date of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from generator.content.page import Page
from generator.render.environment import UrlBuilder

EXCLUDED_KINDS = ("alias", "404", "feed")


def sitemap(pages: Iterable[Page], urls: UrlBuilder) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for page in sorted(pages, key=lambda p: p.url):
        if page.kind in EXCLUDED_KINDS or page.params.get("sitemap") is False:
            continue
        entry = f"  <url><loc>{escape(urls.absolute(page.url), quote=False)}</loc>"
        if page.date:
            entry += f"<lastmod>{page.date.isoformat()}</lastmod>"
        lines.append(entry + "</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def robots(urls: UrlBuilder) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute('sitemap.xml')}\n".encode()
