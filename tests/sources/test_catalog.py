"""Tests for generator/sources/catalog*.py: the query cases, imports, the source API, the CLI."""

from __future__ import annotations

import asyncio
import json
import pickle
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands.catalog import catalog_group
from generator.core.asyncrun import run_sync
from generator.core.errors import ShelfpressError, SourceError
from generator.sources.catalog import CatalogSource
from generator.sources.catalog_import import upsert_products
from generator.sources import catalog_query
from generator.sources.catalog_query import disseminate, load_products
from generator.sources.catalog_schema import SCHEMA, payload_digest, transaction
from generator.sources.demo import demo_catalog
from generator.sources.models import PAYLOAD_FORMAT, Product
from generator.sources.query import ProductQuery
from tests.support.catalog_cases import ALL_PRODUCTS, CASES, FIXTURES, build_test_catalog

DEMO_DATA = Path(__file__).resolve().parents[2] / "generator" / "assets" / "data"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> CatalogSource:
    source = build_test_catalog(tmp_path_factory.mktemp("catalog") / "catalog.sqlite")
    yield source
    source.close()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_query_case(catalog: CatalogSource, case) -> None:
    case.expect.verify(asyncio.run(catalog.products(case.query)))


def test_cases_cover_every_parameter() -> None:
    used = {name for case in CASES for name, value in vars(case.query).items()
            if value not in (None, False, (), 0) and not (hasattr(value, "include") and not value)}
    assert used >= set(ProductQuery.parameter_names())
    assert len(CASES) >= 30


def test_output_is_deterministic(tmp_path: Path) -> None:
    first = build_test_catalog(tmp_path / "a.sqlite")
    second = build_test_catalog(tmp_path / "b.sqlite")
    for case in CASES:
        assert first.search(case.query) == second.search(case.query), case.id


def test_reimport_is_idempotent(tmp_path: Path, catalog: CatalogSource) -> None:
    source = build_test_catalog(tmp_path / "c.sqlite")
    before = source.counts()
    source.import_files([FIXTURES / "extra-products.jsonl", DEMO_DATA / "demo-products.jsonl"])
    assert source.counts() == before
    assert before["products"] == ALL_PRODUCTS


def test_product_round_trips_as_sent(catalog: CatalogSource) -> None:
    raw = json.loads((DEMO_DATA / "demo-products.jsonl").read_text(encoding="utf-8").splitlines()[0])
    product = asyncio.run(catalog.product(raw["product_id"]))
    assert product is not None and product.description == raw["description"]  # "&nbsp;" kept as sent
    assert product.to_api()["images"] == raw["images"]
    assert asyncio.run(catalog.product(1)) is None


def test_only_new_or_renamed_products_queue_related_lists(tmp_path: Path) -> None:
    """Related lists depend on names alone: re-importing the same products (the demo site does on every
    build) recomputes nothing, so numpy is not even loaded; a renamed product is recomputed."""
    with demo_catalog(tmp_path / "demo.sqlite") as source:
        products = [asyncio.run(source.product(pid)) for pid in (95639730, 62554750)]
        assert all(products)
        assert source.conn.execute("SELECT COUNT(*) FROM related_dirty").fetchone() == (0,)
        with transaction(source.conn):
            upsert_products(source.conn, products)
            assert source.conn.execute("SELECT COUNT(*) FROM related_dirty").fetchone() == (0,)
            renamed = Product.from_api({**products[0].to_api(), "name": "Soho taklampa, svart"})
            upsert_products(source.conn, [renamed, products[1]])
            assert source.conn.execute("SELECT product_id FROM related_dirty").fetchall() == [(95639730,)]


def test_entities_are_not_search_words(catalog: CatalogSource) -> None:
    assert catalog.search(ProductQuery(query="nbsp")).products == ()


