"""The package layout holds: imports point down the pipeline's stages, and no modules import each other.

The stages, lowest first, are listed in STAGES (README's module map draws the same order). A module may
import its own stage and any stage below it; `generator/cli.py` belongs with the commands, and the root
package (`generator/__init__.py`, the public API with its lazy imports) may be imported from anywhere.
Imports under `if TYPE_CHECKING:` only name types for annotations and never run, so they may name a
later stage's classes; they are not counted. The check parses the source, so it sees an import added in
a function body as well as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "generator"
STAGES = ("assets", "core", "config", "sources", "content", "affiliate", "products", "render", "engine",
          "publish", "importers", "commands")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> int:
    parts = module.split(".")
    if parts[1:2] == ["cli"]:
        return STAGES.index("commands")
    return STAGES.index(parts[1])


def _type_only_nodes(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found.update(id(inner) for inner in ast.walk(node))
    return found


def runtime_imports() -> dict[str, set[str]]:
    """Module -> the generator modules it imports when it runs."""
    modules = {module_name(path): path for path in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text("utf-8"))
        skip = _type_only_nodes(tree)
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom) and node.module:
                candidates = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            for candidate in candidates:
                if candidate in modules and candidate not in (name, "generator"):
                    targets.add(candidate)
                    break
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_generator_holds_only_stage_packages() -> None:
    entries = sorted(p.name for p in ROOT.iterdir() if p.name != "__pycache__")
    assert entries == sorted(["__init__.py", "cli.py", *STAGES])


def test_no_module_imports_a_later_stage() -> None:
    upward = [f"{module} imports {target}" for module, targets in runtime_imports().items()
              if module != "generator" for target in sorted(targets) if stage_of(target) > stage_of(module)]
    assert upward == [], "an import points up the pipeline (see STAGES):\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    graph = runtime_imports()
    graph.pop("generator")  # the public API imports on first use (PEP 562), from the top of the pipeline
    assert cycles(graph) == []


def test_the_check_sees_an_upward_import_and_a_cycle() -> None:
    """The two rules above would pass on an empty graph; here they must fail on a bad one."""
    assert stage_of("generator.core.errors") < stage_of("generator.render.environment")
    assert stage_of("generator.cli") == stage_of("generator.commands.build")
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    graph = runtime_imports()
    assert "generator.core.errors" in graph["generator.engine.output"]
