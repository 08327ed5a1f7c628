"""Writing into the catalog: products, categories, stores and brands.

Owns every INSERT/DELETE on the catalog's product, category, store and
brand tables (`feeds.py` owns `feed_state`) and the reading of import
files: the API's JSON response shape (`{"data": [product...], "extra":
{...}}`), JSON lines (one product object per line) and taxonomy files
(`{"categories": [...], "stores": [...], "brands": [...]}`). Writes are
upserts keyed by id, batched with executemany and done in one transaction
per file, so importing the same file twice changes nothing and a broken
file (invalid JSON, a line that is no object) leaves the catalog as it was.
Products are validated as the API's are (`parse_product`): a product with
hostile data is dropped, or loses the bad field, with a warning naming
file:line, product id and field, in the ImportReport.

Product data is stored as sent (untrusted; escaping is the renderer's job);
only the FTS copy of the text has HTML entities decoded so that "&nbsp;"
does not become a search word. This module must not answer queries.
"""

from __future__ import annotations

import html
import io
import json
import sqlite3
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from generator.core.jsondepth import loads_json
from generator.core.platform import can_fork, cores
from generator.core.process_pool import in_forked_workers
from generator.sources.catalog_related import StageProgress, mark_changed, refresh_related
from generator.sources.catalog_schema import CatalogError, brand_key, payload_digest, transaction
from generator.sources.models import PAYLOAD_FORMAT, Brand, Category, Product, Store, parse_product
from generator.sources.records import clean_text

BATCH = 2000
PARALLEL_LINES = 20_000  # a JSON-lines file from this many lines is read in forked workers, on every core
LOST = "nothing was imported from this file; import it again"
_reading: Path | None = None  # the file `_read_chunk` reads; set before a fork
DOCUMENT_KEYS = ("data", "product_id", "categories", "stores", "brands")


@dataclass
class ImportReport:
    """What one import did, for the CLI's summary line.

    Categories, stores and brands are counted as the distinct ones the files named, whether in a
    taxonomy file, a response's `extra` or only on the products themselves (a JSON-lines import
    names a product's categories, store and brand too).
    """

    products: int = 0
    dropped: int = 0
    warnings: list[str] = field(default_factory=list)
    category_ids: set[int] = field(default_factory=set)
    store_ids: set[int] = field(default_factory=set)
    brand_keys: set[str] = field(default_factory=set)

    @property
    def categories(self) -> int:
        return len(self.category_ids)

    @property
    def stores(self) -> int:
        return len(self.store_ids)

    @property
    def brands(self) -> int:
        return len(self.brand_keys)

    def add(self, other: ImportReport) -> None:
        self.products += other.products
        self.dropped += other.dropped
        self.warnings += other.warnings
        self.category_ids |= other.category_ids
        self.store_ids |= other.store_ids
        self.brand_keys |= other.brand_keys

    def summary(self) -> str:
        return (f"{self.products} products, {self.categories} categories, "
                f"{self.stores} stores, {self.brands} brands"
                + (f" ({self.dropped} products dropped for bad data)" if self.dropped else ""))


def reduction_of(product: Product) -> float:
    """The sale reduction in percent; derived from regular_price when the API left it 0."""
    price = product.price
    if price.reduction_percent > 0:
        return price.reduction_percent
    if price.regular_price > price.price > 0:
        return round(100 * (1 - price.price / price.regular_price), 2)
    return 0.0


def derived_brand_id(key: str) -> int:
    """A stable id for a brand the API gave no id for (same name -> same id, any import order)."""
    return 1_000_000_000_000 + zlib.crc32(key.encode("utf-8"))


def upsert_products(conn: sqlite3.Connection, products: Iterable[Product], *,
                    feed_store: int | None = None, report: ImportReport | None = None,
                    written: Callable[[int], None] | None = None) -> int:
    """Insert or replace `products` (and the stores, categories and brands they name, recorded in
    `report` when given); `written(count)` after each batch.

    The caller owns the transaction. Returns the number of products written.
    """
    count = 0
    iterator = iter(products)
    while batch := list(islice(iterator, BATCH)):
        count += _store(conn, _prepare(batch, feed_store), report)
        if written is not None:
            written(count)
    return count


