"""Running Pagefind, and the bundle check: a bundle that cannot be served never reaches the site."""

from __future__ import annotations

import gzip
import json
import random
import time
from pathlib import Path

import pytest

from generator.publish import shards
from generator.publish.search import BrokenBundle, PagefindFailed, SearchCancelled, _check_bundle, _index
from tests.support.sites import BASIC_CONFIG, add_files, run, write_site

FRAGMENT = gzip.compress(b"pagefind_dcd" + b"fragment " * 100)
WASM = gzip.compress(random.Random(0).randbytes(68_000))  # does not compress: 68 KB, as Pagefind's


def bundle(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_a_complete_bundle_passes(tmp_path: Path) -> None:
    root = bundle(tmp_path, {"pagefind-entry.json": b'{"version": "1"}', "pagefind.js": b"export{}",
                             "fragment/a.pf_fragment": FRAGMENT, "wasm.en.pagefind": WASM})
    checked = _check_bundle(root)
    assert [p.name for p, _ in checked] == ["a.pf_fragment", "pagefind-entry.json", "pagefind.js", "wasm.en.pagefind"]
    assert all(data == p.read_bytes() for p, data in checked)  # the bytes the build adopts are the files'



@pytest.mark.parametrize("files", [
    {"pagefind-entry.json": b"", "pagefind.js": b"export{}"},            # truncated to nothing
    {"pagefind-entry.json": b'{"version": ', "pagefind.js": b"export{}"},  # cut mid-way
    {"pagefind-entry.json": b"{}", "pagefind.js": b""},
    {"pagefind.js": b"export{}"},                                         # no entry file at all
    {"pagefind-entry.json": b"{}", "wasm.en.pagefind": WASM[:4096]},      # the service stopped mid-write (seen)
    {"pagefind-entry.json": b"{}", "fragment/a.pf_fragment": FRAGMENT[:-1]},
    {"pagefind-entry.json": b"{}", "index/en_1.pf_index": b"not gzip"},
])
def test_a_broken_bundle_is_refused(tmp_path: Path, files: dict[str, bytes]) -> None:
    with pytest.raises(BrokenBundle):
        _check_bundle(bundle(tmp_path, files))


def fake_pagefind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> Path:
    """Pagefind replaced by a shell script; returns the file it touches when it starts."""
    started = tmp_path / "started"
    executable = tmp_path / "pagefind"
    executable.write_text(f"#!/bin/sh\ntouch {started}\n{script}\n")
    executable.chmod(0o755)
    monkeypatch.setattr("pagefind.service.get_executable", lambda: executable)
    return started


def test_a_failing_pagefind_is_reported_with_its_last_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pagefind(tmp_path, monkeypatch, "printf 'indexing \\377\\n'\necho 'Error: no pages found' >&2\nexit 3")
    with pytest.raises(PagefindFailed, match="^Error: no pages found$"):
        _index(tmp_path, tmp_path / "bundle")


def test_a_cancelled_index_stops_pagefind_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dev server stops a search refresh when an edit arrives: the edit's reload must not wait."""
    started = fake_pagefind(tmp_path, monkeypatch, "exec sleep 30.123")
    began = time.monotonic()
    with pytest.raises(SearchCancelled):
        _index(tmp_path, tmp_path / "bundle", cancelled=lambda: started.exists() and time.monotonic() - began > 0.3)
    assert time.monotonic() - began < 5
    assert not any(b"30.123" in command_line(proc) for proc in Path("/proc").glob("[0-9]*")), "Pagefind left running"


def command_line(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:  # it ended meanwhile
        return b""


def _built(site: Path) -> None:
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    assert "search is off" not in result.output


@pytest.mark.parametrize("split", ["on a very big site", "as the publisher chose"])
def test_a_one_page_edit_indexes_exactly_its_shard_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         pagefind_runs: list[list[str]], split: str) -> None:
    config = BASIC_CONFIG
    if split == "on a very big site":
        monkeypatch.setattr(shards, "WHOLE_SITE_PAGES", 0)
    else:  # a site far below WHOLE_SITE_PAGES whose publisher prefers fast edits to Pagefind's exact order
        config += 'search_split = "always"\n'
    monkeypatch.setattr(shards, "SHARD_PAGES", 4)  # the demo shop's ~45 pages in 8 shards
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
                                          "content/about.md": "---\ntitle: About\n---\nAbout us.\n"}, config)
    _built(site)
    public = site / "public"
    manifest = json.loads((public / "pagefind/shards.json").read_text())
    assert manifest["shards"] == 8 and len(manifest["merge"]) == len(pagefind_runs) - 1 >= 4
    indexed = [page for pages in pagefind_runs for page in pages]
    assert sorted(indexed) == sorted(set(indexed)) and "about/index.html" in indexed  # each page once
    bundles = {p: p.stat().st_mtime_ns for p in (public / "pagefind").rglob("*") if p.is_file()}

    pagefind_runs.clear()
    (site / "content/about.md").write_text("---\ntitle: About\n---\nAbout us, and a zebrafinch.\n")
    _built(site)
    assert len(pagefind_runs) == 1 and "about/index.html" in pagefind_runs[0]
    shard = shards.shard_of("about/index.html", 8)
    unchanged = {p for p, mtime in bundles.items() if p.exists() and p.stat().st_mtime_ns == mtime}
    assert {shards.ShardLayout.for_pages(indexed, always=True).bundle_of(p.relative_to(public).as_posix())
            for p in set(bundles) - unchanged} <= {shard, None}  # only its shard's files (and the manifest) changed

    pagefind_runs.clear()
    _built(site)  # nothing changed: no Pagefind run at all
    assert pagefind_runs == []


