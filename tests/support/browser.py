"""Real headless Chromium (Debian's /usr/bin/chromium via Playwright) and a static server for built sites."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.loopback import DirectoryServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PLACEHOLDER_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="220" height="220">'
                   b'<rect width="220" height="220" fill="#fed7aa"/></svg>')


def stub_external_images(page: object) -> None:
    """Product images point at CDNs this machine cannot reach: answer them locally."""
    def fulfill(route: object) -> None:
        route.fulfill(status=200, content_type="image/svg+xml", body=PLACEHOLDER_SVG)  # type: ignore[attr-defined]

    page.route("http*://**/*.jpg", fulfill)  # type: ignore[attr-defined]
    page.route("http*://cdn.203.se/**", fulfill)  # type: ignore[attr-defined]


@contextmanager
def serve_directory(root: Path, prefix: str = "/") -> Iterator[str]:
    """Serve `root` at http://127.0.0.1:<port><prefix>; yield that base URL."""
    with DirectoryServer(root, prefix) as server:
        yield server.url
