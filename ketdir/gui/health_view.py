"""The Data health view: run the checks off the UI thread, filter the findings, export them as CSV.

    view = HealthView(directory)
    view.serviceRequested.connect(show_service)   # double-click or Enter on a finding
    view.run()                                     # F5 in the view does the same

The findings table is a DB-free model fed whole by `set_report()` (the Vorta pattern) behind a filter
proxy whose setters call invalidateFilter() (the Picard pattern). The checks are `ketdir.app.health.run_health`
run through the view's Worker: progress and Stop go through its Progress, and only plain dataclasses come
back. A run that fails stops the spinner and says why.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ketdir.app import Directory
from ketdir.app.health import run_health
from ketdir.freshness import DEFAULT_STALE_MONTHS
from ketdir.gui.messages import show_problem, show_saved
from ketdir.gui.workers import Job, Worker
from ketdir.health import CHECKS, SEVERITIES, Finding, HealthReport, write_csv
from ketdir.health.model import SEVERITY_LABELS
from ketdir.problems import Cancelled, KetdirProblem

COLUMNS = ("Severity", "Check", "Service", "Field", "Problem")
FINDING_ROLE = Qt.ItemDataRole.UserRole + 1
SERVICE_ID_ROLE = Qt.ItemDataRole.UserRole + 2
SORT_ROLE = Qt.ItemDataRole.UserRole + 3
RUN_SHORTCUT = "F5"


class FindingsModel(QAbstractTableModel):
    """Findings as rows; no database."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Finding] = []

    def set_findings(self, findings: list[Finding]) -> None:
        self.beginResetModel()
        self._rows = list(findings)
        self.endResetModel()

    def finding(self, row: int) -> Finding:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        f = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (f.severity_label, f.check_label, f.service_name, f.field, f.message)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f.message
        if role == FINDING_ROLE:
            return f
        if role == SERVICE_ID_ROLE:
            return f.service_id
        if role == SORT_ROLE:
            if column == 0:
                return SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 9
            if column == 1:
                return [c.code for c in CHECKS].index(f.check) if f.check in [c.code for c in CHECKS] else 99
            return (f.severity_label, f.check_label, f.service_name.casefold(), f.field, f.message)[column]
        return None


