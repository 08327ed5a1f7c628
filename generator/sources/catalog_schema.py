"""The catalog's SQLite schema and connection: tables, indexes, FTS5, pragmas.

Owns the on-disk layout of a catalog file, as numbered migrations opened
through `generator.core.database.connect` (WAL, a busy timeout, a bigger page
cache). It must not know about
ProductQuery, imports or feeds; those modules only read and write the tables
declared here.

Layout
- `products`: one row per product; `payload` is the product in the API's
  own JSON shape (`Product.to_api()`, untrusted text kept as sent); the other
  columns are derived from it for filtering and ordering. `checked` is the
  `PAYLOAD_FORMAT` of a payload written from a validated Product (0: validate
  it when loading); such a row also keeps the payload's `digest`
  (`payload_digest`), click `url` and `gtin` (NULL in rows written by an
  older version). `feed_store` is the
  store id whose static feed owns the row (NULL for JSON imports), so a feed
  sync only removes what the feed put there.
- `product_categories`: product -> category links (a product may have several).
- `categories` (with `parent_id`), `stores`, `brands` (`key` is the
  case-folded name the `brand` filter compares with).
- `product_text`: FTS5 index over name, brand, category names and description
  with `rowid = product_id`, tokenizer `unicode61 remove_diacritics 2`: every
  diacritic is folded on both sides, so "dorr" finds "dörr" and "Bebe" finds
  "Bébé". Swedish å/ä/ö fold to a/o too: users on foreign keyboards and
  phones type them that way, and the few pairs it conflates (här/har) hardly
  occur in product names.
- `feed_state`: per store, the control feed's last-changed date we imported.
- `related` (product, rank -> related product, score) and `related_dirty`
  (changed ids not yet folded in): see `catalog_related.py` (ranked by
  `name_index.py`).
- `meta.generation`: bumped by triggers on every write to products and the
  taxonomy tables, so a build can tell "the catalog did not change since the
  last build" from one integer.
- `product_changes`: per product, the generation of its row's last write
  (insert, update, delete) or of its related list's last recomputation; with
  `meta.changes_from` (the generation the log starts at) and `meta.log_id` (a
  random id of this file's log: a catalog deleted and imported anew counts
  its generations again), a build asks which products changed since the
  generation its last build read (`CatalogSource.changed_since`) instead of
  comparing a million pages' products.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.core.database import Schema
from generator.core.database import connect as open_database
from generator.core.errors import SourceError

FTS_COLUMNS = ("name", "brand", "categories", "description")

_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (
    product_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    brand_key TEXT NOT NULL DEFAULT '',
    store_id INTEGER NOT NULL DEFAULT 0,
    price REAL NOT NULL DEFAULT 0,
    reduction REAL NOT NULL DEFAULT 0,
    has_images INTEGER NOT NULL DEFAULT 0,
    feed_store INTEGER,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS products_price ON products (price, product_id);
CREATE INDEX IF NOT EXISTS products_reduction ON products (reduction, product_id);
CREATE INDEX IF NOT EXISTS products_store ON products (store_id, product_id);
CREATE INDEX IF NOT EXISTS products_brand ON products (brand_key, product_id);
CREATE INDEX IF NOT EXISTS products_feed ON products (feed_store) WHERE feed_store IS NOT NULL;
CREATE TABLE IF NOT EXISTS product_categories (
    product_id INTEGER NOT NULL,
    category_id INTEGER NOT NULL,
    PRIMARY KEY (product_id, category_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS product_categories_category ON product_categories (category_id, product_id);
CREATE TABLE IF NOT EXISTS categories (
    category_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    parent_id INTEGER
);
CREATE INDEX IF NOT EXISTS categories_parent ON categories (parent_id);
CREATE TABLE IF NOT EXISTS stores (
    store_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    logo TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS brands (
    brand_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS feed_state (
    store_id INTEGER PRIMARY KEY,
    last_changed TEXT NOT NULL,
    synced_at TEXT NOT NULL,
    products INTEGER NOT NULL DEFAULT 0
);
CREATE VIRTUAL TABLE IF NOT EXISTS product_text USING fts5 (
    name, brand, categories, description,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT OR IGNORE INTO meta VALUES ('generation', '0');
INSERT OR IGNORE INTO meta VALUES ('schema_version', '1');
""" + "".join(f"""
CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_generation AFTER {event} ON {table}
BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
""" for table in ("products", "categories", "stores", "brands") for event in ("INSERT", "UPDATE", "DELETE"))

# Who lists a product among its related ones (a changed product's lists are found through it). A full
# refresh of related products drops it and makes it again after the rows (`catalog_related._refresh`).
RELATED_TARGET_INDEX = "CREATE INDEX IF NOT EXISTS related_target ON related (related_id)"

# Version 2 added related products: every product's list is due.
_V2 = f"""
CREATE TABLE IF NOT EXISTS related (
    product_id INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    related_id INTEGER NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (product_id, rank)
) WITHOUT ROWID;
{RELATED_TARGET_INDEX};
CREATE TABLE IF NOT EXISTS related_dirty (product_id INTEGER PRIMARY KEY) WITHOUT ROWID;
INSERT OR IGNORE INTO related_dirty SELECT product_id FROM products;
UPDATE meta SET value = '2' WHERE key = 'schema_version';
"""


