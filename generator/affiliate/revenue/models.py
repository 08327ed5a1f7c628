"""What the revenue APIs answer, parsed tolerantly into small frozen records.

The partner API (v3) documents its paths but not its response bodies, so
every parser here accepts the shapes a PHP API plausibly sends:

- an envelope `{"status": true, "data": X}` or the bare X (status false is
  an error, raised by the client);
- X as a list of objects, an object keyed by id (`{"12": {...}}`), or one
  object (a total);
- field aliases: id `channel_id`/`store_id`/`id`; clicks `clicks`/
  `click_count`/`nb_clicks`; revenue `revenue`/`amount`/`commission`/
  `earnings`; day `date`/`day`; numbers as numbers or strings, with a
  decimal comma allowed.

A value of the wrong type raises PayloadError (the clients turn it into a
DecodeError naming the endpoint). Unknown fields are ignored. Shopper's
sale records are documented; `Sale.from_api` follows the seed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.core import validators
from generator.sources.models import PayloadError
from generator.affiliate.revenue.periods import parse_dmy


def _first(obj: Mapping[str, Any], names: tuple[str, ...], default: Any = None) -> Any:
    for name in names:
        if obj.get(name) not in (None, ""):
            return obj[name]
    return default


def _number(value: Any, field: str) -> float:
    try:
        return validators.number(value if isinstance(value, (bool, int, float)) else str(value), from_text=True,
                                 decimal_comma=True)
    except ValueError as exc:
        raise PayloadError(f"{field}: {exc}") from None


def _day(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    text = str(value).strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parse_dmy(text)
    except ValueError:
        raise PayloadError(f"{field}: expected a date, got {value!r}") from None


def items(payload: Any) -> list[Mapping[str, Any]]:
    """The objects of a list-like payload; an object keyed by id keeps the key as `id`."""
    if payload in (None, "", []):
        return []
    if isinstance(payload, list):
        entries = payload
    elif isinstance(payload, Mapping) and payload and all(isinstance(v, Mapping) for v in payload.values()):
        entries = [{"id": key, **value} for key, value in payload.items()]
    elif isinstance(payload, Mapping):
        entries = [payload]
    else:
        raise PayloadError(f"expected a list of objects, got {type(payload).__name__}")
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise PayloadError(f"expected an object in the list, got {entry!r}"[:120])
    return entries


@dataclass(frozen=True)
class TrafficRow:
    """Clicks and revenue of one channel or store (or the total, key "") over a day or a span."""

    key: str
    name: str
    clicks: int
    revenue: float
    currency: str = ""
    day: dt.date | None = None

    @classmethod
    def from_api(cls, obj: Mapping[str, Any], id_fields: tuple[str, ...]) -> TrafficRow:
        return cls(
            key=str(_first(obj, id_fields + ("id",), "")),
            name=str(_first(obj, ("name", "channel_name", "store_name", "store", "channel"), "")),
            clicks=int(_number(_first(obj, ("clicks", "click_count", "nb_clicks"), 0), "clicks")),
            revenue=_number(_first(obj, ("revenue", "amount", "commission", "earnings"), 0), "revenue"),
            currency=str(_first(obj, ("currency",), "")),
            day=_day(_first(obj, ("date", "day")), "date"),
        )


@dataclass(frozen=True)
class Channel:
    channel_id: str
    name: str
    uri: str = ""

    @classmethod
    def from_api(cls, obj: Mapping[str, Any]) -> Channel:
        channel_id = _first(obj, ("channel_id", "id"))
        if channel_id is None:
            raise PayloadError(f"channel without an id: {dict(obj)!r}"[:160])
        return cls(str(channel_id), str(obj.get("name") or ""), str(_first(obj, ("uri", "url"), "")))


@dataclass(frozen=True)
class StoreStatus:
    """One store status log entry: a store was added, activated or deactivated."""

    store_id: str
    name: str
    status: str
    when: str

    @classmethod
    def from_api(cls, obj: Mapping[str, Any]) -> StoreStatus:
        return cls(str(_first(obj, ("store_id", "id"), "")), str(_first(obj, ("name", "store_name"), "")),
                   str(_first(obj, ("status", "action", "event"), "")),
                   str(_first(obj, ("date", "created", "timestamp", "time"), "")))


@dataclass(frozen=True)
class DeeplinkStore:
    store_id: str
    name: str
    enabled: bool | None
    url: str = ""  # the shop's web address, when the answer names it (the seed does not say)

    @classmethod
    def from_api(cls, obj: Mapping[str, Any]) -> DeeplinkStore:
        flag = _first(obj, ("enabled", "deeplink", "deeplink_enabled", "active", "status"))
        enabled = None if flag is None else str(flag).lower() in ("1", "true", "yes", "enabled", "active")
        return cls(str(_first(obj, ("store_id", "id"), "")), str(_first(obj, ("name", "store_name"), "")), enabled,
                   str(_first(obj, ("url", "store_url", "domain", "website"), "")))


SALE_TEXT_FIELDS = ("currency", "commission_status", "category", "payment_status", "product_slug", "product_name",
                    "collection_slug", "collection_name", "collection_url", "subid")


@dataclass(frozen=True)
class Sale:
    """One Shopper sale (commission); `reference` is unique within the network."""

    reference: str
    transaction_date: dt.date | None
    commission_amount: float
    transaction_amount: float
    payment_date: dt.date | None
    currency: str = ""
    commission_status: str = ""
    category: str = ""
    payment_status: str = ""
    product_slug: str = ""
    product_name: str = ""
    collection_slug: str = ""
    collection_name: str = ""
    collection_url: str = ""
    subid: str = ""

    @classmethod
    def from_api(cls, obj: Any) -> Sale:
        if not isinstance(obj, Mapping) or not obj.get("reference"):
            raise PayloadError(f"a sale needs a reference, got {obj!r}"[:160])
        return cls(
            reference=str(obj["reference"]),
            transaction_date=_day(obj.get("transaction_date"), "transaction_date"),
            commission_amount=_number(obj.get("commission_amount") or 0, "commission_amount"),
            transaction_amount=_number(obj.get("transaction_amount") or 0, "transaction_amount"),
            payment_date=_day(obj.get("payment_date"), "payment_date"),
            **{name: str(obj.get(name) or "") for name in SALE_TEXT_FIELDS},
        )
