"""A publisher's first day (issue 33): `new`, `build`, `check --strict` and `serve` work on a fresh site and after
`import wordpress`; no silent blanks (an undefined name a template prints, a query that matches nothing)."""

from __future__ import annotations

import datetime as dt
import http.client
import re
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from generator.render import environment as render_module
from generator.render import page as pages_module
from generator.commands import build as build_module
from generator.commands.preview import open_built_site
from generator.commands.serve import DevServer
from generator.config.schema import load_config
from generator.core.console import Reporter
from generator.engine.output import WriteStats
from generator.render.template_names import CONTEXT_NAMES
from tests.support.sites import add_files, run

REPO = Path(__file__).resolve().parents[2]
WORDPRESS = Path(__file__).resolve().parents[1] / "fixtures" / "wordpress"
FOOTER = (REPO / "generator" / "assets" / "themes" / "default" / "templates" / "partials" / "footer.html").read_text()


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result.output


def serve_home(site: Path) -> str:
    """Start the dev server on the site, return its home page."""
    config = load_config(site)
    dev = DevServer(config, port=0, reporter=Reporter(verbosity=0))
    dev.start()
    try:
        host, port = dev.server.server_address[:2]  # type: ignore[union-attr]
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", config.base_path)
        response = conn.getresponse()
        assert response.status == 200
        return response.read().decode()
    finally:
        dev.close()


@pytest.fixture
def new_site(tmp_path: Path) -> Path:
    site = tmp_path / "mysite"
    ok("new", str(site))
    return site


@pytest.mark.server
def test_new_site_builds_checks_strictly_and_serves(new_site: Path) -> None:
    assert (new_site / "templates" / "README.txt").is_file()  # notes in templates/ are not templates
    assert "OK: configuration and" in ok("check", "-C", str(new_site), "--strict")
    ok("build", "-C", str(new_site), "--strict")
    assert "My product site" in serve_home(new_site)


@pytest.mark.server
def test_site_after_a_wordpress_import_builds_checks_strictly_and_serves(new_site: Path) -> None:
    ok("import", "wordpress", str(WORDPRESS / "hemmaochljus-wxr12.xml"), "--shopello-lists",
       str(WORDPRESS / "shopello_list.json"), "-C", str(new_site))
    ok("check", "-C", str(new_site), "--strict")
    ok("build", "-C", str(new_site))
    assert "Hemma" in serve_home(new_site) or "product" in serve_home(new_site)


def test_printed_undefined_name_warns_at_file_line_and_fails_strict(new_site: Path) -> None:
    add_files(new_site, {"templates/partials/footer.html": "<p>Mail {{ contact_email }}</p>\n" + FOOTER})
    where = "templates/partials/footer.html:1: 'contact_email' is undefined and prints as nothing"
    for command in ("check", "build"):
        assert where in ok(command, "-C", str(new_site))
        strict = run(command, "-C", str(new_site), "--strict")
        assert strict.exit_code == 1 and where.split(": ", 1)[1] in strict.output, strict.output
        assert "Traceback" not in strict.output


def test_attribute_of_an_undefined_name_fails_check_as_it_fails_build(new_site: Path) -> None:
    add_files(new_site, {"templates/partials/footer.html": FOOTER + "<p>{{ contact_email.address }}</p>\n"})
    line = FOOTER.count("\n") + 1
    for command in ("check", "build"):
        result = run(command, "-C", str(new_site))
        assert result.exit_code == 1, result.output
        assert f"templates/partials/footer.html:{line}:" in result.output and "contact_email" in result.output


def test_names_a_template_tests_or_defines_are_not_blanks(new_site: Path) -> None:
    add_files(new_site, {"templates/partials/footer.html": FOOTER + (
        "{% if contact_email %}{{ contact_email }}{% endif %}{{ phone | default('') }}"
        "{% set shop = 'x' %}{{ shop }}{% for row in site.pages[:1] %}{{ row.title }}{{ loop.index }}{% endfor %}"
        "{{ config.params.contact_email }}\n")})
    assert "undefined" not in ok("check", "-C", str(new_site), "--strict")
    assert "undefined" not in ok("build", "-C", str(new_site), "--strict")


def test_shortcode_and_listing_that_match_nothing_warn_at_file_line(new_site: Path) -> None:
    add_files(new_site, {"content/guide.md": "---\ntitle: Guide\nlisting:\n  query: zzzznothing\n---\nText.\n\n"
                                             '{{< products title="Golvlampor" query="qqqqnothing" />}}\n'})
    output = ok("build", "-C", str(new_site))
    assert "content/guide.md:3: listing found no products" in output
    assert "content/guide.md:8: products shortcode found no products" in output
    strict = run("build", "-C", str(new_site), "--strict")
    assert strict.exit_code == 1 and "found no products" in strict.output


