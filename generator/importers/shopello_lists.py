"""The Shopello WordPress plugin's product lists -> shelfpress `listing:` front matter.

The plugin keeps its list definitions in the WordPress option `shopello_list` (`wp option get shopello_list
--format=json`): an object of id -> {name, pagesize, keyword, categories, pricemax, sort, sort_order, color,
filters}; the option itself is a JSON string, so the export may be that string quoted once more. A page
shows a list with `[shopello_products]`/`[shopello_result]` and picks it in the post meta
`_swp_selected_list`; `[shopello_filters]` on the page turns the visitor's filters on.

    pagesize          -> per_page
    keyword (+ color) -> query     (the plugin appends the colour to the search words)
    categories        -> category_id
    pricemax          -> price_max
    sort              -> order_by  (price; name/clicks/popularity have no equivalent: relevance)
    sort_order        -> order

This module maps values; it reads only the lists file and never writes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.core.errors import ConfigError

SORTS = {"price": "price", "reduction": "reduction_percent", "reduction_percent": "reduction_percent",
         "relevance": "relevance"}


def load_lists(path: Path) -> dict[str, dict[str, Any]]:
    """id -> list definition, from the JSON `wp option get shopello_list --format=json` prints."""
    try:
        data: Any = json.loads(path.read_bytes().decode("utf-8"))
        if isinstance(data, str):  # the option is stored as a JSON string
            data = json.loads(data)
    except OSError as exc:
        raise ConfigError(f"cannot be read ({exc.strerror}); check the --shopello-lists path", file=path) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"is not JSON ({exc}); export it with `wp option get shopello_list --format=json`",
                          file=path) from None
    if isinstance(data, list):
        data = {str(i): v for i, v in enumerate(data)}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ConfigError("expected an object of list id -> {name, pagesize, keyword, ...} as "
                          "`wp option get shopello_list --format=json` prints it", file=path)
    return {str(k): v for k, v in data.items()}


def _ids(value: Any) -> list[int]:
    items = value.values() if isinstance(value, Mapping) else value if isinstance(value, list) else \
        str(value or "").split(",")
    out = []
    for item in items:
        try:
            number = int(str(item).strip())
        except ValueError:
            continue
        if number > 0:
            out.append(number)
    return sorted(set(out))


def listing_from_list(definition: Mapping[str, Any], filters: bool, warnings: list[str]) -> dict[str, Any]:
    """The `listing:` front matter of one plugin list definition."""
    listing: dict[str, Any] = {}
    words = " ".join(str(definition.get(k) or "").strip() for k in ("keyword", "color")).strip()
    if words:
        listing["query"] = words
    categories = _ids(definition.get("categories"))
    if categories:
        listing["category_id"] = ",".join(str(c) for c in categories)
    try:
        price_max = int(float(definition.get("pricemax") or 0))
    except (TypeError, ValueError):
        price_max = 0
    if price_max > 0:
        listing["price_max"] = price_max
    sort = str(definition.get("sort") or "").strip().lower()
    if sort in SORTS:
        listing["order_by"] = SORTS[sort]
    elif sort:
        warnings.append(f"sorting by {sort!r} has no equivalent; the listing is sorted by relevance")
    order = str(definition.get("sort_order") or "").strip().upper()
    if order in ("ASC", "DESC") and "order_by" in listing:
        listing["order"] = order
    try:
        per_page = int(definition.get("pagesize") or 0)
    except (TypeError, ValueError):
        per_page = 0
    if per_page > 0:
        listing["per_page"] = per_page
    listing["filters"] = filters
    return listing


def listing_from_page(shortcodes: Mapping[str, Mapping[str, str]], title: str) -> dict[str, Any]:
    """Without the lists file: what the page's own shortcodes say (their attributes), else its title."""
    attrs: dict[str, str] = {}
    for name in ("shopello_products", "shopello_result", "shopello_search", "shopello_filters"):
        attrs.update(shortcodes.get(name, {}))
    definition = {"keyword": attrs.get("keyword") or attrs.get("query") or title, "color": attrs.get("color"),
                  "categories": attrs.get("categories") or attrs.get("category_id"),
                  "pricemax": attrs.get("pricemax"), "sort": attrs.get("sort"),
                  "sort_order": attrs.get("sort_order"), "pagesize": attrs.get("pagesize")}
    return listing_from_list(definition, "shopello_filters" in shortcodes, [])
