"""Any record through the whole build (issue 30): data is cleaned once, at the source boundary, so every
HTML, JSON and XML file a build writes parses, and the build exits 0.

Records come from the loopback Shopello API (the path where a lone surrogate once failed the cache write)
and from a catalog import file; they are the record parser's fuzz records (tests/sources/test_records.py) with
hostile text (lone surrogates, U+FFFE/U+FFFF, controls, markup) put into the fields pages show.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.sites import run, tree, write_site
from tests.support.memory_backend import MemoryBackend
from tests.support.shopello_server import ShopelloServer
from tests.sources.test_records import GOOD, XML_UNSAFE, records

pytestmark = pytest.mark.server

API_KEY = "fuzz-api-key-71c0"
EPOCH = "1767225600"
SITE_CONFIG = """\
title = "Fuzz <shop> & co"
base_url = "https://user.github.io/repo/"
search = false
categories.enabled = {categories}
[source]
kind = "{kind}"
{source}
"""
LISTING = "---\ntitle: Lamps\nlisting:\n  query: lamp\n  per_page: 3\n---\n"
PIECES = st.sampled_from(["\ud800", "\udfff", "\ufffe", "\uffff", "\U0010ffff", "\ufdd0", "\x00", "\x08", "\x0b",
                          "\x1b", "\x7f", "\x85", "\r", "\t", "\n", "<", ">", "&", "&amp;", "&#0;", "]]>", "</script>",
                          "<!--", '"', "'", "\u2028", "\U0001f600", "Ø", " "])
HOSTILE_TEXT = st.lists(PIECES | st.text(max_size=4), min_size=1, max_size=10).map("".join)
SHOWN_FIELDS = ("name", "description", "brand", "category", "store")


@st.composite
def hostile_record(draw: st.DrawFn) -> Any:
    """A fuzz record, often with hostile text in the fields pages, feeds and JSON show."""
    raw = draw(records())
    if not isinstance(raw, dict):
        return raw
    raw = {**raw, "product_id": draw(st.integers(100, 999))}
    for field in draw(st.lists(st.sampled_from(SHOWN_FIELDS), unique=True, max_size=5)):
        value = draw(HOSTILE_TEXT)
        if field == "brand":
            raw["attributes"] = {"brand": value, draw(HOSTILE_TEXT): draw(HOSTILE_TEXT)}
        elif field == "category":
            raw["categories"] = [{"category_id": 14, "name": value}]
        elif field == "store":
            raw["store"] = {"store_id": 51, "name": value, "url": ""}
        else:
            raw[field] = "x" + value if field == "name" else value  # a name that is not empty, mostly
    return raw


SECOND = {**GOOD, "product_id": 8, "name": "Golvlampa"}
RECORD_LISTS = st.lists(hostile_record(), min_size=1, max_size=6)


class _StrictHTML(HTMLParser):
    """html.parser over a page, collecting what a hostile value that escaped its context would leave."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.tags: list[str] = []
        self._script: str | None = None
        self._data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, _ in attrs:
            if not re.fullmatch(r"[a-z][a-z0-9:_.-]*", name) or name.startswith("on"):
                self.problems.append(f"<{tag}> has an attribute {name!r}")
        if tag == "script":
            self._script, self._data = dict(attrs).get("type") or "", []

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._data.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            if "json" in self._script:
                try:
                    json.loads("".join(self._data))
                except ValueError as exc:
                    self.problems.append(f"a {self._script} script is not JSON: {exc}")
            self._script = None


def refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def assert_every_file_parses(root: Path) -> None:
    """Every HTML, JSON and XML file under `root` is UTF-8 that parses; none holds a character XML or HTML forbids."""
    checked = {".html": 0, ".json": 0, ".xml": 0}
    for path in sorted(root.rglob("*")):
        if path.suffix not in checked or not path.is_file():
            continue
        checked[path.suffix] += 1
        where = path.relative_to(root).as_posix()
        text = path.read_bytes().decode("utf-8")  # strict: a surrogate would not even have been written
        unsafe = XML_UNSAFE.search(text)
        assert unsafe is None, f"{where}: {unsafe[0]!r} at {unsafe.start()}"  # type: ignore[index]
        if path.suffix == ".xml":
            ElementTree.fromstring(text.encode("utf-8"))
        elif path.suffix == ".json":
            json.loads(text, parse_constant=refuse_constant)
        else:
            parser = _StrictHTML()
            parser.feed(text)
            parser.close()
            assert parser.problems == [], f"{where}: {parser.problems}"
            assert parser.tags.count("html") == 1 and parser.tags.count("body") == 1, where
    assert all(checked.values()), checked  # the site wrote each kind of file


