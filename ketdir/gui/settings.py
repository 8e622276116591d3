"""The person's own settings (QSettings): in KETDIR_PROFILE's folder if set, else the usual place, or none
at all when KETDIR_NO_USER_SETTINGS=1 (tests)."""
from __future__ import annotations

import os

from PySide6.QtCore import QSettings

from ketdir.paths import profile_dir

SETTINGS_FILE = "settings.ini"


def user_settings(settings: QSettings | None = None) -> QSettings | None:
    """`settings` if given; else ketdir's QSettings, unless user settings are switched off."""
    if settings is not None:
        return settings
    profile = profile_dir()
    if profile is not None:
        return QSettings(str(profile / SETTINGS_FILE), QSettings.Format.IniFormat)
    if os.environ.get("KETDIR_NO_USER_SETTINGS") == "1":
        return None
    return QSettings("ketdir", "ketdir")
