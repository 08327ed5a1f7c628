"""Deep links in content: finding shop URLs, rewriting HTML, and whole builds against loopback v1 + v3 servers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.affiliate.deeplinks import ShopDirectory, ShopRef, candidate_urls, rewrite
from generator.content.markup import MarkdownRenderer
from tests.support.sites import SMALL_CONFIG, run, write_site
from tests.support.memory_backend import MemoryBackend
from tests.support.partner_server import PartnerServer
from tests.support.shopello_server import ShopelloServer

API_KEY = "deeplink-api-key-31c7"
PASSWORD = "deeplink-partner-pw-9e2a"
SECRET = "deeplink-signing-secret"
# RUM21 (store 51) is in the fixture products (its original_url wraps www.rum21.se); Designonline.se (361)
# is known by its name. Only RUM21 allows deep links.
DEEPLINK_STORES = [{"store_id": 51, "name": "RUM21", "enabled": 1},
                   {"store_id": 361, "name": "Designonline.se", "enabled": 0}]
ARTICLE = """\
---
title: Vår matta
---
Vi köpte vår [matta hos Rum21](https://www.rum21.se/mattor?a=1&b=2) och en
[lampa](https://www.rum21.se/lampa){rel=nofollow} ({rel=nofollow}: as written).

Bordet kom från https://www.designonline.se/bord, katalogen från https://www.rum21.se/katalog.

Inte en butik: [Wikipedia](https://sv.wikipedia.org/wiki/Matta). `https://www.rum21.se/kod`

{{< callout type="tip" >}}Rean: [alla mattor](https://www.rum21.se/rea).{{< /callout >}}
"""
# The shops a build knows: those of the products it shows (RUM21 sells orange E27 lamps).
LAMPS = '---\ntitle: Lampor\n---\n{{< products query="E27 lampa orange" limit=10 >}}\n'

OPTED_OUT = """\
---
title: Utan
deeplinks: false
---
[Rum21](https://www.rum21.se/mattor?a=1&b=2)
"""


# -- finding and rewriting ------------------------------------------------------------------------

def test_candidates_skip_own_rel_and_code() -> None:
    body = ARTICLE.split("---\n", 2)[2]
    assert candidate_urls(body) == ["https://www.rum21.se/mattor?a=1&b=2", "https://www.designonline.se/bord",
                                    "https://www.rum21.se/katalog", "https://sv.wikipedia.org/wiki/Matta",
                                    "https://www.rum21.se/rea"]


def test_rewrite_links_bare_urls_and_leaves_the_rest() -> None:
    body = ARTICLE.split("---\n", 2)[2]
    html = MarkdownRenderer().convert(body).html
    deep = {"https://www.rum21.se/mattor?a=1&b=2": "https://click.example/1?x=<1>&y=\"2\"",
            "https://www.rum21.se/katalog": "https://click.example/2",
            "https://www.rum21.se/lampa": "https://click.example/3",
            "https://www.rum21.se/kod": "https://click.example/4"}
    out = rewrite(html, deep)
    assert '<a href="https://click.example/1?x=&lt;1&gt;&amp;y=&quot;2&quot;" rel="sponsored noopener">' in out
    assert ('<a href="https://click.example/2" rel="sponsored noopener">https://www.rum21.se/katalog</a>.'
            in out)  # a bare URL becomes a link; the full stop stays text
    assert '<a href="https://www.rum21.se/lampa" rel="nofollow">' in out  # its own rel: untouched
    assert "<code>https://www.rum21.se/kod</code>" in out
    assert rewrite(html, {}) == html


def test_directory_matches_hosts_and_drops_shared_ones() -> None:
    shops = ShopDirectory([("51", "RUM21", "http://pdt.tradedoubler.com/click?a(1)url(http://www.rum21.se/x)"),
                           ("1", "A", "https://se.shopelloapi.com/click/store/1"),
                           ("2", "B", "https://se.shopelloapi.com/click/store/2"),
                           ("3", "C", "http://track.example/t?url=http%3A%2F%2Fwww.hobbex.se%2Fsv")])
    assert shops.shop_for("https://rum21.se/")  # with or without www
    assert shops.shop_for("https://outlet.rum21.se/a").store_id == "51"
    assert shops.shop_for("https://HOBBEX.se:443/x").store_id == "3"
    assert shops.shop_for("https://se.shopelloapi.com/click/store/1") is None  # shared by two stores
    assert shops.shop_for("https://notrum21.se/") is None


def test_configured_shops_name_hosts_the_api_does_not_and_win_over_it() -> None:
    known = [("51", "RUM21", "https://www.rum21.se/"), ("1", "A", "https://se.shopelloapi.com/click/store/1"),
             ("2", "B", "https://se.shopelloapi.com/click/store/2"), ("8", "Twin", ""), ("9", "twin", "")]
    shops = ShopDirectory(known, {"mio.se": "77", "rum21.dk": "rum21", "se.shopelloapi.com": "2",
                                  "twins.se": "Twin", "nobody.se": "No Such Shop"})
    assert shops.shop_for("https://www.mio.se/soffa") == ShopRef("77", "store 77")  # an id no list names
    assert shops.shop_for("https://shop.rum21.dk/x") == ShopRef("51", "RUM21")  # a name, case aside
    assert shops.shop_for("https://se.shopelloapi.com/click/store/1") == ShopRef("2", "B")  # the publisher wins
    assert shops.shop_for("https://twins.se/") is None and shops.shop_for("https://nobody.se/") is None
    assert shops.unresolved == ["nobody.se = No Such Shop", "twins.se = Twin"]  # unknown, or two shops' name
    assert shops.shop_for("https://www.rum21.se/") == ShopRef("51", "RUM21")  # the API's shops stay


def test_links_shops_config_is_checked_line_by_line(tmp_path: Path) -> None:
    for entry, message in (('"not a domain" = 51', "'not a domain' is not a web address"),
                           ('"mio.se" = 0', "'mio.se': expected a store id (a positive number) or a shop name"),
                           ('"mio.se" = true', "expected a store id")):
        site = write_site(tmp_path / str(len(entry)), {}, config=SMALL_CONFIG + f"\n[links.shops]\n{entry}\n")
        result = run("build", "-C", str(site))
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        line = next(line for line in result.output.splitlines() if message in line)
        assert "shelfpress.toml:" in line and "links.shops" in line


# -- whole builds -------------------------------------------------------------------------------------

@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ShopelloServer, PartnerServer]]:
    monkeypatch.setenv("DEEPLINK_SHOPELLO_KEY", API_KEY)
    monkeypatch.setenv("DEEPLINK_PARTNER_PW", PASSWORD)
    monkeypatch.setenv("SHOPELLO_SIGNING_SECRET", SECRET)
    with ShopelloServer(MemoryBackend.from_fixtures(), api_key=API_KEY) as shopello, \
            PartnerServer(password=PASSWORD, api_key=API_KEY) as partner:
        partner.deeplink_stores = list(DEEPLINK_STORES)
        yield shopello, partner


def api_site(root: Path, shopello: ShopelloServer, partner: PartnerServer, files: dict[str, str]) -> Path:
    config = SMALL_CONFIG + f"""
[source]
kind = "shopello"
api_base = "{shopello.url}"
api_key_env = "DEEPLINK_SHOPELLO_KEY"
retries = 0

[links]
channel = "4242"

[revenue]
partner_base = "{partner.url}"
partner_username = "partner"
partner_password_env = "DEEPLINK_PARTNER_PW"
"""
    return write_site(root, files, config=config)


def hrefs(page: Path) -> dict[str, str]:
    """Link text -> the <a> tag that carries it."""
    text = page.read_text()
    return {m.group(2): m.group(1) for m in re.finditer(r"(<a [^>]*>)([^<]*)</a>", text)}


def generator_posts(partner: PartnerServer) -> list[list[str]]:
    return [r.form.get("uri[]") or r.form.get("uri", []) for r in partner.requests if r.path == "deepLinkGenerator/"]


@pytest.mark.server
def test_build_makes_signed_deep_links_batched_and_cached(tmp_path: Path, servers) -> None:
    shopello, partner = servers
    site = api_site(tmp_path / "site", shopello, partner,
                    {"content/guider/matta.md": ARTICLE, "content/utan.md": OPTED_OUT,
                     "content/lampor.md": LAMPS})
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    links = hrefs(site / "public/guider/matta/index.html")
    tag = links["matta hos Rum21"]
    assert 'rel="sponsored noopener"' in tag and "https://click.example/?u=https://www.rum21.se/mattor" in tag
    assert "partnerdata=" in tag
    assert 'rel="sponsored noopener"' in links["https://www.rum21.se/katalog"]
    assert links["lampa"] == '<a href="https://www.rum21.se/lampa" rel="nofollow">'  # opted out
    assert links["Wikipedia"] == '<a href="https://sv.wikipedia.org/wiki/Matta">'  # not a shop
    # Designonline.se does not allow deep links: its URL stays text
    assert "https://www.designonline.se/bord" in (site / "public/guider/matta/index.html").read_text()
    assert "sponsored" not in (site / "public/utan/index.html").read_text()  # deeplinks: false
    # One request for both RUM21 URLs; none for the opted-out, the non-shop or the disabled shop.
    assert 'rel="sponsored noopener"' in links["alla mattor"]  # inside a shortcode's Markdown too
    assert generator_posts(partner) == [["https://www.rum21.se/katalog", "https://www.rum21.se/mattor?a=1&b=2",
                                         "https://www.rum21.se/rea"]]

    # The signed link verifies, with the page's channel.
    href = re.search(r'href="([^"]+)"', tag).group(1).replace("&amp;", "&")
    verified = run("links", "verify", href)
    assert verified.exit_code == 0 and '"channel": "4242"' in verified.output and "OK" in verified.output

    # A second build asks nothing again: the links come from the cache in the cache dir.
    before = len(partner.requests)
    assert run("build", "-C", str(site)).exit_code == 0
    assert [r.path for r in partner.requests[before:]] == []
    assert hrefs(site / "public/guider/matta/index.html")["matta hos Rum21"] == tag
    for secret in (API_KEY, PASSWORD, SECRET):
        assert secret not in result.output
        assert not any(secret.encode() in p.read_bytes() for p in (site / "public").rglob("*") if p.is_file())
        assert not any(secret.encode() in p.read_bytes() for p in (site / ".shelfpress-cache").rglob("*.json"))


@pytest.mark.server
def test_page_channel_signs_its_links(tmp_path: Path, servers) -> None:
    shopello, partner = servers
    own = ARTICLE.replace("title: Vår matta", "title: Vår matta\nchannel: 77")
    site = api_site(tmp_path / "site", shopello, partner, {"content/matta.md": own, "content/lampor.md": LAMPS})
    assert run("build", "-C", str(site)).exit_code == 0
    tag = hrefs(site / "public/matta/index.html")["matta hos Rum21"]
    href = re.search(r'href="([^"]+)"', tag).group(1).replace("&amp;", "&")
    assert '"channel": "77"' in run("links", "verify", href).output


@pytest.mark.server
def test_partner_api_failure_keeps_plain_links_with_one_warning(tmp_path: Path, servers) -> None:
    shopello, partner = servers
    partner.faults = [(500, '{"status": false, "error": "down for ' + API_KEY + '"}')] * 3
    site = api_site(tmp_path / "site", shopello, partner, {"content/matta.md": ARTICLE, "content/lampor.md": LAMPS})
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "left plain" in line]
    assert len(warnings) == 1 and "4 links to shops" in warnings[0] and "partner API" in warnings[0]
    assert API_KEY not in result.output and PASSWORD not in result.output
    assert "sponsored" not in (site / "public/matta/index.html").read_text()
    assert run("build", "-C", str(site), "--strict").exit_code == 1


@pytest.mark.server
def test_cached_deep_links_outlive_a_failing_api_but_not_a_shop_that_stops_allowing_them(tmp_path: Path,
                                                                                        servers) -> None:
    shopello, partner = servers
    site = api_site(tmp_path / "site", shopello, partner, {"content/matta.md": ARTICLE, "content/lampor.md": LAMPS})
    assert run("build", "-C", str(site)).exit_code == 0
    page = site / "public/matta/index.html"
    made = page.read_text()
    partner.faults = [(503, "{}")] * 10
    result = run("build", "-C", str(site), "--refresh", "--strict")
    assert result.exit_code == 0, result.output  # nothing left plain: no warning
    assert "deep links from the cache" in result.output and page.read_text() == made
    partner.faults = []
    partner.deeplink_stores = [{"store_id": 51, "name": "RUM21", "enabled": 0}]
    assert run("build", "-C", str(site), "--refresh").exit_code == 0
    assert "sponsored" not in page.read_text()


@pytest.mark.server
def test_only_http_links_from_the_api_become_hrefs(tmp_path: Path, servers) -> None:
    shopello, partner = servers
    site = api_site(tmp_path / "site", shopello, partner, {"content/lampor.md": LAMPS, "content/matta.md": ARTICLE})
    assert run("build", "-C", str(site)).exit_code == 0  # caches the deeplink store list
    add = "---\ntitle: Ny\n---\n[ny](https://www.rum21.se/ny) och [gammal](https://www.rum21.se/gammal)\n"
    (site / "content/ny.md").write_text(add)
    answer = [{"uri": "https://www.rum21.se/ny", "deeplink": "javascript:alert(1)"},
              {"uri": "https://www.rum21.se/gammal", "deeplink": "https://click.example/ok"}]
    partner.faults = [(200, json.dumps({"status": True, "data": answer}))]
    assert run("build", "-C", str(site)).exit_code == 0
    links = hrefs(site / "public/ny/index.html")
    assert links["ny"] == '<a href="https://www.rum21.se/ny">' and "javascript" not in links["ny"]
    assert "https://click.example/ok" in links["gammal"]


@pytest.mark.server
def test_offline_build_keeps_plain_links_with_one_warning(tmp_path: Path, servers) -> None:
    shopello, partner = servers
    site = api_site(tmp_path / "site", shopello, partner, {"content/matta.md": ARTICLE, "content/lampor.md": LAMPS})
    assert run("build", "-C", str(site)).exit_code == 0
    requests = len(partner.requests)
    result = run("build", "-C", str(site), "--offline")
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.output.splitlines() if "left plain" in line]
    assert "4 links to shops in content left plain: an offline build" in warning
    assert len(partner.requests) == requests
    assert "sponsored" not in (site / "public/matta/index.html").read_text()


def test_catalog_build_keeps_plain_links_and_warns_once(tmp_path: Path) -> None:
    """The demo catalog's shops are known by their products' addresses; no API, no network."""
    site = write_site(tmp_path / "site", {"content/matta.md": ARTICLE, "content/lampor.md": LAMPS},
                      config=SMALL_CONFIG)
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.output.splitlines() if "left plain" in line]
    assert 'links to shops in content left plain: deep links need the Shopello API' in warning
    html = (site / "public/matta/index.html").read_text()
    assert '<a href="https://www.rum21.se/mattor?a=1&amp;b=2">matta hos Rum21</a>' in html
    assert "sponsored" not in html


def test_site_without_shop_links_builds_as_before(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/a.md": "---\ntitle: A\n---\n[W](https://sv.wikipedia.org/)"},
                      config=SMALL_CONFIG)
    result = run("build", "-C", str(site))
    assert result.exit_code == 0 and "left plain" not in result.output
    assert not (site / ".shelfpress-cache" / "deeplinks.json").exists()


def test_cache_file_is_plain_json(tmp_path: Path) -> None:
    from generator.products.deeplink_stage import DeepLinkCache

    cache = DeepLinkCache(tmp_path / "deeplinks.json", "acct")
    cache.links["https://a.se/"] = "https://click/1"
    cache.changed = True
    cache.save()
    assert json.loads((tmp_path / "deeplinks.json").read_text())["links"] == {"https://a.se/": "https://click/1"}
    assert DeepLinkCache(tmp_path / "deeplinks.json", "other").links == {}  # another account starts empty


MIO = "---\ntitle: Soffan\n---\nVår [soffa från Mio](https://www.mio.se/soffor/x) och [en till](https://mio.se/y).\n"


@pytest.mark.server
def test_a_shop_the_api_does_not_describe_gets_deep_links_once_configured(tmp_path: Path, servers) -> None:
    shopello, partner = servers
    partner.deeplink_stores = [*DEEPLINK_STORES, {"store_id": 77, "name": "Mio", "enabled": 1}]  # no web address
    site = api_site(tmp_path / "site", shopello, partner, {"content/soffa.md": MIO})
    assert run("build", "-C", str(site)).exit_code == 0
    assert "sponsored" not in (site / "public/soffa/index.html").read_text()  # nothing ties mio.se to Mio
    config = site / "shelfpress.toml"
    config.write_text(config.read_text() + '\n[links.shops]\n"mio.se" = "mio"\n')
    result = run("build", "-C", str(site))
    assert result.exit_code == 0, result.output
    links = hrefs(site / "public/soffa/index.html")
    for text, url in (("soffa från Mio", "https://www.mio.se/soffor/x"), ("en till", "https://mio.se/y")):
        assert 'rel="sponsored noopener"' in links[text] and f"https://click.example/?u={url}" in links[text]
    assert sorted(generator_posts(partner)[-1]) == ["https://mio.se/y", "https://www.mio.se/soffor/x"]

    config.write_text(config.read_text().replace('"mio.se" = "mio"', '"mio.se" = "Mjo"'))
    result = run("build", "-C", str(site))
    assert result.exit_code == 0
    assert "[links.shops] mio.se = Mjo: no shop of that name in the store lists (or two); give its store id" \
        in result.output
    assert "sponsored" not in (site / "public/soffa/index.html").read_text()