def _adopt(conn: sqlite3.Connection) -> int:
    """A catalog from before numbered migrations kept its version in `meta` (which older releases still read)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


# Version 3: `checked` marks a payload this shelfpress wrote from a validated Product (`PAYLOAD_FORMAT`), which a
# build loads without validating it again; an UPDATE of the payload that does not set `checked` (a hand edit)
# clears the mark, so that row is validated like any API record. Older rows keep 0 until imported again.
_V3 = """
ALTER TABLE products ADD COLUMN checked INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER IF NOT EXISTS products_payload_edited AFTER UPDATE OF payload ON products
WHEN NEW.checked != 0 AND NEW.checked = OLD.checked
BEGIN UPDATE products SET checked = 0 WHERE product_id = NEW.product_id; END;
UPDATE meta SET value = '3' WHERE key = 'schema_version';
"""

# Version 4: a checked row also keeps its payload's digest (`payload_digest`), click URL and GTIN as columns, so a
# build places and fingerprints a listing's products without hashing or parsing a payload (a 10,000-product
# listing: 0.18 -> 0.06 s). They are filled when a product is written; rows written before stay NULL and are
# read as before. A hand edit of any of them, like one of the payload, clears `checked`.
_V4 = """
ALTER TABLE products ADD COLUMN digest TEXT;
ALTER TABLE products ADD COLUMN url TEXT;
ALTER TABLE products ADD COLUMN gtin TEXT;
DROP TRIGGER IF EXISTS products_payload_edited;
CREATE TRIGGER products_payload_edited AFTER UPDATE OF payload, name, digest, url, gtin ON products
WHEN NEW.checked != 0 AND NEW.checked = OLD.checked
BEGIN UPDATE products SET checked = 0 WHERE product_id = NEW.product_id; END;
UPDATE meta SET value = '4' WHERE key = 'schema_version';
"""


def _logging_trigger(event: str, *rows: str) -> str:
    """The products trigger for `event` that bumps the generation and then logs the products of `rows` (OLD,
    NEW) at it: one trigger, so the order of the two writes is certain. An update logs both ids, as an id can
    change."""
    ids = " UNION ".join(f"SELECT {row}.product_id AS id" for row in rows)
    return f"""
DROP TRIGGER IF EXISTS products_{event.lower()}_generation;
CREATE TRIGGER products_{event.lower()}_generation AFTER {event} ON products BEGIN
UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation';
INSERT OR REPLACE INTO product_changes SELECT id, CAST(value AS INTEGER) FROM ({ids}), meta
WHERE key = 'generation';
END;"""


# Version 5: the change log (see the module docstring). It starts empty at the current generation: a build whose
# last build read an older one compares every page, as before.
_V5 = """
CREATE TABLE IF NOT EXISTS product_changes (
    product_id INTEGER PRIMARY KEY,
    generation INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS product_changes_generation ON product_changes (generation);
INSERT OR REPLACE INTO meta SELECT 'changes_from', value FROM meta WHERE key = 'generation';
INSERT OR IGNORE INTO meta VALUES ('log_id', lower(hex(randomblob(8))));
""" + _logging_trigger("INSERT", "NEW") + _logging_trigger("UPDATE", "OLD", "NEW") + _logging_trigger("DELETE", "OLD") + """
UPDATE meta SET value = '5' WHERE key = 'schema_version';
"""

SCHEMA = Schema("catalog", [_V1, _V2, _V3, _V4, _V5], pragmas=("cache_size = -65536", "temp_store = MEMORY"), adopt=_adopt,
                hint="check the path or delete the file and re-import")
SCHEMA_VERSION = SCHEMA.version


class CatalogError(SourceError):
    """The catalog file or something being imported into it is unusable."""


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed on success, rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def payload_digest(payload: str) -> str:
    """The digest a product is fingerprinted by: of its row's payload text, as stored."""
    return hashlib.blake2b(payload.encode(), digest_size=16).hexdigest()


def brand_key(name: str) -> str:
    """The form the `brand` filter compares: trimmed, whitespace-collapsed, case-folded."""
    return " ".join(name.split()).casefold()


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) the catalog at `path`, schema included.

    Raises CatalogError naming the file when it is not a usable catalog.
    """
    # One connection, used by one thread at a time: the build may drive it from a worker thread.
    return open_database(path, SCHEMA, isolation_level=None, check_same_thread=False, error=CatalogError)


def not_a_catalog(path: Path) -> str:
    """Why the existing file at `path` is no catalog to build from, or "" when it is one.

    `connect` would take a zero-length file for a new, empty catalog (SQLite does), and a foreign SQLite
    file for an old catalog to migrate: a build would then publish a shop with no products. This reads
    the file without writing to it."""
    try:
        with open(path, "rb") as file:
            header = file.read(16)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not header:
        return "is empty (0 bytes), not a catalog"
    if header != b"SQLite format 3\x00":
        return "is not a catalog (not an SQLite file)"
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"is not a readable catalog ({exc})"
    return "" if {"products", "meta"} <= tables else "is an SQLite file but not a catalog (no products table)"


def generation(conn: sqlite3.Connection) -> int:
    """A number that changes whenever products, categories, stores or brands change."""
    return int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])


def change_log(conn: sqlite3.Connection) -> tuple[str, int] | None:
    """The change log's (`product_changes`) id and the generation it starts at: it knows every change after it.
    None when the file has no such id (a hand-made copy of the schema): its log is not trusted."""
    found = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('log_id', 'changes_from')"))
    return (str(found["log_id"]), int(found["changes_from"])) if len(found) == 2 else None
