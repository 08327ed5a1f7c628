"""`shelfpress serve` in real Chromium after an edit of a partial that every page includes (issue 34, item 5):
the open page reloads with the new partial before the rest of the site is rendered, and a page first asked
for after that, not yet rendered, shows the new partial too (never the old one)."""

from __future__ import annotations

import threading

import pytest

from generator.commands.serve import DevServer
from tests.publish.test_template_edit import PARTIAL, gated, wait_until  # noqa: F401 (gated: a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_the_open_page_reloads_with_the_new_partial_first(gated: tuple[DevServer, threading.Event],  # noqa: F811
                                                          chromium: object) -> None:
    server, gate = gated
    site = server.config.site_dir
    context = chromium.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(server.url + "s1/p5/")
    assert "old note" in page.content()
    wait_until(lambda: server.server.open_pages.pages() == ["s1/p5/"])  # type: ignore[union-attr]
    gate.clear()  # the rest of the site is not rendered until the test says so
    with page.expect_event("load", timeout=15_000):
        (site / "templates/partials/note.html").write_text(PARTIAL.format(text="new note"))
    assert page.locator("p.note").inner_text() == "new note"
    assert "old note" in (server.out_dir / "s2/p6/index.html").read_text()  # not rendered yet
    other = context.new_page()
    other.goto(server.url + "s2/p6/")
    assert other.locator("p.note").inner_text() == "new note"
    gate.set()
    wait_until(lambda: "new note" in (server.out_dir / "s3/p299/index.html").read_text())
    wait_until(lambda: server.server.preview is None)  # type: ignore[union-attr]
    page.reload()
    assert page.locator("p.note").inner_text() == "new note"
    context.close()
