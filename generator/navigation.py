"""Menus a theme shows on every page, computed once per site (not once per page).

`category_menu(site)`: the top-level categories that have a page, in
catalog order, for the header's category menu. Themes call it as
`category_menu(site)`; it reads the category tree the product stage keeps in
`site.data["categories"]` and never renders anything.
`page_url(site, url)`: `url` if a page exists there (a product's store and brand
pages may not), else "".
"""

from __future__ import annotations

from typing import Any

_MENUS: dict[int, tuple[Any, list[Any]]] = {}


def category_menu(site: Any, limit: int = 8) -> list[Any]:
    """The top categories with a page (at most `limit`), in the category tree's order."""
    hit = _MENUS.get(id(site))
    if hit is not None and hit[0] is site:
        return hit[1][:limit]
    index = site.data.get("categories") or {}
    # A category is on top when it has a page and its parent has none (the roots, unless [categories] roots
    # starts lower in the tree).
    roots = [c for c in index.values() if c.url in site.by_url
             and (c.parent_id is None or c.parent_id not in index or index[c.parent_id].url not in site.by_url)]
    _MENUS.clear()
    _MENUS[id(site)] = (site, roots)
    return roots[:limit]


def page_url(site: Any, url: str) -> str:
    """`url` when the site has a page there, else "" (for links to optional pages: store, brand)."""
    return url if url in site.by_url else ""
