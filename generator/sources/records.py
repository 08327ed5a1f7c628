"""Product records at the source boundary: what a usable value is, and what happens when one is not.

Every product shelfpress shows is parsed once by `Product.from_api` (models.py), whether it came
from the API, the catalog or an import, and that parser reads each field through a `FieldReader`
from here. The rules, so a hostile record can neither break a page nor fail a build:

- Numbers must be finite: "NaN", "Infinity" and "1e400" are not numbers. A price is above 0 and at
  most MAX_PRICE (ten million in the shop's currency: no consumer product costs more, while Babel
  and the JSON on every page still handle it exactly). A regular price may be 0 ("no sale").
- Text is a string or a plain number; an object, list or boolean is the wrong type (it would show
  as Python's repr). What no file can hold becomes U+FFFD: lone surrogates (no encoding can write
  them) and noncharacters (U+FFFE and U+FFFF are not allowed in XML 1.0, and HTML calls any of them a
  parse error); control characters other than tab and newline (C0, DEL and C1) are removed
  (`clean_text`). Text is cut to a limit below (with "…", never inside an HTML entity).
  Names that are not product fields (categories, stores, brands) are cleaned by `clean_text` too,
  so the cache, the HTML, the JSON and the XML (deals.xml, the sitemap) always encode.
- Ids are whole numbers from 1 to MAX_ID (SQLite's integer range).

A bad value drops the field (it takes its empty default) or, for what a product cannot do without
(its id, name and price), the whole product. Each drop is a `RecordIssue` naming the product id and
the field, handed to the caller's `IssueSink`; without a sink every issue raises `RecordError`,
which is what trusted, hand-made data wants. Parsing never raises anything but RecordError.

This module knows no model type and never prints: a source forwards issues to the build's Reporter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

MAX_PRICE = 10_000_000.0
MAX_ID = 2**63 - 1
NAME_CHARS = 300            # a product name: two lines of a card, a page title
DESCRIPTION_CHARS = 5_000   # about a page of text
TEXT_CHARS = 200            # brand, colour, size, category and store names, other attributes
URL_CHARS = 2_048           # what browsers and sitemaps reliably accept; a longer URL is dropped, not cut
MAX_ENTRIES = 50            # categories, images and other attributes kept per product

PRODUCT = "product"
FIELD = "field"

T = TypeVar("T")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Lone surrogates (no encoding can write them) and the noncharacters: U+FFFE and U+FFFF are not allowed in
# XML 1.0, and HTML counts every noncharacter as a parse error.
_UNWRITABLE = re.compile("[\ud800-\udfff\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17)) + "]")
_PARTIAL_ENTITY = re.compile(r"&#?\w*$")


class PayloadError(ValueError):
    """A response body does not have the shape the API documents."""


@dataclass(frozen=True)
class RecordIssue:
    """One unusable value: the product it belongs to ("?" before the id is known) and what was dropped."""

    product_id: str
    field: str
    problem: str
    dropped: str  # PRODUCT or FIELD

    @property
    def kind(self) -> str:
        """The Reporter's grouping key: repeated drops collapse into one "... and N more" line."""
        return f"dropped {'products' if self.dropped == PRODUCT else 'product fields'} (bad data from the source)"

    def __str__(self) -> str:
        outcome = "product dropped" if self.dropped == PRODUCT else "field ignored"
        return f"product {self.product_id}: {self.field}: {self.problem}; {outcome}"


IssueSink = Callable[[RecordIssue], None]
WarningSink = Callable[[str, str], None]
"""warn(message, kind): how a source tells the user what it dropped or degraded (the build passes Reporter.warn)."""


class RecordError(PayloadError):
    """A record that is no usable product (or, without a sink, any issue); carries the issue."""

    def __init__(self, issue: RecordIssue) -> None:
        super().__init__(f"product {issue.product_id}.{issue.field}: {issue.problem}")
        self.issue = issue


class IssueWarnings:
    """The IssueSink a source parses with: each distinct issue becomes one warning, however often
    the record is parsed (a product in ten queries, or served again from the cache)."""

    def __init__(self, warn: WarningSink | None) -> None:
        self._warn = warn
        self._seen: set[RecordIssue] = set()

    def __call__(self, issue: RecordIssue) -> None:
        if issue not in self._seen:
            self._seen.add(issue)
            if self._warn is not None:
                self._warn(str(issue), issue.kind)


class BadValue(ValueError):
    """A value a reader cannot use; the message says why, showing a short repr of the value."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- value readers: each returns a usable value or raises BadValue ------------------------------

def whole_id(value: Any) -> int:
    """1..MAX_ID from an int, an integral float or a string of digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadValue(f"expected an id, got {_show(value)}")
    if isinstance(value, str):
        if not value.strip().isdecimal():
            raise BadValue(f"expected an id, got {_show(value)}")
        value = int(value.strip())
    if isinstance(value, float) and not value.is_integer():
        raise BadValue(f"expected a whole number, got {_show(value)}")
    if not 1 <= value <= MAX_ID:
        raise BadValue(f"id {_show(value)} is out of range")
    return int(value)


