"""Benchmark the catalog: import rate for N synthetic products, latency of 200 mixed queries.

    .venv/bin/python bench/bench_catalog.py [N]      # N defaults to 100000

Prints products/s for the import (parsing + upsert, as `catalog import`
does) and p50/p95 query latency over a deterministic mix of full-text,
filtered, faceted, sorted and paginated queries.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402

from generator.sources.catalog import CatalogSource  # noqa: E402
from generator.sources.catalog_import import upsert_categories, upsert_stores  # noqa: E402
from generator.sources.catalog_schema import transaction  # noqa: E402
from generator.sources.models import Category, Product, Store  # noqa: E402
from generator.sources.query import ProductQuery  # noqa: E402


def mixed_queries(count: int, seed: int = 7) -> list[ProductQuery]:
    rng = random.Random(seed)
    nouns = sorted({noun for nouns in synthetic.NOUNS.values() for noun in nouns})
    parents = [c["category_id"] for c in synthetic.categories() if "parent_id" not in c]
    leaves = [c["category_id"] for c in synthetic.categories() if "parent_id" in c]
    shops = [s["store_id"] for s in synthetic.stores()]
    makers = [
        lambda: {"query": rng.choice(nouns), "limit": 20, "get_total_found": 1},
        lambda: {"query": f"{rng.choice(synthetic.ADJECTIVES)} {rng.choice(nouns)}", "limit": 12},
        lambda: {"query": rng.choice(nouns)[:4], "mode": "pre", "limit": 20},
        lambda: {"query": f"{rng.choice(nouns)} {rng.choice(synthetic.COLOURS)}", "mode": "or", "limit": 20},
        lambda: {"query": f"{rng.choice(nouns)} {rng.choice(synthetic.MATERIALS)}", "mode": "fill", "limit": 24},
        lambda: {"category_id": rng.choice(parents), "limit": 24, "order_by": "price", "get_total_found": 1},
        lambda: {"category_id": rng.choice(leaves), "limit": 24, "offset": 48,
                 "extra": "categories,stores,brands,max_price,has_reduction"},
        lambda: {"store_id": rng.choice(shops), "reduction_percent_min": 20, "order_by": "reduction_percent",
                 "limit": 10},
        lambda: {"query": rng.choice(nouns), "price_min": 100, "price_max": 1000, "has_images": 1,
                 "disseminate": 1, "limit": 12},
        lambda: {"brand": rng.choice(synthetic.BRANDS[:-1]), "limit": 20, "order": "desc",
                 "order_by": "price", "extra": "max_price"},
    ]
    return [ProductQuery.from_params(makers[i % len(makers)]()) for i in range(count)]


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, CatalogSource(Path(tmp) / "bench.sqlite") as source:
        start = time.perf_counter()
        with transaction(source.conn):
            upsert_categories(source.conn, (Category(c["category_id"], c["name"], c.get("parent_id"))
                                            for c in synthetic.categories()))
            upsert_stores(source.conn, (Store(s["store_id"], s["name"], s["url"]) for s in synthetic.stores()))
        source.import_products(Product.from_api(raw) for raw in synthetic.products(n))
        elapsed = time.perf_counter() - start
        size = (Path(tmp) / "bench.sqlite").stat().st_size + (Path(tmp) / "bench.sqlite-wal").stat().st_size
        print(f"import: {n} products in {elapsed:.2f} s = {n / elapsed:,.0f} products/s "
              f"(file {size / 1e6:.0f} MB)")
        source.conn.execute("PRAGMA optimize")
        latencies = []
        for query in mixed_queries(200):
            start = time.perf_counter()
            source.search(query)
            latencies.append((time.perf_counter() - start) * 1000)
        cuts = statistics.quantiles(latencies, n=20)
        print(f"queries: 200 mixed, p50 {statistics.median(latencies):.2f} ms, p95 {cuts[18]:.2f} ms, "
              f"max {max(latencies):.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
