"""Output ownership: a build or a folder publish writes only into a folder that is missing, empty or
shelfpress's own, through the real CLI on scratch sites (generator/engine/ownership.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.engine.ownership import MARKER
from tests.support.sites import SMALL_CONFIG, run, tree, write_site

PAGES = {"content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
         "content/about.md": "---\ntitle: About\n---\nAbout text.\n"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return write_site(tmp_path / "site", PAGES, config=SMALL_CONFIG)


def refused(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output  # one line
    return lines[0]


def foreign(folder: Path) -> dict[str, bytes]:
    """A folder of someone else's: a git repository, a README, a web root's .well-known."""
    folder.mkdir(parents=True)
    (folder / "README.md").write_text("my notes\n")
    (folder / ".well-known").mkdir()
    (folder / ".well-known/security.txt").write_text("Contact: me\n")
    return tree(folder)


def test_a_new_build_marks_its_folder_and_builds_again_into_it(site: Path) -> None:
    assert run("build", "-C", str(site)).exit_code == 0
    assert (site / "public" / MARKER).is_file()
    assert (site / "public/about/index.html").is_file()
    (site / "content/about.md").unlink()
    assert run("build", "-C", str(site)).exit_code == 0
    assert not (site / "public/about").exists()


def test_the_marker_is_fixed_bytes_so_builds_stay_identical(site: Path, tmp_path: Path) -> None:
    assert run("build", "-C", str(site)).exit_code == 0
    other = write_site(tmp_path / "other", PAGES, config=SMALL_CONFIG)
    assert run("build", "-C", str(other), "--clean").exit_code == 0
    assert tree(site / "public") == tree(other / "public")


@pytest.mark.parametrize("how", ["config", "-o"])
def test_a_folder_with_files_shelfpress_did_not_write_is_refused_and_untouched(site: Path, how: str) -> None:
    docs = site / "docs"
    before = foreign(docs)
    if how == "config":
        (site / "shelfpress.toml").write_text(SMALL_CONFIG + 'output_dir = "docs"\n')
        line = refused("build", "-C", str(site))
        assert "choose another output_dir or empty that folder" in line
    else:
        line = refused("build", "-C", str(site), "-o", str(docs))
        assert "choose another -o/--output" in line
    assert str(docs.resolve()) in line and "README.md" in line
    assert tree(docs) == before
    assert sorted(p.name for p in docs.iterdir()) == [".well-known", "README.md"]


def test_a_git_repository_is_refused_even_as_output_dir(site: Path) -> None:
    (site / "shelfpress.toml").write_text(SMALL_CONFIG + 'output_dir = "pages"\n')
    subprocess.run(["git", "init", "-q", str(site / "pages")], check=True)
    before = tree(site / "pages")
    assert "is a git repository" in refused("build", "-C", str(site))
    assert tree(site / "pages") == before


def test_a_git_repository_made_inside_a_built_site_is_refused(site: Path) -> None:
    assert run("build", "-C", str(site)).exit_code == 0
    subprocess.run(["git", "init", "-q", str(site / "public")], check=True)
    assert "is a git repository" in refused("build", "-C", str(site), "--clean")
    assert (site / "public/.git/HEAD").is_file()


def test_the_site_itself_and_its_source_folders_are_refused(site: Path) -> None:
    assert "contains the site itself" in refused("build", "-C", str(site), "-o", str(site))
    assert "contains the site itself" in refused("build", "-C", str(site), "-o", str(site.parent))
    for name in ("content", "templates", "static"):
        assert f"inside the site's {name}/ folder" in refused("build", "-C", str(site), "-o", str(site / name / "x"))


def test_an_empty_folder_is_fine(site: Path) -> None:
    (site / "public").mkdir()
    assert run("build", "-C", str(site)).exit_code == 0
    assert (site / "public/index.html").is_file()


def test_a_site_built_before_the_marker_still_builds(site: Path) -> None:
    """An earlier shelfpress left no marker, but its build state (or shadow) in the cache dir names the folder."""
    assert run("build", "-C", str(site)).exit_code == 0
    (site / "public" / MARKER).unlink()
    (site / "content/about.md").write_text("---\ntitle: About\n---\nNew text.\n")
    assert run("build", "-C", str(site)).exit_code == 0
    assert b"New text." in (site / "public/about/index.html").read_bytes()
    assert (site / "public" / MARKER).is_file()  # marked from now on


def test_a_marked_site_without_the_cache_still_builds(site: Path) -> None:
    assert run("build", "-C", str(site)).exit_code == 0
    shutil.rmtree(site / ".shelfpress-cache")
    assert run("build", "-C", str(site)).exit_code == 0


def test_a_recorded_build_alone_does_not_hand_over_a_folder_of_someone_elses(site: Path, tmp_path: Path) -> None:
    """The state records another folder: this one is still refused."""
    assert run("build", "-C", str(site)).exit_code == 0
    other = tmp_path / "web"
    before = foreign(other)
    refused("build", "-C", str(site), "-o", str(other))
    assert tree(other) == before
    state = next((site / ".shelfpress-cache").glob("build-*.json"))
    assert json.loads(state.read_text())["out_dir"] == str((site / "public").resolve())


def test_deploy_target_refuses_a_folder_of_someone_elses(site: Path, tmp_path: Path) -> None:
    www = tmp_path / "www"
    before = foreign(www)
    line = refused("deploy", "-C", str(site), "--target", str(www))
    assert "choose another --target" in line and str(www.resolve()) in line
    assert tree(www) == before
    assert not (site / "public").exists()  # refused before building


def test_deploy_target_publishes_into_its_own_folder_again(site: Path, tmp_path: Path) -> None:
    www = tmp_path / "www"
    assert run("deploy", "-C", str(site), "--target", str(www)).exit_code == 0
    assert (www / MARKER).is_file()
    (site / "content/about.md").unlink()
    assert run("deploy", "-C", str(site), "--target", str(www)).exit_code == 0
    assert not (www / "about").exists()
    assert sorted(p.name for p in www.parent.iterdir() if p.name.startswith(".www")) == []


def test_a_file_as_output_is_refused(site: Path) -> None:
    (site / "public").write_text("not a folder")
    assert "is a file, not a folder" in refused("build", "-C", str(site))
    assert (site / "public").read_text() == "not a folder"


def test_check_refuses_a_folder_of_someone_elses_as_build_does(site: Path) -> None:
    (site / "shelfpress.toml").write_text(SMALL_CONFIG + 'output_dir = "docs"\n')
    before = foreign(site / "docs")
    assert "holds files shelfpress did not write" in refused("check", "-C", str(site))
    assert tree(site / "docs") == before


def test_a_file_added_to_a_built_site_is_not_deleted_by_the_next_build(site: Path) -> None:
    assert run("build", "-C", str(site)).exit_code == 0
    (site / "public/.well-known").mkdir()
    (site / "public/.well-known/acme-challenge").write_text("token")
    line = refused("build", "-C", str(site), "--clean")
    assert "holds files added since the last build (.well-known)" in line and "static/" in line
    assert (site / "public/.well-known/acme-challenge").read_text() == "token"
    (site / "public/.well-known").rename(site / "kept")  # moved out, as the message says
    assert run("build", "-C", str(site)).exit_code == 0
