"""Sales file build: format, validation with line numbers, window, streaming."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest

from generator.affiliate.salesfile import CsvColumns, SalesFileError, SalesFileReport, build_sales_file
from generator.affiliate.salesfile.build import window_start
from generator.affiliate.salesfile.grouping import sorted_rows

# The seed's sample: orders 122, 139, 144 and 155; order 122 has 508, 563, 572 and 807.
SEED_SAMPLE = (
    '{"key":"122","items":["508","563","572","807"]}\n'
    '{"key":"139","items":["508","1003"]}\n'
    '{"key":"144","items":["123"]}\n'
    '{"key":"155","items":["563","572"]}\n'
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def build(tmp_path: Path, name: str, text: str, **options) -> tuple[str, SalesFileReport]:
    out = tmp_path / "sales.jsonl"
    report = build_sales_file(write(tmp_path, name, text), out, **options)
    return out.read_text(encoding="utf-8"), report


def test_seed_sample_round_trips_byte_for_byte(tmp_path):
    text, report = build(tmp_path, "orders.jsonl", SEED_SAMPLE)
    assert text == SEED_SAMPLE
    assert report.orders_written == 4 and not report.warnings


def test_csv_with_header_quantity_ignored_and_duplicates_merged(tmp_path):
    text, report = build(tmp_path, "orders.csv",
                         "order_id,product_id,quantity\n888,123,1000\n122,508,1\n122,563,2\n122,508,1\n")
    assert text == '{"key":"122","items":["508","563"]}\n{"key":"888","items":["123"]}\n'
    assert report.duplicates_merged == 1


def test_csv_without_header_uses_first_two_columns(tmp_path):
    text, _ = build(tmp_path, "orders.csv", "7,a,3\n7,b,1\n")
    assert text == '{"key":"7","items":["a","b"]}\n'


def test_csv_configurable_column_names_and_tabs(tmp_path):
    text, _ = build(tmp_path, "orders.tsv", "Qty\tSKU\tOrder\n1\tx-1\tA9\n2\tx-2\tA9\n",
                    columns=CsvColumns(order="order", product="sku"))
    assert text == '{"key":"A9","items":["x-1","x-2"]}\n'


def test_non_ascii_ids_are_written_as_utf8(tmp_path):
    text, _ = build(tmp_path, "orders.jsonl", '{"key":"ö-1","items":["skjorta/blå"]}\n')
    assert text == '{"key":"ö-1","items":["skjorta/blå"]}\n'


@pytest.mark.parametrize("name, content, line, words", [
    ("o.jsonl", '{"key":"1","items":["a"]}\n{"items":["a"]}\n', 2, 'missing "key"'),
    ("o.jsonl", '{"key":"1","items":["a"]}\n\n{"key":"","items":["a"]}\n', 3, 'missing "key"'),
    ("o.jsonl", '{"key":"1","items":"a"}\n', 1, '"items" must be an array'),
    ("o.jsonl", '{"key":"1","items":[null]}\n', 1, "items[0] must be a non-empty string id, got null"),
    ("o.jsonl", '{"key":"1","items":[true]}\n', 1, "items[0] must be a non-empty string id"),
    ("o.jsonl", '{"key":"1","items":[1.5]}\n', 1, "items[0] must be a non-empty string id, got 1.5"),
    ("o.jsonl", '{"key":"1","items":["a"]}\n{"key": 2, "items": [\n', 2, "not valid JSON"),
    ("o.jsonl", '["1", ["a"]]\n', 1, "expected a JSON object"),
    ("o.jsonl", '{"key":"1","items":["a"],"date":"yesterday"}\n', 1, "not an ISO date"),
    ("o.csv", "order_id,product_id\n1,a\n,b\n", 3, "missing order id"),
    ("o.csv", "order_id,product_id,date\n1,a,2024-01-01\n2,b,01/02/2024\n", 3, "not an ISO date"),
    ("o.csv", "1,a\n2\n", 2, "expected at least 2 columns"),
])
def test_validation_errors_name_file_and_line(tmp_path, name, content, line, words):
    with pytest.raises(SalesFileError) as caught:
        build(tmp_path, name, content)
    message = caught.value.format_message()
    assert message.startswith(f"{tmp_path / name}:{line}: ") and words in message
    assert "\n" not in message
    assert not (tmp_path / "sales.jsonl").exists()


def test_failed_build_keeps_previous_file(tmp_path):
    out = tmp_path / "sales.jsonl"
    out.write_text("previous\n")
    with pytest.raises(SalesFileError):
        build_sales_file(write(tmp_path, "o.jsonl", '{"items":[]}\n'), out)
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.jsonl", "sales.jsonl"]


def test_numbers_are_coerced_with_a_warning_naming_the_line(tmp_path):
    text, report = build(tmp_path, "o.jsonl", '{"key":"1","items":["a"]}\n{"key":122,"items":[508,"563",572.0]}\n')
    assert text == '{"key":"1","items":["a"]}\n{"key":"122","items":["508","563","572"]}\n'
    assert len(report.warnings) == 3
    assert report.warnings[0] == f"{tmp_path / 'o.jsonl'}:2: key is the number 122; written as the string '122'"
    assert report.warnings[2].startswith(f"{tmp_path / 'o.jsonl'}:2: items[2]")


def test_warnings_are_capped_and_counted(tmp_path):
    lines = "".join(json.dumps({"key": str(i), "items": [i]}) + "\n" for i in range(25))
    _, report = build(tmp_path, "o.jsonl", lines)
    assert len(report.warnings) == 10 and report.warnings_suppressed == 15


def test_empty_orders_dropped_and_counted(tmp_path):
    text, report = build(tmp_path, "o.jsonl", '{"key":"1","items":[]}\n{"key":"2","items":["a"]}\n')
    assert text == '{"key":"2","items":["a"]}\n'
    assert report.empty_dropped == 1
    text, report = build(tmp_path, "o.csv", "order_id,product_id\n5,\n6,b\n5,\n")
    assert text == '{"key":"6","items":["b"]}\n' and report.empty_dropped == 1


def test_orders_split_over_lines_are_merged(tmp_path):
    text, report = build(tmp_path, "o.jsonl",
                         '{"key":"9","items":["a","b"]}\n{"key":"3","items":["x"]}\n{"key":"9","items":["b","c"]}\n')
    assert text == '{"key":"3","items":["x"]}\n{"key":"9","items":["a","b","c"]}\n'
    assert report.duplicates_merged == 1


def test_window_keeps_the_last_12_months(tmp_path):
    csv_text = ("order_id,product_id,date\n"
                "old,a,2023-06-14\n"          # one day before the window
                "first,a,2023-06-15\n"        # first day of the window
                "last,b,2024-06-15T23:59:00\n"  # as_of, date-time accepted
                "future,c,2024-06-16\n"
                "mixed,d,2023-01-01\nmixed,e,2024-01-01\n")  # an order's date is its latest row
    text, report = build(tmp_path, "o.csv", csv_text, as_of=date(2024, 6, 15))
    assert [json.loads(line)["key"] for line in text.splitlines()] == ["first", "last", "mixed"]
    assert report.outside_window == 2


def test_window_zero_keeps_everything_and_undated_orders_are_counted(tmp_path):
    text, _ = build(tmp_path, "o.csv", "order_id,product_id,date\n1,a,2001-01-01\n", window_months=0)
    assert text == '{"key":"1","items":["a"]}\n'
    text, report = build(tmp_path, "o.jsonl", '{"key":"1","items":["a"]}\n', as_of=date(2024, 1, 1))
    assert text == '{"key":"1","items":["a"]}\n' and report.undated == 1


def test_window_start_clamps_to_month_end():
    assert window_start(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert window_start(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert window_start(date(2024, 1, 10), 13) == date(2022, 12, 10)


def test_unsorted_input_larger_than_a_chunk_is_grouped_via_spilled_runs(tmp_path):
    rng = random.Random(7)
    rows = [(f"o{order}", f"p{rng.randrange(50)}") for order in range(400) for _ in range(rng.randrange(1, 5))]
    rng.shuffle(rows)
    orders_csv = "order_id,product_id\n" + "".join(f"{o},{p}\n" for o, p in rows)
    streamed, _ = build(tmp_path, "o.csv", orders_csv, chunk_rows=37)
    in_memory, _ = build(tmp_path, "o.csv", orders_csv, chunk_rows=10_000)
    assert streamed == in_memory
    expected: dict[str, dict[str, None]] = {}
    for order, product in rows:
        expected.setdefault(order, {})[product] = None
    assert streamed == "".join(json.dumps({"key": k, "items": list(v)}, separators=(",", ":")) + "\n"
                               for k, v in sorted(expected.items()))


def test_sorted_rows_spills_and_cleans_up(tmp_path):
    rows = [(str(i % 97), i, 0, "p", "") for i in range(1000)]
    merged = list(sorted_rows(rows, chunk_rows=100, tmpdir=tmp_path))
    assert merged == sorted(rows)
    assert list(tmp_path.iterdir()) == []
