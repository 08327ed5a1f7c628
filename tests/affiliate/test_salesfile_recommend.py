"""Local recommendations: ranking on a crafted dataset, file round trip, CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands.salesfile import salesfile_group
from generator.affiliate.salesfile import (
    Recommendation,
    RecommendOptions,
    SalesFileError,
    compute_recommendations,
    load_recommendations,
    write_recommendations,
)

# 20 orders. A is bought with the best-seller B 6 times and with the niche C 4 times.
# n(A)=10, n(B)=16, n(C)=4, n(D)=10, n(A,B)=6, n(A,C)=4, n(B,D)=10, plus one A+E pair (below support).
# Raw counts rank B before C for A; cosine (6/sqrt(160)=0.474 < 4/sqrt(40)=0.632) and lift
# (20*6/160=0.75 < 20*4/40=2.0) both rank C first. The bundle (by co-purchase count) is A, B, C.
ORDERS = [["A", "C"]] * 4 + [["A", "B"]] * 5 + [["A", "B", "E"]] + [["B", "D"]] * 10


@pytest.fixture
def sales_file(tmp_path: Path) -> Path:
    path = tmp_path / "sales.jsonl"
    path.write_text("".join(json.dumps({"key": str(i), "items": items}) + "\n" for i, items in enumerate(ORDERS)))
    return path


def test_hand_computed_scores_disagree_with_raw_counts():
    cosine = {"B": 6 / math.sqrt(10 * 16), "C": 4 / math.sqrt(10 * 4)}
    lift = {"B": 20 * 6 / (10 * 16), "C": 20 * 4 / (10 * 4)}
    raw = {"B": 6, "C": 4}
    assert max(raw, key=raw.get) == "B"
    assert max(cosine, key=cosine.get) == max(lift, key=lift.get) == "C"


@pytest.mark.parametrize("measure", ["cosine", "lift"])
def test_ranking_favours_association_over_popularity(sales_file, measure):
    result, report = compute_recommendations(sales_file, RecommendOptions(measure=measure, min_support=3))
    assert result["A"] == Recommendation("A", ("C", "B"), ("A", "B", "C"))
    assert result["B"] == Recommendation("B", ("D", "A"), ("B", "D", "A"))
    assert result["C"] == Recommendation("C", ("A",), ("C", "A"))
    assert "E" not in result  # its only pair (A, E) has support 1
    assert (report.orders, report.products, report.pairs) == (20, 5, 3)


def test_min_support_and_limits(sales_file):
    result, _ = compute_recommendations(sales_file, RecommendOptions(min_support=1, also_bought=1, bundle_size=2))
    assert result["E"] == Recommendation("E", ("A",), ("E", "A"))   # E: cosine A=1/sqrt(10) > B=1/4
    assert result["A"].also_bought == ("C",) and result["A"].bought_together == ("A", "B")
    result, _ = compute_recommendations(sales_file, RecommendOptions(min_support=11))
    assert result == {}


def test_large_baskets_count_for_popularity_not_pairs(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"key":"1","items":["a","b","c"]}\n' * 3)
    result, report = compute_recommendations(path, RecommendOptions(max_basket=2))
    assert result == {} and report.products == 3


def test_file_round_trip_in_service_shape(sales_file, tmp_path):
    result, _ = compute_recommendations(sales_file)
    out = tmp_path / "recs.jsonl"
    write_recommendations(result, out)
    first = out.read_text().splitlines()[0]
    assert first == '{"key":"A","alsoBought":["C","B"],"boughtTogether":["A","B","C"]}'
    assert load_recommendations(out) == result


def test_bad_lines_name_file_and_line(tmp_path):
    bad = tmp_path / "recs.jsonl"
    bad.write_text('{"key":"A","alsoBought":[],"boughtTogether":[]}\n{"key":"B"}\n')
    with pytest.raises(SalesFileError, match=r"recs.jsonl:2: not a recommendations line"):
        load_recommendations(bad)
    sales = tmp_path / "sales.jsonl"
    sales.write_text('{"key":"1","items":["a"]}\nnot json\n')
    with pytest.raises(SalesFileError, match=r"sales.jsonl:2: not a sales-file line"):
        compute_recommendations(sales)


def test_cli_build_then_recommend(tmp_path):
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,product_id,quantity\n" + "".join(
        f"{i},{p},1\n" for i, items in enumerate(ORDERS) for p in items))
    runner = CliRunner()
    built = runner.invoke(salesfile_group, ["build", str(orders), "-o", str(tmp_path / "sales.jsonl")])
    assert built.exit_code == 0, built.output
    assert "20 orders written" in built.output
    recs = runner.invoke(salesfile_group, ["recommend", str(tmp_path / "sales.jsonl"), "-o", str(tmp_path / "r.jsonl"),
                                           "--measure", "lift"])
    assert recs.exit_code == 0, recs.output
    assert "4 of 5 products have recommendations" in recs.output
    assert load_recommendations(tmp_path / "r.jsonl")["A"].also_bought == ("C", "B")


def test_cli_build_error_is_one_line(tmp_path):
    orders = tmp_path / "orders.jsonl"
    orders.write_text('{"key":"1","items":[7]}\n{"items":[]}\n')
    result = CliRunner().invoke(salesfile_group, ["build", str(orders), "-o", str(tmp_path / "s.jsonl")])
    assert result.exit_code == 1
    assert f"{orders}:2: missing \"key\"" in result.output
