"""The persisted record of the last build of one output folder: what it made, and from what.

`<cache_dir>/build-<output hash>.json` (JSON, so a CI cache can restore it safely), or only
memory for the dev server (`path=None`). The planner (`planner.py`) reads and updates the
fingerprints, the key and the signature; the shadow bookkeeping (`shadow_book.py`) the live
files and the shadow record. This module only loads and saves; it decides nothing.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from generator.core.atomic import atomic_write
from generator.core.digest import digest
from generator.engine.output import ShadowRecord
from generator.products.carry import ProductPagesRecord

FORMAT = 4  # 4: with the product pages of the last build (products/carry.py)


@dataclass
class BuildRecord:
    """What the last committed build left in `out_dir`, as the next build needs to know it."""

    out_dir: Path
    path: Path | None = None  # None: in memory only (the dev server)
    key: str = ""  # the build key (planner.Planner.start)
    signature: str = ""  # every input file's (mtime, size) when it was not racy (planner.inputs_signature)
    outputs: dict[str, str] = field(default_factory=dict)  # output path -> fingerprint, for the folder as it is
    files: set[str] = field(default_factory=set)  # every file the last build left in the output dir
    shadow: ShadowRecord | None = None
    warnings: list[str] = field(default_factory=list)  # replayed by a build that stops early
    # Template source digest -> the templates it references (fingerprint.TemplateDigests), kept across builds.
    template_references: dict[str, frozenset[str] | None] = field(default_factory=dict)
    product_pages: ProductPagesRecord | None = None  # the live site's, to carry over (products/carry.py)
    products_shown: int | None = None  # the live site's products, for the shrink guard (shrinkguard.py)
    search_pending: set[str] = field(default_factory=set)  # pages changed since the live search index was made

    def __post_init__(self) -> None:
        self.out_dir = self.out_dir.resolve()

    @classmethod
    def load(cls, cache_dir: Path, out_dir: Path) -> BuildRecord:
        """The record kept in `cache_dir` for `out_dir` (empty when none, unreadable or of another format)."""
        path = cache_dir / f"build-{digest(str(out_dir.resolve()))[:16]}.json"
        try:
            saved = json.loads(path.read_bytes())
            if saved.get("format") == FORMAT and saved.get("out_dir") == str(out_dir.resolve()):
                pages = saved["product_pages"]
                return cls(out_dir, path, key=saved["key"], signature=saved["signature"], outputs=saved["outputs"],
                           files=set(saved["files"]), warnings=saved["warnings"],
                           shadow=ShadowRecord(**saved["shadow"]) if saved["shadow"] else None,
                           template_references={digest_: None if refs is None else frozenset(refs)
                                                for digest_, refs in saved["templates"].items()},
                           product_pages=ProductPagesRecord.from_json(pages) if pages else None,
                           products_shown=saved.get("products_shown"),
                           search_pending=set(saved.get("search_pending", ())))
        except (OSError, ValueError, KeyError, TypeError):  # (all or nothing: a partial record could skip a build)
            pass
        return cls(out_dir, path)

    def save(self) -> None:
        if self.path is None:
            return
        data = {"format": FORMAT, "out_dir": str(self.out_dir), "key": self.key, "signature": self.signature,
                "outputs": self.outputs, "files": sorted(self.files), "warnings": self.warnings,
                "shadow": dataclasses.asdict(self.shadow) if self.shadow else None,
                "templates": {digest_: None if refs is None else sorted(refs)
                              for digest_, refs in self.template_references.items()},
                "product_pages": self.product_pages.to_json() if self.product_pages else None,
                "products_shown": self.products_shown, "search_pending": sorted(self.search_pending)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps(data, separators=(",", ":")))  # a full disk leaves no temp file

    def save_or_drop(self) -> None:
        """Save after a failed build; when even that fails (a full disk: the build's own error says more),
        remove the file, which no longer describes the shadow: with none, the next build trusts no shadow."""
        try:
            self.save()
        except OSError:
            if self.path is not None:
                self.path.unlink(missing_ok=True)
