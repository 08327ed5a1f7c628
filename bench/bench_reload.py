"""Edit-to-reload latency of `shelfpress serve`: file write -> the browser's load event, per kind of edit.

    .venv/bin/python bench/bench_reload.py                     # content edits: the demo site and 10,000 pages
    .venv/bin/python bench/bench_reload.py demo 1000           # pick: demo and/or page counts
    .venv/bin/python bench/bench_reload.py 10000 --kinds content,price,partial,config --edits 5
    .venv/bin/python bench/bench_reload.py 10000 --mixed 200   # 200 mixed edits, RSS before and after

For each site a dev server runs (in this process) on a free port and headless Chromium (Debian's
/usr/bin/chromium, via Playwright) opens a page; each edit is timed from the write to the load event of
the reloaded page, or to the moment the reload script swapped the new page in place (`shelfpress:swapped`,
after an edit that rewrote only pages' HTML), whose new text is then checked (an edit that never reloads,
or reloads without its text, fails the run). Next to each kind, how many of its edits were swapped in.
Edit kinds, each with the page it is seen on:

- content: the Markdown of one page (its own page);
- price:   one product's price in the local catalog, as a feed sync does (a page showing that product);
- partial: `templates/partials/footer.html`, which every page includes (the content page: it is open,
           so it reloads before the rest of the site is rendered);
- config:  the site title in shelfpress.toml (every page; the content page).

A page-count site is N Markdown pages (`bench_build.make_site`) plus a catalog of 200 synthetic products
and a page showing product 1. Prints p50/p95 per kind and, with `--mixed`, the kinds in a random (seeded)
order and the resident memory of this process (the dev server; Chromium is another process) after the
first build and after the last edit; next to each kind, how long the server took from the write to
publishing the build (the rest is the browser's reload). Sites live in a temp dir beside the repo (not /tmp, slow here).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from bench_build import make_site
import synthetic
from generator.commands.serve import DevServer
from generator.config.schema import load_config
from generator.core.console import Reporter
from generator.sources.catalog import CatalogSource
from generator.sources.models import Product

REPO = Path(__file__).resolve().parent.parent
THEME = REPO / "generator/assets/themes/default/templates"
KINDS = ("content", "price", "partial", "config")
CATALOG_PRODUCTS = 200
SHOWN_PREFIX = "bench-reload: "
# In every page the bench opens: a console line when a page loads or the reload script swaps a new one in.
SHOWN = ("addEventListener('load', () => console.debug('%sload'));"
         "addEventListener('shelfpress:swapped', () => console.debug('%sswapped'));") % (SHOWN_PREFIX, SHOWN_PREFIX)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@dataclass
class Edit:
    """One kind of edit on a site: the page it shows on, and `make(n)`, which edits and returns the text the
    reloaded page must then contain."""

    url_path: str
    make: Callable[[int], str]


def content_edit(path: Path) -> Callable[[int], str]:
    original = path.read_text()

    def make(n: int) -> str:
        marker = f"Edit number {n} at {time.time_ns()}"
        path.write_text(original + f"\n{marker}\n")
        return marker
    return make


def partial_edit(site: Path) -> Callable[[int], str]:
    path = site / "templates/partials/footer.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    original = (THEME / "partials/footer.html").read_text()

    def make(n: int) -> str:
        marker = f"Footer edit {n} at {time.time_ns()}"
        path.write_text(original.replace("</footer>", f"<p>{marker}</p></footer>"))
        return marker
    return make


def config_edit(site: Path) -> Callable[[int], str]:
    path = site / "shelfpress.toml"
    original = path.read_text()
    title = re.search(r'^title = "(.*)"$', original, re.MULTILINE)
    assert title is not None

    def make(n: int) -> str:
        marker = f"{title.group(1)} {n}-{time.time_ns()}"
        path.write_text(original.replace(title.group(0), f'title = "{marker}"', 1))
        return marker
    return make


def price_edit(catalog: Path) -> Callable[[int], str]:
    """Product 1's price set to 100 + n % 800 kr (a price no other edit in a row had: the page must change)."""
    with CatalogSource(catalog) as source:
        product = asyncio.run(source.product(1))
    assert product is not None
    raw = product.to_api()
    last = [raw["price"]["price"]]

    def make(n: int) -> str:
        price = 100 + n % 800
        if price == last[0]:
            price += 1
        last[0] = price
        with CatalogSource(catalog) as source:
            source.import_products([Product.from_api({**raw, "price": {**raw["price"], "price": price}})])
        return f">SEK{price}<"  # as the card prints it (the bench site sets no locale)
    return make


def copy_demo(root: Path) -> dict[str, Edit]:
    for name in ("content", "templates", "static", "themes", "data"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "shelfpress.toml", root / "shelfpress.toml")
    return {"content": Edit("om/", content_edit(root / "content/om.md")),
            "partial": Edit("om/", partial_edit(root)), "config": Edit("om/", config_edit(root))}


