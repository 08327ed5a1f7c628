"""One revenue sync: the partner API's traffic and Shopper's sales into the ledger.

Per source it is all or nothing: every request of a source must succeed
before its rows are written, in one ledger transaction. Traffic is asked
for day by day (the API's rows carry no date of their own otherwise), for
every channel, every store and the account total.

Must not: read config, print, or build clients (the CLI passes them in).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

from generator.affiliate.revenue.ledger import Ledger, UpsertCount
from generator.affiliate.revenue.models import TrafficRow
from generator.affiliate.revenue.partner import PartnerClient
from generator.affiliate.revenue.periods import Period
from generator.affiliate.revenue.shopper import SalesQuery, ShopperClient


@dataclass
class SyncReport:
    period: Period
    traffic: dict[str, UpsertCount] = field(default_factory=dict)
    sales: UpsertCount | None = None

    def lines(self) -> list[str]:
        out = [f"traffic by {dimension}: {count}" for dimension, count in self.traffic.items()]
        if self.sales is not None:
            out.append(f"sales: {self.sales}")
        return out or ["nothing synced"]


async def fetch_traffic(client: PartnerClient, period: Period) -> dict[str, list[tuple[dt.date, TrafficRow]]]:
    """Per dimension, (day, row) pairs for every day of the period."""
    fetchers = {"channel": client.channel_revenue, "store": client.store_revenue,
                "total": client.consumer_revenue}
    days = list(period.days())
    answers = await asyncio.gather(*(fetch(Period(day, day)) for day in days for fetch in fetchers.values()))
    found: dict[str, list[tuple[dt.date, TrafficRow]]] = {name: [] for name in fetchers}
    for index, rows in enumerate(answers):
        day, name = days[index // len(fetchers)], list(fetchers)[index % len(fetchers)]
        found[name].extend((day, row) for row in rows)
    return found


def sales_query(period: Period, page_size: int) -> SalesQuery:
    return SalesQuery(limit=page_size, start_date=dt.datetime.combine(period.start, dt.time()),
                      end_date=dt.datetime.combine(period.end, dt.time(23, 59, 59)))


async def sync(ledger: Ledger, period: Period, *, partner: PartnerClient | None = None,
               shopper: ShopperClient | None = None) -> SyncReport:
    report = SyncReport(period)
    if partner is not None:
        for dimension, rows in (await fetch_traffic(partner, period)).items():
            report.traffic[dimension] = ledger.record_traffic(dimension, rows)
    if shopper is not None:
        sales = await shopper.sales(sales_query(period, shopper.settings.page_size))
        report.sales = ledger.record_sales(sales)
    return report