def number(value: Any) -> float:
    """A finite float from a number or a numeric string."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadValue(f"expected a number, got {_show(value)}")
    try:
        result = float(value)
    except (ValueError, OverflowError):
        raise BadValue(f"expected a number, got {_show(value)}") from None
    if not math.isfinite(result):
        raise BadValue(f"{_show(value)} is not a finite number")
    return result


def amount(value: Any) -> float:
    """Money in the shop's currency: finite, rounded to cents, from 0 to MAX_PRICE."""
    result = round(number(value), 2)
    if result < 0:
        raise BadValue(f"amount {_show(value)} is negative")
    if result > MAX_PRICE:
        raise BadValue(f"amount {_show(value)} is above the cap of {MAX_PRICE:,.0f}")
    return result


def price(value: Any) -> float:
    """What a product costs: an amount above 0 (0 is how feeds and the API say "unknown")."""
    result = amount(value)
    if result == 0:
        raise BadValue(f"price {_show(value)} is not above 0")
    return result


def percent(value: Any) -> float:
    result = round(number(value), 2)
    if not 0 <= result <= 100:
        raise BadValue(f"{_show(value)} is not a percentage from 0 to 100")
    return result


def clean_text(value: str) -> str:
    """`value` with what no output file can hold replaced (U+FFFD) and control characters removed."""
    return _CONTROL.sub("", _UNWRITABLE.sub("\ufffd", value))


def text(value: Any, limit: int = TEXT_CHARS) -> str:
    """Clean text cut to `limit` characters; a plain number counts as text ("1984")."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BadValue(f"expected text, got {type(value).__name__} {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadValue(f"expected text, got {_show(value)}")
    cleaned = clean_text(str(value)).strip()
    if len(cleaned) <= limit:
        return cleaned
    return _PARTIAL_ENTITY.sub("", cleaned[:limit - 1]).rstrip() + "…"


def name(value: Any) -> str:
    """A product name: text that is not empty once cleaned."""
    result = text(value, NAME_CHARS)
    if not result:
        raise BadValue(f"no text in {_show(value)}")
    return result


def flag(value: Any) -> bool:
    """Yes or no from a boolean, 0/1 or "0"/"1"/"true"/"false" (any other string is yes, as feeds write it)."""
    if not isinstance(value, (bool, int, float, str)):
        raise BadValue(f"expected yes or no, got {_show(value)}")
    return str(value).strip().lower() not in ("0", "0.0", "false", "no")


def url(value: Any) -> str:
    result = text(value, URL_CHARS + 1)
    if len(result) > URL_CHARS:
        raise BadValue(f"URL longer than {URL_CHARS} characters")
    return result


def currency(value: Any) -> str:
    code = text(value)
    if not re.fullmatch(r"[A-Za-z]{3}", code):
        raise BadValue(f"expected a currency code like SEK, got {_show(value)}")
    return code.upper()


# --- the reader: a bad value drops the field or the product ------------------------------------

class FieldReader:
    """Reads one record's fields, turning each BadValue into a RecordIssue for that product."""

    def __init__(self, report: IssueSink | None) -> None:
        self._report = report
        self.product_id = "?"

    def record(self, raw: Any) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            self.drop_product("record", f"expected an object, got {type(raw).__name__}")
        return raw

    def drop_product(self, field: str, problem: str) -> NoReturn:
        raise RecordError(RecordIssue(self.product_id, field, problem, PRODUCT))

    def drop_field(self, field: str, problem: str) -> None:
        issue = RecordIssue(self.product_id, field, problem, FIELD)
        if self._report is None:
            raise RecordError(issue)
        self._report(issue)

    def required(self, read: Callable[..., T], value: Any, field: str, *args: Any) -> T:
        """`read(value)`, or the product is dropped."""
        if missing(value):
            self.drop_product(field, "missing")
        try:
            return read(value, *args)
        except BadValue as exc:
            self.drop_product(field, str(exc))

    def optional(self, read: Callable[..., T], value: Any, field: str, default: T, *args: Any) -> T:
        """`read(value)`; `default` when the value is missing, or (with an issue) unusable."""
        if missing(value):
            return default
        try:
            return read(value, *args)
        except BadValue as exc:
            self.drop_field(field, str(exc))
            return default

    def mapping(self, value: Any, field: str) -> Mapping[Hashable, Any]:
        """An object, {} for PHP's empty-array spelling (`[]`) or a missing value, else {} with an issue."""
        if missing(value) or value == []:
            return {}
        if not isinstance(value, Mapping):
            self.drop_field(field, f"expected an object, got {type(value).__name__}")
            return {}
        return value
