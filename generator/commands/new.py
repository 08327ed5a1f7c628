"""`shelfpress new DIR`: copy the starter site that ships inside the package.

The starter includes `.github/workflows/pages.yml` (GitHub Pages through
Actions); its rebuild schedule (`--schedule`) and what it installs (this
shelfpress: pinned, or its wheel in the site, `workflow_install.py`) are
filled in here. `--shards N` swaps its one build job for N shard jobs and a merge
(`assets/workflows/sharded-build.yml`): opt-in, for big catalogs; without it the
workflow is the starter's as it is.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from generator.core.cron import cron_problem
from generator.core.errors import Abort
from generator.assets import STARTER, WORKFLOWS
from generator.publish.workflow_install import plan_install

WORKFLOW = Path(".github/workflows/pages.yml")
DEFAULT_SCHEDULE = "0 */6 * * *"
PINNED_PLACEHOLDER = "0.0.0"  # the starter's workflow installs this; a new site gets this shelfpress


def new_site(directory: Path, *, schedule: str | None = None, shards: int | None = None) -> tuple[int, str]:
    """Copy the starter into `directory`; refuse to touch a non-empty folder. Return the files created and
    a line saying how the site's workflow installs shelfpress."""
    schedule = " ".join((schedule or DEFAULT_SCHEDULE).split())
    problem = cron_problem(schedule)
    if problem:
        raise Abort(f"--schedule {schedule!r}: {problem} (UTC cron, like {DEFAULT_SCHEDULE!r})")
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise Abort(f"{directory} already exists and is not empty; choose a new folder name")
    shutil.copytree(STARTER, directory, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # Wheels drop dotfiles from package data, so the starter names them dot-*.
    for path in sorted(directory.rglob("dot-*"), key=lambda p: len(p.parts), reverse=True):
        path.rename(path.with_name("." + path.name[len("dot-"):]))
    install = plan_install(directory)
    workflow = directory / WORKFLOW
    text = workflow.read_text() if shards is None else sharded(workflow.read_text(), shards)
    workflow.write_text(text.replace(f'cron: "{DEFAULT_SCHEDULE}"', f'cron: "{schedule}"')
                        .replace(f'"shelfpress=={PINNED_PLACEHOLDER}"', f'"{install.requirement}"'))
    return sum(1 for p in directory.rglob("*") if p.is_file()), install.said


def sharded(workflow: str, count: int) -> str:
    """The workflow with its `build` job replaced by `count` shard jobs and a `build` job that merges them
    (the `deploy` and `links` jobs, which need `build`, stay as they are)."""
    start, end = workflow.index("\n  build:\n") + 1, workflow.index("\n  deploy:\n") + 1
    shards = ", ".join(str(shard) for shard in range(1, count + 1))
    jobs = (WORKFLOWS / "sharded-build.yml").read_text().replace("SHARD_LIST", shards).replace("SHARD_COUNT", str(count))
    return workflow[:start] + jobs + workflow[end:]
