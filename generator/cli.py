"""The `shelfpress` command line: options only; each command delegates to
`generator.commands.<name>` (imported lazily so `shelfpress --help` is fast).

Exit codes: 0 ok, 1 build/content/config error (a ShelfpressError: one line,
no traceback) or an environment failure (disk full, read-only, ...: one line),
2 usage error (click), 70 internal error (a bug: one line; the traceback with
--debug or SHELFPRESS_DEBUG=1), 130 interrupted.
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from generator import __version__


def site_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--site/-C, shared by every command that works on a site."""
    return click.option("-C", "--site", "site_dir", type=click.Path(file_okay=False, path_type=Path),
                        default=".", show_default=True, help="The site folder (holds shelfpress.toml).")(func)


def verbosity_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("-q", "--quiet", is_flag=True, help="Only errors and warnings.")(func)
    func = click.option("-v", "--verbose", is_flag=True, help="Say more about what happens.")(func)

    @functools.wraps(func)
    def wrapper(*args: Any, quiet: bool, verbose: bool, **kwargs: Any) -> Any:
        from generator.core.console import Reporter
        from generator.core.logforward import forward_logging

        reporter = Reporter(verbosity=0 if quiet else 2 if verbose else 1)
        with forward_logging(reporter):  # library logging is counted and shown like every other warning
            return func(*args, reporter=reporter, **kwargs)

    return wrapper


def command_module(name: str, *, freeze: bool = False) -> Any:
    """Import the module of a command (`generator.commands.build`) with the cyclic garbage collector paused:
    an import makes tens of thousands of objects (classes, functions, constants) that live as long as the
    process, and the collector's passes over them free nothing. `freeze`: then put them, and all else alive,
    out of its sight for good (`gc.freeze`); left in its youngest generation, its next pass walks them all
    (8-10 ms of a build, as it begins). Only where the process ends after the command (`ends_after_command`):
    a build leaves what its caller froze frozen, which in a dev server or a test run would keep old graphs."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return importlib.import_module(name)
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


# What commands leave for the system to free when `main` ends the process without Python's teardown; None
# where commands run otherwise (click's CliRunner in tests, a library user): they free what they made.
_left_at_exit: list[object] | None = None


def ends_after_command() -> bool:
    """Whether `main` runs this command: the process then ends right after it, without Python's teardown."""
    return _left_at_exit is not None


def leave_at_exit(thing: object) -> None:
    """Keep `thing` until `main` ends the process, when the system frees it at once (Python would free it
    object by object as soon as the command drops it: 10 ms for a 10,000-product site graph)."""
    if _left_at_exit is not None:
        _left_at_exit.append(thing)


INTERRUPTED = 130  # 128 + SIGINT, as shells and other CLIs report Ctrl+C
ALLOW_SHRINK_HELP = ("Publish even when the build drops more than [build] max_shrink of the live site's products, "
                     "or all of them.")


# Command groups in their own modules, imported only when used: `shelfpress build` (and every
# no-change rebuild) never pays for loading the revenue, catalog or sales-file code, and `--help` lists
# them by the one line kept here (tests/commands/test_cli.py holds it to each group's own help text).
LAZY_GROUPS = {
    "catalog": ("generator.commands.catalog:catalog_group",
                "The local product catalog (SQLite): import data, inspect it, sync static feeds."),
    "links": ("generator.commands.links:links_group", "Signed click links (SignUri)."),
    "sales-file": ("generator.commands.salesfile:salesfile_group",
                   "Shoptimiza sales file and local co-purchase recommendations."),
    "revenue": ("generator.commands.revenue:revenue_group",
                "Clicks, revenue and sales: sync them into a local ledger and report on them."),
    "channels": ("generator.commands.channels:channels_group",
                 "Shopello channels: one per site section and widget, so every click says where it came from."),
    "import": ("generator.commands.importer:import_group", "Bring content over from another system."),
}


