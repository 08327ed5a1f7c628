"""The incremental planner: which outputs of this build must be rendered, and which are kept.

Per output file the planner computes one fingerprint of everything that went
into it (`fingerprint_pages`):

    the build key        config, drafts flag, shelfpress version and code (translations included), the
                         versions of Python and of the libraries whose output lands in pages (versions.py)
    its templates        the page's template and shortcode templates, with all they extend/include
    its own source       the content file by content, or a generated page's identity
    its data             page.data by value: listings, shortcode results, related products,
                         pagination, feeds (`fingerprint.DataDigests`): every product by its full
                         record and the channel it is signed with
    what it lists        a section's children (their front matter; their text too when a template
                         reads a page's body); the nav; site-wide data (category tree, menu)
    the whole site       only when a template reads site.pages / site.by_url

A page whose fingerprint matches the last build's (`build_record.py`) is kept,
not rendered; so an incremental build renders exactly the outputs whose
inputs changed, and its output equals a clean build's. Product pages whose
inputs did not change are carried over as stand-ins (`carry_over`).

Before any of that, `unchanged()` compares a signature of every input file
(mtime and size) plus the product source's data version (`inputs_signature`):
when nothing at all changed, the build stops there and rewrites nothing.

The planner also keeps what makes a rebuild cheap in a long-lived process
(the dev server): parsed content files by (mtime, size), Markdown HTML by
text, the content listing. It decides *what* to render; it never renders
and never touches the output directory.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator import __version__
from generator.config.schema import Config
from generator.content.page import Page, output_path_for, read_page
from generator.core.digest import digest, file_signature
from generator.engine.build_record import BuildRecord, PageRecords
from generator.engine.fingerprint import DataDigests, Fingerprints, TemplateDigests, page_templates
from generator.engine.template_reads import TemplateReads, template_reads
from generator.content.markup import MarkdownRenderer, Rendered
from generator.products.carry import CarriedData, CarryOver
from generator.config.themes import theme_dirs
from generator.content.site import ContentListing, Site, parent_url
from generator.core.versions import build_software

if TYPE_CHECKING:
    import jinja2

# Coarse file timestamps tick every few ms: a file modified this close to when it was read
# may change again without its mtime moving, so such cache entries are never trusted.
RACY_NS = 20_000_000
_CODE = Path(__file__).parents[1]  # the whole generator package


@dataclass
class _Source:
    """A parsed content file and what it was parsed from (kept in memory by the dev server)."""

    mtime_ns: int
    size: int
    read_ns: int
    digest: str
    page: Page
    front_digest: str = ""  # of page.front and page.params, made once (a dev server fingerprints again and again)
    described: dict[tuple[str, ...], str] = dataclasses.field(default_factory=dict)  # see fingerprint_pages

    def front_of(self, page: Page, data: DataDigests) -> str | None:
        """The digest of `page`'s front matter and params when they are this entry's own, else None."""
        if page.front is not self.page.front or page.params is not self.page.params:
            return None
        if not self.front_digest:
            self.front_digest = digest(data.value(page.front), data.value(page.params))
        return self.front_digest


class CachedMarkdown(MarkdownRenderer):
    """A MarkdownRenderer that remembers HTML by body hash (shared with the build state)."""

    def __init__(self, cache: dict[str, Rendered], base_path: str) -> None:
        super().__init__(base_path)
        self.base_path = base_path
        self.cache = cache
        self.used: set[str] = set()

    def convert(self, text: str) -> Rendered:
        key = digest(self.base_path, text)  # the base path is baked into root-relative links
        self.used.add(key)
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = super().convert(text)
        return hit


class Planner:
    """Plans the builds of `record`'s output folder, and updates the record with what each one made."""

    def __init__(self, record: BuildRecord) -> None:
        self.record = record
        self.key_changed = True
        self.sources: dict[str, _Source] = {}
        self.markdown_html: dict[str, Rendered] = {}
        self.fingerprints: Fingerprints | None = None
        self._markdown: CachedMarkdown | None = None
        self._seen: set[str] = set()
        self._listing: list[tuple[Path, os.stat_result]] | None = None
        self._listing_index: dict[str, int] | None = None  # path -> position in _listing (`_positions`)
        self._committed: tuple = ("", PageRecords(), "")  # what the live site was built from
        self.reads: TemplateReads | None = None  # what the templates read, as the last fingerprinting found
        self._templates: TemplateDigests | None = None
        self._carry: CarryOver | None = None
        self._shared: str | None = None  # see `_shared_digest`

    def start(self, config: Config, *, drafts: bool, clean: bool, strict: bool = False, moment: str = "") -> None:
        """Begin a build: a changed config, code, --strict (templates then fail on typos) or --clean
        invalidates what depends on them; so does `moment`, what every page may show of the build's time
        (the "Prices as of" note), when there is one."""
        record = self.record
        secrets = digest(*sorted(f"{k}={v}" for k, v in config.secret_values().items()))  # a digest only
        # With [build] inline_critical_css, every page inlines the site's style sheets (render/stylesheets.py):
        # then they are inputs of every page. Without it no page holds them, and no walk is made for them.
        sheets = file_signature(path for layer in [*theme_dirs(config, "static"), config.site_dir / "static"]
                                for path in _walk(layer) if path.suffix.lower() == ".css"
                                ) if config.build.inline_critical_css else []
        key = digest(repr(config), str(drafts), str(strict), __version__, _code_fingerprint(), build_software(),
                     secrets, repr(sheets), *([moment] if moment else []))
        self._committed = (record.key, record.pages, record.signature)
        self.key_changed = clean or key != record.key
        if self.key_changed:  # (the code changed: how references are found may have too)
            record.pages, record.signature, record.template_references = PageRecords(), "", {}
            record.template_reads = {}
            self.sources, self.markdown_html = {}, {}
        record.key = key
        self._carry, self._shared = None, None
        # The last build's fingerprints and template digests reach its whole site graph (through the renderer
        # and environment they fingerprint with): dropped, so that graph is freed before this build makes
        # its own, not held through it (a dev server's build stopped by a newer edit left it here).
        self.fingerprints, self._templates = None, None
        self._seen = set()
        self._markdown = CachedMarkdown(self.markdown_html, config.base_path)

    def unchanged(self, signature: str | None) -> bool:
        """True when every input is as the last committed build saw it and its output is all there."""
        out_dir = self.record.out_dir
        if signature is None or signature != self.record.signature or not out_dir.is_dir():
            return False
        return _all_present(out_dir, self.record.files)

    def read_page(self, path: Path, content_dir: Path, site_dir: Path, permalinks: str, stat: os.stat_result) -> Page:
        """`content.read_page`, answered from the cache when the file's (mtime, size), as `stat` gives them,
        did not move."""
        name = str(path)
        self._seen.add(name)
        cached = self.sources.get(name)
        if (cached is not None and cached.mtime_ns == stat.st_mtime_ns and cached.size == stat.st_size
                and cached.read_ns - cached.mtime_ns > RACY_NS):
            return _fresh(cached.page)
        read_ns = time.time_ns()
        data = path.read_bytes()
        page = read_page(path, content_dir, site_dir, permalinks, data)
        self.sources[name] = _Source(stat.st_mtime_ns, stat.st_size, read_ns, digest(data), page)
        return _fresh(page)

    def content_listing(self, site_dir: Path, config_file: Path, changed: set[str] | None) -> ContentListing | None:
        """The content files of the last site loaded with this state, brought up to date with `changed`
        (site-relative paths the dev server's watcher saw): None when only a new walk can tell, i.e. a
        file or folder under content/ appeared, went away or is not a regular file now, or the config
        changed. Each changed file is checked again by `load_site`; the others keep their status."""
        last = self._listing
        unusable = last is None or changed is None or config_file.name in changed
        index = {} if unusable else self._positions()
        self._listing = self._listing_index = None  # a failed load must not leave an old listing behind
        if last is None or unusable:
            return None
        listing: ContentListing = list(last)
        for rel in changed:
            if Path(rel).parts[:1] != ("content",):
                continue  # templates, static files, data: the list of content files is what it was
            position = index.get(str(site_dir / rel))
            if position is None or not os.path.isfile(site_dir / rel):
                return None
            listing[position] = (listing[position][0], None)
        return listing

    def forget_listing(self) -> None:
        """Drop the content listing (after a failure): the next build walks content/ anew."""
        self._listing = self._listing_index = None

    def loaded(self, site: Site) -> None:
        """Remember `site`'s checked content files for the next `content_listing`."""
        self._listing, self._listing_index = list(site.content_files), None

    def _positions(self) -> dict[str, int]:
        """Each file's position in the content listing (by path), made once per listing: a dev server asks on
        every save, and a listing of 10,000 files takes milliseconds to index."""
        if self._listing_index is None:
            self._listing_index = {str(path): i for i, (path, _) in enumerate(self._listing or ())}
        return self._listing_index

    @property
    def markdown(self) -> CachedMarkdown:
        assert self._markdown is not None, "call start() first"
        return self._markdown

    def template_digests(self, env: jinja2.Environment) -> TemplateDigests:
        """This build's template digests, told what earlier builds learnt of the templates' references."""
        self._templates = TemplateDigests(env, dict(self.record.template_references))
        return self._templates

    def _entries(self) -> dict[str, _Source]:
        """URL -> the cached source of each content page this build read."""
        return {entry.page.url: entry for path, entry in self.sources.items() if path in self._seen}

    def _shared_digest(self, site: Site) -> str:
        """What every page's fingerprint shares besides the site-wide data: the build key, the nav and,
        when a template reads the whole page list, every content source. Known once content is read."""
        if self._shared is None:
            reads = self.reads = template_reads(site.config, self.record.template_reads)
            whole_site = digest(*sorted(e.digest for e in self._entries().values())) if reads.whole_site else ""
            nav = [(p.url, p.title, str(p.weight), p.kind) for p in site.nav]
            self._shared = digest(self.record.key, whole_site, repr(nav))
        return self._shared

    def carry_over(self, site: Site, templates: TemplateDigests, template_for: Callable[[Page], str],
                   data: DataDigests, data_version: str, co_purchase: str, *,
                   narrow: Callable[[], bool] = lambda: True) -> CarryOver:
        """The product stage's link to the last build's product pages (`products/carry.py`), for a build
        whose product data has a version; `co_purchase` digests the co-purchase data and the publisher's product
        data files ("" for none: then single pages may be carried over too); `narrow()`: whether pages may be
        carried over by the source's change log. Call after reading content; `committed` records what the stage
        made."""
        product = templates.of(*page_templates(Page(url="/", title="", kind="product"), template_for))
        self._carry = CarryOver(digest(self._shared_digest(site), product, co_purchase), data_version,
                                not co_purchase, data, self.record.product_pages, self.record.outputs, output_path_for,
                                narrowing=narrow)
        return self._carry

    def fingerprint_pages(self, site: Site, templates: TemplateDigests, template_for: Callable[[Page], str],
                          data: DataDigests) -> Fingerprints:
        """How to fingerprint a page of `site` against the last build (see the module docstring); what
        every page shares is digested here, once. A page carried over (`CarriedData`) has its last one."""
        entries = self._entries()
        digests = {url: entry.digest for url, entry in entries.items()}
        common = digest(self._shared_digest(site), data.value(site.data))
        reads = self.reads
        assert reads is not None  # read by _shared_digest

        no_front = digest(data.value({}), data.value({}))  # a generated page's: 10,000 product pages

        def described(p: Page, source: str) -> tuple[str, ...]:
            """The parts of `p`'s own description; a content page's come digested, and cached."""
            entry = entries.get(p.url)
            front = entry.front_of(p, data) if entry is not None else None
            if front is None:
                front = digest(data.value(p.front), data.value(p.params)) if p.front or p.params else no_front
            parts = (p.kind, p.url, p.title, p.description, str(p.source), source, front)
            if entry is None:  # a generated page: digested along with the rest of its fingerprint
                return parts
            # A cached source keeps its digests: a dev server describes 10,000 unchanged pages per rebuild.
            if parts not in entry.described:
                if len(entry.described) > 4:  # a page is described with and without its text: two keys
                    entry.described.clear()
                entry.described[parts] = digest(*parts)
            return (entry.described[parts],)

        # What a section page shows of its children: their front matter, and their text only when some
        # template reads a page's body (editing one page's text then leaves its 500 siblings' section alone).
        children: dict[str, list[str]] = defaultdict(list)
        for page in site.pages:
            if page.kind in ("page", "section") and page.url != "/":
                children[parent_url(page.url)].extend(described(page, digests.get(page.url, "") if reads.bodies
                                                                else ""))

        def fingerprint(page: Page) -> str:
            if type(page.data) is CarriedData:
                return page.data.fingerprint
            listed = children.get(page.url, []) if page.kind in ("section", "home") else []
            return digest(common, templates.of(*page_templates(page, template_for)),
                          *described(page, digests.get(page.url, "")), data.value(page.data), *listed)

        self.fingerprints = Fingerprints(fingerprint, self.record.outputs)
        return self.fingerprints

    def settled(self, signature: str | None) -> None:
        """This build committed: its fingerprints, product pages and (trusted) signature are the record's
        now; cache entries nobody used are dropped."""
        assert self.fingerprints is not None
        record = self.record
        record.pages = PageRecords(self.fingerprints.fingerprints, self._carry.made if self._carry else None)
        record.signature = signature if signature is not None and _trusted(signature) else ""
        self.sources = {path: entry for path, entry in self.sources.items() if path in self._seen}
        if self._templates is not None:  # bounded: the templates this build read
            record.template_references = self._templates.references_read()
        if len(self.markdown_html) > 2 * len(self.sources) + 100:  # bounded: keep what this build used
            self.markdown_html = {k: v for k, v in self.markdown_html.items() if k in self.markdown.used}

    def rolled_back(self) -> None:
        """This build failed: the record describes the live site again, which it did not change."""
        self.record.key, self.record.pages, self.record.signature = self._committed

    def drop_carried(self) -> None:
        """Carry no product page over in the next attempt (one's live output has gone)."""
        self.record.pages = PageRecords(self.record.outputs)

    def text_edited(self, rendered: list[str], sources: list[Path]) -> None:
        """The dev server's short way (publish/text_edit.py) put the pages at `rendered`, made from `sources`.

        Their fingerprints are forgotten: the next full build renders them again instead of trusting a
        fingerprint this way never computed. The next listing checks their files again."""
        for key in rendered:
            self.record.outputs.pop(key, None)
        if self._listing is not None:
            positions = self._positions()
            for source in sources:
                if (position := positions.get(str(source))) is not None:
                    self._listing[position] = (self._listing[position][0], None)

    @property
    def rendered(self) -> list[str]:
        """Output paths the last build rendered (the rest were kept)."""
        return list(self.fingerprints.rendered) if self.fingerprints else []