def make_bench_site(root: Path, n: int) -> dict[str, Edit]:
    """N content pages, a catalog of `CATALOG_PRODUCTS` products, and a page that shows product 1."""
    make_site(root, n)
    with (root / "shelfpress.toml").open("a") as config:
        config.write('\n[source]\nkind = "catalog"\ncatalog = "catalog.sqlite"\n')
    with CatalogSource(root / "catalog.sqlite") as source:
        source.import_products(Product.from_api(raw) for raw in synthetic.products(CATALOG_PRODUCTS))
    (root / "content/deal.md").write_text('---\ntitle: Deal\n---\nToday:\n\n{{< products product_id="1" />}}\n')
    page = Edit("section-3/page-3/", content_edit(root / "content/section-3/page-3.md"))
    return {"content": page, "price": Edit("deal/", price_edit(root / "catalog.sqlite")),
            "partial": Edit(page.url_path, partial_edit(root)), "config": Edit(page.url_path, config_edit(root))}


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024  # type: ignore[union-attr]


def run_edits(label: str, root: Path, edits: dict[str, Edit], order: list[str]) -> None:
    """Serve `root`, make the edits of `order` (kinds) one by one, print the figures."""
    started = time.perf_counter()
    server = DevServer(load_config(root), port=0, reporter=Reporter(verbosity=0))
    server.start()
    ready = time.perf_counter() - started
    gc.collect()
    rss_first = rss_mib()
    samples: dict[str, list[float]] = {kind: [] for kind in dict.fromkeys(order)}
    served: dict[str, list[float]] = {kind: [] for kind in samples}  # write -> the epoch published
    swapped = dict.fromkeys(samples, 0)  # edits shown by swapping the page in place (no reload)
    published = [0.0]
    rss = []  # after each quarter of the edits: flat, or growing with them?
    publish = server.epochs.publish

    def timed_publish(*args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        published[0] = time.perf_counter()
        publish(*args, **kwargs)

    server.epochs.publish = timed_publish  # type: ignore[method-assign]
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.add_init_script(SHOWN)
            page.route("http*://cdn.example/**", lambda route: route.fulfill(status=204))
            shown = ""
            for n, kind in enumerate(order):
                edit = edits[kind]
                if edit.url_path != shown:
                    page.goto(server.url + edit.url_path)
                    shown = edit.url_path
                    page.wait_for_timeout(300)  # let the reload script start its long poll
                t0, taken, how = timed_edit(page, edit, n, f"{label}, edit {n} ({kind})")
                samples[kind].append(taken)
                swapped[kind] += how == "swapped"
                served[kind].append(published[0] - t0)
                if (n + 1) % max(1, len(order) // 4) == 0:
                    gc.collect()
                    rss.append(rss_mib())
                page.wait_for_timeout(150)  # a writer does not save 10 times a second
            plain = []  # the browser's share alone: a reload with nothing rebuilt
            for _ in range(5):
                t0 = time.perf_counter()
                page.reload()
                plain.append(time.perf_counter() - t0)
            browser.close()
        gc.collect()
        rss_last = rss_mib()
    finally:
        server.close()
    print(f"{label}: first build + listen {ready:.2f} s, {len(order)} edits")
    for kind, taken in samples.items():
        ms = sorted(s * 1000 for s in taken)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        print(f"  {kind:>8}: edit->reload over {len(ms):3} edits: p50 {statistics.median(ms):6.0f} ms, "
              f"p95 {p95:6.0f} ms, max {ms[-1]:6.0f} ms (edit->published p50 "
              f"{statistics.median(served[kind]) * 1000:4.0f} ms; {swapped[kind]} swapped in place)")
    print(f"  a plain reload of the last page (no edit): p50 {statistics.median(plain) * 1000:.0f} ms")
    print(f"  RSS of the dev server's process: {rss_first:.0f} MiB after the first build, "
          f"{rss_last:.0f} MiB after the last edit ({rss_last - rss_first:+.0f} MiB); after each quarter of "
          f"the edits: {', '.join(f'{mib:.0f}' for mib in rss)} MiB")


def timed_edit(page: Page, edit: Edit, n: int, what: str) -> tuple[float, float, str]:
    """Make edit `n`; when it was written, seconds from the write to the reloaded page's load event or its
    swap in place, and which it was ("load" or "swapped"). The page must show the edit."""
    with page.expect_console_message(lambda m: m.text.startswith(SHOWN_PREFIX), timeout=120_000) as shown:
        t0 = time.perf_counter()
        marker = edit.make(n)
    taken = time.perf_counter() - t0
    if marker not in page.content():
        raise SystemExit(f"{what}: the reloaded page lacks the edit ({marker!r})")
    return t0, taken, shown.value.text.removeprefix(SHOWN_PREFIX)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sites", nargs="*", default=["demo", "10000"], help="demo and/or page counts")
    parser.add_argument("--kinds", default="content", help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--edits", type=int, default=20, help="edits of each kind")
    parser.add_argument("--mixed", type=int, metavar="N", help="N edits of the kinds in a random order instead")
    args = parser.parse_args(argv)
    kinds = args.kinds.split(",") if args.mixed is None or args.kinds != "content" else list(KINDS)
    for site in args.sites:
        with tempfile.TemporaryDirectory(dir=Path(__file__).parent, prefix=".bench-") as tmp:
            root = Path(tmp)
            edits = copy_demo(root) if site == "demo" else make_bench_site(root, int(site))
            usable = [kind for kind in kinds if kind in edits]
            if args.mixed:
                order = random.Random(34).choices(usable, k=args.mixed)
            else:
                order = [kind for kind in usable for _ in range(args.edits)]
            run_edits("demo site" if site == "demo" else f"{int(site):,} pages", root, edits, order)


if __name__ == "__main__":
    main(sys.argv[1:])
