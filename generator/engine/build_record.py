"""The persisted record of the last build of one output folder: what it made, and from what.

`<cache_dir>/build-<output hash>.json` (JSON, so a CI cache can restore it safely), or only
memory for the dev server (`path=None`). The planner (`planner.py`) reads and updates the
fingerprints, the key and the signature; the shadow bookkeeping (`shadow_book.py`) the live
files and the shadow record. This module only loads and saves; it decides nothing.

The bulk of a record, each page's fingerprint and the product pages (`PageRecords`), is kept in a file
of its own that the record names, `pages-<output hash>-<token>.json`, and read only when a build
plans pages: at a million products it is 216 MB of JSON (4.7 s to load), which a build that finds nothing
changed never needs. A new one is written under a new name before the record that names it, and the old one
removed after: a record and the pages it names always belong together. Pages that cannot be read are none:
every page is then rendered again, which is always right.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from generator.core.atomic import atomic_write, atomic_writer
from generator.core.digest import digest
from generator.engine.output import ShadowRecord
from generator.products.carry import ProductPagesRecord

FORMAT = 5  # 5: the page records in a file of their own; 4: with the product pages of the last build


class PageRecords:
    """Each output's fingerprint (`outputs`) and the product pages made (`product_pages`, products/carry.py),
    read from `path` when first used."""

    def __init__(self, outputs: dict[str, str] | None = None, product_pages: ProductPagesRecord | None = None, *,
                 path: Path | None = None, count: int = 0) -> None:
        self._outputs = outputs if outputs is not None else {}
        self._product_pages = product_pages
        self.path = path  # the file still to read; None once read, or for records made in this process
        self._count = count  # len(outputs) as saved, known before they are read

    @property
    def outputs(self) -> dict[str, str]:
        self._read()
        return self._outputs

    @property
    def product_pages(self) -> ProductPagesRecord | None:
        self._read()
        return self._product_pages

    @property
    def count(self) -> int:
        """How many outputs have fingerprints (the site's pages), without reading them."""
        return self._count if self.path is not None else len(self._outputs)

    def _read(self) -> None:
        if self.path is None:
            return
        path, self.path = self.path, None
        try:
            saved = json.loads(path.read_bytes())
            pages = saved["product_pages"]
            outputs, product_pages = dict(saved["outputs"]), ProductPagesRecord.from_json(pages) if pages else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return  # none: every page is made and rendered anew
        self._outputs, self._product_pages = outputs, product_pages

    def to_json(self) -> dict[str, Any]:
        return {"outputs": self.outputs,
                "product_pages": self.product_pages.to_json() if self.product_pages else None}

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, PageRecords) and self.outputs == other.outputs
                and self.product_pages == other.product_pages)

    def __repr__(self) -> str:
        return f"PageRecords({self.count} outputs{', unread' if self.path else ''})"


