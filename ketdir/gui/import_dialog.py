"""File → Import: choose a file or folder, check it, see what would change, import with progress and cancel.

The work runs off the UI thread (QRunnable with a separate signals QObject, one Session per task); only
plain dataclasses cross threads. Checking reads, validates and plans; importing applies in one
transaction, so Cancel (or any failure) leaves the directory exactly as it was.

`open_import_dialog(parent, directory_url)` is the entry point for the main window's menu.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
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

from ketdir.interop.dataset import Dataset, Problem
from ketdir.interop.read_spreadsheet import ColumnMapping

FORMATS = (("Detect automatically", "auto"), ("HSDS datapackage (folder or .zip)", "datapackage"),
           ("HSDS JSON", "json"), ("Open Referral UK v1 (legacy)", "legacy"), ("Spreadsheet (CSV or Excel)",
                                                                             "spreadsheet"))
MAX_LISTED = 500


@dataclass
class CheckOutcome:
    """What checking found: the dataset (plain rows), its problems and the plan (None when blocked)."""

    dataset: Dataset
    problems: list[Problem]
    plan: object | None
    format: str


@dataclass
class ImportSummary:
    source: str
    new: int
    changed: int
    removed: int
    conflicts: int
    seconds: float
    lines: list[str] = field(default_factory=list)


class ImportSignals(QObject):
    progress = Signal(float, str)
    checked = Signal(object)  # CheckOutcome
    imported = Signal(object)  # ImportSummary
    cancelled = Signal(str)
    error = Signal(str)


def _describe(exc: BaseException) -> str:
    from ketdir.store.engine import DatabaseProblem

    if isinstance(exc, DatabaseProblem):
        return str(exc)
    text = str(exc) or exc.__class__.__name__
    if "locked" in text:
        return ("The directory is locked by another program (perhaps another ketdir window). Close it, then try "
                "again. Nothing was changed.")
    return f"The import stopped: {text}. Nothing was changed."


class _CheckTask(QRunnable):
    def __init__(self, url: str, path: Path, fmt: str, mapping: ColumnMapping | None, source: str | None,
                 overwrite: bool, signals: ImportSignals):
        super().__init__()
        self.setAutoDelete(True)
        self.url, self.path, self.fmt, self.mapping = url, path, fmt, mapping
        self.source, self.overwrite, self.signals = source, overwrite, signals

    def run(self) -> None:
        from ketdir.interop.apply import plan_import
        from ketdir.interop.gcpause import gc_paused
        from ketdir.interop.load import read_any
        from ketdir.interop.validate import validate
        from ketdir.store.engine import open_directory

        try:
            with gc_paused():
                self.signals.progress.emit(0.1, "Reading")
                dataset = read_any(self.path, self.fmt, mapping=self.mapping, source=self.source)
                self.signals.progress.emit(0.4, "Checking")
                directory = open_directory(self.url, create=True)
                try:
                    with directory.session() as session:
                        validate(dataset, session)
                        plan = None
                        if not dataset.errors:
                            self.signals.progress.emit(0.7, "Comparing with the directory")
                            plan = plan_import(session, dataset, overwrite_conflicts=self.overwrite)
                finally:
                    directory.close()
            self.signals.progress.emit(1.0, "Checked")
            self.signals.checked.emit(CheckOutcome(dataset, list(dataset.problems), plan, dataset.format))
        except Exception as exc:  # a failed check is a message, never a crash
            logging.getLogger(__name__).exception("import check failed")
            self.signals.error.emit(_describe(exc))


class _ApplyTask(QRunnable):
    def __init__(self, url: str, outcome: CheckOutcome, cancel: threading.Event, signals: ImportSignals):
        super().__init__()
        self.setAutoDelete(True)
        self.url, self.outcome, self.cancel, self.signals = url, outcome, cancel, signals

    def run(self) -> None:
        from ketdir.interop.apply import ImportCancelled, apply_import
        from ketdir.interop.gcpause import gc_paused
        from ketdir.store.engine import open_directory

        try:
            with gc_paused():
                directory = open_directory(self.url, create=True)
                try:
                    with directory.session() as session:
                        result = apply_import(session, self.outcome.dataset, self.outcome.plan,
                                              progress=self.signals.progress.emit, cancel=self.cancel.is_set)
                finally:
                    directory.close()
        except ImportCancelled as exc:
            self.signals.cancelled.emit(str(exc))
            return
        except Exception as exc:
            logging.getLogger(__name__).exception("import failed")
            self.signals.error.emit(_describe(exc))
            return
        plan = result.plan
        self.signals.imported.emit(ImportSummary(plan.source, len(plan.new), len(plan.changed), len(plan.removed),
                                                 len(plan.conflicts), result.seconds, plan.lines()))


class ImportDialog(QDialog):
    """Import into the directory at `directory_url`. Signals: `checked(CheckOutcome)`,
    `imported(ImportSummary)`, `cancelled(str)`, `failed(str)`."""

    checked = Signal(object)
    imported = Signal(object)
    cancelled = Signal(str)
    failed = Signal(str)

    def __init__(self, directory_url: str, parent: QWidget | None = None, path: Path | str | None = None):
        super().__init__(parent)
        self.directory_url = directory_url
        self.setWindowTitle("Import a directory")
        self.setAccessibleName("Import a directory")
        self.resize(760, 620)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = ImportSignals()
        self.signals.progress.connect(self._on_progress)
        self.signals.checked.connect(self._on_checked)
        self.signals.imported.connect(self._on_imported)
        self.signals.cancelled.connect(self._on_cancelled)
        self.signals.error.connect(self._on_error)
        self._cancel = threading.Event()
        self._outcome: CheckOutcome | None = None
        self._mapping: ColumnMapping | None = None
        self._busy = False

        layout = QVBoxLayout(self)
        form = QFormLayout()
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setAccessibleName("File or folder to import")
        self.path_edit.setPlaceholderText("An HSDS .zip, folder or .json, or a spreadsheet (.csv, .xlsx)")
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
        layout.addWidget(QLabel("What will change:"))
        layout.addWidget(self.plan_text, 1)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.status = QLabel("Choose what to import, then Check.")
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
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the import")
        self.close_button = QPushButton("Close")
        self.close_button.setAccessibleName("Close")
        buttons.addStretch(1)
        for button in (self.check_button, self.import_button, self.cancel_button, self.close_button):
            buttons.addWidget(button)
        self.cancel_button.setEnabled(False)
        layout.addLayout(buttons)

        self.file_button.clicked.connect(self._choose_file)
        self.folder_button.clicked.connect(self._choose_folder)
        self.mapping_button.clicked.connect(self._edit_mapping)
        self.check_button.clicked.connect(self.check)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        self.path_edit.textChanged.connect(self._input_changed)
        self.format_box.currentIndexChanged.connect(self._input_changed)
        self.overwrite_box.toggled.connect(self._input_changed)
        self.source_edit.textChanged.connect(self._input_changed)
        self.check_button.setDefault(True)
        if path is not None:
            self.path_edit.setText(str(path))
        self._input_changed()

    # ------------------------------------------------------------------------- input

    @property
    def path(self) -> Path | None:
        text = self.path_edit.text().strip()
        return Path(text).expanduser() if text else None

    def _is_spreadsheet(self) -> bool:
        from ketdir.interop.load import detect_format

        fmt = self.format_box.currentData()
        if fmt != "auto":
            return fmt == "spreadsheet"
        return self.path is not None and self.path.is_file() and detect_format(self.path) == "spreadsheet"

    def _input_changed(self) -> None:
        self._outcome = None
        self.import_button.setEnabled(False)
        spreadsheet = self._is_spreadsheet()
        self.mapping_button.setEnabled(spreadsheet and not self._busy)
        if spreadsheet:
            self.mapping_label.setText("Columns chosen." if self._mapping else "ketdir will guess the columns; "
                                       "check them with Column mapping…")
        else:
            self.mapping_label.setText("Only for spreadsheets")
        self.check_button.setEnabled(self.path is not None and not self._busy)

    def set_mapping(self, mapping: ColumnMapping | None) -> None:
        self._mapping = mapping
        self._input_changed()

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

    # ------------------------------------------------------------------------- work

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.path_edit, self.file_button, self.folder_button, self.format_box, self.source_edit,
                       self.overwrite_box):
            widget.setEnabled(not busy)
        self.check_button.setEnabled(not busy and self.path is not None)
        self.mapping_button.setEnabled(not busy and self._is_spreadsheet())
        self.cancel_button.setEnabled(busy)
        self.close_button.setEnabled(not busy)
        if busy:
            self.import_button.setEnabled(False)

    def check(self) -> None:
        """Read, validate and plan (off the UI thread); `checked` fires with the outcome."""
        if self.path is None or self._busy:
            return
        self.problem_list.clear()
        self.plan_text.clear()
        self.progress.setValue(0)
        self.status.setText("Checking…")
        self._set_busy(True)
        mapping = self._mapping if self._is_spreadsheet() else None
        source = self.source_edit.text().strip() or None
        self.pool.start(_CheckTask(self.directory_url, self.path, self.format_box.currentData(), mapping, source,
                                   self.overwrite_box.isChecked(), self.signals))

    def start_import(self) -> None:
        """Apply the checked import (off the UI thread); `imported`, `cancelled` or `failed` fires."""
        if self._outcome is None or self._outcome.plan is None or self._busy:
            return
        self._cancel.clear()
        self.status.setText("Importing… (Cancel leaves the directory as it was)")
        self._set_busy(True)
        self.pool.start(_ApplyTask(self.directory_url, self._outcome, self._cancel, self.signals))

    def cancel(self) -> None:
        if self._busy:
            self._cancel.set()
            self.status.setText("Cancelling…")

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        if self._busy and not self._cancel.is_set():
            self.status.setText(f"{message}…")

    def _show_problems(self, problems: list[Problem]) -> None:
        from ketdir.interop.validate import summarise

        self.problem_list.clear()
        ordered = [p for p in problems if p.is_error] + [p for p in problems if not p.is_error]
        shown, more = summarise(ordered, per_kind=20)
        for problem in shown[:MAX_LISTED]:
            item = QListWidgetItem(("Error: " if problem.is_error else "Warning: ") + str(problem))
            if problem.is_error:
                item.setForeground(QBrush(QColor("#b00020")))
            item.setData(Qt.ItemDataRole.UserRole, problem)
            self.problem_list.addItem(item)
        for line in more:
            self.problem_list.addItem(QListWidgetItem(line))

    def _on_checked(self, outcome: CheckOutcome) -> None:
        self._set_busy(False)
        self._outcome = outcome
        self._show_problems(outcome.problems)
        errors = sum(1 for p in outcome.problems if p.is_error)
        warnings = len(outcome.problems) - errors
        if outcome.plan is None:
            self.plan_text.setPlainText("Nothing can be imported until the errors are fixed.")
            self.status.setText(f"{errors:,} error(s) and {warnings:,} warning(s). Fix the errors in the file and "
                                "check again. Nothing was changed.")
            self.import_button.setEnabled(False)
        else:
            self.plan_text.setPlainText("\n".join(outcome.plan.lines()))
            self.status.setText(f"Ready to import ({outcome.format}): {warnings:,} warning(s). Nothing has changed "
                                "yet.")
            self.import_button.setEnabled(True)
            self.import_button.setDefault(True)
        self.checked.emit(outcome)

    def _on_imported(self, summary: ImportSummary) -> None:
        self._set_busy(False)
        self._outcome = None
        self.import_button.setEnabled(False)
        self.progress.setValue(1000)
        self.plan_text.setPlainText("\n".join(summary.lines))
        self.status.setText(f"Imported “{summary.source}”: {summary.new:,} new, {summary.changed:,} updated, "
                            f"{summary.removed:,} removed, {summary.conflicts:,} conflict(s), in "
                            f"{summary.seconds:.1f} s.")
        self.imported.emit(summary)

    def _on_cancelled(self, message: str) -> None:
        self._set_busy(False)
        self.progress.setValue(0)
        self.status.setText(message)
        self.import_button.setEnabled(self._outcome is not None and self._outcome.plan is not None)
        self.cancelled.emit(message)

    def _on_error(self, message: str) -> None:
        self._set_busy(False)
        self.progress.setValue(0)
        self.status.setText(message)
        self.failed.emit(message)

    def closeEvent(self, event) -> None:
        if self._busy:
            self._cancel.set()
        self.pool.waitForDone(30000)
        super().closeEvent(event)

    def done(self, result: int) -> None:
        if self._busy:  # Escape while importing cancels the import first
            self.cancel()
            return
        self.pool.waitForDone(30000)
        super().done(result)


def open_import_dialog(parent: QWidget | None, directory_url: str, *,
                       on_imported: Callable[[ImportSummary], None] | None = None) -> None:
    """Show the import dialog for the directory at `directory_url` (window-modal, non-blocking)."""
    dialog = ImportDialog(directory_url, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if on_imported is not None:
        dialog.imported.connect(on_imported)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.show()
