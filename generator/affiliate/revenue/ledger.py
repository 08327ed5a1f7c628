"""Ledger: the local SQLite record of traffic (partner API) and sales (Shopper).

Tables:
    traffic(day, dimension, key, name, clicks, revenue, currency, synced_at)
        one row per day and channel / store / total ("channel", "store",
        "total"); primary key (day, dimension, key). Re-syncing a day
        replaces its numbers, so nothing is counted twice.
    sales(reference PRIMARY KEY, ... every Sale field ..., first_seen, updated_at)
        a sale seen again is updated in place (pending -> approved, paid).

Each `record_*` call is one transaction: a sync lands whole or not at all.
Must not: talk to the network or print. Queries for reports live in summary.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from generator.core.database import Schema, connect
from generator.affiliate.revenue.models import Sale, TrafficRow

_V1 = """
CREATE TABLE IF NOT EXISTS traffic (
    day TEXT NOT NULL, dimension TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
    clicks INTEGER NOT NULL DEFAULT 0, revenue REAL NOT NULL DEFAULT 0, currency TEXT NOT NULL DEFAULT '',
    synced_at TEXT NOT NULL, PRIMARY KEY (day, dimension, key));
CREATE TABLE IF NOT EXISTS sales (
    reference TEXT PRIMARY KEY, transaction_date TEXT, commission_amount REAL NOT NULL,
    transaction_amount REAL NOT NULL, payment_date TEXT, currency TEXT, commission_status TEXT,
    category TEXT, payment_status TEXT, product_slug TEXT, product_name TEXT, collection_slug TEXT,
    collection_name TEXT, collection_url TEXT, subid TEXT, first_seen TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sales_by_date ON sales (transaction_date);
"""
SCHEMA = Schema("revenue ledger", [_V1], hint="delete the file and run `shelfpress revenue sync` again")
DIMENSIONS = ("channel", "store", "total")
SALE_COLUMNS = tuple(f.name for f in dataclasses.fields(Sale))


@dataclasses.dataclass(frozen=True)
class UpsertCount:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"{self.inserted} new, {self.updated} updated, {self.unchanged} unchanged"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _value(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


class Ledger:
    def __init__(self, path: Path | str) -> None:
        self.db = connect(path, SCHEMA, isolation_level="")
        self.db.row_factory = sqlite3.Row

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def record_traffic(self, dimension: str, rows: Iterable[tuple[dt.date, TrafficRow]]) -> UpsertCount:
        """Upsert (day, row) pairs of one dimension; a row's own `day` wins over the pair's."""
        if dimension not in DIMENSIONS:
            raise ValueError(f"dimension must be one of {DIMENSIONS}")
        counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        with self.db:
            for day, row in rows:
                key = (_value(row.day or day), dimension, row.key)
                old = self.db.execute("SELECT name, clicks, revenue, currency FROM traffic "
                                      "WHERE day = ? AND dimension = ? AND key = ?", key).fetchone()
                new = (row.name, row.clicks, row.revenue, row.currency)
                if old is not None and tuple(old) == new:
                    counts["unchanged"] += 1
                    continue
                counts["updated" if old else "inserted"] += 1
                self.db.execute("INSERT INTO traffic VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
                                "(day, dimension, key) DO UPDATE SET name = excluded.name, "
                                "clicks = excluded.clicks, revenue = excluded.revenue, "
                                "currency = excluded.currency, synced_at = excluded.synced_at",
                                (*key, *new, _now()))
        return UpsertCount(**counts)

    def record_sales(self, sales: Iterable[Sale]) -> UpsertCount:
        """Upsert sales by reference; a changed sale (status, amounts, dates) is updated."""
        counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        placeholders = ", ".join("?" for _ in SALE_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in SALE_COLUMNS[1:])
        with self.db:
            for sale in sales:
                values = tuple(_value(getattr(sale, c)) for c in SALE_COLUMNS)
                old = self.db.execute(f"SELECT {', '.join(SALE_COLUMNS)} FROM sales WHERE reference = ?",
                                      (sale.reference,)).fetchone()
                if old is not None and tuple(old) == values:
                    counts["unchanged"] += 1
                    continue
                counts["updated" if old else "inserted"] += 1
                now = _now()
                self.db.execute(f"INSERT INTO sales ({', '.join(SALE_COLUMNS)}, first_seen, updated_at) "
                                f"VALUES ({placeholders}, ?, ?) ON CONFLICT (reference) DO UPDATE SET {updates}, "
                                "updated_at = excluded.updated_at", (*values, now, now))
        return UpsertCount(**counts)
