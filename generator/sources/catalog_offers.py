"""Every record in the catalog that is the same product as one the site shows (see `offer_keys.py`).

A grouped product's "where to buy" lists every shop the catalog knows, not
only those a listing happened to fetch: one pass over the catalog reads each
row's GTIN (and, for `gtin+name`, brand and name) from its payload, keys it
by the same rules as the product stage, and loads the rows whose key is
wanted. The pass reads three short JSON fields per row (about 10 ms for
10,000 products), so it needs no column or migration of its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Mapping

from generator.sources.catalog_query import load_products
from generator.sources.models import Product
from generator.sources.offer_keys import gtin_key, name_key
from generator.sources.records import IssueSink

# Rows without a GTIN are skipped by a substring test before any JSON is parsed (by name, every row is read).
_GTIN_ROWS = """SELECT product_id, json_extract(payload, '$.attributes.gtin'), NULL, NULL FROM products
WHERE instr(payload, '"gtin"') AND json_valid(payload)"""
_ALL_ROWS = """SELECT product_id, json_extract(payload, '$.attributes.gtin'), json_extract(payload, '$.attributes.brand'),
name FROM products WHERE json_valid(payload)"""
_BATCH = 500  # ids per load: well under SQLite's limit on parameters


def same_products(conn: sqlite3.Connection, keys: Collection[str], grouping: str,
                  parsed: dict[str, Product | None] | None = None, report: IssueSink | None = None,
                  known: Mapping[int, Product] | None = None) -> dict[str, list[Product]]:
    """key -> the catalog's products with that group key (by product id), for each of `keys` found. Products in
    `known` (the build fetched them moments earlier) are not loaded again."""
    if not keys or grouping == "none":
        return {}
    known = known or {}
    members: dict[str, list[int]] = {}
    for product_id, gtin, brand, name in conn.execute(_ALL_ROWS if grouping == "gtin+name" else _GTIN_ROWS):
        key = ""
        found = gtin_key(str(gtin)) if isinstance(gtin, (str, int)) else ""
        if found:
            key = "gtin:" + found
        elif grouping == "gtin+name" and isinstance(brand, str) and (by_name := name_key(brand, name)):
            key = "name:" + by_name
        if key in keys:
            members.setdefault(key, []).append(product_id)
    wanted = sorted(i for ids in members.values() for i in ids if i not in known)
    by_id = {p.product_id: p for start in range(0, len(wanted), _BATCH)
             for p in load_products(conn, wanted[start:start + _BATCH], parsed, report)}
    by_id.update((i, known[i]) for ids in members.values() for i in ids if i in known)
    return {key: [by_id[i] for i in ids if i in by_id] for key, ids in members.items()}
