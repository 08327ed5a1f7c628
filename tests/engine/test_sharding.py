"""Which pages a build shard renders, and the checks `merge` makes of a set of shard notes."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from generator.core.errors import BuildError
from generator.engine.sharding import SHARD_NOTE, Share, ShardNote, check_complete
from generator.publish.shards import shard_of


@pytest.mark.parametrize(("text", "share"), [("1/1", Share(1, 1)), ("2/3", Share(2, 3)), (" 4 / 4 ", Share(4, 4))])
def test_a_share_is_i_of_n(text: str, share: Share) -> None:
    assert Share.parse(text) == share and str(share) == f"{share.index}/{share.count}"


@pytest.mark.parametrize(("text", "said"), [("0/2", "must be 1 to 2 (got 0)"), ("3/2", "must be 1 to 2 (got 3)"),
                                            ("1/0", "number of shards must be at least 1"), ("2", "expected I/N"), ("a/b", "expected I/N"),
                                            ("-1/2", "expected I/N"), ("", "expected I/N")])
def test_a_bad_share_is_one_line_saying_what_is_expected(text: str, said: str) -> None:
    with pytest.raises(BuildError, match=re.escape(said)) as caught:
        Share.parse(text)
    assert "\n" not in str(caught.value)


KEYS = [f"p/{random.Random(i).randbytes(6).hex()}/index.html" for i in range(3000)] + ["index.html", "ü/ö.html"]


@pytest.mark.parametrize("groups", [1, 2, 4, 8])
@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_every_page_is_in_exactly_one_shard(groups: int, count: int) -> None:
    owners = [[index for index in range(1, count + 1) if Share(index, count).holds(key, groups)] for key in KEYS]
    assert all(len(found) == 1 for found in owners)
    sizes = [sum(1 for found in owners if found == [index]) for index in range(1, count + 1)]
    assert min(sizes) > 0  # every shard gets pages, even when the search shards are fewer


@pytest.mark.parametrize(("groups", "count"), [(2, 2), (4, 2), (8, 3), (8, 4), (4, 4)])
def test_a_search_shard_lies_in_one_build_shard_when_there_are_enough(groups: int, count: int) -> None:
    """Then each build shard indexes its search shards itself: merge runs no Pagefind."""
    holder: dict[int, set[int]] = {}
    for key in KEYS:
        (index,) = [i for i in range(1, count + 1) if Share(i, count).holds(key, groups)]
        holder.setdefault(shard_of(key, groups), set()).add(index)
    assert all(len(found) == 1 for found in holder.values()) and len(holder) == groups


def note(folder: Path, index: int, count: int, identity: str = "same", version: str = "1") -> tuple[Path, ShardNote]:
    return folder / f"s{index}", ShardNote(Share(index, count), identity, version)


@pytest.mark.parametrize(("notes", "said"), [
    ([], "no shard folders given"),
    ([note(Path("x"), 1, 2)], "shard 2 of 2 is missing"),
    ([note(Path("x"), 1, 3)], "shard 2, 3 of 3 is missing"),
    ([note(Path("x"), 1, 2), note(Path("y"), 1, 2)], "x/s1 and y/s1 are both shard 1/2"),
    ([note(Path("x"), 1, 2), note(Path("x"), 2, 3)], "split the site differently"),
    ([note(Path("x"), 1, 2), note(Path("x"), 2, 2, identity="other")], "different sources"),
    ([note(Path("x"), 1, 2), note(Path("x"), 2, 2, version="2")], "with the same shelfpress"),
])
def test_merge_needs_every_shard_of_one_build_once(notes: list[tuple[Path, ShardNote]], said: str) -> None:
    with pytest.raises(BuildError, match=said):
        check_complete(notes)
    check_complete([note(Path("x"), 2, 2), note(Path("x"), 1, 2)])  # (in any order)


def test_a_note_reads_back_as_written(tmp_path: Path) -> None:
    written = ShardNote(Share(2, 3), "abc", pages={"a/index.html": "f1"}, others=["sitemap.xml"], products=7,
                        warnings=["w"], drafts=True)
    (tmp_path / SHARD_NOTE).write_bytes(written.to_bytes())
    assert ShardNote.read(tmp_path) == written


@pytest.mark.parametrize(("body", "said"), [(None, "is not a shard: it has no .shelfpress-shard.json"),
                                            (b"{", "cannot be read"), (b'{"format": 1}', "cannot be read"),
                                            (b'{"format": 99}', "a shard of another shelfpress")])
def test_a_folder_that_is_not_a_shard_is_named(tmp_path: Path, body: bytes | None, said: str) -> None:
    if body is not None:
        (tmp_path / SHARD_NOTE).write_bytes(body)
    with pytest.raises(BuildError, match=said):
        ShardNote.read(tmp_path)
    with pytest.raises(BuildError, match="is not a folder"):
        ShardNote.read(tmp_path / "missing")
