"""Library upgrades rebuild what they change (issue 28, item 6; generator/core/versions.py).

The build key holds the versions of Python, shelfpress and the libraries whose output lands in pages. A
test reports a different Markdown version (and makes Markdown's output differ, as an upgrade would) between
two builds: the second build renders again, and its output equals a clean build's.
"""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from generator.core import versions
from generator.engine.buildstate import BuildState
from generator.commands.build import build
from generator.config.schema import load_config
from generator.core.console import Reporter
from tests.support.sites import SMALL_CONFIG, tree, write_site

PAGES = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome *home*.\n",
    "content/guides/index.md": "---\ntitle: Guides\n---\nAll guides.\n",
    "content/guides/lamps.md": "---\ntitle: Lamps\n---\n# Lamps\n\nA **bright** guide.\n",
}


def incremental(site: Path) -> tuple[str, list[str]]:
    config = load_config(site)
    state = BuildState.for_output(config.cache_path, config.output_path)
    report = build(config, state=state, reporter=Reporter(verbosity=0))
    return report.summary(), state.plan.rendered


def report_version(monkeypatch: pytest.MonkeyPatch, distribution: str, version: str) -> None:
    """Make `versions.installed` report `version` for `distribution` (as after `pip install -U`)."""
    real = versions.installed
    monkeypatch.setattr(versions, "installed", lambda name: version if name == distribution else real(name))
    versions.build_software.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_versions():
    versions.build_software.cache_clear()
    yield
    versions.build_software.cache_clear()


def test_build_software_names_python_shelfpress_and_each_library() -> None:
    software = versions.build_software()
    for name in ("python=", "shelfpress=", *(f"{lib}=" for lib in versions.LIBRARIES)):
        assert name in software
    assert f"jinja2={versions.installed('jinja2')}" in software


def test_version_tuple_reads_leading_numbers() -> None:
    assert versions.version_tuple("3.1.6") == (3, 1, 6)
    assert versions.version_tuple("3.2.0rc1") == (3, 2, 0)
    assert versions.version_tuple("2") == (2,)
    assert versions.version_tuple(None) == ()


