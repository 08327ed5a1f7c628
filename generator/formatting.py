"""Locale-aware formatting of prices, numbers, percentages and dates (Babel).

Babel is the well-kept source of CLDR data: "1 795 kr" for sv_SE,
"SEK 1,795.00" for en_US, without us maintaining tables. Whole prices are
shown without decimals, as shops do.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property, lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import NumberPattern, format_decimal, format_percent, parse_pattern

from .errors import ConfigError


class Formatter:
    def __init__(self, locale: str) -> None:
        try:
            self.locale = Locale.parse(locale)
        except (ValueError, UnknownLocaleError):
            raise ConfigError(f"unknown locale {locale!r}; use one like sv_SE, da_DK, nb_NO or en_US",
                              key="locale") from None
        self._price = lru_cache(maxsize=None)(self._format_price)  # one entry per distinct price: Babel is slow

    def _format_price(self, amount: float, currency: str) -> str:
        """What `babel.numbers.format_currency` gives, with the patterns parsed once, not per price."""
        if amount.is_integer():
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
