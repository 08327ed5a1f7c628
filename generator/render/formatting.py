"""Locale-aware formatting of prices, numbers, percentages and dates (Babel).

Babel is the well-kept source of CLDR data: "1 795 kr" for sv_SE,
"SEK 1,795.00" for en_US, without us maintaining tables. Whole prices are
shown without decimals, as shops do.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Decimal
from functools import cached_property, lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import NumberPattern, format_decimal, format_percent, parse_pattern

from generator.core.errors import ConfigError


class Formatter:
    def __init__(self, locale: str) -> None:
        try:
            self.locale = Locale.parse(locale)
        except (ValueError, UnknownLocaleError):
            raise ConfigError(f"unknown locale {locale!r}; use one like sv_SE, da_DK, nb_NO or en_US",
                              key="locale") from None
        self._price = lru_cache(maxsize=None)(self._format_price)  # one entry per distinct price
        self._shapes: dict[tuple[str, bool], Callable[[float], str] | None] = {}

    def _format_price(self, amount: float, currency: str) -> str:
        """What `babel.numbers.format_currency` gives, with the patterns parsed once, not per price: by the
        price's learnt shape (`_learn_shape`) where there is one, else by Babel."""
        whole = amount.is_integer()
        key = (currency, whole)
        if key not in self._shapes:
            self._shapes[key] = _learn_shape(lambda value: self._babel_price(value, currency, whole))
        fast = self._shapes[key]
        if fast is not None and amount >= 0 and math.isfinite(amount):
            return fast(amount)
        return self._babel_price(amount, currency, whole)

    def _babel_price(self, amount: float, currency: str, whole: bool) -> str:
        if whole:
            return self._whole.apply(amount, self.locale, currency=currency, currency_digits=False)
        return self._standard.apply(amount, self.locale, currency=currency)

    @cached_property
    def _standard(self) -> NumberPattern:
        return self.locale.currency_formats["standard"]

    @cached_property
    def _whole(self) -> NumberPattern:
        """The standard pattern without decimals: whole prices are shown as shops show them."""
        return parse_pattern(self._standard.pattern.split(";")[0].replace(".00", "").replace(",00", ""))

    def price(self, amount: float | int | None, currency: str = "SEK") -> str:
        if amount is None:
            return ""
        return self._price(float(amount), currency or "SEK")

    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, value: float | int) -> str:
        """30 -> "30 %" (sv) / "30%" (en): input is in percent, not a fraction."""
        return format_percent(float(value) / 100, locale=self.locale)

    def date(self, value: dt.date | None, style: str = "medium") -> str:
        return format_date(value, format=style, locale=self.locale) if value else ""


# Prices a learnt shape must format exactly as Babel does before it is used: rounding ties (Babel rounds
# the decimal text half to even), grouping from one to nine digits, and the minimum grouping some locales
# have (1234 ungrouped, 12 345 grouped).
_CHECKED_PRICES = (0.0, 0.5, 1.0, 1.5, 2.5, 9.99, 12.5, 99.995, 100.0, 0.125, 1.005, 2.675, 999.5, 1234.0, 1234.5,
                   9999.99, 12345.678, 123456.0, 1234567.25, 12345678.9, 123456789.0)
_SAMPLE = re.compile(r"(\D*)1(\D?)234(\D?)567(?:(\D+)(0+))?(\D*)")


def _learn_shape(babel: Callable[[float], str]) -> Callable[[float], str] | None:
    """A formatter for non-negative prices that writes what `babel` writes, without Babel's per-call work
    (it looks up the currency's plural name and symbol for every price: 11 us a price, against 2).

    The shape (text before and after the number, group and decimal separators, decimals) is read from
    Babel's 1234567 and then checked against Babel on `_CHECKED_PRICES`; None when the locale writes
    numbers any other way (other digits, Indian grouping), and Babel formats every price as before."""
    sample = _SAMPLE.fullmatch(babel(1234567.0))
    if sample is None or sample[2] != sample[3]:
        return None
    prefix, group, _, point, zeros, suffix = sample.groups()
    quantum = Decimal(1).scaleb(-len(zeros or ""))
    separators = str.maketrans({",": group, ".": point or ""})

    def fast(amount: float) -> str:
        return prefix + f"{Decimal(str(amount)).quantize(quantum):,f}".translate(separators) + suffix

    return fast if all(fast(price) == babel(price) for price in _CHECKED_PRICES) else None
