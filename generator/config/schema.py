"""shelfpress.toml into typed, validated settings.

The schema is declared once, as frozen dataclasses below; each field's
metadata carries its help text and, where needed, a converter, choices or a
lower bound (checked by `validators.py`, which every other schema shares). `load_config`
validates every key, collects *all* independent problems and raises one
ConfigError whose lines read `shelfpress.toml:12: source.kind: ...`.
Unknown keys are errors with a "did you mean" suggestion.

Secrets never live in the file: the config names environment variables
(`api_key_env = "SHOPELLO_API_KEY"`) and `Config.secret()` reads them on
demand, so a secret value is never stored on the config object, printed or
logged.

This module does not know about pages, templates or sources.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.core import validators
from generator.core.errors import ConfigError, did_you_mean
from generator.core.safety import url_host
from generator.config.i18n import LANGUAGES

CONFIG_FILE = "shelfpress.toml"
# People write the country (the Shopello subdomain) where the language belongs.
_COUNTRY_LANGUAGES = {"se": "sv", "dk": "da", "gb": "en", "us": "en"}


def opt(default: Any = dataclasses.MISSING, doc: str = "", *, convert: Callable[[Any], Any] | None = None,
        choices: tuple[str, ...] = (), minimum: float | None = None, factory: Any = dataclasses.MISSING) -> Any:
    """Declare one config option with its help text and optional converter, choices or lower bound."""
    meta = {"doc": doc, "convert": convert, "choices": choices, "minimum": minimum}
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _duration(value: Any) -> int:
    """Seconds from 3600, "90s", "30m", "6h" or "2d"."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", str(value))
    if not match:
        raise ValueError(f"expected a duration like \"6h\", \"30m\" or seconds, got {value!r}")
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def _byte_size(value: Any) -> int:
    """Bytes from 5242880, "500KB", "5MB" or "1GB" (binary units: 1 KB = 1024 bytes)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = re.fullmatch(r"\s*(\d+)\s*(B|KB|MB|GB)?\s*", str(value), re.IGNORECASE)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"expected a size like \"5MB\", \"500KB\" or a number of bytes, got {value!r}")
    return int(match.group(1)) * 1024 ** ("B KB MB GB".split().index((match.group(2) or "B").upper()))


def _base_url(value: Any) -> str:
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an absolute http(s) URL like \"https://user.github.io/repo/\", got {value!r}")
    return text if text.endswith("/") else text + "/"


def _country(value: Any) -> str:
    text = str(value)
    if not re.fullmatch(r"[a-z]{2}", text):
        raise ValueError(f"expected a two-letter country code like \"se\", \"dk\" or \"no\", got {value!r}")
    return text


def _language(value: Any) -> str:
    """One of the UI languages; a country code ("se") points at its language ("sv")."""
    if value in LANGUAGES:
        return str(value)
    country = _COUNTRY_LANGUAGES.get(str(value).lower())
    fix = f"; did you mean {country!r}?" if country else did_you_mean(value, LANGUAGES)
    raise ValueError(f"{value!r} is not one of {', '.join(LANGUAGES)}{fix}")


def _env_name(value: Any) -> str:
    text = str(value)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        raise ValueError(f"expected the *name* of an environment variable (like SHOPELLO_API_KEY), got {text!r}; "
                         "never put the secret itself in the file")
    return text


@dataclass(frozen=True)
class SourceConfig:
    kind: str = opt("catalog", "Where products come from.", choices=("catalog", "shopello"))
    catalog: str = opt("", "Path of the SQLite catalog (relative to the site); empty = the embedded demo catalog.")
    country: str = opt("se", "Shopello country subdomain (se, dk, no, ...).", convert=_country)
    api_base: str = opt("", "Override the Shopello API base URL (tests, proxies).")
    api_key_env: str = opt("SHOPELLO_API_KEY", "Environment variable holding the Shopello API key.",
                           convert=_env_name)
    concurrency: int = opt(8, "Requests in flight at once.", minimum=1)
    timeout: float = opt(10.0, "Seconds before a request times out.", minimum=0)
    request_deadline: float = opt(60.0, "Seconds one request may take in all, from connecting to its last byte, "
                                  "retries and their waits included: a server that answers slowly, a byte at a "
                                  "time, is cut off and the request fails.", minimum=1)
    max_response_size: int = opt(64 * 1024 * 1024, "Largest answer accepted, counted after decompression "
                                 "(\"64MB\"): a bigger one fails the request as soon as it passes the limit, "
                                 "never filling memory.", convert=_byte_size)
    retries: int = opt(3, "Retries for 429/5xx/connection errors.", minimum=0)
    cache_ttl: int = opt(6 * 3600, "How long fetched product data stays fresh (\"6h\").", convert=_duration)
    cache_dir: str = opt(".shelfpress-cache", "Where fetched responses are cached (relative to the site).")


def _shop_domains(value: Any) -> dict[str, str]:
    """`{"rum21.se": 51 or "RUM21"}` -> `{"rum21.se": "51" or "RUM21"}`: keys are web addresses (a bare
    domain, or a URL whose host is taken, without "www."), values store ids or shop names."""
    if not isinstance(value, dict):
        raise ValueError('expected a table of web address = store id or shop name, e.g. "rum21.se" = 51')
    shops: dict[str, str] = {}
    for domain, shop in value.items():
        host = _shop_host(str(domain))
        if not host:
            raise ValueError(f'{domain!r} is not a web address; write the shop\'s domain, e.g. "rum21.se"')
        if isinstance(shop, bool) or not isinstance(shop, (int, str)) or not str(shop).strip() or (
                isinstance(shop, int) and shop <= 0):
            raise ValueError(f"{domain!r}: expected a store id (a positive number) or a shop name, got {shop!r}")
        shops[host] = str(shop).strip()
    return shops


def _shop_host(text: str) -> str:
    """The host a shop address names ("https://www.Rum21.se/x" -> "rum21.se"), "" when it names none."""
    host = url_host(text)
    return host if "." in host and all(part for part in host.split(".")) else ""


@dataclass(frozen=True)
class LinksConfig:
    channel: str = opt("", "Shopello channel id signed into every outbound click link (empty: links unsigned).")
    secret_env: str = opt("SHOPELLO_SIGNING_SECRET", "Environment variable holding the link signing secret.",
                          convert=_env_name)
    target: str = opt("_blank", "Where outbound links open.", choices=("_blank", "_self"))
    deep_links: bool = opt(True, "Make links in content that point to a shop of the network tracked deep links "
                           "(needs source.kind = \"shopello\" and partner credentials).")
    shops: dict[str, str] = opt(factory=dict, convert=_shop_domains,
                                doc="Shops by web address, for links the API's data does not tie to "
                                    "a shop: `\"rum21.se\" = 51` (a store id) or `\"rum21.se\" = \"RUM21\"` (a shop "
                                    "name from the store lists). A subdomain counts as the domain; these win over "
                                    "what the API says.")


@dataclass(frozen=True)
class ProductPagesConfig:
    enabled: bool = opt(True, "Write one page per product that appears in any listing.")
    related: int = opt(4, "How many related products a product page shows (0 = none).")
    recommendations: str = opt("data/recommendations.jsonl", "Co-purchase recommendations (`sales-file "
                               "recommend -o ...`, relative to the site): product pages show \"Others also "
                               "bought\" when the file exists. Empty: none.")
    recommended: int = opt(4, "How many products \"Others also bought\" shows (0 = none).", minimum=0)


@dataclass(frozen=True)
class OffersConfig:
    group_by: str = opt("gtin", "Which products are one product sold by several shops: \"gtin\" (the same valid "
                        "GTIN/EAN), \"gtin+name\" (also the same brand and model name when a record has no GTIN) "
                        "or \"none\". A grouped product has one page, at /p/<gtin>/ or /p/m-<brand-model>/, "
                        "listing every shop's offer; its shops' product URLs redirect there.",
                        choices=("none", "gtin", "gtin+name"))
    grouped_cards: bool = opt(False, "Listings show one card per grouped product (\"from 1 195 kr in 4 stores\") "
                              "instead of one per shop.")


def _as_of_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected text, got {value!r}")
    if value and "{date}" not in value:
        raise ValueError(f'{value!r} has no {{date}}; write where the date goes, e.g. "Prices checked {{date}}"')
    return value


def _cldr_pattern(value: Any) -> str:
    from babel.dates import format_datetime

    if not isinstance(value, str) or not value.strip():
        raise ValueError('expected a CLDR date pattern, e.g. "d MMM HH:mm"')
    try:
        format_datetime(dt.datetime(2026, 12, 6, 14, 5), value, locale="en_US")
    except (ValueError, KeyError, AttributeError) as exc:
        raise ValueError(f'{value!r} is not a CLDR date pattern ({exc}); e.g. "d MMM HH:mm"') from None
    return value


def _timezone(value: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if value == "UTC":  # needs no time zone database (Windows has none without tzdata)
        return value
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as \"Europe/Stockholm\" (on Windows, "
                         "`pip install tzdata` provides them)") from None
    return str(value)


@dataclass(frozen=True)
class PricesConfig:
    history: bool = opt(False, "Keep every price the site sees, across builds, and show a product as reduced only "
                        "against the lowest price of the 30 days before its current price (the EU Omnibus rule); "
                        "the shop's own \"regular price\" is then never shown.")
    history_file: str = opt(".shelfpress/price-history.sqlite", "Where the price history is kept (relative to the "
                            "site); commit it, or keep it between CI runs, or every build starts with none.")
    as_of: bool = opt(False, "Say when the prices were fetched (\"Prices updated 6 Dec 14:05\") under every price "
                      "block: product pages, where-to-buy tables, listings and product and comparison shortcodes. "
                      "The note changes with every build, so each build re-renders every page.")
    as_of_text: str = opt("", "The note's wording, with {date} where the date goes (\"Prices checked {date}\"); "
                          "empty: \"Prices updated {date}\" in the site's language.", convert=_as_of_text)
    as_of_format: str = opt("d MMM HH:mm", "How the note writes the date: a CLDR date pattern (\"d MMM HH:mm\" = "
                            "6 Dec 14:05, \"yyyy-MM-dd\" = 2026-12-06), in the site's locale.",
                            convert=_cldr_pattern)
    timezone: str = opt("UTC", "The time zone of the note's time (\"Europe/Stockholm\").", convert=_timezone)


@dataclass(frozen=True)
class TaxonomyConfig:
    enabled: bool = opt(False, "Write these pages.")
    roots: list[int] = opt(doc="Category ids to start from (empty = all roots).", factory=list)
    depth: int = opt(2, "How many levels below the roots get pages.")
    per_page: int = opt(24, "Products per listing page.")
    max_pages: int = opt(10, "Pages per listing at most.")


def _share(value: Any) -> float:
    """A share from 0 to 1 (0.5 = half)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    raise ValueError(f"expected a share from 0 to 1 (0.5 = half), got {value!r}")


