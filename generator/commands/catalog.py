"""`shelfpress catalog ...`: import, stats, search and sync-feeds on the local catalog.

The click group `catalog_group` (registered by `generator.cli`) parses options
and calls the plain functions below; the work lives in `generator.sources`.
Every command takes `--catalog PATH`. Errors are generator.errors subclasses,
printed by click as one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ..reporting import Reporter
from ..sources.catalog import CatalogSource
from ..sources.feeds import DEFAULT_BASE_URL, FeedError, FeedFetcher, SyncReport, sync_feeds
from ..sources.models import Product
from ..sources.query import ProductQuery

DEFAULT_CATALOG = Path(".shelfpress") / "catalog.sqlite"

catalog_option = click.option(
    "--catalog", "catalog_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_CATALOG,
    show_default=True, help="The catalog file (created if missing).")


def search_table(products: Sequence[Product], total: int | None) -> str:
    """An aligned text table: id, price, store, brand, name."""
    header = ("ID", "PRICE", "STORE", "BRAND", "NAME")
    rows = [(str(p.product_id), f"{p.price.price:.2f} {p.price.currency}", p.store.name, p.brand, p.name)
            for p in products]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1]
             for row in [header, *rows]]
    lines.append(f"{len(products)} of {total} products" if total is not None else f"{len(products)} products")
    return "\n".join(lines)


def sync_lines(report: SyncReport) -> list[str]:
    lines = []
    for store in report.stores:
        detail = {"imported": f"{store.products} products, {store.removed} removed",
                  "removed": f"{store.removed} products removed"}.get(store.status, "")
        extra = "; ".join(part for part in (detail, store.message) if part)
        lines.append(f"{store.store_id:>8}  {store.status:<9}  {store.name}" + (f"  ({extra})" if extra else ""))
    lines.append(report.summary())
    return lines


@click.group("catalog")
def catalog_group() -> None:
    """The local product catalog (SQLite): import data, inspect it, sync static feeds."""


@catalog_group.command("import")
@catalog_option
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def import_command(catalog_path: Path, files: tuple[Path, ...]) -> None:
    """Import API responses (JSON), JSON lines or taxonomy files; re-importing updates in place."""
    with CatalogSource(catalog_path) as source:
        report = source.import_files(files)
    reporter = Reporter()
    for warning in report.warnings:
        reporter.warn(warning, kind="dropped product data")
    reporter.flush_groups()
    click.echo(f"Imported {report.summary()} into {catalog_path}")


@catalog_group.command("stats")
@catalog_option
def stats_command(catalog_path: Path) -> None:
    """Show how many products, categories, stores and brands the catalog holds."""
    with CatalogSource(catalog_path) as source:
        for table, count in source.counts().items():
            click.echo(f"{table:<12}{count:>10}")


@catalog_group.command("search")
@catalog_option
@click.argument("query", required=False, default="")
@click.option("--category", "categories", multiple=True, help="Category id (negative excludes); repeatable.")
@click.option("--store", "stores", multiple=True, help="Store id (negative excludes); repeatable.")
@click.option("--mode", type=click.Choice(["pre", "or", "fill"]), default=None, help="Match mode.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
def search_command(catalog_path: Path, query: str, categories: tuple[str, ...], stores: tuple[str, ...],
                   mode: str | None, limit: int) -> None:
    """Print the products a listing with this query would show."""
    product_query = ProductQuery(query=query, category_id=",".join(categories), store_id=",".join(stores),
                                 mode=mode, limit=limit, get_total_found=True)
    with CatalogSource(catalog_path) as source:
        page = source.search(product_query)
    click.echo(search_table(page.products, page.total_found))


@catalog_group.command("sync-feeds")
@catalog_option
@click.option("--api-key", envvar="SHOPELLO_API_KEY", required=True, help="Shopello API key [env SHOPELLO_API_KEY].")
@click.option("--base-url", default=DEFAULT_BASE_URL, show_default=True, help="Feed server (country).")
@click.option("--with-reduction", is_flag=True, help="Only products on sale.")
@click.option("--exclude-category", "exclude", multiple=True, type=click.IntRange(min=1),
              help="Category id to leave out, with its sub-categories; repeatable.")
@click.option("--force", is_flag=True, help="Re-import every store, changed or not.")
def sync_feeds_command(catalog_path: Path, api_key: str, base_url: str, with_reduction: bool,
                       exclude: tuple[int, ...], force: bool) -> None:
    """Import the static feeds of the stores whose date changed since the last sync."""
    fetcher = FeedFetcher(api_key, base_url, with_reduction=with_reduction, exclude_categories=exclude)
    try:
        with CatalogSource(catalog_path) as source:
            report = sync_feeds(source, fetcher, force=force)
    finally:
        fetcher.close()
    for line in sync_lines(report):
        click.echo(line)
    failed = report.with_status("failed")
    if failed:
        raise FeedError(f"{len(failed)} store feed(s) failed; their products were left as they were")
