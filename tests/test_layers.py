"""The architecture's rules, checked on the source: dependencies point down, the window never touches the
database itself, and the packages form no import cycle."""
from __future__ import annotations

import ast
import collections
from pathlib import Path

import ketdir

ROOT = Path(ketdir.__file__).parent
CORE = ("store", "search", "geo", "hours", "harm", "interop", "referral", "editing", "health", "team", "needs",
        "paths", "problems", "freshness")
EDGES = ("cli", "gui")


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imports() -> dict[str, set[tuple[str, str]]]:
    """For each ketdir package: (imported module, file) for every import, including those inside functions."""
    found: dict[str, set[tuple[str, str]]] = collections.defaultdict(set)
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        here = _package(".".join(rel.parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                found[here].add((name, str(path.relative_to(ROOT.parent))))
    return found


def test_core_never_imports_the_edges_or_the_app_layer():
    wrong = [(f, name) for pkg, items in _imports().items() if pkg in CORE for name, f in items
             if name.startswith(("ketdir.cli", "ketdir.gui", "ketdir.app", "PySide6"))]
    assert wrong == []


def test_app_layer_never_imports_the_edges():
    wrong = [(f, name) for name, f in _imports()["app"] if name.startswith(("ketdir.cli", "ketdir.gui", "PySide6"))]
    assert wrong == []


def test_packages_form_no_import_cycle():
    graph = {pkg: {_package(name) for name, _f in items if name.startswith("ketdir.")} - {pkg}
             for pkg, items in _imports().items()}
    state: dict[str, str] = {}  # "open" while on the current path, "done" after
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_window_modules_do_not_touch_the_database():
    """The window calls ketdir.app (through its worker); it never imports SQLAlchemy or opens sessions."""
    gui = ROOT / "gui"
    wrong = [(str(f), name) for name, f in _imports()["gui"]
             if name.startswith(("sqlalchemy", "ketdir.store.engine", "ketdir.store.models"))]
    sessions = [str(p) for p in gui.rglob("*.py") if ".session(" in p.read_text(encoding="utf-8")]
    assert wrong == [] and sessions == []