class ShelfpressGroup(click.Group):
    """The command group, with Ctrl+C reported as an interruption (exit 130), not click's "Aborted!" (exit 1),
    and the `LAZY_GROUPS` loaded on first use.

    Click turns KeyboardInterrupt into Abort inside `main`; catching it here, around the command, keeps the
    exit status scripts and CI expect. Builds clean up their staging folder on the way out.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_GROUPS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_GROUPS:
            module, attr = LAZY_GROUPS[name][0].split(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, naming the lazy groups by their kept line instead of importing them."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in LAZY_GROUPS:
                rows.append((name, click.utils.make_default_short_help(LAZY_GROUPS[name][1], limit)))
            elif (command := self.get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\nInterrupted.", err=True)
            raise click.exceptions.Exit(INTERRUPTED) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, BrokenPipeError):
            raise  # ShelfpressError and usage errors already are one line; click ends a closed pipe quietly
        except Exception as error:  # noqa: BLE001 - the last boundary: whatever escaped becomes one line
            raise _one_line(error, debug=bool(ctx.params.get("debug"))) from None


def _one_line(error: Exception, *, debug: bool) -> click.ClickException | click.exceptions.Exit:
    """A disk-full or read-only failure as its one-line error (exit 1); anything else, a bug, as one
    "internal error" line (exit 70). `debug` prints the traceback first."""
    from generator.core.failures import INTERNAL_ERROR, environment_failure, internal_error_line

    if debug:
        traceback.print_exception(error, file=sys.stderr)
    failure = environment_failure(error)
    if failure is not None:
        return failure
    click.echo(internal_error_line(error), err=True)
    return click.exceptions.Exit(INTERNAL_ERROR)


@click.group(cls=ShelfpressGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="shelfpress")
@click.option("--debug", is_flag=True, envvar="SHELFPRESS_DEBUG",
              help="Show the traceback of an internal error (also SHELFPRESS_DEBUG=1).")
def cli(debug: bool) -> None:
    """shelfpress: affiliate product sites as fast static pages."""


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--schedule", default=None,
              help="Cron schedule (UTC) of the rebuild in .github/workflows/pages.yml  [default: 0 */6 * * *]")
@click.option("--shards", type=click.IntRange(2, 256), default=None,
              help="For big catalogs: the workflow builds in this many parallel jobs and merges them.")
def new(directory: Path, schedule: str, shards: int | None) -> None:
    """Create a new site in DIRECTORY (which must not exist or be empty)."""
    from generator.commands.new import new_site

    created, install = new_site(directory, schedule=schedule, shards=shards)
    click.echo(install)
    click.echo(f"Created a new site in {directory} ({created} files). Next: cd {directory} && shelfpress serve")


@cli.command()
@site_options
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the site here instead of the configured output_dir.")
@click.option("--clean", is_flag=True, help="Ignore what the last build left and write every file anew.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--drafts", is_flag=True, help="Include pages marked draft: true.")
@click.option("--offline", is_flag=True, help="Use only cached product data; a cache miss is an error.")
@click.option("--refresh", is_flag=True, help="Ignore cached product data and fetch everything again.")
@click.option("--allow-shrink", is_flag=True, help=ALLOW_SHRINK_HELP)
@click.option("--shard", metavar="I/N", default=None,
              help="Build only shard I of N (its share of the pages), for `shelfpress merge` to join.")
@verbosity_options
def build(site_dir: Path, output: Path | None, clean: bool, strict: bool, drafts: bool, offline: bool,
          refresh: bool, allow_shrink: bool, shard: str | None, reporter: Any) -> None:
    """Build the site into its output directory (atomically)."""
    run_build = command_module("generator.commands.build", freeze=ends_after_command()).build
    from generator.config.schema import load_config
    from generator.sources.cache import CacheMode

    if offline and refresh:
        raise click.UsageError("--offline and --refresh contradict each other; pick one")
    mode = CacheMode.OFFLINE if offline else CacheMode.REFRESH if refresh else CacheMode.NORMAL
    share = None
    if shard is not None:
        from generator.engine.sharding import Share  # deferred: only a shard build loads engine.sharding

        share = Share.parse(shard)
    config = load_config(site_dir)
    report = run_build(config, drafts=drafts, clean=clean, strict=strict, output=output, reporter=reporter,
                       cache_mode=mode, allow_shrink=allow_shrink, shard=share, exiting=ends_after_command())
    leave_at_exit(report)
    reporter.info(report.summary())
    if share is not None:
        reporter.info(f"This is shard {share}: join every shard with shelfpress merge SHARD_DIR... -o DIR")
    elif output is None:
        reporter.info("Preview it as it will be published: shelfpress serve --built")


@cli.command()
@site_options
@click.argument("shard_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write the merged site here instead of the configured output_dir.")
@click.option("--allow-shrink", is_flag=True, help=ALLOW_SHRINK_HELP)
@verbosity_options
def merge(site_dir: Path, shard_dirs: tuple[Path, ...], output: Path | None, allow_shrink: bool,
          reporter: Any) -> None:
    """Join the folders `build --shard I/N` wrote into the site one build would make."""
    from generator.commands.merge import merge as run_merge
    from generator.config.schema import load_config

    report = run_merge(load_config(site_dir), list(shard_dirs), output=output, reporter=reporter,
                       allow_shrink=allow_shrink)
    reporter.info(report.summary())


@cli.command()
@site_options
@click.option("--drafts", is_flag=True, help="Include pages marked draft: true.")
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. a misspelt template variable) as errors.")
@verbosity_options
def check(site_dir: Path, drafts: bool, strict: bool, reporter: Any) -> None:
    """Validate everything a build would, without fetching products or writing anything."""
    from generator.commands.check import check_site
    from generator.config.schema import load_config

    pages = check_site(load_config(site_dir), drafts=drafts, strict=strict, reporter=reporter)
    reporter.info(f"OK: configuration and {pages} pages are valid.")


@cli.command()
@site_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on; 0 picks a free one (printed).")
@click.option("--drafts", is_flag=True, help="Include pages marked draft: true.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a web browser.")
@click.option("--poll", is_flag=True, help="Poll for changes (Docker, network drives) instead of OS events.")
@click.option("--built", is_flag=True,
              help="Serve the last build's output as it is, under its base path: no rebuilds, no reload script.")
@verbosity_options
def serve(site_dir: Path, host: str, port: int, drafts: bool, open_browser: bool, poll: bool, built: bool,
          reporter: Any) -> None:
    """Serve the site locally, rebuilding and reloading the browser on every change."""
    run_serve = command_module("generator.commands.serve").serve
    from generator.config.schema import load_config

    if built:
        from generator.commands.preview import serve_built

        if drafts or poll:
            raise click.UsageError("--built serves the last build as it is; --drafts and --poll apply to rebuilds")
        serve_built(load_config(site_dir), host=host, port=port, open_browser=open_browser, reporter=reporter)
        return
    run_serve(load_config(site_dir), host=host, port=port, drafts=drafts, open_browser=open_browser, poll=poll,
              reporter=reporter)


@cli.command()
@site_options
@click.option("--remote", default=None, help="Git remote to push to  [default: [deploy] remote, origin]")
@click.option("--branch", default=None, help="Branch that holds the site  [default: [deploy] branch, gh-pages]")
@click.option("-m", "--message", default=None,
              help="Commit message (the source sha and shelfpress version are always appended).")
@click.option("--force", is_flag=True, help="Replace the branch's history with a single commit (force push).")
@click.option("--ignore-version", is_flag=True, help="Deploy even over a site deployed by a newer shelfpress.")
@click.option("--target", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Publish into this folder (atomically) instead of a git branch.")
@click.option("--no-build", is_flag=True, help="Publish the existing output without building first.")
@click.option("--dry-run", is_flag=True, help="Show what would be added, changed and removed; change nothing.")
@click.option("--strict", is_flag=True, help="Fail on warnings (a placeholder base_url, build warnings).")
@click.option("--allow-shrink", is_flag=True, help=ALLOW_SHRINK_HELP)
@click.option("--allow-unsigned", is_flag=True,
              help="Publish even when click links cannot be signed (a channel is set, the signing secret is not).")
@verbosity_options
def deploy(site_dir: Path, remote: str | None, branch: str | None, message: str | None, force: bool,
           ignore_version: bool, target: Path | None, no_build: bool, dry_run: bool, strict: bool,
           allow_shrink: bool, allow_unsigned: bool, reporter: Any) -> None:
    """Build, then publish to the gh-pages branch (and push) or into --target DIR."""
    from generator.commands.deploy import GitOptions, deploy as run_deploy
    from generator.config.schema import load_config

    git = GitOptions(remote=remote, branch=branch, message=message, force=force, ignore_version=ignore_version)
    run_deploy(load_config(site_dir), git=git, target=target, no_build=no_build, dry_run=dry_run, strict=strict,
               allow_shrink=allow_shrink, allow_unsigned=allow_unsigned, reporter=reporter)


@cli.group()
def theme() -> None:
    """The themes a site can use (built in: default, magazine); copy a theme's templates into the site to edit."""


