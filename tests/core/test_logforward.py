"""Library logging reaches the Reporter: shown, counted, and fatal under --strict (issue 14, §6)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from generator.core.console import Reporter
from generator.core.logforward import forward_logging
from tests.support.sites import BASIC_CONFIG, run, write_site

log = logging.getLogger("generator.sources.shopello")


def test_warnings_are_counted_and_grouped_by_kind_info_shows_with_verbose() -> None:
    out = io.StringIO()
    reporter = Reporter(verbosity=2, stream=out)
    with forward_logging(reporter):
        for n in range(7):
            log.warning("query %d: serving the cached response from before", n, extra={"kind": "stale cache"})
        log.info("retrying in %.2f s", 0.5)
    reporter.flush_groups()
    assert len(reporter.warnings) == 7
    assert "WARNING: query 0: serving the cached response from before" in out.getvalue()
    assert "... and 2 more like 'stale cache'" in out.getvalue()
    assert "retrying in 0.50 s" in out.getvalue()
    log.warning("after the command")
    assert len(reporter.warnings) == 7


def test_info_is_hidden_without_verbose() -> None:
    out = io.StringIO()
    with forward_logging(Reporter(verbosity=1, stream=out)):
        log.info("retrying")
    assert out.getvalue() == ""


def test_a_logged_warning_fails_build_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.commands import build

    def add_search_page_and_warn(site: object) -> None:
        log.warning("GET products failed; serving the cached response from before")

    monkeypatch.setattr(build, "add_search_page", add_search_page_and_warn)
    site = write_site(tmp_path, {"content/index.md": "---\ntitle: Home\n---\n"}, BASIC_CONFIG)
    relaxed = run("build", "-C", str(site))
    assert relaxed.exit_code == 0 and "WARNING: GET products failed" in relaxed.output
    assert "1 warning" in relaxed.output
    strict = run("build", "--strict", "-C", str(site))
    assert strict.exit_code == 1 and "1 warnings and --strict is on" in strict.output
