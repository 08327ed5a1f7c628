"""Catalog import alone, stage by stage: how each part grows with N (issue #34: linear up to 1M).

    .venv/bin/python bench/bench_import.py --sizes 10000,30000,100000

For each size: synthetic products (`synthetic.py`) written as JSON lines, then imported in this process
into a new catalog, timing the rows (products, FTS, categories; `import_file`) apart from the related
products (`refresh_related`: the name index, then the ranking and the rows written, which overlap). Wall seconds, and CPU seconds
of this process and of the workers it forked (steadier than wall time on a machine shared with other
jobs), and the peak resident memory so far of this process and of its largest worker (MB; a worker's
counts the index pages it shares with this process). Then each figure's growth between consecutive sizes
next to N's; worse than linear is marked `!`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import synthetic  # noqa: E402

from generator.sources import catalog_related, name_index  # noqa: E402
from generator.sources.catalog_import import import_file  # noqa: E402
from generator.sources.catalog_schema import connect  # noqa: E402


def load_index(path: str | None) -> type:
    """`NameIndex` from another copy of name_index.py (an A/B against an older commit; before the index had
    a module of its own, that commit's catalog_related.py), or this one's."""
    if path is None:
        return name_index.NameIndex
    spec = importlib.util.spec_from_file_location("other_name_index", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.NameIndex


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that ended (forked workers are reaped by then)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measure(n: int, work: Path, seed: int, index_class: type, names: str) -> dict[str, float]:
    products = work / f"products-{n}.jsonl"
    with products.open("w", encoding="utf-8") as handle:
        for product in synthetic.products(n, seed, names=names):
            handle.write(json.dumps(product, ensure_ascii=False) + "\n")
    conn = connect(work / f"catalog-{n}.sqlite")
    figures: dict[str, float] = {}
    started, cpu = time.perf_counter(), cpu_seconds()
    import_file(conn, products)
    figures["rows s"], figures["rows cpu s"] = time.perf_counter() - started, cpu_seconds() - cpu
    original, timings = catalog_related.NameIndex, {"index s": 0.0, "rank+write s": 0.0,
                                                   "rank+write cpu s": 0.0}

    class TimedIndex(index_class):  # type: ignore[misc, valid-type]
        def __init__(self, rows, **options):  # noqa: ANN001, ANN003
            began = time.perf_counter()
            super().__init__(rows, **options)
            timings["index s"] += time.perf_counter() - began

        def related_rows(self, product_ids, *rest):  # noqa: ANN001, ANN002
            """The rows as the refresh writes them (one at a time, while later ones are ranked): the time
            from the first to the last is the ranking's and the writing's together."""
            began, cpu = time.perf_counter(), cpu_seconds()
            yield from super().related_rows(product_ids, *rest)
            timings["rank+write s"] += time.perf_counter() - began
            timings["rank+write cpu s"] += cpu_seconds() - cpu

    catalog_related.NameIndex = TimedIndex
    try:
        started, cpu = time.perf_counter(), cpu_seconds()
        catalog_related.refresh_related(conn)
        figures["related s"], figures["related cpu s"] = time.perf_counter() - started, cpu_seconds() - cpu
    finally:
        catalog_related.NameIndex = original
    figures.update(timings)
    figures["import s"] = figures["rows s"] + figures["related s"]
    figures["import cpu s"] = figures["rows cpu s"] + figures["related cpu s"]
    figures["vocabulary"] = len({w for (name,) in conn.execute("SELECT name FROM products")
                                 for w in name_index.words(name_index.fold(name))})
    conn.close()
    figures["peak MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["worker peak MB"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--names", default="realistic", choices=synthetic.NAMES,
                        help="how names are made (synthetic.py): realistic or a fixed small vocabulary")
    parser.add_argument("--index-from", metavar="FILE", help="NameIndex from this name_index.py instead")
    args = parser.parse_args()
    index_class = load_index(args.index_from)
    sizes = [int(part.replace("_", "")) for part in args.sizes.split(",") if part.strip()]
    results = []
    with tempfile.TemporaryDirectory(dir=ROOT / "bench", prefix=".bench-import-") as tmp:
        for n in sizes:
            results.append(measure(n, Path(tmp), args.seed, index_class, args.names))
            print(f"  N = {n:,}: " + ", ".join(f"{k} {v:,.2f}" for k, v in results[-1].items()), flush=True)
    print(f"{'':<14}" + "".join(f"{n:>12,}" for n in sizes)
          + "".join(f"{f'x{b / a:g} N':>12}" for a, b in zip(sizes, sizes[1:])))
    for key in results[0]:
        values = [r[key] for r in results]
        line = f"{key:<14}" + "".join(f"{v:>12,.2f}" for v in values)
        for (a, b), (before, after) in zip(zip(sizes, sizes[1:]), zip(values, values[1:])):
            growth = after / before if before > 0 else float("nan")
            line += f"{f'x{growth:.2f}' + ('!' if growth > 1.25 * b / a and after >= 0.1 else ' '):>12}"
        print(line)


if __name__ == "__main__":
    main()
