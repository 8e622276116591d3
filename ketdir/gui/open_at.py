"""Open at…: opening times for another moment (a Saturday night, a bank holiday), and back to now.

The moment is a London wall-clock time, read by `ketdir.hours.in_london` like everything else: a time the
clocks skip or repeat is said in words here, so the person knows which moment the times describe.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QVBoxLayout

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


DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%d %b", "%d %B")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EXAMPLE = "28/03/2027 01:30, Sat 22:00 or tomorrow 9am"


def _time_word(word: str) -> bool:
    return any(c in word for c in ":.") or word.endswith(("am", "pm")) or word in ("noon", "midday", "midnight")


def _date_from(words: list[str], today: dt.date) -> dt.date | None:
    text = " ".join(words).strip(" ,")
    if not text or text == "today":
        return today
    if text == "tomorrow":
        return today + dt.timedelta(days=1)
    if text[:3] in DAY_NAMES and text.isalpha():  # "sat", "saturday": the next one (today counts)
        return today + dt.timedelta(days=(DAY_NAMES.index(text[:3]) - today.weekday()) % 7)
    for fmt in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text.title(), fmt).date()
        except ValueError:
            continue
        return day.replace(year=today.year) if "%Y" not in fmt and "%y" not in fmt else day
    return None


def read_moment(text: str, now: dt.datetime) -> dt.datetime | None:
    """A London wall-clock time from what a person types ("28/03/2027 01:30", "Sat 22:00", "tomorrow 9am",
    "22:00" for today); without a time, the time now. None if it cannot be read."""
    words = text.lower().replace(",", " ").split()
    if not words:
        return None
    clock = now.time().replace(second=0, microsecond=0)
    if _time_word(words[-1]):
        try:
            clock = hours.parse_time(words.pop())
        except ValueError:
            return None
    day = _date_from(words, now.date())
    return None if day is None else dt.datetime.combine(day, clock)


class OpenAtDialog(QDialog):
    """Type a date and time; Enter shows the times then, "Back to now" returns to the clock."""

    chosen = Signal(object)  # a naive London datetime, or None for now

    def __init__(self, current: dt.datetime | None, now: dt.datetime, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open at…")
        self.setAccessibleName("Open at another time")
        self._now = hours.in_london(now).replace(tzinfo=None)
        start = current or self._now
        intro = QLabel("See which services are open, and their opening times, at another moment — for example "
                       "a Saturday night or a bank holiday.", self)
        intro.setWordWrap(True)
        self.edit = QLineEdit(f"{start:%d/%m/%Y %H:%M}", self)
        self.edit.setAccessibleName("Date and time")
        self.edit.setToolTip(f"For example {EXAMPLE}")
        self.edit.setPlaceholderText(EXAMPLE)
        label = QLabel("&Date and time:", self)
        label.setBuddy(self.edit)
        self.shown_as = QLabel(self)
        self.shown_as.setAccessibleName("Times shown for")
        self.shown_as.setWordWrap(True)
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
        self.edit.textChanged.connect(lambda _text: self._update())
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(label)
        layout.addWidget(self.edit)
        layout.addWidget(self.shown_as)
        layout.addWidget(self.note)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self._update()
        self.edit.setFocus()
        self.edit.selectAll()  # typing replaces it

    def moment(self) -> dt.datetime | None:
        return read_moment(self.edit.text(), self._now)

    def _update(self) -> None:
        moment = self.moment()
        self.use_button.setEnabled(moment is not None)
        self.shown_as.setText(f"Times shown for {moment_text(moment)}" if moment is not None
                              else f"Type a date and time, for example {EXAMPLE}.")
        note = clock_change_note(moment) if moment is not None else None
        self.note.setText(note or "")
        self.note.setVisible(note is not None)

    def _use(self) -> None:
        moment = self.moment()
        if moment is not None:
            self.chosen.emit(moment)
            self.accept()

    def _back_to_now(self) -> None:
        self.chosen.emit(None)
        self.accept()
