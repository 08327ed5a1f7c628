"""Widget definitions: `[widgets.<name>]` in shelfpress.toml or `widgets:` in front matter.

    [widgets.taklampor]
    query = "taklampa"          # any ProductQuery parameter
    count = 4                   # products shown
    layout = "grid"             # grid | carousel | list
    columns = 4
    colors = { accent = "#b4451f", text = "#222", background = "#fff" }
    channel = "12345"           # signs its links (default: its widget:<name> channel from `channels sync`,
                                #   else [links] channel)
    context = true              # rank by the host page's ?q= or first <h1>
    pool = 200                  # context widgets: products in the static index

Every value is validated here, before any request; a config problem is a
ConfigError naming `widgets.<name>.<key>`, a content one a ContentError
naming the file. Colours must be plain CSS colours (they end up in a style
sheet), names are slugs (they end up in URLs and selectors). This module
does not fetch or render.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.core import validators
from generator.config.channelmap import load_channel_map
from generator.config.schema import Config
from generator.content.page import Page, front_matter_error
from generator.core.errors import ConfigError, ContentError, QueryError
from generator.sources.query import ProductQuery

LAYOUTS = ("grid", "carousel", "list")
COLOR_KEYS = ("accent", "text", "background")
WIDGET_KEYS = ("count", "layout", "columns", "colors", "channel", "context", "pool", "title")
# (type, default, description) of each widget key, for `generator/commands/docs_reference.py` (whose test fails when a
# key above has no entry). Every other key of a widget is a product query parameter.
WIDGET_KEY_DOCS: dict[str, tuple[str, str, str]] = {
    "count": ("int 1-48", "4", "Products shown."),
    "layout": ("`grid` | `carousel` | `list`", "grid", "How the products are laid out."),
    "columns": ("int 1-6", "4", "Columns of the grid or carousel."),
    "colors": ("table", "{}", "`accent`, `text` and `background` as CSS colours: "
               "`{ accent = \"#b4451f\", text = \"#222\" }`."),
    "channel": ("string", "`[links] channel`", "The Shopello channel signed into this widget's links, so its "
                "clicks are counted apart."),
    "context": ("bool", "false", "`true`: rank the products by the host page's `?q=` or first `<h1>` (in the "
                "browser, from a static index of `pool` products), falling back to the widget's own query."),
    "pool": ("int count-1000", "200", "Context widgets: how many products (the query's filters, no search "
             "words) the browser ranks."),
    "title": ("string", '""', "A heading shown above the products."),
}
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}")


class WidgetError(ValueError):
    """One invalid widget key; the caller turns it into a Config- or ContentError."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class WidgetSpec:
    name: str
    query: ProductQuery
    count: int = 4
    layout: str = "grid"
    columns: int = 4
    colors: Mapping[str, str] = field(default_factory=dict)
    channel: str = ""
    context: bool = False
    pool: int = 200
    title: str = ""

    @property
    def pool_query(self) -> ProductQuery:
        """Context widgets: the products the browser ranks, which are the widget's own query results
        (its search words and filters), only more of them; the host page's words re-rank these."""
        return self.query.replace(limit=self.pool, offset=0)


def _whole(key: str, value: Any, low: int, high: int) -> int:
    try:
        return validators.whole_number(value, minimum=low, maximum=high)
    except ValueError as exc:
        raise WidgetError(key, str(exc)) from None


def _colors(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise WidgetError("colors", f"expected a table like {{ accent = \"#b4451f\" }}, got {value!r}")
    out = {}
    for key, color in value.items():
        if key not in COLOR_KEYS:
            raise WidgetError(f"colors.{key}", f"unknown colour; use {', '.join(COLOR_KEYS)}")
        if not isinstance(color, str) or not _COLOR.fullmatch(color):
            raise WidgetError(f"colors.{key}", f"expected a colour like \"#b4451f\" or \"navy\", got {color!r}")
        out[key] = color
    return dict(sorted(out.items()))


def parse_widget(name: str, raw: Any, default_channel: str) -> WidgetSpec:
    """One widget from its raw table; raises WidgetError naming the bad key."""
    if not _NAME.fullmatch(name):
        raise WidgetError("", "widget names are lowercase slugs (a-z, 0-9, -), at most 40 characters")
    if not isinstance(raw, Mapping):
        raise WidgetError("", f"expected a table of widget settings, got {raw!r}")
    layout = raw.get("layout", "grid")
    try:
        validators.choice(layout, LAYOUTS)
    except ValueError as exc:
        raise WidgetError("layout", str(exc)) from None
    count = _whole("count", raw.get("count", 4), 1, 48)
    context = raw.get("context", False)
    if not isinstance(context, bool):
        raise WidgetError("context", f"expected true or false, got {context!r}")
    for key in ("channel", "title"):
        if not isinstance(raw.get(key, ""), (str, int)) or isinstance(raw.get(key), bool):
            raise WidgetError(key, f"expected a string, got {raw[key]!r}")
    params = {k: v for k, v in raw.items() if k not in WIDGET_KEYS}
    try:
        query = ProductQuery.from_params({**params, "limit": count}, siblings=WIDGET_KEYS)
    except QueryError as exc:
        raise WidgetError(exc.parameter or "", exc.bare_message) from None
    return WidgetSpec(name=name, query=query, count=count, layout=layout,
                      columns=_whole("columns", raw.get("columns", 4), 1, 6),
                      colors=_colors(raw.get("colors", {})), channel=str(raw.get("channel") or default_channel),
                      context=context, pool=_whole("pool", raw.get("pool", 200), count, 1000),
                      title=str(raw.get("title", "")))


def _config_widgets(config: Config) -> list[WidgetSpec]:
    specs, problems = [], []
    channels = load_channel_map(config)  # the widget's own `widget:<name>` channel, once `channels sync` made it
    for name, raw in config.widgets.items():
        try:
            specs.append(parse_widget(name, raw, channels.for_widget(name, config.links.channel)))
        except WidgetError as exc:
            key = ".".join(part for part in ("widgets", name, exc.key) if part)
            problems.append(config.error(key, str(exc)).format_message())
    if problems:
        raise ConfigError("\n".join(problems))
    return specs


def _page_widgets(page: Page, config: Config) -> list[WidgetSpec]:
    raw = page.front.get("widgets")
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        raise front_matter_error(page, config.site_dir, ("widgets",), "must map widget names to their settings")
    specs = []
    for name, settings in raw.items():
        try:
            specs.append(parse_widget(str(name), settings, config.links.channel))
        except WidgetError as exc:
            key = [part for part in ("widgets", str(name), *exc.key.split(".")) if part]
            raise front_matter_error(page, config.site_dir, key, str(exc)) from None
    return specs


def widget_specs(config: Config, pages: list[Page]) -> list[WidgetSpec]:
    """Every widget of the site, config first; a name defined twice is an error."""
    specs = _config_widgets(config)
    owners = {spec.name: str(config.config_file) for spec in specs}
    for page in pages:
        for spec in _page_widgets(page, config):
            if spec.name in owners:
                raise ContentError(f"widget {spec.name!r} is already defined in {owners[spec.name]}; rename one",
                                   file=page.source)
            owners[spec.name] = str(page.source)
            specs.append(spec)
    return sorted(specs, key=lambda s: s.name)
