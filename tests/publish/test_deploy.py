"""`shelfpress deploy` against a local bare repository, and `--target DIR` into a plain folder.

Every git deploy is checked to leave the user's checkout alone: HEAD, the
current branch, the index file and the working tree are byte-identical
before and after.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from unittest import mock

import pytest

from generator import __version__
from generator.commands import deploy as deploy_module
from generator.commands.deploy import GitOptions, publish_folder
from generator.publish.gitpages import _reason
from generator.engine.output import OutputWriter
from tests.support.sites import SMALL_CONFIG, run, tree, write_site

PAGES = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome [about](about/).\n",
    "content/about.md": "---\ntitle: About us\n---\nAbout text.\n",
    "static/img/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    ".gitignore": "public/\n.shelfpress-cache/\n",
}
# No search bundle: it changes with every edit and would blur the exact change counts.
CONFIG = SMALL_CONFIG + '[deploy]\ncname = "shop.example.com"\n'


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """A predictable git: no user or system config, a fixed identity."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Tester")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "tester@example.com")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    path = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return path


@pytest.fixture
def site(tmp_path: Path, remote: Path) -> Path:
    root = write_site(tmp_path / "site", PAGES, config=CONFIG)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "source")
    git(root, "remote", "add", "origin", str(remote))
    return root


def commit_edit(site: Path, text: str) -> None:
    (site / "content/about.md").write_text(f"---\ntitle: About us\n---\n{text}\n")
    git(site, "commit", "-qam", "edit")


def deploy(site: Path, *extra: str, ok: bool = True) -> str:
    result = run("deploy", "-C", str(site), *extra)
    assert (result.exit_code == 0) == ok, result.output
    assert "Traceback" not in result.output
    return result.output


def checkout_state(site: Path) -> dict[str, object]:
    """Everything of the user's checkout a deploy must not change (the ignored output and cache aside)."""
    files = {k: v for k, v in tree(site).items() if not k.startswith((".git/", "public/", ".shelfpress-cache/"))}
    return {"head": git(site, "symbolic-ref", "HEAD"), "sha": git(site, "rev-parse", "HEAD"),
            "index": (site / ".git/index").read_bytes(), "status": git(site, "status", "--porcelain"),
            "files": files}


def published(remote: Path, branch: str = "gh-pages") -> dict[str, bytes]:
    names = git(remote, "ls-tree", "-r", "--name-only", branch).splitlines()
    return {name: subprocess.run(["git", "cat-file", "blob", f"{branch}:{name}"], cwd=remote, capture_output=True,
                                 check=True).stdout for name in names}


def history(remote: Path, branch: str = "gh-pages") -> list[str]:
    return git(remote, "rev-list", branch).splitlines()


def test_deploy_twice_publishes_exactly_the_site_and_keeps_history(site: Path, remote: Path) -> None:
    before = checkout_state(site)
    deploy(site)
    expected = tree(site / "public") | {".nojekyll": b"", "CNAME": b"shop.example.com\n"}
    assert published(remote) == expected
    assert checkout_state(site) == before
    first = history(remote)
    assert len(first) == 1
    message = git(remote, "log", "-1", "--format=%B", "gh-pages")
    assert git(site, "rev-parse", "HEAD") in message and f"shelfpress {__version__}" in message

    out = deploy(site)  # unchanged build: no new commit, nothing pushed
    assert history(remote) == first
    assert "up to date" in out
    assert checkout_state(site) == before

    commit_edit(site, "New about text.")
    before = checkout_state(site)
    deploy(site, "-m", "Refresh prices")
    assert history(remote)[1:] == first
    assert git(remote, "log", "-1", "--format=%s", "gh-pages") == "Refresh prices"
    assert b"New about text." in published(remote)["about/index.html"]
    assert git(site, "rev-parse", "gh-pages") == history(remote)[0]
    assert checkout_state(site) == before


def test_force_replaces_history(site: Path, remote: Path) -> None:
    deploy(site)
    commit_edit(site, "Second.")
    deploy(site)
    assert len(history(remote)) == 2
    deploy(site, "--force")
    assert len(history(remote)) == 1
    assert b"Second." in published(remote)["about/index.html"]


def test_history_is_kept_when_the_local_branch_is_missing(site: Path, remote: Path) -> None:
    """A fresh clone (no local gh-pages) still builds on what the remote has."""
    deploy(site)
    git(site, "branch", "-D", "gh-pages")
    commit_edit(site, "From another machine.")
    deploy(site)
    assert len(history(remote)) == 2


