"""Guards for untrusted data (API responses, feeds) on its way into HTML.

Only http(s) and site-relative URLs may reach an href or src: anything else
(`javascript:`, `data:`, `vbscript:`, protocol tricks hidden by whitespace
or entities) becomes "". Descriptions become plain text: HTML entities are
decoded once and tags stripped (markupsafe's `striptags`); autoescaping then
makes the text safe.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from markupsafe import Markup

_ALLOWED_SCHEMES = ("http", "https")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


# An http(s) URL with a plain host (letters, digits, dots, dashes; a port) and printable ASCII after it: what
# almost every product, image and click URL looks like. Entities or control characters in its path cannot
# change its scheme or host, so it passes as it is, without the full check (40,000 image URLs per build).
_PLAIN_HTTP_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]*)?(?:[/?#][!-~]*)?")


def safe_url(value: object) -> str:
    """`value` if it is an http(s) URL or a site-relative path, else ""."""
    if value is None:
        return ""
    text = str(value).strip()
    if _PLAIN_HTTP_URL.fullmatch(text):
        return text
    return _checked_url(text)


def _checked_url(text: str) -> str:
    """The full check: entities decoded and control characters dropped before the scheme is read."""
    if not text:
        return ""
    probe = _CONTROL.sub("", html.unescape(text))
    if probe.startswith(("/", "#", "?")) and not probe.startswith("//"):
        return text
    try:
        parts = urlsplit(probe)
    except ValueError:
        return ""
    if parts.scheme.lower() in _ALLOWED_SCHEMES and parts.netloc:
        return text
    return ""


def plain_text(value: object) -> str:
    """Entities decoded once, tags and comments removed (markupsafe's striptags), whitespace collapsed:
    text to be autoescaped."""
    if value is None:
        return ""
    text = str(value)
    if "&" in text:  # the checks skip the slow steps for the common text without entities or tags
        text = html.unescape(text)
    if "<" in text:
        # Entities are decoded already (entity-encoded markup from a feed is stripped too); striptags decodes
        # its result, so `&` is re-escaped to keep that a single decoding. A space before each tag keeps
        # "a<br>b" two words.
        return Markup(text.replace("&", "&amp;").replace("<", " <")).striptags()
    words = " ".join(text.split())  # every Unicode space (no-break too) collapsed, as `\s+` would
    # The text itself when nothing changed: a build keeps these for every product it shows (names, brands,
    # stores), and a copy of each would double what a million products' short texts take.
    return text if type(text) is str and words == text else words


def plain_text_head(value: object, length: int) -> str:
    """`plain_text(value)[:length]`, read from the start of `value` only when that gives the same: a
    product page's meta description is the first 155 characters of a description of any length.

    Without entities or tags, plain text is the words joined by single spaces, and the words of a prefix
    are the first words of the whole (the last maybe cut short): its plain text is a prefix of the whole's."""
    text = "" if value is None else str(value)
    if "&" in text or "<" in text:
        return plain_text(text)[:length]
    head = text[:2 * length]
    words = " ".join(head.split())
    return words[:length] if len(words) >= length or len(head) == len(text) else plain_text(text)[:length]


def url_host(text: str) -> str:
    """The host an address names, as shops are compared: lower case, without "www.", port or a final dot; a
    bare "www.shop.se" counts as https. "" when it names none."""
    text = text.strip()
    try:
        host = urlsplit(text if "://" in text else "https://" + text).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.").rstrip(".")
