"""Answering a ProductQuery from the catalog tables, with the `products` endpoint's semantics.

Owns the translation of every ProductQuery parameter into SQL and the
ordering rules; it only reads. What each parameter means here:

- `query`: words are what FTS5's unicode61 tokenizer sees (letters and
  digits), matched diacritic-insensitively. Mode default: every word must
  match; `or`: any word; `pre`: every word matches as a prefix ("lamp"
  finds "lampa"); `fill`: the all-words matches first, then padded up to
  `limit` with any-word matches (best first), then with the other products
  that pass the filters. `total_found` and facets count the all-words matches.
- Relevance is bm25 with the name weighted above brand, category names and
  description (`WEIGHTS`).
- Ids: include/exclude lists; a category id covers its sub-categories.
- `brand`: case- and whitespace-insensitive equality with the product's brand.
- Ranges are inclusive. `reduction_percent` is the API's, or derived from
  `regular_price` when the API left it 0.
- Order: `order_by` relevance (needs a query), price (default ASC) or
  reduction_percent (default DESC); no `order_by` means relevance when there
  is a query, otherwise product id; `order` flips the direction. Ties are
  always broken by product_id ascending, so output is deterministic.
- `disseminate`: the first products of the first 3 distinct stores (in
  result order) come first, then the rest in result order; applied before
  offset/limit so pages stay consistent.
- `limit` None returns every match.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from generator.core.errors import SourceError
from generator.core.textfold import words
from generator.sources.catalog_schema import brand_key, payload_digest
from generator.sources.models import PAYLOAD_FORMAT, Facets, FacetCount, Product, ProductPage, parse_product
from generator.sources.query import ProductQuery
from generator.sources.records import IssueSink

WEIGHTS = (10.0, 4.0, 2.0, 1.0)  # name, brand, categories, description
DISSEMINATE_STORES = 3
def match_expression(terms: Sequence[str], *, any_word: bool = False, prefix: bool = False) -> str:
    """An FTS5 MATCH expression; each word is quoted so no user text is FTS syntax."""
    quoted = [f'"{term}"' + ("*" if prefix else "") for term in terms]
    return (" OR " if any_word else " AND ").join(quoted)


@dataclass
class _Selection:
    """A FROM/WHERE over `products p` (optionally joined to FTS matches `m`) and its parameters."""

    match: str | None = None
    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def where(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self) -> tuple[str, list[Any]]:
        params: list[Any] = []
        sql = "FROM products p"
        if self.match is not None:
            weights = ", ".join(str(w) for w in WEIGHTS)
            sql += (f" JOIN (SELECT rowid AS pid, bm25(product_text, {weights}) AS score FROM product_text"
                    " WHERE product_text MATCH ?) m ON m.pid = p.product_id")
            params.append(self.match)
        if self.clauses:
            sql += " WHERE " + " AND ".join(self.clauses)
        return sql, params + self.params


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def descendants(conn: sqlite3.Connection, category_ids: Iterable[int]) -> list[int]:
    """The given categories and every category below them."""
    ids = list(category_ids)
    rows = conn.execute(
        f"WITH RECURSIVE tree(id) AS (VALUES {', '.join('(?)' for _ in ids)} "
        "UNION SELECT c.category_id FROM categories c JOIN tree ON c.parent_id = tree.id) "
        "SELECT id FROM tree ORDER BY id", ids)
    return [row[0] for row in rows]


def _filters(conn: sqlite3.Connection, query: ProductQuery) -> _Selection:
    """Every parameter except the text query and the ordering, as WHERE clauses."""
    sel = _Selection()
    if query.product_id.include:
        sel.where(f"p.product_id IN ({_placeholders(query.product_id.include)})", *query.product_id.include)
    if query.product_id.exclude:
        sel.where(f"p.product_id NOT IN ({_placeholders(query.product_id.exclude)})", *query.product_id.exclude)
    for ids, negate in ((query.category_id.include, ""), (query.category_id.exclude, "NOT ")):
        if ids:
            tree = descendants(conn, ids)
            sel.where(f"p.product_id {negate}IN (SELECT product_id FROM product_categories "
                      f"WHERE category_id IN ({_placeholders(tree)}))", *tree)
    if query.store_id.include:
        sel.where(f"p.store_id IN ({_placeholders(query.store_id.include)})", *query.store_id.include)
    if query.store_id.exclude:
        sel.where(f"p.store_id NOT IN ({_placeholders(query.store_id.exclude)})", *query.store_id.exclude)
    if query.brand:
        sel.where("p.brand_key = ?", brand_key(query.brand))
    for column, low, high in (("price", query.price_min, query.price_max),
                              ("reduction", query.reduction_percent_min, query.reduction_percent_max)):
        if low is not None:
            sel.where(f"p.{column} >= ?", low)
        if high is not None:
            sel.where(f"p.{column} <= ?", high)
    if query.has_images:
        sel.where("p.has_images = 1")
    return sel


def _order_sql(query: ProductQuery, *, relevance: bool) -> str:
    """ORDER BY for one tier; `relevance` says whether this tier has bm25 scores."""
    order_by = query.order_by or ("relevance" if query.query else None)
    if order_by == "relevance" and relevance:
        return f"m.score {'DESC' if query.order == 'ASC' else 'ASC'}, p.product_id"
    if order_by == "price":
        return f"p.price {query.order or 'ASC'}, p.product_id"
    if order_by == "reduction_percent":
        return f"p.reduction {query.order or 'DESC'}, p.product_id"
    return f"p.product_id {query.order or 'ASC'}"


class CatalogQuery:
    """One ProductQuery answered on one connection; `page()` is the result."""

    def __init__(self, conn: sqlite3.Connection, query: ProductQuery,
                 parsed: dict[str, Product | None] | None = None, report: IssueSink | None = None,
                 lean: StoredText | None = None) -> None:
        self.conn = conn
        self.parsed = parsed
        self.report = report
        self.lean = lean  # load the products without their record text (`load_products`)
        self.query = query
        terms = words(query.query or "")
        self.strict = _filters(conn, query)
        self.tiers: list[_Selection] = [self.strict]
        if terms:
            self.strict.match = match_expression(terms, any_word=query.mode == "or", prefix=query.mode == "pre")
            if query.mode == "fill":
                self._add_fill_tiers(terms)

    def _add_fill_tiers(self, terms: list[str]) -> None:
        any_word = match_expression(terms, any_word=True)
        if len(terms) > 1:
            partial = _filters(self.conn, self.query)
            partial.match = f"({any_word}) NOT ({self.strict.match})"
            self.tiers.append(partial)
        rest = _filters(self.conn, self.query)
        rest.where("p.product_id NOT IN (SELECT rowid FROM product_text WHERE product_text MATCH ?)", any_word)
        self.tiers.append(rest)

    def page(self) -> ProductPage:
        q = self.query
        ids = self._page_ids()
        total = self._count() if q.get_total_found else None
        facets = self._facets() if q.extra else Facets()
        return ProductPage(products=tuple(load_products(self.conn, ids, self.parsed, self.report, self.lean)), total_found=total, facets=facets)

    # --- the ordered result -------------------------------------------------------------

    def _rows(self, selection: _Selection, limit: int | None = None, offset: int = 0) -> Iterator[tuple[int, int]]:
        sql, params = selection.sql()
        sql = f"SELECT p.product_id, p.store_id {sql} ORDER BY {_order_sql(self.query, relevance=selection.match is not None)}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return iter(self.conn.execute(sql, params))

    def _page_ids(self) -> list[int]:
        q = self.query
        end = None if q.limit is None else q.offset + q.limit
        if len(self.tiers) == 1 and not q.disseminate:
            return [pid for pid, _ in self._rows(self.strict, q.limit if q.limit is not None else -1, q.offset)]
        head = None if q.disseminate else end
        rows: Iterator[tuple[int, int]] = chain.from_iterable(self._rows(tier, head) for tier in self.tiers)
        if q.disseminate:
            rows = disseminate(rows)
        return [pid for pid, _ in islice(rows, q.offset, end)]

    # --- total and facets (over the strict matches) --------------------------------------

    def _count(self) -> int:
        sql, params = self.strict.sql()
        return int(self.conn.execute(f"SELECT COUNT(*) {sql}", params).fetchone()[0])

    def _facets(self) -> Facets:
        extra = self.query.extra
        sql, params = self.strict.sql()
        matched = f"SELECT p.product_id, p.store_id, p.brand_key, p.price, p.reduction {sql}"
        facets: dict[str, Any] = {}
        if "categories" in extra:
            facets["categories"] = self._counts(
                f"SELECT c.category_id, c.name, COUNT(*) FROM ({matched}) x "
                "JOIN product_categories pc ON pc.product_id = x.product_id "
                "JOIN categories c ON c.category_id = pc.category_id GROUP BY c.category_id", params)
        if "stores" in extra:
            facets["stores"] = self._counts(
                f"SELECT s.store_id, s.name, COUNT(*) FROM ({matched}) x "
                "JOIN stores s ON s.store_id = x.store_id GROUP BY s.store_id", params)
        if "brands" in extra:
            facets["brands"] = self._counts(
                f"SELECT b.brand_id, b.name, COUNT(*) FROM ({matched}) x "
                "JOIN brands b ON b.key = x.brand_key WHERE x.brand_key != '' GROUP BY b.brand_id", params)
        if "max_price" in extra or "has_reduction" in extra:
            top, reduced = self.conn.execute(
                f"SELECT MAX(x.price), MAX(x.reduction > 0) FROM ({matched}) x", params).fetchone()
            if "max_price" in extra:
                facets["max_price"] = float(top or 0)
            if "has_reduction" in extra:
                facets["has_reduction"] = bool(reduced)
        return Facets(**facets)

    def _counts(self, sql: str, params: list[Any]) -> tuple[FacetCount, ...]:
        rows = self.conn.execute(sql, params).fetchall()
        rows.sort(key=lambda row: (-row[2], row[0]))
        return tuple(FacetCount(row[0], row[1], row[2]) for row in rows)


LOAD_BATCH = 2000  # rows read and parsed at a time: well under SQLite's limit on parameters (250,000 here)


class StoredText:
    """A catalog product's stored record text, read when the product is first asked for a field its row's
    columns do not hold (`load_products(lean=...)`): a build that carries over the pages of a million listed
    products renders a few dozen of them, and reading every record's text was most of its time and memory.

    Read in whichever process asks (a render worker too), on a connection of its own opened at first use;
    pickled as the catalog's path. The text is read by the product's id and digest: a record rewritten since
    the build read the row is an error (the build must start over), never a page made of another version."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).resolve()  # the same file from a worker whatever its working folder
        self._conn: sqlite3.Connection | None = None
        self._pid = 0

    def __reduce__(self) -> tuple[type[StoredText], tuple[Path]]:
        return StoredText, (self.path,)

    def __call__(self, product_id: int, digest: str) -> str:
        row = self._connection().execute("SELECT payload FROM products WHERE product_id = ? AND digest = ?",
                                         (product_id, digest)).fetchone()
        if row is None:
            raise SourceError(f"{self.path}: product {product_id} changed while the build read the catalog; "
                              "build again once the import is done")
        return str(row[0])

    def fill(self, products: Iterable[Product]) -> None:
        """Read the text of every product of `products` loaded without it, `LOAD_BATCH` at a time: a build that
        makes the pages of many lean products reads their text in a few queries, not one per product."""
        lean = [p for p in products if p.text_reader() is self]
        for start in range(0, len(lean), LOAD_BATCH):
            batch = {p.product_id: p for p in lean[start:start + LOAD_BATCH]}
            ids = list(batch)
            rows = self._connection().execute(
                f"SELECT product_id, digest, payload FROM products WHERE product_id IN ({_placeholders(ids)})", ids)
            for pid, stored_digest, payload in rows:
                if stored_digest == batch[pid].digest:  # else `__call__` reports the change when it is read
                    batch[pid].give_text(payload)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # a forked worker opens its own
            self._conn = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
            self._pid = os.getpid()
        return self._conn


