"""Theme CSS and JS as a reader's browser should get them: minified, and no style sheet that blocks the first paint.

Lighthouse flagged the theme's style sheets as render-blocking and its CSS and JS as unminified (issue 33).
Two things answer that, for the files of the theme chain (`theme_dirs(config, "static")`; a site's own
static/ files are published byte for byte, as the publisher wrote them):

- `ThemeAssets.output` minifies a theme's .css and .js file when the build copies it (rcssmin and rjsmin:
  small, long-maintained, pure Python with an optional C speed-up, so the same bytes on every OS).
- `ThemeAssets.inline_critical` rewrites each `<link rel="stylesheet">` of a rendered page that names a style
  sheet of the site (the theme's, or one in the site's static/, which is still published as written) into
  the sheet's critical CSS, inline, followed by the full sheet loaded without blocking
  (`media="print"` switched to `all` once loaded; a `<noscript>` link without JavaScript). The critical CSS
  of a page is every rule of the sheet, in order and inside its @media, that can match the page as written:
  a rule is kept when some selector's classes, ids and element names all occur in the page (its tags, its
  class and id attributes, and the words of its inline scripts, which add classes such as `js` before the
  first paint). So each page type carries the rules its own markup uses, nothing it does not (a listing does
  not carry the product page's gallery), and the first paint already looks as it will.

  Why the result looks the same as the blocking sheet: the inline rules come first and every one of them is
  repeated, later, by its own sheet, so once the sheets load the cascade is exactly the original one; before
  they load, the elements on the page are matched by the same rules in the same order. Only elements that
  scripts create later (filtered cards, search results) may need a rule that is not inline, and by then the
  sheet is there.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import rcssmin
import rjsmin

from generator.config.schema import Config
from generator.config.themes import theme_dirs
from generator.content.site import static_files

MINIFIERS: dict[str, Callable[[str], str]] = {".css": rcssmin.cssmin, ".js": rjsmin.jsmin}

_LINK = re.compile(r"<link\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_WORDS = re.compile(r"[\w-]+")
_CLASS = re.compile(r"""class=(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")
_ID = re.compile(r"""id=(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""")
_TAG = re.compile(r"<([a-zA-Z][\w-]*)")
# Inline scripts that run before the first paint (not src=, not JSON-LD or other data: no type=).
_SCRIPT = re.compile(r"<script(?![^>]*\s(?:src|type)=)[^>]*>(.*?)</script>", re.S)
# Parts of a selector that never need a word of the page: pseudo-classes with arguments (:not(.x) must not
# require .x), attribute selectors, pseudo-classes and -elements, strings.
_FUNCTIONAL_PSEUDO = re.compile(r"::?[\w-]+\(")
_IGNORED = re.compile(r"\[[^\]]*\]|::?[\w-]+|\"[^\"]*\"|'[^']*'")
_NEEDED = re.compile(r"[.#]?-?[_a-zA-Z][\w-]*")
# url(...) and @import "..." relative to the sheet: inline, they would resolve against the page instead.
_RELATIVE_URL = re.compile(r"""(url\(\s*['"]?|@import\s*['"])(?![a-zA-Z][\w+.-]*:|/|#)([^'")\s]+)""")
_GROUPING = ("@media", "@supports", "@layer", "@container")


def minify(path: Path) -> bytes | None:
    """`path` minified, or None when it is not CSS or JS (or is minified already: *.min.css, *.min.js)."""
    minifier = MINIFIERS.get(path.suffix.lower())
    if minifier is None or path.name.lower().endswith((".min.css", ".min.js")):
        return None
    stat = path.stat()
    return _minified(path, stat.st_mtime_ns, stat.st_size, minifier)


@functools.lru_cache(maxsize=256)
def _minified(path: Path, _mtime: int, _size: int, minifier: Callable[[str], str]) -> bytes:
    """(Keyed by mtime and size too: the dev server rebuilds in one process while the theme is edited.)"""
    text = path.read_text("utf-8")
    return minifier(text).encode("utf-8")


class ThemeAssets:
    """The theme chain's static files of one build: their published bytes, and the pages' critical CSS."""

    def __init__(self, config: Config) -> None:
        theme_layers = [layer.resolve() for layer in theme_dirs(config, "static")]
        files = static_files(config)
        self._theme_files = {rel: source for rel, source in files
                             if any(source.resolve().is_relative_to(layer) for layer in theme_layers)}
        base = config.base_path.rstrip("/")
        self._sheets: dict[str, StyleSheet] = {}
        for rel, source in files:  # the site's own sheets too: published as written, inlined minified
            if source.suffix.lower() == ".css" and config.build.inline_critical_css:
                text = (minify(source) or source.read_bytes()).decode("utf-8", "replace")
                folder = posixpath.dirname(f"{base}/{rel}") + "/"
                self._sheets[f"{base}/{rel}"] = StyleSheet.parse(_RELATIVE_URL.sub(
                    lambda m: m[1] + posixpath.normpath(folder + m[2]), text))

    def output(self, rel: str, source: Path) -> bytes:
        """The bytes to publish at `rel` for the static file `source`."""
        if self._theme_files.get(rel) == source:
            minified = minify(source)
            if minified is not None:
                return minified
        return source.read_bytes()

    def inline_critical(self, html: str) -> str:
        """`html` with each theme style sheet link of its head made critical CSS plus a non-blocking link."""
        if not self._sheets:  # [build] inline_critical_css off: pages keep their links as written
            return html
        head_end = html.find("</head>")
        if head_end < 0:
            return html
        words: frozenset[str] | None = None
        parts, last = [], 0
        for link in _LINK.finditer(html, 0, head_end):
            attributes = {m[1].lower(): m[2] if m[2] is not None else m[3] if m[3] is not None else m[4]
                          for m in _ATTRIBUTE.finditer(link[0])}
            sheet = self._sheets.get(attributes.get("href", ""))
            if sheet is None or attributes.get("rel", "").lower() != "stylesheet" or "media" in attributes:
                continue
            if words is None:
                words = page_words(html)
            href = attributes["href"]
            critical = sheet.critical(words).replace("</", "<\\/")  # (only a CSS string can hold "</": an escape)
            parts += [html[last:link.start()], f"<style>{critical}</style>",
                      f'<link rel="stylesheet" href="{href}" media="print" onload="this.media=\'all\'">',
                      f'<noscript><link rel="stylesheet" href="{href}"></noscript>']
            last = link.end()
        return "".join(parts) + html[last:] if parts else html


def page_words(html: str) -> frozenset[str]:
    """Every element name (in lower case), class and id the page has, and every word of its inline scripts.

    Found with patterns that start with a literal (fast: this runs for every page of a 10,000-page build), so
    they find a little more than there is (`data-id=` counts as `id=`, text that reads `class=x`): more words
    only ever keep a rule more."""
    words = {tag.lower() for tag in _TAG.findall(html)}
    values = [value for pattern in (_CLASS, _ID) for match in pattern.findall(html) for value in match if value]
    words.update(" ".join(values).split())
    for script in _SCRIPT.findall(html):
        words.update(_WORDS.findall(script))
    return frozenset(words)


@dataclass
class Rule:
    """One rule of a sheet: a style rule (`needs`: one set of words per selector, any of which suffices),
    a grouping at-rule (`children`) or another at-rule, always kept (`needs` None: @font-face, @keyframes)."""

    prelude: str
    body: str | None = ""
    needs: tuple[frozenset[str], ...] | None = None
    children: tuple[Rule, ...] = ()


class StyleSheet:
    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        self.universe = frozenset(word for rule in _walk(rules) for need in rule.needs or () for word in need)
        self._cache: dict[frozenset[str], str] = {}

    @classmethod
    def parse(cls, css: str) -> StyleSheet:
        rules, end = _parse_block(css, 0)
        return cls(tuple(rules))

    def critical(self, words: frozenset[str]) -> str:
        """The rules that can match a page with these words, as CSS (memoised: pages of a type share them)."""
        key = words & self.universe
        if key not in self._cache:
            self._cache[key] = "".join(_kept(self.rules, key))
        return self._cache[key]


def _walk(rules: Iterable[Rule]) -> Iterable[Rule]:
    for rule in rules:
        yield rule
        yield from _walk(rule.children)


def _kept(rules: Iterable[Rule], words: frozenset[str]) -> Iterable[str]:
    for rule in rules:
        if rule.children:
            inner = "".join(_kept(rule.children, words))
            if inner:
                yield f"{rule.prelude}{{{inner}}}"
        elif rule.needs is None or any(need <= words for need in rule.needs):
            yield f"{rule.prelude}{{{rule.body}}}" if rule.body is not None else rule.prelude


def _parse_block(css: str, start: int) -> tuple[list[Rule], int]:
    """Rules from `start` up to the `}` closing the block (or the end); returns them and the index after it."""
    rules: list[Rule] = []
    i = start
    while i < len(css):
        while i < len(css) and css[i] in " \t\r\n;":
            i += 1
        if i >= len(css) or css[i] == "}":
            return rules, i + 1
        open_at, semicolon = _find(css, i, "{"), _find(css, i, ";")
        if css[i] == "@" and semicolon < open_at:  # @import, @charset, @layer a, b;
            rules.append(Rule(css[i:semicolon + 1], body=None))  # type: ignore[arg-type]
            i = semicolon + 1
            continue
        prelude = css[i:open_at].strip()
        if prelude.lower().startswith(_GROUPING):
            children, i = _parse_block(css, open_at + 1)
            rules.append(Rule(prelude, children=tuple(children)))
            continue
        close = _closing(css, open_at)
        body = css[open_at + 1:close]
        needs = None if prelude.startswith("@") else tuple(_needs(s) for s in _selectors(prelude))
        rules.append(Rule(prelude, body=body, needs=needs))
        i = close + 1
    return rules, i


def _find(css: str, start: int, char: str) -> int:
    """Index of `char` at or after `start`, outside strings (len(css) when absent)."""
    quote = None
    for i in range(start, len(css)):
        c = css[i]
        if quote:
            if c == "\\":
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == char:
            return i
    return len(css)


def _closing(css: str, open_at: int) -> int:
    """Index of the `}` matching the `{` at `open_at` (an @keyframes body has blocks inside)."""
    depth, i = 0, open_at
    while i < len(css):
        i = min(_find(css, i, "{"), _find(css, i, "}"))
        if i == len(css):
            break
        depth += 1 if css[i] == "{" else -1
        if depth == 0:
            return i
        i += 1
    return len(css)


def _selectors(prelude: str) -> list[str]:
    """A selector list split at its top-level commas (not those inside :is(a, b))."""
    out, depth, current = [], 0, []
    for c in prelude:
        depth += c in "(["
        depth -= c in ")]"
        if c == "," and depth == 0:
            out.append("".join(current))
            current = []
        else:
            current.append(c)
    return [*out, "".join(current)]


def _needs(selector: str) -> frozenset[str]:
    """The words a page must have for `selector` to possibly match: its classes, ids and element names,
    without what stands inside pseudo-class arguments. A selector with escapes needs nothing (kept)."""
    if "\\" in selector:
        return frozenset()
    plain = _strip_functional(selector)
    plain = _IGNORED.sub(" ", plain)
    return frozenset(token[1:] if token[0] in ".#" else token.lower() for token in _NEEDED.findall(plain))


def _strip_functional(selector: str) -> str:
    """`a:not(.b) c` -> `a  c`: drop pseudo-classes with arguments, nested parentheses included."""
    while (match := _FUNCTIONAL_PSEUDO.search(selector)) is not None:
        depth, i = 1, match.end()
        while i < len(selector) and depth:
            depth += selector[i] == "("
            depth -= selector[i] == ")"
            i += 1
        selector = selector[:match.start()] + " " + selector[i:]
    return selector
