"""Markdown to HTML for content pages.

One configured `markdown.Markdown` instance per process (reset between
pages: building it is the expensive part). Content Markdown is written by
the site owner and trusted like a template; product data never passes
through here.
"""

from __future__ import annotations

from dataclasses import dataclass

import markdown

# Each inline extension costs time on every paragraph; these are the ones writers reach for.
EXTENSIONS = ["tables", "fenced_code", "toc", "attr_list", "sane_lists"]
EXTENSION_CONFIG = {"toc": {"permalink": False, "toc_depth": "2-3"}}


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: str


class MarkdownRenderer:
    """Converts Markdown bodies; keep one per process and reuse it."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIG,
                                     output_format="html")

    def convert(self, text: str) -> Rendered:
        self._md.reset()
        html = self._md.convert(text)
        toc = getattr(self._md, "toc", "")
        has_entries = "<li>" in toc
        return Rendered(html, toc if has_entries else "")
