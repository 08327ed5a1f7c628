"""The private revenue dashboard: one self-contained HTML file from the ledger.

    dashboard_data(ledger, period, places=..., title=...)   the numbers: totals and tables
    render_dashboard(data)                                    HTML from templates/dashboard.html
    write_dashboard(ledger, period, output, ...)              both, written atomically
    demo_ledger()                                             bundled sample data (`--demo`)

Two sources meet here and are kept apart: Shopello traffic (clicks and
click revenue, per day, channel and store) and Shopper sales (commission,
with a status). Commission is shown as approved, pending and rejected;
rejected commission is never part of a total (`Totals.commission` and
`Totals.earned` leave it out and the page says so).

Every table adds up to the same totals: the account's daily totals are the
reference, and when the channels (or stores) of a period add up to less or
more, the difference is its own row ("not attributed to a channel") rather
than a silent mismatch. `Dashboard.check()` asserts it; tests call it.

The page is a Jinja template (autoescaped: every text from the ledger is
escaped) with inline CSS and SVG charts, no scripts and no external assets,
so it works offline and from file://; it is responsive down to phone width.
The file is for the publisher, not the site: write it outside the output
dir. Must not: sync, or read config.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from generator.core.atomic import atomic_write
from generator.affiliate.revenue.broken import BrokenPage, broken_pages
from generator.affiliate.revenue.ledger import Ledger
from generator.affiliate.revenue.models import Sale, TrafficRow
from generator.affiliate.revenue.periods import Period
from generator.assets import DATA

STATUSES = ("approved", "pending", "rejected")
REJECTED = frozenset({"rejected", "declined", "denied", "cancelled", "canceled", "reversed", "void", "invalid"})
APPROVED = frozenset({"approved", "confirmed", "paid", "accepted"})
DEMO_DATA = DATA / "demo-revenue.json"
_TEMPLATES = Path(__file__).resolve().parent / "templates"


def status_of(raw: str | None) -> str:
    """approved | pending | rejected; a status the network invents counts as pending (not yet earned)."""
    text = (raw or "").strip().lower()
    return "rejected" if text in REJECTED else "approved" if text in APPROVED else "pending"


@dataclass
class Commission:
    """Sales and commission by status. `sales` and `total` count approved + pending only."""

    approved: float = 0.0
    pending: float = 0.0
    rejected: float = 0.0
    sales: int = 0
    rejected_sales: int = 0

    def add(self, status: str, amount: float) -> None:
        setattr(self, status, getattr(self, status) + amount)
        if status == "rejected":
            self.rejected_sales += 1
        else:
            self.sales += 1

    @property
    def total(self) -> float:
        return self.approved + self.pending


@dataclass
class Row:
    """One table row: traffic (clicks, click revenue) and/or commission."""

    label: str
    name: str = ""
    clicks: int = 0
    revenue: float = 0.0
    commission: Commission = field(default_factory=Commission)
    note: bool = False  # a difference row, not a real channel/store


@dataclass
class Table:
    key: str
    title: str
    first: str
    rows: list[Row]
    traffic: bool  # shows clicks and click revenue
    sales: bool  # shows sales and commission by status

    @property
    def total(self) -> Row:
        out = Row("Total")
        for row in self.rows:
            out.clicks += row.clicks
            out.revenue += row.revenue
            for status in STATUSES:
                setattr(out.commission, status, getattr(out.commission, status) + getattr(row.commission, status))
            out.commission.sales += row.commission.sales
            out.commission.rejected_sales += row.commission.rejected_sales
        return out


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str
    color: str = "#3b6fd8"


@dataclass
class Chart:
    """An SVG chart with a labelled value axis; geometry computed here, drawn by the template."""

    title: str
    axis: str
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (y, label)
    labels: list[tuple[float, str]]  # (x, day label)
    legend: list[tuple[str, str]]  # (color, text)
    width: int = 640
    height: int = 250
    left: int = 64
    bottom: int = 220


@dataclass
class Dashboard:
    title: str
    period: str
    currency: str
    totals: Row
    tables: list[Table]
    charts: list[Chart]
    sample: bool = False
    generated: str = ""
    broken: list[BrokenPage] = field(default_factory=list)  # pages with broken links, costliest first

    @property
    def empty(self) -> bool:
        """No clicks and no sales in the period: the ledger has nothing for it (not synced yet?)."""
        return not self.tables[0].rows

    def check(self) -> None:
        """Every table adds up to the dashboard's totals (rounded to cents)."""
        want = self.totals
        for table in self.tables:
            got = table.total
            if table.traffic:
                assert got.clicks == want.clicks, (table.key, "clicks", got.clicks, want.clicks)
                assert round(got.revenue, 2) == round(want.revenue, 2), (table.key, "revenue")
            if table.sales:
                for status in STATUSES:
                    assert round(getattr(got.commission, status), 2) == round(getattr(want.commission, status), 2), \
                        (table.key, status)
                assert got.commission.sales == want.commission.sales, (table.key, "sales")


