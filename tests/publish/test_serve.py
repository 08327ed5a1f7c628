"""`shelfpress serve`: HTTP behaviour, rebuild epochs, live reload in real Chromium."""

from __future__ import annotations

import gzip
import http.client
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.commands.serve import DevServer, is_css_only
from generator.config.schema import load_config
from generator.core.console import Reporter
from generator.core.errors import ServeError, ShelfpressError
from generator.publish.livereload import KEPT_EPOCHS, BuildEpochs, inject
from tests.support.sites import BASIC_CONFIG, SMALL_CONFIG, add_files, run, tree, write_site

PAGES = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome home.\n",
    "content/about.md": "---\ntitle: About\n---\nOriginal about text.\n",
    "content/guides/lamps.md": "---\ntitle: Lamps\n---\nLamp text.\n",
    "static/css/extra.css": "body { color: black }\n",
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture
def site(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The pages alone; a test about search or every output asks for the full config (demo shop, Pagefind)
    with `@WITH_SHOP`."""
    return write_site(tmp_path / "site", PAGES, getattr(request, "param", SMALL_CONFIG))


WITH_SHOP = pytest.mark.parametrize("site", [BASIC_CONFIG], indirect=True, ids=["shop"])


@pytest.fixture
def server(site: Path) -> Iterator[DevServer]:
    dev = DevServer(load_config(site), port=0, reporter=Reporter(verbosity=0))
    dev.start()
    yield dev
    dev.close()


def get(server: DevServer, path: str, method: str = "GET") -> http.client.HTTPResponse:
    """A raw request: `path` is sent exactly as given (no client-side normalisation of ../)."""
    host, port = server.server.server_address[:2]  # type: ignore[union-attr]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request(method, path)
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


def get_with(server: DevServer, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    host, port = server.server.server_address[:2]  # type: ignore[union-attr]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


def wait_for(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def settle(server: DevServer) -> None:
    """Wait until no build is wanted or running, and none follows for a moment."""
    for _ in range(3):
        wait_for(lambda: server.epochs.wanted == server.epochs.visible)
        time.sleep(0.3)


@pytest.mark.server
def test_serves_under_the_base_path_with_types_index_and_404(server: DevServer) -> None:
    assert server.url.endswith("/repo/")
    root = get(server, "/")
    assert root.status == 302 and root.getheader("Location") == "/repo/"
    page = get(server, "/repo/about/")
    assert page.status == 200 and page.getheader("Content-Type") == "text/html; charset=utf-8"
    assert b"Original about text." in page.body and b"/__shelfpress/reload/" in page.body  # type: ignore[attr-defined]
    assert get(server, "/repo/about").getheader("Location") == "/repo/about/"
    css = get(server, "/repo/css/extra.css")
    assert css.status == 200 and css.getheader("Content-Type").startswith("text/css")
    missing = get(server, "/repo/nope/")
    assert missing.status == 404 and b"shelfpress-reload" in missing.body  # type: ignore[attr-defined]
    assert get(server, "/elsewhere/").status == 404
    assert get(server, "/repo/about/", "HEAD").status == 200


@pytest.mark.server
@pytest.mark.parametrize("path", ["/repo/../shelfpress.toml", "/repo/%2e%2e/shelfpress.toml",
                                  "/repo/%2E%2E/%2e%2e/etc/passwd", "/repo/..%2fshelfpress.toml",
                                  "/repo/css/..%5c..%5cshelfpress.toml", "/repo/%00"])
def test_path_traversal_is_refused(server: DevServer, path: str) -> None:
    response = get(server, path)
    assert response.status in (400, 404)
    assert b"base_url" not in response.body  # type: ignore[attr-defined]


@pytest.mark.server
def test_symlink_out_of_the_output_dir_is_not_followed(server: DevServer, site: Path) -> None:
    (server.out_dir / "leak").symlink_to(site)
    assert get(server, "/repo/leak/shelfpress.toml").status == 404


@pytest.mark.server
def test_busy_port_is_one_clear_error(site: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        dev = DevServer(load_config(site), port=port, reporter=Reporter(verbosity=0))
        with pytest.raises(ServeError, match=f"port {port} on 127.0.0.1 is already in use.*--port 0"):
            dev.start()
        assert not dev.temp.exists()


@pytest.mark.server
def test_a_failing_first_build_raises_and_cleans_up(site: Path) -> None:
    (site / "content/about.md").write_text("---\ntitle: About\n---\n{{< nope >}}\n")
    dev = DevServer(load_config(site), port=0, reporter=Reporter(verbosity=0))
    with pytest.raises(ShelfpressError, match="content/about.md:4:1: unknown shortcode"):
        dev.start()
    assert not dev.temp.exists()


@pytest.mark.server
def test_edit_rebuilds_and_a_burst_coalesces(server: DevServer, site: Path) -> None:
    (site / "content/about.md").write_text("---\ntitle: About\n---\nEdited about text.\n")
    wait_for(lambda: server.epochs.visible >= 1)
    assert b"Edited about text." in get(server, "/repo/about/").body  # type: ignore[attr-defined]
    settle(server)
    before = server.epochs.visible
    for i in range(20):
        (site / f"content/burst-{i}.md").write_text(f"---\ntitle: Burst {i}\n---\nx\n")
    wait_for(lambda: (server.out_dir / "burst-19/index.html").is_file())
    settle(server)
    assert server.epochs.visible - before <= 2  # one batch; at most one more if the burst straddled a build


@pytest.mark.server
def test_failed_rebuild_keeps_the_site_and_shows_the_error(server: DevServer, site: Path) -> None:
    (site / "content/about.md").write_text("---\ntitle: About\n---\n{{< nope >}}\n")
    wait_for(lambda: server.epochs.error is not None)
    body = get(server, "/repo/about/").body  # type: ignore[attr-defined]
    assert b"Original about text." in body and b"shelfpress-error" in body and b"content/about.md:4:1" in body
    (site / "content/about.md").write_text("---\ntitle: About\n---\nFixed.\n")
    wait_for(lambda: server.epochs.error is None)
    body = get(server, "/repo/about/").body  # type: ignore[attr-defined]
    assert b"Fixed." in body and b"shelfpress-error" not in body


def test_html_waits_for_an_in_flight_build() -> None:
    epochs = BuildEpochs()
    epochs.want()
    threading.Timer(0.3, epochs.publish, args=(1, None)).start()
    started = time.monotonic()
    epochs.wait_built()
    assert time.monotonic() - started >= 0.25 and epochs.visible == 1


def test_a_later_outcome_of_a_published_build_is_a_new_epoch_unless_a_newer_change_is_wanted() -> None:
    """The rest of the site after a template edit's open pages: its error (or a page that came out
    different) reloads the tabs as a new epoch; a change wanted meanwhile makes its own build instead."""
    epochs = BuildEpochs()
    epochs.want()
    epochs.publish(1, None)
    assert epochs.republish("templates/x.html:3: boom") == 2
    assert (epochs.wanted, epochs.visible, epochs.error) == (2, 2, "templates/x.html:3: boom")
    assert epochs.wait_newer(1, timeout=0) == (2, "any")
    epochs.want()
    assert epochs.republish(None) is None and epochs.visible == 2


def test_css_only_epochs() -> None:
    epochs = BuildEpochs()
    epochs.publish(1, None, css_only=True)
    assert epochs.wait_newer(0, timeout=0) == (1, "styles")
    epochs.publish(2, None, css_only=False)
    assert epochs.wait_newer(0, timeout=0) == (2, "any")
    assert epochs.wait_newer(2, timeout=0) == (2, "")  # nothing newer: the script polls again
    assert is_css_only({"static/css/style.css", "themes/x/static/a.css"})
    assert not is_css_only({"static/css/style.css", "content/a.md"}) and not is_css_only(set())


def test_pages_only_epochs_let_the_browsers_swap_pages_in_place_unless_a_build_failed_or_more_changed() -> None:
    epochs = BuildEpochs()
    epochs.publish(1, None, pages_only=True)
    epochs.publish(2, None, pages_only=True)
    assert epochs.wait_newer(0, timeout=0) == (2, "pages")
    epochs.publish(3, None, css_only=True)
    assert epochs.wait_newer(1, timeout=0) == (3, "any")  # pages and styles: a reload does both
    epochs.publish(4, "content/a.md:1: bad", pages_only=True)
    assert epochs.wait_newer(3, timeout=0) == (4, "any")  # the overlay comes with a reload
    epochs.publish(5, None, pages_only=True)
    assert epochs.wait_newer(4, timeout=0) == (5, "any")  # and goes with one
    assert epochs.wait_newer(9, timeout=0) == (5, "any")  # a tab from another server's run


def test_edits_one_build_took_in_together_changed_what_that_build_changed() -> None:
    """Three quick text edits (epochs 2-4 wanted) built at once, published as 4: a tab of epoch 1 swaps its
    page, as after one edit; a failed build in between still makes the tabs reload."""
    epochs = BuildEpochs()
    epochs.publish(1, None)
    for _ in range(4):
        epochs.want()
    epochs.publish(4, None, pages_only=True)
    assert epochs.wait_newer(1, timeout=0) == (4, "pages") and epochs.wait_newer(2, timeout=0) == (4, "pages")
    epochs.publish(7, None, css_only=True)
    assert epochs.wait_newer(4, timeout=0) == (7, "styles") and epochs.wait_newer(1, timeout=0) == (7, "any")
    epochs.publish(9, "content/a.md:1: bad", pages_only=True)
    assert epochs.wait_newer(7, timeout=0) == (9, "any")


def test_epochs_remember_what_the_last_builds_changed_not_every_build_since_the_server_started() -> None:
    """A dev server that runs for days publishes an epoch per edit; what each changed is kept for the last
    KEPT_EPOCHS only (issue 34), and a tab further behind than that reloads."""
    epochs = BuildEpochs()
    last = 3 * KEPT_EPOCHS
    for epoch in range(1, last + 1):
        epochs.publish(epoch, None, pages_only=True)
    assert len(epochs._change) == KEPT_EPOCHS
    assert epochs.wait_newer(last - KEPT_EPOCHS, timeout=0) == (last, "pages")  # the oldest still known
    assert epochs.wait_newer(last - KEPT_EPOCHS - 1, timeout=0) == (last, "any")


@pytest.mark.server
def test_a_text_edit_publishes_a_pages_only_epoch_and_a_template_edit_does_not(server: DevServer,
                                                                               site: Path) -> None:
    (site / "content/about.md").write_text("---\ntitle: About\n---\nEdited about text.\n")
    wait_for(lambda: server.epochs.visible >= 1)
    assert server.epochs.wait_newer(0, timeout=0) == (1, "pages")
    settle(server)
    before = server.epochs.visible
    add_files(site, {"templates/page.html": "{% extends 'base.html' %}{% block main %}<p>{{ page.title }}</p>"
                                            "{% endblock %}"})
    wait_for(lambda: server.epochs.visible > before)
    assert server.epochs.wait_newer(before, timeout=0)[1] == "any"


def test_the_reload_script_carries_a_digest_of_the_head() -> None:
    def head(page: bytes) -> bytes:
        served = inject(page, 1, None)
        return served.split(b'data-head="', 1)[1].split(b'"', 1)[0]

    page = b"<!doctype html><html><head><title>A</title></head><body><p>one</p></body></html>"
    assert head(page) == head(page.replace(b"one", b"two")) != b""
    assert head(page) != head(page.replace(b"<title>A", b"<title>B"))
    assert head(page) != head(page.replace(b"<html>", b'<html lang="sv">'))
    assert head(b"<p>no head</p>") == b""  # never swapped in place


@pytest.mark.server
def test_files_carry_validators_and_an_unchanged_one_is_not_sent_again(server: DevServer, site: Path) -> None:
    first = get(server, "/repo/css/extra.css")
    tag = first.getheader("ETag")
    assert first.status == 200 and tag and first.getheader("Last-Modified")
    assert first.getheader("Cache-Control") == "no-cache"  # kept, but asked again on every use
    again = get_with(server, "/repo/css/extra.css", {"If-None-Match": f'W/"x", {tag}'})
    assert again.status == 304 and again.body == b"" and again.getheader("ETag") == tag  # type: ignore[attr-defined]
    page = get(server, "/repo/about/")
    assert page.getheader("Cache-Control") == "no-store" and page.getheader("ETag") is None  # HTML has the epoch
    (site / "static/css/extra.css").write_text("body { color: red }\n")
    wait_for(lambda: b"red" in get(server, "/repo/css/extra.css").body)  # type: ignore[attr-defined]
    changed = get_with(server, "/repo/css/extra.css", {"If-None-Match": tag})  # type: ignore[arg-type]
    assert changed.status == 200 and changed.body == b"body { color: red }\n"  # type: ignore[attr-defined]
    assert changed.getheader("ETag") != tag


def test_script_goes_before_the_last_body_close() -> None:
    page = inject(b"<html><body><p>&lt;/body&gt;</p></BODY></html>", 3, "a.md:1: <bad>")
    assert page.index(b"shelfpress-reload") < page.index(b"</BODY>")
    assert b"a.md:1: &lt;bad&gt;" in page


@WITH_SHOP
def test_build_output_has_no_reload_script(site: Path) -> None:
    assert run("build", "-C", str(site)).exit_code == 0
    for rel, body in tree(site / "public").items():
        assert b"shelfpress-reload" not in body and b"__shelfpress" not in body, rel


@pytest.fixture
def browser_page(server: DevServer) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        yield page
        browser.close()


@pytest.mark.browser
def test_browser_reloads_on_edit_and_shows_then_clears_the_overlay(server: DevServer, site: Path,
                                                                   browser_page: object) -> None:
    page = browser_page
    page.goto(server.url + "about/")  # type: ignore[attr-defined]
    assert "Original about text." in page.content()  # type: ignore[attr-defined]

    (site / "content/about.md").write_text("---\ntitle: About\n---\nLive edited text.\n")
    page.wait_for_selector("text=Live edited text.", timeout=10_000)  # type: ignore[attr-defined]

    add_files(site, {"templates/page.html": "{% extends 'base.html' %}{% block main %}{{ page.title }\n"
                                            "{% endblock %}"})
    overlay = page.wait_for_selector("#shelfpress-error", timeout=10_000)  # type: ignore[attr-defined]
    assert "templates/page.html:1" in overlay.inner_text()

    add_files(site, {"templates/page.html": "{% extends 'base.html' %}{% block main %}<p>Fixed {{ page.title }}</p>"
                                            "{% endblock %}"})
    page.wait_for_selector("text=Fixed About", timeout=10_000)  # type: ignore[attr-defined]
    assert page.query_selector("#shelfpress-error") is None  # type: ignore[attr-defined]


@pytest.mark.browser
def test_css_change_swaps_stylesheets_without_reload(server: DevServer, site: Path, browser_page: object) -> None:
    page = browser_page
    page.goto(server.url + "about/")  # type: ignore[attr-defined]
    page.evaluate("window.__marker = 1")  # type: ignore[attr-defined]
    (site / "static/css/style.css").parent.mkdir(parents=True, exist_ok=True)
    (site / "static/css/style.css").write_text("body { background: rgb(1, 2, 3) }\n")
    page.wait_for_function("getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'",  # type: ignore
                           timeout=10_000)
    assert page.evaluate("window.__marker") == 1  # type: ignore[attr-defined]
    assert urlsplit(page.url).path == "/repo/about/"  # type: ignore[attr-defined]


@pytest.mark.server
def test_cors_header_and_local_embed_codes(tmp_path: Path) -> None:
    """Widgets embedded from another local port can load their JSON; the gallery's embed codes name the
    dev server, while the built site keeps the production base_url."""
    config = "title = \"T\"\nbase_url = \"https://user.github.io/repo/\"\nlanguage = \"en\"\n" \
             "[widgets.lamps]\nquery = \"lampa\"\ncount = 2\n"
    site = write_site(tmp_path / "site", PAGES, config)
    dev = DevServer(load_config(site), port=0, reporter=Reporter(verbosity=0))
    dev.start()
    try:
        local = dev.url  # http://127.0.0.1:<port>/repo/
        data = get(dev, "/repo/widgets/lamps.json")
        assert data.status == 200 and data.getheader("Access-Control-Allow-Origin") == "*"
        assert get(dev, "/repo/widgets/lamps.js").getheader("Access-Control-Allow-Origin") == "*"
        gallery = get(dev, "/repo/widgets/").body.decode()  # type: ignore[attr-defined]
        assert f"{local}widgets/lamps.js" in gallery and f"{local}js/widget-host.js" in gallery
        assert "https://user.github.io/repo/widgets/" not in gallery
        built = (dev.out_dir / "widgets/index.html").read_text()
        assert "https://user.github.io/repo/widgets/lamps.js" in built and local not in built
    finally:
        dev.close()
    assert run("build", "-C", str(site)).exit_code == 0
    assert "https://user.github.io/repo/widgets/lamps.js" in (site / "public/widgets/index.html").read_text()


@pytest.mark.server
@WITH_SHOP
def test_reload_does_not_wait_for_search_which_catches_up_when_edits_pause(server: DevServer, site: Path) -> None:
    def fragments() -> set[str]:
        return {p.name for p in (server.out_dir / "pagefind").rglob("*.pf_fragment")}

    first = fragments()
    assert first, "the first build indexes search before serving"
    (site / "content/about.md").write_text("---\ntitle: About\n---\nA quite different about text.\n")
    wait_for(lambda: server.epochs.visible >= 1)
    assert b"A quite different about text." in get(server, "/repo/about/").body  # type: ignore[attr-defined]
    assert fragments() == first  # the reload came before Pagefind ran
    wait_for(lambda: fragments() != first, timeout=60)  # then the index caught up, in a swap of its own
    assert b"A quite different about text." in get(server, "/repo/about/").body  # type: ignore[attr-defined]
    assert get(server, "/repo/pagefind/pagefind.js").status == 200


@pytest.mark.server
@WITH_SHOP
def test_an_edit_stops_a_search_refresh_instead_of_waiting_for_it(site: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Pagefind takes seconds on a big site: an edit made while it re-indexes is built at once, and the
    index catches up at the next pause."""
    from pagefind.service import get_executable

    real, slow, started = get_executable(), tmp_path / "slow-pagefind", tmp_path / "slow-started"
    slow.write_text(f"#!/bin/sh\ntouch {started}\nexec sleep 60\n")
    slow.chmod(0o755)
    chosen = {"executable": real}
    monkeypatch.setattr("pagefind.service.get_executable", lambda: chosen["executable"])
    dev = DevServer(load_config(site), port=0, reporter=Reporter(verbosity=0))
    dev.start()
    try:
        chosen["executable"] = slow  # every index from now on hangs until stopped
        about = site / "content/about.md"
        about.write_text("---\ntitle: About\n---\nFirst edit.\n")
        wait_for(lambda: dev.epochs.visible >= 1)
        wait_for(started.exists, timeout=30)  # the edits paused: the refresh runs (and hangs)
        edited = time.monotonic()
        about.write_text("---\ntitle: About\n---\nSecond edit.\n")
        wait_for(lambda: b"Second edit." in get(dev, "/repo/about/").body, timeout=30)  # type: ignore[attr-defined]
        assert time.monotonic() - edited < 10, "the edit waited for Pagefind"
        chosen["executable"] = real
        wait_for(lambda: not dev._search_stale, timeout=60)  # indexed at the next pause
    finally:
        dev.close()


