"""Portable mode beside the Linux fast path, on the same synthetic product site, in one run (issue 28).

    .venv/bin/python bench/bench_portable.py                   # 10,000 products
    .venv/bin/python bench/bench_portable.py --products 2000

Portable mode (`SHELFPRESS_PORTABLE=1`) is what a Mac or Windows machine runs: no forked workers, the
three-rename swap, the lock file. It renders in one process ("portable serial") or in spawned workers
("portable spawn"), whichever the build picks for the number of pages (`spawn_pool.SPAWN_MIN`); the bench
forces each, to show where one overtakes the other. The fast path forks render workers, swaps with one
renameat2 and locks with flock. The site is `bench_products.make_site` (every product
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

MODES = {"fast path": {}, "portable serial": {"SHELFPRESS_PORTABLE": "1"},
         "portable spawn": {"SHELFPRESS_PORTABLE": "1"}}
# `shelfpress build` with the spawn threshold set for the mode (the workers read nothing of it).
FORCED = "import sys, generator.engine.spawn_pool as s; s.SPAWN_MIN = int(sys.argv.pop(1)); " \
         "from generator.cli import main; main()"
SPAWN_MIN = {"portable serial": 10**9, "portable spawn": 1}


def command(mode: str, site: Path) -> list[str]:
    """The build command of `mode`: the installed `shelfpress`, or one with its spawn threshold forced."""
    if mode not in SPAWN_MIN:
        return shelf_command(site)
    return [sys.executable, "-c", FORCED, str(SPAWN_MIN[mode]), *shelf_command(site)[1:]]
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
                results[mode].append(timed(command(mode, sites[mode]), sites[mode]))
        os.environ.pop("SHELFPRESS_PORTABLE", None)
        print(f"{'':<16}" + "".join(f"{step:>22}" for step in STEPS))
        for mode, runs in results.items():
            print(f"{mode:<16}" + "".join(f"{wall:>9.2f} s {rss:>6.0f} MiB" for wall, rss in runs))
        fast = results["fast path"]
        for mode in SPAWN_MIN:
            print(f"{mode + ' / fast':<16}" + "".join(f"{p[0] / f[0]:>21.2f}x" for f, p in zip(fast, results[mode])))


if __name__ == "__main__":
    main()
