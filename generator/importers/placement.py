"""Pass 1 of an import: read the whole export once, keep only what placing the pages needs, and decide
where every post and page goes, before a single file is written.

    posts                 content/<posts_dir>/<slug>.md               -> /<posts_dir>/<slug>/
    pages                 content/<parent slugs>/<slug>.md             -> /<parent>/<slug>/
    a page with children  content/<parent slugs>/<slug>/index.md      (its children live in its folder)
    old permalinks        `link` path -> aliases of the new page; ?p=ID / ?page_id=ID -> the ID map

Slugs keep their letters (WordPress stores `sm%c3%b6rg%c3%a5s`; the file is `smörgås.md`, so the URL
stays the one people link to); a missing slug is made from the title. The index holds a few short strings
per item, so memory grows with the number of posts, never with their size.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from generator.importers.wp_shortcodes import Attachment
from generator.importers.wxr import WxrChannel, WxrItem, read_wxr

CONTENT_TYPES = ("post", "page")
IMPORTED_STATUSES = ("publish", "draft", "pending", "private", "future")
MAX_SLUG_BYTES = 200
RESERVED = ("index", "_index")  # index.md is a folder's own page
_UPLOAD_URL = re.compile(r"""https?://[^\s"'<>()\[\]]+?/wp-content/uploads/[^\s"'<>()\[\]]+""", re.I)


@dataclass
class Entry:
    post_id: int
    post_type: str
    status: str
    slug: str
    title: str
    parent: int
    link: str
    segments: tuple[str, ...] = ()
    index_file: bool = False  # content/<segments>/index.md (it has children)

    @property
    def url(self) -> str:
        return "/" + "".join(s + "/" for s in self.segments)

    @property
    def file(self) -> str:
        if not self.segments:
            return "content/index.md"
        return "content/" + "/".join(self.segments) + ("/index.md" if self.index_file else ".md")


@dataclass
class ExportIndex:
    channel: WxrChannel = field(default_factory=WxrChannel)
    entries: dict[int, Entry] = field(default_factory=dict)
    attachments: dict[int, Attachment] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)  # post id -> its attachment ids
    media_urls: set[str] = field(default_factory=set)  # every uploads URL the content names
    skipped: dict[str, int] = field(default_factory=dict)  # "attachment", "nav_menu_item", "trash", ...
    refused: list[str] = field(default_factory=list)  # "post 12 ('Title'): why", items left out


def has_control(text: str) -> bool:
    """Whether `text` holds a NUL, another control character or a lone surrogate: nothing a file name, URL
    or YAML string of the site can carry."""
    return any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


def clean_slug(raw: str) -> str:
    """A WordPress slug as a path segment: percent-decoded, NFC, no '/', no leading dots."""
    text = unicodedata.normalize("NFC", unquote(raw)).strip().replace("/", "-").replace("\\", "-")
    text = re.sub(r"[\s?#%<>\"|*:]+", "-", text).strip("-.").lower()
    while len(text.encode("utf-8")) > MAX_SLUG_BYTES:  # file names stop at 255 bytes
        text = text[:-1]
    return text.rstrip("-.")


def slugify(title: str) -> str:
    """ASCII slug from a title: 'Smörgås & bröd' -> 'smorgas-brod'."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower())[:MAX_SLUG_BYTES].strip("-")


def scan_export(path: Path) -> ExportIndex:
    """Read the export to its end (raising WxrError for a bad file) and index it."""
    index = ExportIndex()
    for item in read_wxr(path, index.channel):
        _add(index, item)
    for ids in index.children.values():
        ids.sort(key=lambda i: (index.attachments[i].order, i))
    return index


def _add(index: ExportIndex, item: WxrItem) -> None:
    if item.post_type == "attachment" and item.attachment_url:
        index.attachments[item.post_id] = Attachment(
            item.attachment_url, item.meta.get("_wp_attachment_image_alt", ""), item.excerpt.strip(),
            item.parent, item.menu_order)
        index.children.setdefault(item.parent, []).append(item.post_id)
        index.media_urls.add(item.attachment_url)
        return
    if item.post_type not in CONTENT_TYPES or item.status not in IMPORTED_STATUSES:
        kind = item.post_type if item.post_type not in CONTENT_TYPES else f"{item.post_type} ({item.status})"
        index.skipped[kind] = index.skipped.get(kind, 0) + 1
        return
    if has_control(unquote(item.slug)):
        index.refused.append(f"{item.post_type} {item.post_id} ({item.title!r}): its slug {item.slug!r} holds "
                             "control characters; not imported (fix the slug in WordPress and export again)")
        return
    index.entries[item.post_id] = Entry(item.post_id, item.post_type, item.status,
                                        clean_slug(item.slug) or slugify(item.title) or f"{item.post_type}-{item.post_id}",
                                        item.title, item.parent, item.link)
    index.media_urls.update(_UPLOAD_URL.findall(item.content))


def place(index: ExportIndex, posts_dir: str) -> None:
    """Give every entry its folder path; a page with children becomes the index.md of its folder."""
    for entry in index.entries.values():
        entry.segments = _segments(index, entry, posts_dir)
    taken: dict[str, int] = {}
    for entry in sorted(index.entries.values(), key=lambda e: (e.status != "publish", e.post_id)):
        if entry.url in taken or entry.segments[-1] in RESERVED:  # two items, one URL: the later gets its id
            entry.segments = (*entry.segments[:-1], f"{entry.segments[-1]}-{entry.post_id}")
        taken[entry.url] = entry.post_id
    folders = {entry.segments[:depth] for entry in index.entries.values() for depth in range(1, len(entry.segments))}
    for entry in index.entries.values():
        entry.index_file = entry.segments in folders


def _segments(index: ExportIndex, entry: Entry, posts_dir: str) -> tuple[str, ...]:
    if entry.post_type == "post":
        return (posts_dir, entry.slug) if posts_dir else (entry.slug,)
    chain, seen, parent = [entry.slug], {entry.post_id}, entry.parent
    while parent and parent not in seen:
        seen.add(parent)
        above = index.entries.get(parent)
        if above is None or above.post_type != "page":
            break
        chain.append(above.slug)
        parent = above.parent
    return tuple(reversed(chain))


def old_path(link: str) -> str | None:
    """The path of an old permalink ('/2019/05/smörgås/'), normalised (no '.' or empty segments), or None
    for '?p=12'-style and home links and for paths no page of the site can have ('..', a backslash, a
    control character, a segment longer than a file name may be)."""
    parts = urlsplit(link)
    if parts.query or parts.scheme not in ("http", "https"):
        return None
    path = unicodedata.normalize("NFC", unquote(parts.path))
    segments = [segment for segment in path.split("/") if segment not in ("", ".")]
    if (not segments or ".." in segments or "\\" in path or has_control(path)
            or any(len(segment.encode("utf-8")) > MAX_SLUG_BYTES for segment in segments)):
        return None
    return "/" + "/".join(segments) + ("/" if path.endswith(("/", "/.")) else "")


def aliases(index: ExportIndex) -> dict[int, list[str]]:
    """post id -> the old paths that should redirect to its new URL: none that is a page's own URL, in any
    letter case (a case-insensitive disk would write both into one file), and none claimed twice."""
    taken = {entry.url.casefold() for entry in index.entries.values()}
    out: dict[int, list[str]] = {}
    for entry in sorted(index.entries.values(), key=lambda e: e.post_id):
        path = old_path(entry.link)
        if path is None:
            continue
        url = path if path.endswith(("/", ".html")) else path + "/"
        if url.casefold() not in taken:
            taken.add(url.casefold())
            out[entry.post_id] = [path]
    return out