def test_related_products_share_name_words(catalog: CatalogSource) -> None:
    related = asyncio.run(catalog.related_products(95639730))  # Soho pendel, orange
    ids = [p.product_id for p in related]
    assert 95639730 not in ids
    assert set(ids[:2]) == {62554750, 194535682}  # the other "... pendel, orange"
    assert asyncio.run(catalog.related_products(1)) == []


def test_categories_tree_stores_brands(catalog: CatalogSource) -> None:
    tree = asyncio.run(catalog.category_tree())
    by_name = {node.category.name: node for node in tree}
    assert {c.category.name for c in by_name["Belysning"].children} >= {"Taklampor", "Bordslampor", "Golvlampor"}
    walked = [node.category.name for node, _ in by_name["Övrigt bygg & trädgård"].walk()]
    assert "Dörrar" in walked
    (below,) = asyncio.run(catalog.category_tree(14))
    assert below.category.category_id == 14
    assert {n.category.category_id for n in below.children} == {422, 432, 435, 436}
    assert asyncio.run(catalog.category_tree(999999)) == []
    assert asyncio.run(catalog.category(432)).parent_id == 14
    stores = asyncio.run(catalog.stores())
    assert {s.store_id for s in stores} >= {51, 113, 859, 2001}
    assert asyncio.run(catalog.store(51)).name == "RUM21"
    brands = {b.name: b.brand_id for b in asyncio.run(catalog.brands())}
    assert brands["Kartell"] == 294545237  # the API's id, from the response's extra.brands
    assert "Swedoor" in brands and "" not in brands
    assert asyncio.run(catalog.price_history(62559094)) == []


def test_fetch_many_deduplicates(catalog: CatalogSource) -> None:
    queries = [ProductQuery(category_id="1,3"), ProductQuery(category_id=[3, 1]), ProductQuery(limit=1)]
    before = catalog.stats.requests
    answers = asyncio.run(catalog.fetch_many(queries))
    assert len(answers) == 2 and catalog.stats.requests - before == 2


