"""WordPress shortcodes (`[caption]`, `[gallery]`, `[embed]`, `[shopello_products]`, ...) in post HTML.

Finds them, parses their attributes the way WordPress does (`a="x"`, `a='x'`, `a=x`, positional values),
and turns the ones shelfpress has an equivalent for into shelfpress shortcodes or HTML:

    [caption]<img ...> Text[/caption]   -> {{< figure src=... alt=... caption="Text" >}}
    [gallery ids="1,2"] / [gallery]      -> <div class="gallery"> with one figure per attachment
    [embed]URL[/embed], oEmbed URLs      -> a YouTube/Vimeo iframe, else a link

Everything else stays in the text verbatim; the caller lists it in the report. This module knows nothing of
the export file or of Markdown: it maps one shortcode to its replacement text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

SHOPELLO = ("shopello_products", "shopello_result", "shopello_filters", "shopello_search")
_OPEN = re.compile(r"\[(\[?)([A-Za-z][\w-]*)((?:\s+[^\]]*?)?)\s*(/?)\](\]?)")
_ATTR = re.compile(r"""([\w-]+)\s*=\s*"([^"]*)"|([\w-]+)\s*=\s*'([^']*)'|([\w-]+)\s*=\s*([^\s'"]+)|"([^"]*)"|(\S+)""")
_YOUTUBE = re.compile(r"^https?://(?:www\.|m\.)?(?:youtube\.com/watch|youtu\.be/)", re.I)
_VIMEO = re.compile(r"^https?://(?:www\.)?vimeo\.com/(\d+)", re.I)


@dataclass(frozen=True)
class WpShortcode:
    name: str
    attrs: dict[str, str]
    inner: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Attachment:
    """What a figure needs of a media library item."""

    url: str
    alt: str = ""
    caption: str = ""
    parent: int = 0
    order: int = 0


@dataclass
class ShortcodeContext:
    """What converting one post's shortcodes needs and finds."""

    post_id: int
    attachments: Mapping[int, Attachment]
    children: Mapping[int, list[int]]  # post id -> ids of its attachments, in menu order
    local_url: Callable[[str], str]  # remote media URL -> the URL the new site uses
    unknown: list[str] = field(default_factory=list)
    shopello: dict[str, dict[str, str]] = field(default_factory=dict)


def parse_attrs(text: str) -> dict[str, str]:
    """WordPress's shortcode_parse_atts: names lower-cased, positional values under "0", "1", ..."""
    attrs: dict[str, str] = {}
    position = 0
    for match in _ATTR.finditer(text.replace("\u00a0", " ")):
        if match.group(1):
            attrs[match.group(1).lower()] = match.group(2)
        elif match.group(3):
            attrs[match.group(3).lower()] = match.group(4)
        elif match.group(5):
            attrs[match.group(5).lower()] = match.group(6)
        else:
            attrs[str(position)] = match.group(7) if match.group(7) is not None else match.group(8)
            position += 1
    return {k: html.unescape(v) for k, v in attrs.items()}


def find_shortcodes(text: str) -> list[WpShortcode]:
    """Every shortcode in `text`, outermost only; `[[name]]` (WordPress's escape) comes with no name and the
    text to show as `inner`."""
    found: list[WpShortcode] = []
    pos = 0
    while True:
        match = _OPEN.search(text, pos)
        if match is None:
            return found
        if match.group(1) and match.group(5):  # [[escaped]]: WordPress shows it as [escaped]
            found.append(WpShortcode("", {}, match.group(0)[1:-1], match.start(), match.end()))
            pos = match.end()
            continue
        name = match.group(2)
        closer = None if match.group(4) else text.find(f"[/{name}]", match.end())
        if closer is not None and closer >= 0:
            inner, end = text[match.end():closer], closer + len(name) + 3
        else:
            inner, end = None, match.end()
        found.append(WpShortcode(name.lower(), parse_attrs(match.group(3)), inner, match.start(), end))
        pos = end


