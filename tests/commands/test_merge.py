"""`build --shard I/N` and `merge`: shards of the demo site join into the bytes of one build, and merge
refuses, in one line and with the output untouched, anything that is not every shard of one build."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from generator.engine.sharding import SHARD_NOTE
from generator.publish import shards
from tests.support.sites import SMALL_CONFIG, run, tree, write_site

ROOT = Path(__file__).resolve().parents[2]
CACHE = ("public", ".shelfpress-cache", ".shelfpress", "__pycache__")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo site at the repository root."""
    dest = tmp_path_factory.mktemp("demo") / "site"
    dest.mkdir()
    shutil.copy2(ROOT / "shelfpress.toml", dest)
    for folder in ("content", "templates", "static"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=shutil.ignore_patterns(*CACHE))
    return dest


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def build_shards(site: Path, out: Path, count: int) -> list[Path]:
    folders = [out / f"shard-{i}" for i in range(1, count + 1)]
    for index, folder in enumerate(folders, 1):
        ok("build", "-C", str(site), "--shard", f"{index}/{count}", "-o", str(folder))
    return folders


def refused(site: Path, folders: list[Path], output: Path, said: str) -> None:
    result = run("merge", "-C", str(site), *map(str, folders), "-o", str(output))
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert said in result.output and len(result.output.strip().splitlines()) == 1, result.output


