"""A service's change history: who changed what, when (newest first). Read-only.

The dialog opens at once and fills in when `ketdir.app.editing.service_history` has read the history
through its Worker (`loaded` is emitted then; `failed` with the message when it could not be read).
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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

from ketdir.app import Directory
from ketdir.app.editing import ServiceHistory, service_history
from ketdir.editing.history import ChangeEntry
from ketdir.gui.html import esc
from ketdir.gui.workers import Worker
from ketdir.problems import KetdirProblem

COLUMNS = ("When", "Who", "What", "Field", "Before", "After")


class HistoryDialog(QDialog):
    loaded = Signal()
    failed = Signal(str)

    def __init__(self, directory: Directory, service_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service_id = service_id
        self.entries: list[ChangeEntry] = []
        self.setWindowTitle("Change history")
        self.setAccessibleName("Change history")
        self.resize(860, 420)

        self.heading = QLabel("Reading the change history…")
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName("About this history")

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName("Changes")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((170, 120, 110, 120, 160)):
            self.table.setColumnWidth(column, width)

        self.empty = QLabel("No changes recorded yet. Edits, verifications and retirements made in ketdir "
                            "appear here.")
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("No changes")
        self.empty.setVisible(False)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.close_button.setFocus()

        self._worker = Worker(self, threads=1)
        self._worker.run(service_history, directory, service_id, on_result=self._show, on_problem=self._failed)

    def _show(self, found: ServiceHistory) -> None:
        self.entries = list(found.entries)
        self.setWindowTitle(f"Change history — {found.name}")
        self.heading.setText(f"Changes to <b>{esc(found.name)}</b>, newest first. Times are in this computer's "
                             "time zone.")
        self.table.setRowCount(len(self.entries))
        for row, e in enumerate(self.entries):
            cells = (e.when, e.editor, e.action_label, e.field_label if e.field else "",
                     e.old_value or "", e.new_value or "")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)
        self.empty.setVisible(not self.entries)
        self.table.setVisible(bool(self.entries))
        if self.entries:
            self.table.setFocus()
        self.loaded.emit()

    def _failed(self, problem: KetdirProblem) -> None:
        self.heading.setText(esc(f"The change history could not be read. {problem}"))
        self.table.setVisible(False)
        self.failed.emit(str(problem))

    def rows(self) -> list[tuple[str, ...]]:
        """The table as text (for tests and copying)."""
        return [tuple(self.table.item(r, c).text() for c in range(len(COLUMNS))) for r in range(self.table.rowCount())]