def quote(value: object) -> str:
    """A shelfpress shortcode parameter value: double-quoted, with `"` and `\\` escaped, on one line."""
    text = " ".join(str(value).split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def figure(src: str, alt: str = "", caption: str = "", width: str = "", height: str = "") -> str:
    params = [f"src={quote(src)}", f"alt={quote(alt)}"]
    if caption:
        params.append(f"caption={quote(caption)}")
    params += [f"{k}={v}" for k, v in (("width", width), ("height", height)) if v.isdigit()]
    return "{{< figure " + " ".join(params) + " >}}"


def caption(shortcode: WpShortcode, context: ShortcodeContext) -> str | None:
    """[caption]<a><img></a> Text[/caption] -> a figure; None (keep verbatim) when it holds no image."""
    soup = BeautifulSoup(shortcode.inner or "", "html.parser")
    img = soup.find("img")
    if img is None or not img.get("src"):
        return None
    src, alt = str(img["src"]), str(img.get("alt") or "")
    width, height = str(img.get("width") or shortcode.attrs.get("width", "")), str(img.get("height") or "")
    for tag in soup.find_all(["a", "img"]):
        if tag.name == "img" or not tag.get_text(strip=True):
            tag.decompose()
    text = shortcode.attrs.get("caption") or soup.get_text(" ", strip=True)
    return figure(context.local_url(src), alt, text, width, height)


def gallery(shortcode: WpShortcode, context: ShortcodeContext) -> str:
    """[gallery ids="3,4"] (or the post's own attachments) -> figures in a `<div class="gallery">`."""
    ids_text = shortcode.attrs.get("ids") or shortcode.attrs.get("include") or ""
    ids = [int(i) for i in re.findall(r"\d+", ids_text)] or context.children.get(context.post_id, [])
    figures = []
    for media_id in ids:
        item = context.attachments.get(media_id)
        if item is None:
            context.unknown.append(f"gallery image {media_id} (not in the export)")
            continue
        figures.append(figure(context.local_url(item.url), item.alt, item.caption))
    columns = shortcode.attrs.get("columns", "3")
    columns = columns if columns.isdigit() else "3"
    return f'\n\n<div class="gallery gallery-columns-{columns}">\n' + "\n".join(figures) + "\n</div>\n\n"


def embed(url: str) -> str:
    """An oEmbed URL -> a responsive-ready iframe for YouTube/Vimeo, else a plain link."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return html.escape(url)
    video = ""
    if _YOUTUBE.match(url):
        video_id = parse_qs(parts.query).get("v", [""])[0] if "watch" in parts.path else parts.path.strip("/")
        if re.fullmatch(r"[\w-]{6,20}", video_id):
            video = f"https://www.youtube-nocookie.com/embed/{video_id}"
    elif _VIMEO.match(url):
        video = f"https://player.vimeo.com/video/{_VIMEO.match(url).group(1)}"  # type: ignore[union-attr]
    if video:
        return (f'\n\n<iframe class="embed" src="{html.escape(video)}" width="560" height="315" loading="lazy" '
                'allowfullscreen title="Video"></iframe>\n\n')
    return f"<{url}>" if " " not in url else html.escape(url)


def convert(shortcode: WpShortcode, context: ShortcodeContext) -> str | None:
    """The replacement text of one shortcode; "" drops it; None keeps it verbatim (and lists it)."""
    if not shortcode.name:
        return shortcode.inner
    if shortcode.name in SHOPELLO:
        context.shopello[shortcode.name] = shortcode.attrs
        return ""
    if shortcode.name in ("caption", "wp_caption"):
        converted = caption(shortcode, context)
    elif shortcode.name == "gallery":
        converted = gallery(shortcode, context)
    elif shortcode.name == "embed":
        converted = embed(shortcode.inner or shortcode.attrs.get("src", ""))
    else:
        converted = None
    if converted is None:
        context.unknown.append(shortcode.name)
    return converted
