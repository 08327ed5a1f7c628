"""`shelfpress check`: validate config and every page without writing output."""

from __future__ import annotations

from ..config import Config
from ..pages import PageRenderer
from ..render import check_theme, make_environment
from ..reporting import Reporter
from ..site import load_site


def check_site(config: Config, *, drafts: bool = False, reporter: Reporter | None = None) -> int:
    """Return the number of pages checked; raise the first error found."""
    check_theme(config)
    site = load_site(config, drafts=drafts)
    renderer = PageRenderer(site, make_environment(config))
    for page in site.pages:
        renderer.check(page)
    return len(site.pages)
