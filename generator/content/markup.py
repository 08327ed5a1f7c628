"""Markdown to HTML for content pages.

One configured `markdown.Markdown` instance per process (reset between
pages: building it is the expensive part), made when the first page is
converted: Python-Markdown and the Pygments it pulls in take 30 ms to import,
which a rebuild whose pages all come from the cache never needs. Content
Markdown is written by the site owner and trusted like a template; product
data never passes through here.

Site-absolute links in Markdown (`[about](/about/)`, `![](/img/a.jpg)`) get
the base_url path prefix, so content written for `/` works unchanged on a
project site at `https://user.github.io/repo/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import markdown


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: str


def _prefix_site_links(root: Any, base_path: str) -> None:
    """'/a/' in an href or src -> '/repo/a/' (protocol-relative '//host' links are left alone)."""
    for element in root.iter():
        for attribute in ("href", "src"):
            value = element.get(attribute)
            if value and value.startswith("/") and not value.startswith("//"):
                element.set(attribute, base_path + value[1:])


def _markdown(base_path: str) -> markdown.Markdown:
    """The configured converter. Extensions are passed as instances: named ones make Python-Markdown scan
    every installed package's entry points first, 45 ms of each build."""
    import markdown
    from markdown.extensions.attr_list import AttrListExtension
    from markdown.extensions.fenced_code import FencedCodeExtension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension
    from markdown.extensions.toc import TocExtension
    from markdown.treeprocessors import Treeprocessor

    class PrefixSiteLinks(Treeprocessor):
        def run(self, root: Any) -> None:
            _prefix_site_links(root, base_path)

    # Each inline extension costs time on every paragraph; these are the ones writers reach for.
    extensions = [TableExtension(), FencedCodeExtension(), TocExtension(permalink=False, toc_depth="2-3"),
                  AttrListExtension(), SaneListExtension()]
    md = markdown.Markdown(extensions=extensions, output_format="html")
    if base_path != "/":
        md.treeprocessors.register(PrefixSiteLinks(md), "prefix_site_links", 0)
    return md


class MarkdownRenderer:
    """Converts Markdown bodies; keep one per process and reuse it."""

    def __init__(self, base_path: str = "/") -> None:
        self._base_path = base_path
        self._md: markdown.Markdown | None = None

    def convert(self, text: str) -> Rendered:
        if self._md is None:
            self._md = _markdown(self._base_path)
        self._md.reset()
        html = self._md.convert(text)
        toc = getattr(self._md, "toc", "")
        has_entries = "<li>" in toc
        return Rendered(html, toc if has_entries else "")