@dataclass
class Prepared:
    """One batch of products as the catalog's rows (`_prepare`), to write with `_store`: made where the
    products are read (in a worker, for a big file), written where the transaction is."""

    products: int = 0  # as read (a product named twice counts twice, as its row is written twice)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    texts: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    links: list[tuple[int, int]] = field(default_factory=list)
    categories: dict[int, str] = field(default_factory=dict)
    stores: dict[int, tuple[int, str, str]] = field(default_factory=dict)
    brands: dict[str, str] = field(default_factory=dict)


def _prepare(batch: list[Product], feed_store: int | None) -> Prepared:
    """The rows of `batch`, and the categories, stores and brands its products name. A product named twice
    is written once, as it is last named (as when the two are in different batches: the product's text
    row would otherwise be inserted twice, which fails)."""
    out = Prepared(len(batch))
    for p in {p.product_id: p for p in batch}.values():
        key = brand_key(p.brand)
        payload = json.dumps(p.to_api(), ensure_ascii=False, separators=(",", ":"))
        out.rows.append((p.product_id, p.name, key, p.store.store_id, p.price.price, reduction_of(p),
                         1 if p.images else 0, feed_store, payload, PAYLOAD_FORMAT, payload_digest(payload), p.url,
                         p.gtin))
        out.texts.append((p.product_id, html.unescape(p.name), p.brand,
                          " ".join(c.name for c in p.categories), html.unescape(p.description)))
        out.links.extend((p.product_id, c.category_id) for c in p.categories)
        out.categories.update((c.category_id, c.name) for c in p.categories)
        if p.store.store_id:
            out.stores[p.store.store_id] = (p.store.store_id, p.store.name, p.store.url)
        if key:
            out.brands.setdefault(key, " ".join(p.brand.split()))
    return out


