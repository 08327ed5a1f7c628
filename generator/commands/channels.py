"""`shelfpress channels ...`: list the Shopello channels, sync one per section and widget.

The click group `channels_group` (registered by `generator.cli`) parses
options; the sync actions are worked out in `generator.affiliate.revenue.channels`, the channel map it
writes (and the build reads) in `generator.config.channelmap`.
"""

from __future__ import annotations

from pathlib import Path

import click

from generator.core import asyncrun
from generator.config.schema import Config, load_config
from generator.config.channelmap import channel_map_path, read_channel_map
from generator.affiliate.revenue.channels import ChannelAction, apply, site_places, sync_actions, write_state
from generator.affiliate.revenue.models import Channel
from generator.affiliate.revenue.partner import PartnerClient
from generator.affiliate.revenue.settings import partner_settings
from generator.content.site import load_site
from generator.commands.revenue import site_option


async def _list(config: Config) -> list[Channel]:
    async with PartnerClient(partner_settings(config)) as client:
        return await client.channels()


def sync_channels(config: Config, *, dry_run: bool) -> list[ChannelAction]:
    """Work out the sync actions for one channel per place of the site (and unless dry_run, apply and record them)."""
    places = site_places(config, load_site(config))
    path = channel_map_path(config)

    async def go() -> list[ChannelAction]:
        async with PartnerClient(partner_settings(config)) as client:
            actions = sync_actions(places, await client.channels(), read_channel_map(path))
            if not dry_run:
                write_state(path, await apply(client, actions), places)
            return actions
    return asyncrun.run_sync(go())


@click.group("channels")
def channels_group() -> None:
    """Shopello channels: one per site section and widget, so every click says where it came from."""


@channels_group.command("list")
@site_option
def list_command(site_dir: Path) -> None:
    """List the account's channels."""
    for channel in asyncrun.run_sync(_list(load_config(site_dir))):
        click.echo(f"{channel.channel_id:>10}  {channel.name}" + (f"  <{channel.uri}>" if channel.uri else ""))


@channels_group.command("sync")
@site_option
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
def sync_command(site_dir: Path, dry_run: bool) -> None:
    """Create or update one channel per section and widget; record the ids for the build."""
    config = load_config(site_dir)
    actions = sync_channels(config, dry_run=dry_run)
    for action in actions:
        click.echo(action.describe())
    changes = sum(a.action in ("create", "update", "adopt") for a in actions)
    if dry_run:
        click.echo(f"Dry run: {changes} change(s) planned; nothing was changed.")
    else:
        click.echo(f"{changes} change(s) made; channel ids in {config.revenue.channels_file}")