# -- numbers -----------------------------------------------------------------------------------------

def _span(period: Period) -> tuple[str, str]:
    return period.start.isoformat(), period.end.isoformat()


def _traffic(ledger: Ledger, period: Period, dimension: str, places: Mapping[str, str]) -> list[Row]:
    found = ledger.db.execute(
        "SELECT key, MAX(name) AS name, SUM(clicks) AS clicks, SUM(revenue) AS revenue FROM traffic "
        "WHERE dimension = ? AND day BETWEEN ? AND ? GROUP BY key ORDER BY revenue DESC, clicks DESC, key",
        (dimension, *_span(period))).fetchall()
    return [Row(places.get(r["key"], r["key"]) if dimension == "channel" else r["key"], r["name"] or "",
                int(r["clicks"] or 0), float(r["revenue"] or 0.0)) for r in found]


def _sales(ledger: Ledger, period: Period, column: str) -> dict[str, Commission]:
    out: dict[str, Commission] = {}
    for r in ledger.db.execute(f"SELECT {column} AS label, commission_status, commission_amount FROM sales "
                               "WHERE transaction_date BETWEEN ? AND ? ORDER BY reference", _span(period)):
        out.setdefault(r["label"] or "", Commission()).add(status_of(r["commission_status"]),
                                                           float(r["commission_amount"] or 0.0))
    return out


def _difference(rows: list[Row], totals: Row, label: str) -> list[Row]:
    clicks = totals.clicks - sum(r.clicks for r in rows)
    revenue = round(totals.revenue - sum(r.revenue for r in rows), 2)
    if clicks or revenue:
        rows = rows + [Row(label, clicks=clicks, revenue=revenue, note=True)]
    return rows


def _currency(ledger: Ledger, period: Period) -> str:
    found = {r[0] for r in ledger.db.execute(
        "SELECT currency FROM traffic WHERE day BETWEEN ? AND ? UNION SELECT currency FROM sales "
        "WHERE transaction_date BETWEEN ? AND ?", (*_span(period), *_span(period))) if r[0]}
    return found.pop() if len(found) == 1 else ("mixed currencies" if found else "")


def dashboard_data(ledger: Ledger, period: Period, *, places: Mapping[str, str] | None = None,
                   title: str = "shelfpress", sample: bool = False,
                   breaks: Sequence[Mapping[str, Any]] = ()) -> Dashboard:
    places = places or {}
    traffic_days = {r["day"]: r for r in ledger.db.execute(
        "SELECT day, SUM(clicks) AS clicks, SUM(revenue) AS revenue FROM traffic "
        "WHERE dimension = 'total' AND day BETWEEN ? AND ? GROUP BY day", _span(period))}
    sales_days = _sales(ledger, period, "transaction_date")
    days = [Row(day, clicks=int(traffic_days[day]["clicks"]) if day in traffic_days else 0,
                revenue=float(traffic_days[day]["revenue"]) if day in traffic_days else 0.0,
                commission=sales_days.get(day, Commission()))
            for day in sorted(set(traffic_days) | set(sales_days))]
    totals = Table("total", "", "", days, True, True).total
    totals.revenue = round(totals.revenue, 2)
    channels = _difference(_traffic(ledger, period, "channel", places), totals, "(not attributed to a channel)")
    stores = _difference(_traffic(ledger, period, "store", places), totals, "(not attributed to a store)")
    by_status = _sales(ledger, period, "commission_status")
    statuses = {status: Commission() for status in STATUSES}
    for raw, commission in by_status.items():  # several raw statuses may share a bucket
        bucket = statuses[status_of(raw)]
        for status in STATUSES:
            setattr(bucket, status, getattr(bucket, status) + getattr(commission, status))
        bucket.sales += commission.sales
        bucket.rejected_sales += commission.rejected_sales
    subids = _sales(ledger, period, "subid")
    tables = [
        Table("days", "Per day", "Day", days, True, True),
        Table("channels", "Clicks and click revenue by channel / page", "Channel", channels, True, False),
        Table("stores", "Clicks and click revenue by store", "Store", stores, True, False),
        Table("statuses", "Commission by status", "Status",
              [Row(status, commission=statuses[status]) for status in STATUSES], False, True),
        Table("subids", "Commission by sub id (page)", "Sub id",
              [Row(label or "(none)", commission=c) for label, c in
               sorted(subids.items(), key=lambda item: (-item[1].total, item[0]))], False, True),
    ]
    currency = _currency(ledger, period)
    charts = [_revenue_chart(days, currency), _clicks_chart(days)]
    data = Dashboard(title=title, period=str(period), currency=currency, totals=totals, tables=tables,
                     charts=charts, sample=sample, broken=broken_pages(ledger, period, breaks, places))
    data.check()
    return data


