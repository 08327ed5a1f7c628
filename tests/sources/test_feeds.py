"""Tests for generator/sources/feeds.py against a loopback http.server serving fixture feeds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.commands.catalog import catalog_group
from generator.sources.catalog import CatalogSource
from generator.sources.feeds import FeedError, FeedFetcher, parse_store_feed, FeedStore, sync_feeds
from generator.sources.query import ProductQuery
from tests.support.loopback import DirectoryServer

pytestmark = pytest.mark.server
FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
KEY = "test-key-123"
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<products><product><product_id>1</product_id><name>&lol9;</name><price>1</price></product></products>
"""


class FeedServer:
    """A directory laid out like the feed host: feeds/{key}.xml and feeds/{key}/{store}.xml."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        (root / "feeds" / KEY).mkdir(parents=True)
        self.control(FEEDS / "control.xml")
        self.store(51, (FEEDS / "store-51.xml").read_bytes())
        self.store(306, (FEEDS / "store-306.xml").read_bytes())
        self.httpd = DirectoryServer(root).__enter__()
        self.requests = self.httpd.requests
        self.base_url = self.httpd.origin

    def control(self, source: Path | bytes) -> None:
        data = source if isinstance(source, bytes) else source.read_bytes()
        (self.root / "feeds" / f"{KEY}.xml").write_bytes(data)

    def store(self, store_id: int, data: bytes) -> None:
        (self.root / "feeds" / KEY / f"{store_id}.xml").write_bytes(data)

    def store_requests(self) -> list[str]:
        return [r for r in self.requests if f"/{KEY}/" in r]

    def close(self) -> None:
        self.httpd.__exit__(None, None, None)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FeedServer]:
    srv = FeedServer(tmp_path / "www")
    yield srv
    srv.close()


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[CatalogSource]:
    with CatalogSource(tmp_path / "catalog.sqlite") as source:
        yield source


def _sync(catalog: CatalogSource, server: FeedServer, **options: object):
    fetcher = FeedFetcher(KEY, server.base_url, **options)
    try:
        return sync_feeds(catalog, fetcher)
    finally:
        fetcher.close()


def _ids(catalog: CatalogSource, **params: object) -> list[int]:
    return [p.product_id for p in catalog.search(ProductQuery(**params)).products]


def test_first_sync_imports_every_store(catalog: CatalogSource, server: FeedServer) -> None:
    report = _sync(catalog, server)
    assert [(s.store_id, s.status, s.products) for s in report.stores] == [(51, "imported", 3), (306, "imported", 2)]
    assert "1 entries without id" in report.stores[0].message
    assert _ids(catalog) == [900001, 900002, 900003, 900101, 900102]
    lamp = catalog.search(ProductQuery(product_id=900001)).products[0]
    assert lamp.store.name == "RUM21" and lamp.brand == "Nordlux"
    assert lamp.attributes.shipping_cost == 0 and lamp.attributes.stock is True
    assert dict(lamp.attributes.other) == {"EnergyClass": "A+"}  # unknown elements kept, own spelling
    assert lamp.description == "Vägglampa för entré & dörr."
    assert lamp.image(440) == "https://cdn.example/900001-440.jpg"
    assert catalog.search(ProductQuery(product_id=900002)).products[0].attributes.stock is None
    assert _ids(catalog, query="dorr") == _ids(catalog, query="dörr") == [900001]  # description "dörr"
    assert _ids(catalog, category_id=14) == [900001, 900003]  # parent_id from the feed; 432 has none here
    assert _ids(catalog, reduction_percent_min=20) == [900001, 900003, 900102]


def test_no_change_sync_reimports_nothing(catalog: CatalogSource, server: FeedServer) -> None:
    _sync(catalog, server)
    server.requests.clear()
    report = _sync(catalog, server)
    assert {s.status for s in report.stores} == {"unchanged"}
    assert server.store_requests() == []


def test_one_store_changed(catalog: CatalogSource, server: FeedServer) -> None:
    _sync(catalog, server)
    server.store(306, (FEEDS / "store-306.xml").read_bytes().replace(b"<price>49</price>", b"<price>39</price>")
                 .replace(b"900102", b"900103"))
    server.control((FEEDS / "control.xml").read_bytes().replace(b"2024-05-02 08:30:00", b"2024-05-03 09:00:00"))
    server.requests.clear()
    report = _sync(catalog, server)
    assert [(s.store_id, s.status, s.removed) for s in report.stores] == [(51, "unchanged", 0), (306, "imported", 1)]
    assert server.store_requests() == [f"/feeds/{KEY}/306.xml"]
    assert _ids(catalog, store_id=306) == [900101, 900103]  # 900102 left the feed
    assert catalog.search(ProductQuery(product_id=900101)).products[0].price.price == 39


def test_store_removed_from_control_feed(catalog: CatalogSource, server: FeedServer) -> None:
    _sync(catalog, server)
    server.control((FEEDS / "control.xml").read_bytes().split(b"<store id=")[0] + b"</Stores>")
    report = _sync(catalog, server)
    assert [(s.store_id, s.status, s.removed) for s in report.stores] == [(51, "unchanged", 0), (306, "removed", 2)]
    assert _ids(catalog, store_id=306) == []
    assert catalog.counts()["feed_state"] == 1


def test_broken_feed_leaves_store_untouched(catalog: CatalogSource, server: FeedServer) -> None:
    _sync(catalog, server)
    server.store(51, (FEEDS / "store-51.xml").read_bytes()[:700])
    server.control((FEEDS / "control.xml").read_bytes().replace(b"2024-05-01", b"2024-06-01"))
    report = _sync(catalog, server)
    failed = report.with_status("failed")
    assert [s.store_id for s in failed] == [51] and "invalid XML" in failed[0].message
    assert KEY not in failed[0].message
    assert _ids(catalog, store_id=51) == [900001, 900002, 900003]
    server.store(51, (FEEDS / "store-51.xml").read_bytes())
    assert [s.status for s in _sync(catalog, server).stores] == ["imported", "unchanged"]  # retried next time


def test_billion_laughs_is_rejected_quickly(catalog: CatalogSource, server: FeedServer) -> None:
    server.store(51, BOMB)
    start = time.perf_counter()
    report = _sync(catalog, server)
    assert time.perf_counter() - start < 2
    assert report.stores[0].status == "failed" and "unsafe XML" in report.stores[0].message
    assert _ids(catalog, store_id=51) == []
    with pytest.raises(FeedError):
        parse_store_feed(BOMB, FeedStore(51, "RUM21", "x"), "bomb.xml")


def test_filters_are_sent_and_applied(catalog: CatalogSource, server: FeedServer) -> None:
    _sync(catalog, server, with_reduction=True, exclude_categories=[436])
    assert any("withReduction" in r and "categoryIds=-436" in r for r in server.requests)
    assert _ids(catalog) == [900001, 900102]  # on sale, and not a table lamp


def test_json_imports_survive_feed_removal(catalog: CatalogSource, server: FeedServer, tmp_path: Path) -> None:
    line = ('{"product_id": 5, "name": "Egen lampa", "price": {"price": 10}, '
            '"store": {"store_id": 306, "name": "SC Styling"}}')
    (tmp_path / "own.jsonl").write_text(line + "\n", encoding="utf-8")
    catalog.import_files([tmp_path / "own.jsonl"])
    _sync(catalog, server)
    server.control((FEEDS / "control.xml").read_bytes().split(b"<store id=")[0] + b"</Stores>")
    _sync(catalog, server)
    assert _ids(catalog, store_id=306) == [5]


def test_unreachable_server_is_one_line_error(catalog: CatalogSource, server: FeedServer) -> None:
    (server.root / "feeds" / f"{KEY}.xml").unlink()
    with pytest.raises(FeedError) as info:
        _sync(catalog, server)
    message = info.value.format_message()
    assert "HTTP 404" in message and KEY not in message and "<api-key>" in message


def test_cli_sync_feeds(tmp_path: Path, server: FeedServer) -> None:
    db = str(tmp_path / "cli.sqlite")
    result = CliRunner().invoke(catalog_group, ["sync-feeds", "--catalog", db, "--base-url", server.base_url],
                                env={"SHOPELLO_API_KEY": KEY})
    assert result.exit_code == 0, result.output
    assert "2 imported, 0 unchanged, 0 removed, 0 failed stores" in result.output
    server.store(51, b"<products><product>")
    result = CliRunner().invoke(catalog_group, ["sync-feeds", "--catalog", db, "--base-url", server.base_url,
                                                "--force"], env={"SHOPELLO_API_KEY": KEY})
    assert result.exit_code == 1 and "1 store feed(s) failed" in result.output and "Traceback" not in result.output
