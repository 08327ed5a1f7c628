"""Tests for generator/engine/output.py: the OutputWriter assembles the next site in a shadow tree and swaps it in.

What the module docstring promises, checked on a tiny output dir: nothing reaches the live site before
`commit`; an identical file is carried over as the same inode; `abort` leaves the live tree as it was;
one owner per output path; unclaimed files are pruned; leftovers of an interrupted run are cleaned up.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.core.errors import BuildError, ContentError
from generator.engine.output import FOLDERS_AHEAD_MIN, INCOMPLETE, OutputWriter, ShadowRecord
from generator.core.platform import can_fork
from generator.engine.ownership import MARKER
from tests.support.sites import tree as whole_tree


def tree(root: Path) -> dict[str, bytes]:
    """The site's files without the ownership marker every commit adds (tested in test_ownership.py)."""
    return {key: data for key, data in whole_tree(root).items() if key != MARKER}

LIVE = {"index.html": b"<h1>Home</h1>", "a/index.html": b"<h1>A</h1>", "style.css": b"body{}"}


def writer_for(out: Path, previous: OutputWriter | None = None, record: ShadowRecord | None = None) -> OutputWriter:
    """A writer with its shadow in a cache dir beside `out`, trusting `record` of the `previous` build."""
    files = set(previous.owners) if previous else None
    return OutputWriter(out, shadow=out.parent / "cache" / "shadow", previous_files=files, record=record)


def publish(out: Path, files: dict[str, bytes]) -> ShadowRecord | None:
    """Build `files` as the whole site; return what the next build needs to trust the shadow."""
    writer = writer_for(out)
    for rel, data in files.items():
        writer.write(rel, data, f"content/{rel}")
    return writer.commit()[1]


def change_home(out: Path) -> tuple[OutputWriter, ShadowRecord]:
    """An incremental build that writes index.html anew and keeps the rest: its shadow now holds the
    previous site, which the next build may trust."""
    writer = writer_for(out)
    writer.write("index.html", b"v2", "content/index.md")
    writer.keep("a/index.html", "content/a.md")
    writer.keep("style.css", "static/style.css")
    record = writer.commit()[1]
    assert record is not None
    return writer, record


@pytest.fixture
def out(tmp_path: Path) -> Path:
    out = tmp_path / "public"
    publish(out, LIVE)
    assert tree(out) == LIVE
    return out


def test_writes_reach_the_live_site_only_at_commit(out: Path) -> None:
    writer = writer_for(out)
    writer.write("index.html", b"<h1>New home</h1>", "content/index.md")
    writer.write("b/index.html", b"<h1>B</h1>", "content/b.md")
    assert tree(out) == LIVE  # still the previous site, whole
    assert writer.read("b/index.html") == b"<h1>B</h1>"  # in the shadow
    writer.keep("a/index.html", "content/a.md")
    writer.keep("style.css", "static/style.css")
    stats, _ = writer.commit()
    assert tree(out) == {**LIVE, "index.html": b"<h1>New home</h1>", "b/index.html": b"<h1>B</h1>"}
    assert (stats.written, stats.unchanged, stats.removed) == (2, 3, 0)  # the ownership marker is kept too
    assert not (out / INCOMPLETE).exists()


def test_an_identical_file_is_carried_over_as_the_same_inode(out: Path) -> None:
    before = os.stat(out / "a/index.html")
    writer = writer_for(out)
    for rel, data in LIVE.items():
        writer.write(rel, data, rel)
    writer.write("new.html", b"new", "new.md")  # one change, so there is a swap
    stats, _ = writer.commit()
    assert (stats.written, stats.unchanged) == (1, 4)  # and the ownership marker
    after = os.stat(out / "a/index.html")
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_build_that_changes_nothing_swaps_nothing(out: Path) -> None:
    inode = os.stat(out).st_ino
    writer = writer_for(out)
    for rel, data in LIVE.items():
        writer.write(rel, data, rel)
    stats, record = writer.commit()
    assert (stats.written, stats.unchanged, stats.removed) == (0, 4, 0)  # and the ownership marker
    assert os.stat(out).st_ino == inode and record is not None and record.lag == []


