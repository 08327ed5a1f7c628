"""Post HTML (classic editor or Gutenberg) -> shelfpress Markdown.

    strip Gutenberg block comments      <!-- wp:paragraph --> ... <!-- /wp:paragraph -->: content kept
    wpautop                             classic posts: blank lines are paragraphs, as WordPress shows them
    rewrite links                       the old site's media and post URLs -> the new ones
    WordPress shortcodes                wp_shortcodes.convert; unknown ones kept verbatim
    markdownify                         HTML -> Markdown (a maintained converter), keeping raw HTML where
                                        Markdown would lose meaning: tables with attributes, iframes
    shelfpress shortcodes               Gutenberg image/embed/gallery figures -> figure shortcodes/iframes

Converted pieces travel through markdownify as opaque tokens, so nothing in them is escaped, and text that
happens to contain `{{<` is escaped so the build does not read it as a shortcode. This module does not
know files, front matter or the export; it converts one body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bs4 import Tag
from markdownify import MarkdownConverter

from generator.importers.wp_shortcodes import ShortcodeContext, convert, embed, figure, find_shortcodes

_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->|<!--\s*(?:more|nextpage|noteaser)\b.*?-->", re.S)
_BLOCK_START = re.compile(r"\s*(?:<(?:p|div|h[1-6]|ul|ol|li|table|figure|blockquote|pre|iframe|hr|dl|form|"
                          r"section|address|script|style|video|audio)\b|\[(?:caption|gallery|embed)\b)", re.I)
# Block elements that wpautop sets apart from the text around them (not <pre>: its blank lines are content).
_BLOCK_OPEN = re.compile(r"(<(?:ul|ol|dl|table|blockquote|h[1-6]|hr|div|figure)\b)", re.I)
_BLOCK_CLOSE = re.compile(r"(</(?:ul|ol|dl|table|blockquote|h[1-6]|div|figure)>)", re.I)
_OEMBED_LINE = re.compile(r"^[ \t]*(https?://[^\s<>\"]+)[ \t]*$", re.M)
_OEMBED_HOSTS = re.compile(r"^https?://(?:www\.|m\.)?(?:youtube\.com|youtu\.be|vimeo\.com|twitter\.com|x\.com|"
                           r"instagram\.com|open\.spotify\.com|soundcloud\.com|tiktok\.com|flickr\.com)/", re.I)
_TOKEN = re.compile(r"WPXTOKEN(\d+)X")
_URL_ATTR = re.compile(r"""((?:href|src)\s*=\s*["'])([^"']+)""", re.I)
_SRCSET = re.compile(r"""\s(?:srcset|sizes)\s*=\s*(?:"[^"]*"|'[^']*')""", re.I)


def strip_block_comments(text: str) -> str:
    return _BLOCK_COMMENT.sub("", text)


def autop(text: str) -> str:
    """WordPress's wpautop, simplified: for content written without <p>, blank lines make paragraphs and
    single newlines line breaks; block-level HTML stays as it is, and is a paragraph of its own even when
    the text around it has no blank line (a list right under a bold heading line, as the classic editor
    writes it): its own newlines are no line breaks."""
    if re.search(r"<p[\s>]", text, re.I):
        return text
    text = _BLOCK_OPEN.sub(r"\n\n\1", text.replace("\r\n", "\n"))
    text = _BLOCK_CLOSE.sub(r"\1\n\n", text)
    out = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        if not chunk.strip():
            continue
        if _BLOCK_START.match(chunk) or _OEMBED_LINE.fullmatch(chunk.strip()):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.strip().replace("\n", "<br />\n") + "</p>")
    return "\n\n".join(out)


class _Converter(MarkdownConverter):
    """markdownify with WordPress's figures, embeds, iframes and attribute-laden tables."""

    def __init__(self, context: ShortcodeContext, tokens: list[str], **options: Any) -> None:
        super().__init__(heading_style="atx", bullets="-", escape_misc=False, **options)
        self.context, self.tokens = context, tokens

    def token(self, text: str, block: bool = True) -> str:
        self.tokens.append(text)
        mark = f"WPXTOKEN{len(self.tokens) - 1}X"
        return f"\n\n{mark}\n\n" if block else mark

    def convert_iframe(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return self.token(str(el))

    def convert_table(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        cells = el.find_all(["table", "td", "th", "tr"])
        if el.attrs or any(cell.attrs for cell in cells) or el.find(["table", "ul", "ol", "p", "img"]):
            return self.token(str(el))  # Markdown tables have no attributes, spans or blocks in cells
        return super().convert_table(el, text, parent_tags)  # type: ignore[no-any-return]

    def convert_figure(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        classes = el.get("class") or []
        if "wp-block-embed" in classes or any(c.startswith("wp-block-embed") for c in classes):
            url = el.get_text(" ", strip=True).split(" ")[0]
            if _TOKEN.fullmatch(url):  # the URL line was already an oEmbed token
                return f"\n\n{url}\n\n"
            return self.token(embed(url)) if url else ""
        if "wp-block-gallery" in classes:
            return self.token(f'\n\n<div class="gallery">\n{text.strip()}\n</div>\n\n')
        img = el.find("img")
        if img is None or not img.get("src"):
            return "\n\n" + text.strip() + "\n\n"
        caption = el.find("figcaption")
        return self.token(figure(str(img["src"]), str(img.get("alt") or ""),
                                 caption.get_text(" ", strip=True) if caption else "",
                                 str(img.get("width") or ""), str(img.get("height") or "")),
                          block="_inline" not in parent_tags and "figure" not in parent_tags)


def rewrite_urls(text: str, rewrite: Callable[[str], str]) -> str:
    """Every href/src through `rewrite` (old site -> new site); srcset/sizes go: they name remote sizes."""
    text = _SRCSET.sub("", text)
    return _URL_ATTR.sub(lambda m: m.group(1) + rewrite(m.group(2)), text)


def to_markdown(html: str, context: ShortcodeContext, rewrite: Callable[[str], str]) -> str:
    """The Markdown body of one post's HTML; unknown and Shopello shortcodes are recorded in `context`."""
    text = autop(strip_block_comments(html))
    text = rewrite_urls(text, rewrite)
    tokens: list[str] = []
    pieces, pos = [], 0
    for shortcode in find_shortcodes(text):
        replacement = convert(shortcode, context)
        if replacement is None:
            replacement = text[shortcode.start:shortcode.end]
        pieces.append(text[pos:shortcode.start])
        tokens.append(replacement)
        block = replacement.startswith("{{<") or replacement.startswith("\n")
        pieces.append(f"<div>WPXTOKEN{len(tokens) - 1}X</div>" if block else f"WPXTOKEN{len(tokens) - 1}X")
        pos = shortcode.end
    pieces.append(text[pos:])
    text = "".join(pieces)
    text = _OEMBED_LINE.sub(lambda m: _oembed_token(m.group(1), tokens), text)
    markdown = _Converter(context, tokens).convert(text)
    markdown = markdown.replace("{{<", "{{&lt;")  # the post's own text: never a shelfpress shortcode
    markdown = _expand_tokens(markdown, tokens)
    return re.sub(r"\n{3,}", "\n\n", markdown).strip() + "\n"


def _expand_tokens(markdown: str, tokens: list[str]) -> str:
    """Put the converted pieces back. A piece may hold earlier ones (a Gutenberg gallery's nested image
    figures): each is expanded in order, so only from earlier, already expanded pieces. A token-like text
    the post itself wrote that names no piece stays as it is."""
    def expanded(below: int) -> Callable[[re.Match[str]], str]:
        return lambda m: tokens[int(m.group(1))] if int(m.group(1)) < below else m.group(0)

    for i, piece in enumerate(tokens):
        tokens[i] = _TOKEN.sub(expanded(i), piece)
    return _TOKEN.sub(expanded(len(tokens)), markdown)


def _oembed_token(url: str, tokens: list[str]) -> str:
    if not _OEMBED_HOSTS.match(url):
        return url
    tokens.append(embed(url))
    return f"<div>WPXTOKEN{len(tokens) - 1}X</div>"
