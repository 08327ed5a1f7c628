"""Incremental builds: what the last build made, and from which inputs.

`BuildState` owns three caches, kept in memory by the dev server and in
`<cache_dir>/build-<output hash>.pickle` between `shelfpress build` runs:

- parsed pages by (path, mtime_ns, size): an unchanged file is not re-read;
- Markdown HTML by body hash: a template change re-renders pages without
  re-converting their Markdown;
- per output file, a fingerprint of everything that went into it:
  the page's own source (or, for generated pages, its URL, title and data),
  the sources of the pages it lists (a section's children), and one global
  fingerprint of config, drafts flag, shelfpress code, templates and theme
  files, the nav (url/title/weight/kind of its items) and `site.data`.

A page whose fingerprint matches the last build is kept, not rendered. When
unsure it re-renders: a template that reads `site.pages`/`site.by_url`
makes every page depend on every source; `site.data` without a stable
`fingerprint` key is hashed by value. This module decides *what* to
render; it never renders, never decides which pages exist, and touches the
output directory only through the writers of `output.py`.
"""

from __future__ import annotations

import dataclasses

import copyreg
import hashlib
import io
import os
import pickle
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PosixPath, PurePosixPath, WindowsPath
from typing import Any

from . import __version__
from .config import Config
from .content import Page, read_page
from .markup import MarkdownRenderer, Rendered
from .output import InPlaceWriter, OutputWriter
from .render import theme_dirs
from .site import Site, parent_url

FORMAT = 1
# Coarse file timestamps tick every few ms: a file modified this close to when it was read
# may change again without its mtime moving, so such cache entries are never trusted.
RACY_NS = 20_000_000
_WHOLE_SITE = re.compile(r"site\s*\.\s*(pages|by_url|content_pages)\b")
_CODE = Path(__file__).parent


def _digest(*parts: str | bytes) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass
class _Source:
    """A parsed content file and what it was parsed from."""

    mtime_ns: int
    size: int
    read_ns: int
    digest: str
    page: Page


class CachedMarkdown(MarkdownRenderer):
    """A MarkdownRenderer that remembers HTML by body hash (shared with the build state)."""

    def __init__(self, cache: dict[str, Rendered], base_path: str) -> None:
        super().__init__(base_path)
        self.base_path = base_path
        self.cache = cache
        self.used: set[str] = set()

    def convert(self, text: str) -> Rendered:
        key = _digest(self.base_path, text)  # the base path is baked into root-relative links
        self.used.add(key)
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = super().convert(text)
        return hit


@dataclass
class Plan:
    """Fingerprints of this build's pages, and which of them must be rendered."""

    fingerprints: dict[str, str]
    previous: dict[str, str]
    rendered: list[str] = field(default_factory=list)

    def reuse(self, page: Page, writer: OutputWriter) -> bool:
        """True when `page`'s output is kept from the last build (its inputs did not change)."""
        key = page.output_path
        if self.previous.get(key) == self.fingerprints[key] and writer.keep(key, str(page.source or page.url)):
            return True
        self.rendered.append(key)
        return False


