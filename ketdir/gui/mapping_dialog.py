"""Column-mapping dialog: which spreadsheet column is which field, with a live preview.

Self-contained: give it the spreadsheet path (and a mapping to start from, if any); `mapping()` returns
the ColumnMapping chosen. Mappings can be saved to a file and loaded again next month.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ketdir.interop.read_spreadsheet import TARGETS, ColumnMapping, Sheet, read_sheet, suggest_mapping
from ketdir.interop.textfiles import TextProblem
from ketdir.needs import need_types

NOT_MAPPED = "(not in this sheet)"
OTHER = "other"  # the delimiter is typed into the box beside the list
DELIMITERS = (("Detect", None), ("Comma ( , )", ","), ("Semicolon ( ; )", ";"), ("Tab", "\t"), ("Bar ( | )", "|"),
              ("Not sign ( ¬ )", "¬"), ("Colon ( : )", ":"), ("Caret ( ^ )", "^"), ("Other…", OTHER))
ENCODINGS = (("Detect", None), ("UTF-8", "utf-8-sig"), ("Windows-1252", "cp1252"), ("Latin-1", "latin-1"))
PREVIEW_ROWS = 20


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


class MappingDialog(QDialog):
    """Choose which column feeds which field. `mapping()` is the result; `changed` fires on every edit."""

    changed = Signal()

    def __init__(self, path: Path | str, mapping: ColumnMapping | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.path = Path(path)
        self.setWindowTitle(f"Columns of {self.path.name}")
        self.setAccessibleName("Column mapping")
        self.resize(900, 640)
        self._start = mapping
        self._sheet: Sheet | None = None
        self._combos: dict[str, QComboBox] = {}

        layout = QVBoxLayout(self)
        intro = QLabel("Tell ketdir which column holds what. One row of the sheet is one service. "
                       "Columns you leave out are not changed when the sheet is imported again.")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        reading = QHBoxLayout()
        self.sheet_box = QComboBox()
        self.sheet_box.setAccessibleName("Sheet")
        self.delimiter_box = QComboBox()
        self.delimiter_box.setAccessibleName("Delimiter")
        for label, value in DELIMITERS:
            self.delimiter_box.addItem(label, value)
        self.encoding_box = QComboBox()
        self.encoding_box.setAccessibleName("Encoding")
        for label, value in ENCODINGS:
            self.encoding_box.addItem(label, value)
        self.other_delimiter = QLineEdit()
        self.other_delimiter.setAccessibleName("Other delimiter: one character")
        self.other_delimiter.setMaxLength(1)
        self.other_delimiter.setFixedWidth(40)
        self.other_delimiter.setEnabled(False)
        for label, box in (("&Sheet:", self.sheet_box), ("&Delimiter:", self.delimiter_box),
                           (None, self.other_delimiter), ("&Encoding:", self.encoding_box)):
            if label is not None:
                caption = QLabel(label)
                caption.setBuddy(box)
                reading.addWidget(caption)
            reading.addWidget(box)
        reading.addStretch(1)
        layout.addLayout(reading)

        body = QHBoxLayout()
        fields = QGroupBox("Fields")
        form = QFormLayout(fields)
        for target in TARGETS:
            combo = QComboBox()
            combo.setAccessibleName(f"Column for {target.label}")
            combo.currentIndexChanged.connect(self._on_edit)
            self._combos[target.key] = combo
            caption = QLabel(("&" if target.key == "name" else "") + target.label + (" *" if target.required else ""))
            caption.setBuddy(combo)
            form.addRow(caption, combo)
        self.need_constant = QComboBox()
        self.need_constant.setAccessibleName("Need type for every row")
        self.need_constant.addItem("(none)", "")
        for need in need_types().all:
            self.need_constant.addItem(need.label, need.code)
        self.need_constant.currentIndexChanged.connect(self._on_edit)
        form.addRow(QLabel("Need type for every row"), self.need_constant)
        self.checked_constant = QLineEdit()
        self.checked_constant.setAccessibleName("Last checked, for rows that do not say")
        self.checked_constant.setPlaceholderText("YYYY-MM-DD: when a person last checked this sheet")
        self.checked_constant.textChanged.connect(self._on_edit)
        checked_label = QLabel("Last chec&ked, for rows that do not say")
        checked_label.setBuddy(self.checked_constant)
        form.addRow(checked_label, self.checked_constant)
        scroll = QScrollArea()
        scroll.setWidget(fields)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(380)
        body.addWidget(scroll)

        self.preview = QTableWidget()
        self.preview.setAccessibleName("Preview of the sheet")
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        body.addWidget(self.preview, 1)
        layout.addLayout(body, 1)

        self.status = QLabel()
        self.status.setAccessibleName("Mapping status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = QPushButton("Sa&ve mapping…")
        self.save_button.setAccessibleName("Save mapping to a file")
        self.load_button = QPushButton("&Load mapping…")
        self.load_button.setAccessibleName("Load a saved mapping")
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.load_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.save_button.clicked.connect(self._save)
        self.load_button.clicked.connect(self._load)
        layout.addWidget(buttons)

        self.delimiter_box.currentIndexChanged.connect(self._delimiter_chosen)
        self.other_delimiter.textChanged.connect(self._reread)
        self.encoding_box.currentIndexChanged.connect(self._reread)
        self.sheet_box.currentIndexChanged.connect(self._reread)
        if mapping is not None:
            self._show_delimiter(mapping.delimiter)
            self._select(self.encoding_box, mapping.encoding)
            self.checked_constant.setText(mapping.constants.get("assured_date", ""))
        self._reread()

    # ----------------------------------------------------------------------- reading

    @staticmethod
    def _select(box: QComboBox, value) -> None:
        index = box.findData(value)
        if index >= 0:
            box.blockSignals(True)
            box.setCurrentIndex(index)
            box.blockSignals(False)

    def _show_delimiter(self, delimiter: str | None) -> None:
        """Select a delimiter in the list, or type it into the box beside it."""
        if self.delimiter_box.findData(delimiter) >= 0:
            self._select(self.delimiter_box, delimiter)
        else:
            self._select(self.delimiter_box, OTHER)
            self.other_delimiter.blockSignals(True)
            self.other_delimiter.setText(delimiter or "")
            self.other_delimiter.blockSignals(False)
        self.other_delimiter.setEnabled(self.delimiter_box.currentData() == OTHER)

    def _delimiter_chosen(self) -> None:
        other = self.delimiter_box.currentData() == OTHER
        self.other_delimiter.setEnabled(other)
        if other:
            self.other_delimiter.setFocus()
            if not self.other_delimiter.text():
                return  # read again once it is typed
        self._reread()

    def delimiter(self) -> str | None:
        chosen = self.delimiter_box.currentData()
        if chosen == OTHER:
            return self.other_delimiter.text() or None
        return chosen

    def _reading_mapping(self) -> ColumnMapping:
        sheet = self.sheet_box.currentText() or (self._start.sheet if self._start else None)
        return ColumnMapping(sheet=sheet or None, delimiter=self.delimiter(), encoding=self.encoding_box.currentData())

    def _reread(self) -> None:
        previous = self.mapping() if self._sheet is not None else self._start
        try:
            self._sheet = read_sheet(self.path, self._reading_mapping())
        except TextProblem as exc:
            self._sheet = None
            self.status.setText(f"This file cannot be read: {exc.problem.message}")
            self.ok_button.setEnabled(False)
            return
        sheet = self._sheet
        if sheet.sheets and self.sheet_box.count() == 0:
            self.sheet_box.blockSignals(True)
            self.sheet_box.addItems(sheet.sheets)
            if previous is not None and previous.sheet in sheet.sheets:
                self.sheet_box.setCurrentText(previous.sheet)
            self.sheet_box.blockSignals(False)
        self.sheet_box.setEnabled(bool(sheet.sheets))
        self.delimiter_box.setEnabled(not sheet.sheets)
        self.encoding_box.setEnabled(not sheet.sheets)
        chosen = previous if previous is not None and previous.columns else suggest_mapping(sheet.headers)
        for key, combo in self._combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NOT_MAPPED, None)
            for header in sheet.headers:
                combo.addItem(header, header)
            column = chosen.columns.get(key)
            if column in sheet.headers:
                combo.setCurrentIndex(combo.findData(column))
            combo.blockSignals(False)
        if previous is not None:
            self._select(self.need_constant, previous.constants.get("need", ""))
        self._fill_preview()
        self._on_edit()

    def _fill_preview(self) -> None:
        sheet = self._sheet
        if sheet is None:
            return
        self.preview.clear()
        self.preview.setColumnCount(len(sheet.headers))
        rows = sheet.rows[:PREVIEW_ROWS]
        self.preview.setRowCount(len(rows))
        for r, (_number, cells) in enumerate(rows):
            for c, text in enumerate(cells[: len(sheet.headers)]):
                self.preview.setItem(r, c, QTableWidgetItem(text))
        self.preview.setVerticalHeaderLabels([str(number) for number, _ in rows])
        self._label_preview()

    def _label_preview(self) -> None:
        sheet = self._sheet
        if sheet is None:
            return
        used = {combo.currentData(): key for key, combo in self._combos.items() if combo.currentData()}
        labels = {t.key: t.label for t in TARGETS}
        headers = [f"{h}\n→ {labels[used[h]]}" if h in used else h for h in sheet.headers]
        self.preview.setHorizontalHeaderLabels(headers)

    # ----------------------------------------------------------------------- editing

    def _on_edit(self) -> None:
        self._label_preview()
        mapping = self.mapping()
        chosen = list(mapping.columns.values())
        twice = sorted({c for c in chosen if chosen.count(c) > 1})
        checked = self.checked_constant.text().strip()
        if self._sheet is None:
            message, ok = "The file cannot be read.", False
        elif checked and not _is_date(checked):
            message, ok = f"“{checked}” is not a date; write it as YYYY-MM-DD, e.g. 2014-01-01.", False
        elif "name" not in mapping.columns:
            message, ok = "Choose the column that holds the service name (required).", False
        elif twice:
            message, ok = f"“{twice[0]}” is chosen for more than one field; choose it once.", False
        else:
            read = ""
            if self._sheet.delimiter:
                shown = "tab" if self._sheet.delimiter == "\t" else f"“{self._sheet.delimiter}”"
                read = f" Read with {shown} between cells, as {self._sheet.encoding}."
            message = (f"{len(self._sheet.rows):,} rows; {len(mapping.columns)} columns used.{read} "
                       "Rows are checked when you import.")
            ok = True
        self.status.setText(message)
        self.ok_button.setEnabled(ok)
        self.changed.emit()

    def set_column(self, key: str, header: str | None) -> None:
        """Choose the column for a field (None: not in this sheet)."""
        combo = self._combos[key]
        combo.setCurrentIndex(max(combo.findData(header), 0))

    def mapping(self) -> ColumnMapping:
        columns = {key: combo.currentData() for key, combo in self._combos.items() if combo.currentData()}
        constants = {}
        if self.need_constant.currentData():
            constants["need"] = self.need_constant.currentData()
        if self.checked_constant.text().strip():
            constants["assured_date"] = self.checked_constant.text().strip()
        reading = self._reading_mapping()
        return ColumnMapping(columns=columns, constants=constants, sheet=reading.sheet,
                             delimiter=reading.delimiter, encoding=reading.encoding)

    def _save(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Save mapping", str(self.path.with_suffix(".mapping.json")),
                                              "Column mappings (*.json)")
        if name:
            self.save_to(Path(name))

    def save_to(self, path: Path) -> None:
        self.mapping().save(path)
        self.status.setText(f"Saved the mapping to {path}.")

    def _load(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Load mapping", str(self.path.parent), "Column mappings (*.json)")
        if name:
            self.load_from(Path(name))

    def load_from(self, path: Path) -> None:
        try:
            mapping = ColumnMapping.load(path)
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        self._start = mapping
        self._show_delimiter(mapping.delimiter)
        self._select(self.encoding_box, mapping.encoding)
        self.checked_constant.setText(mapping.constants.get("assured_date", ""))
        if mapping.sheet and self.sheet_box.findText(mapping.sheet) >= 0:
            self.sheet_box.blockSignals(True)
            self.sheet_box.setCurrentText(mapping.sheet)
            self.sheet_box.blockSignals(False)
        self._sheet = None
        self._reread()
        missing = mapping.missing_columns(self._sheet.headers if self._sheet else [])
        if missing:
            self.status.setText(f"Loaded {path.name}, but this sheet has no column(s) {', '.join(missing)}; "
                                "choose them again.")

    def keyPressEvent(self, event) -> None:  # Enter in a combo box should not close the dialog by accident
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.ok_button.isEnabled():
            return
        super().keyPressEvent(event)
