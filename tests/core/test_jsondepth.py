"""generator/core/jsondepth.py: JSON nested deeper than MAX_JSON_DEPTH is malformed, counted without parsing, and a
catalog import file nested a million deep is one line naming the file, not a RecursionError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.core.jsondepth import MAX_JSON_DEPTH, json_depth, loads_json
from tests.support.sites import BASIC_CONFIG, run, write_site


def depth_of(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    return 0


JSON = st.recursive(st.none() | st.integers() | st.text(alphabet='[]{}"\\ab\u00e9'),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                    max_leaves=20)


@given(JSON)
def test_the_depth_counted_without_parsing_is_the_parsed_depth(value: object) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert json_depth(text.encode()) == depth_of(value)  # brackets and escaped quotes in strings do not count


def test_nesting_past_the_limit_is_a_value_error_however_deep() -> None:
    assert loads_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None
    for depth in (MAX_JSON_DEPTH + 1, 10**6):
        with pytest.raises(ValueError, match=f"nested {depth:,} levels deep"):
            loads_json(b"[" * depth + b"]" * depth)


@pytest.mark.parametrize("name", ["deep.json", "deep.jsonl"])
def test_a_catalog_import_file_nested_a_million_deep_is_one_line(tmp_path: Path, name: str) -> None:
    site = write_site(tmp_path / "site", {}, BASIC_CONFIG + '[source]\ncatalog = "products.sqlite"\n')
    deep = tmp_path / name
    deep.write_text('{"product_id": 1, "name": ' + "[" * 10**6 + "]" * 10**6 + "}\n", encoding="utf-8")
    result = run("catalog", "import", "-C", str(site), str(deep))
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert str(deep) in line and "nested 1,000,001 levels deep" in line
