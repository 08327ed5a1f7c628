"""The revenue dashboard (generator/affiliate/revenue/dashboard.py): statuses kept apart, every table adds up to the
same totals, two labelled charts, a Jinja template, atomic writes, and `--demo` from bundled sample data."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from generator.affiliate.revenue import dashboard as dashboard_module
from generator.affiliate.revenue.dashboard import dashboard_data, demo_ledger, render_dashboard, status_of, write_dashboard
from generator.affiliate.revenue.ledger import Ledger
from generator.affiliate.revenue.models import Sale, TrafficRow
from generator.affiliate.revenue.periods import Period
from tests.support.sites import run

FEB = Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
D10, D11 = dt.date(2024, 2, 10), dt.date(2024, 2, 11)


def sale(ref: str, day: dt.date, amount: float, status: str, subid: str = "") -> Sale:
    return Sale(reference=ref, transaction_date=day, commission_amount=amount, transaction_amount=amount * 10,
                payment_date=None, currency="SEK", commission_status=status, subid=subid)


@pytest.fixture
def ledger() -> Ledger:
    ledger = Ledger(":memory:")
    ledger.record_traffic("total", [(D10, TrafficRow("", "", 10, 5.0, "SEK")), (D11, TrafficRow("", "", 6, 3.0, "SEK"))])
    # channels claim fewer clicks than the account's totals; stores exactly as many
    ledger.record_traffic("channel", [(D10, TrafficRow("101", "Guides", 7, 3.5, "SEK")),
                                      (D11, TrafficRow("101", "Guides", 5, 2.5, "SEK"))])
    ledger.record_traffic("store", [(D10, TrafficRow("7", "<b>Lamp</b>", 10, 5.0, "SEK")),
                                    (D11, TrafficRow("7", "<b>Lamp</b>", 6, 3.0, "SEK"))])
    ledger.record_sales([sale("S1", D10, 100.0, "approved", "section:guider"), sale("S2", D10, 40.0, "pending"),
                         sale("S3", D11, 1424.0, "rejected", "section:guider"), sale("S4", D11, 25.0, "Declined"),
                         sale("S5", D11, 10.0, "paid", "<script>")])
    return ledger


def test_statuses_apart_and_rejected_in_no_total(ledger: Ledger) -> None:
    assert [status_of(s) for s in ("approved", "paid", "pending", "", "weird", "Rejected", "declined")] == \
        ["approved", "approved", "pending", "pending", "pending", "rejected", "rejected"]
    data = dashboard_data(ledger, FEB, places={"101": "section:guider"})
    c = data.totals.commission
    assert (c.approved, c.pending, c.rejected) == (110.0, 40.0, 1449.0)
    assert c.total == 150.0 and c.sales == 3 and c.rejected_sales == 2
    page = render_dashboard(data)
    cards = dict(re.findall(r'data-card="(\w+)">([^<]*)<', page))
    assert cards["approved"] == "110.00" and cards["pending"] == "40.00" and cards["rejected"] == "1\u202f449.00"
    assert cards["earned"] == "158.00"  # click revenue 8 + approved 110 + pending 40; never the 1,449 rejected
    assert "1\u202f607" not in page and "1607" not in page


def test_every_table_adds_up_to_the_same_totals(ledger: Ledger) -> None:
    data = dashboard_data(ledger, FEB, places={"101": "section:guider"})
    data.check()
    want = data.totals
    tables = {t.key: t for t in data.tables}
    assert set(tables) == {"days", "channels", "stores", "statuses", "subids"}
    for table in data.tables:
        got = table.total
        if table.traffic:
            assert (got.clicks, round(got.revenue, 2)) == (16, 8.0) == (want.clicks, want.revenue), table.key
        if table.sales:
            assert (got.commission.approved, got.commission.pending, got.commission.rejected,
                    got.commission.sales) == (110.0, 40.0, 1449.0, 3), table.key
    unattributed = [r for r in tables["channels"].rows if r.note]
    assert [(r.label, r.clicks, r.revenue) for r in unattributed] == [("(not attributed to a channel)", 4, 2.0)]
    assert not any(r.note for r in tables["stores"].rows)
    # the rendered page: every table's footer shows the cards' numbers
    page = render_dashboard(data)
    cards = dict(re.findall(r'data-card="(\w+)">([^<]*)<', page))
    footers = re.findall(r'<table data-table="(\w+)">.*?<tfoot>(.*?)</tfoot>', page, re.S)
    assert len(footers) == 5
    for key, footer in footers:
        for name, value in re.findall(r'data-total="(\w+)">([^<]*)<', footer):
            assert value == cards[name], (key, name, value, cards[name])


def test_two_labelled_charts_escaped_template_no_scripts(ledger: Ledger) -> None:
    data = dashboard_data(ledger, FEB, title="Test <site>")
    assert [(c.title, c.axis) for c in data.charts] == [("Revenue per day", "Revenue (SEK)"),
                                                        ("Clicks per day", "Clicks")]
    page = render_dashboard(data)
    assert page.count("<svg") == 2 and "Revenue (SEK)</text>" in page and ">Clicks</text>" in page
    assert "Test &lt;site&gt;" in page and "&lt;b&gt;Lamp&lt;/b&gt;" in page and "&lt;script&gt;" in page
    assert "<script" not in page and "<link" not in page and 'name="viewport"' in page
    assert "@media" in page and "SAMPLE" not in page
    assert (Path(dashboard_module.__file__).parent / "templates/dashboard.html").is_file()


def test_write_is_atomic(ledger: Ledger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "private/dashboard.html"
    write_dashboard(ledger, FEB, out)
    before = out.read_text()

    def broken(data: object) -> str:
        raise RuntimeError("template failed")

    monkeypatch.setattr(dashboard_module, "render_dashboard", broken)
    with pytest.raises(RuntimeError):
        write_dashboard(ledger, FEB, out)
    assert out.read_text() == before and [p.name for p in out.parent.iterdir()] == ["dashboard.html"]


def test_empty_period(ledger: Ledger) -> None:
    page = render_dashboard(dashboard_data(ledger, Period(dt.date(2020, 1, 1), dt.date(2020, 1, 2))))
    assert "No data for this period." in page


def test_demo_is_filled_and_labelled_as_sample(tmp_path: Path) -> None:
    out = tmp_path / "demo.html"
    result = run("revenue", "dashboard", "--demo", "-o", str(out))
    assert result.exit_code == 0 and "SAMPLE" in result.output
    page = out.read_text()
    assert "SAMPLE DATA" in page and "(sample)" in page and "<title>SAMPLE" in page
    ledger, period, places = demo_ledger()
    with ledger:
        data = dashboard_data(ledger, period, places=places, sample=True)
    data.check()
    c = data.totals.commission
    assert data.totals.clicks > 1000 and c.approved > 0 and c.pending > 0 and c.rejected > 0
    assert any(r.note for t in data.tables for r in t.rows)  # the sample shows an unattributed row too


def test_dashboard_without_output_asks_for_it(tmp_path: Path) -> None:
    result = run("revenue", "dashboard", "-C", str(tmp_path))
    assert result.exit_code == 2 and "--output" in result.output and "--demo" in result.output