def _store(conn: sqlite3.Connection, batch: Prepared, report: ImportReport | None) -> int:
    """Write one prepared batch (marking the products whose related lists change) and record in `report`
    the categories, stores and brands it names; returns its number of products."""
    renamed = _new_or_renamed(conn, [(row[0], row[1]) for row in batch.rows])
    ids = [(row[0],) for row in batch.rows]
    conn.executemany("DELETE FROM product_text WHERE rowid = ?", ids)
    conn.executemany("DELETE FROM product_categories WHERE product_id = ?", ids)
    conn.executemany("INSERT OR REPLACE INTO products (product_id, name, brand_key, store_id, price, reduction, "
                     "has_images, feed_store, payload, checked, digest, url, gtin) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch.rows)
    conn.executemany("INSERT INTO product_text (rowid, name, brand, categories, description) "
                     "VALUES (?, ?, ?, ?, ?)", batch.texts)
    conn.executemany("INSERT OR IGNORE INTO product_categories VALUES (?, ?)", batch.links)
    conn.executemany("INSERT INTO categories (category_id, name) VALUES (?, ?) "
                     "ON CONFLICT (category_id) DO UPDATE SET name = excluded.name", batch.categories.items())
    conn.executemany("INSERT INTO stores (store_id, name, url) VALUES (?, ?, ?) ON CONFLICT (store_id) "
                     "DO UPDATE SET name = excluded.name, url = excluded.url", batch.stores.values())
    conn.executemany("INSERT OR IGNORE INTO brands VALUES (?, ?, ?)",
                     [(derived_brand_id(k), name, k) for k, name in batch.brands.items()])
    if report is not None:
        report.category_ids.update(batch.categories)
        report.store_ids.update(batch.stores)
        report.brand_keys.update(batch.brands)
    mark_changed(conn, renamed)
    return batch.products


def _new_or_renamed(conn: sqlite3.Connection, named: list[tuple[int, str]]) -> list[int]:
    """Ids of (id, name) pairs that are new or whose name changed: related lists depend on names alone, so
    re-importing unchanged products (the demo data, on every build) recomputes nothing."""
    known = dict(conn.execute("SELECT product_id, name FROM products WHERE product_id IN "
                              "(SELECT value FROM json_each(?))", (json.dumps([pid for pid, _ in named]),)))
    return [pid for pid, name in named if known.get(pid) != name]


def delete_products(conn: sqlite3.Connection, product_ids: Iterable[int]) -> int:
    """Remove products (and their text and category links); the caller owns the transaction."""
    ids = [(pid,) for pid in product_ids]
    conn.executemany("DELETE FROM product_text WHERE rowid = ?", ids)
    conn.executemany("DELETE FROM product_categories WHERE product_id = ?", ids)
    conn.executemany("DELETE FROM products WHERE product_id = ?", ids)
    mark_changed(conn, (pid for (pid,) in ids))
    return len(ids)


def upsert_categories(conn: sqlite3.Connection, categories: Iterable[Category]) -> int:
    """Insert or update categories; a missing parent_id never erases a known one."""
    rows = [(c.category_id, c.name, c.parent_id) for c in categories]
    conn.executemany("INSERT INTO categories VALUES (?, ?, ?) ON CONFLICT (category_id) DO UPDATE SET "
                     "name = excluded.name, parent_id = COALESCE(excluded.parent_id, categories.parent_id)",
                     rows)
    return len(rows)


def upsert_stores(conn: sqlite3.Connection, stores: Iterable[Store]) -> int:
    """Insert or update stores; empty url/logo never erase known ones."""
    rows = [(s.store_id, s.name, s.url, s.logo) for s in stores]
    conn.executemany("INSERT INTO stores VALUES (?, ?, ?, ?) ON CONFLICT (store_id) DO UPDATE SET "
                     "name = excluded.name, url = COALESCE(NULLIF(excluded.url, ''), stores.url), "
                     "logo = COALESCE(NULLIF(excluded.logo, ''), stores.logo)", rows)
    return len(rows)


def upsert_brands(conn: sqlite3.Connection, brands: Iterable[Brand]) -> int:
    """Insert brands with the API's ids; an API id replaces a derived one for the same name."""
    rows = [(b.brand_id, " ".join(b.name.split()), brand_key(b.name)) for b in brands if b.name.strip()]
    conn.executemany("INSERT OR REPLACE INTO brands VALUES (?, ?, ?)", rows)
    return len(rows)


# --- reading import files -------------------------------------------------------------------

def import_files(conn: sqlite3.Connection, paths: Iterable[str | Path],
                 progress: StageProgress | None = None) -> ImportReport:
    """Import each file in its own transaction; raises CatalogError naming file:line.

    `progress(stage, done, total)` tells how each file's products and then each stage of the related
    products go (`refresh_related`)."""
    report = ImportReport()
    for path in paths:
        report.add(import_file(conn, Path(path), progress))
    refresh_related(conn, progress)
    return report


def import_file(conn: sqlite3.Connection, path: Path, progress: StageProgress | None = None) -> ImportReport:
    """Import one JSON, JSON-lines or taxonomy file (detected from its content)."""
    try:
        with path.open("r", encoding="utf-8") as handle:
            first = handle.read(1)
            while first.isspace():
                first = handle.read(1)
            handle.seek(0)
            report = ImportReport()
            with transaction(conn):
                if first == "{" and not _is_json_lines(path):
                    _import_document(conn, path, _load_json(path, handle.read()), report, progress)
                else:
                    lines, chunks = _line_chunks(path)
                    written = _telling(progress, path, lines)
                    if lines >= PARALLEL_LINES and chunks and cores() > 1 and can_fork():
                        report.products = _upsert_in_workers(conn, path, chunks, report, written)
                    else:
                        report.products = upsert_products(conn, _json_lines(path, handle, report), report=report,
                                                          written=written)
            return report
    except FileNotFoundError:
        raise CatalogError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise CatalogError(f"{path}: not UTF-8 text; import JSON or JSON lines") from None
    except IsADirectoryError:
        raise CatalogError(f"{path}: is a directory; name the JSON files to import") from None


def _telling(progress: StageProgress | None, path: Path, total: int) -> Callable[[int], None] | None:
    """`written(count)` for `upsert_products` that reports the products of `path` written so far of about
    `total` (the dropped and blank lines are in `total`, so the count may end below it)."""
    if progress is None:
        return None
    stage = f"Importing {path.name}"
    return lambda count: progress(stage, count, max(count, total))


def _line_chunks(path: Path) -> tuple[int, list[tuple[int, int, int]]]:
    """How many lines `path` has (a JSON-lines file: about its products), and its lines in chunks of
    `BATCH`, as (first byte, end byte, number of the first line); no chunks when a line ends in a lone CR
    (text mode reads that as a line break, a split at LF would not)."""
    count, at, last, carried_cr = 0, 0, b"", b""
    bounds: list[tuple[int, int]] | None = [(0, 1)]
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            data = carried_cr + block
            carried_cr = b"\r" if data.endswith(b"\r") else b""
            body = data[:-1] if carried_cr else data
            if body.count(b"\r") != body.count(b"\r\n"):
                bounds = None
            found = block.find(b"\n")
            while found >= 0:
                count += 1
                if count % BATCH == 0 and bounds is not None:
                    bounds.append((at + found + 1, count + 1))
                found = block.find(b"\n", found + 1)
            at, last = at + len(block), block[-1:]
    if last not in (b"", b"\n"):
        count += 1  # a last line without its line break
    if bounds is None:
        return count, []
    ends = [start for start, _ in bounds[1:]] + [at]
    return count, [(start, end, first) for (start, first), end in zip(bounds, ends) if end > start]


def _upsert_in_workers(conn: sqlite3.Connection, path: Path, chunks: list[tuple[int, int, int]],
                       report: ImportReport, written: Callable[[int], None] | None) -> int:
    """The products of the JSON-lines file `path`, read and checked in forked workers, a chunk of lines
    each (`_read_chunk`), and written here in the order of the file, as `upsert_products` writes them."""
    global _reading
    count = 0
    _reading = path
    try:
        with closing(in_forked_workers(_read_chunk, chunks, cores(), role="import", lost=LOST)) as batches:
            for batch in batches:
                if isinstance(batch, str):
                    raise CatalogError(batch)
                prepared, warnings, dropped = batch
                report.warnings += warnings
                report.dropped += dropped
                count += _store(conn, prepared, report)
                if written is not None:
                    written(count)
    finally:
        _reading = None
    return count


def _read_chunk(chunk: tuple[int, int, int]) -> tuple[Prepared, list[str], int] | str:
    """In a worker: the products of the lines of `_reading` in `chunk` (`_line_chunks`) as rows, with the
    warnings and the count of dropped products; or why the file cannot be imported."""
    assert _reading is not None
    start, end, first = chunk
    with _reading.open("rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    try:
        lines = io.StringIO(data.decode("utf-8"), newline=None)  # line breaks read as text mode reads them
    except UnicodeDecodeError:
        return f"{_reading}: not UTF-8 text; import JSON or JSON lines"
    report = ImportReport()
    try:
        products = list(_json_lines(_reading, lines, report, first))
    except CatalogError as exc:
        return exc.format_message()
    return _prepare(products, None), report.warnings, report.dropped


def _is_json_lines(path: Path) -> bool:
    """A file whose first line is a whole JSON object is JSON lines (a document spans lines)."""
    with path.open("r", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    loads_json(line)
                except ValueError:
                    return False
                return bool(handle.readline().strip()) or path.suffix in (".jsonl", ".ndjson")
    return False


def _load_json(path: Path, text: str) -> Any:
    try:
        return loads_json(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg}); "
                           "fix the file or export it again") from None
    except ValueError as exc:  # nested too deep (`generator.core.jsondepth`)
        raise CatalogError(f"{path}: invalid JSON ({exc}); fix the file or export it again") from None


def _json_lines(path: Path, handle: Iterable[str], report: ImportReport, first: int = 1) -> Iterator[Product]:
    """The products of JSON lines read from `handle` (`first`: the number of its first line in `path`)."""
    for number, line in enumerate(handle, start=first):
        if not line.strip():
            continue
        try:
            raw = loads_json(line)
        except ValueError as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise CatalogError(f"{path}:{number}: invalid JSON ({detail}); "
                               "each line must be one product object") from None
        yield from _product(raw, path, number, report)


def _product(raw: Any, path: Path, where: int | str, report: ImportReport) -> Iterator[Product]:
    """The product in `raw`, if it is usable (see `parse_product`); what was dropped goes to `report`."""
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{path}:{where}: product: expected an object, got {type(raw).__name__}; "
                           "import JSON lines of product objects or an API response")
    product = parse_product(raw, lambda issue: report.warnings.append(f"{path}:{where}: {issue}"))
    if product is None:
        report.dropped += 1
    else:
        yield product


