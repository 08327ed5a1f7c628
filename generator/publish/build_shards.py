"""A shard build's part of the publish stage: which pages it renders, and the note it leaves for `merge`.

The rule (engine/sharding.py) needs the number of search index shards of the whole site (shards.py),
which is decided here from the pages' HTML output paths, so that on a big site a build shard holds
whole search shards and indexes them itself. `write_shard_note` records, as the last file of the shard,
what `merge` needs to check the shards against each other and to join their build records.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from generator.content.page import Page
from generator.engine.fingerprint import Fingerprints
from generator.engine.ownership import MARKER
from generator.engine.output import OutputWriter
from generator.publish.shards import shard_count

if TYPE_CHECKING:  # engine.sharding loads in `write_shard_note`: only a shard build needs it
    from generator.engine.sharding import Share


def split_pages(pages: Sequence[Page], share: Share | None) -> tuple[Sequence[Page], set[str]]:
    """The pages `share` renders, and the output paths of the others (all pages and none without a share)."""
    if share is None or share.count == 1:
        return pages, set()
    keys = [PurePosixPath(page.output_path.replace("\\", "/")).as_posix() for page in pages]  # as the writer keys them
    groups = shard_count(sum(1 for key in keys if key.endswith(".html")) + 1)  # + the 404 page
    mine: list[Page] = []
    elsewhere: set[str] = set()
    for page, key in zip(pages, keys):
        if share.holds(key, groups):
            mine.append(page)
        else:
            elsewhere.add(key)
    return mine, elsewhere


def write_shard_note(writer: OutputWriter, share: Share, identity: str, fingerprints: Fingerprints,
                     products: int, warnings: list[str], *, drafts: bool, strict: bool) -> None:
    """Put `SHARD_NOTE` into the shard: its pages with their fingerprints, the files every shard writes
    alike and the search bundles made here. Call it when every other file of the shard is claimed."""
    from generator.engine.sharding import SHARD_NOTE, ShardNote

    pages = {key: fingerprint for key, fingerprint in fingerprints.fingerprints.items() if key in writer.owners}
    others = [key for key in writer.owners if key not in pages and key != MARKER]  # search bundles among them
    note = ShardNote(share, identity, pages=pages, others=others, products=products, warnings=list(warnings),
                     drafts=drafts, strict=strict)
    writer.write(SHARD_NOTE, note.to_bytes(), "shard note")
