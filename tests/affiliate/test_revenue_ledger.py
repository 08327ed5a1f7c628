"""Ledger: idempotent upserts, status updates, and the summaries drawn from it."""

from __future__ import annotations

import dataclasses
import datetime as dt

from generator.affiliate.revenue import summary
from generator.affiliate.revenue.ledger import Ledger
from generator.affiliate.revenue.models import Sale, TrafficRow
from generator.affiliate.revenue.periods import Period

FEB = Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
DAY = dt.date(2024, 2, 10)


def a_sale(reference: str = "R1", status: str = "pending", amount: float = 10.0) -> Sale:
    return Sale(reference=reference, transaction_date=DAY, commission_amount=amount, transaction_amount=100.0,
                payment_date=None, commission_status=status, subid="section:guider")


def test_resyncing_sales_never_double_counts(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as ledger:
        assert str(ledger.record_sales([a_sale("R1"), a_sale("R2")])) == "2 new, 0 updated, 0 unchanged"
        assert str(ledger.record_sales([a_sale("R1"), a_sale("R2")])) == "0 new, 0 updated, 2 unchanged"
        assert tuple(ledger.db.execute("SELECT COUNT(*), SUM(commission_amount) FROM sales").fetchone()) == (2, 20.0)


def test_a_pending_sale_that_is_approved_is_updated(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as ledger:
        ledger.record_sales([a_sale(status="pending")])
        first_seen = ledger.db.execute("SELECT first_seen FROM sales").fetchone()[0]
        counts = ledger.record_sales([dataclasses.replace(a_sale(status="approved"), payment_status="paid")])
        assert (counts.updated, counts.inserted) == (1, 0)
        row = ledger.db.execute("SELECT commission_status, payment_status, first_seen FROM sales").fetchone()
        assert tuple(row) == ("approved", "paid", first_seen)


def test_traffic_resync_replaces_a_day(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as ledger:
        ledger.record_traffic("channel", [(DAY, TrafficRow("101", "Guides", 5, 2.5))])
        counts = ledger.record_traffic("channel", [(DAY, TrafficRow("101", "Guides", 7, 3.0))])
        assert (counts.updated, counts.inserted) == (1, 0)
        assert tuple(ledger.db.execute("SELECT COUNT(*), SUM(clicks) FROM traffic").fetchone()) == (1, 7)
        ledger.record_traffic("channel", [(DAY, TrafficRow("101", "Guides", 1, 0.5, day=dt.date(2024, 2, 11)))])
        assert ledger.db.execute("SELECT COUNT(*) FROM traffic").fetchone()[0] == 2


def test_summaries_by_channel_store_and_day(tmp_path):
    with Ledger(tmp_path / "l.sqlite") as ledger:
        ledger.record_traffic("channel", [(DAY, TrafficRow("101", "Guides", 5, 2.5)),
                                          (DAY, TrafficRow("102", "Home", 9, 1.0))])
        ledger.record_traffic("store", [(DAY, TrafficRow("7", "Lampbutiken", 14, 3.5))])
        ledger.record_traffic("total", [(DAY, TrafficRow("", "", 14, 3.5))])
        ledger.record_sales([a_sale()])
        by_channel = summary.traffic(ledger, FEB, "channel", {"101": "section:guider"})
        assert [(r.label, r.revenue) for r in by_channel] == [("section:guider", 2.5), ("102", 1.0)]
        assert summary.traffic(ledger, FEB, "store")[0].name == "Lampbutiken"
        (day,) = summary.traffic(ledger, FEB, "day")
        assert (day.label, day.clicks, day.sales, day.commission) == ("2024-02-10", 14, 1, 10.0)
        assert summary.traffic(ledger, Period(dt.date(2024, 3, 1), dt.date(2024, 3, 31)), "day") == []
        text = summary.table(by_channel, "channel")
        assert "section:guider" in text and text.splitlines()[-1].split()[:3] == ["total", "14", "3.50"]
