"""How the site search index is split into shards on a very big site, and only there.

Pagefind ranks a result with statistics of the index that holds it (BM25: how many pages hold each word,
the number of pages, their average length), so an index split into shards that the search page merges at
query time (`mergeIndex`) can rank results in another order than one whole-site index. So a site of fewer
than `WHOLE_SITE_PAGES` pages always gets one whole-site bundle: its results are Pagefind's own, in its own
order, for any query, and an edit that changes a page indexes the whole site again (about 1 ms of CPU a
page). Past that, one Pagefind run would not fit the time and memory of a build (about 32 KB a page: about a
GB at 30,000 pages), so the site is split into a power of two of shards by a hash of each page's output path
(stable across builds, processes and systems): each shard is a complete Pagefind bundle of its pages, an
edit indexes again only the shards it touched, and results with close scores may come in another order.
A publisher who prefers fast edits to that exact order splits a smaller site too (`search_split = "always"`:
shards from 2 * SHARD_PAGES pages on).
The first shard's bundle sits at `/pagefind/` (where the search page loads Pagefind from), the others at
`/pagefind/shard-<i>/`, and `/pagefind/shards.json` lists the ones to merge. A power of two changes rarely as
a site grows, and when it changes every shard is made anew. This module only decides where pages and bundle
files go.
"""

from __future__ import annotations

import json
import os
import shutil
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BUNDLE = "pagefind"
MANIFEST = f"{BUNDLE}/shards.json"
WHOLE_SITE_PAGES = 20_000  # fewer pages: one whole-site index (exact ranking; Pagefind peaks near 0.65 GB)
SHARD_PAGES = 1000  # past it, a shard holds SHARD_PAGES to 2 * SHARD_PAGES pages
_SUB = f"{BUNDLE}/shard-"


def shard_count(pages: int, always: bool = False) -> int:
    """1 (one whole-site bundle) below WHOLE_SITE_PAGES pages (unless the site splits `always`), else the
    power of two that gives each shard SHARD_PAGES to 2 * SHARD_PAGES of them."""
    if pages < WHOLE_SITE_PAGES and not always:
        return 1
    count = 1
    while pages >= 2 * count * SHARD_PAGES:
        count *= 2
    return count


def shard_of(page: str, count: int) -> int:
    """The shard of the page at output path `page` (crc32: the same in every process and on every OS)."""
    return zlib.crc32(page.encode("utf-8")) % count


@dataclass(frozen=True)
class ShardLayout:
    """`count` shards, of which those in `used` hold pages; the lowest used one is the primary bundle."""

    count: int
    used: tuple[int, ...]

    @classmethod
    def for_pages(cls, pages: list[str], always: bool = False) -> ShardLayout:
        """The layout of a site of `pages`; `always`: in shards whatever its size (`search_split`)."""
        count = shard_count(len(pages), always)
        return cls(count, tuple(sorted({shard_of(page, count) for page in pages})) or (0,))

    def shards(self, pages: list[str]) -> Iterator[tuple[int, list[str]]]:
        """Each used shard with its pages, in order."""
        groups: dict[int, list[str]] = {shard: [] for shard in self.used}
        for page in pages:
            groups[shard_of(page, self.count)].append(page)
        yield from groups.items()

    def prefix(self, shard: int) -> str:
        """The folder (a key prefix) of `shard`'s bundle."""
        return f"{BUNDLE}/" if shard == self.used[0] else f"{_SUB}{shard}/"

    def bundle_of(self, key: str) -> int | None:
        """The shard whose bundle holds the output file `key`; None for the manifest and files outside."""
        if key == MANIFEST or not key.startswith(f"{BUNDLE}/"):
            return None
        if key.startswith(_SUB):
            number = key[len(_SUB):].partition("/")[0]
            return int(number) if number.isdigit() else None
        return self.used[0]

    def manifest(self) -> bytes:
        """/pagefind/shards.json: the bundles the search page merges into the primary one (paths relative to
        /pagefind/), and the shard count (a new count changes every shard's pages)."""
        merge = [self.prefix(shard)[len(BUNDLE) + 1:] for shard in self.used[1:]]
        return json.dumps({"shards": self.count, "merge": merge}, separators=(",", ":")).encode() + b"\n"


def link_pages(site: Path, pages: list[str], folder: Path) -> Path:
    """A folder holding just `pages` of `site`, at their paths (hard links, copies where links fail),
    for Pagefind to index one shard."""
    for page in pages:
        target = folder / page
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site / page, target)
        except OSError:
            shutil.copyfile(site / page, target)
    return folder
