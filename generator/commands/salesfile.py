"""`shelfpress sales-file ...`: build, upload, publish, recommend.

Owns option parsing, reading the Shoptimiza key and secret (through
`generator.config.schema`), and printing summaries. Logic lives in `generator.affiliate.salesfile`.
The secret is never printed.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from generator.config.schema import secret_from_env
from generator.affiliate.salesfile import (
    CsvColumns,
    RecommendOptions,
    UploadTarget,
    build_sales_file,
    compute_recommendations,
    describe_upload,
    publish_sales_file,
    upload_sales_file,
    write_recommendations,
)
from generator.affiliate.salesfile.publish import STATIC_HOST_WARNING
from generator.affiliate.salesfile.recommend import MEASURES
from generator.affiliate.salesfile.upload import DEFAULT_BASE_URL

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUT = click.Path(dir_okay=False, path_type=Path)


@click.group("sales-file")
def salesfile_group() -> None:
    """Shoptimiza sales file and local co-purchase recommendations."""


@salesfile_group.command("build")
@click.argument("orders", type=_FILE)
@click.option("-o", "--output", type=_OUT, default=Path("sales-file.jsonl"), show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="Input format (default: from suffix).")
@click.option("--order-column", default="order_id", show_default=True, help="CSV header of the order id.")
@click.option("--product-column", default="product_id", show_default=True, help="CSV header of the product id.")
@click.option("--date-column", help="CSV header of the order date (default: 'date' when present).")
@click.option("--months", default=12, show_default=True, help="Keep dated orders of the last N months; 0 keeps all.")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="End of the window (default: today).")
def build_command(orders: Path, output: Path, fmt: str | None, order_column: str, product_column: str,
                  date_column: str | None, months: int, as_of: datetime | None) -> None:
    """Build the sales file from ORDERS (CSV or JSON lines)."""
    report = build_sales_file(orders, output, fmt=fmt, columns=CsvColumns(order_column, product_column, date_column),
                              window_months=months, as_of=as_of.date() if as_of else None)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.warnings_suppressed:
        click.echo(f"warning: ... and {report.warnings_suppressed:,} more", err=True)
    click.echo(f"{output}: {report.summary()}")


@salesfile_group.command("upload")
@click.argument("sales_file", type=_FILE)
@click.option("--key-env", default="SHOPTIMIZA_API_KEY", show_default=True, help="Variable holding the API key.")
@click.option("--secret-env", default="SHOPTIMIZA_SECRET", show_default=True, help="Variable holding the secret.")
@click.option("--base-url", default=DEFAULT_BASE_URL, show_default=True)
@click.option("--retries", default=3, show_default=True)
@click.option("--dry-run", is_flag=True, help="Print the request (secret and signature hidden) and send nothing.")
def upload_command(sales_file: Path, key_env: str, secret_env: str, base_url: str, retries: int,
                   dry_run: bool) -> None:
    """Upload SALES_FILE to Shoptimiza (do it every 7 days)."""
    target = UploadTarget(secret_from_env(key_env, " (or name another variable with --key-env)"),
                          secret_from_env(secret_env, " (or name another variable with --secret-env)"), base_url)
    if dry_run:
        click.echo(describe_upload(sales_file, target))
        return
    response = upload_sales_file(sales_file, target, retries=retries)
    click.echo(f"uploaded {sales_file} ({sales_file.stat().st_size:,} bytes): HTTP {response.status_code}")


@salesfile_group.command("publish")
@click.argument("sales_file", type=_FILE)
@click.option("--static-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("static"),
              show_default=True, help="The site's static directory.")
@click.option("--name", default="sales-file.jsonl", show_default=True, help="File name on the site.")
@click.option("--public", is_flag=True, help="Publish although anyone with the URL can read it.")
def publish_command(sales_file: Path, static_dir: Path, name: str, public: bool) -> None:
    """Copy SALES_FILE into the site for Shoptimiza to pull."""
    click.echo(f"warning: {STATIC_HOST_WARNING}", err=True)
    target = publish_sales_file(sales_file, static_dir, name=name, public=public)
    click.echo(f"published {target}; set it as the 'pull data URL' in your Shoptimiza configuration")


@salesfile_group.command("recommend")
@click.argument("sales_file", type=_FILE)
@click.option("-o", "--output", type=_OUT, default=Path("recommendations.jsonl"), show_default=True)
@click.option("--measure", type=click.Choice(MEASURES), default="cosine", show_default=True)
@click.option("--min-support", default=3, show_default=True, help="Orders a pair needs to count.")
@click.option("--limit", default=10, show_default=True, help="alsoBought entries per product.")
@click.option("--bundle-size", default=3, show_default=True, help="boughtTogether size, the product included.")
def recommend_command(sales_file: Path, output: Path, measure: str, min_support: int, limit: int,
                      bundle_size: int) -> None:
    """Compute alsoBought/boughtTogether per product from SALES_FILE."""
    options = RecommendOptions(measure=measure, min_support=min_support, also_bought=limit, bundle_size=bundle_size)
    recommendations, report = compute_recommendations(sales_file, options)
    write_recommendations(recommendations, output)
    click.echo(f"{output}: {report.products_with_recommendations:,} of {report.products:,} products have "
               f"recommendations ({report.orders:,} orders, {report.pairs:,} pairs with support >= {min_support})")
