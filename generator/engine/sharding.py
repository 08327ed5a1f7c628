"""Which pages a build shard (`shelfpress build --shard I/N`) renders, and the note each shard leaves for merge.

A site too big for one machine is built as N shards, each on its own runner, then joined by
`shelfpress merge` (commands/merge.py) into the site one build would make, byte for byte. Every shard
reads the whole site graph (content, products: a page's HTML shows its neighbours, listings show
every product), so the sitemap, the 404 page, widgets and every other file made from the whole site
come out the same in each; only the pages are split:

    a page belongs to shard  group(page) mod N + 1
    where group(page)      = crc32(output path) mod G when the site's search index has G >= N shards
                             (publish/shards.py), else crc32(output path)

so, on a site big enough for N search shards, each search shard's pages are all in one build shard and
that shard indexes them itself (search is most of a cold build). On a smaller site pages are spread
evenly and `merge` runs Pagefind over the shards it got no bundle for. crc32, not `hash()`: the same
share on every runner, OS and Python.

Files that are not pages (static files, the sitemap, robots.txt, 404, widgets, the search manifest,
the ownership marker) are written by EVERY shard, identically, not by shard 1 alone: each shard folder
is then a site of its own that `merge` can check against the others (a shard built from another commit,
config or catalog shows as a shared file that differs), and a shard can be rebuilt alone. The cost is
uploading static files N times; pages, the bulk of a catalog site, go once.

Each shard folder holds `SHARD_NOTE`: which shard it is, what the whole site was built from (`identity`),
and its part of the build record (its pages' fingerprints, the products shown), which `merge` joins into
the merged site's record. This module decides and describes; it writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator import __version__
from generator.config.schema import Config
from generator.config.themes import theme_dirs
from generator.core.errors import BuildError

SHARD_NOTE = ".shelfpress-shard.json"  # in each shard folder; never in a merged site
NOTE_FORMAT = 1
_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Share:
    """Shard `index` (1-based) of `count`."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Share:
        """`I/N` with 1 <= I <= N; anything else is a one-line BuildError saying what is expected."""
        match = _SHARD.fullmatch(text)
        if not match:
            raise BuildError(f"--shard {text!r}: expected I/N, this shard's number and the number of shards, "
                             "like 1/4")
        index, count = int(match[1]), int(match[2])
        if not 1 <= index <= count:
            raise BuildError(f"--shard {text}: the shard number must be 1 to {count} (got {index})" if count
                             else f"--shard {text}: the number of shards must be at least 1")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, key: str, groups: int) -> bool:
        """Whether the page at output path `key` is this shard's, on a site whose search index has `groups`
        shards (see the module docstring)."""
        code = zlib.crc32(key.encode("utf-8"))
        return (code % groups if groups >= self.count else code) % self.count == self.index - 1


def identity(config: Config, *, drafts: bool, strict: bool, data_version: str | None) -> str:
    """What the whole site is built from, the same on every runner: shelfpress's version, the config file,
    every content, template and static file by its bytes (not its mtime, which a fresh checkout sets
    anew) and the product data's version. Shards of different commits, configs or catalogs differ here.
    (Not the secrets, not even digested: a CI artifact can be public, and a short secret's digest guessed.)"""
    sha = hashlib.sha256()
    version = (data_version or "live").replace(str(config.site_dir.resolve()), ".")  # a catalog's names its path
    for part in (__version__, str(drafts), str(strict), version):
        sha.update(part.encode() + b"\0")
    folders = [config.site_dir / "content", *theme_dirs(config, "templates"), *theme_dirs(config, "static"),
               config.site_dir / "static"]
    for path in [config.config_file, config.site_dir / config.revenue.channels_file, *_files(folders)]:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        sha.update(_relative(path, config.site_dir).encode() + b"\0" + hashlib.sha256(data).digest())
    return sha.hexdigest()


def _files(folders: Iterable[Path]) -> Iterable[Path]:
    for root in folders:
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            yield from (Path(folder, name) for name in sorted(names))