@pytest.mark.server
def test_the_shadow_tree_for_the_first_edit_is_made_before_the_edit(site: Path) -> None:
    """A first build into a new output folder leaves no shadow tree (it became the live site); the server
    makes the next one while it waits, so the first edit's build does not link every file first."""
    dev = DevServer(load_config(site), port=0, reporter=Reporter(verbosity=0))
    dev.start()
    try:
        wait_for(lambda: dev.state.record.shadow is not None)
        live = {p.relative_to(dev.out_dir): p.stat().st_ino for p in dev.out_dir.rglob("*") if p.is_file()}
        shadow = dev.state.shadows.shadow_dir(dev.out_dir)
        assert os.stat(shadow).st_ino == dev.state.record.shadow.shadow_inode  # the one the next build trusts
        linked = {p.relative_to(shadow): p.stat().st_ino for p in shadow.rglob("*") if p.is_file()}
        assert linked == live  # the same files, as hard links of the live ones
    finally:
        dev.close()


@pytest.mark.server
@WITH_SHOP
def test_search_catching_up_after_an_edit_indexes_just_the_edited_pages_shard(
        site: Path, monkeypatch: pytest.MonkeyPatch, pagefind_runs: list[list[str]]) -> None:
    from generator.publish import shards

    monkeypatch.setattr(shards, "WHOLE_SITE_PAGES", 0)  # shards as on a very big site:
    monkeypatch.setattr(shards, "SHARD_PAGES", 4)  # the demo shop's pages in 8 shards
    dev = DevServer(load_config(site), port=0, reporter=Reporter(verbosity=0))
    dev.start()
    try:
        assert len(pagefind_runs) > 1  # the first build indexes every shard
        pagefind_runs.clear()
        (site / "content/about.md").write_text("---\ntitle: About\n---\nA zebrafinch at the feeder.\n")
        wait_for(lambda: dev.epochs.visible >= 1)
        wait_for(lambda: pagefind_runs and not dev._search_stale, timeout=60)
        settle(dev)
        assert len(pagefind_runs) == 1 and "about/index.html" in pagefind_runs[0]
        words = b"".join(gzip.decompress(p.read_bytes()) for p in (dev.out_dir / "pagefind").rglob("*.pf_fragment"))
        assert b"zebrafinch" in words
        assert get(dev, "/repo/pagefind/shards.json").status == 200
    finally:
        dev.close()
