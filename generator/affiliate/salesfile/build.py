"""Build the Shoptimiza sales file from order data.

Owns: the sales-file format (one compact JSON object per line, `key` a
string, `items` the distinct product ids as strings, in first-seen order;
lines sorted by key), the date window, and the counters of the report. The
output is written beside the target and swapped in atomically, so a failed
build leaves the previous file. Must not upload or publish.

Reading and validating the input is `orders.py`; grouping rows of an order
that are spread over the input is `grouping.py` (bounded memory).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from generator.core.atomic import atomic_writer
from generator.affiliate.salesfile.grouping import DEFAULT_CHUNK_ROWS, sorted_rows
from generator.affiliate.salesfile.orders import CsvColumns, ItemRow, read_orders
from generator.affiliate.salesfile.report import SalesFileReport

DEFAULT_WINDOW_MONTHS = 12


def window_start(as_of: date, months: int) -> date:
    """The first day inside a window of `months` calendar months ending at `as_of`."""
    month_index = as_of.year * 12 + as_of.month - 1 - months
    year, month = divmod(month_index, 12)
    for day in range(as_of.day, 0, -1):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue
    raise AssertionError("unreachable: day 1 always exists")


def build_sales_file(source: Path, destination: Path, *, columns: CsvColumns = CsvColumns(),
                     fmt: str | None = None, window_months: int = DEFAULT_WINDOW_MONTHS,
                     as_of: date | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> SalesFileReport:
    """Write the sales file for the orders in `source` to `destination`.

    Orders with a date are kept when it falls in the last `window_months`
    months up to `as_of` (default today; `window_months=0` keeps all).
    Orders without a date are kept and counted. Raises SalesFileError
    naming file:line for invalid input; nothing is written then.
    """
    report = SalesFileReport()
    since = window_start(as_of or date.today(), window_months).isoformat() if window_months else ""
    until = (as_of or date.today()).isoformat() if window_months else ""
    rows = sorted_rows(read_orders(source, report, columns=columns, fmt=fmt), chunk_rows=chunk_rows,
                       tmpdir=destination.parent)
    orders = _orders(rows, report, since, until)
    _write(destination, (sales_file_line(key, items) for key, items in orders), report)
    return report


def sales_file_line(key: str, items: Iterable[str]) -> str:
    """One line of the sales file, exactly as Shoptimiza expects it (without the newline)."""
    return json.dumps({"key": key, "items": list(items)}, ensure_ascii=False, separators=(",", ":"))


def _orders(rows: Iterable[ItemRow], report: SalesFileReport, since: str,
            until: str) -> Iterator[tuple[str, list[str]]]:
    for key, group in groupby(rows, key=itemgetter(0)):
        products: dict[str, None] = {}
        last_date = ""
        seen = 0
        for _key, _line, _position, product, when in group:
            if product:
                products[product] = None
                seen += 1
            if when > last_date:
                last_date = when
        report.duplicates_merged += seen - len(products)
        if not products:
            report.empty_dropped += 1
        elif since and last_date and not since <= last_date <= until:
            report.outside_window += 1
        else:
            if since and not last_date:
                report.undated += 1
            yield key, list(products)


def _write(destination: Path, lines: Iterable[str], report: SalesFileReport) -> None:
    with atomic_writer(destination) as handle:
        for line in lines:
            handle.write(line + "\n")
            report.orders_written += 1
