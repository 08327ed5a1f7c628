"""The GitHub Pages workflow `shelfpress new` writes (and the demo repository's copy of it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.commands.new import DEFAULT_SCHEDULE, STARTER
from tests.sites import run

REPO = Path(__file__).resolve().parent.parent


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
    (build,) = [step for step in steps(workflow) if step.get("run") == "shelfpress build"]
    assert build["env"] == {"SHOPELLO_API_KEY": "${{ secrets.SHOPELLO_API_KEY }}",
                            "SHOPELLO_SIGNING_SECRET": "${{ secrets.SHOPELLO_SIGNING_SECRET }}"}


def test_product_cache_is_kept_between_runs(workflow: dict[Any, Any]) -> None:
    (cache,) = uses(workflow, "actions/cache")
    assert cache["with"]["path"] == ".shelfpress-cache"
    assert cache["with"]["restore-keys"]  # a new run restores the latest cache even though its key is new


def test_official_pages_flow(workflow: dict[Any, Any]) -> None:
    names = [step.get("uses", step.get("run", "")).split("@")[0] for step in steps(workflow)]
    order = ["actions/checkout", "actions/setup-python", "pip install shelfpress", "actions/cache",
             "actions/configure-pages", "shelfpress build", "actions/upload-pages-artifact", "actions/deploy-pages"]
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
    assert demo == starter.replace("- run: pip install shelfpress\n",
                                   "- run: pip install .   # the demo site builds with this checkout of shelfpress\n")
