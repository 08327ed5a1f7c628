"""Built-in themes and `shelfpress theme list` / `theme eject` (issue 33 §4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.commands.theme import find_themes
from tests.support.sites import run, tree, write_site

ROOT = Path(__file__).resolve().parents[2]
BUILTIN = ROOT / "generator" / "assets" / "themes"


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "mysite"
    ok("new", str(site))
    return site


def test_magazine_ships_in_the_package_and_works_in_a_new_site(site: Path) -> None:
    config = site / "shelfpress.toml"
    config.write_text('theme = "magazine"\n' + config.read_text())  # README's line, at the top level
    ok("check", "-C", str(site), "--strict")
    ok("build", "-C", str(site), "--strict", "-q")
    home = (site / "public" / "index.html").read_text()
    assert 'class="site-header masthead"' in home and "/css/magazine.css" in home
    assert (site / "public" / "css" / "magazine.css").is_file()
    product = next((site / "public" / "p").glob("*/index.html")).read_text()
    assert 'class="site-header masthead"' in product  # the theme's header, the default theme's product page


def test_theme_list_marks_the_selected_theme_and_lists_site_themes(site: Path) -> None:
    write_site(site / "themes" / "mine", {"templates/page.html": "x", "theme.md": "# mine\n\nMy own look. Two.\n"},
               config="")
    (site / "themes" / "mine" / "shelfpress.toml").unlink()
    lines = ok("theme", "list", "-C", str(site)).splitlines()
    assert lines[0].startswith("* default") and "(built in)" in lines[0]
    assert lines[1].startswith("  magazine") and "editorial" in lines[1]
    assert lines[2] == "  mine      (themes/mine/)  My own look"
    listed = ok("theme", "list", "--templates", "-C", str(site))
    assert "      partials/product-card.html" in listed and "      section.html" in listed


def test_eject_copies_templates_and_the_site_renders_with_the_copy(site: Path) -> None:
    out = ok("theme", "eject", "default", "partials/footer.html", "product", "-C", str(site))
    assert "Copied 2 templates into templates/: partials/footer.html, product.html" in out
    footer = site / "templates" / "partials" / "footer.html"
    assert footer.read_bytes() == (BUILTIN / "default" / "templates" / "partials" / "footer.html").read_bytes()
    footer.write_text(footer.read_text().replace("</footer>", "<p>Edited footer</p></footer>"))
    ok("build", "-C", str(site), "--strict", "-q")
    assert "Edited footer" in (site / "public" / "index.html").read_text()


def test_eject_of_a_theme_copies_its_own_templates_and_falls_back_to_default_for_others(site: Path) -> None:
    ok("theme", "eject", "magazine", "-C", str(site))
    own = sorted(p.relative_to(site / "templates").as_posix() for p in (site / "templates").rglob("*.html"))
    assert own == ["partials/header.html", "partials/theme-head.html", "section.html"]
    ok("theme", "eject", "magazine", "base.html", "-C", str(site))  # magazine renders with default's base.html
    assert (site / "templates" / "base.html").read_bytes() == (BUILTIN / "default/templates/base.html").read_bytes()


def test_eject_never_overwrites_without_force_and_copies_nothing_then(site: Path) -> None:
    footer = site / "templates" / "partials" / "footer.html"
    footer.parent.mkdir(parents=True)
    footer.write_text("mine\n")
    before = tree(site)
    result = run("theme", "eject", "default", "product.html", "partials/footer.html", "-C", str(site))
    assert result.exit_code == 1 and "templates/partials/footer.html already exists" in result.output
    assert "--force" in result.output and "Traceback" not in result.output
    assert tree(site) == before  # product.html was not copied either
    ok("theme", "eject", "default", "partials/footer.html", "--force", "-C", str(site))
    assert footer.read_text() != "mine\n"


@pytest.mark.parametrize(("args", "message"), [
    (["magazin"], "theme 'magazin' not found; the themes are default, magazine; did you mean 'magazine'?"),
    (["default", "produkt.html"], "theme 'default' has no template 'produkt.html'"),
    (["default", "../../shelfpress.toml"], "has no template '../../shelfpress.toml'"),
])
def test_unknown_theme_or_template_is_one_line(site: Path, args: list[str], message: str) -> None:
    before = tree(site)
    result = run("theme", "eject", *args, "-C", str(site))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.count("\n") == 1 and message in result.output, result.output
    assert tree(site) == before


def test_eject_outside_a_site_is_one_line(tmp_path: Path) -> None:
    result = run("theme", "eject", "default", "-C", str(tmp_path))
    assert result.exit_code == 1 and "no shelfpress.toml here" in result.output


def test_starter_readme_points_to_real_paths_and_the_eject_command() -> None:
    readme = (ROOT / "generator" / "assets" / "starter" / "templates" / "README.txt").read_text()
    assert "shelfpress theme eject" in readme and "shelfpress/themes/default" not in readme
    names = {name for theme in find_themes(ROOT / "generator" / "assets" / "starter").values() for name in theme.templates()}
    for word in readme.split():
        if word.startswith("templates/") and "<" not in word:
            assert word.removeprefix("templates/") in names, word


def test_eject_refuses_a_site_theme_template_that_links_outside_the_site(site: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the site\n")
    folder = site / "themes" / "mine" / "templates"
    folder.mkdir(parents=True)
    (folder / "page.html").symlink_to(secret)
    result = run("theme", "eject", "mine", "page.html", "-C", str(site))
    assert result.exit_code == 1 and "leads outside the site" in result.output, result.output
    assert not (site / "templates" / "page.html").exists()
