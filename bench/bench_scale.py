"""How shelfpress grows with the catalog: synthetic sites of 10,000 to 1,000,000 products, stage by stage.

    .venv/bin/python bench/bench_scale.py                               # 10,000, 100,000, 1,000,000
    .venv/bin/python bench/bench_scale.py --sizes 10000,30000 --no-search

Each size is one site: a catalog of N synthetic products (`synthetic.py`: realistic Swedish names, `--names`,
a two-level category tree, stores, brands), a home listing that pages through every product (so each
gets its page), 8 related products per product page, category, store and brand pages, and search
(Pagefind) unless `--no-search`. Every step runs as its own `shelfpress` process, as a publisher runs it:

- import: `catalog import` of the taxonomy and N products as JSON lines (related products included);
- cold build (`build -v`, whose stage times are printed), no-change rebuild, one product's price changed;
- for each command: wall seconds, CPU seconds of its whole process tree (steadier when the machine is
  shared), and its largest process's peak RSS, printed as it finishes;
- peak RSS (the largest process of each command's tree), the output's size, and `serve`'s RSS (the
  whole tree) once its first build is served (`--no-serve` skips it).

Then the growth factor of each figure between consecutive sizes next to the growth of N: anything
worse than linear is marked `!`. Needs nothing but the repository (no farm-bench, no Hugo); sites are
made beside the repository (on these machines /tmp is much slower for many small files) and removed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import synthetic  # noqa: E402
from bench_vs_hugo import change_one_product  # noqa: E402  (one price up by one, as a feed sync does)

SHELFPRESS = str(Path(sys.executable).parent / "shelfpress")
CONFIG = """title = "Scale Shop"
base_url = "https://example.org/"
language = "sv"
search = {search}

[source]
kind = "catalog"
catalog = "catalog.sqlite"

[products]
related = 8

[categories]
enabled = true

[stores]
enabled = true

[brands]
enabled = true
"""
PER_PAGE = 48
STAGE = re.compile(r"^ {2}(\S.*?)\s+(\d+\.\d+) s$", re.MULTILINE)
# Wall seconds, CPU seconds (user + system) and the peak resident set of a command's whole process tree
# (the largest process), its output to a file.
PROBE = ("import resource,subprocess,sys,time; t=time.perf_counter(); "
         "r=subprocess.run(sys.argv[2:], stdout=open(sys.argv[1],'w'), stderr=subprocess.STDOUT); "
         "w=time.perf_counter()-t; u=resource.getrusage(resource.RUSAGE_CHILDREN); "
         "print(w, u.ru_utime+u.ru_stime, u.ru_maxrss); sys.exit(r.returncode)")


def run(argv: list[str], log: Path) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak MiB, output) of one command run to completion. CPU seconds are the
    steadier figure on a machine shared with other work; wall is what a publisher waits."""
    out = subprocess.run([sys.executable, "-c", PROBE, str(log), *argv], capture_output=True, text=True)
    text = log.read_text(encoding="utf-8", errors="replace")
    if out.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{text[-3000:]}{out.stderr[-2000:]}")
    wall, cpu, rss = out.stdout.split()
    return float(wall), float(cpu), int(rss) / 1024, text


def make_site(site: Path, n: int, search: bool, names: str = "realistic") -> list[Path]:
    """The site's files, and the import files (taxonomy first) streamed from the generator."""
    (site / "content").mkdir(parents=True)
    (site / "shelfpress.toml").write_text(CONFIG.format(search=str(search).lower()), encoding="utf-8")
    (site / "content" / "index.md").write_text(
        f"---\ntitle: Products\nlisting:\n  per_page: {PER_PAGE}\n  max_pages: {n // PER_PAGE + 1}\n"
        "  filters: false\n---\n", encoding="utf-8")
    taxonomy = site / "taxonomy.json"
    taxonomy.write_text(json.dumps({"categories": synthetic.categories(), "stores": synthetic.stores()}),
                        encoding="utf-8")
    products = site / "products.jsonl"
    with products.open("w", encoding="utf-8") as handle:
        for product in synthetic.products(n, names=names):
            handle.write(json.dumps(product, ensure_ascii=False) + "\n")
    return [taxonomy, products]


def output_size(folder: Path) -> tuple[int, int]:
    """(files, bytes) under `folder`."""
    files = size = 0
    for path in folder.rglob("*"):
        if path.is_file():
            files += 1
            size += path.stat().st_size
    return files, size


