"""ProductQuery: the full parameter set of the Shopello `products` endpoint.

A ProductQuery is a frozen, hashable, validated value. Every source (the
Shopello API client, the local catalog) answers one; the build collects them
from the whole site and deduplicates by value, so two spellings of the same
query ("1,3" vs [3, 1], "DESC" vs "desc", extra in any order) must normalise
to the same object. Validation happens here, before any request is made,
and each error names the parameter.

This module knows nothing about HTTP or SQL.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from generator.core import validators
from generator.core.errors import QueryError, did_you_mean

MODES = ("pre", "or", "fill")
ORDERS = ("ASC", "DESC")
ORDER_BYS = ("price", "reduction_percent", "relevance")
EXTRAS = ("categories", "stores", "brands", "max_price", "has_reduction")


@dataclass(frozen=True)
class IdFilter:
    """Include and exclude id lists, as the API spells them: "1,3,-7"."""

    include: tuple[int, ...] = ()
    exclude: tuple[int, ...] = ()

    @classmethod
    def parse(cls, value: Any, parameter: str) -> IdFilter:
        """Accept "1,3,-7", 5, [1, -7] or an IdFilter; reject anything else by name."""
        if value is None or value == "" or value == []:
            return cls()
        if isinstance(value, IdFilter):
            return value
        if isinstance(value, bool):
            raise QueryError(f"expected ids like \"1,3,-7\", got {value!r}", parameter=parameter)
        if isinstance(value, int):
            items: Iterable[Any] = [value]
        elif isinstance(value, str):
            items = [part.strip() for part in value.split(",") if part.strip()]
        elif isinstance(value, (list, tuple)):
            items = value
        else:
            raise QueryError(f"expected ids like \"1,3,-7\", got {value!r}", parameter=parameter)
        include: set[int] = set()
        exclude: set[int] = set()
        for item in items:
            try:
                number = int(str(item).strip())
            except ValueError:
                raise QueryError(f"{item!r} is not an id; use whole numbers like \"1,3,-7\"",
                                 parameter=parameter) from None
            if number == 0:
                raise QueryError("0 is not a valid id", parameter=parameter)
            (exclude if number < 0 else include).add(abs(number))
        return cls(tuple(sorted(include)), tuple(sorted(exclude)))

    def __bool__(self) -> bool:
        return bool(self.include or self.exclude)

    def to_param(self) -> str:
        return ",".join([str(i) for i in self.include] + [f"-{i}" for i in self.exclude])


def _to_bool(value: Any, parameter: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
        return value.strip().lower() in ("1", "true", "yes", "on")
    raise QueryError(f"expected true/false (or 1/0), got {value!r}", parameter=parameter)


def _to_int(value: Any, parameter: str, *, minimum: int = 0) -> int:
    try:
        return validators.whole_number(value, minimum=minimum, from_text=True)
    except ValueError as exc:
        raise QueryError(str(exc), parameter=parameter) from None


def _to_number(value: Any, parameter: str) -> float:
    try:
        return validators.number(value, minimum=0, from_text=True)
    except ValueError as exc:
        raise QueryError(str(exc), parameter=parameter) from None


def _choice(value: Any, parameter: str, choices: tuple[str, ...], *, upper: bool = False) -> str:
    text = str(value).strip()
    try:
        return validators.choice(text.upper() if upper else text.lower(), choices)
    except ValueError as exc:
        raise QueryError(str(exc), parameter=parameter) from None


def _fmt_number(value: float) -> str:
    """Render 100.0 as "100" and 99.5 as "99.5" so keys and wire params are stable."""
    return str(int(value)) if value == int(value) else repr(value)


@dataclass(frozen=True)
class ProductQuery:
    """One request to the `products` endpoint, validated and normalised.

    Build one with `ProductQuery.from_params(mapping)` (validates strings
    from front matter or shortcodes) or the constructor with already-typed
    values (`__post_init__` validates those too).
    """

    product_id: IdFilter = field(default_factory=IdFilter)
    category_id: IdFilter = field(default_factory=IdFilter)
    store_id: IdFilter = field(default_factory=IdFilter)
    has_images: bool = False
    limit: int | None = None
    offset: int = 0
    mode: str | None = None
    order: str | None = None
    order_by: str | None = None
    price_min: float | None = None
    price_max: float | None = None
    query: str | None = None
    brand: str | None = None
    get_total_found: bool = False
    disseminate: bool = False
    reduction_percent_min: float | None = None
    reduction_percent_max: float | None = None
    extra: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name in ("product_id", "category_id", "store_id"):
            set_(self, name, IdFilter.parse(getattr(self, name), name))
        for name in ("has_images", "get_total_found", "disseminate"):
            set_(self, name, _to_bool(getattr(self, name), name))
        if self.limit is not None:
            set_(self, "limit", _to_int(self.limit, "limit", minimum=1))
        set_(self, "offset", _to_int(self.offset or 0, "offset"))
        if self.mode not in (None, ""):
            set_(self, "mode", _choice(self.mode, "mode", MODES))
        else:
            set_(self, "mode", None)
        if self.order not in (None, ""):
            set_(self, "order", _choice(self.order, "order", ORDERS, upper=True))
        else:
            set_(self, "order", None)
        if self.order_by not in (None, ""):
            set_(self, "order_by", _choice(self.order_by, "order_by", ORDER_BYS))
        else:
            set_(self, "order_by", None)
        for low, high in (("price_min", "price_max"), ("reduction_percent_min", "reduction_percent_max")):
            for name in (low, high):
                value = getattr(self, name)
                set_(self, name, None if value in (None, "") else _to_number(value, name))
            if getattr(self, low) is not None and getattr(self, high) is not None \
                    and getattr(self, low) > getattr(self, high):
                raise QueryError(f"{low} ({_fmt_number(getattr(self, low))}) is greater than "
                                 f"{high} ({_fmt_number(getattr(self, high))})", parameter=low)
        for name in ("query", "brand"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                value = str(value)
            text = " ".join(value.split()) if value else None
            set_(self, name, text or None)
        set_(self, "extra", self._parse_extra(self.extra))

    @staticmethod
    def _parse_extra(value: Any) -> tuple[str, ...]:
        if value in (None, "", ()):
            return ()
        items = value.split(",") if isinstance(value, str) else list(value)
        names = set()
        for item in items:
            name = str(item).strip().lower()
            if not name:
                continue
            if name not in EXTRAS:
                raise QueryError(f"{item!r} is not one of {', '.join(EXTRAS)}", parameter="extra")
            names.add(name)
        return tuple(sorted(names))

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_params(cls, params: Mapping[str, Any], *, siblings: Iterable[str] = ()) -> ProductQuery:
        """Validate loose parameters (front matter, shortcodes, widgets); unknown names are errors.

        `siblings` are the names the caller's own settings use beside the query (a listing's
        `per_page`, a widget's `layout`), already taken out of `params`: they only widen the
        did-you-mean, so `layuot` suggests `layout` rather than nothing.
        """
        known = cls.parameter_names()
        for name in params:
            if name not in known:
                hint = did_you_mean(name, sorted({*known, *siblings}))
                raise QueryError(f"unknown product query parameter{hint}", parameter=str(name))
        return cls(**dict(params))

    def replace(self, **changes: Any) -> ProductQuery:
        return dataclasses.replace(self, **changes)

    def to_params(self) -> dict[str, str]:
        """Wire parameters for the `products` endpoint; empty values are dropped."""
        params: dict[str, str] = {}
        for name in self.parameter_names():
            value = getattr(self, name)
            if value is None or value == () or value is False or (name == "offset" and value == 0):
                continue
            if isinstance(value, IdFilter):
                if value:
                    params[name] = value.to_param()
            elif value is True:
                params[name] = "1"
            elif isinstance(value, float):
                params[name] = _fmt_number(value)
            elif isinstance(value, tuple):
                params[name] = ",".join(value)
            else:
                params[name] = str(value)
        return params

    @property
    def key(self) -> str:
        """A canonical string: equal for queries that mean the same thing."""
        return urlencode(sorted(self.to_params().items()))

    def __str__(self) -> str:
        return self.key or "(all products)"


# What each parameter means, as (type, default, description): for `generator/commands/docs_reference.py`, whose test
# fails when a parameter of ProductQuery has no entry here.
PARAMETER_DOCS: dict[str, tuple[str, str, str]] = {
    "query": ("string", "none", "Search words, e.g. `lampa` or `golvlampa mässing`. Every word must match "
              "unless `mode` says otherwise."),
    "category_id": ("ids", "none", "Only products in these categories (sub-categories included): `432` or "
                    "`\"432,14\"`; a negative id excludes: `\"14,-432\"`."),
    "store_id": ("ids", "none", "Only products of these stores; negative ids exclude: `\"51,-306\"`."),
    "product_id": ("ids", "none", "Only these products (`\"95639730,62554750\"`); negative ids exclude them."),
    "brand": ("string", "none", "Only this brand (case and spacing ignored): `brand: Arctic`."),
    "price_min": ("number", "none", "Lowest price, inclusive, in the shop's currency."),
    "price_max": ("number", "none", "Highest price, inclusive."),
    "reduction_percent_min": ("number", "none", "Only products reduced by at least this many percent (`20`)."),
    "reduction_percent_max": ("number", "none", "Only products reduced by at most this many percent."),
    "has_images": ("bool", "false", "`true`: only products with an image."),
    "mode": ("`pre` | `or` | `fill`", "all words", "How search words match: `pre` as prefixes (`lamp` finds "
             "`lampa`), `or` any word, `fill` the all-words matches first, then other products up to the limit."),
    "order_by": ("`relevance` | `price` | `reduction_percent`", "relevance with a query",
                 "Sort order: relevance to `query`, price (cheapest first) or reduction (biggest first)."),
    "order": ("`ASC` | `DESC`", "by `order_by`", "Flip the direction of `order_by`: `order: DESC` with "
              "`order_by: price` puts the most expensive first."),
    "disseminate": ("bool", "false", "`true`: the first products come from three different stores, then the rest "
                    "in order (a mixed first row)."),
    "limit": ("int", "by context", "How many products. Shortcodes show 8 by default and widgets `count`; a "
              "listing sets it from `per_page` x `max_pages` and rejects `limit`."),
    "offset": ("int", "0", "Skip this many products first (not in listings, which page themselves)."),
    "get_total_found": ("bool", "false", "Ask for the total number of matches (listings always do)."),
    "extra": ("list", "none", "Facets to fetch with the products: `categories`, `stores`, `brands`, "
              "`max_price`, `has_reduction` (comma-separated). Templates read them as `listing.facets`."),
}
