"""The shrink guard: a build never replaces a shop with an empty or much smaller one unasked.

An API that answers 200 with no products, a catalog file emptied by a failed
import, a wrong key or channel: each builds a valid site with no (or few)
products, and a scheduled rebuild would publish it. So a build compares the
products it would publish with the ones the live site has (recorded by the
last committed build in its build state, which a CI cache carries between
runs) and stops before writing anything when it would publish none where the
live site has some, or drop more than `[build] max_shrink` of them. The
build's caller lifts the guard with `--allow-shrink`.

This module only decides; the build calls it after the product stage, before
the output writer exists, so the live site is untouched when it fails.
"""

from __future__ import annotations

from generator.config.schema import Config
from generator.core.errors import BuildError


class ShrinkError(BuildError):
    """The build would drop too many of the live site's products."""


def check_shrink(config: Config, *, live: int | None, now: int) -> None:
    """Raise ShrinkError when `now` products would replace the `live` ones (None: no earlier build known)."""
    if not live or now >= live:
        return
    limit = config.build.max_shrink
    if now and (live - now) <= live * limit:
        return
    cause = f"likely cause: {_cause(config, empty=not now)}; the live site is untouched"
    if not now:
        raise ShrinkError(f"this build would publish no products where the live site has {live:,}; {cause}. Check "
                          "the product data, or pass --allow-shrink if the shop really is empty now")
    raise ShrinkError(f"this build would publish {now:,} products where the live site has {live:,}, "
                      f"{(live - now) / live:.0%} fewer, more than [build] max_shrink = {limit:g} allows; {cause}. "
                      "Check the product data, or pass --allow-shrink (or raise max_shrink) if the shop really shrank")


def _cause(config: Config, *, empty: bool) -> str:
    source = config.source
    if source.kind == "shopello":
        answer = "no products" if empty else "far fewer products"
        return (f"the Shopello API answered {answer} (check {source.api_key_env}, the channel, the queries "
                "and the API's status)")
    name = source.catalog or "the demo catalog"
    state = "is empty" if empty else "lost products"
    return f"the catalog {name} {state} (a failed or partial import?), or listings were removed from content/"
