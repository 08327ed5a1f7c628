"""Rendering one page to HTML bytes: Markdown, shortcodes, then its template.

Template choice: front matter `template:` (must exist), else by kind
(`home.html` -> `section.html`, `section.html`, `page.html`, `<kind>.html`).
A relative link to another Markdown file (`[Listings](listings.md#filters)`,
`../guide.md`) becomes that page's URL, so Markdown that reads right on
GitHub links right on the site too (the target's default URL: its own `slug:`
is not followed, which keeps a page's output a function of its own file).
Shortcodes render through `shortcodes/<name>.html`; the data a shortcode
shows beyond its parameters (e.g. the products of `products`) comes from
`page.data["shortcodes"][index]`, set by the product stage, so it is part of
what the build state fingerprints. An unknown shortcode is an error at its
file:line:column.

This module does not decide which pages exist nor write files.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

import jinja2
from markupsafe import Markup

from generator.content.page import Page, route
from generator.affiliate.deeplinks import DATA_KEY as DEEP_LINKS, rewrite as deep_links
from generator.core.errors import ContentError
from generator.content.markup import MarkdownRenderer
from generator.render.environment import first_existing, render_template, template_exists
from generator.content.shortcodes import Shortcode, substitute
from generator.content.site import Site

_MD_LINK = re.compile(r'(<a\s[^>]*?href=")([^"/:?#][^":?#]*?\.md)(#[^"]*)?"')

KIND_TEMPLATES = {
    "home": ["home.html", "section.html"],
    "section": ["section.html"],
    "page": ["page.html"],
}


class PageRenderer:
    def __init__(self, site: Site, env: jinja2.Environment,
                 extra_context: Mapping[str, Any] | None = None,
                 markdown: MarkdownRenderer | None = None) -> None:
        self.site, self.env = site, env
        self.extra_context = dict(extra_context or {})
        self.markdown = markdown or MarkdownRenderer(site.config.base_path)
        self._known_shortcodes: dict[str, bool] = {}
        self._templates: dict[tuple[str, str], str] = {}

    def template_for(self, page: Page) -> str:
        """The template `page` renders with (memoised: every page of a kind asks the same question)."""
        key = (page.template, page.kind)
        if key not in self._templates:
            self._templates[key] = self._find_template(page)
        return self._templates[key]

    def _find_template(self, page: Page) -> str:
        if page.template:
            name = page.template if "." in page.template.rsplit("/", 1)[-1] else page.template + ".html"
            if not template_exists(self.env, name):
                raise ContentError(f"template {name!r} named in front matter does not exist in templates/ or "
                                   "the theme; create it or remove 'template:'", file=page.source)
            return name
        return first_existing(self.env, KIND_TEMPLATES.get(page.kind, [f"{page.kind}.html"]))

    def check(self, page: Page) -> None:
        """Validate without rendering: template and shortcode names exist."""
        self.template_for(page)
        for shortcode in page.shortcodes:
            self._shortcode_template(shortcode, page)

    def _shortcode_template(self, shortcode: Shortcode, page: Page) -> str:
        name = shortcode.template
        if name not in self._known_shortcodes:
            self._known_shortcodes[name] = template_exists(self.env, name)
        if not self._known_shortcodes[name]:
            raise ContentError(f"unknown shortcode '{shortcode.name}': add templates/{name} or fix the name",
                               file=page.source, line=shortcode.line, column=shortcode.column)
        return name

    def _render_shortcode(self, index: int, page: Page) -> str:
        shortcode = page.shortcodes[index]
        name = self._shortcode_template(shortcode, page)
        inner_html = self.markdown.convert(shortcode.inner).html if shortcode.inner else ""
        if inner_html and DEEP_LINKS in page.data:
            inner_html = deep_links(inner_html, page.data[DEEP_LINKS])
        inner = Markup(inner_html)
        context = {**self.extra_context, "site": self.site, "config": self.site.config, "page": page,
                   "params": shortcode.kwargs, "inner": inner, "shortcode_index": index}
        context.update(page.data.get("shortcodes", {}).get(index, {}))
        owner = f"{page.source}:{shortcode.line}:{shortcode.column}"
        return render_template(self.env, self.site.config, name, context, owner)

    def body_html(self, page: Page) -> tuple[Markup, Markup]:
        if not page.body.strip():
            return Markup(""), Markup("")
        rendered = self.markdown.convert(page.body)
        html = self._markdown_links(rendered.html, page)
        if DEEP_LINKS in page.data:
            html = deep_links(html, page.data[DEEP_LINKS])
        if page.shortcodes:
            html = substitute(html, lambda i: self._render_shortcode(i, page))
        return Markup(html), Markup(rendered.toc)

    def _markdown_links(self, html: str, page: Page) -> str:
        """`href="other.md#x"` -> the URL of content/<folder>/other.md (with the base path) + `#x`."""
        if ".md" not in html or page.source is None or not page.source.parts or page.source.parts[0] != "content":
            return html
        folder = PurePosixPath(*page.source.parts[1:]).parent.as_posix()
        config = self.site.config

        def link(match: re.Match[str]) -> str:
            target = posixpath.normpath(posixpath.join(folder, match.group(2)))
            if target.startswith("../") or target == "..":
                return match.group(0)
            url, _, _ = route(PurePosixPath(target), None, config.permalinks)
            return f'{match.group(1)}{config.base_path}{url.lstrip("/")}{match.group(3) or ""}"'

        return _MD_LINK.sub(link, html)

    def render(self, page: Page) -> bytes:
        template = self.template_for(page)
        content, toc = self.body_html(page)
        context = {**self.extra_context, "site": self.site, "config": self.site.config, "page": page,
                   "content": content, "toc": toc, "children": self.site.children(page), **page.data}
        owner = str(page.source or page.url)
        return render_template(self.env, self.site.config, template, context, owner).encode("utf-8")
