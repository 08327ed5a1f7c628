"""The channel map: which Shopello channel signs the links of each place of the site.

A *place* is `home` (the home page and top-level pages), `section:<name>`
(a top-level content folder) or `widget:<name>` (a `[widgets.<name>]`
table). `shelfpress channels sync` (generator.affiliate.revenue.channels) writes the
map to `revenue.channels_file`; the build reads it here, read-only, when it
signs links of pages (products/query_plan.py) and widgets (widgets/spec.py).

File format (JSON)::

    {"version": 1, "channels": {"section:guider": {"id": "55", "name": "...", "uri": "..."}, ...}}

Must not: talk to the partner API, print, or know how places are chosen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from generator.core.atomic import atomic_write
from generator.config.schema import Config
from generator.core.errors import ConfigError

FORMAT_VERSION = 1


def section_key(section: str) -> str:
    """The place key of links on a page of `section` (Page.section; "" is the top level)."""
    return f"section:{section}" if section else "home"


def widget_key(name: str) -> str:
    return f"widget:{name}"


class ChannelMap(Mapping[str, str]):
    """Place key -> channel id, read-only. Empty before the first `channels sync`."""

    def __init__(self, channels: Mapping[str, str] | None = None) -> None:
        self._channels = dict(channels or {})

    def __getitem__(self, key: str) -> str:
        return self._channels[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._channels)

    def __len__(self) -> int:
        return len(self._channels)

    def __repr__(self) -> str:
        return f"ChannelMap({self._channels!r})"

    def for_section(self, section: str, default: str) -> str:
        return self._channels.get(section_key(section)) or default

    def for_widget(self, name: str, default: str) -> str:
        return self._channels.get(widget_key(name)) or default


def channel_map_path(config: Config) -> Path:
    return config.site_dir / config.revenue.channels_file


def read_channel_map(path: Path) -> ChannelMap:
    """The map in `path`; empty when there is no file, a ConfigError naming the file when it is unreadable."""
    if not path.exists():
        return ChannelMap()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ChannelMap({str(key): str(value["id"]) for key, value in data["channels"].items()})
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ConfigError("is not a channels state file; run `shelfpress channels sync` to rewrite it",
                          file=path) from None


def load_channel_map(config: Config) -> ChannelMap:
    """The site's channel map (see the module docstring)."""
    return read_channel_map(channel_map_path(config))


def write_channel_map(path: Path, channels: Mapping[str, str], places: Mapping[str, tuple[str, str]]) -> None:
    """Atomically record place -> {id, name, uri}; `places` gives the (name, uri) of each place still on the
    site (a place that is gone keeps its id with an empty name and uri)."""
    entries = {key: {"id": channel_id, "name": places.get(key, ("", ""))[0], "uri": places.get(key, ("", ""))[1]}
               for key, channel_id in sorted(channels.items())}
    atomic_write(path, json.dumps({"version": FORMAT_VERSION, "channels": entries}, indent=2) + "\n")