def load_products(conn: sqlite3.Connection, ids: Sequence[int], parsed: dict[str, Product | None] | None = None,
                  report: IssueSink | None = None, lean: StoredText | None = None) -> list[Product]:
    """The products with these ids, in the order given; unknown ids are skipped.

    A payload this shelfpress stored from a validated Product (`checked`, see catalog_schema) is rebuilt
    as it is (`Product.stored`, made from the row's digest, click URL, name and GTIN columns; the payload is
    parsed only when another field is read). Any other payload passes the same validation as API responses
    (`parse_product`): a row that is no usable product (written by an older version, or by hand) is left out
    and reported to `report`.
    With `lean`, a stored product's payload is not even read: `lean` reads it when another field is first
    asked for (rows from before the columns were kept are read in full).
    `parsed` memoises parsing by the payload's digest (Products are frozen, and equal text gives an equal
    Product), so a build that loads the same product for a listing, a shortcode and ten related lists
    parses it once and shares one Product; a changed row is parsed afresh. Keyed by digest, not by the text,
    the memo holds a few dozen bytes per product beside the Products the site graph holds anyway.
    Rows are read `LOAD_BATCH` at a time: a listing of a million products never holds a million payloads.
    """
    if parsed is None:
        parsed = {}
    checked = f"checked = {PAYLOAD_FORMAT:d}"
    decoded = ", ".join(f"CASE WHEN {checked} AND digest IS NULL THEN json_extract(payload, '$.{path}') END"
                        for path in _KNOWN_AT_ONCE)
    out: list[Product] = []
    for start in range(0, len(ids), LOAD_BATCH):
        batch = ids[start:start + LOAD_BATCH]
        made = _lean_products(conn, batch, checked, parsed, lean) if lean is not None else {}
        missing = [pid for pid in batch if pid not in made]
        rows = {row[0]: row for row in conn.execute(
            f"SELECT product_id, payload, {checked}, digest, url, name, gtin, {decoded} "
            f"FROM products WHERE product_id IN ({_placeholders(missing)})", missing)} if missing else {}
        for pid in batch:
            if pid in made:
                if (product := made[pid]) is not None:  # (None: a record of this digest was no usable product)
                    out.append(product)
                continue
            row = rows.get(pid)
            if row is None:
                continue
            payload, is_checked, stored_digest, known = row[1], row[2], row[3], row[4:7] if row[3] else row[7:]
            key = stored_digest if is_checked and stored_digest else payload_digest(payload)
            if key not in parsed:
                parsed[key] = _parse_row(pid, payload, key, bool(is_checked), known, report)
            if (product := parsed[key]) is not None:
                out.append(product)
    return out


