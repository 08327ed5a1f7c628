"""Widget layouts and iframe auto-height in real Chromium, on a host page served from another origin.

The site and the host pages are on two 127.0.0.1 ports. The site server answers after a
small random delay, and the host script runs before the iframe exists, right after it,
or injected up to a second later, so frame and host script load in every order.
Screenshots land in $SHELFPRESS_SCREENSHOTS (default: the test's tmp dir).
"""

from __future__ import annotations

import functools
import os
import random
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support.browser import stub_external_images
from tests.support.sites import run, write_site

pytestmark = [pytest.mark.browser, pytest.mark.server]

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
LAYOUTS = ("list", "grid", "carousel")
LOADS = 20
CONFIG = """title = "Layout test"
base_url = "{site}/"
language = "sv"

[links]
channel = "777"

[widgets.list]
query = "lampa"
count = 4
layout = "list"

[widgets.grid]
query = "lampa"
count = 4
layout = "grid"
columns = 4

[widgets.carousel]
query = "lampa"
count = 6
layout = "carousel"
columns = 4
"""
LATE_JS = """(function () {
  var p = new URLSearchParams(location.search);
  setTimeout(function () {
    var s = document.createElement("script"); s.src = p.get("host"); document.body.appendChild(s);
  }, Number(p.get("delay")) || 0);
})();"""


class _Handler(SimpleHTTPRequestHandler):
    delay = 0.0

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        if self.delay:
            time.sleep(random.uniform(0, self.delay))
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


class _Slow(_Handler):
    delay = 0.15


