"""Group item rows by order id with bounded memory (external merge sort).

Owns: turning rows in any order into rows sorted by (order id, line,
position). Input that fits in one chunk is sorted in memory; larger input
is cut into sorted runs spilled to a temporary directory and merged, so
memory is bounded by `chunk_rows` whatever the input size, and orders need
not be contiguous in the input. Must not validate or interpret rows.
"""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import BinaryIO, TypeVar

Row = TypeVar("Row", bound=tuple)  # type: ignore[type-arg]

DEFAULT_CHUNK_ROWS = 250_000
_SPILL_BATCH = 10_000


def sorted_rows(rows: Iterable[Row], *, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                tmpdir: str | Path | None = None) -> Iterator[Row]:
    """`rows` in sorted order, holding at most `chunk_rows` rows in memory (plus one batch per run)."""
    source = iter(rows)
    first = sorted(islice(source, chunk_rows))
    if len(first) < chunk_rows:
        yield from first
        return
    with tempfile.TemporaryDirectory(prefix="shelfpress-sort-", dir=tmpdir) as spill:
        runs = [_spill(first, Path(spill) / "run-0")]
        del first
        while chunk := sorted(islice(source, chunk_rows)):
            runs.append(_spill(chunk, Path(spill) / f"run-{len(runs)}"))
        handles = [path.open("rb") for path in runs]
        try:
            yield from heapq.merge(*(_read_run(handle) for handle in handles))
        finally:
            for handle in handles:
                handle.close()


def _spill(chunk: list[Row], path: Path) -> Path:
    with path.open("wb") as handle:
        for start in range(0, len(chunk), _SPILL_BATCH):
            pickle.dump(chunk[start:start + _SPILL_BATCH], handle, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read_run(handle: BinaryIO) -> Iterator[Row]:
    while True:
        try:
            batch = pickle.load(handle)
        except EOFError:
            return
        yield from batch
