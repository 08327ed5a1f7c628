"""Streaming reader of a WordPress export (WXR 1.0-1.2): one `WxrItem` at a time, in bounded memory.

The file goes through defusedxml's `iterparse` (no entity declarations, no external references: an XML
bomb stops at its first `<!ENTITY`), each finished `<item>` is turned into a plain `WxrItem` and removed
from the tree, so a 500 MB export costs the memory of its largest post, not of the file. The bytes are
checked to be UTF-8 on the way in, so a broken export is one line naming the byte offset and line instead
of expat's "not well-formed (invalid token)".

WordPress writes term names, author names and titles HTML-escaped (`Tools &amp; garden`); they are
unescaped here, exactly once, so every later use (front matter, listing queries, slugs made from titles)
sees the name the site showed. Post content stays HTML, converted later.

Every problem with the file is a `WxrError`: one line naming the file, where, and what to do. This module
only reads; it never converts content or touches the site.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from generator.core.errors import ShelfpressError

WXR_VERSIONS = ("1.0", "1.1", "1.2")
_NAMESPACES = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://wellformedweb.org/CommentAPI/": "wfw",
}
_WP_NS = re.compile(r"http://wordpress\.org/export/(\d+\.\d+)/(excerpt/)?$")
_DECLARED_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
CHUNK = 64 * 1024


class WxrError(ShelfpressError):
    """The export file cannot be imported (not WXR, not UTF-8, truncated, an XML bomb)."""


@dataclass
class WxrItem:
    """One `<item>`: a post, page, attachment or any other post type, as the export has it."""

    post_id: int
    post_type: str
    status: str
    title: str = ""
    slug: str = ""
    link: str = ""
    parent: int = 0
    menu_order: int = 0
    date: str = ""  # "2019-05-04 10:30:00", site time
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    attachment_url: str = ""
    password: str = ""
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class WxrChannel:
    """What the export says about the site, all of it before the first item."""

    version: str = ""
    title: str = ""
    link: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    authors: dict[str, str] = field(default_factory=dict)  # login -> display name


class _Utf8Checked:
    """A binary file whose `read` raises WxrError at the first byte that is not UTF-8."""

    def __init__(self, raw: BinaryIO, name: str, check: bool) -> None:
        self.raw, self.name, self.check = raw, name, check
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.offset = self.lines = 0
        self.eof = False

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(CHUNK if size is None or size < 0 else size)
        if self.check:
            try:
                self.decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                bad = max(exc.start, 0)
                line = self.lines + chunk[:bad].count(b"\n") + 1
                raise WxrError(f"{self.name}:{line}: is not UTF-8 text (bad byte at offset {self.offset + bad}); "
                               "export it again from WordPress or re-save it as UTF-8") from None
        self.offset += len(chunk)
        self.lines += chunk.count(b"\n")
        self.eof = not chunk
        return chunk


def _name(tag: str) -> str:
    """'{http://wordpress.org/export/1.2/}post_id' -> 'wp:post_id'; unknown namespaces keep their local name."""
    if tag[0] != "{":
        return tag
    uri, local = tag[1:].split("}", 1)
    wp = _WP_NS.match(uri)
    if wp:
        return ("excerpt:" if wp.group(2) else "wp:") + local
    prefix = _NAMESPACES.get(uri)
    return f"{prefix}:{local}" if prefix else local


def _int(text: str | None) -> int:
    try:
        return int((text or "0").strip() or 0)
    except ValueError:
        return 0


def _item(element: Element, version: str) -> WxrItem:
    text: dict[str, str] = {}
    item = WxrItem(post_id=0, post_type="", status="")
    for child in element:
        name = _name(child.tag)
        if name == "category":
            domain, value = child.get("domain", ""), (child.text or "").strip()
            if value and domain in ("category", "post_tag"):
                (item.categories if domain == "category" else item.tags).append(html.unescape(value))
        elif name == "wp:postmeta":
            key = child.findtext(f"{{http://wordpress.org/export/{version}/}}meta_key") or ""
            item.meta[key] = child.findtext(f"{{http://wordpress.org/export/{version}/}}meta_value") or ""
        elif name != "wp:comment":
            text[name] = child.text or ""
    item.post_id = _int(text.get("wp:post_id"))
    item.post_type = text.get("wp:post_type", "").strip()
    item.status = text.get("wp:status", "").strip()
    item.title = html.unescape(text.get("title", "")).strip()
    item.slug = text.get("wp:post_name", "").strip()
    item.link = text.get("link", "").strip()
    item.parent = _int(text.get("wp:post_parent"))
    item.menu_order = _int(text.get("wp:menu_order"))
    item.date = text.get("wp:post_date", "").strip()
    item.creator = text.get("dc:creator", "").strip()
    item.content = text.get("content:encoded", "")
    item.excerpt = text.get("excerpt:encoded", "")
    item.attachment_url = text.get("wp:attachment_url", "").strip()
    item.password = text.get("wp:post_password", "")
    return item


def _declared_encoding(path: Path) -> str:
    with path.open("rb") as f:
        match = _DECLARED_ENCODING.match(f.read(200))
    return match.group(1).decode().lower() if match else "utf-8"


def read_wxr(path: Path, channel: WxrChannel | None = None) -> Iterator[WxrItem]:
    """Yield every item of the export at `path`; fill `channel` (when given) before the first item.

    Raises WxrError for a file that is not a WordPress export or cannot be read to its end.
    """
    channel = channel if channel is not None else WxrChannel()
    name = str(path)
    try:
        size = path.stat().st_size
        encoding = _declared_encoding(path)
        raw = path.open("rb")
    except OSError as exc:
        raise WxrError(f"{name}: cannot be read ({exc.strerror}); check the path") from None
    if size == 0:
        raw.close()
        raise WxrError(f"{name}: is empty; export the site again (Tools → Export → All content)")
    source = _Utf8Checked(raw, name, check=encoding.replace("_", "-") in ("utf-8", "utf8"))
    try:
        yield from _items(source, name, channel)
    except defusedxml.DefusedXmlException as exc:
        raise WxrError(f"{name}: declares XML entities or a DTD ({type(exc).__name__}), which WordPress exports "
                       "never do: this looks like an XML bomb or a tampered file; export the site again") from None
    except ParseError as exc:
        line, column = exc.position
        if source.eof:
            raise WxrError(f"{name}:{line}: the file ends in the middle of the export (truncated?); "
                           "download or export it again") from None
        reason = str(exc).split(":")[0]
        raise WxrError(f"{name}:{line}:{column + 1}: is not well-formed XML ({reason}); "
                       "export the site again") from None
    finally:
        raw.close()


def _items(source: _Utf8Checked, name: str, channel: WxrChannel) -> Iterator[WxrItem]:
    depth = 0
    channel_el: Element | None = None
    for event, element in SafeET.iterparse(source, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth == 1 and element.tag != "rss":
                raise WxrError(f"{name}: is not a WordPress export (WXR): its root element is <{_name(element.tag)}>, "
                               "not <rss>; in WordPress use Tools → Export")
            if depth == 2 and element.tag == "channel":
                channel_el = element
            elif depth == 3 and element.tag == "item" and not channel.version:
                raise WxrError(f"{name}: is an RSS feed, not a WordPress export (no wp:wxr_version); "
                               "in WordPress use Tools → Export")
            continue
        depth -= 1
        if depth != 2 or channel_el is None:
            continue
        tag = _name(element.tag)
        if tag == "item":
            yield _item(element, channel.version)
        elif tag == "wp:wxr_version":
            channel.version = (element.text or "").strip()
            if channel.version not in WXR_VERSIONS:
                raise WxrError(f"{name}: WXR version {channel.version!r} is not one this importer reads "
                               f"({', '.join(WXR_VERSIONS)})")
        elif tag == "wp:author":
            login = element.findtext(f"{{http://wordpress.org/export/{channel.version}/}}author_login") or ""
            display = element.findtext(f"{{http://wordpress.org/export/{channel.version}/}}author_display_name")
            channel.authors[login.strip()] = html.unescape(display or login).strip()
        elif tag in ("title", "link", "wp:base_site_url", "wp:base_blog_url"):
            setattr(channel, tag.removeprefix("wp:"), (element.text or "").strip())
        channel_el.remove(element)  # bounded memory: nothing finished stays in the tree
    if not channel.version:
        raise WxrError(f"{name}: is not a WordPress export (no <channel> with wp:wxr_version); "
                       "in WordPress use Tools → Export")