def test_a_small_site_keeps_one_whole_site_index(tmp_path: Path, pagefind_runs: list[list[str]]) -> None:
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\nWelcome.\n"})
    _built(site)
    assert len(pagefind_runs) == 1 and "index.html" in pagefind_runs[0]
    assert json.loads((site / "public/pagefind/shards.json").read_text()) == {"shards": 1, "merge": []}
    assert not list((site / "public/pagefind").glob("shard-*"))


def test_a_publisher_going_back_to_auto_gets_one_whole_site_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  pagefind_runs: list[list[str]]) -> None:
    monkeypatch.setattr(shards, "SHARD_PAGES", 4)
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\nWelcome.\n"},
                      BASIC_CONFIG + 'search_split = "always"\n')
    _built(site)
    assert len(json.loads((site / "public/pagefind/shards.json").read_text())["merge"]) >= 4
    (site / "shelfpress.toml").write_text(BASIC_CONFIG + 'search_split = "auto"\n')
    _built(site)
    assert json.loads((site / "public/pagefind/shards.json").read_text()) == {"shards": 1, "merge": []}
    assert not list((site / "public/pagefind").glob("shard-*"))


def test_a_search_split_that_is_no_choice_is_one_line_naming_the_key(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {}, BASIC_CONFIG + 'search_split = "sometimes"\n')
    result = run("build", "-C", str(site))
    assert result.exit_code != 0 and "search_split" in result.output and "Traceback" not in result.output
    assert not (site / "public").exists()


def test_shards_made_before_become_one_whole_site_index_though_no_page_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pagefind_runs: list[list[str]]) -> None:
    """A site below WHOLE_SITE_PAGES whose live index is in shards (made by an earlier version, or while it was
    bigger) ranks as one whole-site index after its next build, not only after its next page edit."""
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\nWelcome.\n"})
    with monkeypatch.context() as patch:
        patch.setattr(shards, "WHOLE_SITE_PAGES", 0)
        patch.setattr(shards, "SHARD_PAGES", 4)
        _built(site)
    assert len(json.loads((site / "public/pagefind/shards.json").read_text())["merge"]) >= 4
    pagefind_runs.clear()
    add_files(site, {"static/notes.txt": "a new file, no new page\n"})
    _built(site)
    assert len(pagefind_runs) == 1 and "index.html" in pagefind_runs[0]
    assert json.loads((site / "public/pagefind/shards.json").read_text()) == {"shards": 1, "merge": []}
    assert not list((site / "public/pagefind").glob("shard-*"))


def test_one_shard_failing_leaves_the_site_without_search_not_with_part_of_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pagefind.service import get_executable

    real = get_executable()
    monkeypatch.setattr(shards, "WHOLE_SITE_PAGES", 0)
    monkeypatch.setattr(shards, "SHARD_PAGES", 4)
    fake_pagefind(tmp_path, monkeypatch, f'[ -e "$2/about/index.html" ] && {{ echo "Error: disk full" >&2; exit 3; }}\n'
                                         f'exec "{real}" "$@"')
    site = write_site(tmp_path / "site", {"content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
                                          "content/about.md": "---\ntitle: About\n---\nAbout us.\n"})
    result = run("build", "-C", str(site))
    assert result.exit_code == 0 and "site search is off" in result.output and "disk full" in result.output
    assert not (site / "public/pagefind").exists()
    assert (site / "public/about/index.html").is_file()
