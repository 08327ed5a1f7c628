"""Every file an import writes, and the manifest that makes re-running it safe.

The manifest (`content/.wordpress-import/manifest.json`; the build skips hidden folders) holds the sha256
of each file as the importer last wrote it. On the next run a file is

    added       not there yet
    changed     there, untouched since the last import, and the export now says something else
    unchanged   there and identical
    skipped     edited or deleted since the last import, or never written by the importer: left alone

Each file is recorded the moment it is written, in a journal beside the manifest (one JSON line per file,
appended), which `save` folds into the manifest at the end. An import that stops half-way (a full disk,
Ctrl+C, a crash) thus leaves every file it wrote recorded, and running it again completes the import
instead of calling those files "not written by the importer". A file that is byte for byte what the
importer would write now is its own too (written just before a stop, before its journal line): it is
unchanged, and recorded.

Files go only under content/ and static/: a path with '..', or one that resolves elsewhere through a
symbolic link, is refused. Each write is a temp file beside the target plus os.replace. With `dry_run`
nothing is written, the manifest included; the statuses are the same.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import IO

from generator.core.atomic import atomic_write
from generator.core.errors import Abort

MANIFEST = "content/.wordpress-import/manifest.json"
JOURNAL = "content/.wordpress-import/manifest.journal"  # files written since the manifest was last saved
ROOTS = ("content", "static")
STATUSES = ("added", "changed", "unchanged", "skipped")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


class SiteWriter:
    """Writes an import's files into one site, never outside content/ and static/."""

    def __init__(self, site_dir: Path, *, dry_run: bool = False) -> None:
        self.site_dir, self.dry_run = site_dir, dry_run
        self.real_site = os.path.realpath(site_dir)
        self.statuses: dict[str, str] = {}  # rel path -> status
        self.reasons: dict[str, str] = {}  # rel path -> why it was skipped
        self.recorded: dict[str, str] = {**self._load(), **self._load_journal()}
        self._journal: IO[str] | None = None

    def _load(self) -> dict[str, str]:
        path = self.site_dir / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            files = data["files"]
            return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError):
            raise Abort(f"{MANIFEST}: is damaged; delete it to import again (files edited since the last "
                        "import could then be overwritten)") from None

    def _load_journal(self) -> dict[str, str]:
        """What an import that stopped before `save` wrote; a line cut short by the stop is ignored."""
        try:
            lines = (self.site_dir / JOURNAL).read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return {}
        entries: dict[str, str] = {}
        for line in lines:
            try:
                rel, digest = json.loads(line)
            except (ValueError, TypeError):
                continue
            entries[str(rel)] = str(digest)
        return entries

    def _note(self, rel: str, digest: str) -> None:
        """Record `rel` as written with `digest`, in the journal at once."""
        self.recorded[rel] = digest
        if self._journal is None:
            path = self.target(JOURNAL)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._journal = path.open("a", encoding="utf-8")
        self._journal.write(json.dumps([rel, digest], ensure_ascii=False) + "\n")
        self._journal.flush()

    def target(self, rel: str) -> Path:
        """The absolute path of `rel`, refused unless it stays inside the site's content/ or static/."""
        parts = rel.split("/")
        if parts[0] not in ROOTS or len(parts) < 2 or any(p in ("", ".", "..") for p in parts) or "\\" in rel:
            raise Abort(f"refusing to write {rel!r}: the importer writes only inside content/ and static/")
        path = self.site_dir.joinpath(*parts)
        existing = path
        while not os.path.lexists(existing):
            existing = existing.parent
        real = os.path.realpath(existing)
        root = os.path.join(self.real_site, parts[0])
        fresh_root = real == self.real_site and not os.path.lexists(self.site_dir / parts[0])
        if not (fresh_root or real == root or real.startswith(root + os.sep)) or os.path.islink(path):
            raise Abort(f"refusing to write {rel}: it leads outside the site's {parts[0]}/ (a symbolic link)")
        return path

    def check_all(self, rels: list[str]) -> None:
        """Refuse the whole import, before anything is written, if any of `rels` would leave the site."""
        for rel in rels:
            self.target(rel)

    def status_of(self, rel: str, new_hash: str) -> tuple[str, Path]:
        path = self.target(rel)
        on_disk = file_sha256(path)
        recorded = self.recorded.get(rel)
        if on_disk is None:
            if recorded is not None:
                self.reasons[rel] = "deleted since the last import"
                return "skipped", path
            return "added", path
        if recorded is None:
            if on_disk == new_hash:  # its own file, written just before a stop that left it unrecorded
                return "unchanged", path
            self.reasons[rel] = "exists and was not written by the importer"
            return "skipped", path
        if on_disk != recorded:
            self.reasons[rel] = "edited since the last import"
            return "skipped", path
        return ("unchanged" if on_disk == new_hash else "changed"), path

    def write(self, rel: str, data: bytes) -> str:
        """Write `data` to `rel` unless the manifest says it is the user's now; return the status."""
        new_hash = sha256(data)
        status, path = self.status_of(rel, new_hash)
        self.statuses[rel] = status
        if self.dry_run or status == "skipped":
            return status
        if status != "unchanged":
            self._replace(path, data)
        if self.recorded.get(rel) != new_hash:
            self._note(rel, new_hash)
        return status

    def record(self, rel: str, digest: str, status: str) -> None:
        """A file written by someone else on the importer's behalf (a media download)."""
        self.statuses[rel] = status
        if not self.dry_run:
            self._note(rel, digest)

    def _replace(self, path: Path, data: bytes) -> None:
        atomic_write(path, data)  # a full disk names the file, and leaves the old one and no temp file

    def write_own(self, rel: str, data: bytes) -> None:
        """A file only the importer keeps (the report): always replaced, never in the manifest."""
        if not self.dry_run:
            self._replace(self.target(rel), data)

    def save(self) -> None:
        """Write the manifest, then drop the journal it now holds."""
        if self.dry_run:
            return
        body = {"version": 1, "files": dict(sorted(self.recorded.items()))}
        self.write_own(MANIFEST, (json.dumps(body, indent=1, ensure_ascii=False) + "\n").encode())
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        (self.site_dir / JOURNAL).unlink(missing_ok=True)

    def count(self, status: str) -> int:
        return sum(1 for s in self.statuses.values() if s == status)
