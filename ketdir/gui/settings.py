"""The person's own settings (QSettings), or none at all when KETDIR_NO_USER_SETTINGS=1 (tests)."""
from __future__ import annotations

import os

from PySide6.QtCore import QSettings


def user_settings(settings: QSettings | None = None) -> QSettings | None:
    """`settings` if given; else ketdir's QSettings, unless user settings are switched off."""
    if settings is not None:
        return settings
    if os.environ.get("KETDIR_NO_USER_SETTINGS") == "1":
        return None
    return QSettings("ketdir", "ketdir")
