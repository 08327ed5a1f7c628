"""The dev server's way for template edits: the pages open in a browser first, the rest of the site after.

A layout or partial that many pages use makes the rebuild render most of the site: seconds at 10,000
pages, while the writer looks at one or two of them. So when templates changed (`is_template`) and
nothing else but the text of content pages (`text_edit.edited_pages`: an edit saved while the last
template edit's build ran, which that edit stopped), the dev server (`commands/serve.py`) first renders,
with a fresh template environment over the last full build's site graph, the pages its browsers show
(`livereload.OpenPages`) and publishes them at once: the browsers reload. The full build then runs in
the background. Until it commits, every HTML page of the graph is rendered on demand the same way
(`TemplatePreview.page`), and anything the preview cannot make (a product page carried over as a
stand-in, a file that is no page) waits for the build: no stale page is served as new.

Only templates and text changed, so the site graph, its page data and the product data are the last
build's, and a page renders to the bytes the full build writes for it. The build's output is what stays, though: when it
commits, each page the preview served is compared with it (`differs`), and the browsers reload once more
if one is not the same (a page whose data the edit changed after all). The preview never writes a file.
"""

from __future__ import annotations

import threading
from pathlib import Path, PurePath

from generator.config.schema import Config
from generator.content.page import Page, output_path_for
from generator.core.errors import ShelfpressError
from generator.core.failures import one_line
from generator.products.carry import CarriedData
from generator.publish.text_edit import LastBuild, swap_in
from generator.render.environment import make_environment
from generator.render.page import PageRenderer


def is_template(rel: str) -> bool:
    """Whether the site-relative path `rel` is in `templates/` or a site theme's `themes/<name>/templates/`."""
    parts = PurePath(rel).parts
    return parts[:1] == ("templates",) or (parts[:1] == ("themes",) and parts[2:3] == ("templates",))


class TemplatePreview:
    """The last full build's site graph rendered with the templates as they are now; never written."""

    def __init__(self, last: LastBuild, config: Config, prices_as_of: str,
                 edited: list[tuple[Page, Page]] | None = None) -> None:
        """`edited`: content pages whose text changed too (`text_edit.edited_pages`), swapped into the graph."""
        env = make_environment(config, strict=last.strict, prices_as_of=prices_as_of)
        swap_in(last, edited or [])
        self.last, self.site = last, last.site
        self.renderer = PageRenderer(last.site, env, last.renderer.extra_context, markdown=last.renderer.markdown)
        self.served: dict[str, bytes] = {}  # output key -> the bytes served
        self.open: list[str] = []  # the open pages (`first`)
        self.error: str | None = None  # why one of them failed to render
        self._lock = threading.Lock()  # one render at a time: the environment and graph are shared
        self._done = threading.Event()

    def first(self, rels: list[str]) -> None:
        """Render the open pages `rels` (paths below the base path) now; the first that fails sets `error`
        (the browsers show it at once)."""
        self.open = rels
        for rel in rels:
            try:
                self.page(rel, quiet=False)
            except ShelfpressError as exc:
                self.error = one_line(exc)
                return

    def page(self, rel: str, *, quiet: bool = True) -> bytes | None:
        """The page at `rel` rendered with the new templates, or None when it is no page the preview can make
        (or, `quiet`, fails: the build then reports it)."""
        key = output_path_for("/" + rel)
        with self._lock:
            if key in self.served:
                return self.served[key]
            page = self._page_at(key)
            if page is None:
                return None
            try:
                body = self.renderer.render(page)
            except ShelfpressError:
                if quiet:
                    return None
                raise
            self.served[key] = body
            return body

    def _page_at(self, key: str) -> Page | None:
        url = "/" + key.removesuffix("index.html")
        for candidate in (self.site.by_url.get(url), self.site.by_url.get("/" + key)):
            if candidate is not None and candidate.output_path == key and type(candidate.data) is not CarriedData:
                return candidate
        return None

    def differs(self, out_dir: Path) -> bool:
        """Whether a page served from here is not the file the build wrote for it."""
        with self._lock:
            served = dict(self.served)
        for key, body in served.items():
            try:
                if (out_dir / key).read_bytes() != body:
                    return True
            except OSError:
                return True
        return False

    def done(self) -> None:
        """The build finished (committed, failed or stopped): requests waiting for it go on."""
        self._done.set()

    def wait_done(self, timeout: float) -> None:
        self._done.wait(timeout)
