"""The `shelfpress` command line: options only; each command delegates to
`generator.commands.<name>` (imported lazily so `shelfpress --help` is fast).

Exit codes: 0 ok, 1 build/content/config error (a ShelfpressError: one line,
no traceback), 2 usage error (click), 130 interrupted.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__


def site_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--site/-C, shared by every command that works on a site."""
    return click.option("-C", "--site", "site_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=".", show_default=True, help="The site folder (holds shelfpress.toml).")(func)


def verbosity_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("-q", "--quiet", is_flag=True, help="Only errors and warnings.")(func)
    func = click.option("-v", "--verbose", is_flag=True, help="Say more about what happens.")(func)

    @functools.wraps(func)
    def wrapper(*args: Any, quiet: bool, verbose: bool, **kwargs: Any) -> Any:
        from .reporting import Reporter

        return func(*args, reporter=Reporter(verbosity=0 if quiet else 2 if verbose else 1), **kwargs)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="shelfpress")
def cli() -> None:
    """shelfpress: affiliate product sites as fast static pages."""


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def new(directory: Path) -> None:
    """Create a new site in DIRECTORY (which must not exist or be empty)."""
    from .commands.new import new_site

    created = new_site(directory)
    click.echo(f"Created a new site in {directory} ({created} files). Next: cd {directory} && shelfpress serve")


@cli.command()
@site_options
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the site here instead of the configured output_dir.")
@click.option("--clean", is_flag=True, help="Ignore what the last build left and write every file anew.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--drafts", is_flag=True, help="Include pages marked draft: true.")
@verbosity_options
def build(site_dir: Path, output: Path | None, clean: bool, strict: bool, drafts: bool, reporter: Any) -> None:
    """Build the site into its output directory (atomically)."""
    from .commands.build import build as run_build
    from .config import load_config

    config = load_config(site_dir)
    report = run_build(config, drafts=drafts, clean=clean, strict=strict, output=output, reporter=reporter)
    reporter.info(report.summary())


@cli.command()
@site_options
@click.option("--drafts", is_flag=True, help="Include pages marked draft: true.")
@verbosity_options
def check(site_dir: Path, drafts: bool, reporter: Any) -> None:
    """Validate the config and all content without writing anything."""
    from .commands.check import check_site
    from .config import load_config

    pages = check_site(load_config(site_dir), drafts=drafts, reporter=reporter)
    reporter.info(f"OK: configuration and {pages} pages are valid.")


@cli.command()
@site_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on; 0 picks a free one (printed).")
@click.option("--drafts", is_flag=True, help="Include pages marked draft: true.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
@click.option("--poll", is_flag=True, help="Poll for changes (Docker, network drives) instead of OS events.")
@verbosity_options
def serve(site_dir: Path, host: str, port: int, drafts: bool, open_browser: bool, poll: bool,
          reporter: Any) -> None:
    """Serve the site locally, rebuilding and reloading the browser on every change."""
    from .commands.serve import serve as run_serve
    from .config import load_config

    run_serve(load_config(site_dir), host=host, port=port, drafts=drafts, open_browser=open_browser, poll=poll,
              reporter=reporter)


def main() -> None:
    try:
        cli.main(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("Interrupted; the previous output is untouched.", err=True)
        sys.exit(130)