@pytest.fixture(scope="module")
def whole(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("whole") / "public"
    ok("build", "-C", str(demo), "-o", str(out))
    return tree(out)


@pytest.mark.parametrize("count", [1, 2, 3])
def test_merged_shards_are_the_bytes_of_one_build(demo: Path, whole: dict[str, bytes], tmp_path: Path,
                                                  count: int) -> None:
    folders = build_shards(demo, tmp_path, count)
    notes = [json.loads((folder / SHARD_NOTE).read_bytes()) for folder in folders]
    pages = [key for note in notes for key in note["pages"]]
    assert len(pages) == len(set(pages)) and all(note["pages"] for note in notes)  # each page in one shard
    said = ok("merge", "-C", str(demo), *map(str, folders), "-o", str(tmp_path / "merged"))
    assert f"Merged {count} shards" in said
    assert tree(tmp_path / "merged") == whole
    assert "pagefind/pagefind-entry.json" in whole  # (the small site's one search bundle is made by merge)


def test_shards_that_each_index_their_search_shards(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    pagefind_runs: list[list[str]]) -> None:
    """With as many search shards as build shards, each build shard indexes its own: merge runs no Pagefind."""
    monkeypatch.setattr(shards, "SHARD_PAGES", 4)  # the demo's ~60 pages in 8 search shards
    monkeypatch.setattr(shards, "WHOLE_SITE_PAGES", 0)
    ok("build", "-C", str(demo), "-o", str(tmp_path / "whole"))
    folders = build_shards(demo, tmp_path, 3)
    assert json.loads((tmp_path / "whole/pagefind/shards.json").read_bytes())["shards"] == 8
    pagefind_runs.clear()
    ok("merge", "-C", str(demo), *map(str, folders), "-o", str(tmp_path / "merged"))
    assert pagefind_runs == []
    assert tree(tmp_path / "merged") == tree(tmp_path / "whole")


def test_a_build_after_merge_renders_only_what_changed(demo: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(demo, site)
    folders = build_shards(site, tmp_path, 2)
    merged = tmp_path / "merged"
    ok("merge", "-C", str(site), *map(str, folders), "-o", str(merged))
    before = tree(merged)
    assert "(0 rendered)" in ok("build", "-C", str(site), "-o", str(merged))  # the shards' record is merged's
    assert tree(merged) == before
    again = ok("build", "-C", str(site), "--shard", "1/2", "-o", str(folders[0]))
    assert "Nothing changed" in again  # a shard rebuilt with no change takes the short way


def test_merge_refuses_what_is_not_every_shard_of_one_build(demo: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(demo, site)
    one, two = build_shards(site, tmp_path / "a", 2)
    out = tmp_path / "out"
    refused(site, [one], out, "shard 2 of 2 is missing")
    refused(site, [one, one, two], out, "are both shard 1/2")
    refused(site, [one, tmp_path / "a"], out, "is not a shard: it has no .shelfpress-shard.json")
    refused(site, [one, tmp_path / "nowhere"], out, "is not a folder")
    (_, _, three) = build_shards(site, tmp_path / "b", 3)
    refused(site, [one, two, three], out, "split the site differently")
    page = site / "content/about.md" if (site / "content/about.md").exists() else sorted(site.rglob("*.md"))[0]
    page.write_text(page.read_text() + "\nOne more line.\n")
    (_, changed) = build_shards(site, tmp_path / "c", 2)
    refused(site, [one, changed], out, "were built from different sources")
    assert not out.exists()  # nothing written


def test_merge_refuses_a_shard_whose_shared_files_differ_or_are_gone(demo: Path, tmp_path: Path) -> None:
    folders = build_shards(demo, tmp_path, 2)
    out = tmp_path / "out"
    (folders[1] / "robots.txt").write_text("User-agent: *\nDisallow: /\n")
    refused(demo, folders, out, "robots.txt differs between the shards")
    (folders[1] / "robots.txt").unlink()
    refused(demo, folders, out, "lacks robots.txt, which its shard note lists")
    assert not out.exists()


def test_merge_writes_only_into_a_folder_it_owns(demo: Path, tmp_path: Path) -> None:
    folders = build_shards(demo, tmp_path, 2)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    refused(demo, folders, mine, "holds files shelfpress did not write")
    assert tree(mine) == {"notes.txt": b"keep me"}
    refused(demo, folders, folders[0] / "inside", "overlaps the shard folder")
    refused(demo, folders, tmp_path, "overlaps the shard folder")


def rendered(said: str) -> int:
    match = re.search(r"\(([\d,]+) rendered\)", said)
    assert match, said
    return int(match[1].replace(",", ""))


def test_after_an_edit_the_shards_render_what_one_build_would_and_merge_into_its_bytes(demo: Path,
                                                                                        tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(demo, site)
    folders = build_shards(site, tmp_path, 3)
    merged, whole = tmp_path / "merged", tmp_path / "whole"
    ok("merge", "-C", str(site), *map(str, folders), "-o", str(merged))
    ok("build", "-C", str(site), "-o", str(whole))
    page = sorted((site / "content").rglob("*.md"))[-1]
    page.write_text(page.read_text() + "\nA zebrafinch sings.\n")
    one = rendered(ok("build", "-C", str(site), "-o", str(whole)))
    shares = [rendered(ok("build", "-C", str(site), "--shard", f"{i}/3", "-o", str(folder)))
              for i, folder in enumerate(folders, 1)]
    assert sum(shares) == one < 60  # each page once, in its own shard; the unchanged ones are kept
    ok("merge", "-C", str(site), *map(str, folders), "-o", str(merged))
    assert tree(merged) == tree(whole)
    assert b"zebrafinch" in b"".join(tree(merged).values())


def test_without_pagefind_the_merged_site_goes_without_search_as_one_build_does(demo: Path, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("pagefind.service.get_executable", lambda: None)
    whole = ok("build", "-C", str(demo), "-o", str(tmp_path / "whole"))
    assert "site search is off" in whole and not (tmp_path / "whole/pagefind").exists()
    folders = build_shards(demo, tmp_path, 2)
    said = ok("merge", "-C", str(demo), *map(str, folders), "-o", str(tmp_path / "merged"))
    assert "site search is off" in said
    assert tree(tmp_path / "merged") == tree(tmp_path / "whole")


def test_pages_that_replace_static_files_merge_as_one_build(tmp_path: Path) -> None:
    """A page wins over a static file at its path, in whichever shard the page is."""
    files: dict[str, str | bytes] = {f"content/p{i}.md": f"---\ntitle: Page {i}\n---\nText {i}.\n" for i in range(30)}
    files.update({f"static/p{i}/index.html": f"<p>static {i}</p>\n" for i in range(0, 30, 3)})
    site = write_site(tmp_path / "site", files, SMALL_CONFIG)
    ok("build", "-C", str(site), "-o", str(tmp_path / "whole"))
    for count in (2, 3):
        folders = build_shards(site, tmp_path / f"n{count}", count)
        ok("merge", "-C", str(site), *map(str, folders), "-o", str(tmp_path / f"merged-{count}"))
        assert tree(tmp_path / f"merged-{count}") == tree(tmp_path / "whole")


def test_the_shrink_guard_compares_a_merge_with_the_live_site(demo: Path, tmp_path: Path) -> None:
    folders = build_shards(demo, tmp_path, 2)
    out = tmp_path / "out"
    ok("merge", "-C", str(demo), *map(str, folders), "-o", str(out))
    live = tree(out)
    for folder in folders:  # shards of a build whose source answered no products
        note = json.loads((folder / SHARD_NOTE).read_bytes())
        (folder / SHARD_NOTE).write_text(json.dumps({**note, "products": 0}))
    refused(demo, folders, out, "would publish no products where the live site has")
    assert tree(out) == live
    assert "Merged 2 shards" in ok("merge", "-C", str(demo), *map(str, folders), "-o", str(out), "--allow-shrink")


def test_a_shard_with_no_page_changed_follows_a_new_search_layout(demo: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages added in other shards can change the whole site's search layout (here from 8 to 16 shards):
    a shard whose own pages did not change must not keep its bundles of the old layout."""
    monkeypatch.setattr(shards, "SHARD_PAGES", 4)
    monkeypatch.setattr(shards, "WHOLE_SITE_PAGES", 0)
    site = tmp_path / "site"
    shutil.copytree(demo, site)
    folders = build_shards(site, tmp_path, 3)
    before = json.loads((folders[0] / "pagefind/shards.json").read_bytes())["shards"]
    pages = sum(1 for key in tree(folders[0]) if key.endswith(".html") and not key.startswith("pagefind/"))
    for i in range(40):
        (site / "content" / f"extra-{i}.md").write_text(f"---\ntitle: Extra {i}\n---\nExtra page {i}.\n")
    for index, folder in enumerate(folders, 1):
        ok("build", "-C", str(site), "--shard", f"{index}/3", "-o", str(folder))
    ok("merge", "-C", str(site), *map(str, folders), "-o", str(tmp_path / "merged"))
    ok("build", "-C", str(site), "-o", str(tmp_path / "whole"))
    whole = tree(tmp_path / "whole")
    assert json.loads(whole["pagefind/shards.json"])["shards"] > before and pages
    assert tree(tmp_path / "merged") == whole
