"""PartnerClient: the Shopello partner API (v3) — revenue, channels, consumer
secret, store status log, deeplink stores and the deeplink generator.

Authentication is HTTP Basic with the partner-admin username and password;
the deeplink endpoints also send the API key (`X-API-KEY`) when the settings
carry one. Every path ends with `/`, as the seed writes them. Retries,
timeouts, typed errors and redaction of the password and key come from
`generator.core.net`; response shapes are parsed tolerantly by `models.py`
(see its docstring for what is expected).

Must not: read config or the environment (settings.py does), print, or
touch the ledger. Use inside one event loop, then `aclose()` (or `async with`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from generator.core.net import DecodeError
from generator.sources.models import PayloadError
from generator.affiliate.revenue.models import Channel, DeeplinkStore, StoreStatus, TrafficRow, items
from generator.affiliate.revenue.periods import Span, span_path
from generator.affiliate.revenue.settings import PartnerSettings

T = TypeVar("T")
SERVICE = "Shopello partner API"
DEEPLINK_PAGE = 50


class PartnerClient:
    """The v3 endpoints as async methods returning parsed records."""

    def __init__(self, settings: PartnerSettings) -> None:
        self.settings = settings
        self._api_key_header = {"X-API-KEY": settings.api_key} if settings.api_key else {}
        self._http = settings.http(
            SERVICE, headers={}, secrets=[settings.password, settings.api_key],
            auth=httpx.BasicAuth(settings.username, settings.password),
            auth_hint="check revenue.partner_username and the partner password")

    async def __aenter__(self) -> PartnerClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, parse: Callable[[Any], T], *,
                    data: Mapping[str, Any] | None = None, with_key: bool = False) -> T:
        """One request; the envelope is unwrapped and `parse` gets the payload."""
        endpoint = path.rstrip("/") or "/"
        body = await self._http.request_json(method, path, data=data, endpoint=endpoint,
                                             headers=self._api_key_header if with_key else None)
        where = {"service": SERVICE, "endpoint": endpoint}
        if isinstance(body, Mapping) and body.get("status") is False:
            reason = self._http.redact(str(body.get("error") or body.get("message") or "no reason given"))
            raise DecodeError(f"the API answered status:false: {reason[:200]}", **where)
        payload = body.get("data", body) if isinstance(body, Mapping) and "data" in body else body
        try:
            return parse(payload)
        except PayloadError as exc:
            raise DecodeError(f"unexpected response shape: {self._http.redact(str(exc))}", **where) from None

    # -- revenue -----------------------------------------------------------------

    async def consumer_revenue(self, span: Span) -> list[TrafficRow]:
        """Clicks and revenue of the whole account (span: a Period or a named range)."""
        return await self._call("GET", f"consumer/revenue/{span_path(span)}", _traffic(("store_id",)))

    async def store_revenue(self, span: Span, store_id: str | int = "all") -> list[TrafficRow]:
        """Clicks and revenue of one store, or of every store with clicks (`all`)."""
        return await self._call("GET", f"consumer/revenue/store/{store_id}/{span_path(span)}",
                                _traffic(("store_id",)))

    async def channel_revenue(self, span: Span, channel_id: str | int = "all") -> list[TrafficRow]:
        """Clicks and revenue of one channel, or of every channel (`all`). The seed documents
        named ranges for the consumer endpoints only; the API may refuse them here."""
        return await self._call("GET", f"channel/revenue/{channel_id}/{span_path(span)}",
                                _traffic(("channel_id",)))

    # -- channels ------------------------------------------------------------------

    async def channels(self) -> list[Channel]:
        return await self._call("GET", "channel/", lambda p: [Channel.from_api(o) for o in items(p)])

    async def create_channel(self, name: str, uri: str = "") -> str:
        """Create a channel; returns its id."""
        return await self._call("POST", "channel/", _channel_id, data=_fields(name=name, uri=uri))

    async def update_channel(self, channel_id: str, *, name: str | None = None, uri: str | None = None) -> None:
        await self._call("POST", f"channel/{channel_id}/", _ignore, data=_fields(name=name, uri=uri))

    async def delete_channel(self, channel_id: str) -> None:
        await self._call("DELETE", f"channel/{channel_id}/", _ignore)

    # -- consumer secret ---------------------------------------------------------------

    async def secret(self) -> str:
        return await self._call("GET", "consumer/secret/", _secret)

    async def regenerate_secret(self) -> str:
        """Generate a new consumer secret. Every link signed with the old one stops verifying."""
        return await self._call("PUT", "consumer/secret/", _secret)

    # -- stores ----------------------------------------------------------------------

    async def store_status_log(self) -> list[StoreStatus]:
        return await self._call("GET", "store/status_log/", lambda p: [StoreStatus.from_api(o) for o in items(p)])

    async def deeplink_stores_page(self, offset: int = 0) -> list[DeeplinkStore]:
        return await self._call("GET", f"store/deeplink-stores/{int(offset)}/",
                                lambda p: [DeeplinkStore.from_api(o) for o in items(p)], with_key=True)

    async def deeplink_stores(self) -> list[DeeplinkStore]:
        """Every deeplink store: pages of 50 by offset until a short page."""
        stores: list[DeeplinkStore] = []
        while True:
            page = await self.deeplink_stores_page(len(stores))
            stores.extend(page)
            if len(page) < DEEPLINK_PAGE:
                return stores

    async def deeplinks(self, uris: Sequence[str]) -> dict[str, str]:
        """Tracked click links for shop URLs (`POST deepLinkGenerator/`), keyed by the given URI.

        One URI goes as the form field `uri`, several as `uri[]` (PHP's list
        convention; the seed does not spell it out)."""
        if not uris:
            return {}
        data = {"uri": uris[0]} if len(uris) == 1 else {"uri[]": list(uris)}
        return await self._call("POST", "deepLinkGenerator/", lambda p: _deeplinks(p, uris), data=data,
                                with_key=True)


def _fields(**values: str | None) -> dict[str, str]:
    return {name: value for name, value in values.items() if value is not None}


def _ignore(payload: Any) -> None:
    return None


def _traffic(id_fields: tuple[str, ...]) -> Callable[[Any], list[TrafficRow]]:
    return lambda payload: [TrafficRow.from_api(o, id_fields) for o in items(payload)]


def _channel_id(payload: Any) -> str:
    if isinstance(payload, (str, int)) and not isinstance(payload, bool) and str(payload):
        return str(payload)
    if isinstance(payload, Mapping):
        for name in ("channel_id", "id"):
            if payload.get(name) not in (None, ""):
                return str(payload[name])
    raise PayloadError("no channel_id in the answer to a channel creation")


def _secret(payload: Any) -> str:
    if isinstance(payload, str) and payload:
        return payload
    if isinstance(payload, Mapping):
        for name in ("secret", "consumer_secret", "pre_shared_secret"):
            if isinstance(payload.get(name), str) and payload[name]:
                return str(payload[name])
    raise PayloadError("no secret in the answer")


def _deeplinks(payload: Any, uris: Sequence[str]) -> dict[str, str]:
    """Accepts a link, a list of links (in request order), `{uri: link}` or a list of `{uri, url}` objects."""
    if isinstance(payload, str):
        payload = [payload]
    if isinstance(payload, Mapping) and all(isinstance(v, str) for v in payload.values()):
        links = [(str(k), v) for k, v in payload.items()]
    elif isinstance(payload, list) and all(isinstance(v, str) for v in payload):
        links = list(zip(uris, payload))
    else:
        links = []
        for entry in items(payload):
            link = next((entry[n] for n in ("deeplink", "url", "link") if entry.get(n)), None)
            if link is None:
                raise PayloadError(f"no link in {dict(entry)!r}"[:160])
            fallback = uris[len(links)] if len(links) < len(uris) else ""
            links.append((str(entry.get("uri") or fallback), str(link)))
    return dict(links)
