"""Portable mode beside the Linux fast path, on the same synthetic product site, in one run (issue 28).

    .venv/bin/python bench/bench_portable.py                   # 10,000 products
    .venv/bin/python bench/bench_portable.py --products 2000

Portable mode (`SHELFPRESS_PORTABLE=1`) is what a Mac or Windows machine runs: no forked workers (one
process renders every page), the three-rename swap, the lock file. The fast path forks render workers,
swaps with one renameat2 and locks with flock. The site is `bench_products.make_site` (every product
listed, 4 related products a page, category pages on, search off: Pagefind is the same in both modes);
each mode builds its own copy with its own copy of the catalog, every build a whole
`shelfpress build` process: cold (no output, no cache), no change, then one product's price changed.
The modes alternate build by build, so both see the same machine load. Prints seconds and peak MiB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_products import make_catalog, make_site  # noqa: E402
from bench_vs_hugo import change_one_product, shelf_command, timed  # noqa: E402

MODES = {"fast path": {}, "portable": {"SHELFPRESS_PORTABLE": "1"}}
STEPS = ("cold", "no change", "one product")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000, help="products in the catalog, all listed")
    args = parser.parse_args()
    # Beside the repo, not /tmp: on these machines /tmp is an order of magnitude slower for small files.
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent, prefix=".bench-portable-") as tmp:
        work = Path(tmp)
        seconds = make_catalog(work / "catalog.sqlite", args.products)
        print(f"catalog: {args.products:,} synthetic products imported in {seconds:.2f} s")
        sites = {}
        for mode in MODES:
            folder = work / mode.replace(" ", "-")
            folder.mkdir()
            shutil.copy(work / "catalog.sqlite", folder / "catalog.sqlite")
            make_site(folder / "site", folder / "catalog.sqlite", args.products, related=4)
            config = folder / "site/shelfpress.toml"
            config.write_text("search = false\n" + config.read_text())
            sites[mode] = folder / "site"
        time.sleep(0.1)  # files written within a few ms of a build are never trusted as unchanged
        results: dict[str, list[tuple[float, float]]] = {mode: [] for mode in MODES}
        for step in STEPS:
            for mode, env in MODES.items():
                if step == "one product":
                    change_one_product(sites[mode].parent / "catalog.sqlite")
                os.environ.pop("SHELFPRESS_PORTABLE", None)
                os.environ.update(env)
                results[mode].append(timed(shelf_command(sites[mode]), sites[mode]))
        os.environ.pop("SHELFPRESS_PORTABLE", None)
        print(f"{'':<12}" + "".join(f"{step:>22}" for step in STEPS))
        for mode, runs in results.items():
            print(f"{mode:<12}" + "".join(f"{wall:>9.2f} s {rss:>6.0f} MiB" for wall, rss in runs))
        fast, portable = results["fast path"], results["portable"]
        print(f"{'ratio':<12}" + "".join(f"{p[0] / f[0]:>21.2f}x" for f, p in zip(fast, portable)))


if __name__ == "__main__":
    main()
