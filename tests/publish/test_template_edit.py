"""Tests for generator/publish/template_edit.py and its use by `shelfpress serve` (issue 34, item 5): after an
edit of a partial, the pages open in a browser show the new template before the rest of the site is built,
every other page requested meanwhile is rendered on demand (never served stale), the final output equals a
clean build, a newer edit stops the background build, and a broken template shows its error at once."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.commands.build import build
from generator.commands.serve import DevServer
from generator.config.schema import load_config
from generator.core.console import Reporter
from generator.engine.buildstate import BuildState
from generator.publish.template_edit import is_template
from tests.support.sites import SMALL_CONFIG, tree, write_site

PAGES = 300  # a few hundred: the rest of the site takes a while
PARTIAL = "<p class=\"note\">{text}</p>"
PAGE = "{% extends 'base.html' %}{% block main %}<h1>{{ page.title }}</h1>{% include 'partials/note.html' %}" \
       "{{ content }}{% endblock %}"


def request(server: DevServer, path: str, timeout: float = 30) -> str:
    assert server.server is not None
    host, port = server.server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    connection.request("GET", path)
    body = connection.getresponse().read().decode()
    connection.close()
    return body


class Tab:
    """What a browser tab's reload script does: long-poll, naming its page, until a newer epoch shows."""

    def __init__(self, server: DevServer, page: str) -> None:
        self.server, self.page, self.seen = server, page, threading.Event()
        self.epoch = server.epochs.visible
        threading.Thread(target=self._poll, daemon=True).start()

    def _poll(self) -> None:
        request(self.server, f"/__shelfpress/reload/{self.epoch}?tab=t{id(self)}&page={self.page}", timeout=60)
        self.seen.set()


@pytest.fixture
def gated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[DevServer, threading.Event]]:
    """A dev server whose full rebuilds wait for the test to open the gate: "the rest of the site" is
    certainly not built while the test looks."""
    files = {f"content/s{i % 4}/p{i}.md": f"---\ntitle: Page {i}\n---\nText of page {i}.\n" for i in range(PAGES)}
    files["templates/page.html"] = PAGE
    files["templates/partials/note.html"] = PARTIAL.format(text="old note")
    site = write_site(tmp_path / "site", files, SMALL_CONFIG)
    gate = threading.Event()
    gate.set()
    rebuild = DevServer.rebuild

    def gated_rebuild(self: DevServer, *args, **kwargs):  # type: ignore[no-untyped-def]
        assert gate.wait(60)
        return rebuild(self, *args, **kwargs)

    monkeypatch.setattr(DevServer, "rebuild", gated_rebuild)
    dev = DevServer(load_config(site), port=0, reporter=Reporter(verbosity=0))
    dev.start()
    try:
        yield dev, gate
    finally:
        gate.set()
        dev.close()


