"""An iframe widget below the fold of a host page on another origin (issue 33 §8), in real Chromium: its height
arrives without the reader scrolling, on every load (Chromium throttles rendering in off-screen cross-origin
frames, so a height measured only in a ResizeObserver never arrived and the page jumped on scrolling). The
embed code is the one the widget gallery gives, copied as a publisher would."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.support.sites import run, write_site
from tests.support.loopback import DirectoryServer

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture(scope="module")
def host_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("fold")
    public, host = root / "site" / "public", root / "host"
    public.mkdir(parents=True)
    host.mkdir()
    with ExitStack() as stack:
        site_server = stack.enter_context(DirectoryServer(public, cors=True))
        host_server = stack.enter_context(DirectoryServer(host, cors=True))
        config = (f'title = "Fold"\nbase_url = "{site_server.url}"\nlanguage = "en"\nsearch = false\n'
                  '[widgets.lamps]\nquery = "lampa"\ncount = 4\ncolumns = 2\n')
        site = write_site(root / "site", {"content/index.md": "---\ntitle: Home\n---\nHi.\n"}, config)
        assert run("build", "-C", str(site), "-q").exit_code == 0
        gallery = (public / "widgets" / "index.html").read_text()
        code = html.unescape(re.search(r'<code id="embed-lamps-iframe">(.*?)</code>', gallery, re.DOTALL)[1])
        (host / "index.html").write_text(f'<!doctype html><html><head><meta charset="utf-8"><title>Host</title>'
                                         f'</head><body><h1>A long article</h1><div style="height:3000px">'
                                         f"</div>{code}<p>The end.</p></body></html>")
        yield host_server.url


def test_iframe_below_the_fold_gets_its_height_without_scrolling(chromium: Any, host_url: str) -> None:
    page = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.route("http*://cdn.203.se/**", lambda route: route.abort())
    for _ in range(3):  # on every load
        page.goto(host_url)
        page.wait_for_function("() => parseInt(document.querySelector('iframe').style.height) > 200",
                               timeout=8000)
        assert page.evaluate("scrollY") == 0
        frame = page.frame_locator("iframe")
        inner = frame.locator("html").evaluate("e => Math.ceil(e.getBoundingClientRect().height)")
        outer = page.eval_on_selector("iframe", "e => parseInt(e.style.height)")
        assert abs(inner - outer) <= 2
    page.context.close()
