"""Whether a site's click links would go out unsigned, for `deploy` to refuse before publishing.

A build without the signing secret still succeeds (a demo or a fresh clone
must build) and warns once, from the signer, when it first signs a link. That
warning is no test for a deploy: an incremental build signs only the pages it
renders, so a build that carried the rest over may not warn at all. This
module answers from the inputs instead: the secret is missing and some page,
section, channel map or widget names a channel. Unsigned links lose the
commission on every click, so `deploy` refuses them unless `--allow-unsigned`.

It reads content only when the secret is missing; it never renders or fetches.
"""

from __future__ import annotations

from generator.config.schema import Config
from generator.core.errors import DeployError, ShelfpressError
from generator.products.query_plan import channel_for
from generator.affiliate.signing import unsigned_warning
from generator.content.site import load_site
from generator.products.widgets import widget_specs


def site_channels(config: Config, *, drafts: bool = False) -> set[str]:
    """Every channel the site's links are signed with (pages, their sections, the channel map, widgets)."""
    site = load_site(config, drafts=drafts)
    channels = {config.links.channel} | {channel_for(page, site) for page in site.content_pages}
    try:
        channels |= {spec.channel for spec in widget_specs(config, site.content_pages)}
    except ShelfpressError:
        pass  # a broken widget spec is the build's error to report, with its file and line
    return channels


def refuse_unsigned(config: Config) -> None:
    """Raise DeployError when links would be published unsigned; see the module docstring."""
    if config.secret(config.links.secret_env, "signing secret", required=False):
        return
    reason = next(filter(None, (unsigned_warning(config, channel) for channel in sorted(site_channels(config)))), "")
    if reason:
        raise DeployError(f"refusing to publish: {reason}, so every click would lose its commission; set "
                          f"{config.links.secret_env}, or pass --allow-unsigned to publish unsigned links")
