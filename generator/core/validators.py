"""The value checks every schema shares: whole numbers, numbers, choices.

Used by the config schema (`config.py`), front matter listings
(`products/query_plan.py`), widget tables (`widgets/spec.py`), product queries
(`sources/query.py`) and API payloads (`revenue/models.py`), so one problem
reads the same wherever it is found. Each check returns the converted value
or raises ValueError with the message only; the caller wraps it in its own
error with the file, line and key (ConfigError, QueryError, WidgetError,
PayloadError). Must not know any key or any error class but ValueError.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from generator.core.errors import did_you_mean


def whole_number(value: Any, *, minimum: int | None = None, maximum: int | None = None,
                 from_text: bool = False) -> int:
    """An int (never a bool) within the bounds given; `from_text` also accepts "12"."""
    number: Any = value
    if from_text and isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            pass
    if isinstance(number, bool) or not isinstance(number, int):
        if minimum is not None and maximum is not None:
            raise ValueError(f"expected a whole number from {minimum} to {maximum}, got {value!r}")
        raise ValueError(f"expected a whole number, got {value!r}")
    return at_least(number, minimum, maximum)


def at_least(value: Any, minimum: float | None, maximum: float | None = None) -> Any:
    """`value` when it lies within the bounds given (either may be None)."""
    if minimum is not None and maximum is not None and not minimum <= value <= maximum:
        kind = "a whole number" if isinstance(value, int) else "a number"
        raise ValueError(f"expected {kind} from {minimum} to {maximum}, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"must be at least {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"must be at most {maximum}, got {value!r}")
    return value


def number(value: Any, *, minimum: float | None = None, from_text: bool = False, decimal_comma: bool = False) -> float:
    """A finite float (never a bool); `from_text` parses strings, `decimal_comma` also "1 234,50"."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")
    result: float | None = None
    if isinstance(value, (int, float)):
        result = float(value)
    elif from_text and isinstance(value, str):
        text = value.strip().replace(" ", "").replace(",", ".") if decimal_comma else value.strip()
        try:
            result = float(text)
        except ValueError:
            pass
    if result is None:
        raise ValueError(f"expected a number, got {value!r}")
    if not math.isfinite(result):
        raise ValueError(f"expected a finite number, got {value!r}")
    if minimum is not None and result < minimum:
        raise ValueError(f"must be at least {minimum}, got {value!r}")
    return result


def choice(value: Any, choices: Sequence[str]) -> str:
    """`value` when it is one of `choices`; else a message listing them, with the nearest as a suggestion."""
    if isinstance(value, str) and value in choices:
        return value
    raise ValueError(f"{value!r} is not one of {', '.join(choices)}{did_you_mean(value, choices)}")
