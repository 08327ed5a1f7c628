"""Resolve the `[revenue]` config (and the secrets it names) into client settings.

The only place in `revenue/` that reads the environment, through
`Config.secret()`, so a missing variable is a ConfigError naming the
variable and never a value. Settings hold secrets with `repr=False`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from generator import __version__
from generator.config.schema import Config
from generator.core.errors import ConfigError
from generator.core.net import DEFAULT_DEADLINE, DEFAULT_MAX_BODY, HTTPClient, RetryPolicy


@dataclass(frozen=True)
class ClientSettings:
    """What every revenue client shares: where, how patient, how persistent."""

    base_url: str
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 0.5
    concurrency: int = 4
    deadline: float = DEFAULT_DEADLINE
    max_body: int = DEFAULT_MAX_BODY

    def http(self, service: str, *, headers: Mapping[str, str], secrets: Iterable[str], **options: Any) -> HTTPClient:
        """The one HTTP layer (`generator.core.net`), configured from these settings."""
        return HTTPClient(service=service, base_url=self.base_url,
                          headers={"User-Agent": f"shelfpress/{__version__}", "Accept": "application/json",
                                   **headers},
                          secrets=secrets, timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
                          retry=RetryPolicy(self.retries, self.backoff), max_in_flight=self.concurrency,
                          deadline=self.deadline, max_body=self.max_body, **options)


@dataclass(frozen=True)
class PartnerSettings(ClientSettings):
    username: str = ""
    password: str = field(default="", repr=False)
    api_key: str = field(default="", repr=False)  # only the deeplink endpoints use it


@dataclass(frozen=True)
class ShopperSettings(ClientSettings):
    token: str = field(default="", repr=False)
    auth_header: str = "Authorization"
    auth_scheme: str = "Bearer"
    page_size: int = 100


def _slash(url: str) -> str:
    return url.rstrip("/") + "/"


def _limits(config: Config) -> dict[str, Any]:
    """How patient every revenue client is: `[source]`'s timeout, retries, request deadline and size cap."""
    source = config.source
    return {"timeout": source.timeout, "retries": source.retries, "deadline": source.request_deadline,
            "max_body": source.max_response_size}


def partner_settings(config: Config, *, with_api_key: bool = False) -> PartnerSettings:
    revenue = config.revenue
    if not revenue.partner_username:
        raise ConfigError("no partner username; set revenue.partner_username to your partner-admin login",
                          file=config.config_file, key="revenue.partner_username")
    base = revenue.partner_base or f"https://{config.source.country}.shopelloapi.com/v3/"
    api_key = config.secret(config.source.api_key_env, "Shopello API key") if with_api_key else ""
    return PartnerSettings(base_url=_slash(base), **_limits(config),
                           username=revenue.partner_username,
                           password=config.secret(revenue.partner_password_env, "Shopello partner password"),
                           api_key=api_key)


def shopper_settings(config: Config) -> ShopperSettings:
    revenue = config.revenue
    if not 1 <= revenue.shopper_page_size <= 100:
        raise ConfigError(f"must be between 1 and 100, got {revenue.shopper_page_size}",
                          file=config.config_file, key="revenue.shopper_page_size")
    return ShopperSettings(base_url=_slash(revenue.shopper_base), **_limits(config),
                           token=config.secret(revenue.shopper_token_env, "Shopper API token"),
                           auth_header=revenue.shopper_auth_header, auth_scheme=revenue.shopper_auth_scheme,
                           page_size=revenue.shopper_page_size)


def ledger_path(config: Config) -> Path:
    return config.site_dir / config.revenue.ledger