def _relative(path: Path, site_dir: Path) -> str:
    """A path as the same on every runner: under the site, relative to it; else (a built-in theme) its
    last three parts."""
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return "/".join(path.parts[-3:])


@dataclass
class ShardNote:
    """`SHARD_NOTE`: one shard's description of itself, as `merge` reads it."""

    share: Share
    identity: str
    version: str = __version__
    pages: dict[str, str] = field(default_factory=dict)  # this shard's page outputs -> fingerprint
    others: list[str] = field(default_factory=list)  # every other file: made alike by every shard, or search
    products: int | None = None  # products the whole site shows (the shrink guard's count)
    warnings: list[str] = field(default_factory=list)
    drafts: bool = False
    strict: bool = False

    def to_bytes(self) -> bytes:
        data = {"format": NOTE_FORMAT, "shard": self.share.index, "of": self.share.count, "identity": self.identity,
                "version": self.version, "pages": self.pages, "others": sorted(self.others),
                "products": self.products, "warnings": self.warnings,
                "drafts": self.drafts, "strict": self.strict}
        return json.dumps(data, separators=(",", ":"), sort_keys=True).encode() + b"\n"

    @classmethod
    def read(cls, folder: Path) -> ShardNote:
        """The note in `folder`; a one-line BuildError when `folder` is not a shard folder."""
        if not folder.is_dir():
            raise BuildError(f"{folder} is not a folder; pass the folders `shelfpress build --shard I/N -o DIR` wrote")
        try:
            data = json.loads((folder / SHARD_NOTE).read_bytes())
            if data["format"] != NOTE_FORMAT:
                raise BuildError(f"{folder} is a shard of another shelfpress (version {data.get('version')}); "
                                 "build every shard and merge with the same shelfpress")
            note = cls(Share(int(data["shard"]), int(data["of"])), str(data["identity"]), str(data["version"]),
                       dict(data["pages"]), list(data["others"]), data["products"],
                       list(data["warnings"]), bool(data["drafts"]), bool(data["strict"]))
        except FileNotFoundError:
            raise BuildError(f"{folder} is not a shard: it has no {SHARD_NOTE}; pass the folders "
                             "`shelfpress build --shard I/N -o DIR` wrote") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BuildError(f"{folder}/{SHARD_NOTE} cannot be read ({type(exc).__name__}); build that shard "
                             "again") from None
        if not 1 <= note.share.index <= note.share.count:
            raise BuildError(f"{folder}/{SHARD_NOTE} names shard {note.share}, which cannot be; build that shard again")
        return note

    def files(self) -> list[str]:
        """Every file of this shard's part of the site (not the note itself)."""
        return [*self.pages, *self.others]


def check_complete(notes: list[tuple[Path, ShardNote]]) -> None:
    """Raise a one-line BuildError unless `notes` are all N shards of one build, each once."""
    if not notes:
        raise BuildError("no shard folders given; pass every folder `shelfpress build --shard I/N -o DIR` wrote")
    first_dir, first = notes[0]
    for folder, note in notes[1:]:
        if note.version != first.version:
            raise BuildError(f"{folder} was built by shelfpress {note.version} and {first_dir} by {first.version}; "
                             "build every shard with the same shelfpress")
        if note.share.count != first.share.count:
            raise BuildError(f"{folder} is shard {note.share} and {first_dir} shard {first.share}: they split the "
                             "site differently; build every shard with the same N")
        if note.identity != first.identity:
            raise BuildError(f"{folder} and {first_dir} were built from different sources, config or "
                             "product data; build every shard from the same commit and data")
    seen: dict[int, Path] = {}
    for folder, note in notes:
        if note.share.index in seen:
            raise BuildError(f"{seen[note.share.index]} and {folder} are both shard {note.share}; pass each shard once")
        seen[note.share.index] = folder
    missing = [str(i) for i in range(1, first.share.count + 1) if i not in seen]
    if missing:
        raise BuildError(f"shard {', '.join(missing)} of {first.share.count} is missing; pass every shard's folder")