# -- charts ------------------------------------------------------------------------------------------

def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= value)


def _axis(chart: Chart, top: float, fmt: str) -> None:
    plot = chart.bottom - 20
    chart.ticks = [(chart.bottom - plot * i / 4, format(top * i / 4, fmt)) for i in range(5)]


def _day_labels(chart: Chart, days: Sequence[Row], step: float) -> None:
    every = max(len(days) // 8, 1)
    chart.labels = [(chart.left + i * step + step / 2, row.label[5:]) for i, row in enumerate(days) if i % every == 0]


def _revenue_chart(days: Sequence[Row], currency: str) -> Chart:
    unit = f" ({currency})" if currency else ""
    chart = Chart("Revenue per day", f"Revenue{unit}", [], [], [], [
        ("#3b6fd8", "click revenue (Shopello)"), ("#2f9e62", "approved commission"),
        ("#e0a21f", "pending commission")])
    top = _nice_top(max((d.revenue + d.commission.total for d in days), default=0))
    plot, step = chart.bottom - 20, (chart.width - chart.left - 10) / max(len(days), 1)
    for i, day in enumerate(days):
        y = float(chart.bottom)
        for value, color, what in ((day.revenue, "#3b6fd8", "click revenue"),
                                   (day.commission.approved, "#2f9e62", "approved commission"),
                                   (day.commission.pending, "#e0a21f", "pending commission")):
            height = plot * value / top
            y -= height
            if value:
                chart.bars.append(Bar(chart.left + i * step + step * 0.15, y, step * 0.7, height,
                                      f"{day.label}: {what} {value:.2f}{unit}", color))
    _axis(chart, top, ".0f" if top >= 10 else ".2f")
    _day_labels(chart, days, step)
    return chart


def _clicks_chart(days: Sequence[Row]) -> Chart:
    chart = Chart("Clicks per day", "Clicks", [], [], [], [("#7a4fd8", "clicks to stores")])
    # Whole clicks on every tick: a top divisible by the 4 steps (an empty chart's was 1: 0.2, 0.5, 0.8).
    top = 4 * math.ceil(_nice_top(max((d.clicks for d in days), default=0)) / 4)
    plot, step = chart.bottom - 20, (chart.width - chart.left - 10) / max(len(days), 1)
    for i, day in enumerate(days):
        height = plot * day.clicks / top
        chart.bars.append(Bar(chart.left + i * step + step * 0.15, chart.bottom - height, step * 0.7, height,
                              f"{day.label}: {day.clicks} clicks", "#7a4fd8"))
    _axis(chart, top, ".0f")
    _day_labels(chart, days, step)
    return chart


# -- output ------------------------------------------------------------------------------------------

def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = lambda value: f"{value:,.2f}".replace(",", "\u202f")
    env.filters["count"] = lambda value: f"{value:,}".replace(",", "\u202f")
    return env


def render_dashboard(data: Dashboard) -> str:
    return _environment().get_template("dashboard.html").render(d=data, statuses=STATUSES)


def write_dashboard(ledger: Ledger, period: Period, output: Path, *, places: Mapping[str, str] | None = None,
                    title: str = "shelfpress", sample: bool = False,
                    breaks: Sequence[Mapping[str, Any]] = ()) -> Path:
    """Render and write the dashboard; a failure leaves any previous file as it was. `breaks`: the last
    `links check`'s broken findings (`broken.py`)."""
    page = render_dashboard(dashboard_data(ledger, period, places=places, title=title, sample=sample,
                                           breaks=breaks))
    atomic_write(output, page)
    return output


def demo_ledger() -> tuple[Ledger, Period, dict[str, str]]:
    """An in-memory ledger filled from the bundled sample data, its period and channel places."""
    raw = json.loads(DEMO_DATA.read_text(encoding="utf-8"))
    ledger = Ledger(":memory:")
    currency = raw["currency"]
    for dimension in ("channel", "store", "total"):
        ledger.record_traffic(dimension, [
            (dt.date.fromisoformat(r["day"]), TrafficRow(r["key"], r["name"], r["clicks"], r["revenue"], currency))
            for r in raw["traffic"] if r["dimension"] == dimension])
    ledger.record_sales(Sale(reference=s["reference"], transaction_date=dt.date.fromisoformat(s["transaction_date"]),
                             commission_amount=s["commission_amount"], transaction_amount=s["transaction_amount"],
                             payment_date=None, currency=s["currency"], commission_status=s["commission_status"],
                             product_name=s["product_name"], subid=s["subid"]) for s in raw["sales"])
    period = Period(dt.date.fromisoformat(raw["start"]), dt.date.fromisoformat(raw["end"]))
    return ledger, period, dict(raw["places"])
