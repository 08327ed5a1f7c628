"""Every price the site has seen, kept across builds, and the honest "was" price it allows (Omnibus).

The EU price-indication rule (Directive 98/6/EC as amended by the Omnibus
directive, in force since 2022) says a price shown as reduced must name, as
its prior price, the lowest price of the 30 days before the reduction. An
affiliate site cannot know what a shop charged on days it did not look, so
the only prior prices it can honestly show are the ones it saw itself.

`PriceHistory` is a SQLite file with one row per price change (product,
shop, price, currency, when it was first seen), at most `KEEP` rows per
product. `prior_price` reads the rule off those rows: the current price took
effect at its row's time; the prior price is the lowest price in force at any
moment of the 30 days before that, when it is higher than the current one.
None means the site saw no higher price: the product is shown unreduced,
whatever "regular price" the shop sent.

This module neither fetches nor renders; `history_source.py` applies it to
the products a build fetches.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.core.database import Schema, connect
from generator.sources.catalog_schema import transaction
from generator.sources.models import Product

WINDOW = 30 * 86400  # seconds: the 30 days before a reduction
KEEP = 100  # rows (price changes) kept per product: years of daily changes are rarely needed to look back 30 days
_BATCH = 500  # ids per SELECT ... IN (...)

SCHEMA = Schema("price history", ["""
CREATE TABLE IF NOT EXISTS prices (
    product_id INTEGER NOT NULL,
    seen_at INTEGER NOT NULL,
    store_id INTEGER NOT NULL,
    price REAL NOT NULL,
    currency TEXT NOT NULL,
    PRIMARY KEY (product_id, seen_at)
) WITHOUT ROWID;
"""], hint="delete the file to start the history afresh (the \"was\" prices it allowed go with it)")


@dataclass(frozen=True)
class PriceChange:
    seen_at: int  # Unix time the price was first seen
    price: float
    currency: str


def prior_price(changes: Sequence[PriceChange]) -> float | None:
    """The lowest price of the 30 days before the current price (the last change) took effect, when higher
    than it and in the same currency; else None (no reduction the site can vouch for)."""
    if len(changes) < 2:
        return None
    current = changes[-1]
    window_start = current.seen_at - WINDOW
    seen = [change.price for change, until in zip(changes, changes[1:])
            if until.seen_at > window_start and change.currency == current.currency]
    lowest = min(seen, default=None)
    return lowest if lowest is not None and lowest > current.price else None


class PriceHistory:
    """The price history file of a site (created when missing)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = connect(path, SCHEMA, isolation_level=None, check_same_thread=False)

    def record(self, products: Iterable[Product], now: int) -> dict[int, list[PriceChange]]:
        """Add a row for each product whose price (or currency) changed since its last row, at `now`; the
        history of each product after that, oldest first."""
        by_id = {p.product_id: p for p in products}
        history = self.load(list(by_id))
        added = []
        for pid, product in by_id.items():
            changes = history.setdefault(pid, [])
            price, currency = product.price.price, product.price.currency
            if changes and changes[-1].seen_at >= now:  # a build at the same moment (or a clock set back)
                continue
            if not changes or (changes[-1].price, changes[-1].currency) != (price, currency):
                changes.append(PriceChange(now, price, currency))
                added.append((pid, now, product.store.store_id, price, currency))
        if added:
            with transaction(self.conn):
                self.conn.executemany("INSERT OR REPLACE INTO prices VALUES (?, ?, ?, ?, ?)", added)
                self.conn.executemany(
                    "DELETE FROM prices WHERE product_id = ? AND seen_at < (SELECT seen_at FROM prices WHERE "
                    "product_id = ? ORDER BY seen_at DESC LIMIT 1 OFFSET ?)",
                    [(pid, pid, KEEP - 1) for pid in {row[0] for row in added}])
            for pid in {row[0] for row in added}:
                del history[pid][:-KEEP]
        return history

    def load(self, ids: Sequence[int]) -> dict[int, list[PriceChange]]:
        """The changes of each of `ids` that has any, oldest first."""
        found: dict[int, list[PriceChange]] = {}
        for start in range(0, len(ids), _BATCH):
            batch = ids[start:start + _BATCH]
            rows = self.conn.execute(f"SELECT product_id, seen_at, price, currency FROM prices WHERE product_id IN "
                                     f"({','.join('?' * len(batch))}) ORDER BY product_id, seen_at", batch)
            for pid, seen_at, price, currency in rows:
                found.setdefault(pid, []).append(PriceChange(seen_at, price, currency))
        return found

    def changes(self, product_id: int) -> list[PriceChange]:
        return self.load([product_id]).get(product_id, [])

    def close(self) -> None:
        try:
            self.conn.close()
        except sqlite3.Error:
            pass
