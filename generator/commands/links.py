"""`shelfpress links ...`: check signed click links from the command line.

Owns: option parsing and printing for the `links` group, nothing else. Signing
and verifying live in `generator.affiliate.signing` (which reads the secret through
`generator.config.schema`); the default variable name is the config schema's
`[links] secret_env`. The secret is never printed.
"""

from __future__ import annotations

import json

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
