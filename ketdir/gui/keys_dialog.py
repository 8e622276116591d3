"""F1: every keyboard shortcut of the window, read from its actions (so the list cannot fall behind the menus),
with the keys that are not actions (arrows, Enter, Space). It scrolls, so it fits any screen and text size."""
from __future__ import annotations

import html

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from ketdir.gui.screen import fit_to_screen

OTHER_KEYS = [
    ("↓ / ↑", "Move through the results, also from the search and place fields"),
    ("Enter", "Open the selected service; in the place field, search near the place"),
    ("Space", "Tick or untick the need type"),
    ("Alt+O / Alt+L", "Open now / national lines"),
    ("Tab", "Next control"),
]


def shortcut_rows(window: QWidget) -> list[tuple[str, str]]:
    """(keys, what) for every action of the window that has a shortcut, in menu order where it has one."""
    rows: dict[str, tuple[str, str]] = {}
    for action in window.findChildren(QAction):
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys and keys not in rows:
            rows[keys] = (keys, action.text().replace("&", "").rstrip("…"))
    return sorted(rows.values(), key=lambda row: (len(row[0]) > 6, row[0]))


class KeysDialog(QDialog):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.setAccessibleName("Keyboard shortcuts")
        rows = "".join(f"<tr><td><b>{html.escape(k)}</b>&nbsp;&nbsp;</td><td>{html.escape(v)}</td></tr>"
                       for k, v in [*shortcut_rows(window), *OTHER_KEYS])
        self.table = QLabel(f"<table cellspacing='4'>{rows}</table>", self)
        self.table.setAccessibleName("Shortcuts")
        scroll = QScrollArea(self)
        scroll.setWidget(self.table)
        scroll.setWidgetResizable(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        hint = self.table.sizeHint()
        self.resize(hint.width() + 60, hint.height() + 90)
        fit_to_screen(self)

    def texts(self) -> str:
        return self.table.text()
