"""The catalog's SQLite schema and connection: tables, indexes, FTS5, pragmas.

Owns the on-disk layout of a catalog file and how a connection to it is
opened (WAL, foreign keys off, a busy timeout). It must not know about
ProductQuery, imports or feeds; those modules only read and write the tables
declared here.

Layout
- `products`: one row per product; `payload` is the product in the API's
  own JSON shape (`Product.to_api()`, untrusted text kept as sent); the other
  columns are derived from it for filtering and ordering. `feed_store` is the
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
  (changed ids not yet folded in): see `catalog_related.py`.
- `meta.generation`: bumped by triggers on every write to products and the
  taxonomy tables, so a build can tell "the catalog did not change since the
  last build" from one integer.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import SourceError

SCHEMA_VERSION = 2

FTS_COLUMNS = ("name", "brand", "categories", "description")

_DDL = """
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
CREATE TABLE IF NOT EXISTS related (
    product_id INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    related_id INTEGER NOT NULL,
    score REAL NOT NULL,
    PRIMARY KEY (product_id, rank)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS related_target ON related (related_id);
CREATE TABLE IF NOT EXISTS related_dirty (product_id INTEGER PRIMARY KEY) WITHOUT ROWID;
INSERT OR IGNORE INTO meta VALUES ('generation', '0');
""" + "".join(f"""
CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_generation AFTER {event} ON {table}
BEGIN UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'; END;
""" for table in ("products", "categories", "stores", "brands") for event in ("INSERT", "UPDATE", "DELETE"))


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


def brand_key(name: str) -> str:
    """The form the `brand` filter compares: trimmed, whitespace-collapsed, case-folded."""
    return " ".join(name.split()).casefold()


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating if needed) the catalog at `path`, schema included.

    Raises CatalogError naming the file when it is not a usable catalog.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # One connection, used by one thread at a time: the build may drive it from a worker thread.
        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.executescript(_DDL)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) == 1:  # version 2 added related products: every list is due
            conn.execute("INSERT OR IGNORE INTO related_dirty SELECT product_id FROM products")
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            conn.close()
            raise CatalogError(f"{target}: catalog schema version {row[0]} is not supported "
                              f"(expected {SCHEMA_VERSION}); delete the file and re-import")
    except sqlite3.DatabaseError as exc:
        raise CatalogError(f"{target}: cannot open the catalog ({exc}); "
                          "check the path or delete the file and re-import") from None
    except OSError as exc:
        raise CatalogError(f"{target}: cannot create the catalog ({exc.strerror})") from None
    return conn


def generation(conn: sqlite3.Connection) -> int:
    """A number that changes whenever products, categories, stores or brands change."""
    return int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
