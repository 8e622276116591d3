"""Where ketdir's bundled files live. The project runs from its checkout (pip install -e .)."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    """The text sources: need types, synonyms, gazetteer, bundled directory (override: KETDIR_DATA)."""
    return Path(os.environ.get("KETDIR_DATA", PROJECT_ROOT / "data"))


def bundled_db() -> Path:
    return PROJECT_ROOT / "resources.db"


def ui_dir() -> Path:
    return PROJECT_ROOT / "ui"
