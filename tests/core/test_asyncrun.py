"""generator/core/asyncrun.py: the one bridge from synchronous code into async code."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import generator
from generator.core.asyncrun import LoopRunner, run_sync


def test_nothing_else_calls_asyncio_run() -> None:
    package = Path(generator.__file__).parent
    callers = {path.relative_to(package).as_posix() for path in package.rglob("*.py")
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.Attribute) and node.attr == "run"
               and isinstance(node.value, ast.Name) and node.value.id == "asyncio"}
    assert callers <= {"core/asyncrun.py"}


async def _loop_id() -> int:
    return id(asyncio.get_running_loop())


def test_run_sync_and_loop_runner_work_inside_a_running_loop() -> None:
    runner = LoopRunner()
    try:
        async def caller() -> tuple[int, int, int]:
            return run_sync(_loop_id()), runner.run(_loop_id()), runner.run(_loop_id())
        _, first, second = asyncio.run(caller())
        assert first == second  # one loop kept across calls
    finally:
        runner.close()
