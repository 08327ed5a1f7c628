"""Content pages: read `content/**/*.md`, parse front matter, route to URLs.

A `Page` is a plain object: where it came from, where it goes (URL and
output path), its front matter and its Markdown body with shortcodes
already extracted. Reading is pure and per file, so it is cheap to redo for
one edited file. Markdown-to-HTML conversion lives in `markup.py`;
deciding which pages exist beyond the content files lives in `site.py`.

Routing (pretty permalinks):
    content/index.md      -> /
    content/a/index.md    -> /a/        (the section page of a/)
    content/a/b.md        -> /a/b/
    slug: "x" in a/b.md   -> /a/x/
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from generator.core.errors import ContentError, did_you_mean
from generator.content.lazydata import LazyData
from generator.content.shortcodes import Shortcode, extract

# libyaml's C loader is ~10x faster than the pure-Python one; same safe semantics.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
INDEX_NAMES = ("index.md", "_index.md")


@dataclass(frozen=True)
class FrontMatterKey:
    """One front matter key the build reads, for validation and the generated reference
    (`generator/commands/docs_reference.py`). `param` keys are free-form values the build or the theme reads
    from `page.params`: they may be written at the top level or under `params:`."""

    name: str
    type: str
    default: str
    doc: str
    param: bool = False


FRONT_MATTER = (
    FrontMatterKey("title", "string", "the file name, capitalised", "The page title: `<title>`, the `<h1>` of the "
                   "default theme, menus and listings of the section."),
    FrontMatterKey("description", "string", '""', "The meta description (search results, link previews); "
                   "default: the site's `description`."),
    FrontMatterKey("slug", "string", "the file name", "Replaces the last part of the URL: `slug: lampor` in "
                   "`content/guider/a.md` gives `/guider/lampor/`. Letters, digits, `.`, `_`, `~` and `-`."),
    FrontMatterKey("template", "string", "by kind", "The template to render with (`landing` or `landing.html`, "
                   "found in `templates/` or the theme); default `home.html`/`section.html`/`page.html`."),
    FrontMatterKey("draft", "bool", "false", "`true` leaves the page out unless you build or serve with "
                   "`--drafts`."),
    FrontMatterKey("date", "date", "none", "A date like `2026-11-23`; newer pages come first in a section."),
    FrontMatterKey("weight", "int", "0", "Ordering in menus and sections: lower comes first (then date, then "
                   "title)."),
    FrontMatterKey("aliases", "list of strings", "[]", "Old URLs of this page (`/gammal-sida/`): each gets a page "
                   "that redirects here, e.g. the addresses of your WordPress posts."),
    FrontMatterKey("params", "mapping", "{}", "Free-form values for templates (`page.params.hero`). Any other "
                   "key you write at the top level lands here too."),
    FrontMatterKey("listing", "mapping", "none", "A paginated product listing on this page: product query "
                   "parameters plus `per_page`, `max_pages`, `title` and `filters` (see the listing keys)."),
    FrontMatterKey("channel", "string", "the section's, else `[links] channel`", "The Shopello channel signed "
                   "into this page's click links; on a section's `index.md` it applies to every page of the "
                   "section."),
    FrontMatterKey("deeplinks", "bool", "true", "`false` leaves every link of this page to a shop as written "
                   "instead of making it a tracked deep link; one link opts out with its own `rel`: "
                   "`[Rum21](https://www.rum21.se/){rel=nofollow}`."),
    FrontMatterKey("widgets", "mapping", "{}", "Widgets defined by this page, by name, with the keys of "
                   "`[widgets.<name>]` in `shelfpress.toml`."),
    FrontMatterKey("menu", "bool", "true", "`false` keeps a top-level page or section out of the menu.",
                   param=True),
    FrontMatterKey("toc", "bool", "false", "`true` shows a table of contents of the page's `##`/`###` headings "
                   "(default theme, `page.html`).", param=True),
    FrontMatterKey("sitemap", "bool", "true", "`false` leaves the page out of `sitemap.xml`.", param=True),
    FrontMatterKey("review", "mapping", "none", "Your review of a product: `rating` (on a scale from `worst`, "
                   "default 1, to `best`, default 5), `pros` and `cons` (lists), `verdict`, `item` (what is "
                   "reviewed; default: the page title) and, only if you have one, `aggregate_rating: {value, "
                   "count}`. Shown as a review box (or where `{{< review />}}` puts it) with schema.org `Review` "
                   "data; an unknown key or a rating off the scale is an error.", param=True),
)
KNOWN_KEYS = tuple(key.name for key in FRONT_MATTER if not key.param)
# Keys people write expecting them to do something they do not: one line saying what does.
_LISTING_HINT = "put product query parameters under 'listing:' (listing: {query: lampa, per_page: 12})"
MISPLACED_KEYS = {
    "products": "is not a setting; for a paginated product listing write 'listing:' (listing: {query: "
                "lampa}), for a block of products put {{< products query=\"lampa\" >}} in the text",
    "product": "is not a setting; for products on this page write 'listing:' (listing: {query: lampa}) "
               "or put {{< products query=\"lampa\" >}} in the text",
    "url": "is not a setting: URLs follow the file's path; use 'slug:' to change the last part, "
           "'aliases:' to redirect old URLs here",
    **{name: f"is a product query parameter, not a page setting; {_LISTING_HINT}"
       for name in ("query", "category_id", "store_id", "product_id", "order_by", "price_min", "price_max",
                    "per_page", "max_pages", "reduction_percent_min", "reduction_percent_max", "has_images")},
}
_SLUG_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


@dataclass
class Page:
    """One page of the site: a content file or a generated (virtual) page."""

    url: str
    title: str
    kind: str = "page"  # page | section | home | product | category | store | brand | listing | ...
    source: Path | None = None  # relative to the site; None for generated pages
    description: str = ""
    template: str = ""
    draft: bool = False
    date: dt.date | None = None
    weight: int = 0
    aliases: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    front: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    shortcodes: list[Shortcode] = field(default_factory=list)
    section: str = ""
    # What generated pages render (products, pagination); product pages' is made when first read.
    data: dict[str, Any] | LazyData = field(default_factory=dict)

    @property
    def output_path(self) -> str:
        """Path of the output file, relative to the output root."""
        return output_path_for(self.url)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.weight, -(self.date.toordinal() if self.date else 0), self.title.lower(), self.url)


def output_path_for(url: str) -> str:
    path = url.lstrip("/")
    if not path or path.endswith("/"):
        return path + "index.html"
    return path


_FRONT_MATTER = re.compile(r"---[ \t]*\r?\n(.*?)(?:^|\n)---[ \t]*(?:\r?\n|$)", re.DOTALL)


def _parse_front_matter(text: str, file: Path) -> tuple[dict[str, Any], str, int]:
    """Split `---` YAML front matter from the body; return (front, body, lines before the body)."""
    if not text.startswith("---"):
        return {}, text, 0
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ContentError("front matter starts with '---' but never ends; add a closing '---' line", file=file,
                           line=1)
    try:
        front = yaml.load(match.group(1), Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else None
        reason = exc.problem or "invalid YAML"
        raise ContentError(f"front matter is not valid YAML: {reason}", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ContentError(f"front matter is not valid YAML: {exc}", file=file, line=1) from None
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise ContentError(f"front matter must be a mapping of keys (title: ...), got {type(front).__name__}",
                           file=file, line=2)
    consumed = text[:match.end()]
    return front, text[match.end():], consumed.count("\n")


def front_matter_line(text: str, path: Sequence[object]) -> int | None:
    """The file line of a front matter key such as `("listing", "qurey")`, else of its nearest parent.

    The loader keeps no positions, so this composes the YAML again: only ever on the way to an error.
    """
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    try:
        node = yaml.compose(match.group(1), Loader=_YAML_LOADER) if match else None
    except yaml.YAMLError:
        return None
    line = None
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            break
        found = next(((k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(key)), None)
        if found is None:
            break
        line, node = found[0].start_mark.line + 2, found[1]  # +1: 1-based, +1: the opening '---'
    return line


def _page_key_line(page: Page, site_dir: Path, path: Sequence[object]) -> int | None:
    try:
        return front_matter_line((site_dir / page.source).read_text(encoding="utf-8"), path) if page.source else None
    except (OSError, UnicodeDecodeError):
        return None


def front_matter_error(page: Page, site_dir: Path, path: Sequence[object], message: str) -> ContentError:
    """A ContentError at the line of a front matter key of `page` (`path` also prefixes the message)."""
    line = _page_key_line(page, site_dir, path)
    return ContentError(f"{'.'.join(str(p) for p in path)}: {message}", file=page.source, line=line)


def front_matter_place(page: Page, site_dir: Path, path: Sequence[object]) -> str:
    """`content/x.md:4` of a front matter key of `page`, for a warning (its URL for a page without a file)."""
    line = _page_key_line(page, site_dir, path)
    if page.source is None:
        return page.url
    return f"{page.source.as_posix()}:{line}" if line else page.source.as_posix()


def _expect(front: dict[str, Any], text: str, file: Path, key: str, kinds: type | tuple[type, ...],
            what: str) -> Any:
    value = front.get(key)
    if value is not None and (not isinstance(value, kinds) or isinstance(value, bool) and bool not in
                              (kinds if isinstance(kinds, tuple) else (kinds,))):
        raise ContentError(f"front matter '{key}' must be {what}, got {value!r}", file=file,
                           line=front_matter_line(text, (key,)))
    return value


def _site_path(value: str, key: str, what: str, file: Path, text: str) -> str:
    """`value` unchanged when it is a path inside the site (no '..', '\\' or scheme); else an error at its line."""
    if value and (".." in value.split("/") or "\\" in value or "://" in value or not value.strip("/")):
        raise ContentError(f"front matter '{key}' must be {what} inside the site (no '..'), got {value!r}",
                           file=file, line=front_matter_line(text, (key,)))
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):  # no file or URL can hold a NUL
        raise ContentError(f"front matter '{key}' holds a control character, got {value!r}; remove it",
                           file=file, line=front_matter_line(text, (key,)))
    return value


def _date(value: Any, file: Path, text: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ContentError(f"front matter 'date' must be a date like 2026-11-23, got {value!r}", file=file,
                           line=front_matter_line(text, ("date",))) from None


def route(rel: PurePosixPath, slug: str | None, permalinks: str) -> tuple[str, str, str]:
    """URL, kind and section of a content file at `rel` (relative to content/)."""
    parts = list(rel.parts)
    is_index = parts[-1] in INDEX_NAMES
    folders = parts[:-1]
    section = folders[0] if folders else ""
    if is_index:
        segments = folders[:-1] + [slug] if slug and folders else folders
        kind = "home" if not folders else "section"
        return "/" + "".join(s + "/" for s in segments), kind, section
    name = slug or rel.stem
    segments = folders + [name]
    if permalinks == "ugly":
        return "/" + "/".join(segments) + ".html", "page", section
    return "/" + "/".join(segments) + "/", "page", section


def read_page(path: Path, content_dir: Path, site_dir: Path, permalinks: str = "pretty",
              data: bytes | None = None) -> Page:
    """Parse one content file into a Page (`data`: its bytes, when the caller has read them already).
    Raises ContentError naming file:line."""
    display = path.relative_to(site_dir) if path.is_relative_to(site_dir) else path
    raw = path.read_bytes() if data is None else data
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ContentError(f"is not UTF-8 text (bad byte at offset {exc.start}); save the file as UTF-8",
                           file=display, line=line) from None
    text = text.lstrip("\ufeff")
    if "\r" in text:  # Windows (CRLF) or old Mac (CR) line endings: the same page as with LF
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    front, body, line_offset = _parse_front_matter(text, display)
    expect = functools.partial(_expect, front, text, display)
    for key in front:
        if key in MISPLACED_KEYS:
            raise ContentError(f"front matter {key!r} {MISPLACED_KEYS[key]}", file=display,
                               line=front_matter_line(text, (key,)))
        hint = "" if key in KNOWN_KEYS else did_you_mean(key, KNOWN_KEYS, cutoff=0.75)
        if hint:  # other unknown keys are free-form values for templates
            raise ContentError(f"unknown front matter key {key!r}{hint}", file=display,
                               line=front_matter_line(text, (key,)))
    slug = expect("slug", str, "a string")
    if slug is not None and not _SLUG_OK.fullmatch(slug) or slug in (".", ".."):
        raise ContentError(f"slug {slug!r} may only hold letters, digits, '.', '_', '~' and '-' (no '/' or '..')",
                           file=display, line=front_matter_line(text, ("slug",)))
    rel = PurePosixPath(path.relative_to(content_dir).as_posix())
    if "\\" in str(rel):
        raise ContentError("the file's path holds '\\', a folder separator on Windows, which no URL may hold; "
                           "rename it", file=display)
    url, kind, section = route(rel, slug, permalinks)
    aliases = [_site_path(str(a), "aliases", "a list of URL paths", display, text)
               for a in expect("aliases", list, "a list of URLs") or []]
    params = expect("params", dict, "a mapping") or {}
    extra = {k: v for k, v in front.items() if k not in KNOWN_KEYS}
    body_text, shortcodes = extract(body, display, line_offset)
    title = expect("title", (str, int, float), "a string")
    return Page(
        url=url,
        kind=kind,
        title=str(title) if title is not None else _title_from(rel),
        source=display,
        description=expect("description", str, "a string") or "",
        template=_site_path(expect("template", str, "a template name like page.html") or "", "template",
                            "a template name", display, text),
        draft=bool(expect("draft", bool, "true or false")),
        date=_date(front.get("date"), display, text),
        weight=expect("weight", int, "a whole number") or 0,
        aliases=tuple(str(a) for a in aliases),
        params={**extra, **params},
        front=front,
        body=body_text,
        shortcodes=shortcodes,
        section=section,
    )


def _title_from(rel: PurePosixPath) -> str:
    stem = rel.parent.name if rel.name in INDEX_NAMES else rel.stem
    return stem.replace("-", " ").replace("_", " ").strip().capitalize() or "Home"


def content_files(content_dir: Path) -> Iterator[Path]:
    """Every Markdown file under content/, in a stable order, skipping hidden files and editor temp files.

    Walks with os.scandir on strings (a 10,000-page site is listed in milliseconds, not a second of
    pathlib); the order is the one sorted(rglob) gives: by path components.
    """
    if not content_dir.is_dir():
        return
    found: list[tuple[str, ...]] = []
    root = str(content_dir)
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith((".", "#"))]
        rel = os.path.relpath(folder, root)
        parts = () if rel == "." else tuple(rel.split(os.sep))
        found += [parts + (name,) for name in files
                  if name.endswith(".md") and not name.startswith((".", "#")) and not name.endswith("~")]
    for parts in sorted(found):
        yield content_dir.joinpath(*parts)
