"""The house: the core's packages import each other without a circle, and plugins use only
the declared public API (``dse.__all__``), as a third-party package would."""

from __future__ import annotations

import ast
from pathlib import Path

import dse

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node except those under ``if TYPE_CHECKING:`` (annotations never run)."""
    nodes: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            todo += node.orelse
            continue
        todo += list(ast.iter_child_nodes(node))
    return nodes


def _imports(path: Path, known: set[str]) -> set[str]:
    """Core modules a file imports when it runs, at any depth (imports inside functions count)."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found |= {name for name in names if name in known}
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in (ROOT / "dse").rglob("*.py")}
    known = set(files)
    # `dse/__init__.py` resolves its names lazily and is the door for plugins, not for the core
    return {name: _imports(path, known) - {"dse"} for name, path in files.items() if name != "dse"}


def test_core_has_no_import_circle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                circle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import circle: " + " -> ".join(circle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_plugins_import_only_the_public_api() -> None:
    public = set(dse.__all__)
    offenders = []
    for path in sorted([*(ROOT / "plugins").rglob("*.py"), *(ROOT / "examples").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module == "dse":
                    offenders += [f"{path.relative_to(ROOT)}: dse.{a.name}" for a in node.names
                                  if a.name not in public]
                elif node.module.startswith("dse.") and node.module != "dse.testing":
                    offenders.append(f"{path.relative_to(ROOT)}: {node.module}")
            elif isinstance(node, ast.Import):
                offenders += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names
                              if a.name.startswith("dse.") and a.name != "dse.testing"]
    assert not offenders, "plugins reach past dse.__all__:\n" + "\n".join(offenders)


def test_every_public_name_resolves() -> None:
    for name in dse.__all__:
        assert getattr(dse, name) is not None, name