@dataclass(frozen=True)
class BuildConfig:
    max_shrink: float = opt(0.5, "Largest share of the live site's products a build may drop (0.5 = half); a "
                            "build that drops more, or publishes no products where the live site has some, fails "
                            "unless run with --allow-shrink. 1 allows any drop but one to none.", convert=_share)
    inline_critical_css: bool = opt(False, "Inline each page's critical CSS and load the style sheets without "
                                    "blocking the first paint (a faster first paint on phones; each page grows by "
                                    "the rules it uses and a build spends about 0.1-0.2 ms more per page). On in "
                                    "the starter.")


@dataclass(frozen=True)
class DeployConfig:
    remote: str = opt("origin", "Git remote to push gh-pages to.")
    branch: str = opt("gh-pages", "Branch that holds the published site.")
    cname: str = opt("", "Custom domain written to CNAME (empty: none).")


@dataclass(frozen=True)
class RevenueConfig:
    partner_base: str = opt("", "Override the Shopello partner API (v3) base URL; default from source.country.")
    partner_username: str = opt("", "Shopello partner-admin username (HTTP Basic auth for API v3).")
    partner_password_env: str = opt("SHOPELLO_PARTNER_PASSWORD", "Environment variable holding the partner "
                                    "password.", convert=_env_name)
    shopper_base: str = opt("https://api.shopper.com/v1/", "Shopper sale report API base URL.")
    shopper_token_env: str = opt("SHOPPER_API_TOKEN", "Environment variable holding the Shopper API token.",
                                 convert=_env_name)
    shopper_auth_header: str = opt("Authorization", "Header that carries the Shopper token.")
    shopper_auth_scheme: str = opt("Bearer", "Word before the token in that header (empty: the token alone).")
    shopper_page_size: int = opt(100, "Sales per Shopper request (1-100).")
    ledger: str = opt(".shelfpress/revenue.sqlite", "The local revenue ledger (relative to the site).")
    channels_file: str = opt(".shelfpress/channels.json", "Where `channels sync` records channel ids "
                             "(relative to the site); the build reads it.")


