"""File → Import: choose a file or folder, check it, see what would change, import with progress and Stop.

The work is `ketdir.app.imports` (the same calls `ketdir import` makes), run through the window's one kind of
worker; failures arrive as problems and are shown by gui/messages.py. Checking changes nothing; importing is
one transaction, so Stop (or any failure) leaves the directory exactly as it was.

`open_import_dialog(parent, directory)` is the entry point for the main window's menu.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ketdir.app import Directory
from ketdir.app import imports
from ketdir.app.published import looks_like_url
from ketdir.gui.messages import show_problem
from ketdir.gui.workers import Job, Worker
from ketdir.interop.read_spreadsheet import ColumnMapping
from ketdir.problems import Cancelled, KetdirProblem

FORMATS = (("Detect automatically", "auto"), ("HSDS datapackage (folder or .zip)", "datapackage"),
           ("HSDS JSON", "json"), ("Open Referral UK v1 (legacy)", "legacy"), ("Spreadsheet (CSV or Excel)",
                                                                             "spreadsheet"))
ROW_CHOICES = (("Stop, and list them", "stop"), ("Leave them out, and list them", "skip"),
               ("Keep the first of repeated services; leave out other rows with problems", "keep-first"))
MAX_LISTED = 500


class ImportDialog(QDialog):
    """Import into `directory`. Signals: `checked(ImportCheck)`, `imported(ImportDone)`, `cancelled(str)`,
    `failed(KetdirProblem)`."""

    checked = Signal(object)
    imported = Signal(object)
    cancelled = Signal(str)
    failed = Signal(object)

    def __init__(self, directory: Directory, parent: QWidget | None = None, path: Path | str | None = None):
        super().__init__(parent)
        self.directory = directory
        self.setWindowTitle("Import a directory")
        self.setAccessibleName("Import a directory")
        self.resize(760, 620)
        self.worker = Worker(self, threads=1)
        self._job: Job | None = None
        self._check: imports.ImportCheck | None = None
        self._mapping: ColumnMapping | None = None
        self._terms: list[imports.TermChoice] = []
        self.refusal = imports.target_refusal(directory)

        layout = QVBoxLayout(self)
        form = QFormLayout()
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("File or folder to import, or the address of an Open Referral UK API")
        self.path_edit.setPlaceholderText("An HSDS .zip, folder or .json, a spreadsheet (.csv, .xlsx), or the "
                                          "address of an Open Referral UK API (https://…)")
        self.file_button = QPushButton("Choose &file…")
        self.file_button.setAccessibleName("Choose a file to import")
        self.folder_button = QPushButton("Choose f&older…")
        self.folder_button.setAccessibleName("Choose a folder to import")
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.file_button)
        row.addWidget(self.folder_button)
        path_label = QLabel("&Import from:")
        path_label.setBuddy(self.path_edit)
        form.addRow(path_label, row)
        self.format_box = QComboBox()
        self.format_box.setAccessibleName("Format")
        for label, value in FORMATS:
            self.format_box.addItem(label, value)
        format_label = QLabel("Fo&rmat:")
        format_label.setBuddy(self.format_box)
        form.addRow(format_label, self.format_box)
        self.source_edit = QLineEdit()
        self.source_edit.setAccessibleName("Source name")
        self.source_edit.setPlaceholderText("Taken from the file; the same name on re-import updates those records")
        source_label = QLabel("&Source name:")
        source_label.setBuddy(self.source_edit)
        form.addRow(source_label, self.source_edit)
        mapping_row = QHBoxLayout()
        self.mapping_button = QPushButton("Column &mapping…")
        self.mapping_button.setAccessibleName("Choose which spreadsheet column is which field")
        self.mapping_label = QLabel("Only for spreadsheets")
        mapping_row.addWidget(self.mapping_button)
        mapping_row.addWidget(self.mapping_label, 1)
        form.addRow("", mapping_row)
        self.rows_box = QComboBox()
        self.rows_box.setAccessibleName("Rows with problems")
        for label, value in ROW_CHOICES:
            self.rows_box.addItem(label, value)
        rows_label = QLabel("Rows with pro&blems:")
        rows_label.setBuddy(self.rows_box)
        form.addRow(rows_label, self.rows_box)
        self.overwrite_box = QCheckBox("Also update records &edited here since the last import (local edits are lost)")
        self.overwrite_box.setAccessibleName("Overwrite records edited here")
        form.addRow("", self.overwrite_box)
        layout.addLayout(form)

        self.problem_list = QListWidget()
        self.problem_list.setAccessibleName("Problems found")
        layout.addWidget(QLabel("Problems found (errors stop the import; warnings do not):"))
        layout.addWidget(self.problem_list, 2)
        self.plan_text = QPlainTextEdit()
        self.plan_text.setReadOnly(True)
        self.plan_text.setAccessibleName("What the import will change")
        plan_row = QHBoxLayout()
        plan_row.addWidget(QLabel("What will change:"), 1)
        self.terms_button = QPushButton("Need &types for terms…")
        self.terms_button.setAccessibleName("Choose need types for terms that have none")
        self.terms_button.setEnabled(False)
        plan_row.addWidget(self.terms_button)
        layout.addLayout(plan_row)
        layout.addWidget(self.plan_text, 1)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.status = QLabel(self.refusal or "Choose what to import, then Check.")
        self.status.setAccessibleName("Import status")
        self.status.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)

        buttons = QHBoxLayout()
        self.check_button = QPushButton("&Check")
        self.check_button.setAccessibleName("Check the input")
        self.import_button = QPushButton("Im&port")
        self.import_button.setAccessibleName("Import now")
        self.import_button.setEnabled(False)
        self.stop_button = QPushButton("S&top")
        self.stop_button.setAccessibleName("Stop; nothing is changed")
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close")
        buttons.addStretch(1)
        for button in (self.check_button, self.import_button, self.stop_button, self.close_button):
            buttons.addWidget(button)
        self.stop_button.setEnabled(False)
        layout.addLayout(buttons)

        self.file_button.clicked.connect(self._choose_file)
        self.folder_button.clicked.connect(self._choose_folder)
        self.mapping_button.clicked.connect(self._edit_mapping)
        self.terms_button.clicked.connect(self._choose_terms)
        self.check_button.clicked.connect(self.check)
        self.import_button.clicked.connect(self.start_import)
        self.stop_button.clicked.connect(self.stop)
        self.close_button.clicked.connect(self.close)
        self.path_edit.textChanged.connect(self._input_changed)
        self.format_box.currentIndexChanged.connect(self._input_changed)
        self.overwrite_box.toggled.connect(self._input_changed)
        self.rows_box.currentIndexChanged.connect(self._input_changed)
        self.source_edit.textChanged.connect(self._input_changed)
        self.check_button.setDefault(True)
        if path is not None:
            self.path_edit.setText(str(path))
        self._input_changed()

    # ------------------------------------------------------------------------- input

    @property
    def path(self) -> Path | str | None:
        """A file or folder, or (as text) the address of a published API."""
        text = self.path_edit.text().strip()
        if not text:
            return None
        return text if looks_like_url(text) else Path(text).expanduser()

    @property
    def busy(self) -> bool:
        return self._job is not None

    def _is_spreadsheet(self) -> bool:
        from ketdir.interop.load import detect_format

        fmt = self.format_box.currentData()
        if fmt != "auto":
            return fmt == "spreadsheet"
        return isinstance(self.path, Path) and self.path.is_file() and detect_format(self.path) == "spreadsheet"

    def _input_changed(self) -> None:
        self._check = None
        self.import_button.setEnabled(False)
        spreadsheet = self._is_spreadsheet()
        self.mapping_button.setEnabled(spreadsheet and not self.busy)
        self.rows_box.setEnabled(spreadsheet and not self.busy)
        self.terms_button.setEnabled(False)
        if spreadsheet:
            self.mapping_label.setText("Columns chosen." if self._mapping else "ketdir will guess the columns; "
                                       "check them with Column mapping…")
        else:
            self.mapping_label.setText("Only for spreadsheets")
        self.check_button.setEnabled(self.path is not None and not self.busy)

    def set_mapping(self, mapping: ColumnMapping | None) -> None:
        self._mapping = mapping
        self._input_changed()

    def options(self) -> imports.ImportOptions:
        spreadsheet = self._is_spreadsheet()
        return imports.ImportOptions(format=self.format_box.currentData(),
                                     mapping=self._mapping if spreadsheet else None,
                                     source=self.source_edit.text().strip() or None,
                                     overwrite_conflicts=self.overwrite_box.isChecked(),
                                     rows=self.rows_box.currentData() if spreadsheet else "stop",
                                     terms=list(self._terms))

    def _choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import a file", str(self.path or Path.home()),
                                              "Directories (*.zip *.json *.csv *.tsv *.txt *.xlsx);;All files (*)")
        if name:
            self.path_edit.setText(name)

    def _choose_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Import a folder", str(self.path or Path.home()))
        if name:
            self.path_edit.setText(name)

    def _edit_mapping(self) -> None:
        from ketdir.gui.mapping_dialog import MappingDialog

        if self.path is None:
            return
        dialog = MappingDialog(self.path, self._mapping, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_mapping(dialog.mapping())

    def _choose_terms(self) -> None:
        from ketdir.gui.terms_dialog import TermsDialog

        if self._check is None or not self._check.unmapped_terms:
            return
        dialog = TermsDialog(self._check.unmapped_terms, self._terms, self)
        dialog.accepted.connect(lambda: self.set_terms(dialog.choices()))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.open()

    def set_terms(self, choices: list[imports.TermChoice]) -> None:
        """Use these need types for the file's unmapped terms, and check again."""
        merged = {(c.taxonomy, c.term): c for c in self._terms}
        merged.update({(c.taxonomy, c.term): c for c in choices})
        self._terms = list(merged.values())
        self._input_changed()
        self.check()

    # ------------------------------------------------------------------------- work

    def _set_busy(self, job: Job | None) -> None:
        self._job = job
        busy = job is not None
        for widget in (self.path_edit, self.file_button, self.folder_button, self.format_box, self.source_edit,
                       self.overwrite_box):
            widget.setEnabled(not busy)
        self.check_button.setEnabled(not busy and self.path is not None)
        self.mapping_button.setEnabled(not busy and self._is_spreadsheet())
        self.rows_box.setEnabled(not busy and self._is_spreadsheet())
        self.terms_button.setEnabled(not busy and self._check is not None and bool(self._check.unmapped_terms))
        self.stop_button.setEnabled(busy)
        self.close_button.setEnabled(not busy)
        if busy:
            self.import_button.setEnabled(False)

    def check(self) -> None:
        """Read, validate and plan (off the UI thread); `checked` fires with the ImportCheck."""
        if self.path is None or self.busy:
            return
        self.problem_list.clear()
        self.plan_text.clear()
        self.progress.setValue(0)
        self.status.setText("Checking…")
        self._set_busy(self.worker.run(imports.check_import, self.directory, self.path, self.options(),
                                       on_result=self._on_checked, on_problem=self._on_problem,
                                       on_progress=self._on_progress))

    def start_import(self) -> None:
        """Apply the checked import (off the UI thread); `imported`, `cancelled` or `failed` fires."""
        if self._check is None or not self._check.can_apply or self.busy:
            return
        self.status.setText("Importing… (Stop leaves the directory as it was)")
        self._set_busy(self.worker.run(imports.apply_import, self.directory, self._check,
                                       on_result=self._on_imported, on_problem=self._on_problem,
                                       on_progress=self._on_progress))

    def stop(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self.status.setText("Stopping…")

    def _on_progress(self, what: str, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        else:
            self.progress.setRange(0, 0)  # busy, no measure
        if self._job is not None and not self._job.cancel_requested:
            self.status.setText(f"{what}…")

    def _show_problems(self, check: imports.ImportCheck) -> None:
        from ketdir.interop.validate import summarise

        self.problem_list.clear()
        shown, more = summarise(check.errors + check.warnings, per_kind=20)
        for problem in shown[:MAX_LISTED]:
            item = QListWidgetItem(("Error: " if problem.is_error else "Warning: ") + str(problem))
            if problem.is_error:
                item.setForeground(QBrush(QColor("#b00020")))
            item.setData(Qt.ItemDataRole.UserRole, problem)
            self.problem_list.addItem(item)
        for line in more:
            self.problem_list.addItem(QListWidgetItem(line))

    def _on_checked(self, check: imports.ImportCheck) -> None:
        self._set_busy(None)
        self._check = check
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)
        self._show_problems(check)
        self.plan_text.setPlainText("\n".join([check.read_line(), *check.lines()]))
        errors, warnings = len(check.errors), len(check.warnings)
        self.terms_button.setEnabled(bool(check.unmapped_terms))
        if check.plan is None and check.rows_failing:
            self.status.setText(f"{errors:,} row(s) have problems. Fix them in the file, or choose to leave them out "
                                "(Rows with problems) and check again. Nothing was changed.")
        elif check.plan is None:
            self.status.setText(f"{errors:,} error(s) and {warnings:,} warning(s). Fix the errors in the file and "
                                "check again. Nothing was changed.")
        elif check.refusal:
            self.status.setText(check.refusal)
        else:
            self.status.setText(f"Ready to import ({check.format}): {warnings:,} warning(s). Nothing has changed "
                                "yet.")
        self.import_button.setEnabled(check.can_apply)
        if check.can_apply:
            self.import_button.setDefault(True)
        self.checked.emit(check)

    def _on_imported(self, done: imports.ImportDone) -> None:
        self._set_busy(None)
        self.import_button.setEnabled(False)
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000)
        self.plan_text.setPlainText("\n".join(done.lines))
        self.status.setText(done.summary())
        self.imported.emit(done)

    def _on_problem(self, problem: KetdirProblem) -> None:
        self._set_busy(None)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        if isinstance(problem, Cancelled):
            self.status.setText("Stopped. Nothing was changed.")
            self.import_button.setEnabled(self._check is not None and self._check.can_apply)
            self.cancelled.emit(self.status.text())
            return
        self.status.setText(str(problem))
        self.import_button.setEnabled(False)
        show_problem(self, problem)
        self.failed.emit(problem)

    def closeEvent(self, event) -> None:
        self.worker.shutdown(30000)
        super().closeEvent(event)

    def done(self, result: int) -> None:
        if self.busy:  # Escape while working stops the work first
            self.stop()
            return
        self.worker.shutdown(30000)
        super().done(result)


def open_import_dialog(parent: QWidget | None, directory: Directory, *,
                       on_imported: Callable[[imports.ImportDone], None] | None = None) -> ImportDialog:
    """Show the import dialog for `directory` (window-modal, non-blocking)."""
    dialog = ImportDialog(directory, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if on_imported is not None:
        dialog.imported.connect(on_imported)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
    return dialog