PRESENCE_CHUNK = 20_000  # output files one thread checks at a time: a small site's check stays on one
PRESENCE_THREADS = 4


def _all_present(out_dir: Path, files: Collection[str]) -> bool:
    """Whether every one of `files` (relative to `out_dir`) is still there. A stat waits on the file system
    with the GIL released, so a big site's files are checked by a few threads: a million of them took 16.6 s
    one after the other on this machine's disk, 7.6 s on 4 threads."""
    root, names = str(out_dir), list(files)

    def present(start: int) -> bool:
        return all(os.path.isfile(os.path.join(root, name)) for name in names[start:start + PRESENCE_CHUNK])

    starts = range(0, len(names), PRESENCE_CHUNK)
    if len(starts) <= 1:
        return all(map(present, starts))
    pool = ThreadPoolExecutor(PRESENCE_THREADS, thread_name_prefix="shelfpress-presence")
    try:
        return all(pool.map(present, starts))
    finally:
        pool.shutdown(cancel_futures=True)  # one missing file answers: the rest need no checking


def _trusted(signature: str) -> bool:
    """A signature is only worth keeping when no input was modified too close to this build's start."""
    return not signature.endswith("racy")


def inputs_signature(config: Config, *, drafts: bool, data_version: str | None, extra: str) -> str | None:
    """Everything a build reads, by (path, mtime, size), plus the product data's version and shelfpress's own
    code (an upgrade is a change).

    None when the product source cannot say whether its data changed (the live API). A file modified
    within RACY_NS of now marks the signature racy: it is never trusted for skipping a build.
    """
    if data_version is None:
        return None
    files = list(_walk(config.site_dir / "content"))
    for layer in theme_dirs(config, "templates") + theme_dirs(config, "static") + [config.site_dir / "static"]:
        files.extend(_walk(layer))
    files += [config.config_file, config.site_dir / config.revenue.channels_file]
    signature = file_signature(files)
    newest = max((mtime for _, mtime, _ in signature), default=0)
    racy = time.time_ns() - newest < RACY_NS
    text = digest(repr(config), str(drafts), data_version, extra, repr(signature), __version__, _code_fingerprint(),
                  build_software())
    return text + ("-racy" if racy else "")


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in names:
            yield Path(folder, name)


def _fresh(page: Page) -> Page:
    """A copy for one build: later stages fill `page.data`, and the cached original must stay as read.
    (A shallow copy of the fields, without calling __init__ or copy.copy: 10,000 per dev-server rebuild.)"""
    fresh = object.__new__(Page)
    fresh.__dict__.update(page.__dict__)
    fresh.data = {}
    return fresh


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """shelfpress's own files (code, translations, built-in themes) by (path, mtime, size); once per process,
    which runs the code it started with."""
    return digest(repr(file_signature(_code_entries())))


def _code_entries() -> Iterator[Path]:
    """Every folder and file of the generator package but its bytecode caches (which are not walked at all)."""
    for folder, dirs, names in os.walk(_CODE):
        dirs[:] = [name for name in dirs if name != "__pycache__"]
        for name in dirs + names:
            yield Path(folder, name)
