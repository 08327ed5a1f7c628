"""`shelfpress new DIR`: copy the starter site that ships inside the package."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..errors import Abort

STARTER = Path(__file__).resolve().parent.parent / "starter"


def new_site(directory: Path) -> int:
    """Copy the starter into `directory`; refuse to touch a non-empty folder. Return files created."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise Abort(f"{directory} already exists and is not empty; choose a new folder name")
    shutil.copytree(STARTER, directory, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # Wheels drop dotfiles from package data, so the starter names them dot-*.
    for path in sorted(directory.rglob("dot-*"), key=lambda p: len(p.parts), reverse=True):
        path.rename(path.with_name("." + path.name[len("dot-"):]))
    return sum(1 for p in directory.rglob("*") if p.is_file())
