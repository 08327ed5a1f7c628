"""What to fix first: the pages `links check` found broken, beside what their channel earns.

`links check` keeps its last report's breaks, each with the channel that signs the page's links, in
its state file (`link_health.CheckState.broken`). Here they meet the channel revenue already synced
into the ledger: each broken page gets its channel's clicks and click revenue for the period, and the
costliest come first. A channel serves a whole section, so the figures are the section's: the page
is where the money leaks, not all of it. Must not: sync, check links, or read config.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.affiliate.revenue.ledger import Ledger
from generator.affiliate.revenue.periods import Period


@dataclass(frozen=True)
class BrokenPage:
    page: str
    file: str
    problems: tuple[str, ...]  # "file:line: message", first one first
    channel: str  # its id, or its place name from the channel map; "" for none
    clicks: int
    revenue: float


def broken_pages(ledger: Ledger, period: Period, breaks: Iterable[Mapping[str, Any]],
                 places: Mapping[str, str] | None = None) -> list[BrokenPage]:
    """One row per broken page, with its channel's clicks and click revenue in `period`, costliest first."""
    places = places or {}
    traffic = {r["key"]: (int(r["clicks"] or 0), float(r["revenue"] or 0.0)) for r in ledger.db.execute(
        "SELECT key, SUM(clicks) AS clicks, SUM(revenue) AS revenue FROM traffic WHERE dimension = 'channel' "
        "AND day BETWEEN ? AND ? GROUP BY key", (period.start.isoformat(), period.end.isoformat()))}
    pages: dict[str, dict[str, Any]] = {}
    for entry in breaks:
        page = str(entry.get("page") or entry.get("file") or "")
        file, line = str(entry.get("file") or ""), entry.get("line")
        where = f"{file}:{line}: " if file and line else f"{file}: " if file else ""
        row = pages.setdefault(page, {"file": file, "channel": str(entry.get("channel") or ""), "problems": []})
        row["problems"].append(where + str(entry.get("message") or ""))
    rows = []
    for page, row in pages.items():
        clicks, revenue = traffic.get(row["channel"], (0, 0.0))
        channel = places.get(row["channel"], row["channel"])
        rows.append(BrokenPage(page, row["file"], tuple(row["problems"]), channel, clicks, round(revenue, 2)))
    return sorted(rows, key=lambda r: (-r.revenue, -r.clicks, r.page))
