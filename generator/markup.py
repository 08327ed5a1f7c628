"""Markdown to HTML for content pages.

One configured `markdown.Markdown` instance per process (reset between
pages: building it is the expensive part). Content Markdown is written by
the site owner and trusted like a template; product data never passes
through here.

Site-absolute links in Markdown (`[about](/about/)`, `![](/img/a.jpg)`) get
the base_url path prefix, so content written for `/` works unchanged on a
project site at `https://user.github.io/repo/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import markdown
from markdown.treeprocessors import Treeprocessor

# Each inline extension costs time on every paragraph; these are the ones writers reach for.
EXTENSIONS = ["tables", "fenced_code", "toc", "attr_list", "sane_lists"]
EXTENSION_CONFIG = {"toc": {"permalink": False, "toc_depth": "2-3"}}


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: str


class _PrefixSiteLinks(Treeprocessor):
    """'/a/' in an href or src -> '/repo/a/' (protocol-relative '//host' links are left alone)."""

    def __init__(self, md: markdown.Markdown, base_path: str) -> None:
        super().__init__(md)
        self.base_path = base_path

    def run(self, root: Any) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value and value.startswith("/") and not value.startswith("//"):
                    element.set(attribute, self.base_path + value[1:])


class MarkdownRenderer:
    """Converts Markdown bodies; keep one per process and reuse it."""

    def __init__(self, base_path: str = "/") -> None:
        self._md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIG,
                                     output_format="html")
        if base_path != "/":
            self._md.treeprocessors.register(_PrefixSiteLinks(self._md, base_path), "prefix_site_links", 0)

    def convert(self, text: str) -> Rendered:
        self._md.reset()
        html = self._md.convert(text)
        toc = getattr(self._md, "toc", "")
        has_entries = "<li>" in toc
        return Rendered(html, toc if has_entries else "")
