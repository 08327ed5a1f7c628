"""What one output folder's builds remember of each other: three parts, each with one job.

    build_record.py   the persisted record of the last build (what it made, from what): load, save
    planner.py        the incremental planner: fingerprints, what to render or keep, carry-over
    shadow_book.py    the shadow-tree bookkeeping: the writer a build gets, committed or aborted

`BuildState` holds the three for the build pipeline (`commands/build.py`) and
the dev server, which keeps one in memory between rebuilds, and makes the
moves that touch more than one of them: a build committed, failed or only
re-indexed. Every such move ends with the record saved.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from generator.config.schema import Config
from generator.engine.build_record import BuildRecord, PageRecords
from generator.engine.output import OutputWriter, ShadowRecord
from generator.engine.planner import Planner
from generator.engine.shadow_book import ShadowBook

if TYPE_CHECKING:
    from generator.publish.text_edit import LastBuild


class BuildState:
    """The record, planner and shadow book of `out_dir`; `path=None` keeps the record in memory only."""

    def __init__(self, out_dir: Path, path: Path | None = None, *, record: BuildRecord | None = None) -> None:
        self.record = record or BuildRecord(out_dir, path)
        self.plan = Planner(self.record)
        self.shadows = ShadowBook(self.record)
        self.last: LastBuild | None = None  # the dev server's last full build, for text edits (text_edit.py)

    @classmethod
    def for_output(cls, cache_dir: Path, out_dir: Path) -> BuildState:
        """The state recorded for `out_dir` in `cache_dir` (empty when none or unreadable)."""
        record = BuildRecord.load(cache_dir, out_dir)
        return cls(record.out_dir, record.path, record=record)

    def start(self, config: Config, *, drafts: bool, clean: bool, strict: bool = False, moment: str = "") -> None:
        """Begin a full build (see `Planner.start`); the site graph it replaces is freed first."""
        self.last = None
        self.plan.start(config, drafts=drafts, clean=clean, strict=strict, moment=moment)

    def committed(self, writer: OutputWriter, shadow: ShadowRecord | None, signature: str | None,
                  warnings: list[str], products_shown: int | None = None, unindexed: set[str] | None = None) -> None:
        """The output dir now holds this build, which shows `products_shown` products, warned `warnings`
        (replayed by the next build that stops early) and has a search index that misses the changes of the
        pages `unindexed`."""
        self.plan.settled(signature)
        self.shadows.committed(writer, shadow)
        self.record.warnings = list(warnings)
        self.record.products_shown = products_shown
        self.record.search_pending = unindexed or set()
        self.record.save()

    def merged(self, writer: OutputWriter, shadow: ShadowRecord | None, outputs: dict[str, str],
               warnings: list[str], products_shown: int | None) -> None:
        """`writer` committed a site joined from build shards (commands/merge.py), whose pages had the
        fingerprints `outputs`: the next build of the folder keeps the pages whose inputs did not change.
        (`start` set this build's key; no signature: the next build checks every input.)"""
        self.record.pages, self.record.signature = PageRecords(dict(outputs)), ""
        self.shadows.committed(writer, shadow)
        self.record.warnings = list(warnings)
        self.record.products_shown = products_shown
        self.record.search_pending = set()
        self.record.save()

    def aborted(self, shadow: ShadowRecord | None) -> None:
        """A failed build: the live site is unchanged, only the shadow moved on."""
        self.plan.rolled_back()
        self.shadows.aborted(shadow)
        self.record.save_or_drop()

    def reindexed(self, writer: OutputWriter, shadow: ShadowRecord | None, unindexed: set[str] | None = None) -> None:
        """Only the search bundle changed (`refresh_search_index`; it misses the pages `unindexed`), or nothing
        but the shadow (`prepare_shadow`, `unindexed` None): the fingerprints still hold."""
        self.shadows.committed(writer, shadow)
        if unindexed is not None:
            self.record.search_pending = unindexed
        self.record.save()

    def keep_site(self, last: LastBuild) -> None:
        """The dev server's full build committed `last`: text edits start from it."""
        self.last = last

    def text_edited(self, writer: OutputWriter, shadow: ShadowRecord | None, rendered: list[str],
                    sources: list[Path]) -> None:
        """The short way (text_edit.py) put the pages at `rendered`, made from `sources`, and kept the rest."""
        self.shadows.committed(writer, shadow)
        self.plan.text_edited(rendered, sources)
        self.record.search_pending |= set(rendered)  # the search index is left as it was (refresh_search_index)
        self.record.save()

    def text_edit_failed(self, shadow: ShadowRecord | None) -> None:
        """The short way failed (the live site as it was): its graph may hold a half-replaced page."""
        self.forget_site()
        self.shadows.aborted(shadow)

    def forget_site(self) -> None:
        """Drop the last site graph and content listing (after a failure): the next build reads content/ anew."""
        self.last = None
        self.plan.forget_listing()
