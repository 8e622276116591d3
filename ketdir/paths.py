"""Where ketdir's bundled files, and the person's own settings, live. The project runs from its checkout
(pip install -e .)."""
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


def profile_dir() -> Path | None:
    """A folder holding the person's settings and shortlist instead of the usual places (KETDIR_PROFILE: a
    portable copy on a USB stick, or a test's own), or None to use the usual ones."""
    value = os.environ.get("KETDIR_PROFILE")
    return Path(value).expanduser() if value else None
