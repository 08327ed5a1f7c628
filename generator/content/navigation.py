"""Menus a theme shows on every page.

`category_menu(site, limit)`: the top-level categories that have a page, in
catalog order, for the header's category menu. The product stage puts them in
`site.data["category_menu"]` (taxonomy.top_categories), which every page's
fingerprint covers, so a category page that appears or goes away re-renders
the pages that show the menu.
"""

from __future__ import annotations

from typing import Any


def category_menu(site: Any, limit: int = 8) -> list[Any]:
    """The top categories with a page (at most `limit`)."""
    return list(site.data.get("category_menu") or [])[:limit]
