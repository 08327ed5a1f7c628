"""A product's price history as readers see it: an inline SVG step chart and the table it is drawn from.

    lowest_over_time(histories, currency)   one series from one or many price histories: at every change,
                                            the lowest price then in force among them (a grouped product:
                                            the cheapest shop at each moment), in one currency
    price_chart(series)                     a PriceChart to draw, or None with fewer than two prices

The chart is geometry only (a path in a fixed viewBox, scaled by CSS to any
width); the template (`partials/price-history.html`) draws it and puts every
point in a table, its text alternative. No JavaScript, and nothing in it
depends on the clock: the line ends at the last change the site saw, so a
page changes only when a price does (incremental builds keep carrying it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generator.sources.price_history import PriceChange

WIDTH, HEIGHT = 400, 160  # viewBox units; the figure is as wide as its column
LEFT, RIGHT, TOP, BOTTOM = 8, 392, 12, 148  # the plot area inside the viewBox
TAIL = 24  # the last price runs on past its point: it is still the price


@dataclass(frozen=True)
class ChartPoint:
    day: dt.date  # UTC date the price was first seen
    price: float
    x: float
    y: float


@dataclass(frozen=True)
class PriceChart:
    points: tuple[ChartPoint, ...]  # oldest first
    currency: str
    path: str  # the step line, an SVG path in the viewBox
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def lowest(self) -> ChartPoint:
        """The lowest price, its first appearance when it recurs."""
        return min(self.points, key=lambda p: p.price)

    @property
    def highest(self) -> ChartPoint:
        return max(self.points, key=lambda p: p.price)

    @property
    def first(self) -> ChartPoint:
        return self.points[0]

    @property
    def last(self) -> ChartPoint:
        return self.points[-1]


def lowest_over_time(histories: Iterable[Sequence[PriceChange]], currency: str) -> tuple[PriceChange, ...]:
    """The lowest price in force at each change of any of `histories` (each oldest first), in `currency` (a
    price in another currency neither counts nor ends the one before it); a change that leaves the lowest
    price as it was adds no point."""
    events = sorted((change.seen_at, index, change.price) for index, changes in enumerate(histories)
                    for change in changes if change.currency == currency)
    in_force: dict[int, float] = {}
    series: list[PriceChange] = []
    for seen_at, index, price in events:
        in_force[index] = price
        lowest = min(in_force.values())
        if series and series[-1].seen_at == seen_at:  # several shops changed at once: one point
            series[-1] = PriceChange(seen_at, lowest, currency)
        elif not series or series[-1].price != lowest:
            series.append(PriceChange(seen_at, lowest, currency))
    return tuple(change for i, change in enumerate(series) if i == 0 or change.price != series[i - 1].price)


def price_chart(series: Sequence[PriceChange]) -> PriceChart | None:
    """The chart of `series` (oldest first, one currency), or None when it has fewer than two prices (a line
    of one price says nothing the price itself does not)."""
    if len(series) < 2:
        return None
    start, end = series[0].seen_at, series[-1].seen_at
    low, high = min(c.price for c in series), max(c.price for c in series)
    span, rise = max(end - start, 1), (high - low) or 1.0

    def x(seen_at: int) -> float:
        return round(LEFT + (RIGHT - TAIL - LEFT) * (seen_at - start) / span, 1)

    def y(price: float) -> float:
        return round(BOTTOM - (BOTTOM - TOP) * (price - low) / rise, 1)

    points = tuple(ChartPoint(dt.datetime.fromtimestamp(c.seen_at, dt.timezone.utc).date(), c.price,
                              x(c.seen_at), y(c.price)) for c in series)
    steps = [f"M{points[0].x:g} {points[0].y:g}"]
    for point in points[1:]:
        steps.append(f"H{point.x:g}V{point.y:g}")
    steps.append(f"H{RIGHT}")
    return PriceChart(points, series[0].currency, "".join(steps))