class FindingsFilter(QSortFilterProxyModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._check: str | None = None
        self._severity: str | None = None
        self.setSortRole(SORT_ROLE)

    def _refilter(self, change) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10+: invalidateFilter() is deprecated
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateRowsFilter()

    def set_check(self, code: str | None) -> None:
        self._refilter(lambda: setattr(self, "_check", code or None))

    def set_severity(self, severity: str | None) -> None:
        self._refilter(lambda: setattr(self, "_severity", severity or None))

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        f = self.sourceModel().finding(source_row)
        return (self._check is None or f.check == self._check) and (
            self._severity is None or f.severity == self._severity
        )

    def findings(self) -> list[Finding]:
        return [self.index(r, 0).data(FINDING_ROLE) for r in range(self.rowCount())]


# --------------------------------------------------------------------------------------------- the view


class HealthView(QWidget):
    serviceRequested = Signal(str)  # service id: show (or edit) this service
    finished = Signal(object)  # HealthReport, after each completed run
    failed = Signal(str)  # a message for people
    busyChanged = Signal(bool)

    def __init__(self, directory: Directory, *, today: Callable[[], dt.date] | None = None,
                 stale_months: int = DEFAULT_STALE_MONTHS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.directory = directory
        self._today = today or dt.date.today
        self._report: HealthReport | None = None
        self._job: Job | None = None
        self._worker = Worker(self, threads=1)
        self.setAccessibleName("Data health")
        self.model = FindingsModel(self)
        self.proxy = FindingsFilter(self)
        self.proxy.setSourceModel(self.model)

        title = QLabel("<b>Data health</b>")
        title.setAccessibleName("Data health")
        intro = QLabel("Checks every service for stale records, missing contact details, bad phone numbers, "
                       "postcodes and coordinates, unreadable opening hours and likely duplicates.")
        intro.setWordWrap(True)

        self.stale_months = QSpinBox()
        self.stale_months.setRange(1, 120)
        self.stale_months.setValue(stale_months)
        self.stale_months.setSuffix(" months")
        self.stale_months.setAccessibleName("Stale after")
        self.stale_months.setToolTip("A record no person has checked for this long counts as stale.")
        stale_label = QLabel("&Stale after:")
        stale_label.setBuddy(self.stale_months)

        self.run_button = QPushButton("&Run checks")
        self.run_button.setAccessibleName("Run checks")
        self.run_button.setToolTip(f"Run every check again ({RUN_SHORTCUT})")
        self.run_button.clicked.connect(self.run)
        self.stop_button = QPushButton("S&top")
        self.stop_button.setAccessibleName("Stop the checks")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Progress of the checks")
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)

        run_row = QHBoxLayout()
        run_row.addWidget(stale_label)
        run_row.addWidget(self.stale_months)
        run_row.addWidget(self.run_button)
        run_row.addWidget(self.stop_button)
        run_row.addWidget(self.progress, 1)
        run_row.addStretch()

        self.summary = QLabel("Press Run checks (F5) to check the directory.")
        self.summary.setAccessibleName("Summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.check_filter = QComboBox()
        self.check_filter.setAccessibleName("Show findings of check")
        check_label = QLabel("Sho&w:")
        check_label.setBuddy(self.check_filter)
        self.severity_filter = QComboBox()
        self.severity_filter.setAccessibleName("Show findings of severity")
        self.severity_filter.addItem("All severities", None)
        for sev in SEVERITIES:
            self.severity_filter.addItem(f"{SEVERITY_LABELS[sev]}s", sev)
        self._fill_check_filter()
        self.check_filter.currentIndexChanged.connect(self._filter_changed)
        self.severity_filter.currentIndexChanged.connect(self._filter_changed)

        self.open_button = QPushButton("&Open service")
        self.open_button.setAccessibleName("Open the selected service")
        self.open_button.setToolTip("Show the service of the selected finding (Enter or double-click)")
        self.open_button.clicked.connect(self.open_current)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setAccessibleName("Export CSV")
        self.export_button.setToolTip("Save the findings shown as a CSV file for a spreadsheet")
        self.export_button.clicked.connect(self._export_clicked)
        filter_row = QHBoxLayout()
        filter_row.addWidget(check_label)
        filter_row.addWidget(self.check_filter, 1)
        filter_row.addWidget(self.severity_filter)
        filter_row.addStretch()
        filter_row.addWidget(self.open_button)
        filter_row.addWidget(self.export_button)

        self.table = QTableView()
        self.table.setAccessibleName("Findings")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((80, 190, 260, 150)):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(self._activated)
        self.table.activated.connect(self._activated)
        self.detail = QLabel()
        self.detail.setAccessibleName("Selected finding")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(run_row)
        layout.addWidget(self.summary)
        layout.addLayout(filter_row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        self.setTabOrder(self.stale_months, self.run_button)
        self.setTabOrder(self.run_button, self.stop_button)
        self.setTabOrder(self.stop_button, self.check_filter)
        self.setTabOrder(self.check_filter, self.severity_filter)
        self.setTabOrder(self.severity_filter, self.open_button)
        self.setTabOrder(self.open_button, self.export_button)
        self.setTabOrder(self.export_button, self.table)

        shortcut = QShortcut(QKeySequence(RUN_SHORTCUT), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.run)
        self._update_buttons()

    # ------------------------------------------------------------------------------------------ public

    @property
    def report(self) -> HealthReport | None:
        return self._report

    @property
    def running(self) -> bool:
        return self._job is not None

    def run(self) -> Job:
        """Start the checks in the background (a run already going is stopped first)."""
        if self._job is not None:
            self._job.cancel()
        self._set_running(True)
        self.progress.setRange(0, 0)
        self.progress.setFormat("Starting…")
        self._job = job = self._worker.run(
            run_health, self.directory, today=self._today(), stale_months=self.stale_months.value(),
            on_progress=lambda what, done, total: self._on_progress(job, what, done, total),
            on_result=lambda report: self._on_result(job, report),
            on_problem=lambda problem: self._on_problem(job, problem),
        )
        return job

    def cancel(self) -> None:
        """Stop: the run ends at its next step, having changed nothing."""
        if self._job is not None:
            self._job.cancel()
            self.stop_button.setEnabled(False)
            self.progress.setFormat("Stopping…")

    def shutdown(self) -> None:
        """Stop a run and wait for its thread (call before closing the database)."""
        self._worker.shutdown(10000)

    def set_check_filter(self, code: str | None) -> None:
        i = self.check_filter.findData(code)
        self.check_filter.setCurrentIndex(max(0, i))

    def shown_findings(self) -> list[Finding]:
        return self.proxy.findings()

    def export_csv(self, path: str) -> int:
        """Write the findings shown (after filtering) to `path`; returns how many."""
        return write_csv(self.shown_findings(), path)

    def current_service_id(self) -> str | None:
        index = self.table.currentIndex()
        return index.data(SERVICE_ID_ROLE) if index.isValid() else None

    def open_current(self) -> None:
        service_id = self.current_service_id()
        if service_id:
            self.serviceRequested.emit(service_id)

    # ---------------------------------------------------------------------------------------- internals

    def _set_running(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.stop_button.setEnabled(running)
        self.run_button.setEnabled(not running)
        self.busyChanged.emit(running)
        if not running and self.focusWidget() is None:
            self.run_button.setFocus()

    def _on_progress(self, job: Job, what: str, done: int, total: int) -> None:
        if job is not self._job:
            return
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
            self.progress.setFormat(f"{what}: {done:,} of {total:,}")
        else:
            self.progress.setRange(0, 0)
            self.progress.setFormat(f"{what}…")

    def _on_result(self, job: Job, report: HealthReport) -> None:
        if job is not self._job:
            return
        self._job = None
        self._set_running(False)
        self.set_report(report)
        self.finished.emit(report)

    def _on_problem(self, job: Job, problem: KetdirProblem) -> None:
        if job is not self._job:
            return
        self._job = None
        self._set_running(False)
        if isinstance(problem, Cancelled):
            self.summary.setText("The checks were stopped. Nothing was changed. " + self._summary_text())
            return
        self.summary.setText(f"The checks could not run. {problem}")
        show_problem(self, problem)
        self.failed.emit(str(problem))

    def set_report(self, report: HealthReport) -> None:
        """Show a report (run() does this; tests and the window may too)."""
        self._report = report
        current = self.check_filter.currentData()
        self.model.set_findings(report.findings)
        self.detail.clear()
        self._fill_check_filter(current)
        self.summary.setText(self._summary_text())
        self._update_buttons()

    def _summary_text(self) -> str:
        report = self._report
        if report is None:
            return ""
        sev = report.by_severity()
        n = len(report.findings)
        day = f"{report.today.day} {report.today:%B %Y}"
        if not n:
            return f"Checked {report.services_checked:,} services on {day}: no problems found."
        return (
            f"Checked {report.services_checked:,} services on {day}: {n:,} finding{'s' if n != 1 else ''} about "
            f"{report.services_with_findings():,} services — {sev['error']:,} errors, {sev['warning']:,} warnings, "
            f"{sev['info']:,} notes."
        )

    def _fill_check_filter(self, keep: str | None = None) -> None:
        counts = self._report.by_check() if self._report else {}
        self.check_filter.blockSignals(True)
        self.check_filter.clear()
        total = len(self._report.findings) if self._report else None
        self.check_filter.addItem("All checks" + (f" ({total:,})" if total is not None else ""), None)
        for check in CHECKS:
            count = counts.get(check.code)
            self.check_filter.addItem(check.label + (f" ({count:,})" if count is not None else ""), check.code)
            self.check_filter.setItemData(self.check_filter.count() - 1, check.explanation, Qt.ItemDataRole.ToolTipRole)
        self.check_filter.setCurrentIndex(max(0, self.check_filter.findData(keep)))
        self.check_filter.blockSignals(False)
        self._filter_changed()

    def _filter_changed(self, *_args) -> None:
        self.proxy.set_check(self.check_filter.currentData())
        self.proxy.set_severity(self.severity_filter.currentData())
        self._update_buttons()

    def _update_buttons(self) -> None:
        if not hasattr(self, "export_button"):
            return
        has_rows = self.proxy.rowCount() > 0
        self.export_button.setEnabled(has_rows)
        self.open_button.setEnabled(has_rows)

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex | None = None) -> None:
        f = current.data(FINDING_ROLE) if current.isValid() else None
        self.detail.setText("" if f is None else f"{f.service_name} — {f.check_label} ({f.field}): {f.message}")

    def _activated(self, index: QModelIndex) -> None:
        service_id = index.data(SERVICE_ID_ROLE)
        if service_id:
            self.serviceRequested.emit(service_id)

    def _export_clicked(self) -> None:
        today = self._report.today.isoformat() if self._report else dt.date.today().isoformat()
        path, _ = QFileDialog.getSaveFileName(self, "Export findings as CSV", f"ketdir-data-health-{today}.csv",
                                              "CSV files (*.csv)")
        if not path:
            return
        try:
            count = self.export_csv(path)
        except OSError as exc:
            show_problem(self, f"The findings could not be saved to {path}: {exc.strerror or exc}. Choose another "
                               "folder or file name.", title="Could not export")
            return
        self.summary.setText(f"Saved {count:,} finding{'s' if count != 1 else ''} to {path}. " + self._summary_text())
        show_saved(self, Path(path), "Findings")