def test_keeping_or_carrying_a_missing_live_file_returns_false(out: Path) -> None:
    writer = writer_for(out)
    assert writer.keep("gone.html", "content/gone.md") is False
    assert not writer.claimed("gone.html")  # released: the caller renders it instead
    writer.write("gone.html", b"rendered", "content/gone.md")
    assert writer.carry("missing/page.html") is False
    assert writer.files.keep("missing/page.html") is False
    assert writer.keep("style.css", "static/style.css") is True
    writer.abort()


def test_abort_leaves_the_live_tree_byte_identical(out: Path) -> None:
    inodes = {rel: os.stat(out / rel).st_ino for rel in LIVE}
    writer = writer_for(out)
    writer.write("index.html", b"half a build", "content/index.md")
    writer.write("c/index.html", b"C", "content/c.md")
    writer.abort()
    assert tree(out) == LIVE
    assert {rel: os.stat(out / rel).st_ino for rel in LIVE} == inodes
    assert not (out.parent / "cache" / "shadow").exists()  # a fresh shadow is worth nothing after an abort
    publish(out, LIVE)  # and the lock is released: the next build can start


def test_two_pages_claiming_one_path_is_an_error_naming_both(out: Path) -> None:
    writer = writer_for(out)
    writer.write("guide/index.html", b"one", "content/guide.md")
    with pytest.raises(ContentError, match=r"two pages write guide/index\.html: content/guide\.md and "
                                           r"content/guide/index\.md"):
        writer.write("guide/./index.html", b"two", "content/guide/index.md")
    with pytest.raises(ContentError, match="would leave the output directory"):
        writer.write("../escape.html", b"x", "content/escape.md")
    writer.abort()
    assert tree(out) == LIVE


@pytest.mark.parametrize(("rel", "key"), [
    ("a//b.html", "a/b.html"), ("./a.html", "a.html"), ("a/./b/", "a/b"), ("a\\b.html", "a/b.html"),
    ("a/.b/c..html", "a/.b/c..html"), ("a/.../b.html", "a/.../b.html"), ("p/1-x/index.html", "p/1-x/index.html")])
def test_claimed_paths_are_normalised_only_when_they_need_it(out: Path, rel: str, key: str) -> None:
    """Empty, "." and backslash segments are folded; names that merely contain dots are kept as written."""
    writer = writer_for(out)
    assert writer.claim(rel, "content/a.md") == key
    for bad in ("/abs.html", "a/../../x.html", "", "."):
        with pytest.raises(ContentError, match="would leave the output directory"):
            writer.claim(bad, "content/b.md")
    writer.abort()


def test_a_second_writer_on_one_site_is_refused(out: Path) -> None:
    writer = writer_for(out)
    with pytest.raises(BuildError, match="another shelfpress build is writing"):
        writer_for(out)
    writer.abort()


def test_unclaimed_live_files_are_pruned(out: Path) -> None:
    writer = writer_for(out)
    writer.keep("index.html", "content/index.md")
    writer.keep("style.css", "static/style.css")
    stats, _ = writer.commit()
    assert stats.removed == 1
    assert tree(out) == {k: v for k, v in LIVE.items() if k != "a/index.html"}
    assert not (out / "a").exists()