def _server(root: Path, handler: type[_Handler]) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def _page(body: str, head: str = "") -> str:
    return (f'<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>Host</title>{head}'
            '<style>body{margin:0;padding:10px;font:16px Georgia,serif}aside{width:250px}</style></head>'
            f"<body><h1>Host page</h1>{body}<p>After the widget.</p></body></html>")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    root = tmp_path_factory.mktemp("layouts")
    public, host = root / "site/public", root / "host"
    public.mkdir(parents=True)
    host.mkdir()
    site_httpd, site = _server(public, _Slow)
    host_httpd, host_url = _server(host, _Handler)
    picks = ('---\ntitle: Tips\n---\n{{< products query="lampa" limit=6 layout="carousel" title="Karusell" >}}\n\n'
             '{{< products query="lampa" limit=3 layout="list" title="Lista" >}}\n')
    write_site(root / "site", {"content/index.md": "---\ntitle: Hem\n---\nHej.\n", "content/tips.md": picks},
               CONFIG.format(site=site))
    os.environ["SHOPELLO_SIGNING_SECRET"] = "layout-test-secret"
    try:
        result = run("build", "-C", str(root / "site"))
    finally:
        del os.environ["SHOPELLO_SIGNING_SECRET"]
    assert result.exit_code == 0, result.output
    (host / "late.js").write_text(LATE_JS)
    (host / "favicon.ico").write_bytes(PNG)
    hostjs = f'<script src="{site}/js/widget-host.js"></script>'
    for name in LAYOUTS:
        frame = f'<iframe src="{site}/widgets/{name}/" data-shelfpress-frame title="w" style="width:100%;border:0">' \
                "</iframe>"
        (host / f"{name}-first.html").write_text(_page(frame, head=hostjs))
        (host / f"{name}-after.html").write_text(_page(frame + hostjs.replace("></script>", " async></script>")))
        (host / f"{name}-late.html").write_text(_page(frame + '<script src="late.js"></script>'))
        script = f'<div data-shelfpress-widget="{name}"></div><script src="{site}/widgets/{name}.js" async></script>'
        (host / f"{name}-script.html").write_text(_page(script))
        (host / f"{name}-sidebar.html").write_text(_page(f"<aside>{script}</aside>"))
    yield site, host_url
    site_httpd.shutdown()
    host_httpd.shutdown()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("SHELFPRESS_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _new_page(chromium: object, width: int) -> object:
    context = chromium.new_context(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    stub_external_images(context)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    return page


def _sized(page: object) -> tuple[int, int]:
    """(iframe height, the height of the frame's content) once they agree, or after 5 s."""
    frame = page.frame_locator("iframe")  # type: ignore[attr-defined]
    frame.locator("[data-shelfpress-rendered]").wait_for()
    deadline = time.monotonic() + 5
    while True:
        inner = frame.locator("html").evaluate("e => Math.ceil(e.getBoundingClientRect().height)")
        outer = page.eval_on_selector("iframe", "e => e.getBoundingClientRect().height")  # type: ignore
        if abs(inner - outer) <= 2 or time.monotonic() > deadline:
            return round(outer), inner
        page.wait_for_timeout(50)  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_iframe_height_on_every_load(servers: tuple[str, str], chromium: object, shots: Path, layout: str,
                                     width: int) -> None:
    site, host = servers
    page = _new_page(chromium, width)
    urls = [f"{host}/{layout}-first.html", f"{host}/{layout}-after.html"] + [
        f"{host}/{layout}-late.html?host={site}/js/widget-host.js&delay={delay}" for delay in (0, 150, 600)]
    wrong = []
    for load in range(LOADS):
        url = urls[load % len(urls)]
        page.goto(url)  # type: ignore[attr-defined]
        outer, inner = _sized(page)
        if abs(outer - inner) > 2 or inner < 100:
            wrong.append(f"load {load} {url}: iframe {outer} px, content {inner} px")
    page.set_viewport_size({"width": width // 2 + 100, "height": 900})  # type: ignore[attr-defined]
    outer, inner = _sized(page)  # the width changed after loading: the height follows
    assert abs(outer - inner) <= 2, (outer, inner)
    page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
    _sized(page)
    page.screenshot(path=str(shots / f"iframe-{layout}-{width}.png"), full_page=True)  # type: ignore
    assert wrong == []
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()  # type: ignore[attr-defined]


BOXES = """host => {
  const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
                     return {x: r.left, y: r.top, r: r.right, b: r.bottom, w: r.width, h: r.height}; };
  return [...host.shadowRoot.querySelectorAll("a")].map(a => {
    const n = a.querySelector(".n");
    return {card: box(a), img: box(a.querySelector("img")), name: box(n), price: box(a.querySelector(".p")),
            button: box(a.querySelector(".btn")), clipped: n.scrollWidth > n.clientWidth + 1,
            lineHeight: parseFloat(getComputedStyle(n).lineHeight)};
  });
}"""


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return min(a["r"], b["r"]) - max(a["x"], b["x"]) > 0.5 and min(a["b"], b["b"]) - max(a["y"], b["y"]) > 0.5


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return inner["x"] >= outer["x"] - 0.5 and inner["r"] <= outer["r"] + 0.5 and \
        inner["y"] >= outer["y"] - 0.5 and inner["b"] <= outer["b"] + 0.5


@pytest.mark.parametrize(("variant", "width"), [("script", 320), ("script", 390), ("script", 1280),
                                                ("script", 1440), ("sidebar", 1280)])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_layout_has_no_overlap(servers: tuple[str, str], chromium: object, shots: Path, layout: str,
                               variant: str, width: int) -> None:
    _, host = servers
    page = _new_page(chromium, width)
    page.goto(f"{host}/{layout}-{variant}.html")  # type: ignore[attr-defined]
    page.wait_for_selector(f'[data-shelfpress-widget="{layout}"][data-shelfpress-rendered]')  # type: ignore
    page.wait_for_timeout(100)  # type: ignore[attr-defined]
    page.screenshot(path=str(shots / f"{layout}-{variant}-{width}.png"), full_page=True)  # type: ignore
    cards = page.eval_on_selector("[data-shelfpress-widget]", BOXES)  # type: ignore[attr-defined]
    assert len(cards) >= 4
    for card in cards:
        parts = {k: card[k] for k in ("img", "name", "price", "button")}
        assert all(parts.values()), card
        for key, box in parts.items():
            assert _inside(box, card["card"]), (layout, variant, width, key, card)
        names = list(parts)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                assert not _overlap(parts[a], parts[b]), (layout, variant, width, a, b, card)
        # words wrap between words: a name is never narrower than a short word, nor clipped sideways
        assert card["name"]["w"] >= 90 and not card["clipped"], card
        assert card["name"]["h"] <= 3 * card["lineHeight"] + 1, card  # at most three lines
    lefts = sorted({round(c["card"]["x"]) for c in cards})
    tops = {round(c["card"]["y"]) for c in cards}
    narrow = variant == "sidebar" or width < 500
    if layout == "list":
        assert len(lefts) == 1 and len(tops) == len(cards)
        assert len({round(c["button"]["x"]) for c in cards}) == 1  # buttons line up
    elif layout == "grid":
        assert len(lefts) == (1 if variant == "sidebar" else 2 if narrow else 4)
        for top in tops:  # buttons of one row share their bottom edge
            row = [c for c in cards if round(c["card"]["y"]) == top]
            assert len({round(c["button"]["b"]) for c in row}) == 1
    else:
        assert len(tops) == 1  # one row that scrolls sideways
        scroll = page.eval_on_selector("[data-shelfpress-widget]", "h => {const u = h.shadowRoot."  # type: ignore
                                       "querySelector('ul'); return [u.scrollWidth, u.clientWidth];}")
        assert scroll[0] > scroll[1]  # six cards, at most four in view
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [390, 1280])
def test_products_shortcode_honours_layout(servers: tuple[str, str], chromium: object, shots: Path,
                                           width: int) -> None:
    site, _ = servers
    page = _new_page(chromium, width)
    page.goto(f"{site}/tips/")  # type: ignore[attr-defined]
    page.screenshot(path=str(shots / f"shortcode-layouts-{width}.png"), full_page=True)  # type: ignore
    carousel = page.eval_on_selector(".product-carousel", """u => ({display: getComputedStyle(u).display,
        overflow: u.scrollWidth > u.clientWidth, tops: [...u.children].map(li => li.getBoundingClientRect().top)})""")
    assert carousel["display"] == "flex" and carousel["overflow"] and len(set(carousel["tops"])) == 1
    rows = page.eval_on_selector(".product-list", "u => [...u.children].map(li => li.getBoundingClientRect().left)")
    assert len(rows) == 3 and len(set(rows)) == 1  # one card per row
    assert page.errors == []  # type: ignore[attr-defined]
    page.context.close()  # type: ignore[attr-defined]
