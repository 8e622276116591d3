"""The emergency banner above the results: shown when the words describe an emergency ("friend wont wake up
after g and k"), with the call to make and what to do now, before any list. Hidden otherwise.

It shows ketdir.search.emergency's Emergency as it comes with the results; it decides nothing itself.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from ketdir.gui import theme

if TYPE_CHECKING:
    from ketdir.search.emergency import Emergency


class EmergencyBanner(QFrame):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("emergencyBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName("Emergency")
        self.headline = QLabel(self)
        self.headline.setObjectName("emergencyHeadline")
        self.headline.setWordWrap(True)
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        font = self.headline.font()
        font.setBold(True)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.2)
        self.headline.setFont(font)
        self.steps = QLabel(self)
        self.steps.setObjectName("emergencySteps")
        self.steps.setWordWrap(True)
        self.steps.setTextFormat(Qt.TextFormat.PlainText)
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        layout.addWidget(self.headline)
        layout.addWidget(self.steps)
        self._restyle()
        self.hide()

    def _restyle(self) -> None:
        c = theme.colours(self.palette())
        if getattr(self, "_styled_with", None) == c:
            return
        self._styled_with = c
        self.setStyleSheet(
            f"QFrame#emergencyBanner {{ background: {c.urgent_bg.name()}; border: 2px solid {c.urgent_fg.name()};"
            f" border-radius: 6px; }} QFrame#emergencyBanner QLabel {{ color: {c.urgent_fg.name()}; }}"
        )

    def show_emergency(self, emergency: Emergency | None) -> None:
        """Show this emergency, or hide the banner (None)."""
        if emergency is None:
            self.hide()
            return
        self._restyle()  # the palette (light or dark) may have changed since the last one
        self.headline.setText(f"⚠ Call {emergency.call} now — {'; '.join(emergency.labels)}")
        self.steps.setText("\n".join(f"{i}. {step}" for i, step in enumerate(emergency.what_to_do, 1)))
        self.setAccessibleDescription(f"{self.headline.text()}. {' '.join(emergency.what_to_do)}")
        self.show()

    def text(self) -> str:
        """What a person reads on the banner (empty when hidden)."""
        return f"{self.headline.text()}\n{self.steps.text()}" if self.isVisible() else ""