def test_a_trusted_shadow_is_levelled_with_the_live_site(out: Path) -> None:
    """Three incremental builds on one trusted shadow: each sees the live site, never the shadow's lag."""
    first, record = change_home(out)
    assert record.lag == ["index.html"]

    second = writer_for(out, first, record)
    assert second.previous_trusted
    assert second.keep("index.html", "content/index.md")  # the v2 of the live site, not the shadow's v1
    second.keep("style.css", "static/style.css")  # a/index.html is dropped
    second.write("b.html", b"b", "content/b.md")
    stats, record = second.commit()
    assert stats.removed == 1 and record is not None and record.lag == ["a/index.html", "b.html"]
    assert tree(out) == {"index.html": b"v2", "style.css": b"body{}", "b.html": b"b"}

    third = writer_for(out, second, record)
    assert third.previous_trusted
    for key in ("index.html", "style.css", "b.html"):
        third.keep(key, key)
    third.write("c.html", b"c", "content/c.md")
    third.commit()
    assert tree(out) == {"index.html": b"v2", "style.css": b"body{}", "b.html": b"b", "c.html": b"c"}


def test_an_interrupted_shadow_is_not_trusted(out: Path) -> None:
    writer, record = change_home(out)
    shadow = out.parent / "cache" / "shadow"
    (shadow / INCOMPLETE).touch()  # a build was killed while changing the shadow
    (shadow / "a/index.html").unlink()
    (shadow / "junk.html").write_bytes(b"half")
    again = writer_for(out, writer, record)
    assert not again.previous_trusted
    assert not (shadow / "junk.html").exists()  # swept away, rebuilt from the live tree
    assert again.keep("a/index.html", "content/a.md") and (shadow / "a/index.html").read_bytes() == b"<h1>A</h1>"
    again.abort()


def test_leftovers_of_an_interrupted_run_are_cleaned_by_the_next_writer(out: Path) -> None:
    parent = out.parent
    leftovers = [parent / ".public.staging-123", parent / ".public.old-456", parent / ".public.pagefind-abc",
                 parent / "cache" / "shadow.trash-789"]
    for folder in leftovers:
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "page.html").write_bytes(b"stale")
    (parent / ".public.shadow-unrelated").mkdir()  # not ours to delete
    writer = writer_for(out)
    assert [p for p in leftovers if p.exists()] == []
    assert (parent / ".public.shadow-unrelated").exists()
    writer.abort()
    assert tree(out) == LIVE


MANY = {f"p/{n}-product/index.html": f"<h1>{n}</h1>".encode() for n in range(FOLDERS_AHEAD_MIN)}


def test_a_fresh_shadow_gets_its_folders_made_ahead_by_a_child_process(tmp_path: Path, alone: None) -> None:
    if not can_fork():
        pytest.skip("no forked folder maker here (portable mode, not Linux, or other threads running)")
    out = tmp_path / "public"
    writer = writer_for(out)
    keys = [writer.claim(rel, f"product {rel}") for rel in MANY]
    writer.make_folders_ahead(keys)
    writer.folders_ready()
    made = sorted(p.relative_to(writer.shadow).as_posix() for p in (writer.shadow / "p").iterdir())
    assert made == sorted(rel.rsplit("/", 1)[0] for rel in MANY)  # by the child, before any page is written
    for key in keys:
        writer.files.put(key, MANY[key])
        writer.record(key, True)
    writer.commit()
    assert tree(out) == MANY


def test_a_failed_build_waits_for_the_folder_maker_and_leaves_the_live_site_as_it_was(out: Path) -> None:
    writer = writer_for(out)  # no record of the last build: a fresh shadow
    writer.make_folders_ahead([writer.claim(rel, rel) for rel in MANY])
    writer.abort()  # while the child may still be making folders
    assert tree(out) == LIVE
    assert not writer.shadow.exists()


def test_a_folder_maker_that_fails_leaves_the_folders_to_the_writer(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("generator.engine.output._make_folders", lambda folders: os._exit(3))
    out = tmp_path / "public"
    writer = writer_for(out)
    keys = [writer.claim(rel, rel) for rel in MANY]
    writer.make_folders_ahead(keys)
    writer.folders_ready()
    for key in keys:
        writer.files.put(key, MANY[key])
        writer.record(key, True)
    writer.commit()
    assert tree(out) == MANY
