"""`shelfpress deploy`: build, check what is about to go public, publish.

Two destinations:
- the `gh-pages` branch (configurable) of the site's git repository, pushed to
  a remote, through `generator.publish.gitpages` (the user's checkout is never touched);
- a plain folder (`--target DIR`, for rsync or any static host), swapped in
  atomically by `generator.engine.output.OutputWriter`.

Only the output folder is published (plus `.nojekyll` and `CNAME` on the git
branch). Refusals come before the build where they can (not a repository, no
remote), and a failed build raises before anything is published.

The published commit names its source: `Source-Commit: <sha>`, or
`<sha>-dirty` (as `git describe --dirty` says it) when the site folder has
uncommitted changes, because then HEAD alone does not say what was built.
Links that could not be signed (a channel without the signing secret) are
refused (`unsigned.py`) unless `--allow-unsigned`; a build that drops most
products fails in the build (`shrinkguard.py`) unless `--allow-shrink`.
A `base_url` that is still a placeholder (the starter's
`https://example.github.io/my-site/`, example.com/.org/.net, localhost) is a
warning, and an error under `--strict`: every absolute link, the sitemap and
the widget embed codes would point there.

Must not: hold git plumbing (gitpages.py) or write files itself (output.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from generator import __version__
from generator.config.schema import Config
from generator.core.console import Reporter
from generator.core.errors import DeployError
from generator.publish.gitpages import SOURCE_TRAILER, VERSION_TRAILER, Changes, GitRepo, Publication
from generator.engine.output import OutputWriter, check_output_dir
from generator.engine.ownership import check_owned
from generator.publish.unsigned import refuse_unsigned
from generator.commands.build import build

LIST_AT_MOST = 50
PLACEHOLDER_HOSTS = ("example.github.io", "example.com", "example.org", "example.net", "localhost", "127.0.0.1")


@dataclass
class GitOptions:
    """Where and how to publish on git; None means "as configured in [deploy]"."""

    remote: str | None = None
    branch: str | None = None
    message: str | None = None
    force: bool = False
    ignore_version: bool = False


def deploy(config: Config, *, git: GitOptions | None = None, target: Path | None = None, no_build: bool = False,
           dry_run: bool = False, strict: bool = False, allow_shrink: bool = False, allow_unsigned: bool = False,
           reporter: Reporter | None = None) -> Publication | Changes:
    """Build (unless no_build) and publish to git, or into `target`; see the module docstring."""
    reporter = reporter or Reporter()
    git = git or GitOptions()
    _check_base_url(config, strict, reporter)
    if not allow_unsigned:
        refuse_unsigned(config)
    if target is not None:
        if git != GitOptions():
            raise DeployError("--target publishes into a folder; --remote, --branch, --message, --force and "
                              "--ignore-version only apply to git")
        _check_target(config, target)
        site = _built_site(config, no_build, reporter, strict, allow_shrink)
        changes = publish_folder(site, target, dry_run=dry_run)
        _report(reporter, changes, f"{target}", dry_run)
        return changes

    repo = GitRepo(config.site_dir)
    remote = git.remote or config.deploy.remote
    branch = git.branch or config.deploy.branch
    repo.check_remote(remote)
    repo.check_not_checked_out(branch)
    dirty = repo.uncommitted(config.site_dir, [config.output_path, config.cache_path])
    if dirty:
        reporter.info(f"The site has uncommitted changes ({_first_paths(dirty)}): the deploy is labelled "
                      f"{repo.head_commit()[:12]}-dirty")
    site = _built_site(config, no_build, reporter, strict, allow_shrink)
    remote_tip = repo.fetch_published(remote, branch)
    parent = None if git.force else remote_tip or repo.rev(f"refs/heads/{branch}")
    if parent and not git.ignore_version:
        _check_version(repo.deployed_version(parent), branch)
    message = _message(git.message, repo.head_commit(), dirty=bool(dirty))
    result = repo.publish(site, remote=remote, branch=branch, message=message, extra=_pages_files(config),
                          force=git.force, dry_run=dry_run, parent=parent, remote_tip=remote_tip)
    _report(reporter, result.changes, f"{remote}/{branch}", dry_run)
    if not dry_run:
        if result.commit:
            reporter.info(f"Committed {result.commit[:12]} to {branch}" + (" (history replaced)" if git.force else ""))
        reporter.info(f"Pushed {branch} to {remote}." if result.pushed else f"{remote}/{branch} is up to date.")
    return result


def _check_base_url(config: Config, strict: bool, reporter: Reporter) -> None:
    """Warn (fail under --strict) when base_url is still a placeholder."""
    host = (urlsplit(config.base_url).hostname or "").lower()
    if not any(host == h or host.endswith("." + h) for h in PLACEHOLDER_HOSTS):
        return
    message = (f"base_url is still a placeholder ({config.base_url}): absolute links, the sitemap and widget "
               f"embed codes would point there; set base_url in {config.config_file.name} to the site's public "
               "address, e.g. https://USER.github.io/REPO/")
    if strict:
        raise DeployError(message + " (--strict)")
    reporter.warn(message)


def _first_paths(paths: list[str], shown: int = 3) -> str:
    return ", ".join(paths[:shown]) + (f" and {len(paths) - shown} more" if len(paths) > shown else "")


def _built_site(config: Config, no_build: bool, reporter: Reporter, strict: bool = False,
                allow_shrink: bool = False) -> Path:
    """The output folder to publish, after building it (a failed build raises here) and checking it."""
    if not no_build:
        reporter.info(build(config, reporter=reporter, strict=strict, allow_shrink=allow_shrink).summary())
    out = config.output_path
    if not out.is_dir():
        raise DeployError(f"nothing to publish: {out} does not exist; run `shelfpress build` or drop --no-build")
    cache = config.cache_path.resolve()
    if cache == out or cache.is_relative_to(out):
        raise DeployError(f"source.cache_dir ({config.source.cache_dir}) is inside output_dir; it would be "
                          "published, so move it out of the output folder")
    _check_no_secrets(config, out)
    return out


def _check_no_secrets(config: Config, out: Path) -> None:
    """Refuse to publish when any configured secret's value appears in an output file."""
    secrets = {name: config.secret(name, "", required=False) for name in (config.source.api_key_env,
                                                                         config.links.secret_env)}
    needles = {name: value.encode() for name, value in secrets.items() if len(value) >= 8}
    if not needles:
        return
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for name, needle in needles.items():
                if needle in data:
                    raise DeployError(f"{path.relative_to(out)} contains the value of ${name}; refusing to "
                                      "publish a secret (check your templates and content)")