def _import_document(conn: sqlite3.Connection, path: Path, doc: Any, report: ImportReport,
                     progress: StageProgress | None) -> None:
    if not isinstance(doc, Mapping) or not any(key in doc for key in DOCUMENT_KEYS):
        raise CatalogError(f"{path}: expected an API response ({{\"data\": [...]}}), JSON lines of "
                           "products, or a taxonomy ({\"categories\"|\"stores\"|\"brands\": [...]})")
    if "product_id" in doc:
        report.products = upsert_products(conn, _product(doc, path, 1, report), report=report)
        return
    if "data" in doc:
        items = doc["data"]
        if not isinstance(items, list):
            raise CatalogError(f"{path}: \"data\" must be a list of products")
        report.products = upsert_products(
            conn, (p for i, item in enumerate(items) for p in _product(item, path, f"data[{i}]", report)),
            report=report, written=_telling(progress, path, len(items)))
        _import_extra(conn, path, doc.get("extra"), report)
    _import_taxonomy(conn, path, doc, report)


def _import_extra(conn: sqlite3.Connection, path: Path, extra: Any, report: ImportReport) -> None:
    """A response's `extra` names stores and brands (with the API's brand ids)."""
    if not isinstance(extra, Mapping):
        return
    brands = extra.get("brands")
    if isinstance(brands, Mapping):
        found = [Brand(_id(b.get("attribute_value_id"), path, "extra.brands"), _text(b.get("value")))
                 for b in brands.values() if isinstance(b, Mapping)]
        upsert_brands(conn, found)
        report.brand_keys.update(brand_key(b.name) for b in found if b.name.strip())
    stores = extra.get("stores")
    if isinstance(stores, Mapping):
        found_stores = [Store(_id(s.get("id"), path, "extra.stores"), _text(s.get("name")))
                        for s in stores.values() if isinstance(s, Mapping)]
        upsert_stores(conn, found_stores)
        report.store_ids.update(s.store_id for s in found_stores)


