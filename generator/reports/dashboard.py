"""The private revenue dashboard: one self-contained HTML file from the ledger.

Charts are inline SVG drawn here (no scripts, no external assets, so the
file works offline and from file://). Every text from the ledger is
HTML-escaped. The file is for the publisher, not the site: write it
outside the output dir. Must not: sync, or read config.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

from .ledger import Ledger
from .periods import Period
from .summary import SummaryRow, sales_by, traffic

STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#1d2430}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse;width:100%}
td,th{padding:.25rem .5rem;border-bottom:1px solid #e3e6ea;text-align:left}td.n,th.n{text-align:right}
.cards{display:flex;gap:1rem}.card{flex:1;background:#f3f5f8;border-radius:6px;padding:.75rem}
.card b{display:block;font-size:1.4rem}svg text{font-size:11px;fill:#1d2430}"""
BAR_HEIGHT = 22
WIDTH = 900


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def bar_chart(rows: Sequence[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, one per (label, value); an empty chart says so."""
    if not rows:
        return "<p>No data for this period.</p>"
    top = max(value for _, value in rows) or 1.0
    label_w, bar_w = 260, WIDTH - 260 - 90
    parts = [f'<svg role="img" width="{WIDTH}" height="{len(rows) * BAR_HEIGHT + 4}" '
             f'viewBox="0 0 {WIDTH} {len(rows) * BAR_HEIGHT + 4}" xmlns="http://www.w3.org/2000/svg">']
    for index, (label, value) in enumerate(rows):
        y = index * BAR_HEIGHT + 2
        width = max(bar_w * value / top, 1)
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_e(label[:40])}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 6}" fill="#3b6fd8">'
                     f'<title>{_e(label)}: {value:.2f}{_e(unit)}</title></rect>'
                     f'<text x="{label_w + width + 6:.1f}" y="{y + 15}">{value:.2f}{_e(unit)}</text>')
    return "".join(parts) + "</svg>"


def time_chart(rows: Sequence[SummaryRow]) -> str:
    """Revenue (bars) and clicks (line) per day."""
    if not rows:
        return "<p>No data for this period.</p>"
    height, pad = 220, 30
    step = (WIDTH - 2 * pad) / len(rows)
    top_revenue = max(r.revenue + r.commission for r in rows) or 1.0
    top_clicks = max(r.clicks for r in rows) or 1
    parts = [f'<svg role="img" width="{WIDTH}" height="{height + 40}" viewBox="0 0 {WIDTH} {height + 40}" '
             'xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{pad}" y1="{height}" x2="{WIDTH - pad}" y2="{height}" stroke="#999"/>']
    points = []
    for index, row in enumerate(rows):
        x = pad + index * step
        earned = row.revenue + row.commission
        bar = (height - pad) * earned / top_revenue
        parts.append(f'<rect x="{x + step * 0.15:.1f}" y="{height - bar:.1f}" width="{step * 0.7:.1f}" '
                     f'height="{bar:.1f}" fill="#3b6fd8"><title>{_e(row.label)}: {earned:.2f} earned, '
                     f'{row.clicks} clicks</title></rect>')
        points.append(f"{x + step / 2:.1f},{height - (height - pad) * row.clicks / top_clicks:.1f}")
        if index % max(len(rows) // 8, 1) == 0:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{height + 16}" text-anchor="middle">'
                         f'{_e(row.label[5:])}</text>')
    parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#e07a1f" stroke-width="2"/>')
    parts.append(f'<text x="{pad}" y="14">revenue + commission (bars, max {top_revenue:.2f}); '
                 f'clicks (line, max {top_clicks})</text>')
    return "".join(parts) + "</svg>"


def _table(rows: Sequence[SummaryRow], first: str) -> str:
    head = (f"<tr><th>{_e(first)}</th><th>Name</th><th class=n>Clicks</th><th class=n>Revenue</th>"
            "<th class=n>Sales</th><th class=n>Commission</th></tr>")
    body = "".join(f"<tr><td>{_e(r.label)}</td><td>{_e(r.name)}</td><td class=n>{r.clicks}</td>"
                   f"<td class=n>{r.revenue:.2f}</td><td class=n>{r.sales}</td><td class=n>{r.commission:.2f}</td>"
                   "</tr>" for r in rows)
    return f"<table>{head}{body}</table>"


def render_dashboard(ledger: Ledger, period: Period, *, places: Mapping[str, str] | None = None,
                     title: str = "shelfpress") -> str:
    days = traffic(ledger, period, "day")
    channels = traffic(ledger, period, "channel", places)
    stores = traffic(ledger, period, "store")
    statuses = sales_by(ledger, period, "commission_status")
    subids = sales_by(ledger, period, "subid")
    cards = (("Clicks", sum(r.clicks for r in days)), ("Revenue", f"{sum(r.revenue for r in days):.2f}"),
             ("Sales", sum(r.sales for r in days)), ("Commission", f"{sum(r.commission for r in days):.2f}"))
    sections = [
        ("Over time", time_chart(days)),
        ("Revenue by channel / page", bar_chart([(f"{r.label} {r.name}".strip(), r.revenue) for r in channels])
         + _table(channels, "Channel")),
        ("Revenue by store", bar_chart([(r.name or r.label, r.revenue) for r in stores]) + _table(stores, "Store")),
        ("Commission by status", bar_chart([(r.label, r.commission) for r in statuses])),
        ("Commission by sub id (page)", bar_chart([(r.label, r.commission) for r in subids])
         + _table(subids, "Sub id")),
    ]
    body = "".join(f"<section><h2>{_e(name)}</h2>{content}</section>" for name, content in sections)
    card_html = "".join(f'<div class="card">{_e(name)}<b>{_e(value)}</b></div>' for name, value in cards)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Revenue: {_e(title)}</title>'
            f'<meta name="robots" content="noindex"><style>{STYLE}</style></head><body>'
            f"<h1>Revenue: {_e(title)}</h1><p>{_e(period)}</p><div class=cards>{card_html}</div>{body}"
            "</body></html>\n")


def write_dashboard(ledger: Ledger, period: Period, output: Path, *, places: Mapping[str, str] | None = None,
                    title: str = "shelfpress") -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_dashboard(ledger, period, places=places, title=title), encoding="utf-8")
    return output
