"""The link signer a build uses: SignUri with the page's channel, or plain links.

Without a channel there is nothing to sign. With a channel but no secret in
the environment, links go out unsigned and the build warns once (an error
with --strict): a demo or a fresh clone must still build.
"""

from __future__ import annotations

from functools import lru_cache

from ..config import Config
from ..console import Reporter
from ..links import sign_url
from .views import Signer


def unsigned_warning(config: Config, channel: str) -> str:
    """Why links for `channel` would go out unsigned (the secret is missing), or "" when they would not."""
    if not channel or config.secret(config.links.secret_env, "signing secret", required=False):
        return ""
    return (f"links are not signed: channel {channel!r} is set but the environment variable "
            f"{config.links.secret_env} (the signing secret) is not")


def make_signer(config: Config, reporter: Reporter) -> Signer:
    secret = config.secret(config.links.secret_env, "signing secret", required=False)
    warned: list[bool] = []

    @lru_cache(maxsize=65536)
    def sign(url: str, channel: str) -> str:
        if not channel or not url:
            return url
        if not secret:
            if not warned:
                warned.append(True)
                reporter.warn(unsigned_warning(config, channel))
            return url
        return sign_url(url, secret, {"channel": channel})

    return sign
