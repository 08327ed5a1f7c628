"""The site graph: which pages exist, their URLs, sections and navigation.

Built completely before anything renders (MkDocs' structure objects,
Pelican's shared context), so the product stage can add virtual pages,
every query of the site is known up front, and URL clashes are caught
before a single file is written.

This module reads content files through `content.py`, each checked by `containment.SiteFiles` first (so a
link out of the site or a dangling link is one line, not a leak or a traceback); it does not render.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config.schema import Config
from generator.core.containment import SiteFiles
from generator.content.page import Page, content_files, read_page
from generator.core.errors import ContentError
from generator.content.shortcode_closing import check_closed
from generator.config.themes import theme_dirs


@dataclass
class Site:
    config: Config
    pages: list[Page] = field(default_factory=list)
    static_files: list[tuple[str, Path]] = field(default_factory=list)
    drafts: bool = False
    data: dict[str, Any] = field(default_factory=dict)  # shared context the product stage fills
    content_files: list[tuple[Path, os.stat_result]] = field(default_factory=list)  # as checked when loaded

    def __post_init__(self) -> None:
        self.by_url: dict[str, Page] = {}
        self._children: dict[str, list[Page]] | None = None  # parent URL -> its children, ordered (`children`)

    def add(self, page: Page) -> Page:
        """Register a page; a second page at the same URL is an error naming both."""
        existing = self.by_url.get(page.url)
        if existing is not None:
            first = existing.source or f"generated {existing.kind} page"
            second = page.source or f"generated {page.kind} page"
            raise ContentError(f"URL {page.url} is claimed twice: by {first} and by {second}; change a slug",
                               file=page.source or existing.source)
        self.by_url[page.url] = page
        self.pages.append(page)
        self._children = None
        return page

    def replace(self, old: Page, new: Page) -> None:
        """Put `new` where `old` is, at the same URL (an edited version of it: the dev server's text edit)."""
        # By identity: list.index compares pages field by field (~10 ms over 10,000 pages).
        self.pages[next(i for i, page in enumerate(self.pages) if page is old)] = new
        self.by_url[new.url] = new
        self._children = None

    def children(self, page: Page) -> list[Page]:
        """Pages listed on a section or home page: its direct content children, ordered. Every section and
        home page asks, and so does each page of their listings (20,000 pages of a million-product home
        listing): the pages are grouped by parent once, not scanned on every call."""
        if page.kind not in ("section", "home"):
            return []
        if self._children is None:
            grouped: dict[str, list[Page]] = {}
            for other in self.pages:
                if other.kind in ("page", "section"):
                    grouped.setdefault(parent_url(other.url), []).append(other)
            self._children = {url: sorted(pages, key=lambda p: p.sort_key) for url, pages in grouped.items()}
        return [p for p in self._children.get(page.url, ()) if p is not page]

    @functools.cached_property
    def nav(self) -> list[Page]:
        """Top-level menu: sections and top-level pages, by weight then title (computed once, after loading).

        Top-level by parent URL, not by counting slashes: `/guider/val.html` (ugly permalinks) is in a section."""
        top = [p for p in self.pages if p.source is not None and p.kind in ("section", "page")
               and parent_url(p.url) == "/" and p.params.get("menu", True) is not False]
        return sorted(top, key=lambda p: p.sort_key)

    @property
    def content_pages(self) -> list[Page]:
        return [p for p in self.pages if p.source is not None]


def parent_url(url: str) -> str:
    """'/a/b/' -> '/a/', '/a/b.html' -> '/a/', '/' -> ''."""
    if url == "/":
        return ""
    return url.rstrip("/").rsplit("/", 1)[0] + "/"


def static_files(config: Config) -> list[tuple[str, Path]]:
    """(output path, source file) for theme static files then site static/, site winning on clashes."""
    files = SiteFiles(config.site_dir)
    chosen: dict[str, Path] = {}
    layers = list(reversed(theme_dirs(config, "static"))) + [config.site_dir / "static"]
    for layer in layers:
        if layer.is_dir():
            chosen.update(files.files(layer))
    return sorted(chosen.items())


def check_read_paths(config: Config, files: SiteFiles) -> None:
    """Every template, and each data file named by a path relative to the site, stays inside the site.

    (An absolute `source.catalog` is the owner's explicit choice, e.g. a catalog shared by several sites.)
    """
    from generator.config.channelmap import channel_map_path
    from generator.sources.factory import catalog_path

    for layer in theme_dirs(config, "templates"):
        files.files(layer)  # the build fingerprints every template, used or not
    named = [(config.source.catalog, catalog_path(config)), (config.revenue.channels_file, channel_map_path(config))]
    for setting, path in named:
        if setting and not Path(setting).is_absolute() and os.path.lexists(path):
            files.check(path)


def _section_pages(pages: Iterable[Page], config: Config) -> list[Page]:
    """List pages for folders that have no index.md of their own (every section gets one)."""
    have = {p.url for p in pages}
    missing: dict[str, str] = {}
    for page in pages:
        parts = page.url.strip("/").split("/")[:-1] if page.kind == "page" else []
        for depth in range(1, len(parts) + 1):
            url = "/" + "/".join(parts[:depth]) + "/"
            if url not in have:
                missing.setdefault(url, parts[depth - 1])
    return [Page(url=url, kind="section", title=name.replace("-", " ").capitalize(), section=url.split("/")[1],
                 source=None) for url, name in sorted(missing.items())]


PageReader = Callable[[Path, Path, Path, str, os.stat_result], Page]
ContentListing = list[tuple[Path, os.stat_result | None]]
"""Content files and their status from an earlier check, None for each file that must be checked again."""
"""(file, content dir, site dir, permalinks, the file's status as checked) -> its Page."""


def _read_fresh(path: Path, content_dir: Path, site_dir: Path, permalinks: str, status: os.stat_result) -> Page:
    return read_page(path, content_dir, site_dir, permalinks)


def load_site(config: Config, *, drafts: bool = False, read: PageReader = _read_fresh,
              listing: ContentListing | None = None) -> Site:
    """Read every content file into the site graph; raise on the first bad file.

    `read` parses one file (default: `content.read_page`, always); incremental builds pass a caching reader.
    `listing` (the dev server, from its watcher) spares walking content/ and checking unchanged files again.
    """
    site = Site(config, drafts=drafts)
    files = SiteFiles(config.site_dir)
    check_read_paths(config, files)
    content_dir = config.site_dir / "content"
    pages = []
    for path, known in listing if listing is not None else ((path, None) for path in content_files(content_dir)):
        status = known or files.check(path, config.max_content_size)
        site.content_files.append((path, status))
        page = read(path, content_dir, config.site_dir, config.permalinks, status)
        if page.draft and not drafts:
            continue
        pages.append(page)
    if not any(p.url == "/" for p in pages):
        pages.append(Page(url="/", kind="home", title=config.title))
    for page in pages + _section_pages(pages, config):
        site.add(page)
    for page in list(site.pages):
        for alias in page.aliases:
            target = "/" + alias.strip("/") + ("/" if not alias.endswith(".html") else "")
            site.add(Page(url=target, kind="alias", title=page.title, data={"target": page.url},
                          source=None))
    site.static_files = static_files(config)
    check_closed(site.content_pages, config)
    return site
