"""Publish a folder as one commit on a branch of a git repository (gh-pages).

Owns the git plumbing of `shelfpress deploy`: finding the repository and
the remote, fetching the published branch so its history is kept, turning
the folder into a tree through a *temporary* index (GIT_INDEX_FILE +
GIT_WORK_TREE pointing at the folder), diffing that tree against the branch
tip, `commit-tree`, `update-ref` and `push`.

Why not ghp-import: it always writes a new commit (an unchanged build would
add one per deploy) and cannot say what would change (--dry-run); both need
the tree hash before committing, which is the plumbing below anyway.

Must not: touch the user's HEAD, index, working tree or current branch;
run a build; read the config; print (callers report the returned values).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.errors import DeployError
from generator.core.net.redact import Redactor

VERSION_TRAILER = "Shelfpress-Version"
SOURCE_TRAILER = "Source-Commit"


@dataclass
class Changes:
    """Paths added, changed and removed by a publish, relative to the site root."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed"

    def lines(self) -> Iterator[str]:
        for mark, paths in (("+", self.added), ("~", self.changed), ("-", self.removed)):
            for path in paths:
                yield f"  {mark} {path}"


@dataclass
class Publication:
    """What a publish did (or, with dry_run, would do)."""

    branch: str
    remote: str
    changes: Changes
    commit: str | None = None  # the new commit; None when nothing changed or on a dry run
    pushed: bool = False


