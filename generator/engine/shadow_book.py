"""The shadow-tree bookkeeping of one output folder: which writer a build gets, where its shadow
tree lives, and what the record says after a build commits or fails (`output.py` does the files).

A build writes into a shadow tree and swaps it in at the end; the swapped-out tree becomes the
next build's shadow. This module keeps the record's `files` (what the live site holds) and
`shadow` (which tree the next writer may trust) in step with what the writer did.
"""

from __future__ import annotations

from pathlib import Path

from generator.engine.build_record import BuildRecord
from generator.engine.output import OutputWriter, ShadowRecord, shadow_path


class ShadowBook:
    """The live files and shadow tree of `record`'s output folder."""

    def __init__(self, record: BuildRecord) -> None:
        self.record = record

    def writer(self, out_dir: Path) -> OutputWriter:
        """A writer that reuses the shadow tree the record names (unless for another output dir).

        Even `--clean` reuses it: clean renders every page again, but the writer still checks the shadow
        against the live tree (inodes, the incomplete marker) before trusting it, so only what differs is
        written."""
        reuse = out_dir.resolve() == self.record.out_dir
        return OutputWriter(out_dir, shadow=self._preferred_shadow(),
                            previous_files=self.record.files if reuse else None,
                            record=self.record.shadow if reuse else None)

    def built_before(self) -> bool:
        """An earlier build of this output dir is recorded (its files, or its shadow tree): the folder is
        shelfpress's even without the ownership marker (`ownership.py`), as sites built before it are."""
        return bool(self.record.files) or self.shadow_dir(self.record.out_dir).is_dir()

    def shadow_dir(self, out_dir: Path) -> Path:
        """Where the shadow tree of `out_dir` is kept (see `output.shadow_path`)."""
        return shadow_path(out_dir.resolve(), self._preferred_shadow())

    def _preferred_shadow(self) -> Path | None:
        path = self.record.path
        return path.with_name(path.stem.replace("build-", "shadow-")) if path else None

    def committed(self, writer: OutputWriter, shadow: ShadowRecord | None) -> None:
        """`writer` committed: the live site holds its files, and `shadow` is the tree it swapped out."""
        self.record.files = set(writer.owners)
        self.record.shadow = shadow

    def aborted(self, shadow: ShadowRecord | None) -> None:
        """A writer gave up: the live site is as it was, only the shadow moved on."""
        self.record.shadow = shadow
