"""`shelfpress links ...`: check signed click links, and what broke on the site, from the command line.

Owns: option parsing and printing for the `links` group, nothing else. Signing
and verifying live in `generator.affiliate.signing` (which reads the secret through
`generator.config.schema`); the default variable name is the config schema's
`[links] secret_env`. The secret is never printed. `links check` runs
`generator.publish.link_health` and prints with `generator.publish.link_report`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from generator.affiliate.signing import DEFAULT_PARAM, DEFAULT_SECRET_ENV, verify_link


@click.group("links")
def links_group() -> None:
    """Signed click links (SignUri)."""


@links_group.command("verify")
@click.argument("url")
@click.option("--secret-env", default=DEFAULT_SECRET_ENV, show_default=True,
              help="Environment variable holding the consumer secret.")
@click.option("--param", default=DEFAULT_PARAM, show_default=True, help="Name of the signed query parameter.")
@click.pass_context
def verify_command(ctx: click.Context, url: str, secret_env: str, param: str) -> None:
    """Print the partner data of URL and whether its signature is valid."""
    result = verify_link(url, secret_env, param, hint=" (or name another variable with --secret-env)")
    if result.unverified_data is not None:
        label = "data" if result.valid else "data (unverified)"
        click.echo(f"{label}: {json.dumps(result.unverified_data, ensure_ascii=False, sort_keys=True)}")
    if result.valid:
        click.echo("OK")
        return
    click.echo(f"INVALID: {result.reason}")
    ctx.exit(1)


@links_group.command("check")
@click.option("-C", "--site", "site_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="The site folder (holds shelfpress.toml).")
@click.option("--strict", is_flag=True, help="Exit 1 when anything broke (notes never count).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="text for a terminal, json for scripts, markdown for a GitHub issue.")
@click.option("--external", is_flag=True,
              help="Also request every link in content (404/410 twice in a row counts as dead).")
@click.option("--drafts", is_flag=True, help="Include pages marked draft: true.")
@click.pass_context
def check_command(ctx: click.Context, site_dir: Path, strict: bool, fmt: str, external: bool, drafts: bool) -> None:
    """Report what broke: gone or out-of-stock pinned products, empty listings, deactivated shops, dead links."""
    from generator.config.schema import load_config
    from generator.publish.link_health import check_links
    from generator.publish.link_report import render

    report = check_links(load_config(site_dir), external=external, drafts=drafts)
    click.echo(render(report, fmt))
    if strict and report.broken:
        ctx.exit(1)