class BuildState:
    """See the module docstring. `path=None` keeps the state in memory only (the dev server)."""

    def __init__(self, out_dir: Path, path: Path | None = None, *, verify_output: bool = True) -> None:
        self.out_dir = out_dir.resolve()
        self.path = path
        self.verify_output = verify_output
        self.key = ""  # what the page cache depends on: config and code
        self.sources: dict[str, _Source] = {}
        self.markdown_html: dict[str, Rendered] = {}
        self.outputs: dict[str, str] = {}  # output path -> fingerprint, for the output dir as it is
        self.files: set[str] = set()  # every file the last build left in the output dir
        self.plan: Plan | None = None
        self._markdown: CachedMarkdown | None = None
        self._seen: set[str] = set()
        self.dirty = True  # the saved state differs from this one

    # -- persistence -------------------------------------------------------------------------------
    @classmethod
    def for_output(cls, config: Config, out_dir: Path) -> BuildState:
        """The state recorded for `out_dir` under the site's cache dir (empty when none or unreadable)."""
        name = f"build-{_digest(str(out_dir.resolve()))[:16]}.pickle"
        path = config.site_dir / config.source.cache_dir / name
        state = cls(out_dir, path)
        try:
            saved = pickle.loads(path.read_bytes())
            if saved.get("format") == FORMAT and saved.get("out_dir") == str(state.out_dir):
                for name in ("key", "sources", "markdown_html", "outputs", "files"):
                    setattr(state, name, saved[name])
                state.dirty = False
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, KeyError, TypeError):
            pass
        return state

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        data = {"format": FORMAT, "out_dir": str(self.out_dir), "key": self.key, "sources": self.sources,
                "markdown_html": self.markdown_html, "outputs": self.outputs, "files": self.files}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(self.path.name + ".tmp")
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = _PATHS_AS_TEXT
        pickler.dump(data)
        temp.write_bytes(buffer.getvalue())
        temp.replace(self.path)
        self.dirty = False

    def forget_outputs(self) -> None:
        """The output dir is about to change under us: drop the on-disk record until `committed()`."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    # -- the build's hooks, in the order build() calls them ----------------------------------------
    def start(self, config: Config, *, drafts: bool, clean: bool) -> None:
        """Begin a build: a changed config, code or --clean invalidates what depends on them."""
        key = _digest(repr(config), str(drafts), __version__, _code_fingerprint())
        if clean or key != self.key:
            self.sources, self.outputs, self.dirty = {}, {}, True
        if clean:
            self.files = set()
        self.key = key
        self._seen = set()
        self._markdown = CachedMarkdown(self.markdown_html, config.base_path)

    def read_page(self, path: Path, content_dir: Path, site_dir: Path, permalinks: str) -> Page:
        """`content.read_page`, answered from the cache when the file's (mtime, size) did not move."""
        name = str(path)
        stat = os.stat(name)
        self._seen.add(name)
        cached = self.sources.get(name)
        if (cached is not None and cached.mtime_ns == stat.st_mtime_ns and cached.size == stat.st_size
                and cached.read_ns - cached.mtime_ns > RACY_NS):
            return _fresh(cached.page)
        read_ns = time.time_ns()
        digest = _digest(path.read_bytes())
        page = read_page(path, content_dir, site_dir, permalinks)
        self.sources[name] = _Source(stat.st_mtime_ns, stat.st_size, read_ns, digest, page)
        self.dirty = True
        return _fresh(page)

    @property
    def markdown(self) -> CachedMarkdown:
        assert self._markdown is not None, "call start() first"
        return self._markdown

    def plan_pages(self, site: Site) -> Plan:
        """Fingerprint every page of `site` against the last build."""
        digests = {entry.page.url: entry.digest for path, entry in self.sources.items() if path in self._seen}
        templates = _template_fingerprint(site.config)
        whole_site = _digest(*sorted(digests.values())) if templates.whole_site else ""
        nav = [(p.url, p.title, str(p.weight), p.kind) for p in site.nav]
        common = _digest(self.key, templates.digest, whole_site, repr(nav), _data_fingerprint(site.data))
        own = {p.url: _digest(p.kind, p.url, str(p.source), digests.get(p.url) or _generated(p)) for p in site.pages}
        children: dict[str, list[str]] = defaultdict(list)
        for page in site.pages:
            if page.kind in ("page", "section") and page.url != "/":
                children[parent_url(page.url)].append(own[page.url])
        fingerprints = {}
        for page in site.pages:
            listed = children.get(page.url, []) if page.kind in ("section", "home") else []
            fingerprints[page.output_path] = _digest(common, own[page.url], *listed)
        self.plan = Plan(fingerprints, self.outputs)
        return self.plan

    def writer(self, out_dir: Path, *, clean: bool) -> OutputWriter:
        """In place when the output dir is the one this state describes; staged (atomic swap) otherwise."""
        if clean or not self.files or out_dir.resolve() != self.out_dir or not self.out_dir.is_dir():
            return OutputWriter(out_dir, reuse_unchanged=not clean)
        return InPlaceWriter(out_dir, self.files, verify=self.verify_output, before_commit=self.forget_outputs)

    def committed(self, writer: OutputWriter) -> None:
        """The output dir now holds this build: remember it (and drop cache entries nobody uses)."""
        assert self.plan is not None
        files = set(writer.owners)
        if self.plan.rendered or files != self.files or len(self.sources) != len(self._seen):
            self.dirty = True
        self.outputs = self.plan.fingerprints
        self.files = files
        self.sources = {path: entry for path, entry in self.sources.items() if path in self._seen}
        if len(self.markdown_html) > 2 * len(self.sources) + 100:  # bounded: keep what this build used
            self.markdown_html = {k: v for k, v in self.markdown_html.items() if k in self.markdown.used}
        self.save()

    @property
    def rendered(self) -> list[str]:
        """Output paths the last build rendered (the rest were kept)."""
        return list(self.plan.rendered) if self.plan else []


@dataclass(frozen=True)
class _Templates:
    digest: str
    whole_site: bool


def _fresh(page: Page) -> Page:
    """A copy for one build: later stages fill `page.data`, and the cached original must stay as read."""
    return dataclasses.replace(page, data={})


def _template_fingerprint(config: Config) -> _Templates:
    """Every template of the theme chain by content, and whether any reads the whole site."""
    parts: list[str | bytes] = []
    whole_site = False
    for layer in theme_dirs(config, "templates"):
        for path in sorted(layer.rglob("*")):
            if path.is_file():
                body = path.read_bytes()
                whole_site = whole_site or bool(_WHOLE_SITE.search(body.decode("utf-8", "replace")))
                parts += [str(path), body]
    return _Templates(_digest(*parts), whole_site)


def _code_fingerprint() -> str:
    """shelfpress's own modules by (path, mtime, size): editing the generator re-renders everything."""
    return _digest(*(f"{p}:{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in sorted(_CODE.rglob("*.py"))))


def _data_fingerprint(data: dict[str, Any]) -> str:
    """`site.data["fingerprint"]` when the product stage provides one, else the data by value."""
    if not data:
        return ""
    stable = data.get("fingerprint")
    return str(stable) if stable is not None else _digest(repr(sorted(data.items(), key=lambda kv: kv[0])))


def _path_from_text(cls: type, text: str) -> Path:
    return cls(text)  # type: ignore[no-any-return]


# Paths pickle as their components by default, which costs a second per 10,000 pages to load.
_PATHS_AS_TEXT = copyreg.dispatch_table.copy()
for _cls in (PosixPath, WindowsPath, PurePosixPath):
    _PATHS_AS_TEXT[_cls] = lambda p: (_path_from_text, (type(p), str(p)))


def _generated(page: Page) -> str:
    return _digest(page.title, page.description, page.template, repr(sorted(page.data.items())))