def test_products_load_in_batches_under_sqlite_parameter_limit_and_are_shared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A home listing of a million products names more ids than one SQLite statement may bind (250,000
    here): rows are read a batch at a time, in the order asked, and each product is parsed once per build."""
    source = build_test_catalog(tmp_path / "c.sqlite")
    ids = [pid for (pid,) in source.conn.execute("SELECT product_id FROM products ORDER BY name")]
    ids.insert(5, 1)  # an unknown id is skipped
    source.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 10)
    monkeypatch.setattr(catalog_query, "LOAD_BATCH", 8)
    memo: dict[str, Product | None] = {}
    first = load_products(source.conn, ids, memo)
    assert [p.product_id for p in first] == [pid for pid in ids if pid != 1] and len(first) == ALL_PRODUCTS
    again = load_products(source.conn, ids[::-1], memo)
    assert all(a is b for a, b in zip(first, again[::-1]))  # one Product per product, whichever query loads it
    assert all(len(key) == 32 for key in memo)  # keyed by the payload's digest, not its text


def test_disseminate_is_lazy_and_stable() -> None:
    rows = [(1, 10), (2, 10), (3, 20), (4, 20), (5, 30), (6, 10)]
    assert [pid for pid, _ in disseminate(rows)] == [1, 3, 5, 2, 4, 6]
    assert [pid for pid, _ in disseminate([(1, 10), (2, 10)])] == [1, 2]


def test_demo_catalog_is_fast_and_offline(tmp_path: Path) -> None:
    import time

    start = time.perf_counter()
    with demo_catalog(tmp_path / "demo.sqlite") as source:
        assert time.perf_counter() - start < 2
        assert source.counts()["products"] == 32
        assert source.search(ProductQuery(query="lampa", category_id=14)).products


@pytest.mark.parametrize("content, message", [
    ('{"product_id": 1, "name": "a", "price": {"price": 1}}\n{oops\n', ":2: invalid JSON"),
    ("[1, 2]", "product: expected an object"),
    ('{"data": 5}', '"data" must be a list'),
])
def test_import_errors_name_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with CatalogSource(tmp_path / "c.sqlite") as source:
        with pytest.raises(ShelfpressError) as info:
            source.import_files([bad])
        assert message in info.value.format_message() and str(bad) in info.value.format_message()
        assert source.counts()["products"] == 0  # the whole file was rolled back


def test_import_drops_hostile_products_with_warnings_naming_file_line_id_and_field(tmp_path: Path) -> None:
    lines = [{"product_id": 1, "name": "Lampa", "price": {"price": 10}},
             {"product_id": 2, "name": "Dyr", "price": {"price": "1e400"}},
             {"product_id": 3, "name": {"sv": "Objekt"}, "price": {"price": 10}},
             {"product_id": 4, "name": "Utan bild", "price": {"price": 10}, "images": {"160": ["x"]}},
             {"name": "no id", "price": {"price": 10}}]
    data = tmp_path / "hostile.jsonl"
    data.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    with CatalogSource(tmp_path / "c.sqlite") as source:
        report = source.import_files([data])
        assert source.counts()["products"] == 2
    assert report.summary().endswith("(3 products dropped for bad data)")
    assert report.warnings == [
        f"{data}:2: product 2: price.price: '1e400' is not a finite number; product dropped",
        f"{data}:3: product 3: name: expected text, got dict {{'sv': 'Objekt'}}; product dropped",
        f"{data}:4: product 4: images.160: expected text, got list ['x']; field ignored",
        f"{data}:5: product ?: product_id: missing; product dropped",
    ]
    result = CliRunner().invoke(catalog_group, ["import", "--catalog", str(tmp_path / "cli.sqlite"), str(data)])
    assert result.exit_code == 0 and "WARNING: " + report.warnings[0] in result.output


def test_a_hostile_catalog_row_is_dropped_when_loaded(tmp_path: Path) -> None:
    """Rows written before validation existed (or by hand) pass the same parser as API data."""
    warnings: list[str] = []
    with CatalogSource(tmp_path / "c.sqlite", on_warning=lambda message, kind: warnings.append(message)) as source:
        source.import_files([FIXTURES / "extra-products.jsonl"])
        (pid,) = source.conn.execute("SELECT product_id FROM products ORDER BY product_id LIMIT 1").fetchone()
        payload = json.loads(source.conn.execute("SELECT payload FROM products WHERE product_id = ?",
                                                 (pid,)).fetchone()[0])
        payload["price"]["price"] = float("nan")
        source.conn.execute("UPDATE products SET payload = ? WHERE product_id = ?", (json.dumps(payload), pid))
        assert asyncio.run(source.product(pid)) is None
        assert pid not in [p.product_id for p in source.search(ProductQuery(limit=None)).products]
    assert warnings == [f"product {pid}: price.price: nan is not a finite number; product dropped"]


def test_rows_the_catalog_wrote_load_as_checked_and_hand_written_rows_are_validated(tmp_path: Path) -> None:
    """Imported rows skip validation (they were validated on the way in) and bring a digest of their payload;
    a row inserted or edited by hand is validated, whatever it claims."""
    with CatalogSource(tmp_path / "c.sqlite") as source:
        source.import_files([FIXTURES / "extra-products.jsonl"])
        first, second = (row[0] for row in source.conn.execute(
            "SELECT product_id FROM products ORDER BY product_id LIMIT 2"))
        loaded = asyncio.run(source.product(first))
        assert loaded is not None and loaded.digest
        payload = json.loads(source.conn.execute("SELECT payload FROM products WHERE product_id = ?",
                                                 (first,)).fetchone()[0])
        payload["description"] = "x" * 20_000
        source.conn.execute("UPDATE products SET payload = ? WHERE product_id = ?", (json.dumps(payload), first))
        payload["product_id"] = 424242
        source.conn.execute("INSERT INTO products (product_id, name, payload) VALUES (424242, 'n', ?)",
                            (json.dumps(payload),))
        for pid in (first, 424242):
            edited = asyncio.run(source.product(pid))
            assert edited is not None and edited.digest == ""
            assert len(edited.description) < 20_000  # validation cut it to the documented length
        assert asyncio.run(source.product(second)).digest not in ("", loaded.digest)


def test_rows_keep_their_digest_url_and_gtin_and_a_hand_edit_of_them_is_validated(tmp_path: Path) -> None:
    """A written row carries its payload's digest, click URL and GTIN beside the payload, and a listing's
    products are made from those columns; editing one of them by hand (the payload left as it was) clears
    the row's mark, so the product comes from its payload, validated."""
    with CatalogSource(tmp_path / "c.sqlite") as source:
        source.import_products([Product.from_api({"product_id": 7, "name": "Lampa", "price": {"price": 10},
                                                  "url": "https://shop.example/lampa",
                                                  "attributes": {"gtin": "4006381333931"}})])
        payload, digest_, url, gtin = source.conn.execute(
            "SELECT payload, digest, url, gtin FROM products WHERE product_id = 7").fetchone()
        assert (digest_, url, gtin) == (payload_digest(payload), "https://shop.example/lampa", "4006381333931")
        (loaded,) = load_products(source.conn, [7])
        assert (loaded.digest, loaded.url, loaded.gtin) == (digest_, url, gtin)
        source.conn.execute("UPDATE products SET url = 'javascript:alert(1)', gtin = 'x' WHERE product_id = 7")
        (edited,) = load_products(source.conn, [7])
        assert (edited.url, edited.gtin, edited.digest) == ("https://shop.example/lampa", "4006381333931", "")


