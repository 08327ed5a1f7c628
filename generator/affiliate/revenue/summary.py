"""Totals from the ledger, grouped by channel, store or day, for a period.

Channel rows are attributed to the site place (`section:guider`, ...) whose
channel id the state file records; day rows add Shopper's commission of
that day. `table()` renders rows as aligned text. Must not: sync or print.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from generator.affiliate.revenue.ledger import Ledger
from generator.affiliate.revenue.periods import Period

GROUPINGS = ("channel", "store", "day")


@dataclass(frozen=True)
class SummaryRow:
    label: str
    name: str
    clicks: int
    revenue: float
    sales: int = 0
    commission: float = 0.0


def traffic(ledger: Ledger, period: Period, by: str, places: Mapping[str, str] | None = None) -> list[SummaryRow]:
    """Rows for `by` in GROUPINGS; `places` maps channel id -> place key (see channels.py)."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}")
    span = (period.start.isoformat(), period.end.isoformat())
    if by == "day":
        return _days(ledger, span)
    found = ledger.db.execute(
        "SELECT key, MAX(name) AS name, SUM(clicks) AS clicks, SUM(revenue) AS revenue FROM traffic "
        "WHERE dimension = ? AND day BETWEEN ? AND ? GROUP BY key ORDER BY revenue DESC, clicks DESC, key",
        (by, *span)).fetchall()
    labels = places or {}
    return [SummaryRow(labels.get(row["key"], row["key"]) if by == "channel" else row["key"], row["name"],
                       row["clicks"], row["revenue"]) for row in found]


def _days(ledger: Ledger, span: tuple[str, str]) -> list[SummaryRow]:
    clicks = {row["day"]: row for row in ledger.db.execute(
        "SELECT day, SUM(clicks) AS clicks, SUM(revenue) AS revenue FROM traffic "
        "WHERE dimension = 'total' AND day BETWEEN ? AND ? GROUP BY day", span)}
    sales = {row["day"]: row for row in ledger.db.execute(
        "SELECT transaction_date AS day, COUNT(*) AS sales, SUM(commission_amount) AS commission FROM sales "
        "WHERE transaction_date BETWEEN ? AND ? GROUP BY transaction_date", span)}
    return [SummaryRow(day, "", clicks[day]["clicks"] if day in clicks else 0,
                       clicks[day]["revenue"] if day in clicks else 0.0,
                       sales[day]["sales"] if day in sales else 0,
                       sales[day]["commission"] if day in sales else 0.0)
            for day in sorted(set(clicks) | set(sales))]


def table(rows: Sequence[SummaryRow], first: str) -> str:
    header = (first.upper(), "NAME", "CLICKS", "REVENUE", "SALES", "COMMISSION")
    cells = [(r.label, r.name, str(r.clicks), f"{r.revenue:.2f}", str(r.sales), f"{r.commission:.2f}")
             for r in rows]
    totals = ("total", "", str(sum(r.clicks for r in rows)), f"{sum(r.revenue for r in rows):.2f}",
              str(sum(r.sales for r in rows)), f"{sum(r.commission for r in rows):.2f}")
    lines = [header, *cells, totals]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    render = [("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
              .rstrip() for line in lines]
    return "\n".join(render[:-1] + ["-" * len(render[0]), render[-1]])
