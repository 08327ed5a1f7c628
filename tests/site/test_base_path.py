"""A project-pages site (`https://user.github.io/repo/`) works under its path prefix, end to end.

The demo site (plus pages that exercise aliases, shortcodes and static
files) is built with the prefixed base_url, served by a stdlib HTTP server
that answers only under /repo/ on 127.0.0.1, and crawled: every href, src,
srcset and sitemap entry must stay under /repo/ and answer 200. A browser
test then loads every page in headless Chromium and fails on any request
(stylesheet, script, image, widget) that does not load.
"""

from __future__ import annotations

import re
import shutil
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urljoin, urlsplit

import pytest

from tests.support.browser import stub_external_images
from tests.support.sites import run
from tests.support.loopback import DirectoryServer

REPO = Path(__file__).resolve().parents[2]
BASE_URL = "https://user.github.io/repo/"
PREFIX = "/repo/"
EXTRA_PAGES = {
    "content/nested/deep/page.md": "---\ntitle: Deep\naliases: [/old/deep/]\n---\n"
                                   '{{< figure src="/img/logo.svg" alt="Logo" width=10 height=10 >}}\n'
                                   "[home](/) and [about](/om/)\n",
    "static/img/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
}

pytestmark = pytest.mark.server


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src"):
                self.links.append(value)
            elif name == "srcset":
                self.links += [part.split()[0] for part in value.split(",") if part.strip()]
            elif name == "content" and tag == "meta" and re.match(r"\d+;\s*url=", value, re.I):
                self.links.append(value.split("=", 1)[1].strip())  # alias redirect pages


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    for name in ("content", "static", "templates"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    config = (REPO / "shelfpress.toml").read_text()
    (root / "shelfpress.toml").write_text(re.sub(r'(?m)^base_url = "[^"]*"', f'base_url = "{BASE_URL}"', config))
    for rel, body in EXTRA_PAGES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body)
    result = run("build", "-C", str(root))
    assert result.exit_code == 0, result.output
    return root / "public"


@pytest.fixture
def server(site: Path) -> Iterator[str]:
    with DirectoryServer(site, PREFIX) as httpd:  # only under PREFIX, as GitHub Pages serves a project site
        yield httpd.origin


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except HTTPError as error:
        return error.code


def internal_targets(site: Path, local: str) -> dict[str, set[str]]:
    """Every internal URL the site links to (mapped onto the local server), with the pages linking to it."""
    public = urlsplit(BASE_URL)
    found: dict[str, set[str]] = {}

    def add(link: str, page_url: str, where: str) -> None:
        absolute = urljoin(page_url, link.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or parts.netloc not in (public.netloc, urlsplit(local).netloc):
            return  # mailto:, tel:, other hosts
        assert parts.path.startswith(PREFIX), f"{where}: {link!r} resolves to {parts.path}, outside {PREFIX}"
        found.setdefault(local + parts.path + (f"?{parts.query}" if parts.query else ""), set()).add(where)

    for html in sorted(site.rglob("*.html")):
        rel = html.relative_to(site).as_posix()
        page_url = BASE_URL + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        parser = Links()
        parser.feed(html.read_text(encoding="utf-8"))
        for link in parser.links:
            add(link, page_url, rel)
    for loc in re.findall(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text()):
        assert loc.startswith(BASE_URL), f"sitemap entry {loc} is not under {BASE_URL}"
        add(loc, BASE_URL, "sitemap.xml")
    for line in (site / "robots.txt").read_text().splitlines():
        if line.lower().startswith("sitemap:"):
            add(line.split(":", 1)[1], BASE_URL, "robots.txt")
    return found


def test_every_internal_link_answers_under_the_prefix(site: Path, server: str) -> None:
    targets = internal_targets(site, server)
    assert len(targets) >= 10  # pages, stylesheet, images, sitemap entries
    assert any(url.endswith(".css") for url in targets) and any(url.endswith(".svg") for url in targets)
    broken = {url: sorted(pages) for url, pages in targets.items() if status(url) != 200}
    assert not broken, broken


def test_nothing_is_served_outside_the_prefix(server: str) -> None:
    assert status(server + PREFIX) == 200
    assert status(server + "/index.html") == 404


@pytest.mark.browser
def test_chromium_loads_every_page_without_a_failed_request(site: Path, server: str, chromium: Any) -> None:
    failures: list[str] = []
    for html in sorted(site.rglob("*.html")):
        rel = html.relative_to(site).as_posix()
        if rel == "404.html":
            continue  # GitHub Pages serves it *for* missing paths; its own assets are crawled above
        page = chromium.new_page()  # one per URL: an alias page's redirect must not interrupt the next
        stub_external_images(page)  # product images live on a CDN this machine cannot reach
        page.on("requestfailed", lambda request: failures.append(f"{request.url} failed"))
        page.on("response", lambda r: failures.append(f"{r.url} {r.status}") if r.status >= 400 else None)
        page.goto(server + PREFIX + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
        page.wait_for_load_state("networkidle")
        assert urlsplit(page.url).path.startswith(PREFIX), f"{rel} navigated away to {page.url}"
        page.close()
    assert not failures, failures
