"""What the results area says when nothing matches: why, and the fixes as buttons."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


@dataclass(frozen=True)
class Fix:
    text: str  # "Widen to 25 miles"
    apply: Callable[[], None]


class EmptyState(QWidget):
    painted = Signal()  # after each paint (the latency benchmark listens)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = QLabel(self)
        self.title.setObjectName("emptyTitle")
        self.title.setWordWrap(True)
        self.why = QLabel(self)
        self.why.setWordWrap(True)
        self.why.setTextFormat(Qt.TextFormat.PlainText)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(16, 16, 16, 16)
        self._layout.setSpacing(8)
        self._layout.addWidget(self.title)
        self._layout.addWidget(self.why)
        self._buttons: list[QPushButton] = []
        self._layout.addStretch(1)
        self.setAccessibleName("No results")

    def set_state(self, title: str, why: str, fixes: list[Fix]) -> None:
        self.title.setText(title)
        self.why.setText(why)
        self.why.setVisible(bool(why))
        for button in self._buttons:
            self._layout.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        for i, fix in enumerate(fixes):
            button = QPushButton(fix.text, self)
            button.setObjectName("fix")
            button.setAccessibleName(fix.text)
            button.clicked.connect(lambda _checked=False, apply=fix.apply: apply())
            self._layout.insertWidget(2 + i, button, 0, Qt.AlignmentFlag.AlignLeft)
            self._buttons.append(button)
        self.setAccessibleDescription(f"{title} {why}")

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().paintEvent(event)
        self.painted.emit()

    def buttons(self) -> list[QPushButton]:
        return list(self._buttons)

    def fix_texts(self) -> list[str]:
        return [b.text() for b in self._buttons]
