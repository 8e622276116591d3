"""The referral log's retention setting (QSettings) and applying it when the window starts.

`apply_retention_on_start(directory, settings)` deletes entries older than the setting and returns a
message for the status bar ("Deleted 12 referral-log entries older than 24 months."), or None when
nothing was deleted. `RetentionDialog` changes the setting. The setting is per computer; on a shared
team database, set it the same on every computer (the shortest setting wins).
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout, QWidget
from sqlalchemy.exc import SQLAlchemyError

from ketdir.referral.retention import MAX_MONTHS, apply_retention, check_months
from ketdir.store.engine import Directory

SETTINGS_KEY = "referral/retention_months"
DEFAULT_MONTHS = 0  # keep everything until someone chooses a period


def retention_months(settings: QSettings) -> int:
    value = settings.value(SETTINGS_KEY, DEFAULT_MONTHS)
    try:
        return check_months(int(value))
    except (TypeError, ValueError):
        return DEFAULT_MONTHS


def set_retention_months(settings: QSettings, months: int) -> None:
    settings.setValue(SETTINGS_KEY, check_months(months))
    settings.sync()


def _london_now() -> dt.datetime:
    from ketdir.hours import LONDON

    return dt.datetime.now(LONDON)


def apply_retention_on_start(directory: Directory, settings: QSettings, now: dt.datetime | None = None) -> str | None:
    """Delete log entries older than the setting; a status-bar message, or None if nothing changed."""
    months = retention_months(settings)
    if months == 0:
        return None
    try:
        with directory.session() as session, session.begin():
            deleted = apply_retention(session, months, now or _london_now())
    except SQLAlchemyError:
        return ("Old referral-log entries could not be deleted (the database is read-only or busy); "
                "ketdir will try again next time.")
    if not deleted:
        return None
    return (f"Deleted {deleted} referral-log entr{'ies' if deleted != 1 else 'y'} older than "
            f"{months} month{'s' if months != 1 else ''} (Referrals ▸ Keep the log for… to change this).")


class RetentionDialog(QDialog):
    """How long to keep the referral log."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Keep the referral log for…")
        explain = QLabel("Entries older than this are deleted each time ketdir starts. 0 keeps every entry. "
                         "The log is anonymous, but keep it no longer than your organisation needs.")
        explain.setWordWrap(True)
        self.months = QSpinBox()
        self.months.setRange(0, MAX_MONTHS)
        self.months.setSuffix(" months")
        self.months.setSpecialValueText("Keep everything")
        self.months.setValue(retention_months(settings))
        self.months.setAccessibleName("Months to keep the referral log")
        form = QFormLayout()
        form.addRow("Keep entries for:", self.months)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def accept(self) -> None:
        set_retention_months(self.settings, self.months.value())
        super().accept()
