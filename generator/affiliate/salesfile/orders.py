"""Read order data (CSV or JSON lines) into a stream of validated item rows.

Owns: input formats, header detection, column names, per-line validation
and coercion (with warnings into the SalesFileReport). Yields one `ItemRow` per
order item; an order seen with no product yields a row whose product is ""
so the builder can count it as empty. Must not group, sort or write: rows
come out in input order and memory stays constant.

CSV: `order_id,product_id[,quantity][,date]`. A first row naming the order
and product columns (case-insensitive) is a header; otherwise the first two
columns are order id and product id and there are no dates. The quantity is
ignored (the sales file lists distinct products only).

JSON lines: one object per line in the sales-file shape, optionally dated:
`{"key": "122", "items": ["508", "563"], "date": "2024-05-01"}`. Numbers as
ids are coerced to strings with a warning.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from functools import lru_cache
from itertools import chain
from typing import Any

from generator.affiliate.salesfile.errors import SalesFileError
from generator.affiliate.salesfile.report import SalesFileReport


ItemRow = tuple[str, int, int, str, str]
"""One item of one order: (order key, line, position in line, product id or "", ISO date or "").

A plain tuple (not a NamedTuple) because millions are made, sorted and
spilled; it sorts by key, then input order within the order."""
KEY, LINE, POSITION, PRODUCT, DATE = range(5)


@dataclass(frozen=True)
class CsvColumns:
    """Column names in a CSV header. `date=None` uses a `date` column when there is one."""

    order: str = "order_id"
    product: str = "product_id"
    date: str | None = None


def read_orders(path: Path, report: SalesFileReport, *, columns: CsvColumns = CsvColumns(),
                fmt: str | None = None) -> Iterator[ItemRow]:
    """Rows of `path`, format from `fmt` ("csv" or "jsonl") or the file suffix."""
    fmt = fmt or ("csv" if path.suffix.lower() in (".csv", ".tsv", ".txt") else "jsonl")
    if fmt == "csv":
        return _read_csv(path, columns)
    if fmt == "jsonl":
        return _read_jsonl(path, report)
    raise SalesFileError(f"unknown order format {fmt!r}; use csv or jsonl", file=path)


def parse_date(value: str, path: Path, line: int) -> str:
    """Normalise an ISO date or date-time to yyyy-mm-dd, or raise naming the line."""
    try:
        return _iso_date(value)
    except ValueError:
        raise SalesFileError(f"date {value!r} is not an ISO date (yyyy-mm-dd)", file=path, line=line) from None


@lru_cache(maxsize=4096)
def _iso_date(value: str) -> str:
    text = value.strip()
    return date.fromisoformat(text[:10]).isoformat() if text else ""


def _read_csv(path: Path, columns: CsvColumns) -> Iterator[ItemRow]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, dialect=_sniff_dialect(handle))
        first = next(reader, None)
        if first is None:
            return
        order_at, product_at, date_at = _header_positions(first, columns, path)
        records: Iterator[tuple[int, list[str]]] = ((reader.line_num, record) for record in reader)
        if order_at is None or product_at is None:
            order_at, product_at = 0, 1
            records = chain([(1, first)], records)
        needed = max(order_at, product_at, date_at or 0) + 1
        for line, record in records:
            if not record:
                continue
            if len(record) < needed:
                raise SalesFileError(f"expected at least {needed} columns, got {len(record)}", file=path, line=line)
            key = record[order_at].strip()
            if not key:
                raise SalesFileError("missing order id; every row needs one", file=path, line=line)
            when = parse_date(record[date_at], path, line) if date_at is not None else ""
            yield key, line, 0, record[product_at].strip(), when


def _sniff_dialect(handle: Any) -> type[csv.Dialect]:
    sample = handle.read(4096)
    handle.seek(0)
    return csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel


def _header_positions(first: list[str], columns: CsvColumns,
                      path: Path) -> tuple[int | None, int | None, int | None]:
    names = [cell.strip().lower() for cell in first]
    if columns.order.lower() not in names or columns.product.lower() not in names:
        if columns.date is not None:
            raise SalesFileError(f"no header with columns {columns.order!r} and {columns.product!r}; "
                                 "a date column needs a header row", file=path, line=1)
        return None, None, None
    wanted_date = (columns.date or "date").lower()
    if columns.date is not None and wanted_date not in names:
        raise SalesFileError(f"header has no date column {columns.date!r}; columns are {', '.join(first)}",
                             file=path, line=1)
    date_at = names.index(wanted_date) if wanted_date in names else None
    return names.index(columns.order.lower()), names.index(columns.product.lower()), date_at


def _read_jsonl(path: Path, report: SalesFileReport) -> Iterator[ItemRow]:
    with path.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if text.strip():
                yield from _jsonl_order(text, line, path, report)


def _jsonl_order(text: str, line: int, path: Path, report: SalesFileReport) -> Iterator[ItemRow]:
    try:
        order = json.loads(text)
    except ValueError as error:
        raise SalesFileError(f"not valid JSON ({error.msg}); one JSON object per line", file=path,
                             line=line) from None
    if not isinstance(order, dict):
        raise SalesFileError("expected a JSON object with key and items", file=path, line=line)
    if order.get("key") in (None, ""):
        raise SalesFileError('missing "key" (the order id); every line needs one', file=path, line=line)
    key = _as_id(order["key"], "key", path, line, report)
    items = order.get("items")
    if not isinstance(items, list):
        raise SalesFileError('"items" must be an array of product ids', file=path, line=line)
    when = order.get("date")
    if when is not None and not isinstance(when, str):
        raise SalesFileError('"date" must be an ISO date string', file=path, line=line)
    when = parse_date(when or "", path, line)
    if not items:
        yield key, line, 0, "", when
    for position, item in enumerate(items):
        yield key, line, position, _as_id(item, f"items[{position}]", path, line, report), when


def _as_id(value: Any, field: str, path: Path, line: int, report: SalesFileReport) -> str:
    """A string id as is; an integral number coerced with a warning; anything else an error."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        coerced = str(value)
    elif isinstance(value, float) and value.is_integer():
        coerced = str(int(value))
    else:
        raise SalesFileError(f"{field} must be a non-empty string id, got {json.dumps(value)}",
                             file=path, line=line)
    report.warn(f"{path}:{line}: {field} is the number {value}; written as the string {coerced!r}")
    return coerced
