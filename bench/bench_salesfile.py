"""Benchmark: sales file build + local recommendations on synthetic orders.

Generates N orders deterministically (seeded): product popularity follows a
Zipf-like long tail over a catalogue, basket sizes are geometric (mean about
2.5, at most 20), order dates spread over 18 months, and the CSV rows of
nearby orders are shuffled together so orders are not contiguous (the build
must group them). Then times `build_sales_file` and `compute_recommendations`
and prints orders/s, wall time and peak RSS.

    python bench/bench_salesfile.py --orders 1000000
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from generator.affiliate.salesfile import RecommendOptions, build_sales_file, compute_recommendations, write_recommendations


def generate_orders(path: Path, orders: int, products: int, seed: int) -> int:
    """Write the synthetic CSV; returns the number of rows."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, products + 1) ** 1.1
    popularity /= popularity.sum()
    start = date(2024, 1, 1)
    days = [(start + timedelta(days=d)).isoformat() for d in range(548)]
    rows = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("order_id,product_id,quantity,date\n")
        for first in range(0, orders, 50_000):
            count = min(50_000, orders - first)
            sizes = np.minimum(rng.geometric(0.4, count), 20)
            items = rng.choice(products, size=int(sizes.sum()), p=popularity)
            order_of_row = np.repeat(np.arange(first, first + count), sizes)
            day_of_order = rng.integers(0, len(days), count)
            shuffle = rng.permutation(len(items))
            lines = [f"o{order},p{item},1,{days[day_of_order[order - first]]}\n"
                     for order, item in zip(order_of_row[shuffle].tolist(), items[shuffle].tolist())]
            handle.writelines(lines)
            rows += len(lines)
    return rows


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--window-months", type=int, default=12, help="0 keeps all orders")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shelfpress-bench-") as work:
        orders_csv, sales, recs = Path(work, "orders.csv"), Path(work, "sales.jsonl"), Path(work, "recs.jsonl")
        began = time.perf_counter()
        rows = generate_orders(orders_csv, args.orders, args.products, args.seed)
        generated = time.perf_counter()
        print(f"generate: {args.orders:,} orders, {rows:,} CSV rows, {orders_csv.stat().st_size / 1e6:.0f} MB "
              f"in {generated - began:.1f} s (peak RSS {peak_rss_mb():.0f} MB)")
        report = build_sales_file(orders_csv, sales, window_months=args.window_months, as_of=date(2025, 6, 30))
        built = time.perf_counter()
        print(f"build:     {report.summary()}; {sales.stat().st_size / 1e6:.0f} MB in {built - generated:.1f} s "
              f"= {args.orders / (built - generated):,.0f} input orders/s (peak RSS {peak_rss_mb():.0f} MB)")
        recommendations, stats = compute_recommendations(sales, RecommendOptions())
        write_recommendations(recommendations, recs)
        done = time.perf_counter()
        print(f"recommend: {stats.orders:,} orders, {stats.products:,} products, {stats.pairs:,} supported pairs, "
              f"{stats.products_with_recommendations:,} products with recommendations in {done - built:.1f} s "
              f"= {stats.orders / (done - built):,.0f} orders/s (peak RSS {peak_rss_mb():.0f} MB)")
        print(f"total build+recommend: {done - generated:.1f} s wall, "
              f"{args.orders / (done - generated):,.0f} orders/s, peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
