"""Tests for generator/render/formatting.py: prices as Babel writes them, however they are computed."""

from __future__ import annotations

import pytest
from babel.numbers import format_currency
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.render.formatting import Formatter

LOCALES = ["sv_SE", "da_DK", "nb_NO", "fi_FI", "en_US", "de_DE", "de_CH", "fr_FR", "es_ES", "nl_NL", "pl_PL",
           "pt_BR", "ja_JP", "en_IN", "ar_EG"]
CURRENCIES = ["SEK", "DKK", "NOK", "EUR", "USD", "JPY", "KWD", "INR"]
FORMATTERS = {locale: Formatter(locale) for locale in LOCALES}

prices = st.one_of(
    st.integers(0, 10**9).map(float),  # whole prices: shown without decimals
    st.decimals(0, 10**7, places=2, allow_nan=False).map(float),
    st.decimals(0, 10**5, places=3, allow_nan=False).map(float),  # rounding ties (2.675, 0.125)
    st.floats(0, 10**8, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=400, deadline=None)
@given(locale=st.sampled_from(LOCALES), currency=st.sampled_from(CURRENCIES), amount=prices)
def test_a_price_reads_as_babel_writes_it(locale: str, currency: str, amount: float) -> None:
    """Prices are formatted by a shape learnt from Babel (fast); whatever the locale, currency or amount,
    the text is Babel's own."""
    formatter = FORMATTERS[locale]
    assert formatter.price(amount, currency) == formatter._babel_price(amount, currency, amount.is_integer())
    if not amount.is_integer():
        assert formatter.price(amount, currency) == format_currency(amount, currency, locale=locale)


@pytest.mark.parametrize(("locale", "amount", "shown"), [
    ("sv_SE", 1795, "1\xa0795\xa0kr"), ("sv_SE", 1795.5, "1\xa0795,50\xa0kr"), ("sv_SE", 2.675, "2,68\xa0kr"),
    ("en_US", 1234567, "SEK1,234,567"), ("es_ES", 1234.5, "1.234,50\xa0SEK"), ("es_ES", 12345.0, "12.345\xa0SEK"),
    ("en_IN", 1234567.0, "SEK12,34,567"), ("en_IN", 1234567.5, "SEK12,34,567.50"),
])
def test_prices_in_a_few_locales(locale: str, amount: float, shown: str) -> None:
    assert Formatter(locale).price(amount, "SEK") == shown


def test_negative_and_missing_prices() -> None:
    assert FORMATTERS["sv_SE"].price(None) == ""
    assert FORMATTERS["sv_SE"].price(-12.5, "SEK") == format_currency(-12.5, "SEK", locale="sv_SE")


@pytest.mark.parametrize("locale", ["sv_SE", "da_DK", "nb_NO", "en_US", "de_DE"])
def test_the_shops_locales_take_the_learnt_shape_not_babel_per_price(locale: str) -> None:
    """The learnt shape is what makes prices cheap (Babel's per-call work was a fifth of a product page);
    a change that made these locales fall back to Babel would be a silent slowdown."""
    formatter = Formatter(locale)
    formatter.price(10, "SEK"), formatter.price(10.5, "SEK")
    assert all(formatter._shapes[("SEK", whole)] is not None for whole in (True, False))