def test_context_names_cover_every_context_a_build_passes(tmp_path: Path, new_site: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` knows a name is defined from CONTEXT_NAMES: every key a real build puts into a template's
    context must be in it (the demo site has widgets, a magazine theme, recommendations; the starter has
    brands and stores; the docs have none)."""
    seen: set[str] = set()
    real = render_module.render_template

    def recording(env: Any, config: Any, name: str, context: dict[str, Any], owner: str) -> str:
        seen.update(context)
        return real(env, config, name, context, owner)

    for module in (render_module, pages_module, build_module):
        monkeypatch.setattr(module, "render_template", recording)
    demo = tmp_path / "demo"
    shutil.copytree(REPO, demo, ignore=shutil.ignore_patterns(".git", ".venv", "public", ".shelfpress-cache",
                                                              "tests", "bench", "generator", "docs", "*.egg-info"))
    for site in (demo, new_site, REPO / "docs"):
        ok("build", "-C", str(site), "-o", str(tmp_path / "out" / site.name), "-q")
    assert {"page", "listing", "product", "widget", "p", "params"} <= seen
    assert seen <= CONTEXT_NAMES, seen - CONTEXT_NAMES


def test_wordpress_guide_moves_a_site_with_the_import_command() -> None:
    guide = (REPO / "docs" / "content" / "wordpress.md").read_text(encoding="utf-8")
    moving = guide[guide.index("## Moving a site over"):]
    assert "shelfpress import wordpress export.xml" in moving and "--shopello-lists" in moving
    assert "Jekyll Exporter" not in guide  # no third-party exporter


def test_starter_home_tells_one_story_in_one_price_format(new_site: Path) -> None:
    """The starter's block under a lamps heading shows lamps, and every price reads like its heading ("kr")."""
    ok("build", "-C", str(new_site), "-q")
    home = (new_site / "public" / "index.html").read_text()
    block = home[home.index("Lamps under 200 kr"):home.index("All lamps")]
    names = re.findall(r"<h3><a [^>]*>([^<]+)</a></h3>", block)
    assert len(names) == 4 and sum("lampa" in name.lower() for name in names) >= 3, names
    assert not any(word in " ".join(names).lower() for word in ("servo", "katt", "dockteater")), names
    prices = re.findall(r'class="price[^"]*">([^<]+)<', home)
    assert prices and all(price.replace("\xa0", " ").endswith(" kr") for price in prices), prices
    assert "SEK" not in home and "SEK" not in (new_site / "public" / "products.json").read_text()


def test_placeholder_base_url_warns_once_per_deploy_and_is_not_a_build_warning(new_site: Path,
                                                                               tmp_path: Path) -> None:
    for _ in range(2):  # the second deploy's build changes nothing and replays the last build's warnings
        out = ok("deploy", "--target", str(tmp_path / "published"), "-C", str(new_site))
        assert out.count("base_url is still a placeholder") == 1, out
    assert "placeholder" not in ok("build", "-C", str(new_site))


def test_summary_counts_in_words() -> None:
    report = build_module.BuildReport(pages=3, writes=WriteStats(written=1, unchanged=2), warnings=1)
    assert ": 1 file written, 2 unchanged, 0 removed, 1 warning" in report.summary()
    report = build_module.BuildReport(pages=3, writes=WriteStats(written=2), warnings=2)
    assert ": 2 files written, " in report.summary() and report.summary().endswith(", 2 warnings")


@pytest.mark.server
def test_serve_built_serves_the_output_as_built_under_the_base_path(new_site: Path) -> None:
    assert "shelfpress serve --built" in ok("build", "-C", str(new_site))
    config = load_config(new_site)
    server = open_built_site(config, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]

        def get(path: str) -> http.client.HTTPResponse:
            conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request("GET", path)
            return conn.getresponse()

        assert get("/").getheader("Location") == "/my-site/"
        (new_site / "content" / "about.md").write_text("---\ntitle: About\n---\nEdited after the build.\n")
        home = get("/my-site/")
        assert home.status == 200 and home.read() == (new_site / "public" / "index.html").read_bytes()  # as built
        assert get("/my-site/css/style.css").status == 200
        assert b"Edited after the build" not in get("/my-site/about/").read()  # no rebuilds
    finally:
        server.shutdown()
        server.server_close()


def test_serve_built_without_a_build_is_one_line(new_site: Path) -> None:
    result = run("serve", "--built", "-C", str(new_site))
    assert result.exit_code == 1 and "run `shelfpress build` first" in result.output
    assert "Traceback" not in result.output


def test_api_host_that_does_not_resolve_is_named_with_its_setting_and_not_retried(
        new_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:  # any machine answers .invalid the same way
        if str(host).endswith(".invalid"):
            asked.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("SHOPELLO_API_KEY", "k" * 24)
    config = new_site / "shelfpress.toml"
    config.write_text(config.read_text().replace('kind = "catalog"',
                                                 'kind = "shopello"\napi_base = "https://api.shopello.invalid/1/"'))
    started = time.monotonic()
    result = run("build", "-C", str(new_site))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "host 'api.shopello.invalid' does not resolve" in result.output, result.output
    assert "[source] api_base" in result.output and "k" * 24 not in result.output
    assert time.monotonic() - started < 5 and len(asked) <= 4  # no retries with backoff (was 7 s)


def test_empty_revenue_dashboard_says_to_sync_and_counts_whole_clicks() -> None:
    from generator.affiliate.revenue.dashboard import dashboard_data, render_dashboard
    from generator.affiliate.revenue.ledger import Ledger
    from generator.affiliate.revenue.periods import Period

    data = dashboard_data(Ledger(":memory:"), Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    assert data.empty and "Run <code>shelfpress revenue sync</code>" in render_dashboard(data)
    clicks = data.charts[1]
    assert [label for _, label in clicks.ticks] == ["0", "1", "2", "3", "4"]


def test_widget_gallery_labels_the_two_previews_of_a_widget(new_site: Path) -> None:
    ok("build", "-C", str(new_site), "-q")
    gallery = (new_site / "public" / "widgets" / "index.html").read_text()
    section = gallery[gallery.index('id="widget-picks"'):]
    iframe, script = section.index("<iframe"), section.index("data-shelfpress-widget=")
    assert section.rfind('<p class="widget-variant">Embed with an iframe</p>', 0, iframe) >= 0
    assert iframe < section.index('<p class="widget-variant">Embed with a script</p>') < script