def wait_until(condition, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_is_template() -> None:
    assert is_template("templates/partials/note.html") and is_template("themes/mine/templates/base.html")
    assert not is_template("content/templates/a.md") and not is_template("themes/mine/static/site.css")


@pytest.mark.server
def test_open_page_shows_the_new_partial_before_the_site_is_rebuilt(gated: tuple[DevServer, threading.Event],
                                                                      tmp_path: Path) -> None:
    server, gate = gated
    site = server.config.site_dir
    tab = Tab(server, "/repo/s1/p5/")
    wait_until(lambda: server.server.open_pages.pages() == ["s1/p5/"])  # type: ignore[union-attr]
    gate.clear()  # the full rebuild waits
    (site / "templates/partials/note.html").write_text(PARTIAL.format(text="new note"))
    assert tab.seen.wait(10), "the open tab was never told to reload"
    assert "new note" in request(server, "/repo/s1/p5/")
    # The rest of the site is not built: on disk every page is as it was...
    assert "old note" in (server.out_dir / "s2/p6/index.html").read_text()
    # ...and a page asked for now is rendered on demand with the new partial, never served stale.
    assert "new note" in request(server, "/repo/s2/p6/")
    assert "new note" in request(server, "/repo/s3/p7/index.html")
    gate.set()
    wait_until(lambda: "new note" in (server.out_dir / "s3/p99/index.html").read_text())
    wait_until(lambda: server.server.preview is None)  # type: ignore[union-attr]
    clean = tmp_path / "clean"
    config = load_config(site)
    build(config, output=clean, state=BuildState(clean), reporter=Reporter(verbosity=0))
    assert tree(server.out_dir) == tree(clean)


@pytest.mark.server
def test_a_newer_edit_stops_the_background_build_and_the_last_edit_wins(
        gated: tuple[DevServer, threading.Event]) -> None:
    server, gate = gated
    site = server.config.site_dir
    tab = Tab(server, "/repo/s1/p5/")
    wait_until(lambda: server.server.open_pages.pages() == ["s1/p5/"])  # type: ignore[union-attr]
    gate.clear()
    (site / "templates/partials/note.html").write_text(PARTIAL.format(text="first"))
    assert tab.seen.wait(10)
    tab = Tab(server, "/repo/s1/p5/")  # the reloaded tab polls again
    (site / "templates/partials/note.html").write_text(PARTIAL.format(text="second"))
    time.sleep(0.3)  # the watcher has seen it: the gated build, once let go, is stopped
    gate.set()
    assert tab.seen.wait(20)
    wait_until(lambda: server.epochs.wanted == server.epochs.visible
               and server.server.preview is None  # type: ignore[union-attr]
               and "second" in (server.out_dir / "s0/p100/index.html").read_text())
    assert "second" in request(server, "/repo/s1/p5/") and "second" in request(server, "/repo/s2/p50/")


@pytest.mark.server
def test_a_broken_partial_shows_its_error_at_once_and_a_fix_reloads(gated: tuple[DevServer, threading.Event]) -> None:
    server, gate = gated
    site = server.config.site_dir
    tab = Tab(server, "/repo/s1/p5/")
    wait_until(lambda: server.server.open_pages.pages() == ["s1/p5/"])  # type: ignore[union-attr]
    gate.clear()
    (site / "templates/partials/note.html").write_text("<p>{{ page.title </p>")
    assert tab.seen.wait(10)
    assert server.epochs.error is not None and "templates/partials/note.html" in server.epochs.error
    assert "shelfpress-error" in request(server, "/repo/s1/p5/")
    gate.set()
    tab = Tab(server, "/repo/s1/p5/")
    (site / "templates/partials/note.html").write_text(PARTIAL.format(text="fixed"))
    assert tab.seen.wait(20)
    wait_until(lambda: server.epochs.wanted == server.epochs.visible
               and server.server.preview is None)  # type: ignore[union-attr]
    assert server.epochs.error is None
    page = request(server, "/repo/s1/p5/")
    assert "fixed" in page and "shelfpress-error" not in page


@pytest.mark.server
def test_a_closed_tab_is_no_open_page(gated: tuple[DevServer, threading.Event]) -> None:
    server, _ = gated
    Tab(server, "/repo/s1/p5/")
    Tab(server, "/repo/s2/p6/")
    wait_until(lambda: len(server.server.open_pages.pages()) == 2)  # type: ignore[union-attr]
    tab = next(iter(server.server.open_pages._tabs))  # type: ignore[union-attr]
    assert server.server is not None
    host, port = server.server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("POST", f"/__shelfpress/reload/closed?tab={tab}&page=/repo/s1/p5/")
    assert connection.getresponse().status == 204
    assert len(server.server.open_pages.pages()) == 1


@pytest.mark.server
def test_a_text_edit_saved_during_the_background_build_joins_the_next_preview(
        gated: tuple[DevServer, threading.Event], monkeypatch: pytest.MonkeyPatch) -> None:
    server, gate = gated
    site = server.config.site_dir
    previews: list[object] = []
    first = DevServer._open_pages_first

    def counted(self: DevServer, changed: set[str]):  # type: ignore[no-untyped-def]
        preview = first(self, changed)
        previews.append(preview)
        return preview

    monkeypatch.setattr(DevServer, "_open_pages_first", counted)
    tab = Tab(server, "/repo/s1/p5/")
    wait_until(lambda: server.server.open_pages.pages() == ["s1/p5/"])  # type: ignore[union-attr]
    gate.clear()
    (site / "templates/partials/note.html").write_text(PARTIAL.format(text="new note"))
    assert tab.seen.wait(10)
    tab = Tab(server, "/repo/s1/p5/")
    (site / "content/s1/p5.md").write_text("---\ntitle: Page 5\n---\nFresh text of page 5.\n")
    time.sleep(0.3)  # seen by the watcher: the background build, let go, stops for it
    gate.set()
    assert tab.seen.wait(20)
    page = request(server, "/repo/s1/p5/")
    assert "new note" in page and "Fresh text of page 5." in page
    wait_until(lambda: server.epochs.wanted == server.epochs.visible
               and server.server.preview is None)  # type: ignore[union-attr]
    assert len(previews) >= 2 and all(previews), "both rounds showed the open page first"
    assert "Fresh text of page 5." in (server.out_dir / "s1/p5/index.html").read_text()
