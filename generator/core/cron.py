"""Cron schedules as GitHub Actions reads them: five POSIX fields, in UTC.

A schedule goes into a workflow file, where a bad one (`61 * * * *`) fails
only later, on GitHub, with no build ever running; so it is checked here,
field by field, and the message names the field and its range.
This module does not write files.
"""

from __future__ import annotations

import re

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# name, lowest, highest, the names that may stand for numbers (the first one means `lowest`)
FIELDS = (("minute", 0, 59, ()), ("hour", 0, 23, ()), ("day of month", 1, 31, ()), ("month", 1, 12, MONTHS),
          ("day of week", 0, 6, DAYS))
_ITEM = re.compile(r"(\*|\w+(?:-\w+)?)(?:/(\d+))?")


def cron_problem(expression: str) -> str | None:
    """What is wrong with a cron expression, or None when GitHub Actions accepts it."""
    parts = expression.split()
    if len(parts) != len(FIELDS):
        return f"a cron schedule has five fields (minute hour day-of-month month day-of-week), not {len(parts)}"
    for text, field in zip(parts, FIELDS):
        for item in text.split(","):
            problem = _item_problem(item, *field)
            if problem:
                return problem
    return None


def _item_problem(item: str, name: str, low: int, high: int, names: tuple[str, ...]) -> str | None:
    match = _ITEM.fullmatch(item)
    if not match:
        return f"{item!r} is not a valid {name}: use a number, a range a-b, a step */n or a list a,b"
    span, step = match.groups()
    if step is not None and int(step) == 0:
        return f"{item!r}: a step of 0 never matches; use */1 or *"
    if span == "*":
        return None
    values = []
    for value in span.split("-"):
        if value.upper() in names:
            values.append(names.index(value.upper()) + low)
        elif value.isdigit():
            values.append(int(value))
        else:
            return f"{value!r} is not a valid {name}" + (f" (use {low}-{high} or {', '.join(names)})" if names else "")
        if not low <= values[-1] <= high:
            return f"{name} {value} is out of range {low}-{high}"
    if len(values) == 2 and values[0] > values[1]:
        return f"{name} range {span} runs backwards; write the smaller value first"
    return None