def build_ok(site: Path) -> str:
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and API_KEY not in result.output
    return result.output


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("SHOPELLO_API_KEY", API_KEY)
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", "fuzz-signing-secret")


def api_site(root: Path, server: ShopelloServer, *, categories: bool = False) -> Path:
    config = SITE_CONFIG.format(kind="shopello", categories=str(categories).lower(),
                                source=f'api_base = "{server.url}"\nretries = 0\n')
    return write_site(root, {"content/lamps.md": LISTING, "content/tips.md": "---\ntitle: Tips\n---\n\n"
                             '{{< products query="lamp" limit="6" >}}\n'}, config)


def test_any_api_record_through_the_whole_build_writes_files_that_parse(tmp_path: Path, environment: None,
                                                                        memory_backend: MemoryBackend) -> None:
    examples = iter(range(10**6))
    with ShopelloServer(memory_backend, api_key=API_KEY) as server:
        @settings(max_examples=20, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
        @given(RECORD_LISTS)
        def check(raws: list[Any]) -> None:
            server.clear_faults()
            # Two good products: a listing of one writes no products.json, and one of none is another test's subject.
            data = [GOOD, SECOND, *raws]
            server.fail("body", endpoint="products", body={"status": True, "data": data, "total_found": len(data)})
            site = api_site(tmp_path / f"example-{next(examples)}", server)
            build_ok(site)
            assert_every_file_parses(site / "public")
            build_ok(site)  # from the response cache, which stored the same text
            assert_every_file_parses(site / "public")

        check()


def test_a_lone_surrogate_neither_fails_the_cache_nor_any_build_after(tmp_path: Path, environment: None,
                                                                       memory_backend: MemoryBackend) -> None:
    bad = {**GOOD, "product_id": 77, "name": "Lampa \ud800 \ufffe\uffff\x00 Ø40",
           "categories": [{"category_id": 14, "name": "Belysning \udfff"}]}
    taxonomy = [{"category_id": 14, "name": "Belysning \ud800\uffff\x1b"}]
    with ShopelloServer(memory_backend, api_key=API_KEY) as server:
        server.fail("body", endpoint="products", body={"status": True, "data": [GOOD, bad], "total_found": 2})
        server.fail("body", endpoint="category_tree", body={"status": True, "data": taxonomy})
        site = api_site(tmp_path / "site", server, categories=True)
        build_ok(site)
        first = tree(site / "public")
        requests = len(server.requests)
        build_ok(site)
        assert len(server.requests) == requests  # all answered from the cache it wrote
    assert_every_file_parses(site / "public")
    page = first["p/77-lampa-40/index.html"].decode()
    assert "Lampa \ufffd \ufffd\ufffd Ø40" in page and "Belysning \ufffd" in page
    assert "Belysning \ufffd\ufffd" in first["c/14-belysning/index.html"].decode()


def test_hostile_names_in_a_catalog_import_file_are_cleaned_before_they_are_stored(tmp_path: Path,
                                                                                  environment: None) -> None:
    bad = {**GOOD, "product_id": 78, "name": "Lampa \ud800\ufffe\x00", "store": {"store_id": 51, "name": "RUM\uffff"}}
    doc = {"data": [GOOD, bad], "categories": [{"category_id": 14, "name": "Belysning \ud800"}],
           "stores": [{"store_id": 51, "name": "RUM\ufffe21", "url": "https://rum21.example/\x00"}]}
    site = write_site(tmp_path / "site", {"content/lamps.md": LISTING},
                      SITE_CONFIG.format(kind="catalog", categories="true", source='catalog = "products.sqlite"'))
    (tmp_path / "products.json").write_text(json.dumps(doc), encoding="ascii")  # "\ud800" as a JSON escape
    result = run("catalog", "import", "-C", str(site), str(tmp_path / "products.json"))
    assert result.exit_code == 0, result.output
    build_ok(site)
    assert_every_file_parses(site / "public")
    assert "Belysning \ufffd" in (site / "public" / "c" / "14-belysning" / "index.html").read_text("utf-8")