def tree_rss(pid: int) -> float:
    """MiB resident in `pid` and its descendants (Linux /proc; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total += int(match.group(1)) if match else 0
    return total / 1024


def serve_rss(site: Path, log: Path, timeout: float) -> float:
    """`serve`'s resident MiB (process tree) once its first build answers; the server is stopped after."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with log.open("w") as out:
        server = subprocess.Popen([SHELFPRESS, "serve", "-q", "-C", str(site), "-p", str(port)],
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as answer:
                    if answer.status == 200:
                        time.sleep(1)  # let the first build's leftovers settle
                        return tree_rss(server.pid)
            except OSError:
                time.sleep(0.5)
        return float("nan")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def measure(n: int, work: Path, search: bool, serve: bool, names: str = "realistic") -> dict[str, float]:
    site = work / f"site-{n}"
    files = make_site(site, n, search, names)
    figures: dict[str, float] = {}

    def step(label: str, argv: list[str]) -> str:
        """Run one command, keep its wall, CPU and peak figures under `label`, say so (a 1M run takes an hour)."""
        wall, cpu, peak, text = run(argv, work / f"{label.replace(' ', '-')}.log")
        figures[f"{label} s"], figures[f"{label} CPU s"], figures[f"{label} MiB"] = wall, cpu, peak
        print(f"    {label}: {wall:,.1f} s, {cpu:,.1f} CPU s, {peak:,.0f} MiB", flush=True)
        return text

    build = [SHELFPRESS, "build", "-v", "-C", str(site)]
    step("import", [SHELFPRESS, "catalog", "import", "-C", str(site), *map(str, files)])
    for path in files:
        path.unlink()
    stages = {name: float(seconds) for name, seconds in STAGE.findall(step("cold", build))}
    figures["output files"], figures["output bytes"] = output_size(site / "public")
    step("no change", build)
    change_one_product(site / "catalog.sqlite")
    step("one product", build)
    if serve:
        figures["serve MiB"] = serve_rss(site, work / "serve.log", timeout=max(600.0, n / 100))
        print(f"    serve after its first build: {figures['serve MiB']:,.0f} MiB", flush=True)
    figures.update({f"stage {name} s": seconds for name, seconds in stages.items()})
    return figures


def report(sizes: list[int], results: list[dict[str, float]]) -> None:
    keys = list(dict.fromkeys(key for figures in results for key in figures))
    header = f"{'':<28}" + "".join(f"{n:>14,}" for n in sizes)
    if len(sizes) > 1:
        header += "".join(f"{f'x{b / a:g} N':>14}" for a, b in zip(sizes, sizes[1:]))
    print(header)
    for key in keys:
        values = [figures.get(key, float("nan")) for figures in results]
        line = f"{key:<28}" + "".join(f"{_shown(key, v):>14}" for v in values)
        for (a, b), (before, after) in zip(zip(sizes, sizes[1:]), zip(values, values[1:])):
            growth = after / before if before > 0 else float("nan")
            worse = growth > 1.25 * (b / a) and after >= 0.1 and not key.endswith("MiB")  # noise below
            line += f"{f'x{growth:.2f}' + ('!' if worse else ' '):>14}"
        print(line)
    for n, figures in zip(sizes, results):
        print(f"N = {n:,}: import {n / figures['import s']:,.0f} products/s, cold build "
              f"{figures['output files'] / figures['cold s']:,.0f} files/s")


def _shown(key: str, value: float) -> str:
    if key == "output bytes":
        return f"{value / 2**20:,.0f} MiB"
    if key == "output files":
        return f"{value:,.0f}"
    return f"{value:,.2f}" if key.endswith(" s") else f"{value:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="comma-separated product counts (default: 10000,100000,1000000)")
    parser.add_argument("--no-search", dest="search", action="store_false", help="build without Pagefind")
    parser.add_argument("--no-serve", dest="serve", action="store_false", help="skip serve's memory")
    parser.add_argument("--names", default="realistic", choices=synthetic.NAMES,
                        help="product names (synthetic.py): realistic, or fixed (101 words whatever N)")
    args = parser.parse_args()
    sizes = [int(part.replace("_", "")) for part in args.sizes.split(",") if part.strip()]
    print(f"synthetic catalog sites, search {'on' if args.search else 'off'}, related 8, category/store/brand "
          f"pages on, {os.cpu_count()} cores", flush=True)
    results = []
    with tempfile.TemporaryDirectory(dir=ROOT / "bench", prefix=".bench-scale-") as tmp:
        for n in sizes:
            started = time.perf_counter()
            results.append(measure(n, Path(tmp), args.search, args.serve, args.names))
            print(f"  N = {n:,} measured in {time.perf_counter() - started:.0f} s", flush=True)
        report(sizes, results)  # before removing the sites, which takes a while at a million


if __name__ == "__main__":
    main()
