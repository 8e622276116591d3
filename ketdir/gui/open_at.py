"""Open at…: opening times for another moment (a Saturday night, a bank holiday), and back to now.

The moment is a London wall-clock time, read by `ketdir.hours.in_london` like everything else: a time the
clocks skip or repeat is said in words here, so the person knows which moment the times describe.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import QDateTimeEdit, QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout

from ketdir import hours


def _day(moment: dt.datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def moment_text(at: dt.datetime) -> str:
    """"Sat 28 Mar 2027, 02:30 BST" — the moment the times describe."""
    local = hours.in_london(at)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()}"


def clock_change_note(at: dt.datetime) -> str | None:
    """What happens to a wall-clock time the clocks skip or repeat, in words; None for ordinary times."""
    kind = hours.skipped_or_repeated(at)
    shown = hours.in_london(at)
    if kind == "skipped":
        return (f"{at:%H:%M} does not happen on {_day(at)}: the clocks go forward an hour at 01:00. Times are "
                f"shown for {shown:%H:%M} {shown.tzname()}, the same moment.")
    if kind == "repeated":
        return (f"{at:%H:%M} happens twice on {_day(at)}: the clocks go back an hour at 02:00. Times are shown "
                f"for the first {at:%H:%M} ({shown.tzname()}).")
    return None


def _qt(moment: dt.datetime) -> QDateTime:
    return QDateTime(moment.year, moment.month, moment.day, moment.hour, moment.minute)


class OpenAtDialog(QDialog):
    """Choose a date and time; Enter shows the times then, "Back to now" returns to the clock."""

    chosen = Signal(object)  # a naive London datetime, or None for now

    def __init__(self, current: dt.datetime | None, now: dt.datetime, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open at…")
        self.setAccessibleName("Open at another time")
        start = (current or hours.in_london(now).replace(tzinfo=None)).replace(second=0, microsecond=0)
        intro = QLabel("See which services are open, and their opening times, at another moment — for example "
                       "a Saturday night or a bank holiday.", self)
        intro.setWordWrap(True)
        self.edit = QDateTimeEdit(_qt(start), self)
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("ddd d MMM yyyy  HH:mm")
        self.edit.setAccessibleName("Date and time")
        label = QLabel("&Date and time:", self)
        label.setBuddy(self.edit)
        self.note = QLabel(self)
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        self.use_button = buttons.addButton("&Show times then", QDialogButtonBox.ButtonRole.AcceptRole)
        self.use_button.setDefault(True)
        self.now_button: QPushButton = buttons.addButton("Back to &now", QDialogButtonBox.ButtonRole.ResetRole)
        self.now_button.setEnabled(current is not None)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._use)
        buttons.rejected.connect(self.reject)
        self.now_button.clicked.connect(self._back_to_now)
        self.edit.dateTimeChanged.connect(lambda _v: self._update_note())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(label)
        layout.addWidget(self.edit)
        layout.addWidget(self.note)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self._update_note()
        self.edit.setFocus()

    def moment(self) -> dt.datetime:
        value = self.edit.dateTime()
        d, t = value.date(), value.time()
        return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())

    def _update_note(self) -> None:
        note = clock_change_note(self.moment())
        self.note.setText(note or "")
        self.note.setVisible(note is not None)

    def _use(self) -> None:
        self.chosen.emit(self.moment())
        self.accept()

    def _back_to_now(self) -> None:
        self.chosen.emit(None)
        self.accept()
