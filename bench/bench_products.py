"""A product site at scale (issue 5): 10,000 product pages from a synthetic SQLite catalog.

    .venv/bin/python bench/bench_products.py                 # 12,000 products, 10,000 listed
    .venv/bin/python bench/bench_products.py --listed 1000   # smaller
    .venv/bin/python bench/bench_products.py --profile 30    # + cProfile of the cold build, top 30

Generates `bench/synthetic.py` products into a catalog file, writes a site
whose "all products" listing (50 per page, by product id) covers `--listed`
products, plus the default category pages (24 per page, 10 pages at most),
and builds it with `[source] kind = "catalog"`: once cold (empty output) and
once with nothing changed. Prints total pages, product pages, wall time and
pages/s for both, the HTML size of a listing page, and the ratio to the
anchors measured on this kind of machine (`/work/shared/anchors/ANCHORS.md`).

Everything lives in a temp dir beside the repo, not /tmp: /tmp is an order
of magnitude slower for small files on these machines.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic  # noqa: E402

from generator.commands.build import BuildReport, build  # noqa: E402
from generator.config.schema import load_config  # noqa: E402
from generator.core.console import Reporter  # noqa: E402
from generator.sources.catalog import CatalogSource  # noqa: E402
from generator.sources.catalog_import import upsert_categories, upsert_stores  # noqa: E402
from generator.sources.catalog_schema import transaction  # noqa: E402
from generator.sources.models import Category, Product, Store  # noqa: E402

# Same synthetic product site, 10,000 pages, this kind of machine (2 cores): ANCHORS.md.
ANCHORS = {"Hugo 0.168": 1805.0, "Pelican 4.12": 224.0}
PER_PAGE = 50


def make_catalog(path: Path, n: int) -> float:
    start = time.perf_counter()
    with CatalogSource(path) as source:
        with transaction(source.conn):
            upsert_categories(source.conn, (Category(c["category_id"], c["name"], c.get("parent_id"))
                                            for c in synthetic.categories()))
            upsert_stores(source.conn, (Store(s["store_id"], s["name"], s["url"]) for s in synthetic.stores()))
        source.import_products(Product.from_api(raw) for raw in synthetic.products(n))
        source.conn.execute("PRAGMA optimize")
    return time.perf_counter() - start


def make_site(root: Path, catalog: Path, listed: int, related: int) -> None:
    (root / "content").mkdir(parents=True)
    (root / "shelfpress.toml").write_text(
        'title = "Bench shop"\nbase_url = "https://example.org/shop/"\n\n'
        f'[source]\nkind = "catalog"\ncatalog = "{catalog.as_posix()}"\n\n[products]\nrelated = {related}\n')
    (root / "content" / "index.md").write_text("---\ntitle: Home\n---\nWelcome to the bench shop.\n")
    pages = -(-listed // PER_PAGE)
    (root / "content" / "products.md").write_text(
        f"---\ntitle: All products\nlisting:\n  per_page: {PER_PAGE}\n  max_pages: {pages}\n---\n"
        "Every product, by id.\n")


def timed(config: object, reporter: Reporter) -> tuple[BuildReport, float]:
    start = time.perf_counter()
    report = build(config, reporter=reporter)  # type: ignore[arg-type]
    return report, time.perf_counter() - start


def line(label: str, report: BuildReport, seconds: float) -> str:
    return (f"{label:<18} {report.pages:>7,} pages in {seconds:6.2f} s = {report.pages / seconds:7,.0f} pages/s "
            f"({report.writes.written:,} written, {report.writes.unchanged:,} unchanged)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=12_000, help="products in the catalog")
    parser.add_argument("--listed", type=int, default=10_000, help="products the listing covers")
    parser.add_argument("--related", type=int, default=4, help="related products per product page (0: none)")
    parser.add_argument("--stages", action="store_true", help="print the cold build's stage timings (-v)")
    parser.add_argument("--profile", type=int, default=0, metavar="TOP",
                        help="profile the cold build with cProfile; print the TOP functions")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=Path(__file__).parent, prefix=".bench-products-") as tmp:
        root = Path(tmp) / "site"
        catalog = Path(tmp) / "catalog.sqlite"
        seconds = make_catalog(catalog, args.products)
        print(f"catalog: {args.products:,} synthetic products imported in {seconds:.2f} s")
        make_site(root, catalog, args.listed, args.related)
        time.sleep(0.1)  # files written within a few ms of a build are never trusted as unchanged (RACY_NS)
        config = load_config(root)
        quiet = Reporter(verbosity=0)

        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        cold, cold_s = timed(config, Reporter(verbosity=2) if args.stages else quiet)
        if profiler:
            profiler.disable()
        warm, warm_s = timed(config, quiet)

        out = root / "public"
        product_pages = sum(1 for _ in (out / "p").iterdir())
        listing = out / "products" / "page" / "2" / "index.html"
        category = next((out / "c").iterdir()) / "index.html"
        product = next((out / "p").iterdir()) / "index.html"
        print(f"site: {cold.pages:,} pages, {product_pages:,} product pages ({', '.join(cold.details)})")
        print(line("cold build", cold, cold_s) + ("  [under cProfile]" if profiler else ""))
        print(line("no-change rebuild", warm, warm_s))
        print(f"HTML size: listing page ({PER_PAGE} products) {listing.stat().st_size / 1024:.1f} KiB, "
              f"category page {category.stat().st_size / 1024:.1f} KiB, "
              f"product page {product.stat().st_size / 1024:.1f} KiB (target: listing <= 25 KiB)")
        rate = cold.pages / cold_s
        print("vs anchors (cold build, 10,000 pages): " + ", ".join(
            f"{name} {anchor:,.0f} pages/s -> shelfpress x{rate / anchor:.2f}" for name, anchor in ANCHORS.items())
            + "; target >= 2,000 pages/s, no-change rebuild <= 1 s")

        if profiler:
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("cumulative").print_stats(args.profile)
            stats.sort_stats("tottime").print_stats(args.profile)
            print(text.getvalue())


if __name__ == "__main__":
    main()
