"""The demo catalog: real Shopello products shipped as package data.

Owns building a catalog from `generator/data/` (32 real products from two
API responses as JSON lines, plus a taxonomy file with the category tree,
stores and brands), so the demo site builds offline with no API key. It must
not change the product data: it is imported exactly as the API sent it.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from .catalog import CatalogSource
from .records import WarningSink

DEMO_FILES = ("demo-taxonomy.json", "demo-products.jsonl")


def demo_catalog(path: str | Path, *, on_warning: WarningSink | None = None) -> CatalogSource:
    """Open (creating if needed) the catalog at `path` and upsert the demo data into it.

    Idempotent and fast (a few milliseconds); the caller closes the source.
    """
    source = CatalogSource(path, on_warning=on_warning)
    data = files("generator") / "data"
    try:
        for name in DEMO_FILES:
            with as_file(data / name) as file:
                source.import_files([file])
    except BaseException:
        source.close()
        raise
    return source
