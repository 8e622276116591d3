"""Need types for the taxonomy terms an import could not map: one row per term, a need type to choose for each.

What is chosen becomes `ImportOptions.terms` (the same as `ketdir import --terms FILE`), and the import is
checked again with it.
"""
from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ketdir.app.imports import TermChoice
from ketdir.interop.dataset import UnmappedTerm
from ketdir.needs import need_types

UNMAPPED = "(no need type)"


class TermsDialog(QDialog):
    def __init__(self, terms: list[UnmappedTerm], chosen: list[TermChoice] | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Need types for taxonomy terms")
        self.setAccessibleName("Need types for taxonomy terms")
        self.resize(720, 480)
        self.terms = sorted(terms, key=lambda t: (-t.services, t.name.lower()))
        before = {(c.taxonomy, c.term): c.need for c in chosen or []}
        layout = QVBoxLayout(self)
        intro = QLabel("These terms from the file match no ketdir need type, so searching by need will not find "
                       "services by them. Choose a need type for those that have one; leave the rest.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(self.terms), 4)
        self.table.setAccessibleName("Terms and their need types")
        self.table.setHorizontalHeaderLabels(["Term", "Taxonomy", "Services", "Need type"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.combos: list[QComboBox] = []
        for row, term in enumerate(self.terms):
            self.table.setItem(row, 0, QTableWidgetItem(term.name))
            self.table.setItem(row, 1, QTableWidgetItem(term.taxonomy or "(none)"))
            self.table.setItem(row, 2, QTableWidgetItem(f"{term.services:,}"))
            combo = QComboBox()
            combo.setAccessibleName(f"Need type for {term.name}")
            combo.addItem(UNMAPPED, "")
            for need in need_types().all:
                combo.addItem(need.label, need.code)
            combo.setCurrentIndex(max(combo.findData(before.get((term.taxonomy or "*", term.key), "")), 0))
            self.table.setCellWidget(row, 3, combo)
            self.combos.append(combo)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use these and check again")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def choose(self, name: str, need: str) -> None:
        """Choose the need type (a code) for the term called `name`."""
        row = next(i for i, term in enumerate(self.terms) if term.name == name)
        self.combos[row].setCurrentIndex(self.combos[row].findData(need))

    def choices(self) -> list[TermChoice]:
        return [TermChoice(term.taxonomy or "*", term.key, combo.currentData())
                for term, combo in zip(self.terms, self.combos) if combo.currentData()]
