"""Date ranges for revenue queries: explicit periods, the partner API's
named ranges, and the dd-mm-yyyy dates Shopper sends.

A named range is resolved locally (weeks start on Monday, quarters are
calendar quarters) when the ledger needs days; the partner API also accepts
the name itself. Must not: touch the network, the ledger or the clock
(callers pass `today`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from generator.core.errors import ShelfpressError

NAMED_RANGES = ("today", "yesterday", "currentweek", "lastweek", "currentmonth", "lastmonth",
                "currentquarter", "lastquarter")


class PeriodError(ShelfpressError):
    """A date or date range that cannot be used."""


@dataclass(frozen=True)
class Period:
    """Inclusive range of days."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodError(f"the range ends ({self.end}) before it starts ({self.start})")

    def days(self) -> Iterator[dt.date]:
        day = self.start
        while day <= self.end:
            yield day
            day += dt.timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


Span = Period | str
"""What a partner revenue call covers: a Period or one of NAMED_RANGES."""


def check_named(name: str) -> str:
    if name not in NAMED_RANGES:
        raise PeriodError(f"unknown range {name!r}; use one of {', '.join(NAMED_RANGES)}")
    return name


def span_path(span: Span) -> str:
    """The path tail the partner API expects: `2024-02-01/2024-02-29/` or `lastmonth/`."""
    if isinstance(span, Period):
        return f"{span.start.isoformat()}/{span.end.isoformat()}/"
    return f"{check_named(span)}/"


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _month_end(start: dt.date) -> dt.date:
    following = dt.date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def resolve(name: str, today: dt.date) -> Period:
    """The days a named range covers on `today`."""
    one = dt.timedelta(days=1)
    monday = today - dt.timedelta(days=today.weekday())
    month = today.replace(day=1)
    quarter = _quarter_start(today)
    previous_quarter = _quarter_start(quarter - one)
    periods = {
        "today": (today, today),
        "yesterday": (today - one, today - one),
        "currentweek": (monday, monday + 6 * one),
        "lastweek": (monday - 7 * one, monday - one),
        "currentmonth": (month, _month_end(month)),
        "lastmonth": ((month - one).replace(day=1), month - one),
        "currentquarter": (quarter, _month_end(quarter.replace(month=quarter.month + 2))),
        "lastquarter": (previous_quarter, quarter - one),
    }
    return Period(*periods[check_named(name)])


def parse_iso(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"{what}: expected a date like 2024-02-01, got {text!r}") from None


def parse_dmy(text: str) -> dt.date | None:
    """Shopper's dd-mm-yyyy; None for an empty value. Raises ValueError when unreadable."""
    text = (text or "").strip()
    if not text:
        return None
    return dt.datetime.strptime(text, "%d-%m-%Y").date()


def choose(start: str | None, end: str | None, named: str | None, today: dt.date,
           default: str = "lastmonth") -> Period:
    """The period a command asked for: --from/--to, or --range, or `default`."""
    if named and (start or end):
        raise PeriodError("give either --range or --from/--to, not both")
    if start or end:
        first = parse_iso(start, "--from") if start else None
        last = parse_iso(end, "--to") if end else today
        return Period(first or last, last)
    return resolve(named or default, today)