@dataclass(frozen=True)
class Config:
    """The whole validated configuration of one site."""

    title: str = opt("My shelfpress site", "Site title.")
    description: str = opt("", "Default meta description.")
    base_url: str = opt("http://localhost:8000/", "Public URL of the site, with any path prefix.",
                        convert=_base_url)
    language: str = opt("en", "Language of the UI strings (sv, da, nb, en).", convert=_language)
    locale: str = opt("", "Locale for prices and numbers (sv_SE, en_US...); default from language.")
    output_dir: str = opt("public", "Where the built site is written (relative to the site).")
    theme: str = opt("default", "Theme name: themes/<name>/ in the site, or a built-in theme.")
    permalinks: str = opt("pretty", "pretty = /a/b/, ugly = /a/b.html", choices=("pretty", "ugly"))
    per_page: int = opt(24, "Products per listing page by default.")
    search: bool = opt(True, "Write /search/ and a Pagefind index of every page.")
    search_split: str = opt("auto", "auto = one search index below 20,000 pages (results in Pagefind's own "
                            "order; an edit indexes the whole site again), shards above; always = shards from "
                            "2,000 pages on (an edit indexes only its shards: seconds instead of a minute on a "
                            "big site; results with close scores may come in another order).",
                            choices=("auto", "always"))
    max_content_size: int = opt(5 * 1024 * 1024, "Largest content file accepted (\"5MB\"); a bigger one is an "
                                "error, not minutes of build and a gigabyte of memory.", convert=_byte_size)
    source: SourceConfig = opt(factory=SourceConfig, doc="[source] product data.")
    links: LinksConfig = opt(factory=LinksConfig, doc="[links] outbound link signing.")
    products: ProductPagesConfig = opt(factory=ProductPagesConfig, doc="[products] product pages.")
    offers: OffersConfig = opt(factory=OffersConfig, doc="[offers] one product, many shops.")
    prices: PricesConfig = opt(factory=PricesConfig, doc="[prices] price history and \"was\" prices.")
    categories: TaxonomyConfig = opt(factory=lambda: TaxonomyConfig(enabled=True), doc="[categories] pages.")
    stores: TaxonomyConfig = opt(factory=TaxonomyConfig, doc="[stores] store pages.")
    brands: TaxonomyConfig = opt(factory=TaxonomyConfig, doc="[brands] brand pages.")
    widgets: dict[str, Any] = opt(factory=dict, doc="[widgets.<name>] embeddable widgets.")
    build: BuildConfig = opt(factory=BuildConfig, doc="[build] guards of the build.")
    deploy: DeployConfig = opt(factory=DeployConfig, doc="[deploy] publishing.")
    revenue: RevenueConfig = opt(factory=RevenueConfig, doc="[revenue] partner API, Shopper, ledger, channels.")
    params: dict[str, Any] = opt(factory=dict, doc="[params] free-form values for templates.")

    # Not in the file: where the site lives and where the config came from.
    site_dir: Path = field(default=Path("."), metadata={"internal": True})
    config_file: Path = field(default=Path(CONFIG_FILE), metadata={"internal": True})

    @property
    def search_always_split(self) -> bool:
        """Whether the search index is in shards whatever the site's size (publish/shards.py)."""
        return self.search_split == "always"

    @property
    def base_path(self) -> str:
        """The URL path prefix all links carry, e.g. "/repo/" (always ends with /)."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def output_path(self) -> Path:
        return (self.site_dir / self.output_dir).resolve()

    @property
    def cache_path(self) -> Path:
        """Where builds keep what they reuse (source.cache_dir, relative to the site)."""
        return self.site_dir / self.source.cache_dir

    @property
    def effective_locale(self) -> str:
        defaults = {"sv": "sv_SE", "da": "da_DK", "nb": "nb_NO", "no": "nb_NO", "en": "en_US"}
        return self.locale or defaults.get(self.language, "en_US")

    def secret(self, env_name: str, purpose: str, key: str = "", *, required: bool = True) -> str:
        """Read a secret from the environment; a missing one names the variable (and the `key` naming it),
        never a value. With `required=False` a missing secret is "" (the caller degrades, e.g. unsigned links)."""
        value = read_secret(env_name)
        if not value and required:
            message = f"environment variable {env_name} is not set; it must hold the {purpose}"
            raise self.error(key, message) if key else ConfigError(message, file=self.config_file)
        return value

    def error(self, key: str, message: str) -> ConfigError:
        """A problem found after loading (a widget, the source) at the line of dotted `key` in the file."""
        try:
            line = toml_line((self.site_dir / CONFIG_FILE).read_text(encoding="utf-8"), tuple(key.split(".")))
        except OSError:
            line = None
        return ConfigError(message, file=self.config_file, line=line, key=key)

    def secret_values(self) -> dict[str, str]:
        """Every configured secret that is set, by what names it ("links.secret_env ($SHOPELLO_SIGNING_SECRET)").

        For guards that keep secrets out of the output; the values must never be printed or logged.
        """
        return {f"{key} (${name})": read_secret(name) for key, name in _env_options(self) if read_secret(name)}

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


def read_secret(env_name: str) -> str:
    """The secret in environment variable `env_name`, "" when unset. The one place shelfpress reads a secret:
    everything else goes through `Config.secret` or, for commands that run without a site, `secret_from_env`."""
    return os.environ.get(env_name, "")


def secret_from_env(env_name: str, hint: str = "") -> str:
    """A secret for a command that has no site config (`links verify`, `sales-file upload`); a ConfigError
    naming the variable (never a value) when it is unset."""
    value = read_secret(env_name)
    if not value:
        raise ConfigError(f"environment variable {env_name} is not set; export the secret there{hint}")
    return value


def _public_fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if not f.metadata.get("internal")]


def _env_options(obj: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted key, variable name) of every `*_env` option: each names an environment variable with a secret."""
    found: list[tuple[str, str]] = []
    for f in _public_fields(type(obj)):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            found += _env_options(value, f"{prefix}{f.name}.")
        elif f.name.endswith("_env"):
            found.append((prefix + f.name, value))
    return found


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        return "a list"
    if origin is dict:
        return "a table"
    return {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}.get(tp, str(tp))


