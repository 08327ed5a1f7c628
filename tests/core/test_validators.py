"""generator/core/validators.py: one wording per problem, whichever schema finds it."""

from __future__ import annotations

import pytest

from generator.core.validators import at_least, choice, number, whole_number


@pytest.mark.parametrize(("call", "message"), [
    (lambda: whole_number("3"), "expected a whole number, got '3'"),
    (lambda: whole_number(True), "expected a whole number, got True"),
    (lambda: whole_number(0, minimum=1), "must be at least 1, got 0"),
    (lambda: whole_number(7, minimum=1, maximum=6), "expected a whole number from 1 to 6, got 7"),
    (lambda: whole_number(2.5, minimum=1, maximum=6), "expected a whole number from 1 to 6, got 2.5"),
    (lambda: whole_number("x", from_text=True), "expected a whole number, got 'x'"),
    (lambda: number("abc", from_text=True), "expected a number, got 'abc'"),
    (lambda: number("inf", from_text=True), "expected a finite number, got 'inf'"),
    (lambda: number("-1", minimum=0, from_text=True), "must be at least 0, got '-1'"),
    (lambda: number(False), "expected a number, got False"),
    (lambda: choice("lsit", ("grid", "list")), "'lsit' is not one of grid, list; did you mean 'list'?"),
    (lambda: at_least(0.5, 1), "must be at least 1, got 0.5"),
])
def test_messages(call, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        call()
    assert str(caught.value) == message


def test_values() -> None:
    assert whole_number(" 12 ", from_text=True) == 12 and whole_number(4, minimum=1, maximum=48) == 4
    assert number("1 234,50", from_text=True, decimal_comma=True) == 1234.5 and number(3) == 3.0
    assert choice("grid", ("grid",)) == "grid"
