"""The theme chain: which folders a site's templates and static files come from, highest precedence first.

The site's own templates/, then themes/<theme>/ in the site, then the built-in theme of that name, then
the built-in default theme: a theme only needs the files it changes. Owns the order; reads no file.
"""

from __future__ import annotations

from pathlib import Path

from generator.assets import THEMES as BUILTIN_THEMES
from generator.config.schema import Config
from generator.core.errors import ConfigError


def theme_dirs(config: Config, sub: str) -> list[Path]:
    """Existing `sub` (templates or static) folders of the theme chain, highest precedence first."""
    candidates = [
        config.site_dir / sub if sub == "templates" else None,
        config.site_dir / "themes" / config.theme / sub,
        BUILTIN_THEMES / config.theme / sub,
        BUILTIN_THEMES / "default" / sub,
    ]
    seen: list[Path] = []
    for path in candidates:
        if path is not None and path.is_dir() and path.resolve() not in seen:
            seen.append(path.resolve())
    return seen


def check_theme(config: Config) -> None:
    known = (config.site_dir / "themes" / config.theme).is_dir() or (BUILTIN_THEMES / config.theme).is_dir()
    if not known:
        raise ConfigError(f"theme {config.theme!r} not found in themes/ or the built-in themes; "
                          f"use \"default\" or add themes/{config.theme}/", file=config.config_file, key="theme")
