"""Tests for generator/commands/docs_reference.py: the option reference in docs/ is generated from the schemas, every option
is described, and the committed pages are what the schemas generate now (issue 16 §1)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from generator.commands import docs_reference as ref
from generator.config.schema import Config, opt
from generator.content.page import FRONT_MATTER
from generator.products.query_plan import LISTING_KEYS, SHORTCODE_KEYS
from generator.sources.query import ProductQuery
from generator.products.widgets.spec import WIDGET_KEYS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_committed_reference_is_up_to_date() -> None:
    stale = ref.out_of_date()
    assert not stale, f"{stale} out of date: run `python -m generator.commands.docs_reference` and commit the result"


def test_every_option_key_and_parameter_appears_in_the_reference() -> None:
    pages = ref.generate()
    for key, *_ in ref.config_options():
        leaf = key.rsplit(".", 1)[-1]
        documented = {"widgets": "## [widgets.NAME]", "params": "## [params]"}.get(key, f"| `{leaf}` |")
        assert documented in pages["config.md"], key
    for name in ProductQuery.parameter_names():
        assert f"| `{name}` |" in pages["query.md"], name
    for key in FRONT_MATTER:
        assert f"| `{key.name}` |" in pages["front-matter.md"], key.name
    for name in LISTING_KEYS:
        assert f"| `{name}` |" in pages["front-matter.md"], name
    for name in WIDGET_KEYS:
        assert f"| `{name}` |" in pages["widgets.md"], name
    for name in SHORTCODE_KEYS:
        assert f"| `{name}` |" in pages["shortcodes.md"], name
    for name in ref.theme_shortcodes():
        assert f"## {name}" in pages["shortcodes.md"]
        for param in ref.shortcode_params_read(name):
            assert f"| `{param}` |" in pages["shortcodes.md"], (name, param)
    for command in ("build", "check", "serve", "deploy", "new", "catalog import", "revenue sync", "sales-file upload"):
        assert f"## shelfpress {command}\n" in pages["commands.md"], command


def test_an_option_without_a_description_fails() -> None:
    @dataclasses.dataclass(frozen=True)
    class Extended:
        title: str = opt("x", "Site title.")
        shiny: bool = opt(False)

    with pytest.raises(ref.UndocumentedError, match="shiny"):
        list(ref.config_options(Extended))


@pytest.mark.parametrize(("attribute", "name"), [
    ("PARAMETER_DOCS", "query"), ("WIDGET_KEY_DOCS", "pool"), ("LISTING_KEY_DOCS", "per_page"),
])
def test_an_undescribed_key_fails(monkeypatch: pytest.MonkeyPatch, attribute: str, name: str) -> None:
    docs = dict(getattr(ref, attribute))
    del docs[name]
    monkeypatch.setattr(ref, attribute, docs)
    with pytest.raises(ref.UndocumentedError, match=name):
        ref.generate()


def test_a_shortcode_parameter_the_template_reads_must_be_described(monkeypatch: pytest.MonkeyPatch) -> None:
    summary, inner, params = ref.SHORTCODE_DOCS["figure"]
    params = {k: v for k, v in params.items() if k != "caption"}
    monkeypatch.setattr(ref, "SHORTCODE_DOCS", {**ref.SHORTCODE_DOCS, "figure": (summary, inner, params)})
    with pytest.raises(ref.UndocumentedError, match="caption"):
        ref.generate()


def test_config_defaults_are_written_as_toml() -> None:
    options = {key: default for key, _, default, _ in ref.config_options()}
    assert options["source.cache_ttl"] == '"6h"' and options["max_content_size"] == '"5MB"'
    assert options["categories.enabled"] == "true" and options["stores.enabled"] == "false"
    assert options["language"] == f'"{Config().language}"'


def test_check_mode_reports_a_stale_file(tmp_path: Path) -> None:
    ref.write(tmp_path)
    assert ref.out_of_date(tmp_path) == []
    (tmp_path / "config.md").write_text("old", encoding="utf-8")
    assert ref.out_of_date(tmp_path) == [str(tmp_path / "config.md")]


def test_user_docs_cover_every_template_of_the_default_theme() -> None:
    """The themes page names each template a theme can override, so an added template needs a line there."""
    text = (DOCS / "content" / "themes.md").read_text(encoding="utf-8")
    folder = ref.BUILTIN_THEMES / "default" / "templates"
    for path in sorted(folder.rglob("*.*")):
        name = path.relative_to(folder).as_posix()
        assert re.search(rf"`{re.escape(name)}`", text), f"docs/content/themes.md does not mention {name}"
