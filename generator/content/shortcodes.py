"""Hugo-style shortcodes, parsed statically from Markdown source.

    {{< products query="lampa" category_id="432" limit=8 >}}
    {{< callout type="warning" >}}Inner **Markdown**{{< /callout >}}
    {{< callout text="No inner Markdown" />}}

Parsing never executes templates: it yields `Shortcode` values (name, typed
parameters, optional inner Markdown, line and column), so the build knows
every shortcode's parameters — e.g. every product query of the site —
before anything renders. Each shortcode in the text is replaced by a
placeholder token that survives Markdown; `substitute` swaps rendered HTML
back in. Shortcodes inside fenced code blocks are left as text, so docs can
show them. A shortcode without a closing tag has `inner = None`; writing it
self-closing (`/>}}`, as in Hugo) says that is intended, so
`shortcode_closing.py` can tell a forgotten closing tag from none.

This module does not know which shortcodes exist; the renderer checks names
against the theme's `shortcodes/<name>.html` templates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.core.errors import ContentError

OPEN = "{{<"
CLOSE = ">}}"
_NAME = re.compile(r"\s*(/?)([A-Za-z][\w-]*)")
_PARAM = re.compile(r"""\s*([A-Za-z_][\w-]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^\s"']+)""")
_SELF_CLOSING = re.compile(r"(?:^|[\s\"'])(/)\s*$")  # `{{< name a="b" />}}`, not `src=/img/`
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})", re.MULTILINE)
PLACEHOLDER = "SPSC{}X"
_PLACEHOLDER_RE = re.compile(r"<p>\s*SPSC(\d+)X\s*</p>|SPSC(\d+)X")


def template_name(name: str) -> str:
    """The template that renders the shortcode `name`."""
    return f"shortcodes/{name}.html"


@dataclass(frozen=True)
class Shortcode:
    name: str
    params: tuple[tuple[str, Any], ...]
    inner: str | None
    line: int
    column: int
    self_closing: bool = False

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def template(self) -> str:
        return template_name(self.name)


def _scalar(raw: str) -> Any:
    """Typed value: quoted -> str, true/false -> bool, numbers -> int/float, else str."""
    if raw[0] in "\"'":
        body = raw[1:-1]
        return re.sub(r"\\(.)", r"\1", body) if raw[0] == '"' else body
    if raw in ("true", "false"):
        return raw == "true"
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if re.fullmatch(r"-?\d+\.\d+", raw):
        return float(raw)
    return raw


def _fenced_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges covered by fenced code blocks (``` or ~~~)."""
    ranges, start, fence = [], None, ""
    for match in _FENCE.finditer(text):
        marker = match.group(1)
        if start is None:
            start, fence = match.start(), marker
        elif marker[0] == fence[0] and len(marker) >= len(fence):
            ranges.append((start, match.end()))
            start = None
    if start is not None:
        ranges.append((start, len(text)))
    return ranges


def _position(text: str, offset: int, line_offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1 + line_offset
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


@dataclass
class _Tag:
    start: int
    end: int
    closing: bool
    name: str
    params: tuple[tuple[str, Any], ...]
    self_closing: bool = False


def _tags(text: str, file: Path | str, line_offset: int) -> list[_Tag]:
    fenced = _fenced_ranges(text)
    tags: list[_Tag] = []
    pos = 0
    while True:
        start = text.find(OPEN, pos)
        if start < 0:
            return tags
        if any(a <= start < b for a, b in fenced):
            pos = start + len(OPEN)
            continue
        end = text.find(CLOSE, start)
        nested = text.find(OPEN, start + len(OPEN))
        if end < 0 or (0 <= nested < end):
            line, col = _position(text, start, line_offset)
            raise ContentError("unterminated shortcode: '{{<' without a closing '>}}'", file=file, line=line,
                               column=col)
        inside = text[start + len(OPEN):end]
        tags.append(_parse_tag(inside, start, end + len(CLOSE), text, file, line_offset))
        pos = end + len(CLOSE)


def _parse_tag(inside: str, start: int, end: int, text: str, file: Path | str, line_offset: int) -> _Tag:
    line, col = _position(text, start, line_offset)
    head = _NAME.match(inside)
    if not head:
        raise ContentError(f"malformed shortcode {{{{<{inside}>}}}}: expected a name like {{{{< callout >}}}}",
                           file=file, line=line, column=col)
    params: list[tuple[str, Any]] = []
    rest = inside[head.end():]
    slash = None if head.group(1) else _SELF_CLOSING.search(rest)
    if slash:
        rest = rest[:slash.start(1)]
    while rest.strip():
        match = _PARAM.match(rest)
        if not match:
            raise ContentError(f"malformed shortcode parameter {rest.strip()!r} in '{head.group(2)}': "
                               "write key=\"value\"", file=file, line=line, column=col)
        params.append((match.group(1), _scalar(match.group(2))))
        rest = rest[match.end():]
    names = [k for k, _ in params]
    duplicate = next((k for k in names if names.count(k) > 1), None)
    if duplicate:
        raise ContentError(f"shortcode '{head.group(2)}' sets {duplicate!r} twice", file=file, line=line, column=col)
    return _Tag(start, end, head.group(1) == "/", head.group(2), tuple(params), slash is not None)


def extract(text: str, file: Path | str, line_offset: int = 0) -> tuple[str, list[Shortcode]]:
    """Replace every shortcode with a placeholder; return the new text and the shortcodes in order.

    `line_offset` is the number of lines before `text` in the file (front matter),
    so error positions point into the real file.
    """
    tags = _tags(text, file, line_offset)
    shortcodes: list[Shortcode] = []
    pieces: list[str] = []
    pos = 0
    i = 0
    while i < len(tags):
        tag = tags[i]
        line, col = _position(text, tag.start, line_offset)
        if tag.closing:
            raise ContentError(f"closing {{{{< /{tag.name} >}}}} without an opening one", file=file, line=line,
                               column=col)
        closer = None if tag.self_closing else next(
            (j for j in range(i + 1, len(tags)) if tags[j].name == tag.name), None)
        if closer is not None and tags[closer].closing:
            inner_tags = tags[i + 1:closer]
            if inner_tags:
                nested_line, nested_col = _position(text, inner_tags[0].start, line_offset)
                raise ContentError("shortcodes cannot be nested inside another shortcode", file=file,
                                   line=nested_line, column=nested_col)
            inner = text[tag.end:tags[closer].start]
            end = tags[closer].end
            i = closer + 1
        else:
            inner, end = None, tag.end
            i += 1
        pieces.append(text[pos:tag.start])
        pieces.append(PLACEHOLDER.format(len(shortcodes)))
        shortcodes.append(Shortcode(tag.name, tag.params, inner, line, col, tag.self_closing))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces), shortcodes


def substitute(html: str, render: Callable[[int], str]) -> str:
    """Put each shortcode's rendered HTML where its placeholder landed (unwrapping a lone <p>)."""
    return _PLACEHOLDER_RE.sub(lambda m: render(int(m.group(1) or m.group(2))), html)
