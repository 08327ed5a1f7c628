"""`shelfpress check` rejects what `build` would, each problem at file:line with a did-you-mean (issue 14, §5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config.schema import load_config
from tests.support import sites
from tests.support.sites import BASIC_CONFIG, run, write_site

HOME = {"content/index.md": "---\ntitle: Home\n---\nHi\n"}
COMMANDS = ["check", "build"]


def fails(site: Path, command: str, *expected: str) -> str:
    """`tests.support.sites.fails` with the command first: every test here runs under both commands."""
    return sites.fails(site, *expected, command=command)


def listing_page(*lines: str) -> dict[str, str]:
    """content/p.md with a `listing:` of the given lines; the first of them is on line 4 of the file."""
    return {**HOME, "content/p.md": "---\ntitle: P\nlisting:\n" + "".join(f"  {line}\n" for line in lines)
            + "---\nBody\n"}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("lines", "message"), [
    (["qurey: lampa"], "content/p.md:4: listing.qurey: unknown product query parameter; did you mean 'query'?"),
    (["query: lampa", "order_by: pris"],
     "content/p.md:5: listing.order_by: 'pris' is not one of price, reduction_percent, relevance; "
     "did you mean 'price'?"),
    (["price_max: abc"], "content/p.md:4: listing.price_max: expected a number, got 'abc'"),
    (["price_min: 500", "price_max: 100"],
     "content/p.md:4: listing.price_min: price_min (500) is greater than price_max (100)"),
    (["per_pge: 5"], "content/p.md:4: listing.per_pge: unknown product query parameter; did you mean 'per_page'?"),
    (["per_page: 0"], "content/p.md:4: listing.per_page: must be at least 1, got 0"),
])
def test_invalid_listing_query_names_file_line_and_key(tmp_path: Path, command: str, lines: list[str],
                                                       message: str) -> None:
    fails(write_site(tmp_path, listing_page(*lines)), command, message)


@pytest.mark.parametrize("command", COMMANDS)
def test_product_query_under_another_key_points_to_listing(tmp_path: Path, command: str) -> None:
    site = write_site(tmp_path, {**HOME, "content/p.md": "---\ntitle: P\nprodukter:\n  query: lampa\n---\n"})
    fails(site, command, "content/p.md:3: produkter: looks like a product query", "did you mean 'listing'?")


@pytest.mark.parametrize("command", COMMANDS)
def test_shortcode_query_suggests_its_own_keys_too(tmp_path: Path, command: str) -> None:
    site = write_site(tmp_path, {**HOME, "content/p.md": "---\ntitle: P\n---\n\n{{< products titel=\"x\" >}}\n"})
    fails(site, command, "content/p.md:5:1: invalid product query: titel: unknown product query parameter; "
                         "did you mean 'title'?")


@pytest.mark.parametrize("command", COMMANDS)
def test_front_matter_widget_names_file_line_and_key(tmp_path: Path, command: str) -> None:
    page = "---\ntitle: P\nwidgets:\n  fm:\n    query: lampa\n    layout: nope\n---\n"
    fails(write_site(tmp_path, {**HOME, "content/p.md": page}), command,
          "content/p.md:6: widgets.fm.layout: 'nope' is not one of grid, carousel, list")


@pytest.mark.parametrize(("front", "message"), [
    ("tilte: x", "content/p.md:3: unknown front matter key 'tilte'; did you mean 'title'?"),
    ("weight: heavy", "content/p.md:3: front matter 'weight' must be a whole number"),
    ("date: someday", "content/p.md:3: front matter 'date' must be a date"),
])
def test_front_matter_problems_name_the_line(tmp_path: Path, front: str, message: str) -> None:
    fails(write_site(tmp_path, {**HOME, "content/p.md": f"---\ntitle: P\n{front}\n---\n"}), "check", message)


def test_check_reports_every_page_problem_at_once(tmp_path: Path) -> None:
    site = write_site(tmp_path, {**listing_page("qurey: lampa"),
                                 "content/q.md": "---\ntitle: Q\n---\n{{< nope >}}\n"})
    out = fails(site, "check", "content/p.md:4: listing.qurey", "content/q.md:4:1: unknown shortcode 'nope'")
    assert "OK" not in out


@pytest.mark.parametrize("command", COMMANDS)
def test_shopello_source_needs_its_api_key(tmp_path: Path, command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHELFPRESS_TEST_NO_KEY", raising=False)
    config = BASIC_CONFIG + '[source]\nkind = "shopello"\napi_key_env = "SHELFPRESS_TEST_NO_KEY"\n'
    fails(write_site(tmp_path, HOME, config), command,
          "shelfpress.toml:6: source.api_key_env: environment variable SHELFPRESS_TEST_NO_KEY is not set")


@pytest.mark.parametrize(("table", "message"), [
    ('[source]\ncountry = "sweden"\n', "shelfpress.toml:5: source.country: expected a two-letter country code"),
    ('[source]\nconcurrency = 0\n', "shelfpress.toml:5: source.concurrency: must be at least 1, got 0"),
    ('[source]\nretries = -1\n', "shelfpress.toml:5: source.retries: must be at least 0, got -1"),
])
def test_source_settings_are_checked_where_they_are_written(tmp_path: Path, table: str, message: str) -> None:
    fails(write_site(tmp_path, HOME, BASIC_CONFIG + table), "check", message)


@pytest.mark.parametrize(("language", "hint"), [("se", "sv"), ("dk", "da"), ("svenska", ""), ("EN", "en")])
def test_language_must_have_ui_strings(tmp_path: Path, language: str, hint: str) -> None:
    config = BASIC_CONFIG.replace('language = "en"', f'language = "{language}"')
    out = fails(write_site(tmp_path, HOME, config), "check",
                f"shelfpress.toml:3: language: '{language}' is not one of en, sv, da, nb, no")
    assert (f"did you mean '{hint}'?" in out) == bool(hint)


def test_a_partly_written_table_keeps_its_other_defaults(tmp_path: Path) -> None:
    config = load_config(write_site(tmp_path, HOME, BASIC_CONFIG + "[categories]\nroots = [14]\n"))
    assert config.categories.enabled and config.categories.roots == [14]
    assert not load_config(write_site(tmp_path, HOME, BASIC_CONFIG + "[stores]\ndepth = 1\n")).stores.enabled


TYPO_TEMPLATE = '{% extends "base.html" %}\n{% block main %}\n<h1>{{ page.titel }}</h1>\n{% endblock %}\n'


def typo_site(tmp_path: Path) -> Path:
    return write_site(tmp_path, {**HOME, "templates/page.html": TYPO_TEMPLATE,
                                 "content/p.md": "---\ntitle: P\n---\nBody\n"},
                      BASIC_CONFIG + "search = false\n")


TYPO = "templates/page.html:3: page.titel: Page has no attribute 'titel'; did you mean 'title'?"


def test_check_warns_about_a_misspelt_template_attribute(tmp_path: Path) -> None:
    result = run("check", "-C", str(typo_site(tmp_path)))
    assert result.exit_code == 0 and f"WARNING: {TYPO}" in result.output


def test_check_strict_fails_on_a_misspelt_template_attribute(tmp_path: Path) -> None:
    result = run("check", "--strict", "-C", str(typo_site(tmp_path)))
    assert result.exit_code == 1 and TYPO in result.output


def test_build_renders_on_but_warns_at_the_template_line(tmp_path: Path) -> None:
    site = typo_site(tmp_path)
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    assert "WARNING: templates/page.html:3: Page has no attribute 'titel'; did you mean 'title'?" in result.output
    assert "1 warning" in result.output  # only p.md renders page.html
    assert "<h1></h1>" in (site / "public/p/index.html").read_text()


def test_build_strict_fails_at_the_template_line(tmp_path: Path) -> None:
    site = typo_site(tmp_path)
    result = run("build", "--strict", "-C", str(site))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "templates/page.html:3: error rendering" in result.output
    assert "Page has no attribute 'titel'; did you mean 'title'?" in result.output
    assert not (site / "public").exists()


def test_missing_keys_stay_quietly_empty_but_a_printed_undefined_name_is_a_blank(tmp_path: Path) -> None:
    template = TYPO_TEMPLATE.replace("page.titel", "page.params.hero ~ nothing_here")
    site = write_site(tmp_path, {**HOME, "templates/page.html": template, "content/p.md": "---\ntitle: P\n---\n"},
                      BASIC_CONFIG + "search = false\n")
    for command in ("check", "build"):
        result = run(command, "--strict", "-C", str(site))
        assert result.exit_code == 1 and "templates/page.html:3:" in result.output, result.output
        assert "'nothing_here' is undefined" in result.output and "hero" not in result.output
    (site / "templates/page.html").write_text(template.replace(" ~ nothing_here", ""))
    for command in ("check", "build"):
        result = run(command, "--strict", "-C", str(site))
        assert result.exit_code == 0 and "WARNING" not in result.output, result.output


def test_template_syntax_errors_are_found_without_rendering(tmp_path: Path) -> None:
    site = write_site(tmp_path, {**HOME, "templates/partials/unused.html": "{{ page.title | no_such_filter }}\n"})
    fails(site, "check", "templates/partials/unused.html:1: template syntax error: No filter named 'no_such_filter'")


def test_unsigned_links_are_a_warning_and_fatal_under_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHELFPRESS_TEST_NO_SECRET", raising=False)
    config = BASIC_CONFIG + '[links]\nchannel = "777"\nsecret_env = "SHELFPRESS_TEST_NO_SECRET"\n'
    site = write_site(tmp_path, HOME, config)
    relaxed = run("check", "-C", str(site))
    assert relaxed.exit_code == 0 and "WARNING: links are not signed: channel '777'" in relaxed.output
    strict = run("check", "--strict", "-C", str(site))
    assert strict.exit_code == 1 and "1 warnings and --strict is on" in strict.output
