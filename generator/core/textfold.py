"""Text folding: the one normaliser behind slugs, widget search tokens and catalog search words.

`fold` lower-cases, applies compatibility decomposition (NFKD: "ﬁ" -> "fi",
"²" -> "2") and drops combining marks ("Ström" -> "strom", "Bébé" ->
"bebe"). Letters without a decomposition (ø, æ, ß, œ) are kept as they are,
except in widget `tokens`, which spell them o, ae, ss, oe.
The widget script (themes/default/static/js/widget.js, `fold`) does the same
in the browser for context widgets; tests/core/test_textfold.py runs both on one
table of strings. Change them together.

Must not know where its output is used (but slugs are path segments: see `slugify`).
"""

from __future__ import annotations

import re
import unicodedata

from generator.core.portable_paths import device_safe

_ASCII_RUN = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"[^\W_]+")
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "œ": "oe"})  # no decomposition, but a base to match


def fold(text: str) -> str:
    """Lower-cased, compatibility-decomposed, without combining marks: "Ström ﬁl" -> "strom fil"."""
    if text.isascii():
        return text.lower()  # nothing to decompose: most product names, and 30,000 slugs per 10,000-product build
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens(text: str) -> list[str]:
    """Folded runs of a-z and 0-9 longer than one character: "Taklampa Ström-Øl" -> ["taklampa", "strom", "ol"].

    What the widget script matches a host page's words against; ø, æ, ß and œ become o, ae, ss and oe
    first, so "køkken" is one word, not "k" and "kken"."""
    return [token for token in _ASCII_RUN.findall(fold(text.lower().translate(_LETTERS))) if len(token) > 1]


def words(text: str) -> list[str]:
    """Folded runs of letters and digits in any script, as SQLite FTS5's unicode61 tokenizer splits them."""
    return _WORD.findall(fold(text))


def slugify(text: str, fallback: str = "item", *, length: int = 60) -> str:
    """ASCII slug: "Lampa Ö 12" -> "lampa-o-12". Letters without an ASCII base are dropped, never empty.

    Lower case, so two names that differ only in case get one slug; never a Windows device name ("Con"
    -> "con_"), so a slug is a path segment on every OS (portable_paths.py)."""
    folded = fold(text).encode("ascii", "ignore").decode()
    slug = "-".join(_ASCII_RUN.findall(folded))
    return device_safe(slug[:length].rstrip("-") or fallback)
