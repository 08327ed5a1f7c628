"""The fast template runtime is held to stock Jinja on whole sites (issue 28, item 7; template_runtime.py).

The demo (the repository root), the starter (`shelfpress new`) and the documentation site (docs/) are each
built twice, from two copies: with the fast runtime, and with a Jinja release reported outside the runtime's
tested range, where it steps aside for stock `jinja2.Environment`. Every output file must be the same bytes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2
import pytest

from generator.core import versions
from generator.commands import build as build_command
from generator.render.runtime import TESTED, ShelfpressEnvironment, environment_class
from tests.support.sites import run, tree

ROOT = Path(__file__).resolve().parents[2]
CACHE = ("public", ".shelfpress-cache", ".shelfpress", "__pycache__")


def demo(dest: Path) -> Path:
    dest.mkdir()
    shutil.copy2(ROOT / "shelfpress.toml", dest)
    for folder in ("content", "templates", "static"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns(*CACHE))
    return dest


def starter(dest: Path) -> Path:
    result = run("new", str(dest))
    assert result.exit_code == 0, result.output
    return dest


def docs(dest: Path) -> Path:
    shutil.copytree(ROOT / "docs", dest, ignore=shutil.ignore_patterns(*CACHE))
    return dest


def untested_jinja(monkeypatch: pytest.MonkeyPatch) -> None:
    """Report a Jinja release past the runtime's tested range, as `pip install -U jinja2` could bring."""
    real = versions.installed
    past = ".".join(map(str, TESTED["jinja2"][1])) + ".0"
    monkeypatch.setattr(versions, "installed", lambda name: past if name == "jinja2" else real(name))
    monkeypatch.setattr("generator.render.runtime.installed", versions.installed)
    environment_class.cache_clear()
    versions.build_software.cache_clear()


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the feeds' timestamp, the same for both builds
    environment_class.cache_clear()
    versions.build_software.cache_clear()
    yield
    environment_class.cache_clear()
    versions.build_software.cache_clear()


def build_with(site: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, bytes], type, str]:
    """Build `site` (verbose); return its output, the environment class it rendered with, and what it said."""
    used: list[type] = []
    real = build_command.make_environment

    def spy(*args, **kwargs):
        env = real(*args, **kwargs)
        used.append(type(env))
        return env

    monkeypatch.setattr(build_command, "make_environment", spy)
    result = run("build", "-C", str(site), "--clean", "-v")
    assert result.exit_code == 0, result.output
    return tree(site / "public"), used[0], result.output


@pytest.mark.parametrize("make_site", [demo, starter, docs], ids=["demo", "starter", "docs"])
def test_fast_runtime_and_stock_jinja_build_the_same_bytes(make_site, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    fast, fast_class, fast_said = build_with(make_site(tmp_path / "fast"), monkeypatch)
    assert fast_class is ShelfpressEnvironment
    assert "fast template runtime" not in fast_said

    untested_jinja(monkeypatch)
    stock, stock_class, stock_said = build_with(make_site(tmp_path / "stock"), monkeypatch)
    assert stock_class is jinja2.Environment
    assert stock_said.count("outside the range the fast template runtime is tested with") == 1

    assert len(fast) > 5
    assert fast.keys() == stock.keys()
    differing = sorted(k for k in fast if fast[k] != stock[k])
    assert not differing, f"the fast runtime's output differs from stock Jinja's at {differing[:10]}"


def test_the_step_aside_note_is_only_shown_under_verbose(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    untested_jinja(monkeypatch)
    site = starter(tmp_path / "site")
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    assert "fast template runtime" not in result.output


@pytest.mark.parametrize("name, version, fast", [
    ("jinja2", "3.1.0", True), ("jinja2", "3.1.6", True), ("jinja2", "3.2.0", False), ("jinja2", "3.0.3", False),
    ("markupsafe", "3.0.4", True), ("markupsafe", "3.1.0", False), ("markupsafe", "2.0.1", False),
    ("jinja2", None, False),
])
def test_the_runtime_is_used_only_inside_its_tested_range(name, version, fast, monkeypatch) -> None:
    real = versions.installed
    monkeypatch.setattr("generator.render.runtime.installed", lambda n: version if n == name else real(n))
    environment_class.cache_clear()
    chosen, note = environment_class()
    assert (chosen is ShelfpressEnvironment) is fast
    assert (note is None) is fast
    if note:
        assert f"{name} {version}" in note
