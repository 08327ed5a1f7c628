"""Which products are the same product: the grouping key of a product record.

Owns the rules that decide that two records (usually from two shops) sell the
same thing, so the catalog can find every record of a group and the product
stage can group what it fetched. A key is a pure function of one record and
the grouping mode, which is what keeps a grouped product's URL stable while
shops come and go (`group_url`).

- `gtin`: a valid GTIN (EAN-8, UPC-A, EAN-13, GTIN-14; spaces and hyphens
  ignored, check digit verified, all zeros rejected) in GTIN-14 form. Feeds
  put "0", "-" or a product number in the field: those group nothing.
- `gtin+name`: as `gtin`; a record without a valid GTIN is keyed by its
  normalised brand and model name (case, diacritics, punctuation and a brand
  repeated at the start of the name ignored). Records without a brand are
  never grouped by name: "Lampa, orange" from two shops is not one product.

It must not know about pages or templates.
"""

from __future__ import annotations

import functools
import hashlib
import re

from generator.core.textfold import fold, slugify
from generator.sources.models import Product

GROUPINGS = ("none", "gtin", "gtin+name")
_GTIN_LENGTHS = (8, 12, 13, 14)
_SEPARATORS = re.compile(r"[\s\-]+")
_WORDS = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=1 << 16)
def gtin_key(raw: str) -> str:
    """The GTIN-14 form of `raw` ("07350012345678"), or "" when it is no valid GTIN. Memoised: a build keys
    every product it shows, and the catalog every row, often the same GTIN many times."""
    digits = _SEPARATORS.sub("", raw) if raw else ""
    if len(digits) not in _GTIN_LENGTHS or not digits.isascii() or not digits.isdigit() or not digits.strip("0"):
        return ""
    padded = digits.zfill(14)  # weights 3,1,3,... from the left of the 13 digits before the check digit
    total = 3 * sum(map(int, padded[0:13:2])) + sum(map(int, padded[1:13:2]))
    return padded if (10 - total % 10) % 10 == int(padded[13]) else ""


def name_key(brand: str, name: str) -> str:
    """"brand|model words" from a brand and a product name, or "" without a brand or a model name."""
    brand_words = _WORDS.findall(fold(brand))
    name_words = _WORDS.findall(fold(name))
    if name_words[:len(brand_words)] == brand_words:
        name_words = name_words[len(brand_words):]
    if not brand_words or not name_words:
        return ""
    return " ".join(brand_words) + "|" + " ".join(name_words)


def group_key(product: Product, grouping: str) -> str:
    """"gtin:<14 digits>", "name:<brand|model>" or "" (not grouped) for `product` under `grouping`."""
    if grouping == "none":
        return ""
    gtin = gtin_key(product.gtin)
    if gtin:
        return "gtin:" + gtin
    if grouping == "gtin+name":
        name = name_key(product.attributes.brand, product.name)
        return "name:" + name if name else ""
    return ""


def group_url(key: str) -> str:
    """The grouped product's page: `/p/7350012345678/` (a GTIN-14 with a leading zero as its 13 digits) or
    `/p/m-<brand-model>/`. Product pages are `/p/<id>-<slug>/`, so these never collide with one."""
    kind, _, value = key.partition(":")
    if kind == "gtin":
        return f"/p/{value[1:] if value.startswith('0') else value}/"
    words = value.replace("|", " ")
    slug = slugify(words, "product", length=70)
    if slug != words.replace(" ", "-"):  # cut short or letters dropped: a digest keeps two such names apart
        slug = f"{slug}-{hashlib.blake2b(value.encode(), digest_size=4).hexdigest()}"
    return f"/p/m-{slug}/"
