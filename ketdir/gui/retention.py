"""How long the referral log is kept: applied when the window starts, changed in Referrals ▸ Keep the log for….

The period lives in the directory with the log (ketdir.app.referrals), so every computer on a shared team
database applies the same one. Older versions kept it in this computer's settings: such a value is moved into
the directory once. Both the start-up deletion and the dialog's read and write run on a worker.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from ketdir.app import Directory
from ketdir.app.referrals import RetentionDone, apply_retention, retention_period, set_retention_period
from ketdir.gui.workers import Job, Worker
from ketdir.problems import KetdirProblem
from ketdir.referral.retention import MAX_MONTHS

LEGACY_SETTINGS_KEY = "referral/retention_months"  # where versions before the app layer kept it


def legacy_months(settings: QSettings | None) -> int:
    """A period this computer's settings still hold from an older version (0: none)."""
    if settings is None:
        return 0
    try:
        months = int(settings.value(LEGACY_SETTINGS_KEY, 0))
    except (TypeError, ValueError):
        return 0
    return months if 0 < months <= MAX_MONTHS else 0


def _move_then_apply(directory: Directory, months_from_settings: int, now: dt.datetime | None) -> RetentionDone:
    """Runs on the worker: an older version's setting becomes the directory's period (unless one is set), then
    the period is applied."""
    if months_from_settings and retention_period(directory) == 0:
        set_retention_period(directory, months_from_settings)
    return apply_retention(directory, now)


def apply_on_start(parent: QObject, directory: Directory, settings: QSettings | None,
                   notify: Callable[[str], None], now: dt.datetime | None = None) -> Job:
    """Delete the log's entries older than its period, off the UI thread; `notify` gets a message for the status
    bar when entries were deleted, or when they could not be (ketdir tries again at the next start)."""
    moving = legacy_months(settings)

    def done(result: RetentionDone) -> None:
        if moving and settings is not None:
            settings.remove(LEGACY_SETTINGS_KEY)
        message = result.message()
        if message:
            notify(message)

    def failed(problem: KetdirProblem) -> None:
        notify(f"Old referral-log entries were not deleted this time: {problem} ketdir will try again next time.")

    return Worker(parent).run(_move_then_apply, directory, moving, now, on_result=done, on_problem=failed)


class RetentionDialog(QDialog):
    """How long to keep the referral log."""

    changed = Signal(str)  # a message for the status bar

    def __init__(self, directory: Directory, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.directory = directory
        self.is_ready = False
        self._worker = Worker(self)
        self.setWindowTitle("Keep the referral log for…")
        self.setAccessibleName("Keep the referral log for")
        explain = QLabel("Entries older than this are deleted each time ketdir starts. 0 keeps every entry. "
                         "The log is anonymous, but keep it no longer than your organisation needs. On a shared "
                         "team database this applies to every computer.")
        explain.setWordWrap(True)
        self.months = QSpinBox()
        self.months.setRange(0, MAX_MONTHS)
        self.months.setSuffix(" months")
        self.months.setSpecialValueText("Keep everything")
        self.months.setAccessibleName("Months to keep the referral log")
        self.months.setEnabled(False)  # until the directory's period is read
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        form = QFormLayout()
        form.addRow("Keep entries for:", self.months)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setEnabled(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._worker.run(retention_period, directory, on_result=self._read, on_problem=self._show_problem)

    def _read(self, months: int) -> None:
        self.months.setValue(months)
        self.months.setEnabled(True)
        self.ok_button.setEnabled(True)
        self.is_ready = True
        self.months.setFocus()
        self.months.selectAll()

    def accept(self) -> None:
        """Save the period off the UI thread; the dialog closes once it is stored, and stays if not."""
        if not self.is_ready or not self.ok_button.isEnabled():
            return
        self.ok_button.setEnabled(False)
        self.error.hide()
        self._worker.run(set_retention_period, self.directory, self.months.value(), on_result=self._saved,
                         on_problem=self._show_problem)

    def _saved(self, months: int) -> None:
        if months:
            self.changed.emit(f"The referral log is kept for {months} month{'s' if months != 1 else ''}: older "
                              "entries are deleted each time ketdir starts.")
        else:
            self.changed.emit("The referral log keeps every entry.")
        super().accept()

    def _show_problem(self, problem: KetdirProblem) -> None:
        self.ok_button.setEnabled(self.is_ready)
        self.error.setText(str(problem))
        self.error.show()
