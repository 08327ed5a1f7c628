"""One post or page of the export -> the text of its content file (YAML front matter + Markdown).

    title, date, slug, draft (anything not published), description (the excerpt), author, categories,
    tags, weight (menu order), image (the featured image), aliases (old permalinks), listing (a Shopello
    plugin page), wordpress_id

This module formats; where the file goes is `placement.py`'s, what gets written is `manifest.py`'s.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.importers.html_markdown import to_markdown
from generator.importers.placement import Entry
from generator.importers.shopello_lists import listing_from_list, listing_from_page
from generator.importers.wp_shortcodes import Attachment, ShortcodeContext
from generator.importers.wxr import WxrItem

# libyaml's emitter: a third of the time per post with the pure-Python one; same output.
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_SLUG_OK = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


@dataclass
class PageInputs:
    """What converting any one item needs from the whole export."""

    attachments: Mapping[int, Attachment]
    children: Mapping[int, list[int]]
    authors: Mapping[str, str]
    aliases: Mapping[int, list[str]]
    rewrite: Callable[[str], str]
    lists: Mapping[str, Mapping[str, Any]] | None = None


@dataclass
class PageFile:
    text: str
    unknown_shortcodes: list[str] = field(default_factory=list)
    listing: bool = False
    notes: list[str] = field(default_factory=list)  # what the owner should check


def _date(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(value.strip()) if value and not value.startswith("0000") else None
    except ValueError:
        return None


def plain(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _listing(item: WxrItem, found: Mapping[str, Mapping[str, str]], inputs: PageInputs,
             notes: list[str]) -> dict[str, Any]:
    filters = "shopello_filters" in found
    chosen = item.meta.get("_swp_selected_list", "").strip()
    if inputs.lists is not None and chosen in inputs.lists:
        warnings: list[str] = []
        listing = listing_from_list(inputs.lists[chosen], filters, warnings)
        notes += [f"Shopello list {chosen}: {w}" for w in warnings]
        return listing
    why = (f"Shopello list {chosen or '(none selected)'} is not in --shopello-lists" if inputs.lists is not None
           else "no --shopello-lists given")
    notes.append(f"{why}: its product listing was made from the page itself; check `listing:`")
    return listing_from_page(found, item.title)


def page_file(item: WxrItem, entry: Entry, inputs: PageInputs) -> PageFile:
    context = ShortcodeContext(item.post_id, inputs.attachments, inputs.children,
                               lambda url: inputs.rewrite(url))
    body = to_markdown(item.content, context, inputs.rewrite)
    notes: list[str] = []
    front: dict[str, Any] = {"title": item.title or entry.slug}  # names come unescaped from the reader
    date = _date(item.date)
    if date is not None:
        front["date"] = date
    if _SLUG_OK.fullmatch(entry.segments[-1]):
        front["slug"] = entry.segments[-1]
    if item.status != "publish" or item.password:
        front["draft"] = True
    if item.password:
        notes.append("was password-protected in WordPress: imported as a draft")
    excerpt = plain(item.excerpt)
    if excerpt:
        front["description"] = excerpt
    author = inputs.authors.get(item.creator, item.creator)
    if author:
        front["author"] = author
    for key, values in (("categories", item.categories), ("tags", item.tags)):
        if values:
            front[key] = list(dict.fromkeys(values))
    if item.post_type == "page" and item.menu_order:
        front["weight"] = item.menu_order
    thumbnail_id = item.meta.get("_thumbnail_id", "").strip()
    thumbnail = inputs.attachments.get(int(thumbnail_id)) if thumbnail_id.isdigit() else None
    if thumbnail is not None:
        front["image"] = inputs.rewrite(thumbnail.url)
    if inputs.aliases.get(item.post_id):
        front["aliases"] = list(inputs.aliases[item.post_id])
    if context.shopello:
        front["listing"] = _listing(item, context.shopello, inputs, notes)
    front["wordpress_id"] = item.post_id
    head = yaml.dump(front, Dumper=_YAML_DUMPER, allow_unicode=True, sort_keys=False, default_flow_style=False,
                     width=1000)
    return PageFile(f"---\n{head}---\n\n{body}", list(context.unknown), bool(context.shopello), notes)