class GitRepo:
    """One git repository, driven through the `git` command with explicit --git-dir."""

    def __init__(self, path: Path) -> None:
        try:
            top = subprocess.run(["git", "-C", str(path), "rev-parse", "--show-toplevel", "--absolute-git-dir"],
                                 capture_output=True, text=True, check=False)
        except FileNotFoundError:
            raise DeployError("git is not installed; install git or publish with --target DIR") from None
        if top.returncode != 0:
            raise DeployError(f"{path.resolve()} is not inside a git repository; run `git init` and "
                              "`git remote add origin URL`, or publish into a folder with --target DIR")
        work_tree, git_dir = top.stdout.splitlines()
        self.root, self.git_dir = Path(work_tree), Path(git_dir)

    def git(self, *args: str, env: Mapping[str, str] | None = None, check: bool = True,
            input: str | None = None, cwd: Path | None = None) -> str:
        """Run git in this repository; a failure becomes a one-line DeployError with git's own reason."""
        proc = subprocess.run(["git", f"--git-dir={self.git_dir}", *args], cwd=cwd or self.root, capture_output=True,
                              text=True, input=input, env={**os.environ, **(env or {})}, check=False)
        if check and proc.returncode != 0:
            command = next(a for a in args if not a.startswith("-") and "=" not in a)
            raise DeployError(f"git {command} failed: {_reason(proc.stderr)}")
        return proc.stdout.strip() if proc.returncode == 0 else ""

    def rev(self, ref: str) -> str | None:
        """The commit a ref points at, or None when it does not exist."""
        return self.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False) or None

    def head_commit(self) -> str:
        return self.rev("HEAD") or "(no commits yet)"

    def uncommitted(self, below: Path, ignore: Iterable[Path] = ()) -> list[str]:
        """Paths under `below` whose working-tree state differs from HEAD (modified, staged, deleted or
        untracked and not ignored), leaving out the folders in `ignore` (the build's output and cache)."""
        root = self.root.resolve()
        top = below.resolve()
        if not top.is_relative_to(root):
            return []
        specs = [str(top.relative_to(root)) or "."]
        for path in ignore:
            path = path.resolve()
            if path.is_relative_to(root) and path != root:
                specs.append(f":(exclude){path.relative_to(root)}")
        out = self.git("status", "--porcelain", "-z", "--no-renames", "--", *specs, check=False)
        # "XY path" entries (the first one's leading space is stripped with the output)
        return sorted(m.group(1) for m in (re.match(r"\s*\S{1,2} +(.+)", e) for e in out.split("\0")) if m)

    def check_remote(self, remote: str) -> None:
        if remote not in self.git("remote").split():
            raise DeployError(f"git remote {remote!r} is not configured in {self.root}; add it with "
                              f"`git remote add {remote} URL` or pass --remote NAME")

    def check_not_checked_out(self, branch: str) -> None:
        """Refuse to move a branch some worktree has checked out (its files would suddenly look changed)."""
        if f"branch refs/heads/{branch}" in self.git("worktree", "list", "--porcelain").splitlines():
            raise DeployError(f"branch {branch!r} is checked out in a worktree of {self.root}; switch that "
                              "checkout to your source branch before deploying")

    def fetch_published(self, remote: str, branch: str) -> str | None:
        """Fetch the remote's copy of `branch` (keeping its history); return its tip, None if it has none."""
        if not self.git("ls-remote", "--heads", remote, f"refs/heads/{branch}"):
            return None
        depth = ["--depth=1"] if self.git("rev-parse", "--is-shallow-repository") == "true" else []
        tracking = f"refs/remotes/{remote}/{branch}"
        self.git("fetch", "--quiet", "--no-tags", *depth, remote, f"+refs/heads/{branch}:{tracking}")
        return self.rev(tracking)

    def deployed_version(self, commit: str) -> str | None:
        """The shelfpress version recorded in a published commit's message, if any."""
        message = self.git("log", "-1", "--format=%B", commit)
        match = re.search(rf"^{VERSION_TRAILER}: *(\S+)", message, re.MULTILINE)
        return match.group(1) if match else None

    @contextmanager
    def _scratch(self, keep_objects: bool) -> Iterator[dict[str, str]]:
        """Env for a temporary index; without keep_objects new objects go to a throwaway store too."""
        with tempfile.TemporaryDirectory(prefix="shelfpress-deploy-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if not keep_objects:
                objects = self.git("rev-parse", "--git-path", "objects")
                (Path(tmp) / "objects").mkdir()
                env["GIT_OBJECT_DIRECTORY"] = str(Path(tmp) / "objects")
                env["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = str((self.root / objects).resolve())
            yield env

    def tree_of(self, folder: Path, extra: Mapping[str, str], env: Mapping[str, str]) -> str:
        """Write `folder` plus `extra` files (path -> text) as a tree; return its hash."""
        # Bytes are published exactly as built (no CRLF conversion, ignore rules do not apply), and the
        # user's fsmonitor, which watches their own work tree, is not asked about this one.
        plain = ["-c", "core.autocrlf=false", "-c", "core.safecrlf=false", "-c", "core.fsmonitor=false"]
        self.git(*plain, f"--work-tree={folder}", "add", "--all", "--force", "--", ".", env=env, cwd=folder)
        for path, text in extra.items():
            blob = self.git("hash-object", "-w", "--stdin", input=text, env=env)
            self.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
        return self.git("write-tree", env=env)

    def changes(self, old_tree: str | None, new_tree: str, env: Mapping[str, str]) -> Changes:
        empty = self.git("hash-object", "-t", "tree", "--stdin", input="", env=env)
        out = self.git("diff-tree", "-r", "--no-renames", "--name-status", "-z", old_tree or empty, new_tree,
                       env=env)
        fields = out.split("\0")
        result = Changes()
        for status, path in zip(fields[0::2], fields[1::2]):
            {"A": result.added, "D": result.removed}.get(status, result.changed).append(path)
        return result

    def publish(self, folder: Path, *, remote: str, branch: str, message: str, extra: Mapping[str, str],
                force: bool = False, dry_run: bool = False, parent: str | None = None,
                remote_tip: str | None = None) -> Publication:
        """Commit `folder` (+ `extra`) onto `branch` after `parent` and push it to `remote`.

        An unchanged tree makes no commit; only a tip the remote lacks is pushed.
        """
        with self._scratch(keep_objects=not dry_run) as env:
            tree = self.tree_of(folder, extra, env)
            old_tree = self.git("rev-parse", f"{parent}^{{tree}}") if parent else None
            result = Publication(branch=branch, remote=remote, changes=self.changes(old_tree, tree, env))
        if dry_run:
            return result
        tip = parent
        if parent is None or result.changes:
            tip = self.git("commit-tree", tree, *(["-p", parent] if parent else []), input=message)
            result.commit = tip
        local = self.rev(f"refs/heads/{branch}")
        if tip != local:
            self.git("update-ref", "-m", "shelfpress deploy", f"refs/heads/{branch}", str(tip), local or "")
        if tip != remote_tip:
            self.git("push", "--quiet", *(["--force"] if force else []), remote, f"{tip}:refs/heads/{branch}")
            result.pushed = True
        return result


def _reason(stderr: str) -> str:
    """git's own one-line reason, with credentials in URLs masked: for a rejected push the remote's verdict
    per ref ("! [remote rejected] HEAD -> gh-pages (pre-receive hook declined)", "(non-fast-forward)") and
    what its hook said, which git's closing "failed to push some refs" leaves out; else its first
    error/fatal line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    refused = [" ".join(line.split()) for line in lines if line.startswith("! [")]
    if refused:
        said = [text for text in (line.removeprefix("remote:").strip() for line in lines
                                  if line.startswith("remote:")) if text]
        return Redactor()("; ".join(refused) + (f"; the remote said: {' '.join(said[:3])}" if said else ""))
    errors = [line for line in lines if line.startswith(("fatal:", "error:"))]
    reason = (errors or lines or ["no output"])[0 if errors else -1]
    return Redactor()(reason)
