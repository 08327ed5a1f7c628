"""The dev server's short way for the most common edit: the text of content pages, nothing else.

A writer saves a Markdown file again and again while only its text moves.
Such an edit changes exactly one output, the page itself, when all of this
holds (anything else takes the full pipeline, `commands/build.py`):

- every changed path is a content file of the last site (same file, still
  a regular file inside the site), and nothing else changed: no template,
  static file, data file, catalog or config (the watcher reports those too);
- the config, drafts flag and --strict are the last build's;
- each page parses to the same page except its text: URL, title, front
  matter, params, kind, template, date, aliases, and its shortcodes' names
  and parameters (so the same product queries, and the same page data);
- no template reads another page's text or the whole page list
  (`planner.TemplateReads`), so no other page shows this text;
- the product data is the last build's (a catalog's data version; the live
  API cannot tell, so an API site always takes the full pipeline).

Then the page is rendered with the last build's site graph, templates and
page data, and every other file of the live site is carried over as it is,
through the same atomic writer. The search index is refreshed later, as on
any dev-server rebuild. The page's recorded fingerprint is cleared, so the
next full build renders it again rather than trusting a fingerprint this
path never computed: incremental output stays equal to a clean build.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from generator.config.schema import Config
from generator.core.containment import SiteFiles
from generator.content.page import Page
from generator.engine.output import OutputWriter
from generator.render.page import PageRenderer
from generator.publish.secretguard import SecretGuard
from generator.content.shortcode_closing import check_closed
from generator.content.site import PageReader, Site

# What may differ between a page and its edited version: its text (and the shortcodes' inner text in it).
TEXT_FIELDS = ("body", "shortcodes", "data")


@dataclass
class LastBuild:
    """What a dev server's last full build made, kept for the short way."""

    site: Site
    renderer: PageRenderer
    config: str  # repr of the config it was built with
    drafts: bool
    strict: bool
    text_private: bool  # no template reads another page's text or the whole page list
    data_version: str | None  # of the product source it read (None: the live API)

    def __post_init__(self) -> None:
        self.by_source = {str(page.source): page for page in self.site.pages if page.source is not None}


def edited_pages(last: LastBuild | None, config: Config, changed: set[str], *, drafts: bool, strict: bool,
                 read: PageReader, data_version: Callable[[], str | None]) -> list[tuple[Page, Page]] | None:
    """(last version, edited version) of each changed page when only their text changed, else None.

    `read` parses a content file as the build state's cache does (it remembers the new version);
    `data_version` asks the product source for its data version now."""
    if (last is None or not changed or not last.text_private or last.data_version is None
            or drafts != last.drafts or strict != last.strict or repr(config) != last.config
            or any(Path(rel).parts[:1] != ("content",) for rel in changed)):
        return None
    files = SiteFiles(config.site_dir)
    content_dir = config.site_dir / "content"
    pairs = []
    for rel in sorted(changed):
        old = last.by_source.get(rel)
        path = config.site_dir / rel
        if old is None or not os.path.isfile(path):
            return None
        new = read(path, content_dir, config.site_dir, config.permalinks, files.check(path, config.max_content_size))
        if not _same_but_text(old, new):
            return None
        pairs.append((old, new))
    check_closed([new for _, new in pairs], config)
    return pairs if data_version() == last.data_version else None


def _same_but_text(old: Page, new: Page) -> bool:
    if any(getattr(old, f.name) != getattr(new, f.name) for f in fields(Page) if f.name not in TEXT_FIELDS):
        return False
    return [(s.name, s.params, s.self_closing) for s in old.shortcodes] == \
        [(s.name, s.params, s.self_closing) for s in new.shortcodes]


def render_edited(last: LastBuild, pairs: list[tuple[Page, Page]], config: Config,
                  writer: OutputWriter) -> list[str]:
    """Put the edited pages into `writer` (`swap_in` first) and carry every other live file over; the keys
    rendered."""
    rendered = []
    swap_in(last, pairs)
    for _, new in pairs:
        key = new.output_path
        writer.write(key, last.renderer.render(new), str(new.source))
        rendered.append(key)
    writer.keep_the_rest("unchanged")
    SecretGuard(config).check_all(writer.written, writer.read)
    return rendered


def swap_in(last: LastBuild, pairs: list[tuple[Page, Page]]) -> None:
    """Each edited page takes its last version's place in the site graph, with that version's page data
    (same shortcodes and front matter: the same product queries and results); before any renders, so a page
    meets itself in the graph, not its old version."""
    for old, new in pairs:
        new.data = old.data
        _replace(last, old, new)


def _replace(last: LastBuild, old: Page, new: Page) -> None:
    last.site.replace(old, new)
    last.by_source[str(new.source)] = new

