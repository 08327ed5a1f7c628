"""`shelfpress merge SHARD_DIR... -o DIR`: join the folders of `build --shard I/N` into the whole site.

The result is byte for byte the site one `shelfpress build` of the same sources makes: each page comes
from the one shard that rendered it, every other file (made alike by every shard, engine/sharding.py)
from any of them after checking the others hold the same bytes, and the search shards no build shard
held whole are indexed here (`search.index_missing_shards`). Everything is checked before the output
is touched, and the output is written as a build writes it (`engine.output`: a shadow tree swapped in
at once, into a folder shelfpress owns), so a refused or failed merge leaves it as it was. The merged
folder's build record holds every shard's page fingerprints, so the next `build` into it renders only
what changed, and the shrink guard compares with it as with a build.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.config.schema import Config
from generator.core.console import Reporter
from generator.core.errors import BuildError
from generator.engine.buildstate import BuildState
from generator.engine.output import WriteStats, check_output_dir, clean_leftovers
from generator.engine.ownership import check_owned
from generator.engine.sharding import ShardNote, check_complete
from generator.engine.shrinkguard import check_shrink
from generator.publish.search import index_missing_shards
from generator.publish.shards import BUNDLE
from generator.render.prices_as_of import prices_as_of
from generator.sources.history_source import build_time


@dataclass
class MergeReport:
    shards: int
    pages: int
    writes: WriteStats

    def summary(self) -> str:
        return (f"Merged {self.shards} shards into {self.pages:,} pages: {self.writes.written:,} files written, "
                f"{self.writes.unchanged:,} unchanged, {self.writes.removed:,} removed")


def merge(config: Config, shard_dirs: list[Path], *, output: Path | None = None, reporter: Reporter | None = None,
          allow_shrink: bool = False) -> MergeReport:
    """Join `shard_dirs` into `output` (default: the configured output_dir); see the module docstring."""
    reporter = reporter or Reporter()
    notes = [(folder.resolve(), ShardNote.read(folder)) for folder in shard_dirs]
    check_complete(notes)
    out_dir = (output or config.output_path).resolve()
    _check_apart(out_dir, [folder for folder, _ in notes])
    check_output_dir(out_dir, config.site_dir)
    sources = _sources(notes)
    first = notes[0][1]
    state = BuildState.for_output(config.cache_path, out_dir)
    check_owned(out_dir, built_before=state.shadows.built_before(), recorded=state.record.files,
                setting="-o/--output" if output else "output_dir")
    if not allow_shrink:
        check_shrink(config, live=state.record.products_shown, now=first.products or 0)
    clean_leftovers(out_dir, state.shadows.shadow_dir(out_dir))
    state.start(config, drafts=first.drafts, clean=False, strict=first.strict,
                moment=prices_as_of(config, build_time()))
    writer = state.shadows.writer(out_dir)
    try:
        search = {key for key in sources if key.startswith(f"{BUNDLE}/")}
        for key in sorted(sources.keys() - search):
            writer.write(key, _same_in_all(key, sources[key]), f"shard {sources[key][0]}")
        # (when Pagefind cannot, no search: as a build without Pagefind)
        if search and index_missing_shards(writer, reporter, search, config.search_always_split):
            for key in sorted(search):
                writer.write(key, _same_in_all(key, sources[key]), f"shard {sources[key][0]}")
        stats, shadow = writer.commit()
    except BaseException:
        state.aborted(writer.abort())
        raise
    outputs = {key: fingerprint for _, note in notes for key, fingerprint in note.pages.items()}
    state.merged(writer, shadow, outputs, first.warnings, first.products)
    return MergeReport(len(notes), len(outputs), stats)


def _check_apart(out_dir: Path, folders: list[Path]) -> None:
    """The output may be neither a shard folder nor hold one, nor lie inside one: the swap would lose it."""
    for folder in folders:
        if out_dir == folder or folder.is_relative_to(out_dir) or out_dir.is_relative_to(folder):
            raise BuildError(f"--output {out_dir} overlaps the shard folder {folder}; merge into another folder")


def _sources(notes: list[tuple[Path, ShardNote]]) -> dict[str, list[Path]]:
    """Each file of the merged site with the shard folders holding it; a page in two shards is refused."""
    sources: dict[str, list[Path]] = {}
    owner: dict[str, Path] = {}
    for folder, note in notes:
        for key in note.pages:
            if key in owner:
                raise BuildError(f"{owner[key]} and {folder} both hold the page {key}; the shards were split "
                                 "differently, build them again with the same shelfpress")
            owner[key] = folder
        for key in note.files():
            if ".." in key.split("/") or key.startswith("/"):
                raise BuildError(f"{folder}: the shard lists {key!r}, outside the site; build that shard again")
            sources.setdefault(key, []).append(folder)
    return sources


def _same_in_all(key: str, folders: list[Path]) -> bytes:
    """The bytes of `key`, which every folder in `folders` must hold alike."""
    data = _read(folders[0], key)
    for folder in folders[1:]:
        if _read(folder, key) != data:
            raise BuildError(f"{key} differs between the shards {folders[0]} and {folder}: they were not built "
                             "from the same sources and data; build every shard from the same commit")
    return data


def _read(folder: Path, key: str) -> bytes:
    try:
        return (folder / key).read_bytes()
    except OSError:
        raise BuildError(f"{folder} lacks {key}, which its shard note lists; the shard folder is incomplete "
                         "(download or build it again)") from None
