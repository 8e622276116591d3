"""The status line's "how your search was read": each reading with an Undo, each undone one with a Restore."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

if TYPE_CHECKING:
    from ketdir.search.types import Reading


class ReadingsBar(QWidget):
    undo = Signal(str)  # the term whose reading to drop
    restore = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(4, 0, 4, 0)
        self._layout.setSpacing(4)
        self._widgets: list[QWidget] = []
        self._layout.addStretch(1)
        self.setAccessibleName("How your search was read")

    def set_readings(self, readings: list[Reading], ignored: frozenset[str] = frozenset()) -> None:
        key = (tuple(readings), frozenset(ignored))
        if key == getattr(self, "_key", None):
            return
        self._key = key
        for widget in self._widgets:
            self._layout.removeWidget(widget)
            widget.deleteLater()
        self._widgets = []
        if readings:
            self._add(QLabel("Read", self))
        for i, reading in enumerate(readings):
            text = reading.describe() + (";" if i < len(readings) - 1 or ignored else "")
            label = QLabel(text, self)
            label.setAccessibleName(f"Read {reading.describe()}")
            self._add(label)
            button = QToolButton(self)
            button.setObjectName("undo")
            button.setText("Undo")
            button.setAccessibleName(f"Undo reading {reading.describe()}")
            button.setToolTip(f"Search for “{reading.term}” as typed")
            button.clicked.connect(lambda _=False, term=reading.term: self.undo.emit(term))
            self._add(button)
        for term in sorted(ignored):
            label = QLabel(f"“{term}” taken as typed", self)
            self._add(label)
            button = QToolButton(self)
            button.setObjectName("undo")
            button.setText("Restore")
            button.setAccessibleName(f"Restore the usual reading of “{term}”")
            button.clicked.connect(lambda _=False, term=term: self.restore.emit(term))
            self._add(button)

    def _add(self, widget: QWidget) -> None:
        self._layout.insertWidget(len(self._widgets), widget)
        self._widgets.append(widget)

    def text(self) -> str:
        return " ".join(w.text() for w in self._widgets if isinstance(w, QLabel))

    def undo_buttons(self) -> list[QToolButton]:
        return [w for w in self._widgets if isinstance(w, QToolButton) and w.text() == "Undo"]
