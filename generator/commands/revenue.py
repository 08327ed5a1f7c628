"""`shelfpress revenue ...`: sync the ledger, report from it, draw the dashboard,
show or regenerate the consumer secret.

The click group `revenue_group` (registered by `generator.cli`) parses
options and calls plain functions in `generator.affiliate.revenue`; nothing here
knows an API path or a table. Errors are generator.core.errors subclasses,
printed by click as one line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from generator.core import asyncrun
from generator.config.channelmap import load_channel_map
from generator.config.schema import Config, load_config
from generator.core.errors import Abort
from generator.affiliate.revenue import summary
from generator.affiliate.revenue.dashboard import demo_ledger, write_dashboard
from generator.affiliate.revenue.ledger import Ledger
from generator.affiliate.revenue.partner import PartnerClient
from generator.affiliate.revenue.periods import NAMED_RANGES, Period, choose
from generator.affiliate.revenue.settings import ledger_path, partner_settings, shopper_settings
from generator.affiliate.revenue.shopper import ShopperClient
from generator.affiliate.revenue.sync import SyncReport, sync

site_option = click.option("-C", "--site", "site_dir", type=click.Path(file_okay=False, path_type=Path),
                           default=".", show_default=True, help="The site folder (holds shelfpress.toml).")


def period_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--from/--to (YYYY-MM-DD) or --range NAME."""
    func = click.option("--range", "named", type=click.Choice(NAMED_RANGES), default=None,
                        help="A named range (default: lastmonth).")(func)
    func = click.option("--to", "end", default=None, help="Last day, YYYY-MM-DD (default: today).")(func)
    return click.option("--from", "start", default=None, help="First day, YYYY-MM-DD.")(func)


def sync_ledger(config: Config, period: Period, *, partner: bool, shopper: bool) -> SyncReport:
    """Sync the chosen sources into the ledger; secrets are read only for those."""
    async def go() -> SyncReport:
        partner_client = PartnerClient(partner_settings(config)) if partner else None
        shopper_client = ShopperClient(shopper_settings(config)) if shopper else None
        try:
            with Ledger(ledger_path(config)) as ledger:
                return await sync(ledger, period, partner=partner_client, shopper=shopper_client)
        finally:
            for client in (partner_client, shopper_client):
                if client is not None:
                    await client.aclose()
    return asyncrun.run_sync(go())


def channel_places(config: Config) -> dict[str, str]:
    """Channel id -> place key, for attribution."""
    return {channel_id: key for key, channel_id in load_channel_map(config).items()}


@click.group("revenue")
def revenue_group() -> None:
    """Clicks, revenue and sales: sync them into a local ledger and report on them."""


@revenue_group.command("sync")
@site_option
@period_options
@click.option("--partner/--no-partner", default=True, help="Sync Shopello partner traffic (API v3).")
@click.option("--shopper/--no-shopper", default=True, help="Sync Shopper sales.")
def sync_command(site_dir: Path, start: str | None, end: str | None, named: str | None, partner: bool,
                 shopper: bool) -> None:
    """Fetch traffic and sales for a period into the ledger (default: the last 30 days)."""
    config = load_config(site_dir)
    today = dt.date.today()
    period = choose(start, end, named, today) if (start or end or named) else Period(today - dt.timedelta(30), today)
    report = sync_ledger(config, period, partner=partner, shopper=shopper)
    click.echo(f"Synced {period} into {config.revenue.ledger}:")
    for line in report.lines():
        click.echo(f"  {line}")


@revenue_group.command("report")
@site_option
@period_options
@click.option("--by", type=click.Choice(summary.GROUPINGS), default="channel", show_default=True)
def report_command(site_dir: Path, start: str | None, end: str | None, named: str | None, by: str) -> None:
    """Print totals from the ledger (no network)."""
    config = load_config(site_dir)
    period = choose(start, end, named, dt.date.today())
    with Ledger(ledger_path(config)) as ledger:
        rows = summary.traffic(ledger, period, by, channel_places(config))
    click.echo(f"Revenue {period}, by {by}")
    click.echo(summary.table(rows, by))


@revenue_group.command("dashboard")
@site_option
@period_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML file to write (keep it outside the published output dir); with --demo the "
                   "default is revenue-sample.html.")
@click.option("--demo", is_flag=True, help="Fill it from sample data bundled with shelfpress (labelled as "
                                            "sample): no site, ledger or account needed.")
def dashboard_command(site_dir: Path, start: str | None, end: str | None, named: str | None, output: Path | None,
                      demo: bool) -> None:
    """Write a self-contained HTML dashboard from the ledger (no network)."""
    if demo:
        output = output or Path("revenue-sample.html")
        ledger, period, places = demo_ledger()
        with ledger:
            write_dashboard(ledger, period, output, places=places, title="sample site", sample=True)
        click.echo(f"Wrote {output} (SAMPLE data, not your revenue)")
        return
    if output is None:
        raise click.UsageError("Missing option '-o' / '--output' (or pass --demo for a sample).")
    from generator.publish.link_findings import CheckState

    config = load_config(site_dir)
    period = choose(start, end, named, dt.date.today())
    with Ledger(ledger_path(config)) as ledger:
        write_dashboard(ledger, period, output, places=channel_places(config), title=config.title,
                        breaks=CheckState.for_site(config).broken)
    click.echo(f"Wrote {output}")


@revenue_group.group("secret")
def secret_group() -> None:
    """The consumer secret that signs click links."""


async def _secret(config: Config, regenerate: bool) -> str:
    async with PartnerClient(partner_settings(config)) as client:
        return await (client.regenerate_secret() if regenerate else client.secret())


@secret_group.command("show")
@site_option
def secret_show(site_dir: Path) -> None:
    """Print the consumer secret (store it in the env var links.secret_env names)."""
    click.echo(asyncrun.run_sync(_secret(load_config(site_dir), regenerate=False)))


@secret_group.command("regenerate")
@site_option
@click.option("--yes", is_flag=True, help="Confirm: every link signed with the old secret stops working.")
def secret_regenerate(site_dir: Path, yes: bool) -> None:
    """Generate a new consumer secret. Breaks every link signed with the old one."""
    if not yes:
        raise Abort("regenerating the consumer secret breaks every link already signed with the old one "
                    "(rebuild and redeploy the site afterwards); pass --yes to do it")
    config = load_config(site_dir)
    click.echo(asyncrun.run_sync(_secret(config, regenerate=True)))
    click.echo(f"New secret generated: put it in ${config.links.secret_env}, then rebuild and deploy.", err=True)