@dataclass
class BuildRecord:
    """What the last committed build left in `out_dir`, as the next build needs to know it."""

    out_dir: Path
    path: Path | None = None  # None: in memory only (the dev server)
    key: str = ""  # the build key (planner.Planner.start)
    signature: str = ""  # every input file's (mtime, size) when it was not racy (planner.inputs_signature)
    files: set[str] = field(default_factory=set)  # every file the last build left in the output dir
    shadow: ShadowRecord | None = None
    warnings: list[str] = field(default_factory=list)  # replayed by a build that stops early
    # Template source digest -> the templates it references (fingerprint.TemplateDigests), kept across builds.
    template_references: dict[str, frozenset[str] | None] = field(default_factory=dict)
    # Template source digest -> (reads the whole site, reads a page's text) (template_reads.py), likewise.
    template_reads: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    pages: PageRecords = field(default_factory=PageRecords)  # fingerprints and product pages, for the folder as it is
    products_shown: int | None = None  # the live site's products, for the shrink guard (shrinkguard.py)
    search_pending: set[str] = field(default_factory=set)  # pages changed since the live search index was made

    def __post_init__(self) -> None:
        self.out_dir = self.out_dir.resolve()

    @property
    def outputs(self) -> dict[str, str]:
        """Output path -> fingerprint."""
        return self.pages.outputs

    @property
    def product_pages(self) -> ProductPagesRecord | None:
        """The live site's product pages, to carry over (products/carry.py)."""
        return self.pages.product_pages

    @classmethod
    def load(cls, cache_dir: Path, out_dir: Path) -> BuildRecord:
        """The record kept in `cache_dir` for `out_dir` (empty when none, unreadable or of another format)."""
        path = cache_dir / f"build-{digest(str(out_dir.resolve()))[:16]}.json"
        try:
            saved = json.loads(path.read_bytes())
            if saved.get("format") == FORMAT and saved.get("out_dir") == str(out_dir.resolve()):
                pages = saved["pages"]
                return cls(out_dir, path, key=saved["key"], signature=saved["signature"],
                           files=set(saved["files"]), warnings=saved["warnings"],
                           shadow=ShadowRecord(**saved["shadow"]) if saved["shadow"] else None,
                           template_references={digest_: None if refs is None else frozenset(refs)
                                                for digest_, refs in saved["templates"].items()},
                           template_reads={digest_: (bool(whole), bool(text))
                                           for digest_, (whole, text) in saved["template_reads"].items()},
                           pages=PageRecords(path=path.with_name(Path(pages["file"]).name), count=int(pages["count"])),
                           products_shown=saved.get("products_shown"),
                           search_pending=set(saved.get("search_pending", ())))
        except (OSError, ValueError, KeyError, TypeError):  # (all or nothing: a partial record could skip a build)
            pass
        return cls(out_dir, path)

    def save(self) -> None:
        if self.path is None:
            return
        pages_file = self._save_pages(self.path)
        data = {"format": FORMAT, "out_dir": str(self.out_dir), "key": self.key, "signature": self.signature,
                "files": sorted(self.files), "warnings": self.warnings,
                "shadow": dataclasses.asdict(self.shadow) if self.shadow else None,
                "templates": {digest_: None if refs is None else sorted(refs)
                              for digest_, refs in self.template_references.items()},
                "template_reads": self.template_reads,
                "pages": {"file": pages_file.name, "count": self.pages.count},
                "products_shown": self.products_shown, "search_pending": sorted(self.search_pending)}
        atomic_write(self.path, _json(data))  # a full disk leaves no temp file
        for old in self.path.parent.glob(f"{_pages_stem(self.path)}-*.json"):
            if old != pages_file:
                old.unlink(missing_ok=True)

    def _save_pages(self, path: Path) -> Path:
        """The file of the page records, written anew under a new name unless they are still the saved ones
        (never read since loaded: a build that found nothing changed)."""
        if self.pages.path is not None and self.pages.path.is_file():
            return self.pages.path
        pages_file = path.with_name(f"{_pages_stem(path)}-{secrets.token_hex(6)}.json")
        with atomic_writer(pages_file) as handle:
            write_json(handle, self.pages.to_json())
        return pages_file

    def save_or_drop(self) -> None:
        """Save after a failed build; when even that fails (a full disk: the build's own error says more),
        remove the file, which no longer describes the shadow: with none, the next build trusts no shadow."""
        try:
            self.save()
        except OSError:
            if self.path is not None:
                self.path.unlink(missing_ok=True)


def _json(data: Any) -> str:
    """`data` as compact JSON. Records are trees made here, never cycles: the encoder's check for them cost a
    fifth of writing the page records (2.5 ms of every build at 10,000 pages)."""
    return json.dumps(data, separators=(",", ":"), check_circular=False)


CHUNK = 10_000  # entries of a big dict or list encoded at a time (`write_json`)


def write_json(handle: IO[str], value: Any) -> None:
    """`_json(value)` written to `handle` a piece at a time: a dict or list of more
    than CHUNK entries (the page records: a million of each at a million products) is encoded CHUNK entries
    at a time, so the whole text (216 MB at a million products) is never held, at the end of a build, when
    the build holds the most. A smaller dict is written key by key, so a big value inside one is found."""
    dumps = _json
    if isinstance(value, (dict, list)) and len(value) > CHUNK:
        items = iter(value.items() if isinstance(value, dict) else value)
        handle.write("{" if isinstance(value, dict) else "[")
        for number, chunk in enumerate(iter(lambda: list(itertools.islice(items, CHUNK)), [])):
            handle.write(("," if number else "") + dumps(dict(chunk) if isinstance(value, dict) else chunk)[1:-1])
        handle.write("}" if isinstance(value, dict) else "]")
    elif isinstance(value, dict) and value:
        for number, (key, item) in enumerate(value.items()):
            handle.write(("," if number else "{") + dumps({key: None})[1:-5])  # the key as json writes it, and ":"
            write_json(handle, item)
        handle.write("}")
    else:
        handle.write(dumps(value))


def _pages_stem(record_path: Path) -> str:
    """`pages-<output hash>`: how the page records of the record at `record_path` are named, before a token."""
    return record_path.stem.replace("build-", "pages-", 1)
