"""Channels that mirror the site: one Shopello channel per section and per widget.

A *place* is where a signed link can appear: `home` (the home page and the
top-level pages), `section:<name>` (a top-level content folder) and
`widget:<name>` (a `[widgets.<name>]` table; its `url` key, absolute or
site-relative, else `widgets/<name>/`). Each place gets a channel whose name
is "<site title> / <place title>" and whose uri is the page URL.

`sync_actions()` compares the places with the remote channels and the channel map
and says what to do (create, update, adopt a remote channel with the same
uri, keep; channels of places that are gone are reported, never deleted:
their statistics would go with them). `apply()` carries the actions out. The
channel map itself (place -> channel id, the file the build reads) belongs
to the site layer: `generator.config.channelmap`.

Must not: print or sign links.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

from generator.config.channelmap import section_key, widget_key, write_channel_map
from generator.config.schema import Config
from generator.content.site import Site
from generator.affiliate.revenue.models import Channel
from generator.affiliate.revenue.partner import PartnerClient


@dataclass(frozen=True)
class Place:
    key: str
    name: str
    uri: str


@dataclass(frozen=True)
class ChannelAction:
    """What `apply()` does for one place: create, update, adopt, keep or orphan (report only)."""

    action: str
    place: Place
    channel_id: str = ""

    def describe(self) -> str:
        target = f"channel {self.channel_id}" if self.channel_id else "new channel"
        return f"{self.action:<7} {self.place.key:<24} {target:<16} {self.place.name} <{self.place.uri}>"


def site_places(config: Config, site: Site) -> list[Place]:
    """Home, then every top-level section, then every configured widget."""
    places = [Place("home", config.title, config.base_url)]
    for page in sorted((p for p in site.pages if p.kind == "section" and p.url.count("/") == 2),
                       key=lambda p: p.url):
        places.append(Place(section_key(page.section), f"{config.title} / {page.title}",
                            urljoin(config.base_url, page.url.lstrip("/"))))
    for name, table in sorted(config.widgets.items()):
        url = str(table.get("url") or f"widgets/{name}/") if isinstance(table, Mapping) else f"widgets/{name}/"
        places.append(Place(widget_key(name), f"{config.title} / widget {name}",
                            urljoin(config.base_url, url.lstrip("/") if "://" not in url else url)))
    return places


def sync_actions(places: Iterable[Place], remote: Iterable[Channel], state: Mapping[str, str]) -> list[ChannelAction]:
    by_id = {c.channel_id: c for c in remote}
    by_uri = {c.uri: c for c in by_id.values() if c.uri}
    actions: list[ChannelAction] = []
    wanted = list(places)
    for place in wanted:
        known = by_id.get(state.get(place.key, ""))
        if known is None and place.uri in by_uri:
            known = by_uri[place.uri]
            action = "adopt"
        elif known is None:
            actions.append(ChannelAction("create", place))
            continue
        else:
            action = "keep" if (known.name, known.uri) == (place.name, place.uri) else "update"
        actions.append(ChannelAction(action, place, known.channel_id))
    keys = {p.key for p in wanted}
    actions.extend(ChannelAction("orphan", Place(key, "(no longer on the site)", ""), channel_id)
                   for key, channel_id in sorted(state.items()) if key not in keys)
    return actions


async def apply(client: PartnerClient, actions: Iterable[ChannelAction]) -> dict[str, str]:
    """Carry out the actions; returns the new state (place -> channel id), orphans included."""
    state: dict[str, str] = {}
    for step in actions:
        channel_id = step.channel_id
        if step.action == "create":
            channel_id = await client.create_channel(step.place.name, step.place.uri)
        elif step.action in ("update", "adopt"):
            await client.update_channel(channel_id, name=step.place.name, uri=step.place.uri)
        state[step.place.key] = channel_id
    return state


def write_state(path: Path, state: Mapping[str, str], places: Iterable[Place]) -> None:
    """Record the new channel map, with each place's name and uri."""
    write_channel_map(path, state, {p.key: (p.name, p.uri) for p in places})
