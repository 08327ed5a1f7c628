"""`shelfpress links check` against loopback v1 and v3 servers and a loopback web server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from generator.config.schema import load_config
from generator.publish.link_health import check_links
from generator.publish.link_report import markdown
from generator.sources.models import Product
from tests.support.sites import SMALL_CONFIG, run, write_site
from tests.support.loopback import LoopbackServer
from tests.support.memory_backend import MemoryBackend
from tests.support.partner_server import PartnerServer
from tests.support.shopello_server import ShopelloServer

pytestmark = pytest.mark.server
API_KEY = "linkcheck-api-key-77aa"
PASSWORD = "linkcheck-partner-pw-51"
IN_STOCK, SOLD_OUT, GONE = 62559094, 210956234, 999999999
PINNED = f"""\
---
title: Lampor
---
Våra favoriter:

{{{{< products product_id="{IN_STOCK},{SOLD_OUT},{GONE}" >}}}}

Vi köpte vår matta hos [Rum21](https://www.rum21.se/mattor).
"""
EMPTY = """\
---
title: Tomt
listing:
  query: "zzz-no-such-product"
---
Inget här.
"""


@pytest.fixture
def backend() -> MemoryBackend:
    backend = MemoryBackend.from_fixtures()
    ids = {p.product_id for p in backend.all_products}
    assert {IN_STOCK, SOLD_OUT} <= ids and GONE not in ids
    index = next(i for i, p in enumerate(backend._products) if p.product_id == SOLD_OUT)
    raw = backend._products[index].to_api()
    raw["attributes"] = {**(raw.get("attributes") or {}), "stock": 0}
    backend._products[index] = Product.from_api(raw)
    return backend


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKCHECK_KEY", API_KEY)
    monkeypatch.setenv("LINKCHECK_PARTNER_PW", PASSWORD)


def site_for(root: Path, shopello: ShopelloServer, files: dict[str, str], partner: PartnerServer | None = None) -> Path:
    config = SMALL_CONFIG + f"""
[source]
kind = "shopello"
api_base = "{shopello.url}"
api_key_env = "LINKCHECK_KEY"
retries = 0
"""
    if partner is not None:
        config += f"""
[revenue]
partner_base = "{partner.url}"
partner_username = "partner"
partner_password_env = "LINKCHECK_PARTNER_PW"
"""
    return write_site(root, files, config=config)


def test_gone_and_sold_out_products_and_empty_listings(tmp_path: Path, backend: MemoryBackend, env: None) -> None:
    with ShopelloServer(backend, api_key=API_KEY) as shopello:
        site = site_for(tmp_path / "site", shopello, {"content/lampor.md": PINNED, "content/tomt.md": EMPTY})
        result = run("links", "check", "-C", str(site), "--strict")
        assert result.exit_code == 1
        lines = result.output.splitlines()
        assert f"content/lampor.md:6: products shortcode: product {GONE} is gone (the product API answers 404); " \
               "the page leaves it out; remove it, pin another or give the shortcode a fallback" in lines
        assert any(line.startswith(f"content/lampor.md:6: products shortcode: product {SOLD_OUT} (")
                   and line.endswith("is out of stock") for line in lines)
        assert not any(str(IN_STOCK) in line for line in lines)
        assert "content/tomt.md:3: listing returns no products now; widen its query or remove it" in lines
        assert any(line.startswith("note: shop status not checked: no partner (v3) credentials") for line in lines)
        assert lines[-1] == "3 broken on 2 of 2 pages."
        assert API_KEY not in result.output and "Traceback" not in result.output

        data = json.loads(run("links", "check", "-C", str(site), "--format", "json").output)
        assert data["broken"] == 3
        assert {(f["kind"], f["file"], f["line"]) for f in data["findings"]} == {
            ("product-gone", "content/lampor.md", 6), ("out-of-stock", "content/lampor.md", 6),
            ("empty-listing", "content/tomt.md", 3)}


def test_widgets_in_config_and_front_matter_are_checked(tmp_path: Path, backend: MemoryBackend, env: None) -> None:
    with ShopelloServer(backend, api_key=API_KEY) as shopello:
        site = site_for(tmp_path / "site", shopello, {"content/w.md": (
            f"---\ntitle: W\nwidgets:\n  sida:\n    product_id: \"{GONE}\"\n---\nText\n")})
        with (site / "shelfpress.toml").open("a") as config:
            config.write(f'\n[widgets.topp]\nproduct_id = "{IN_STOCK},{GONE}"\n')
        lines = run("links", "check", "-C", str(site)).output.splitlines()
        assert any(line.startswith(f"content/w.md:4: widget 'sida': product {GONE} is gone") for line in lines)
        assert any(line.startswith("content/w.md:4: widget 'sida' returns no products now") for line in lines)
        toml_line = next(i for i, text in enumerate((site / "shelfpress.toml").read_text().splitlines(), 1)
                         if text == "[widgets.topp]")
        assert any(line.startswith(f"shelfpress.toml:{toml_line}: widget 'topp': product {GONE} is gone")
                   for line in lines), lines


def test_product_data_files_are_pinned_products(tmp_path: Path, backend: MemoryBackend, env: None) -> None:
    with ShopelloServer(backend, api_key=API_KEY) as shopello:
        site = site_for(tmp_path / "site", shopello, {
            "content/lampor.md": PINNED, "data/products/%d.yaml" % GONE: "rating: 4\n",
            "data/products/%d.yaml" % SOLD_OUT: "specs: {Material: Glass}\n",
            "data/products/%d.yaml" % IN_STOCK: "verdict: Fine.\n"})
        lines = run("links", "check", "-C", str(site)).output.splitlines()
        assert f"data/products/{GONE}.yaml:1: product data file: product {GONE} is gone (the product API answers " \
               "404); remove the file, or rename it to the id of the product that replaces it" in lines
        assert any(line.startswith(f"data/products/{SOLD_OUT}.yaml:1: product data file: product {SOLD_OUT} (")
                   for line in lines)
        assert not any(line.startswith(f"data/products/{IN_STOCK}.yaml") for line in lines)


def test_asks_afresh_not_the_build_cache(tmp_path: Path, backend: MemoryBackend, env: None) -> None:
    with ShopelloServer(backend, api_key=API_KEY) as shopello:
        site = site_for(tmp_path / "site", shopello, {"content/lampor.md": PINNED.replace(f",{GONE}", "")})
        assert run("build", "-C", str(site)).exit_code == 0
        cache = site / ".shelfpress-cache" / "shopello.sqlite"
        before = cache.read_bytes()
        backend._products = [p for p in backend._products if p.product_id != IN_STOCK]  # gone since the build
        result = run("links", "check", "-C", str(site))
        assert f"product {IN_STOCK} is gone" in result.output
        assert cache.read_bytes() == before


def test_a_healthy_site_passes_strict_with_notes(tmp_path: Path, backend: MemoryBackend, env: None) -> None:
    with ShopelloServer(backend, api_key=API_KEY) as shopello:
        site = site_for(tmp_path / "site", shopello, {"content/ok.md": f'---\ntitle: OK\n---\n{{{{< products '
                                                                       f'product_id="{IN_STOCK}" >}}}}\n'})
        result = run("links", "check", "-C", str(site), "--strict")
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[-1] == "No broken links on 1 pages."


def test_shops_deactivated_since_the_last_check(tmp_path: Path, backend: MemoryBackend, env: None) -> None:
    with ShopelloServer(backend, api_key=API_KEY) as shopello, \
            PartnerServer(password=PASSWORD, api_key=API_KEY) as partner:
        partner.status_log = [
            {"store_id": 51, "name": "RUM21", "status": "activated", "date": "2016-03-30"},
            {"store_id": 51, "name": "RUM21", "status": "deactivated", "date": "2026-11-01"},
            {"store_id": 29, "name": "Lekmer", "status": "deactivated", "date": "2026-10-01"},  # no page links it
        ]
        partner.deeplink_stores = [{"store_id": 51, "name": "RUM21", "enabled": 1},
                                   {"store_id": 361, "name": "Designonline.se", "enabled": 0}]
        files = {"content/lampor.md": PINNED.replace(f",{SOLD_OUT},{GONE}", ""),
                 "content/bord.md": "---\ntitle: Bord\n---\nFrån https://www.designonline.se/bord.\n"}
        site = site_for(tmp_path / "site", shopello, files, partner)
        first = run("links", "check", "-C", str(site))
        lines = first.output.splitlines()
        assert ("content/lampor.md:8: shop RUM21 was deactivated (2026-11-01); this page links to "
                "https://www.rum21.se/mattor") in lines
        assert not any("Lekmer" in line for line in lines)  # first check: old news nobody links to
        assert ("content/bord.md:4: note: https://www.designonline.se/bord stays a plain link: shop "
                "Designonline.se does not allow deep links") in lines
        assert partner.requests[0].headers["authorization"].startswith("Basic ")

        second = run("links", "check", "-C", str(site), "--strict")
        assert second.exit_code == 0, second.output  # nothing new since the last check; notes do not fail
        assert "deactivated" not in second.output

        partner.status_log.append({"store_id": 156, "name": "Eurotoys.se", "status": "inactivated",
                                   "date": "2026-12-01"})
        third = run("links", "check", "-C", str(site), "--strict")
        assert third.exit_code == 1
        assert "shop Eurotoys.se was deactivated (2026-12-01); no page links to it" in third.output.splitlines()
        assert PASSWORD not in first.output + second.output + third.output


def test_partner_failure_is_a_note(tmp_path: Path, backend: MemoryBackend, env: None) -> None:
    with ShopelloServer(backend, api_key=API_KEY) as shopello, \
            PartnerServer(password=PASSWORD, api_key=API_KEY) as partner:
        partner.faults = [(500, '{"error": "boom ' + PASSWORD + '"}')] * 4
        site = site_for(tmp_path / "site", shopello, {"content/ok.md": "---\ntitle: OK\n---\nText\n"}, partner)
        result = run("links", "check", "-C", str(site), "--strict")
        assert result.exit_code == 0, result.output
        assert "note: shop status not checked: the partner API failed" in result.output
        assert PASSWORD not in result.output


def test_markdown_escapes_what_apis_and_content_send() -> None:
    from generator.publish.link_findings import Finding, LinkReport

    report = LinkReport([Finding("out-of-stock", "/a/", "content/a.md", 3,
                                 "product 1 (<img src=x> [x](javascript:alert) @team) is out of stock")],
                        pages_checked=1)
    body = markdown(report)
    assert "<img" not in body and "@team" not in body and "[x](" not in body
    assert "- **/a/** (`content/a.md`)" in body and "line 3:" in body


# -- external links ------------------------------------------------------------------------------------------

class WebServer(LoopbackServer):
    """Answers each path with the statuses queued for it (the last one repeats); records every request."""

    def __init__(self, statuses: dict[str, list[int]]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[str, str, str, float]] = []  # method, path, user agent, time
        self.lock = threading.Lock()
        super().__init__(_WebHandler)


class _WebHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        app: WebServer = self.server.app  # type: ignore[attr-defined]
        with app.lock:
            app.requests.append((self.command, self.path, self.headers.get("user-agent", ""), time.monotonic()))
            queue = app.statuses.get(self.path, [404])
            status = queue.pop(0) if len(queue) > 1 else queue[0]
        if self.path == "/nohead" and self.command == "HEAD":
            status = 405
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = _answer


@pytest.fixture
def web() -> Iterator[WebServer]:
    with WebServer({"/ok": [200], "/gone": [404], "/removed": [410], "/nohead": [200], "/flaky": [404, 200],
                    "/down": [503]}) as server:
        yield server


def test_external_links_dead_after_two_checks_in_a_row(tmp_path: Path, web: WebServer) -> None:
    names = ["ok", "gone", "removed", "nohead", "flaky", "down"]
    body = "\n".join(f"[{n}]({web.origin}/{n})" for n in names)
    site = write_site(tmp_path / "site", {"content/a.md": f"---\ntitle: A\n---\n{body}\n"}, config=SMALL_CONFIG)
    config = load_config(site)
    options = {"min_interval": 0.2}

    first = check_links(config, external=True, external_options=options)
    assert [f for f in first.findings if f.kind == "dead-link"] == []  # one bad answer is not enough
    heads = [r for r in web.requests if r[0] == "HEAD"]
    assert {r[1] for r in heads} == {f"/{n}" for n in names}
    assert all(r[2].startswith("shelfpress/") and "link check" in r[2] for r in web.requests)
    assert ("GET", "/nohead") in {(r[0], r[1]) for r in web.requests}  # HEAD refused: GET
    times = sorted(r[3] for r in web.requests)
    gaps = [b - a for a, b in zip(times, times[1:])]  # arrival times jitter a little around the pace
    assert times[-1] - times[0] >= 0.19 * len(gaps) and min(gaps) > 0.1, gaps  # one host: one request per 0.2 s

    second = check_links(config, external=True, external_options=options)
    dead = {(f.file, f.line, f.message.split(" ")[0]) for f in second.findings if f.kind == "dead-link"}
    assert dead == {("content/a.md", 5, f"{web.origin}/gone"), ("content/a.md", 6, f"{web.origin}/removed")}
    asked = {r[1] for r in web.requests[len(heads) + 1:]}
    assert "/ok" not in asked and "/nohead" not in asked  # answered well recently: cached between runs
    assert {"/gone", "/removed", "/flaky", "/down"} <= asked

    result = run("links", "check", "-C", str(site), "--external", "--strict", "--format", "markdown")
    assert result.exit_code == 1 and "answered 404 on 3 checks in a row" in result.output