@theme.command("list")
@site_options
@click.option("--templates", "show_templates", is_flag=True, help="Also list each theme's templates.")
def theme_list(site_dir: Path, show_templates: bool) -> None:
    """List the built-in themes and the site's own (themes/NAME/); * marks the one shelfpress.toml selects."""
    from generator.commands.theme import theme_lines

    for line in theme_lines(site_dir, templates=show_templates):
        click.echo(line)


@theme.command("eject", help="Copy theme NAME's templates (all it has, or each TEMPLATE) into the site's templates/ "
               "to edit. Sites usually override partials/footer.html, partials/header.html, "
               "partials/product-card.html and product.html; an existing file is kept unless --force.")
@site_options
@click.argument("name")
@click.argument("templates", nargs=-1)
@click.option("--force", is_flag=True, help="Replace templates the site already has.")
def theme_eject(site_dir: Path, name: str, templates: tuple[str, ...], force: bool) -> None:
    from generator.commands.theme import eject

    copied = eject(site_dir, name, templates, force=force)
    click.echo(f"Copied {len(copied)} template{'s' if len(copied) != 1 else ''} into templates/: "
               f"{', '.join(copied)}. They now override every theme's; edit them, and delete one to go back.")


def main() -> None:
    """The `shelfpress` command. It ends the process without Python's teardown, which after a big build
    frees a million objects one by one (0.15 s of a 10,000-product rebuild) that the system frees at once.
    Every command has finished its work by then: files are written, databases closed, worker processes
    and threads joined (the dev server's threads are daemons, which a normal exit does not wait for).
    What a command hands `leave_at_exit` (a build's site graph) is freed by the system then too."""
    global _left_at_exit
    _left_at_exit = []
    try:
        cli.main(standalone_mode=True)
        code: object = 0
    except SystemExit as stop:
        code = stop.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # what Python prints for SystemExit("message")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`), or a closed stream
            pass
    os._exit(code or 0)
