"""Signed click links (SignUri), byte-compatible with the Shopello PHP library.

Owns everything about signing: PHP-compatible JSON encoding of partner data,
signing a URL with the publisher's consumer secret, verifying a signed URL,
and the build's signer (`make_signer`: the page's channel, or plain links
with one warning when the secret is missing). The secret is read only
through `generator.config.schema` (`Config.secret`, `secret_from_env`), never from
the environment directly. Must not: log (warnings go through the Reporter),
or put the secret into any value it returns or any exception it raises.
The `shelfpress links` command (generator/commands/links.py) is a thin CLI
over `verify_link`.

Algorithm (see shared/API-NOTES.md, "Signed links"):

    token = base64url(php_json_encode(data)) without "=" padding
    hash  = sha256(secret + token).hexdigest()[-10:]
    url  += ("&" if url has a query else "?") + f"{param}={hash}.{token}"

Differences from the reference library, both only for inputs it mishandles:
an existing parameter of the same name is replaced instead of duplicated,
and the parameter goes before a `#fragment` instead of after it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from generator.config.schema import LinksConfig, secret_from_env

if TYPE_CHECKING:
    from generator.config.schema import Config
    from generator.core.console import Reporter

__all__ = ["DEFAULT_PARAM", "DEFAULT_SECRET_ENV", "Signer", "VerifiedLink", "make_signer", "php_json_encode",
           "sign_url", "sign_value", "unsigned_warning", "verify_link", "verify_url"]

HASH_LENGTH = 10
DEFAULT_PARAM = "partnerdata"
DEFAULT_SECRET_ENV: str = LinksConfig.secret_env  # the schema's default for `[links] secret_env`
Signer = Callable[[str, str], str]  # (url, channel) -> signed url
_PARAM_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_PHP_INT_KEY = re.compile(r"^(0|-?[1-9][0-9]*)$")
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n",
                  "\r": "\\r", "\t": "\\t"}


@dataclass(frozen=True)
class VerifiedLink:
    """The outcome of `verify_url`.

    `data` is the decoded partner data and is set only when `valid`;
    `unverified_data` is whatever the token decoded to (for diagnostics:
    never trust it). `reason` says why a link is invalid ("" when valid).
    """

    valid: bool
    data: Any = None
    unverified_data: Any = None
    reason: str = ""

    def __bool__(self) -> bool:
        return self.valid


# --- PHP json_encode -------------------------------------------------------

def php_json_encode(value: Any) -> str:
    """Encode `value` exactly as PHP's `json_encode($value)` with default flags.

    Compact separators; `/` escaped as `\\/`; non-ASCII as lowercase `\\uXXXX`
    (surrogate pairs above U+FFFF); DEL left raw; floats in PHP's shortest
    round-trip form (`10.0` -> `10`, `1e-05` -> `1.0e-5`). PHP arrays are
    modelled as Python lists/tuples (always JSON lists) and mappings (a JSON
    list when the keys are exactly 0..n-1 in order, PHP-style key casting
    included, so an empty mapping is `[]`).
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _php_float(value)
    if isinstance(value, str):
        return _php_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(php_json_encode(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return _php_array(value)
    raise TypeError(f"php_json_encode: cannot encode {type(value).__name__}")


def _php_string(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        elif code < 0x80:
            out.append(char)
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError("php_json_encode: string is not valid UTF-8 (lone surrogate)")
        elif code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    out.append('"')
    return "".join(out)


def _php_float(number: float) -> str:
    """PHP's php_gcvt with serialize_precision=-1 (mode 0, 17 digits)."""
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("php_json_encode: NAN and INF cannot be encoded")
    sign, digit_tuple, exponent = Decimal(repr(number)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    decpt = 1 if digits == "0" else len(digit_tuple) + exponent
    prefix = "-" if sign else ""
    if decpt < -3 or decpt > 17:
        power = decpt - 1
        mantissa = digits[0] + "." + (digits[1:] or "0")
        return f"{prefix}{mantissa}e{'-' if power < 0 else '+'}{abs(power)}"
    if decpt <= 0:
        return f"{prefix}0.{'0' * -decpt}{digits}"
    whole, fraction = digits[:decpt].ljust(decpt, "0"), digits[decpt:]
    return prefix + whole + ("." + fraction if fraction else "")


def _php_array(mapping: Mapping[Any, Any]) -> str:
    keys = [_php_key(key) for key in mapping]
    if keys == list(range(len(keys))):
        return "[" + ",".join(php_json_encode(item) for item in mapping.values()) + "]"
    members = (f"{_php_string(str(key))}:{php_json_encode(item)}" for key, item in zip(keys, mapping.values()))
    return "{" + ",".join(members) + "}"


def _php_key(key: Any) -> int | str:
    """PHP array key casting: decimal-integer strings become ints."""
    if isinstance(key, bool) or not isinstance(key, (int, str)):
        raise TypeError(f"php_json_encode: unsupported array key {type(key).__name__}")
    if isinstance(key, str) and _PHP_INT_KEY.match(key) and abs(int(key)) < 2**63:
        return int(key)
    return key


# --- signing -----------------------------------------------------------------

def _hash(secret: str, token: str) -> str:
    return hashlib.sha256((secret + token).encode("utf-8")).hexdigest()[-HASH_LENGTH:]


def sign_value(secret: str, data: Any) -> str:
    """The parameter value `hash.token` for `data`, as the PHP library makes it."""
    token = base64.urlsafe_b64encode(php_json_encode(data).encode("utf-8")).rstrip(b"=").decode("ascii")
    return f"{_hash(secret, token)}.{token}"


def sign_url(url: str, secret: str, data: Any, param: str = DEFAULT_PARAM) -> str:
    """Append `param=hash.token` to `url`, replacing an existing `param`.

    >>> sign_url("https://example.com/", "123456789", [1111, 2222], param="clickdata")
    'https://example.com/?clickdata=1077e65030.WzExMTEsMjIyMl0'
    """
    if not _PARAM_NAME.match(param):
        raise ValueError(f"sign_url: parameter name {param!r} must be letters, digits, '_', '.' or '-'")
    base, hash_mark, fragment = url.partition("#")
    path, _, query = base.partition("?")
    kept = [part for part in query.split("&") if _param_name(part) != param] if query else []
    kept.append(f"{param}={sign_value(secret, data)}")
    return f"{path}?{'&'.join(kept)}{hash_mark}{fragment}"


def _param_name(pair: str) -> str:
    return unquote_plus(pair.partition("=")[0])


# --- verifying -------------------------------------------------------------

def verify_url(url: str, secret: str, param: str = DEFAULT_PARAM) -> VerifiedLink:
    """Check the signed parameter of `url` (the last one, as PHP's `$_GET`).

    Returns a VerifiedLink whose `data` is set only when the hash matches.
    """
    query = url.partition("#")[0].partition("?")[2]
    values = [unquote_plus(part.partition("=")[2]) for part in query.split("&") if part and _param_name(part) == param]
    if not values:
        return VerifiedLink(False, reason=f"no {param} parameter")
    given_hash, dot, token = values[-1].rpartition(".")
    if not dot or not token:
        return VerifiedLink(False, reason=f"{param} is not of the form hash.token")
    decodable, decoded = _decode_token(token)
    if not hmac.compare_digest(given_hash.encode("utf-8"), _hash(secret, token).encode("ascii")):
        return VerifiedLink(False, unverified_data=decoded,
                            reason="hash does not match the token (tampered link or wrong secret)")
    if not decodable:
        return VerifiedLink(False, reason="token is not base64url-encoded JSON")
    return VerifiedLink(True, data=decoded, unverified_data=decoded)


def _decode_token(token: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8"))
    except (binascii.Error, ValueError):
        return False, None


def verify_link(url: str, secret_env: str = DEFAULT_SECRET_ENV, param: str = DEFAULT_PARAM,
                hint: str = "") -> VerifiedLink:
    """`verify_url` with the secret from environment variable `secret_env`, read through the config
    module; a ConfigError naming the variable (never a value, `hint` appended) when it is unset."""
    return verify_url(url, secret_from_env(secret_env, hint), param=param)


# --- the build's signer ------------------------------------------------------

def unsigned_warning(config: Config, channel: str) -> str:
    """Why links for `channel` would go out unsigned (the secret is missing), or "" when they would not."""
    if not channel or config.secret(config.links.secret_env, "signing secret", required=False):
        return ""
    return (f"links are not signed: channel {channel!r} is set but the environment variable "
            f"{config.links.secret_env} (the signing secret) is not")


def make_signer(config: Config, reporter: Reporter) -> Signer:
    """The link signer a build uses: SignUri with the page's channel, or plain links.

    Without a channel there is nothing to sign. With a channel but no secret in
    the environment, links go out unsigned and the build warns once (an error
    with --strict): a demo or a fresh clone must still build.
    """
    return _BuildSigner(config, reporter)


class _BuildSigner:
    """`make_signer`'s signer. It pickles (a spawned render worker receives the product views holding it) as
    a signer made anew in the worker, which reads the secret from its own environment (inherited from the
    build), never from the pickle."""

    def __init__(self, config: Config, reporter: Reporter) -> None:
        self.config, self.reporter = config, reporter
        self.secret = config.secret(config.links.secret_env, "signing secret", required=False)
        self.warned = False
        self.sign = lru_cache(maxsize=65536)(self._sign)

    def __call__(self, url: str, channel: str) -> str:
        return self.sign(url, channel)

    def _sign(self, url: str, channel: str) -> str:
        if not channel or not url:
            return url
        if not self.secret:
            if not self.warned:
                self.warned = True
                self.reporter.warn(unsigned_warning(self.config, channel))
            return url
        return sign_url(url, self.secret, {"channel": channel})

    def __reduce__(self) -> tuple[type[_BuildSigner], tuple[Config, Reporter]]:
        return _BuildSigner, (self.config, self.reporter)  # (a reporter pickles as a quiet one)
