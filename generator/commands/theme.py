"""`shelfpress theme list` and `shelfpress theme eject NAME [TEMPLATE...]`: the themes a site can use, and
copies of a theme's templates in the site's templates/ to edit.

A theme is a folder with templates/ (and static/): built into the package (`default`, `magazine`) or the
site's own in themes/NAME/ (which wins over a built-in one of the same name). A theme other than `default`
needs only the templates it changes; the rest come from `default`, so ejecting a template from it copies
the one it renders with. Ejecting never overwrites a file in templates/ unless told to (`force`), and checks
every name before copying anything: a failed eject leaves the site as it was.

The click options are in cli.py; this module owns finding themes and copying their templates.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from generator.core.containment import BUILTIN_THEMES, SiteFiles
from generator.core.errors import Abort, did_you_mean

DEFAULT_THEME = "default"
DESCRIPTION_FILE = "theme.md"


@dataclass(frozen=True)
class Theme:
    """One theme: where it lives and the line that says what it is."""

    name: str
    folder: Path
    builtin: bool

    @property
    def description(self) -> str:
        """The first sentence of its theme.md ("" without one)."""
        path = self.folder / DESCRIPTION_FILE
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        paragraph: list[str] = []
        for line in (line.strip() for line in lines if not line.startswith("#")):
            if not line and paragraph:
                break
            paragraph += [line] if line else []
        return " ".join(paragraph).split(". ")[0].rstrip(".")

    def templates(self) -> list[str]:
        """The theme's own template names (`partials/header.html`), sorted."""
        folder = self.folder / "templates"
        return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def find_themes(site_dir: Path) -> dict[str, Theme]:
    """Every theme the site can select, by name: the site's own themes/ win over built-in ones."""
    found: dict[str, Theme] = {}
    for root, builtin in ((BUILTIN_THEMES, True), (site_dir / "themes", False)):
        if root.is_dir():
            for folder in sorted(root.iterdir()):
                if (folder / "templates").is_dir():
                    found[folder.name] = Theme(folder.name, folder, builtin)
    return dict(sorted(found.items()))


def _theme(site_dir: Path, name: str) -> Theme:
    themes = find_themes(site_dir)
    if name not in themes:
        raise Abort(f"theme {name!r} not found; the themes are {', '.join(themes)}{did_you_mean(name, themes)}")
    return themes[name]


def _resolve(name: str, chain: list[Theme]) -> tuple[str, Path]:
    """A template name as given (`product.html`, `product`, `header.html`) -> its name and file in the chain."""
    known = {template: theme for theme in reversed(chain) for template in theme.templates()}
    wanted = name.replace("\\", "/").strip("/").removeprefix("templates/")
    candidates = [wanted, wanted + ".html"]
    by_base = [template for template in known if template.rsplit("/", 1)[-1] in candidates]
    match = next((c for c in candidates if c in known), by_base[0] if len(by_base) == 1 else None)
    if match is None:
        hint = did_you_mean(wanted, known) or did_you_mean(wanted, {t.rsplit("/", 1)[-1]: t for t in known})
        raise Abort(f"theme {chain[0].name!r} has no template {name!r} (`shelfpress theme list --templates` "
                    f"names them){hint}")
    return match, known[match].folder / "templates" / match


def eject(site_dir: Path, name: str, templates: tuple[str, ...] = (), *, force: bool = False) -> list[str]:
    """Copy `templates` (default: every template theme `name` has itself) into site_dir/templates/.
    Return the names copied; raise Abort, copying nothing, for an unknown name or a file already there."""
    if not (site_dir / "shelfpress.toml").is_file():
        raise Abort(f"{site_dir}: no shelfpress.toml here; run this in a site folder or pass -C SITE")
    theme = _theme(site_dir, name)
    chain = [theme] if name == DEFAULT_THEME else [theme, _theme(site_dir, DEFAULT_THEME)]
    wanted = templates or tuple(theme.templates())
    pairs = dict(_resolve(template, chain) for template in wanted)
    files = SiteFiles(site_dir)
    for source in pairs.values():
        files.check(source)  # a site theme's link to /etc/passwd is not copied into templates/
    existing = [rel for rel in pairs if (site_dir / "templates" / rel).exists()]
    if existing and not force:
        raise Abort(f"templates/{existing[0]} already exists"
                    f"{f' (and {len(existing) - 1} more)' if len(existing) > 1 else ''}; edit it, or pass "
                    "--force to replace it with the theme's")
    for rel, source in pairs.items():
        target = site_dir / "templates" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return list(pairs)


def selected_theme(site_dir: Path) -> str | None:
    """The theme shelfpress.toml selects, None outside a site (or with a config that does not load)."""
    if not (site_dir / "shelfpress.toml").is_file():
        return None
    from generator.config.schema import load_config
    from generator.core.errors import ShelfpressError

    try:
        return load_config(site_dir).theme
    except ShelfpressError:
        return None


def theme_lines(site_dir: Path, *, templates: bool = False) -> list[str]:
    """What `theme list` prints: one line per theme (and, with `templates`, its template names)."""
    themes = find_themes(site_dir)
    current = selected_theme(site_dir)
    width = max(len(name) for name in themes)
    lines = []
    for theme in themes.values():
        where = "built in" if theme.builtin else f"themes/{theme.name}/"
        mark = "*" if theme.name == current else " "
        lines.append(f"{mark} {theme.name:<{width}}  ({where})  {theme.description}".rstrip())
        if templates:
            lines += [f"      {template}" for template in theme.templates()]
    return lines