class _Validator:
    """Walks raw TOML data against the dataclass schema, collecting every problem."""

    def __init__(self, file: Path, text: str) -> None:
        self.file, self.text = file, text
        self.problems: list[ConfigError] = []

    def problem(self, path: tuple[str, ...], message: str) -> None:
        self.problems.append(ConfigError(message, file=self.file, line=toml_line(self.text, path),
                                         key=".".join(path)))

    def build(self, cls: type, raw: Mapping[str, Any], path: tuple[str, ...], base: Any = None) -> Any:
        """`cls` from `raw`; keys not given keep their value in `base` (the field's default table)."""
        fields = {f.name: f for f in _public_fields(cls)}
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in fields:
                fix = did_you_mean(key, fields) or f"; valid keys: {', '.join(sorted(fields))}"
                self.problem(path + (key,), f"unknown key{fix}")
                continue
            converted = self.convert(fields[key], hints[key], value, path + (key,))
            if converted is not _INVALID:
                values[key] = converted
        return dataclasses.replace(base, **values) if base is not None else cls(**values)

    def convert(self, f: dataclasses.Field[Any], tp: Any, value: Any, path: tuple[str, ...]) -> Any:
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, Mapping):
                self.problem(path, f"expected a table [{'.'.join(path)}], got {value!r}")
                return _INVALID
            return self.build(tp, value, path, base=f.default_factory())  # type: ignore[misc]
        convert = f.metadata.get("convert")
        if convert is not None:
            try:
                return convert(value)
            except ValueError as exc:
                self.problem(path, str(exc))
                return _INVALID
        if not _matches(tp, value):
            self.problem(path, f"expected {_type_name(tp)}, got {value!r}")
            return _INVALID
        try:
            if f.metadata.get("choices"):
                validators.choice(value, f.metadata["choices"])
            validators.at_least(value, f.metadata.get("minimum"))
        except ValueError as exc:
            self.problem(path, str(exc))
            return _INVALID
        return float(value) if tp is float else value