def test_remote_and_branch_options(site: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.git"
    subprocess.run(["git", "init", "-q", "--bare", str(other)], check=True)
    git(site, "remote", "add", "mirror", str(other))
    deploy(site, "--remote", "mirror", "--branch", "site")
    assert "index.html" in published(other, "site")


def test_refuses_outside_a_git_repository(tmp_path: Path) -> None:
    plain = write_site(tmp_path / "plain", PAGES)
    out = deploy(plain, ok=False)
    assert "not inside a git repository" in out and "--target" in out
    assert not (plain / "public").exists()  # refused before building


def test_refuses_a_missing_remote(site: Path) -> None:
    out = deploy(site, "--remote", "nowhere", ok=False)
    assert "git remote 'nowhere' is not configured" in out
    assert out.count("\n") == 1


def test_failed_build_leaves_gh_pages_untouched(site: Path, remote: Path) -> None:
    deploy(site)
    tip, local = history(remote), git(site, "rev-parse", "gh-pages")
    (site / "content/broken.md").write_text("---\ntitle: [unclosed\n---\n")
    out = deploy(site, ok=False)
    assert "content/broken.md" in out
    assert history(remote) == tip and git(site, "rev-parse", "gh-pages") == local


def test_refuses_to_publish_a_secret(site: Path, remote: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_API_KEY", "sk-live-0123456789")
    (site / "content/leak.md").write_text("---\ntitle: Leak\n---\nkey sk-live-0123456789\n")
    out = deploy(site, ok=False)
    assert "leak/index.html would contain the value of the secret source.api_key_env ($SHOPELLO_API_KEY)" in out
    assert "sk-live-0123456789" not in out
    assert not git(remote, "branch", "--list")


def test_refuses_over_a_newer_shelfpress(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy_module, "__version__", "99.0.0")
    deploy(site)
    monkeypatch.setattr(deploy_module, "__version__", __version__)
    commit_edit(site, "Later.")
    assert "last deployed with shelfpress 99.0.0" in deploy(site, ok=False)
    deploy(site, "--ignore-version")


def test_dry_run_changes_nothing(site: Path, remote: Path) -> None:
    deploy(site)
    commit_edit(site, "Draft change.")
    state, refs = checkout_state(site), git(site, "for-each-ref")
    remote_refs, objects = git(remote, "for-each-ref"), git(site, "count-objects", "-v")
    out = deploy(site, "--dry-run")
    assert "Would publish to origin/gh-pages: 0 added, 1 changed, 0 removed" in out
    assert "~ about/index.html" in out
    assert checkout_state(site) == state and git(site, "for-each-ref") == refs
    assert git(remote, "for-each-ref") == remote_refs
    assert git(site, "count-objects", "-v") == objects  # not even unreferenced objects


def test_first_dry_run_lists_every_file(site: Path, remote: Path) -> None:
    out = deploy(site, "--dry-run")
    assert "+ .nojekyll" in out and "+ CNAME" in out and "+ index.html" in out
    assert not git(remote, "branch", "--list")


def test_target_publishes_the_site_into_a_folder(site: Path, tmp_path: Path) -> None:
    target = tmp_path / "www"
    deploy(site, "--target", str(target))
    assert tree(target) == tree(site / "public")
    mtime = (target / "index.html").stat().st_mtime_ns
    out = deploy(site, "--target", str(target))
    assert "Changed nothing" in out
    assert (target / "index.html").stat().st_mtime_ns == mtime  # unchanged files are not rewritten

    (site / "content/about.md").unlink()
    assert "- about/index.html" in deploy(site, "--target", str(target), "--dry-run")
    assert (target / "about/index.html").is_file()
    deploy(site, "--target", str(target))
    assert tree(target) == tree(site / "public")


def test_target_is_atomic(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "www"
    deploy(site, "--target", str(target))
    before = tree(target)
    (site / "content/about.md").write_text("---\ntitle: About\n---\nChanged.\n")
    run("build", "-C", str(site))
    calls = 0
    real_copy = OutputWriter.copy

    def failing_copy(self: OutputWriter, rel: str, source: Path, owner: str) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("disk full")
        real_copy(self, rel, source, owner)

    monkeypatch.setattr(OutputWriter, "copy", failing_copy)
    with pytest.raises(OSError):
        publish_folder(site / "public", target)
    assert tree(target) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".www")] == []  # no staging left behind


def test_target_rejects_git_options_and_overlapping_folders(site: Path) -> None:
    assert "only apply to git" in deploy(site, "--target", str(site / "x"), "--force", ok=False)
    assert "overlaps output_dir" in deploy(site, "--target", str(site / "public"), ok=False)


def test_refuses_while_gh_pages_is_checked_out_somewhere(site: Path, tmp_path: Path) -> None:
    deploy(site)
    git(site, "worktree", "add", "-q", str(tmp_path / "pages"), "gh-pages")
    assert "branch 'gh-pages' is checked out in a worktree" in deploy(site, ok=False)


def test_git_errors_are_one_line_without_credentials() -> None:
    stderr = ("To https://x-access-token:ghs_SECRET@github.com/u/r.git\n ! [rejected] gh-pages (fetch first)\n"
              "error: failed to push some refs to 'https://x-access-token:ghs_SECRET@github.com/u/r.git'\n"
              "hint: Updates were rejected because the remote contains work that you do not have locally.\n")
    assert _reason(stderr) == "! [rejected] gh-pages (fetch first)"  # the remote's reason, not "failed to push"
    assert _reason("fatal: unable to access 'https://u:ghs_SECRET@github.com/u/r.git/': 403\n") == \
        "fatal: unable to access 'https://***@github.com/u/r.git/': 403"


def test_cli_passes_options_through(tmp_path: Path) -> None:
    write_site(tmp_path, PAGES)
    with mock.patch("generator.commands.deploy.deploy", autospec=True) as run_deploy:
        result = run("deploy", "-C", str(tmp_path), "--remote", "up", "--branch", "www", "-m", "hi", "--force",
                     "--dry-run", "--no-build")
    assert result.exit_code == 0, result.output
    kwargs = run_deploy.call_args.kwargs
    assert kwargs["git"] == GitOptions(remote="up", branch="www", message="hi", force=True)
    assert kwargs["dry_run"] and kwargs["no_build"] and kwargs["target"] is None and not kwargs["strict"]


def test_uncommitted_changes_mark_the_deploy_dirty(site: Path, remote: Path) -> None:
    sha = git(site, "rev-parse", "HEAD")
    out = deploy(site)  # the build's output and cache are ignored: still clean
    message = git(remote, "log", "-1", "--format=%B", "gh-pages")
    assert f"Source-Commit: {sha}\n" in message + "\n" and "dirty" not in message and "dirty" not in out

    (site / "content/about.md").write_text("---\ntitle: About us\n---\nNot committed yet.\n")
    out = deploy(site)
    message = git(remote, "log", "-1", "--format=%B", "gh-pages")
    assert message.startswith(f"Deploy {sha[:12]}-dirty with shelfpress")
    assert f"Source-Commit: {sha}-dirty" in message
    assert "uncommitted changes (content/about.md)" in out and f"{sha[:12]}-dirty" in out

    git(site, "commit", "-qam", "about")
    (site / "content/new.md").write_text("---\ntitle: New\n---\nUntracked.\n")  # untracked counts too
    deploy(site, "-m", "Refresh")
    message = git(remote, "log", "-1", "--format=%B", "gh-pages")
    assert message.startswith("Refresh\n") and f"Source-Commit: {git(site, 'rev-parse', 'HEAD')}-dirty" in message


def test_placeholder_base_url_warns_and_fails_under_strict(site: Path, remote: Path) -> None:
    config = (site / "shelfpress.toml").read_text().replace("https://user.github.io/repo/",
                                                            "https://example.github.io/my-site/")
    (site / "shelfpress.toml").write_text(config)
    git(site, "commit", "-qam", "starter base_url")
    strict = deploy(site, "--strict", ok=False)
    assert "base_url is still a placeholder (https://example.github.io/my-site/)" in strict
    assert "gh-pages" not in git(remote, "branch", "--list")
    out = deploy(site)
    assert "base_url is still a placeholder" in out and history(remote)
    folder = run("deploy", "-C", str(site), "--target", str(site.parent / "www"), "--strict")
    assert folder.exit_code == 1 and "placeholder" in folder.output


def test_starter_base_url_is_a_placeholder(tmp_path: Path) -> None:
    from generator.commands.deploy import _check_base_url
    from generator.config.schema import load_config
    from generator.core.console import Reporter
    from generator.core.errors import DeployError

    assert run("new", str(tmp_path / "mysite")).exit_code == 0
    config = load_config(tmp_path / "mysite")
    with pytest.raises(DeployError, match="placeholder"):
        _check_base_url(config, True, Reporter(verbosity=0))