def test_a_markdown_upgrade_rebuilds_its_pages_and_equals_a_clean_build(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    site = write_site(tmp_path / "site", PAGES, config=SMALL_CONFIG)
    incremental(site)
    before = tree(site / "public")

    real_convert = markdown.Markdown.convert
    monkeypatch.setattr(markdown.Markdown, "convert",
                        lambda self, source: real_convert(self, source).replace("<strong>", "<strong class=new>"))
    report_version(monkeypatch, "markdown", "99.0")
    summary, rendered = incremental(site)

    assert "Nothing changed" not in summary
    assert "guides/lamps/index.html" in rendered
    after = tree(site / "public")
    assert b"<strong class=new>bright" in after["guides/lamps/index.html"]
    assert after != before
    build(load_config(site), clean=True, output=tmp_path / "clean", reporter=Reporter(verbosity=0))
    assert after == tree(tmp_path / "clean")


def test_the_same_versions_keep_every_page(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", PAGES, config=SMALL_CONFIG)
    incremental(site)
    versions.build_software.cache_clear()
    _, rendered = incremental(site)
    assert rendered == []


def test_a_pagefind_upgrade_indexes_anew_even_when_no_page_changed(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.publish import search

    site = write_site(tmp_path / "site", PAGES, config=SMALL_CONFIG.replace("search = false\n", ""))
    incremental(site)
    assert (site / "public" / "pagefind" / "pagefind-entry.json").is_file()

    real_index = search._index

    def upgraded(site_dir: Path, bundle: Path, cancelled=None) -> None:  # the next release writes one more file
        real_index(site_dir, bundle, cancelled)
        (bundle / "upgraded.txt").write_text("pagefind 99\n")

    monkeypatch.setattr(search, "_index", upgraded)
    report_version(monkeypatch, "pagefind_bin", "99.0.0")
    incremental(site)
    after = tree(site / "public")
    assert "pagefind/upgraded.txt" in after
    build(load_config(site), clean=True, output=tmp_path / "clean", reporter=Reporter(verbosity=0))
    assert after == tree(tmp_path / "clean")


def _importlib_version(name: str) -> str | None:
    import importlib.metadata

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def test_installed_reads_every_installed_distribution_as_importlib_metadata_does() -> None:
    """`installed` reads metadata folders itself (importing importlib.metadata cost every build 13 ms): it must
    say what importlib.metadata says, for every distribution and spelling, and for any metadata file."""
    import importlib.metadata

    names = {dist.metadata["Name"] for dist in importlib.metadata.distributions()}
    assert all(versions.installed(library) for library in ("jinja2", "markupsafe", "markdown", "babel", "pyyaml"))
    for name in sorted(names):
        for spelling in (name, name.upper(), name.replace("-", "_"), name.replace("_", "-"), name.replace("-", ".")):
            assert versions.installed(spelling) == _importlib_version(spelling), spelling
    assert versions.installed("no-such-distribution-here") is None


def _metadata(folder: Path, name: str, text: str, *, layout: str = "dist-info") -> None:
    """A distribution's metadata in `folder` as an installer leaves it: a .dist-info folder with METADATA, an
    .egg-info folder with PKG-INFO, or an .egg-info file (old distutils)."""
    folder.mkdir(parents=True, exist_ok=True)
    if layout == "dist-info":
        (folder / f"{name}.dist-info").mkdir()
        (folder / f"{name}.dist-info" / "METADATA").write_text(text)
    elif layout == "egg-info":
        (folder / f"{name}.egg-info").mkdir()
        (folder / f"{name}.egg-info" / "PKG-INFO").write_text(text)
    else:
        (folder / f"{name}.egg-info").write_text(text)


@pytest.mark.parametrize("layout", ["dist-info", "egg-info", "egg-info file"])
@pytest.mark.parametrize("text", [
    "Metadata-Version: 2.1\nName: Shelf-Lamp\nVersion: 2.0.1\n\nA description.\nVersion: 9\n",
    "Metadata-Version: 2.1\r\nName: Shelf-Lamp\r\nversion:\t2.0.1 \r\n",
    "Metadata-Version: 2.1\nName: Shelf-Lamp\n\nVersion: 9 (in the body)\n",  # no Version header: None
    "Name: Shelf-Lamp\nSummary: folded\n  over two lines\nVersion: 3\nVersion: 4\n",
    "Name: Shelf-Lamp\nVersion: 5\n  folded\n",
    "From someone\nName: Shelf-Lamp\nVersion: 6\n",
    "Name: Shelf-Lamp\nnot a header\nVersion: 7\n",
    "",
])
def test_installed_agrees_with_importlib_metadata_on_any_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   layout: str, text: str) -> None:
    _metadata(tmp_path / "first", "Shelf_Lamp-2.0.1", text, layout=layout)
    _metadata(tmp_path / "second", "shelf_lamp-8.0", "Name: shelf-lamp\nVersion: 8.0\n")
    monkeypatch.setattr("sys.path", [str(tmp_path / "missing"), str(tmp_path / "first"), str(tmp_path / "second")])
    for spelling in ("shelf-lamp", "Shelf.Lamp", "SHELF_LAMP", "shelf"):
        assert versions.installed(spelling) == _importlib_version(spelling), spelling


def test_installed_takes_the_first_folder_on_sys_path_and_reads_zip_files_through_importlib(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    _metadata(tmp_path / "first", "lamp-1.0", "Name: lamp\nVersion: 1.0\n")
    _metadata(tmp_path / "second", "lamp-2.0", "Name: lamp\nVersion: 2.0\n")
    monkeypatch.setattr("sys.path", [str(tmp_path / "first"), str(tmp_path / "second")])
    assert versions.installed("lamp") == "1.0"
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w") as bundle:
        bundle.writestr("lamp-3.0.dist-info/METADATA", "Name: lamp\nVersion: 3.0\n")
    monkeypatch.setattr("sys.path", [str(tmp_path / "bundle.zip"), str(tmp_path / "first")])
    assert versions.installed("lamp") == _importlib_version("lamp") == "3.0"
