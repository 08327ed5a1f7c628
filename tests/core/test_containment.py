"""Nothing from outside the site reaches the output: links out of content/, static/, templates/, themes/ and
data files are one-line errors, links that stay inside keep working, and the previous site is untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.containment import SiteFiles
from generator.core.errors import ContentError
from tests.support.sites import SMALL_CONFIG, fails, run, tree, write_site

PAGES = {"content/index.md": "---\ntitle: Home\n---\nHi\n", "static/robots-note.txt": "inside\n"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site built once, so each test can check that a refused build leaves that output as it was."""
    root = write_site(tmp_path / "site", PAGES, SMALL_CONFIG)
    assert run("build", "-C", str(root)).exit_code == 0
    return root


def refused(site: Path, link: str, target: str, *expected: str) -> str:
    """Add the symbolic link `link` -> `target`; the build fails in one line and keeps the last output."""
    before = tree(site / "public")
    path = site / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)
    out = fails(site, *expected)
    assert out.count("\n") == 1, out
    assert tree(site / "public") == before
    return out


def test_content_link_to_the_environment_is_refused(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPELLO_API_KEY", "key-that-must-stay-private")
    out = refused(site, "content/env.md", "/proc/self/environ",
                  "content/env.md: leads outside the site (a symbolic link to /proc/self/environ)")
    assert "key-that-must-stay-private" not in out
    assert not (site / "public/env").exists()


def test_static_link_to_etc_passwd_is_refused(site: Path) -> None:
    refused(site, "static/passwd.txt", "/etc/passwd", "static/passwd.txt: leads outside the site")


def test_content_link_to_etc_passwd_is_refused(site: Path) -> None:
    refused(site, "content/passwd.md", "/etc/passwd", "content/passwd.md: leads outside the site")


def test_template_link_out_of_the_site_is_refused(site: Path) -> None:
    refused(site, "templates/page.html", "/etc/passwd", "templates/page.html: leads outside the site")


def test_linked_theme_folder_out_of_the_site_is_refused(site: Path, tmp_path: Path) -> None:
    elsewhere = write_site(tmp_path / "elsewhere", {"static/leak.txt": "private\n"})
    (site / "shelfpress.toml").write_text(SMALL_CONFIG + 'theme = "linked"\n')
    refused(site, "themes/linked", str(elsewhere), "leads outside the site", "leak.txt")


def test_relative_catalog_linked_out_of_the_site_is_refused(site: Path, tmp_path: Path) -> None:
    (tmp_path / "private.sqlite").write_bytes(b"")
    (site / "shelfpress.toml").write_text(SMALL_CONFIG + '[source]\ncatalog = "data/products.sqlite"\n')
    refused(site, "data/products.sqlite", str(tmp_path / "private.sqlite"),
            "data/products.sqlite: leads outside the site")


def test_dangling_content_link_is_one_line(site: Path) -> None:
    refused(site, "content/gone.md", "missing.md", "content/gone.md: is a broken symbolic link")


def test_links_inside_the_site_keep_working(site: Path) -> None:
    (site / "content/shared.md").symlink_to("index.md")
    (site / "static/copy.txt").symlink_to("robots-note.txt")
    (site / "templates").mkdir()
    (site / "templates/page.html").write_text("linked template {{ page.title }}\n")
    (site / "templates/section.html").symlink_to("page.html")
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    assert (site / "public/shared/index.html").read_text() == "linked template Home\n"
    assert (site / "public/copy.txt").read_text() == "inside\n"


def test_a_file_reached_through_a_linked_folder_is_outside(tmp_path: Path) -> None:
    inside = write_site(tmp_path / "s", {"content/a.md": "x"})
    outside = write_site(tmp_path / "out", {"b.md": "y"})
    (inside / "content/linked").symlink_to(outside)
    files = SiteFiles(inside)
    files.check(inside / "content/a.md")
    with pytest.raises(ContentError, match="content/linked/b.md: leads outside the site"):
        files.check(inside / "content/linked/b.md")