def _check_version(deployed: str | None, branch: str) -> None:
    """Refuse to overwrite a site deployed by a newer shelfpress (MkDocs' _check_version)."""
    if deployed and _version_key(deployed) > _version_key(__version__):
        raise DeployError(f"{branch} was last deployed with shelfpress {deployed}, newer than this "
                          f"{__version__}; upgrade shelfpress or pass --ignore-version")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _message(custom: str | None, source_sha: str, *, dirty: bool = False) -> str:
    """Subject plus trailers; a source with uncommitted changes is `<sha>-dirty` in both."""
    mark = "-dirty" if dirty else ""
    subject = custom or f"Deploy {source_sha[:12]}{mark} with shelfpress {__version__}"
    return f"{subject}\n\n{SOURCE_TRAILER}: {source_sha}{mark}\n{VERSION_TRAILER}: {__version__}\n"


def _pages_files(config: Config) -> dict[str, str]:
    """Files GitHub Pages needs beside the site: no Jekyll processing, and the custom domain."""
    files = {".nojekyll": ""}
    if config.deploy.cname:
        files["CNAME"] = config.deploy.cname.strip() + "\n"
    return files


def _check_target(config: Config, target: Path) -> None:
    target = target.resolve()
    check_output_dir(target, config.site_dir)
    out = config.output_path
    if target == out or target.is_relative_to(out) or out.is_relative_to(target):
        raise DeployError(f"--target {target} overlaps output_dir {out}; choose a folder outside it")
    check_owned(target, setting="--target")


def publish_folder(site: Path, target: Path, *, dry_run: bool = False) -> Changes:
    """Copy the built `site` into `target`, swapped in atomically; unchanged files keep their mtime."""
    files = sorted(p for p in site.rglob("*") if p.is_file())
    rels = {p.relative_to(site).as_posix(): p for p in files}
    old = {p.relative_to(target).as_posix(): p for p in target.rglob("*") if p.is_file()} if target.is_dir() else {}
    changes = Changes(added=[r for r in rels if r not in old],
                      changed=[r for r in rels if r in old and old[r].read_bytes() != rels[r].read_bytes()],
                      removed=sorted(r for r in old if r not in rels))
    if dry_run:
        return changes
    writer = OutputWriter(target, keep_shadow=False)
    try:
        for rel, path in rels.items():
            writer.copy(rel, path, str(path))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return changes


def _report(reporter: Reporter, changes: Changes, where: str, dry_run: bool) -> None:
    verb = "Would publish" if dry_run else "Published"
    if not changes:
        reporter.info(f"{'Would change' if dry_run else 'Changed'} nothing in {where}: the site is as deployed.")
        return
    reporter.info(f"{verb} to {where}: {changes.summary()}")
    lines = list(changes.lines())
    for line in lines if reporter.verbosity >= 2 else lines[:LIST_AT_MOST]:
        reporter.info(line)
    if reporter.verbosity < 2 and len(lines) > LIST_AT_MOST:
        reporter.info(f"  ... and {len(lines) - LIST_AT_MOST} more (-v lists every file)")
