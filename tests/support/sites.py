"""Scratch sites for tests: write a dict of files into tmp_path and run the CLI on it."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from click.testing import CliRunner, Result

from generator.cli import cli

BASIC_CONFIG = """\
title = "Test site"
base_url = "https://user.github.io/repo/"
language = "en"
"""
# The site alone: no demo-shop category pages (32 product pages, 9 listings) and no Pagefind index, which
# BASIC_CONFIG builds too. For tests about something else (routing, links, containment, CLI messages).
# Dotted keys, not a table, so a test can still append top-level keys.
NO_SHOP_NO_SEARCH = "search = false\ncategories.enabled = false\n"
SMALL_CONFIG = BASIC_CONFIG + NO_SHOP_NO_SEARCH


def write_site(root: Path, files: dict[str, str | bytes], config: str = BASIC_CONFIG) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "shelfpress.toml").write_text(config)
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(textwrap.dedent(body))
    return root


def add_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """`write_site` for a site that exists: its shelfpress.toml is kept."""
    return write_site(root, files, config=(root / "shelfpress.toml").read_text())


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def fails(site: Path, *expected: str, command: str = "build") -> str:
    """Run `command` on `site`; assert exit 1, no traceback and every `expected` text in the output."""
    result = run(command, "-C", str(site))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, result.output
    return result.output


def portable_env() -> dict[str, str]:
    """The environment of a child Python that takes every fallback of generator/core/platform.py and cannot
    import fcntl (tests/portable/sitecustomize.py), as on Windows."""
    hooks = Path(__file__).resolve().parents[1] / "portable"
    return {**os.environ, "SHELFPRESS_PORTABLE": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")]))}


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
