"""Text in a window that scrolls, so it fits any screen at any text size: F1's keyboard shortcuts (read from the
window's actions, so the list cannot fall behind the menus, with the keys that are not actions) and About."""
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


class TextDialog(QDialog):
    def __init__(self, parent: QWidget, title: str, html: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.label = QLabel(html, self)
        self.label.setWordWrap(True)
        self.label.setOpenExternalLinks(False)
        self.label.setAccessibleName(title)
        scroll = QScrollArea(self)
        scroll.setWidget(self.label)
        scroll.setWidgetResizable(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        chars = self.fontMetrics().averageCharWidth()
        width = min(self.label.sizeHint().width(), chars * 80) + 60
        self.resize(width, self.label.heightForWidth(width - 60) + 100)
        fit_to_screen(self)

    def texts(self) -> str:
        return self.label.text()


def keys_dialog(window: QWidget) -> TextDialog:
    rows = "".join(f"<tr><td><b>{html.escape(k)}</b>&nbsp;&nbsp;</td><td>{html.escape(v)}</td></tr>"
                   for k, v in [*shortcut_rows(window), *OTHER_KEYS])
    dialog = TextDialog(window, "Keyboard shortcuts", f"<table cellspacing='4'>{rows}</table>")
    dialog.setObjectName("keysDialog")
    return dialog
