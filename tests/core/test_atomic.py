"""generator/core/atomic.py: a write either replaces the file whole or leaves it as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core.atomic import atomic_write, atomic_writer


def test_text_and_bytes_replace_the_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "state.json"
    atomic_write(target, "å\n")
    assert target.read_bytes() == "å\n".encode()
    atomic_write(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["state.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write("half")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
