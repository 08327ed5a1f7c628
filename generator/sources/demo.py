"""The demo catalog: real Shopello products shipped as package data.

Owns building a catalog from `generator/assets/data/` (32 real products from two
API responses as JSON lines, plus a taxonomy file with the category tree,
stores and brands), so the demo site builds offline with no API key. It must
not change the product data: it is imported exactly as the API sent it.
"""

from __future__ import annotations

import hashlib
from importlib.resources import as_file, files
from pathlib import Path

from generator.sources.catalog import CatalogSource
from generator.sources.catalog_schema import transaction
from generator.sources.records import WarningSink

DEMO_FILES = ("demo-taxonomy.json", "demo-products.jsonl")


def demo_catalog(path: str | Path, *, on_warning: WarningSink | None = None) -> CatalogSource:
    """Open (creating if needed) the catalog at `path`, holding the demo data; the caller closes the source.

    The data is imported when the catalog does not hold this version of it yet (a digest of the files is
    kept in its `meta` table). Importing it again on every open would move the catalog's data version each
    time, so a demo site would never be "unchanged" (no short no-change build, no dev-server text edit)."""
    source = CatalogSource(path, on_warning=on_warning)
    data = files("generator.assets") / "data"
    try:
        marker = hashlib.blake2b(b"".join((data / name).read_bytes() for name in DEMO_FILES), digest_size=16).hexdigest()
        held = source.conn.execute("SELECT value FROM meta WHERE key = 'demo_data'").fetchone()
        if held is None or held[0] != marker:
            for name in DEMO_FILES:
                with as_file(data / name) as file:
                    source.import_files([file])
            with transaction(source.conn):
                source.conn.execute("INSERT OR REPLACE INTO meta VALUES ('demo_data', ?)", (marker,))
    except BaseException:
        source.close()
        raise
    return source