def test_rows_written_before_the_digest_columns_load_as_they_did(tmp_path: Path) -> None:
    """A catalog of schema 3 (rows without digest, URL and GTIN columns) is migrated when opened; its old
    rows still load as checked products, equal to freshly imported ones, with the same digest."""
    path = tmp_path / "old.sqlite"
    with CatalogSource(tmp_path / "fresh.sqlite") as fresh:
        fresh.import_files([FIXTURES / "extra-products.jsonl"])
        rows = fresh.conn.execute("SELECT product_id, name, payload, checked FROM products").fetchall()
        ids = [row[0] for row in rows]
        expected = load_products(fresh.conn, ids)
    old = sqlite3.connect(path)
    for migration in SCHEMA.migrations[:3]:
        old.executescript(migration)
    old.execute("PRAGMA user_version = 3")
    old.executemany("INSERT INTO products (product_id, name, payload, checked) VALUES (?, ?, ?, ?)", rows)
    old.commit()
    old.close()
    with CatalogSource(path) as source:
        assert source.conn.execute("SELECT COUNT(*) FROM products WHERE digest IS NULL").fetchone()[0] == len(ids)
        loaded = load_products(source.conn, ids)
    assert loaded == expected and [p.digest for p in loaded] == [p.digest for p in expected]
    assert all(p.digest for p in loaded)


def test_not_a_catalog_file(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ShelfpressError, match="bogus.sqlite"):
        CatalogSource(bogus)