_INVALID = object()


def toml_line(text: str, path: tuple[str, ...]) -> int | None:
    """Best-effort line of a key (a table header or `key =`), else of its nearest parent that is written
    out (a key inside an inline table): TOML parsers keep no positions."""
    for depth in range(len(path), 0, -1):
        line = _written_at(text, path[:depth])
        if line is not None:
            return line
    return None


def _written_at(text: str, path: tuple[str, ...]) -> int | None:
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\[?\s*([^\]]+?)\s*\]\]?(\s*#.*)?", stripped)
        if header:
            table = tuple(part.strip().strip('"') for part in header.group(1).split("."))
            if table == path:
                return number
            continue
        match = re.match(r"([A-Za-z0-9_\-\"']+)\s*=", stripped)
        if match and table + (match.group(1).strip("\"'"),) == path:
            return number
    return None


def _matches(tp: Any, value: Any) -> bool:
    origin = typing.get_origin(tp)
    if origin is list:
        (item,) = typing.get_args(tp)
        return isinstance(value, list) and all(_matches(item, v) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(arg, value) for arg in typing.get_args(tp))
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, tp)


def find_config(site_dir: Path) -> Path:
    path = site_dir / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(f"no {CONFIG_FILE} in {site_dir.resolve()}; run `shelfpress new DIR` to create a site "
                          "or pass --site DIR")
    return path


def load_config(site_dir: Path | str = ".") -> Config:
    """Read and validate `<site_dir>/shelfpress.toml`; raise one ConfigError listing every problem."""
    site = Path(site_dir)
    path = find_config(site)
    display = path if not path.is_absolute() else Path(os.path.relpath(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError("is not UTF-8 text; save it as UTF-8", file=display) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        line = int(match.group(1)) if match else None
        raise ConfigError(f"invalid TOML: {reason}; fix the syntax", file=display, line=line) from None
    validator = _Validator(display, text)
    config = validator.build(Config, raw, ())
    if validator.problems:
        raise ConfigError("\n".join(problem.format_message() for problem in validator.problems))
    return config.replace(site_dir=site.resolve(), config_file=display)