def _import_taxonomy(conn: sqlite3.Connection, path: Path, doc: Mapping[str, Any], report: ImportReport) -> None:
    for key in ("categories", "stores", "brands"):
        if key in doc and not isinstance(doc[key], list):
            raise CatalogError(f"{path}: \"{key}\" must be a list")
    categories = [Category(_id(c.get("category_id"), path, "categories"), _text(c.get("name")).strip(),
                           None if c.get("parent_id") in (None, "", 0) else _id(c["parent_id"], path, "categories"))
                  for c in _objects(doc.get("categories"), path, "categories")]
    stores = [Store(_id(s.get("store_id"), path, "stores"), _text(s.get("name")), _text(s.get("url")),
                    _text(s.get("logo")))
              for s in _objects(doc.get("stores"), path, "stores")]
    brands = [Brand(_id(b.get("brand_id"), path, "brands"), _text(b.get("name")))
              for b in _objects(doc.get("brands"), path, "brands")]
    upsert_categories(conn, categories)
    upsert_stores(conn, stores)
    upsert_brands(conn, brands)
    report.category_ids.update(c.category_id for c in categories)
    report.store_ids.update(s.store_id for s in stores)
    report.brand_keys.update(brand_key(b.name) for b in brands if b.name.strip())


def _text(value: Any) -> str:
    """A taxonomy name or URL from an import file, cleaned as product text is (`records.clean_text`)."""
    return clean_text(str(value or ""))


def _objects(items: Any, path: Path, key: str) -> Iterator[Mapping[str, Any]]:
    for index, item in enumerate(items or ()):
        if not isinstance(item, Mapping):
            raise CatalogError(f"{path}: {key}[{index}] must be an object")
        yield item


def _id(value: Any, path: Path, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CatalogError(f"{path}: {where}: {value!r} is not an id") from None
