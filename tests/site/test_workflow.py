"""The GitHub Pages workflow `shelfpress new` writes (and the demo repository's copy of it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import __version__
from generator.commands.new import DEFAULT_SCHEDULE, STARTER
from tests.support.sites import run, tree

REPO = Path(__file__).resolve().parents[2]


def load_workflow(site: Path) -> dict[Any, Any]:
    data = yaml.safe_load((site / ".github/workflows/pages.yml").read_text())
    assert isinstance(data, dict)
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on:` key as True


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def uses(workflow: dict[Any, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in steps(workflow) if step.get("uses", "").split("@")[0] == action]


@pytest.fixture
def workflow(tmp_path: Path) -> dict[Any, Any]:
    result = run("new", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    return load_workflow(tmp_path / "site")


def test_triggers_on_push_and_every_six_hours(workflow: dict[Any, Any]) -> None:
    on = triggers(workflow)
    assert "push" in on
    assert on["schedule"] == [{"cron": DEFAULT_SCHEDULE}] and DEFAULT_SCHEDULE == "0 */6 * * *"


def test_permissions_for_pages(workflow: dict[Any, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_secrets_by_name_reach_the_build(workflow: dict[Any, Any]) -> None:
    (build,) = [step for step in steps(workflow) if step.get("run") == "shelfpress build --strict"]
    assert build["env"] == {"SHOPELLO_API_KEY": "${{ secrets.SHOPELLO_API_KEY }}",
                            "SHOPELLO_SIGNING_SECRET": "${{ secrets.SHOPELLO_SIGNING_SECRET }}",
                            "SHOPELLO_PARTNER_PASSWORD": "${{ secrets.SHOPELLO_PARTNER_PASSWORD }}"}


def test_product_cache_is_kept_between_runs(workflow: dict[Any, Any]) -> None:
    (cache, links) = uses(workflow, "actions/cache")
    assert cache["with"]["path"] == ".shelfpress-cache"
    assert links["with"]["path"] == ".shelfpress-cache/links-check.json"  # the links job's state
    assert cache["with"]["restore-keys"]  # a new run restores the latest cache even though its key is new


def test_official_pages_flow(workflow: dict[Any, Any]) -> None:
    names = [step.get("uses", step.get("run", "")).split("@")[0]
             for name, job in workflow["jobs"].items() if name not in ("keepalive", "links") for step in job["steps"]]
    # This shelfpress, from a checkout: its wheel in the site (tests/site/test_package.py covers both cases).
    order = ["actions/checkout", "actions/setup-python", f'pip install "./vendor/shelfpress-{__version__}-py3-none-any.whl"', "actions/cache",
             "actions/configure-pages", "shelfpress build --strict", "actions/upload-pages-artifact", "actions/deploy-pages"]
    assert names == order
    (upload,) = uses(workflow, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == "public"
    assert workflow["jobs"]["deploy"]["needs"] == "build"
    assert workflow["jobs"]["deploy"]["environment"]["name"] == "github-pages"


def test_schedule_is_configurable(tmp_path: Path) -> None:
    assert run("new", str(tmp_path / "s"), "--schedule", "15 3 * * 1-5").exit_code == 0
    assert triggers(load_workflow(tmp_path / "s"))["schedule"] == [{"cron": "15 3 * * 1-5"}]


@pytest.mark.parametrize(("schedule", "message"), [
    ("hourly", "five fields"),
    ("61 * * * *", "minute 61 is out of range 0-59"),
    ("0 24 * * *", "hour 24 is out of range 0-23"),
])
def test_bad_schedule_is_refused(tmp_path: Path, schedule: str, message: str) -> None:
    result = run("new", str(tmp_path / "s"), "--schedule", schedule)
    assert result.exit_code == 1 and message in result.output
    assert not (tmp_path / "s").exists()


def test_demo_repository_runs_the_same_workflow_on_its_own_checkout() -> None:
    starter = (STARTER / "dot-github/workflows/pages.yml").read_text()
    demo = (REPO / ".github/workflows/pages.yml").read_text()
    pinned = ('      # The shelfpress that wrote this file. To try a development version instead:\n'
              '      #   pip install "shelfpress @ git+https://github.com/OWNER/shelfpress@main"\n'
              '      - run: pip install "shelfpress==0.0.0"\n')
    assert pinned in starter
    assert demo == starter.replace(pinned, "      - run: pip install .   # the demo site builds with this checkout of shelfpress\n")


def test_the_shelfpress_that_wrote_the_workflow_is_installed(workflow: dict[Any, Any]) -> None:
    # From a checkout: its own wheel, in the site (from the package index it is pinned: tests/site/test_package.py).
    wheel = f"./vendor/shelfpress-{__version__}-py3-none-any.whl"
    assert f'pip install "{wheel}"' in [step.get("run") for step in steps(workflow)]


def test_a_schedule_that_github_would_pause_warns_or_commits(workflow: dict[Any, Any]) -> None:
    keepalive = workflow["jobs"]["keepalive"]
    assert keepalive["if"] == "github.event_name == 'schedule'"
    assert keepalive["permissions"] == {"contents": "write"}
    (script,) = [step["run"] for step in keepalive["steps"] if "run" in step]
    assert '-lt 50' in script and "::warning::" in script and "git commit --allow-empty" in script
    assert keepalive["steps"][1]["env"] == {"KEEPALIVE": "${{ vars.SHELFPRESS_KEEPALIVE }}"}


@pytest.mark.parametrize(("days", "keepalive", "warned", "committed"), [
    (10, "", False, False), (55, "", True, False), (55, "commit", False, True)])
def test_keepalive_script(tmp_path: Path, workflow: dict[Any, Any], days: int, keepalive: str, warned: bool,
                          committed: bool) -> None:
    (script,) = [step["run"] for step in workflow["jobs"]["keepalive"]["steps"] if "run" in step]
    remote, repo = tmp_path / "remote.git", tmp_path / "repo"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    subprocess.run(["git", "clone", "-q", str(remote), str(repo)], check=True, capture_output=True)
    when = f"{int(time.time()) - days * 86400} +0000"
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "old"], cwd=repo, check=True,
                   env={**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})
    subprocess.run(["git", "push", "-q", "origin", "HEAD"], cwd=repo, check=True, capture_output=True)
    out = subprocess.run(["bash", "-e", "-c", script], cwd=repo, capture_output=True, text=True,
                         env={**os.environ, "KEEPALIVE": keepalive})
    assert out.returncode == 0, out.stderr
    assert ("::warning::No commit for 55 days" in out.stdout) is warned
    log = subprocess.run(["git", "log", "--format=%s", "HEAD"], cwd=remote, capture_output=True, text=True).stdout
    assert ("Keep the scheduled price refresh alive" in log) is committed


# -- the opt-in sharded build (`new --shards N`) -------------------------------------------------------------

def test_without_shards_the_workflow_is_the_starters(tmp_path: Path) -> None:
    assert run("new", str(tmp_path / "s")).exit_code == 0
    starter = (STARTER / "dot-github/workflows/pages.yml").read_text()
    wheel = f"./vendor/shelfpress-{__version__}-py3-none-any.whl"
    assert (tmp_path / "s/.github/workflows/pages.yml").read_text() == starter.replace(
        '"shelfpress==0.0.0"', f'"{wheel}"')


@pytest.fixture
def sharded_site(tmp_path: Path) -> Path:
    result = run("new", str(tmp_path / "site"), "--shards", "3")
    assert result.exit_code == 0, result.output
    return tmp_path / "site"


def test_sharded_workflow_builds_n_shards_then_merges_and_deploys(sharded_site: Path) -> None:
    workflow = load_workflow(sharded_site)
    jobs = workflow["jobs"]
    assert list(jobs) == ["shards", "build", "deploy", "links", "keepalive"]
    assert jobs["shards"]["strategy"]["matrix"]["shard"] == [1, 2, 3]
    assert jobs["build"]["needs"] == "shards" and jobs["deploy"]["needs"] == "build" == jobs["links"]["needs"]
    shard_runs = [step["run"] for step in jobs["shards"]["steps"] if "shelfpress build" in step.get("run", "")]
    assert shard_runs == ["shelfpress build --strict --shard ${{ matrix.shard }}/3 -o shard"]
    (upload,) = [s for s in jobs["shards"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["with"]["path"] == "shard" and upload["with"]["name"] == "shard-${{ matrix.shard }}"
    assert upload["with"]["include-hidden-files"] is True  # the shard note is a dot-file
    (download,) = [s for s in jobs["build"]["steps"] if s.get("uses", "").startswith("actions/download-artifact@")]
    assert download["with"] == {"pattern": "shard-*", "path": "shards"}
    (merge,) = [s["run"] for s in jobs["build"]["steps"] if "shelfpress merge" in s.get("run", "")]
    assert merge == "shelfpress merge shards/* -o public"
    (pages,) = [s for s in jobs["build"]["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert pages["with"]["path"] == "public"
    wheel = f"./vendor/shelfpress-{__version__}-py3-none-any.whl"
    assert [s.get("run") for job in ("shards", "build") for s in jobs[job]["steps"]
            if "pip install" in s.get("run", "")] == [f'pip install "{wheel}"'] * 2


def test_sharded_workflow_steps_run_as_separate_jobs_make_the_site_one_build_makes(sharded_site: Path,
                                                                                  tmp_path: Path) -> None:
    """Each matrix job on a runner of its own (a copy of the site), its `run` steps as the YAML says them,
    artifacts uploaded and downloaded by name as the actions do; then the merge job's steps."""
    jobs = load_workflow(sharded_site)["jobs"]
    env = {**os.environ, "SHOPELLO_API_KEY": "", "SHOPELLO_SIGNING_SECRET": "", "SHOPELLO_PARTNER_PASSWORD": ""}
    bin_dir = str(Path(sys.executable).parent)  # the shelfpress under test, as `pip install` puts it on PATH
    env["PATH"] = bin_dir + os.pathsep + env["PATH"]
    artifacts = tmp_path / "artifacts"

    def shelfpress_steps(job: str) -> list[str]:
        return [s["run"] for s in jobs[job]["steps"] if s.get("run", "").startswith("shelfpress ")]

    for shard in jobs["shards"]["strategy"]["matrix"]["shard"]:
        runner = tmp_path / f"runner-{shard}"
        shutil.copytree(sharded_site, runner)
        for step in shelfpress_steps("shards"):
            subprocess.run(["bash", "-e", "-c", step.replace("${{ matrix.shard }}", str(shard))], cwd=runner,
                           env=env, check=True, capture_output=True)
        shutil.copytree(runner / "shard", artifacts / f"shard-{shard}")  # upload-artifact, hidden files included
    merger = tmp_path / "merger"
    shutil.copytree(sharded_site, merger)
    for artifact in sorted(artifacts.glob("shard-*")):  # download-artifact with a pattern: one folder each
        shutil.copytree(artifact, merger / "shards" / artifact.name)
    for step in shelfpress_steps("build"):
        subprocess.run(["bash", "-e", "-c", step], cwd=merger, env=env, check=True, capture_output=True)

    single = tmp_path / "single"
    shutil.copytree(sharded_site, single)
    subprocess.run(["shelfpress", "build", "--strict"], cwd=single, env=env, check=True, capture_output=True)
    assert tree(merger / "public") == tree(single / "public")
