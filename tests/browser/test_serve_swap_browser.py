"""`shelfpress serve` in real Chromium after an edit that rewrote only pages' HTML (the text of a content
page): the reload script swaps the new page in place (no navigation; scroll position, the window and the
head's scripts kept), and reloads instead when the page's head changed, when a script of the page would
have to run again, or when anything else changed (a static file)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.commands.serve import DevServer
from tests.publish.test_template_edit import wait_until
from tests.support.devserver import running_dev_server
from tests.support.sites import SMALL_CONFIG, write_site

pytestmark = [pytest.mark.browser, pytest.mark.server]

LONG = "\n\n".join(f"Paragraph {i} of a page long enough to scroll." for i in range(80))
TEXT = "---\ntitle: {title}\n{extra}---\n{text}\n\n" + LONG + "\n"
PAGES = {
    "static/notes.txt": "a file of the site\n",
    "content/about.md": TEXT.format(title="About", extra="", text="Original about text."),
    # A script in the body, which a swapped-in body would not run: these pages reload. (No template here writes
    # `.body`: the dev server would take it for reading other pages' text and rebuild every page.)
    "content/scripted.md": TEXT.format(title="Scripted", extra="template: scripted.html\n", text="Original."),
    "templates/scripted.html": "{% extends 'base.html' %}{% block main %}{{ content }}{% endblock %}"
                               "{% block scripts %}<script>window.runs = (window.runs || 0) + 1;"
                               "document.documentElement.dataset.runs = window.runs;</script>{% endblock %}",
    # A head made from the text: a text edit changes it, so the page reloads.
    "content/summary.md": TEXT.format(title="Summary", extra="template: summary.html\n", text="Original."),
    "templates/summary.html": "{% extends 'base.html' %}{% block head %}<meta name=\"summary\" content=\""
                              "{{ content | striptags | truncate(30) }}\">{% endblock %}"
                              "{% block main %}{{ content }}{% endblock %}",
}
# Counts the swaps; a full reload starts a new window, so `window.kept` is gone after one.
WATCH = "window.kept = 1; window.swaps = 0; addEventListener('shelfpress:swapped', () => window.swaps++)"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[DevServer]:
    yield from running_dev_server(write_site(tmp_path / "site", PAGES, SMALL_CONFIG))


@pytest.fixture
def page(chromium: object) -> Iterator[object]:
    context = chromium.new_context(viewport={"width": 800, "height": 600})  # type: ignore[attr-defined]
    yield context.new_page()
    context.close()


def open_page(page: object, server: DevServer, path: str) -> None:
    """Open `path` and wait until its reload script polls."""
    page.goto(server.url + path)  # type: ignore[attr-defined]
    page.evaluate(WATCH)  # type: ignore[attr-defined]
    wait_until(lambda: path in server.server.open_pages.pages())  # type: ignore[union-attr]


def only_pages_changed(server: DevServer) -> bool:
    """Whether the last build rewrote only pages' HTML (the server let the browsers swap them in)."""
    return server.epochs.wait_newer(server.epochs.visible - 1, timeout=0)[1] == "pages"


def edit(server: DevServer, rel: str, text: str, **fields: str) -> None:
    values = {"title": "About", "extra": "", **fields}
    (server.config.site_dir / rel).write_text(TEXT.format(text=text, **values))


def test_a_text_edit_swaps_the_page_in_place_keeping_the_scroll_position_and_the_head_scripts(
        server: DevServer, page: object) -> None:
    open_page(page, server, "about/")
    page.evaluate("window.scrollTo(0, 900)")  # type: ignore[attr-defined]
    # A broken image: the theme's head script (an error listener on the window) marks its paragraph.
    edit(server, "content/about.md", "Swapped about text.\n\n![Gone](/repo/missing.png)")
    page.wait_for_function("window.swaps === 1", timeout=10_000)  # type: ignore[attr-defined]
    assert page.locator("text=Swapped about text.").count() == 1  # type: ignore[attr-defined]
    assert "Original about text." not in page.content()  # type: ignore[attr-defined]
    assert page.evaluate("[window.kept, window.scrollY]") == [1, 900]  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.className") == "js"  # type: ignore[attr-defined]
    page.wait_for_selector("p.no-img img[alt='Gone']", state="attached", timeout=5_000)  # type: ignore[attr-defined]
    assert page.evaluate("document.querySelectorAll('body, #shelfpress-reload').length") == 2  # type: ignore

    edit(server, "content/about.md", "Swapped again.")  # the script polls on with the new epoch
    page.wait_for_function("window.swaps === 2", timeout=10_000)  # type: ignore[attr-defined]
    assert page.locator("text=Swapped again.").count() == 1  # type: ignore[attr-defined]
    assert page.evaluate("window.kept") == 1  # type: ignore[attr-defined]
    assert server.server.open_pages.pages() == ["about/"]  # type: ignore[union-attr]


def test_a_page_with_a_script_in_its_body_reloads_and_runs_it_again(server: DevServer, page: object) -> None:
    open_page(page, server, "scripted/")
    assert page.evaluate("document.documentElement.dataset.runs") == "1"  # type: ignore[attr-defined]
    with page.expect_event("load", timeout=10_000):  # type: ignore[attr-defined]
        edit(server, "content/scripted.md", "Reloaded text.", title="Scripted", extra="template: scripted.html\n")
    assert page.locator("text=Reloaded text.").count() == 1  # type: ignore[attr-defined]
    assert page.evaluate("[window.kept, document.documentElement.dataset.runs]") == [None, "1"]  # type: ignore
    assert only_pages_changed(server)


def test_a_page_whose_head_the_edit_changed_reloads(server: DevServer, page: object) -> None:
    open_page(page, server, "summary/")
    with page.expect_event("load", timeout=10_000):  # type: ignore[attr-defined]
        edit(server, "content/summary.md", "New summary.", title="Summary", extra="template: summary.html\n")
    assert page.evaluate("window.kept") is None  # type: ignore[attr-defined]
    assert page.locator("meta[name=summary]").get_attribute("content").startswith("New summary.")  # type: ignore
    assert only_pages_changed(server)


def test_a_static_file_edit_still_reloads(server: DevServer, page: object) -> None:
    open_page(page, server, "about/")
    with page.expect_event("load", timeout=10_000):  # type: ignore[attr-defined]
        (server.config.site_dir / "static/notes.txt").write_text("changed\n")
    assert page.evaluate("window.kept") is None  # type: ignore[attr-defined]
