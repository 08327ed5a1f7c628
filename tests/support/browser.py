"""Real headless Chromium (Debian's /usr/bin/chromium via Playwright) and a static server for built sites."""

from __future__ import annotations

import base64
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


# Chromium's software rasterizer may shade the anti-aliased edge of a rounded corner one level apart between two
# paints of the same layout (seen under load: 1 of 255 on a few pixels of an input's corner). A wrong style moves
# edges, changes colours or sizes: differences far beyond this.
ANTI_ALIASING_LEVELS = 2
_DIFFERING_PIXELS = """async ([first, second, tolerance]) => {
  const pixels = async png => {
    const image = await createImageBitmap(await (await fetch("data:image/png;base64," + png)).blob());
    const canvas = new OffscreenCanvas(image.width, image.height), context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return {width: image.width, height: image.height, data: context.getImageData(0, 0, image.width, image.height).data};
  };
  const [a, b] = [await pixels(first), await pixels(second)];
  if (a.width !== b.width || a.height !== b.height) return [`size ${a.width}x${a.height} != ${b.width}x${b.height}`];
  const differing = [];
  for (let i = 0; i < a.data.length; i += 4)
    for (let c = 0; c < 4; c++)
      if (Math.abs(a.data[i + c] - b.data[i + c]) > tolerance) {
        const pixel = i / 4;
        differing.push(`(${pixel % a.width}, ${Math.floor(pixel / a.width)})`);
        break;
      }
  return differing.slice(0, 10).concat(differing.length > 10 ? [`and ${differing.length - 10} more`] : []);
}"""


def differing_pixels(page: object, first: bytes, second: bytes) -> list[str]:
    """Where two PNG screenshots differ by more than anti-aliasing noise (at most 10 positions named), decoded by
    the browser itself: [] when they show the same picture."""
    if first == second:
        return []
    pngs = [base64.b64encode(shot).decode() for shot in (first, second)]
    return page.evaluate(_DIFFERING_PIXELS, [*pngs, ANTI_ALIASING_LEVELS])  # type: ignore[attr-defined]
