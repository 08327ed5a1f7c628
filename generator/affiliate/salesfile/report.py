"""SalesFileReport: what `build_sales_file` did, for the CLI's summary.

Owns the counters and the capped list of warnings (the first few are kept
verbatim with their line numbers, the rest are only counted, so a file with
a million coerced ids does not flood the terminal or the memory). Must not
print: the command decides how to show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_WARNINGS = 10


@dataclass
class SalesFileReport:
    orders_written: int = 0
    empty_dropped: int = 0
    duplicates_merged: int = 0
    outside_window: int = 0
    undated: int = 0
    warnings: list[str] = field(default_factory=list)
    warnings_suppressed: int = 0

    def warn(self, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)
        else:
            self.warnings_suppressed += 1

    def summary(self) -> str:
        parts = [f"{self.orders_written:,} orders written"]
        for count, label in ((self.empty_dropped, "empty orders dropped"),
                             (self.duplicates_merged, "duplicate items merged"),
                             (self.outside_window, "orders outside the window"),
                             (self.undated, "orders without a date kept")):
            if count:
                parts.append(f"{count:,} {label}")
        return ", ".join(parts)
