"""JSON parsed only when it nests no deeper than MAX_JSON_DEPTH: deeper is malformed, never a RecursionError.

Python's parser recurses once per level, so JSON nested a million deep fails
with RecursionError (a traceback) wherever it is read. Every reader of
untrusted JSON, the HTTP client (`generator.core.net`) and the catalog import,
goes through `loads_json`, which counts the nesting first (strings skipped)
and raises ValueError like any other malformed text. Must not import
anything heavier than the standard library: catalog builds load it without httpx.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

MAX_JSON_DEPTH = 200
"""Nesting deeper than this is no API answer or catalog file: a malformed body."""

_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (strings skipped), without parsing it."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def loads_json(body: bytes | str) -> Any:
    """`json.loads`, except that nesting deeper than MAX_JSON_DEPTH is a ValueError like any malformed body."""
    depth = json_depth(body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested {depth:,} levels deep, more than the {MAX_JSON_DEPTH} accepted")
    try:
        return json.loads(body)
    except RecursionError:  # the check above counts every bracket, so this is a second line of defence
        raise ValueError(f"JSON nested deeper than the {MAX_JSON_DEPTH} levels accepted") from None
