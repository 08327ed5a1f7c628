"""`shelfpress catalog ...`: import, stats, search and sync-feeds on the local catalog.

The click group `catalog_group` (registered by `generator.cli`) parses options
and calls the plain functions below; the work lives in `generator.sources`.
Every command works on the catalog the site builds from: `-C/--site DIR`
(default `.`) names the site, whose `[source] catalog` is the file, or, without
one, the embedded demo catalog (read-only here: importing into the demo would
write into a cache). `--catalog PATH` names another file instead. Errors are
generator.core.errors subclasses, printed by click as one line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from generator.config.schema import CONFIG_FILE, load_config
from generator.core.console import Reporter
from generator.core.errors import ConfigError
from generator.sources.catalog import CatalogSource
from generator.sources.demo import demo_catalog
from generator.sources.factory import catalog_path as site_catalog_path
from generator.sources.feeds import DEFAULT_BASE_URL, FeedError, FeedFetcher, FeedSyncReport, sync_feeds
from generator.sources.models import Product
from generator.sources.query import ProductQuery

SUGGESTED_CATALOG = ".shelfpress/catalog.sqlite"


def catalog_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """-C/--site (as every site command) and --catalog (another file than the site's)."""
    func = click.option("--catalog", "catalog_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                        help="Use this catalog file instead of the site's ([source] catalog, or the embedded "
                             "demo catalog).")(func)
    return click.option("-C", "--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
                        show_default=True, help="The site folder (holds shelfpress.toml).")(func)


def open_catalog(site_dir: Path, catalog_path: Path | None, *, writing: bool) -> tuple[CatalogSource, Path]:
    """The catalog a command works on, and its path as shown to the user.

    `--catalog` wins; else the site's `[source] catalog` (which must exist unless `writing`); else the
    embedded demo catalog, which only reading commands may use.
    """
    if catalog_path is not None:
        return CatalogSource(catalog_path), catalog_path
    config = load_config(site_dir)
    path = site_catalog_path(config)
    if config.source.catalog:
        if not writing and not path.is_file():
            raise config.error("source.catalog", f"catalog file {path} does not exist; create it with "
                               "`shelfpress catalog import FILE...`")
        path.parent.mkdir(parents=True, exist_ok=True)
        return CatalogSource(path), path
    if writing:
        raise ConfigError(f"this site builds from the embedded demo catalog (no [source] catalog in "
                          f"{config.config_file}); add catalog = \"{SUGGESTED_CATALOG}\" under [source] to import "
                          "into your own catalog, or pass --catalog FILE")
    path.parent.mkdir(parents=True, exist_ok=True)
    return demo_catalog(path), path


def _network_limits(site_dir: Path) -> dict[str, Any]:
    """The site's `[source] request_deadline` and `max_response_size` for the feed requests; the defaults
    when `--catalog` names a file outside any site."""
    if not (site_dir / CONFIG_FILE).is_file():
        return {}
    source = load_config(site_dir).source
    return {"deadline": source.request_deadline, "max_body": source.max_response_size}


def counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {table}" for table, count in counts.items() if table != "feed_state")


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


def sync_lines(report: FeedSyncReport) -> list[str]:
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
def import_command(site_dir: Path, catalog_path: Path | None, files: tuple[Path, ...]) -> None:
    """Import API responses (JSON), JSON lines or taxonomy files; re-importing updates in place."""
    source, shown = open_catalog(site_dir, catalog_path, writing=True)
    reporter = Reporter()
    with source:
        report = source.import_files(files, reporter.progress)
        holds = counts_line(source.counts())
    reporter.end_progress()
    for warning in report.warnings:
        reporter.warn(warning, kind="dropped product data")
    reporter.flush_groups()
    click.echo(f"Imported {report.summary()} into {shown}; it now holds {holds}")


@catalog_group.command("stats")
@catalog_option
def stats_command(site_dir: Path, catalog_path: Path | None) -> None:
    """Show how many products, categories, stores and brands the catalog holds."""
    source, shown = open_catalog(site_dir, catalog_path, writing=False)
    click.echo(f"catalog     {shown}")
    with source:
        for table, count in source.counts().items():
            click.echo(f"{table:<12}{count:>10}")


@catalog_group.command("search")
@catalog_option
@click.argument("query", required=False, default="")
@click.option("--category", "categories", multiple=True, help="Category id (negative excludes); repeatable.")
@click.option("--store", "stores", multiple=True, help="Store id (negative excludes); repeatable.")
@click.option("--mode", type=click.Choice(["pre", "or", "fill"]), default=None, help="Match mode.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
def search_command(site_dir: Path, catalog_path: Path | None, query: str, categories: tuple[str, ...], stores: tuple[str, ...],
                   mode: str | None, limit: int) -> None:
    """Print the products a listing with this query would show."""
    product_query = ProductQuery(query=query, category_id=",".join(categories), store_id=",".join(stores),
                                 mode=mode, limit=limit, get_total_found=True)
    source, _ = open_catalog(site_dir, catalog_path, writing=False)
    with source:
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
def sync_feeds_command(site_dir: Path, catalog_path: Path | None, api_key: str, base_url: str, with_reduction: bool,
                       exclude: tuple[int, ...], force: bool) -> None:
    """Import the static feeds of the stores whose date changed since the last sync."""
    source, _ = open_catalog(site_dir, catalog_path, writing=True)
    fetcher = FeedFetcher(api_key, base_url, with_reduction=with_reduction, exclude_categories=exclude,
                          **_network_limits(site_dir))
    try:
        with source:
            report = sync_feeds(source, fetcher, force=force)
    finally:
        fetcher.close()
    for line in sync_lines(report):
        click.echo(line)
    failed = report.with_status("failed")
    if failed:
        raise FeedError(f"{len(failed)} store feed(s) failed; their products were left as they were")
