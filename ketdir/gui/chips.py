"""The current filters at a glance, as chips; clicking a chip's ✕ removes that filter."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolButton, QWidget

from ketdir.gui.flow_layout import FlowLayout


@dataclass(frozen=True)
class Chip:
    text: str  # "Bladder & urology"
    remove: Callable[[], None]


class ChipsBar(QWidget):
    def __init__(self, clear_all: Callable[[], None], parent=None) -> None:
        super().__init__(parent)
        self._clear_all = clear_all
        self._layout = FlowLayout(self)  # chips wrap onto a second row rather than widen the window
        self._label = QLabel("Filters:", self)
        self._label.setObjectName("muted")
        self._none = QLabel("none — showing every kind of service", self)
        self._none.setObjectName("muted")
        self._layout.addWidget(self._label)
        self._layout.addWidget(self._none)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._buttons: list[QToolButton] = []
        self.setAccessibleName("Current filters")

    def set_chips(self, chips: list[Chip]) -> None:
        for button in self._buttons:
            self._layout.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        self._none.setVisible(not chips)
        position = 1
        for chip in chips:
            button = QToolButton(self)
            button.setObjectName("chip")
            button.setText(f"{chip.text}  ✕")
            button.setAccessibleName(f"Remove filter: {chip.text}")
            button.setToolTip(f"Remove “{chip.text}”")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _checked=False, remove=chip.remove: remove())
            self._layout.insertWidget(position, button)
            position += 1
            self._buttons.append(button)
        if len(chips) > 1:
            button = QToolButton(self)
            button.setObjectName("chipClear")
            button.setText("Clear all")
            button.setAccessibleName("Clear all filters")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _checked=False: self._clear_all())
            self._layout.insertWidget(position, button)
            self._buttons.append(button)

    def texts(self) -> list[str]:
        return [b.text().replace("  ✕", "") for b in self._buttons if b.objectName() == "chip"]

    def buttons(self) -> list[QToolButton]:
        return list(self._buttons)