def test_cli_import_stats_search(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "cli.sqlite")
    result = runner.invoke(catalog_group, ["import", "--catalog", db, str(DEMO_DATA / "demo-taxonomy.json"),
                                           str(DEMO_DATA / "demo-products.jsonl")])
    assert result.exit_code == 0 and "32 products" in result.output
    result = runner.invoke(catalog_group, ["stats", "--catalog", db])
    assert "products" in result.output and "32" in result.output
    result = runner.invoke(catalog_group, ["search", "--catalog", db, "lampa", "--category", "14", "--limit", "3"])
    lines = result.output.splitlines()
    assert result.exit_code == 0 and lines[0].split() == ["ID", "PRICE", "STORE", "BRAND", "NAME"]
    assert len(lines) == 5 and lines[-1] == "3 of 9 products"
    assert lines[1].index("SEK") == lines[2].index("SEK") or lines[0].index("STORE") == lines[1].index("Magasin")
    result = runner.invoke(catalog_group, ["import", "--catalog", db, str(tmp_path / "missing.json")])
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_catalog_products_are_made_from_their_rows_when_first_read(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading a listing's products decodes none of their rows (an incremental build renders few of them);
    each product, once read, is the one its row holds, also when the row has `\\u` escapes (a lone
    surrogate would come out of SQLite's decoder differently: such a row is decoded at once)."""
    with CatalogSource(tmp_path / "c.sqlite") as source:
        source.import_files([FIXTURES / "extra-products.jsonl"])
        source.import_products([Product.from_api({"product_id": 990001, "name": "Lampa Åsa", "price": {"price": 10},
                                                  "url": "https://shop.example/lampa-ö", "attributes": {"gtin": "4006381333931"}})])
        escaped = json.dumps(Product.from_api({"product_id": 990002, "name": "Stol Ölme", "price": {"price": 5},
                                               "url": "https://shop.example/stol"}).to_api())  # ensure_ascii: \u escapes
        source.conn.execute("INSERT INTO products (product_id, name, payload, checked) VALUES (990002, 'n', ?, ?)",
                            (escaped, PAYLOAD_FORMAT))
        rows = dict(source.conn.execute("SELECT product_id, payload FROM products"))
        decoded: list[str] = []
        real_loads = json.loads
        monkeypatch.setattr(json, "loads", lambda text, *a, **k: decoded.append(text) or real_loads(text, *a, **k))
        loaded = source.search(ProductQuery(limit=None)).products
        assert len(loaded) == len(rows) and decoded == [escaped]
        assert [(p.product_id, p.name, p.url) for p in loaded] == [  # no record decoded for these either
            (p.product_id, p.name, p.url) for p in (Product.from_checked(real_loads(rows[p.product_id])) for p in loaded)]
        assert decoded == [escaped]
        monkeypatch.setattr(json, "loads", real_loads)
        for product in loaded:
            expected = Product.from_checked(json.loads(rows[product.product_id]))
            assert product == expected and repr(product) == repr(expected) and product.gtin == expected.gtin


def _lamp(pid: int, name: str, price: float) -> Product:
    return Product.from_api({"product_id": pid, "name": name, "price": {"price": price},
                             "url": f"https://shop.example/{pid}"})


def test_the_change_log_names_what_changed_since_a_token(tmp_path: Path) -> None:
    """A build asks which products changed since the log stood where its last build read it: written, deleted
    and those whose related list was recomputed, whatever wrote them (an import, a hand edit in SQL). Another
    file's log, or a generation the catalog has not reached (a backup restored), cannot tell."""
    others = [_lamp(100 + n, f"Gadget{n}", n + 1) for n in range(40)]  # one new product recomputes a few lists only
    with CatalogSource(tmp_path / "c.sqlite") as source:
        source.import_products([_lamp(1, "Brass lamp", 10), _lamp(2, "Brass lamp large", 20),
                                _lamp(3, "Oak chair", 30), *others])
        version = source.change_token()
        assert source.changed_since(version) == set()
        source.import_products([_lamp(3, "Oak chair", 31)])  # a price: the related lists stay as they were
        assert source.changed_since(version) == {3}
        after_price = source.change_token()
        source.import_products([_lamp(4, "Brass lamp small", 5)])  # a new name: the brass lamps' lists change
        assert source.changed_since(after_price) == {1, 2, 4}
        assert 4 in source.related_naming({1}) and source.related_naming({3}) == set()
        latest = source.change_token()
        source.conn.execute("DELETE FROM products WHERE product_id = 3")
        assert 3 in source.changed_since(latest)  # type: ignore[operator]
        assert source.changed_since(version) >= {1, 2, 3, 4}  # type: ignore[operator]
        log, _, generation = version.partition(":")
        assert source.changed_since(f"0123456789abcdef:{generation}") is None  # a catalog made anew at this path
        assert source.changed_since(f"{log}:{int(generation) + 10_000}") is None
        assert source.changed_since("live") is None


def test_a_catalog_migrated_to_the_change_log_cannot_tell_changes_before_it(tmp_path: Path) -> None:
    """The log starts when the catalog is migrated: a generation from before says nothing (None), so the build
    compares every page; generations after it are answered."""
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    for migration in SCHEMA.migrations[:4]:
        old.executescript(migration)
    old.execute("PRAGMA user_version = 4")
    old.execute("INSERT INTO products (product_id, name, payload) VALUES (1, 'Lamp', '{}')")  # generation 1
    old.commit()
    old.close()
    with CatalogSource(path) as source:
        version = source.change_token()
        assert version.endswith(":1") and source.changed_since(version[:-1] + "0") is None
        assert source.changed_since(version) == set()
        source.import_products([_lamp(2, "Chair", 3)])  # (every related list is recomputed in so small a catalog)
        assert 2 in source.changed_since(version)  # type: ignore[operator]


def test_a_lean_fetch_reads_each_record_only_when_a_field_beyond_its_columns_is_asked_for(tmp_path: Path) -> None:
    """A build that carries most pages over fetches its listings lean: the same products, equal field by field,
    made of their rows' columns, each record's text read when first needed, one by one or in bulk
    (`fill_text`); rows from before the columns were kept load in full."""
    with CatalogSource(tmp_path / "c.sqlite") as source:
        source.import_files([FIXTURES / "extra-products.jsonl"])
        source.conn.execute("UPDATE products SET digest = NULL WHERE product_id = "
                            "(SELECT MIN(product_id) FROM products)")  # an old row: no digest column yet
        query = ProductQuery(limit=None)
        full = source.search(query).products
    with CatalogSource(tmp_path / "c.sqlite") as source:
        lean = run_sync(source.fetch_lean([query]))[query].products  # (asyncio.run's task repr reads all)
        readers = [p.text_reader() for p in lean]
        assert readers[0] is None and readers[1] is not None and len(set(map(id, readers[1:]))) == 1
        assert [(p.product_id, p.name, p.url, p.gtin, p.digest) for p in lean] == [
            (p.product_id, p.name, p.url, p.gtin, p.digest) for p in full]
        assert all(p.text_reader() is readers[1] for p in lean[1:])  # none of those read a record
        assert lean[1].price == full[1].price and lean[1].text_reader() is None  # read now, its fields made
        source.fill_text(lean[2:])
        assert all(p.text_reader() is None for p in lean)
        assert list(lean) == list(full) and [repr(p) for p in lean] == [repr(p) for p in full]


def test_a_lean_product_reads_its_record_in_another_process_and_never_another_version_of_it(tmp_path: Path) -> None:
    """A lean product travels to a render worker as the catalog's path; a record rewritten after the build read
    its row is refused with a one-line error naming the catalog and product, not shown in its new version."""
    path = tmp_path / "c.sqlite"
    with CatalogSource(path) as source:
        source.import_products([_lamp(1, "Brass lamp", 10), _lamp(2, "Oak chair", 30)])
        query = ProductQuery(limit=None)
        lamp, chair = run_sync(source.fetch_lean([query]))[query].products
        travelled = pickle.loads(pickle.dumps(lamp))
        assert travelled.text_reader() is not None and travelled.price.price == 10 and travelled == lamp
        source.import_products([_lamp(2, "Oak chair", 31)])
        with pytest.raises(SourceError, match=r"c\.sqlite: product 2 changed while the build read the catalog"):
            chair.description  # noqa: B018  (reading it is the test)
        source.fill_text([chair])  # the new record is not taken either
        assert chair.text_reader() is not None