def _lean_products(conn: sqlite3.Connection, ids: Sequence[int], checked: str, parsed: dict[str, Product | None],
                   lean: StoredText) -> dict[int, Product | None]:
    """The products of `ids` made from their rows' columns (memoised in `parsed` by digest), with `lean` in
    place of the payload (`Product.stored` reads it from there when a field is first asked for); rows without
    those columns are left out, to be read in full."""
    made: dict[int, Product | None] = {}
    for pid, stored_digest, url, name, gtin in conn.execute(
            f"SELECT product_id, digest, url, name, gtin FROM products WHERE product_id IN ({_placeholders(ids)}) "
            f"AND {checked} AND digest IS NOT NULL AND url IS NOT NULL AND name IS NOT NULL", list(ids)):
        if stored_digest not in parsed:
            parsed[stored_digest] = Product.stored(pid, url, name, gtin or "", lean, stored_digest)
        made[pid] = parsed[stored_digest]
    return made


_KNOWN_AT_ONCE = ("url", "name", "attributes.gtin")  # what `Product.stored` is given, in its order


def _parse_row(pid: int, payload: str, key: str, checked: bool, known: Sequence[object],
               report: IssueSink | None) -> Product | None:
    """The Product of one row's `payload`, whose digest is `key`. A checked row's product is made when first
    read (`Product.stored`), given its click URL, name and GTIN: the row's columns, or for a row written
    before they existed, its payload's as SQLite decoded them (the text Python's decoder gives, as the
    payload has no `\\u` escape: the catalog writes them only for control characters; SQLite would decode a
    lone surrogate otherwise). Any other row is parsed now."""
    url, name, gtin = known if checked else (None, None, None)
    if type(url) is str and type(name) is str and (gtin is None or type(gtin) is str) and "\\u" not in payload:
        return Product.stored(pid, url, name, gtin or "", payload, key)
    raw = json.loads(payload)
    if checked:
        try:
            return Product.from_checked(raw, key)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # not the stored shape after all: validate it like any record
    return parse_product(raw, report)


def disseminate(rows: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Yield the first row of each of the first 3 distinct stores, then the others in order.

    Lazy: reads only as far as it needs to find those 3 stores.
    """
    picked: list[tuple[int, int]] = []
    held: list[tuple[int, int]] = []
    stores: set[int] = set()
    iterator = iter(rows)
    for row in iterator:
        if row[1] not in stores:
            stores.add(row[1])
            picked.append(row)
            if len(picked) == DISSEMINATE_STORES:
                break
        else:
            held.append(row)
    yield from picked
    yield from held
    yield from iterator
