"""`shelfpress revenue ...` end to end against both loopback servers."""

from __future__ import annotations

import pytest

from tests.support.sites import run, write_site
from tests.support.partner_server import PartnerServer
from tests.support.shopper_server import ShopperServer, sale

pytestmark = pytest.mark.server
PASSWORD, TOKEN = "partner-pw-42", "shopper-token-77"


@pytest.fixture
def servers(monkeypatch):
    monkeypatch.setenv("TEST_PARTNER_PW", PASSWORD)
    monkeypatch.setenv("TEST_SHOPPER", TOKEN)
    with PartnerServer(password=PASSWORD) as partner, ShopperServer(token=TOKEN) as shopper:
        for day in ("2024-02-10", "2024-02-11"):
            span = f"{day}/{day}"
            partner.revenue[("channel", "all", span)] = [{"channel_id": 101, "name": "Guides", "clicks": 4,
                                                          "revenue": 2.0}]
            partner.revenue[("store", "all", span)] = [{"store_id": 7, "name": "<b>Lamp</b>", "clicks": 4,
                                                        "revenue": 2.0}]
            partner.revenue[("total", "", span)] = {"clicks": 4, "revenue": 2.0}
        shopper.sales = [sale("S1", "10-02-2024", subid="section:guider"), sale("S2", "11-02-2024", amount=5)]
        yield partner, shopper


def make_site(tmp_path, partner, shopper):
    return write_site(tmp_path / "site", {"content/index.md": "# Home\n"}, f"""\
title = "Test <site>"
base_url = "https://user.github.io/repo/"

[revenue]
partner_base = "{partner.url}"
partner_username = "partner"
partner_password_env = "TEST_PARTNER_PW"
shopper_base = "{shopper.url}"
shopper_token_env = "TEST_SHOPPER"
""")


def sync(root):
    return run("revenue", "sync", "-C", str(root), "--from", "2024-02-10", "--to", "2024-02-11")


def test_sync_report_and_resync(tmp_path, servers):
    root = make_site(tmp_path, *servers)
    first = sync(root)
    assert first.exit_code == 0, first.output
    assert "traffic by channel: 2 new" in first.output and "sales: 2 new" in first.output
    servers[1].sales[1]["commission_status"] = "approved"
    again = sync(root)
    assert "traffic by channel: 0 new, 0 updated, 2 unchanged" in again.output
    assert "sales: 0 new, 1 updated, 1 unchanged" in again.output
    report = run("revenue", "report", "-C", str(root), "--from", "2024-02-01", "--to", "2024-02-29")
    assert "101" in report.output and report.output.splitlines()[-1].split()[:3] == ["total", "8", "4.00"]
    by_day = run("revenue", "report", "-C", str(root), "--from", "2024-02-01", "--to", "2024-02-29", "--by", "day")
    assert "2024-02-11" in by_day.output and "15.00" in by_day.output
    for output in (first.output, again.output, report.output):
        assert PASSWORD not in output and TOKEN not in output


def test_dashboard_is_self_contained_and_escaped(tmp_path, servers):
    root = make_site(tmp_path, *servers)
    sync(root)
    out = tmp_path / "private" / "report.html"
    result = run("revenue", "dashboard", "-C", str(root), "--from", "2024-02-01", "--to", "2024-02-29",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.count("<svg") == 2 and "&lt;b&gt;Lamp&lt;/b&gt;" in page and "<b>Lamp" not in page
    assert "Test &lt;site&gt;" in page and "section:guider" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in page and "<link" not in page


def test_report_needs_no_network_or_secrets(tmp_path, servers, monkeypatch):
    root = make_site(tmp_path, *servers)
    monkeypatch.delenv("TEST_PARTNER_PW")
    result = run("revenue", "report", "-C", str(root), "--range", "lastmonth", "--by", "store")
    assert result.exit_code == 0 and "total" in result.output


def test_missing_password_names_the_variable(tmp_path, servers, monkeypatch):
    root = make_site(tmp_path, *servers)
    monkeypatch.delenv("TEST_PARTNER_PW")
    result = run("revenue", "sync", "-C", str(root), "--no-shopper")
    assert result.exit_code == 1 and "TEST_PARTNER_PW is not set" in result.output


def test_bad_range_options(tmp_path, servers):
    root = make_site(tmp_path, *servers)
    both = run("revenue", "report", "-C", str(root), "--range", "lastweek", "--from", "2024-01-01")
    assert both.exit_code == 1 and "either --range or --from/--to" in both.output
    backwards = run("revenue", "report", "-C", str(root), "--from", "2024-02-10", "--to", "2024-02-01")
    assert backwards.exit_code == 1 and "before it starts" in backwards.output


def test_secret_show_and_regenerate_requires_yes(tmp_path, servers):
    partner, shopper = servers
    root = make_site(tmp_path, partner, shopper)
    assert run("revenue", "secret", "show", "-C", str(root)).output.strip() == "old-consumer-secret"
    refused = run("revenue", "secret", "regenerate", "-C", str(root))
    assert refused.exit_code == 1 and "breaks every link" in refused.output and "--yes" in refused.output
    assert partner.secret == "old-consumer-secret" and all(r.method != "PUT" for r in partner.requests)
    done = run("revenue", "secret", "regenerate", "--yes", "-C", str(root))
    assert done.exit_code == 0 and partner.secret in done.output


def test_broken_sample_fails_the_sync_cleanly(tmp_path, servers):
    from tests.support.shopper_server import SEED_SAMPLE

    root = make_site(tmp_path, *servers)
    servers[1].faults.extend([(200, SEED_SAMPLE)] * 10)  # broken every time: retried like a 5xx, then fails
    result = run("revenue", "sync", "-C", str(root), "--no-partner", "--range", "lastmonth")
    assert result.exit_code == 1
    assert "malformed JSON in the HTTP 200 response: Expecting ',' delimiter at line 43, column 13" in result.output
    assert TOKEN not in result.output
    report = run("revenue", "report", "-C", str(root), "--range", "lastmonth", "--by", "day")
    assert report.output.splitlines()[-1].split() == ["total", "0", "0.00", "0", "0.00"]
