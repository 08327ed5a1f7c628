"""What splitting a build over N machines gains: `build --shard I/N` and `merge` on a synthetic catalog.

    .venv/bin/python bench/bench_shards.py                  # 10,000 products, N = 1, 2, 4
    .venv/bin/python bench/bench_shards.py --products 3000 --shards 1,2

One site (bench_scale.make_site: related products, category, store and brand pages, search on), then,
each as its own `shelfpress` process as a CI job runs it: one whole build, and for each N every shard's
cold build and the merge. The shards run one after another here (on N runners they run side by side),
so the figure a CI run waits for is the slowest shard plus the merge. Every build starts without a
cache (`cold`), as on a fresh runner. The merged site is checked to be
the whole build's bytes. Sites are made beside the repository and removed.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import SHELFPRESS, make_site, run  # noqa: E402


def same_tree(left: Path, right: Path) -> bool:
    compare = filecmp.dircmp(left, right)
    if compare.left_only or compare.right_only or compare.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, compare.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(left / d, right / d) for d in compare.common_dirs)


def cold(site: Path) -> Path:
    """`site` without its cache (product cards, build records): every build below starts cold, as a
    shard on a fresh runner without a restored cache does."""
    shutil.rmtree(site / ".shelfpress-cache", ignore_errors=True)
    return site


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--shards", default="1,2,4", help="the values of N, comma-separated")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-shards-", dir=ROOT.parent))
    try:
        site = work / "site"
        files = make_site(site, args.products, search=True)
        run([SHELFPRESS, "catalog", "import", "-C", str(site), *map(str, files)], work / "import.log")
        whole, _, _ = run([SHELFPRESS, "build", "-C", str(cold(site)), "-o", str(work / "whole")], work / "whole.log")
        pages = sum(1 for _ in (work / "whole").rglob("*.html"))
        print(f"{args.products:,} products, {pages:,} HTML files; one build: {whole:.1f} s")
        print(f"{'N':>3} {'shards (each, s)':<32} {'slowest':>8} {'merge':>6} {'CI wall':>8} {'speed-up':>8}  same bytes")
        for count in map(int, args.shards.split(",")):
            times = [run([SHELFPRESS, "build", "-C", str(cold(site)), "--shard", f"{i}/{count}", "-o",
                          str(work / f"n{count}-{i}")], work / "shard.log")[0] for i in range(1, count + 1)]
            merged = work / f"merged-{count}"
            merge, _, _ = run([SHELFPRESS, "merge", "-C", str(site), *(str(work / f"n{count}-{i}")
                               for i in range(1, count + 1)), "-o", str(merged)], work / "merge.log")
            wall = max(times) + merge
            print(f"{count:>3} {' '.join(f'{t:.1f}' for t in times):<32} {max(times):>8.1f} {merge:>6.1f} "
                  f"{wall:>8.1f} {whole / wall:>7.2f}x  {same_tree(work / 'whole', merged)}", flush=True)
            for i in range(1, count + 1):
                shutil.rmtree(work / f"n{count}-{i}")
            shutil.rmtree(merged)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
