"""A service's change history: who changed what, when (newest first). Read-only."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ketdir.editing.history import ChangeEntry, history
from ketdir.store.engine import Directory
from ketdir.store.models import Service

COLUMNS = ("When", "Who", "What", "Field", "Before", "After")


class HistoryDialog(QDialog):
    def __init__(self, directory: Directory, service_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        with directory.session() as session:
            service = session.get(Service, service_id)
            name = service.name if service is not None else service_id
            self.entries: list[ChangeEntry] = history(session, service_id)
        self.setWindowTitle(f"Change history — {name}")
        self.setAccessibleName("Change history")
        self.resize(860, 420)

        heading = QLabel(f"Changes to <b>{_escape(name)}</b>, newest first. Times are in this computer's time zone.")
        heading.setWordWrap(True)
        heading.setAccessibleName("About this history")

        self.table = QTableWidget(len(self.entries), len(COLUMNS))
        self.table.setAccessibleName("Changes")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        for row, e in enumerate(self.entries):
            cells = (e.when, e.editor, e.action_label, e.field_label if e.field else "",
                     e.old_value or "", e.new_value or "")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((170, 120, 110, 120, 160)):
            self.table.setColumnWidth(column, width)

        self.empty = QLabel("No changes recorded yet. Edits, verifications and retirements made in ketdir "
                            "appear here.")
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("No changes")
        self.empty.setVisible(not self.entries)
        self.table.setVisible(bool(self.entries))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        (self.table if self.entries else close).setFocus()

    def rows(self) -> list[tuple[str, ...]]:
        """The table as text (for tests and copying)."""
        return [tuple(self.table.item(r, c).text() for c in range(len(COLUMNS))) for r in range(self.table.rowCount())]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def show_history(directory: Directory, service_id: str, parent: QWidget | None = None) -> None:
    """Open the history of a service (modal)."""
    HistoryDialog(directory, service_id, parent).exec()
