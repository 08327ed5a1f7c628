"""Cron schedules are checked field by field before they reach a workflow file (generator/core/cron.py)."""

from __future__ import annotations

import pytest

from generator.core.cron import cron_problem


@pytest.mark.parametrize("expression", ["0 */6 * * *", "15 3 * * 1-5", "0,30 8-18/2 1 jan-mar MON-FRI",
                                        "59 23 31 12 6"])
def test_valid_schedules(expression: str) -> None:
    assert cron_problem(expression) is None


@pytest.mark.parametrize(("expression", "problem"), [
    ("61 * * * *", "minute 61 is out of range 0-59"),
    ("0 0 0 * *", "day of month 0 is out of range 1-31"),
    ("0 0 * 13 *", "month 13 is out of range 1-12"),
    ("0 0 * * 7", "day of week 7 is out of range 0-6"),
    ("*/0 * * * *", "a step of 0 never matches"),
    ("30-10 * * * *", "minute range 30-10 runs backwards"),
    ("0 0 * * FUN", "'FUN' is not a valid day of week (use 0-6 or SUN, MON"),
    ("0 0 * *", "five fields"),
    ("0 0 ? * *", "'?' is not a valid day of month"),
])
def test_invalid_schedules_name_the_field(expression: str, problem: str) -> None:
    assert problem in (cron_problem(expression) or "")
