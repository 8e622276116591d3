"""The API is an edge, like the window and the command line: the core and the application layer never import
it, and it imports neither Qt nor the window (tests/test_layers.py has the other rules)."""
from __future__ import annotations

from tests.test_layers import CORE, _imports


def test_the_api_is_an_edge():
    imports = _imports()
    below = [(f, name) for pkg in (*CORE, "app") for name, f in imports.get(pkg, ()) if name.startswith("ketdir.api")]
    assert below == []
    sideways = [(f, name) for name, f in imports["api"] if name.startswith(("ketdir.gui", "ketdir.cli", "PySide6"))]
    assert sideways == []
