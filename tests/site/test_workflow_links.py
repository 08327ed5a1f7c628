"""The starter workflow's `links` job: its script run for real, with a stub `gh` on PATH."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.sites import SMALL_CONFIG, run, write_site
from tests.site.test_workflow import load_workflow

GONE = 999999999
STUB_GH = """#!/bin/sh
# A stand-in for the GitHub CLI: records its arguments (and the body file), answers `issue list`.
echo "$*" >> "$GH_LOG"
case "$1 $2" in
  "issue list") [ -n "$OPEN_ISSUE" ] && echo "$OPEN_ISSUE" ;;
  "issue create"|"issue edit") while [ $# -gt 0 ]; do
      if [ "$1" = "--body-file" ]; then cp "$2" "$GH_LOG.body"; fi; shift; done ;;
esac
exit 0
"""


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("new") / "site"
    assert run("new", str(root)).exit_code == 0
    return load_workflow(root)["jobs"]["links"]


def run_script(job: dict[str, Any], site: Path, tmp_path: Path, open_issue: str = "") -> tuple[int, str, Path]:
    (step,) = [s for s in job["steps"] if "run" in s and "links check" in s["run"]]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(STUB_GH)
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "gh.log"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "GH_LOG": str(log), "OPEN_ISSUE": open_issue, "TITLE": step["env"]["TITLE"]}
    done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=site,
                          env=env, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr, log


def broken_site(tmp_path: Path) -> Path:
    page = f'---\ntitle: Lampor\n---\n{{{{< products product_id="{GONE}" >}}}}\n'
    return write_site(tmp_path / "site", {"content/lampor.md": page}, config=SMALL_CONFIG)


def test_job_runs_after_scheduled_builds_with_issue_permission(job: dict[str, Any]) -> None:
    assert job["if"] == "github.event_name == 'schedule'" and job["needs"] == "build"
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    (step,) = [s for s in job["steps"] if "run" in s and "links check" in s["run"]]
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}"
    (cache,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/cache")]
    assert cache["with"]["path"] == ".shelfpress-cache/links-check.json"


def test_something_broke_opens_an_issue(job: dict[str, Any], tmp_path: Path) -> None:
    code, output, log = run_script(job, broken_site(tmp_path), tmp_path)
    assert code == 0, output
    calls = log.read_text().splitlines()
    assert calls[0].startswith("issue list --state open")
    assert calls[1] == "issue create --title Broken links found by the scheduled check --body-file links-report.md"
    body = Path(f"{log}.body").read_text()
    assert body.startswith("## Link check") and "### What broke" in body and f"product {GONE} is gone" in body


def test_an_open_issue_is_updated_not_duplicated(job: dict[str, Any], tmp_path: Path) -> None:
    code, output, log = run_script(job, broken_site(tmp_path), tmp_path, open_issue="7")
    assert code == 0, output
    calls = log.read_text().splitlines()
    assert calls[1:] == ["issue edit 7 --body-file links-report.md"] and "Updated issue #7." in output


def test_nothing_broke_touches_no_issue(job: dict[str, Any], tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/a.md": "---\ntitle: A\n---\nText\n"}, config=SMALL_CONFIG)
    code, output, log = run_script(job, site, tmp_path)
    assert code == 0 and "Nothing broke." in output and not log.exists()


def test_a_failing_check_fails_the_job(job: dict[str, Any], tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {}, config=SMALL_CONFIG + "per_page = 'many'\n")
    code, output, log = run_script(job, site, tmp_path)
    assert code != 0 and "per_page" in output and not log.exists()
