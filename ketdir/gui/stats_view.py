"""Referral statistics: a period, counts by need type / service / district / week, as a bar chart and a
table, exportable to CSV — what a manager sends to a funder.

The chart is painted here with QPainter (QtCharts is not in PySide6-Essentials). The numbers come from
ketdir.app.referrals, the same as `ketdir stats`, read on the view's worker: only the newest answer is shown.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ketdir.app import Directory
from ketdir.app.referrals import SavedFile, first_logged_day, referral_stats, save_stats_csv
from ketdir.gui import theme
from ketdir.gui.messages import show_problem, show_saved
from ketdir.gui.workers import Job, Worker
from ketdir.problems import KetdirProblem
from ketdir.referral.stats import GROUPING_LABELS, GROUPINGS, Count, Stats

MAX_LABEL_CHARS = 48


def _months_back(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, 1)


def preset_periods(today: dt.date) -> list[tuple[str, dt.date | None, dt.date | None]]:
    """(label, first day, last day) for the period menu."""
    month_start = today.replace(day=1)
    last_month_end = month_start - dt.timedelta(days=1)
    return [
        ("Last 4 weeks", today - dt.timedelta(days=27), today),
        ("This month", month_start, today),
        ("Last month", last_month_end.replace(day=1), last_month_end),
        ("Last 3 months", _months_back(today, 2), today),
        ("This year", dt.date(today.year, 1, 1), today),
        ("Last 12 months", _months_back(today, 11), today),
        ("All time", None, None),
    ]


class BarChart(QWidget):
    """Horizontal bars, one per row, label on the left and the count at the bar's end."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: tuple[Count, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setAccessibleName("Bar chart of referrals")

    def set_rows(self, rows: Sequence[Count]) -> None:
        self._rows = tuple(rows)
        top = ", ".join(f"{r.label}: {r.count}" for r in self._rows[:5])
        self.setAccessibleDescription(top or "No referrals in this period")
        self.updateGeometry()
        self.update()

    def rows(self) -> tuple[Count, ...]:
        return self._rows

    def _row_height(self) -> int:
        return int(QFontMetrics(self.font()).height() * 1.6)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt name
        return QSize(480, max(60, self._row_height() * max(1, len(self._rows)) + 8))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt name
        return QSize(240, self.sizeHint().height())

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        colours = theme.colours(palette)
        metrics = QFontMetrics(self.font())
        if not self._rows:
            painter.setPen(colours.muted)
            painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignCenter), "No referrals logged in this period")
            painter.end()
            return
        largest = max(r.count for r in self._rows) or 1
        row_h = self._row_height()
        labels = [r.label if len(r.label) <= MAX_LABEL_CHARS else r.label[: MAX_LABEL_CHARS - 1] + "…"
                  for r in self._rows]
        label_w = min(max(metrics.horizontalAdvance(s) for s in labels) + 12, int(self.width() * 0.45))
        count_w = metrics.horizontalAdvance(str(largest)) + 12
        bar_area = max(10, self.width() - label_w - count_w - 8)
        for i, (row, label) in enumerate(zip(self._rows, labels)):
            y = 4 + i * row_h
            painter.setPen(text)
            label_rect = QRectF(0, y, label_w - 8, row_h)
            elided = metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(label_rect.width()))
            painter.drawText(label_rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), elided)
            width = bar_area * row.count / largest
            bar = QRectF(label_w, y + row_h * 0.2, max(width, 1.5 if row.count else 0), row_h * 0.6)
            painter.fillRect(bar, colours.muted if not row.key else colours.accent)
            painter.setPen(text)
            painter.drawText(QRectF(bar.right() + 6, y, count_w, row_h),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), str(row.count))
        painter.end()


class StatsModel(QAbstractTableModel):
    HEADERS = ("", "Referrals", "Share")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.stats: Stats | None = None

    def set_stats(self, stats: Stats) -> None:
        self.beginResetModel()
        self.stats = stats
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt name
        return 0 if parent.isValid() or self.stats is None else len(self.stats.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt name
        return 0 if parent.isValid() else 3

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt name
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if section == 0 and self.stats is not None:
            return GROUPING_LABELS[self.stats.by]
        return self.HEADERS[section]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.stats is None:
            return None
        row = self.stats.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return row.label
            if index.column() == 1:
                return str(row.count)
            total = self.stats.referrals
            return f"{100 * row.count / total:.0f}%" if total else ""
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None


class StatsView(QWidget):
    refreshed = Signal()  # the newest numbers are shown
    exported = Signal(object)  # the Path the table was saved to

    def __init__(self, directory: Directory, *, clock: Callable[[], dt.datetime] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.directory = directory
        self._clock = clock or dt.datetime.now
        self.stats: Stats | None = None
        self.choose_csv_path: Callable[[], str | None] = self._ask_csv_path
        self._worker = Worker(self)
        self._asked = 0  # sequence number of the newest question; older answers are dropped
        self._shown = 0
        self._first_day_job: Job | None = None

        today = self._clock().date()
        self.period = QComboBox()
        self.period.setAccessibleName("Period")
        for label, start, end in preset_periods(today):
            self.period.addItem(label, (start, end))
        self.period.addItem("Chosen dates", None)
        self.start_edit = QDateEdit()
        self.end_edit = QDateEdit()
        for edit, name in ((self.start_edit, "From"), (self.end_edit, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("d MMM yyyy")
            edit.setAccessibleName(f"{name} date")
        self.grouping = QComboBox()
        self.grouping.setAccessibleName("Count by")
        for by in GROUPINGS:
            self.grouping.addItem(GROUPING_LABELS[by], by)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save this table as a CSV file for a spreadsheet")
        self.total_label = QLabel()
        self.total_label.setWordWrap(True)
        self.total_label.setAccessibleName("Total")

        self.chart = BarChart()
        chart_scroll = QScrollArea()
        chart_scroll.setWidgetResizable(True)
        chart_scroll.setWidget(self.chart)
        self.model = StatsModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Referral counts")
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(chart_scroll)
        splitter.addWidget(self.table)

        controls = QHBoxLayout()
        for label, widget in (("Period:", self.period), ("From:", self.start_edit), ("To:", self.end_edit),
                              ("Count by:", self.grouping)):
            text = QLabel(label)
            text.setBuddy(widget)
            controls.addWidget(text)
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.total_label)
        layout.addWidget(splitter, 1)

        self._syncing = False
        self.period.currentIndexChanged.connect(self._period_chosen)
        self.start_edit.dateChanged.connect(self._dates_edited)
        self.end_edit.dateChanged.connect(self._dates_edited)
        self.grouping.currentIndexChanged.connect(lambda _i: self.refresh())
        self.export_button.clicked.connect(self._export_clicked)
        self._period_chosen(0)

    # ------------------------------------------------------------------ period

    def period_dates(self) -> tuple[dt.date | None, dt.date | None]:
        data = self.period.currentData()
        if data is not None:
            return data
        return self.start_edit.date().toPython(), self.end_edit.date().toPython()

    def set_period(self, start: dt.date | None, end: dt.date | None) -> None:
        """Show a chosen period (both dates, or None for all time)."""
        if start is None and end is None:
            self.period.setCurrentIndex(self.period.findText("All time"))
            return
        self._syncing = True
        self.start_edit.setDate(QDate(start or end))
        self.end_edit.setDate(QDate(end or start))
        self._syncing = False
        if self.period.currentIndex() != self.period.count() - 1:
            self.period.setCurrentIndex(self.period.count() - 1)
        else:
            self.refresh()

    def set_grouping(self, by: str) -> None:
        self.grouping.setCurrentIndex(GROUPINGS.index(by))

    def _period_chosen(self, _index: int) -> None:
        data = self.period.currentData()
        if data is not None:
            start, end = data
            today = self._clock().date()
            self._show_dates(start or today, end or today)
            if start is None:  # "all time": the dates shown start at the oldest entry, once it is read
                self._first_day_job = self._worker.run(
                    first_logged_day, self.directory, on_result=lambda first: self._first_day_read(first, data),
                    on_problem=lambda _problem: None)  # the counts' own read says what is wrong
        self.start_edit.setEnabled(True)
        self.end_edit.setEnabled(True)
        self.refresh()

    def _first_day_read(self, first: dt.date | None, period) -> None:
        if self.period.currentData() == period:  # still the period it was read for
            today = self._clock().date()
            self._show_dates(first or today, period[1] or today)

    def _show_dates(self, start: dt.date, end: dt.date) -> None:
        self._syncing = True
        self.start_edit.setDate(QDate(start))
        self.end_edit.setDate(QDate(end))
        self._syncing = False

    def _dates_edited(self, _date) -> None:
        if self._syncing:
            return
        if self.period.currentIndex() != self.period.count() - 1:
            self.period.setCurrentIndex(self.period.count() - 1)  # refreshes through _period_chosen
        else:
            self.refresh()

    # ------------------------------------------------------------------ numbers

    @property
    def settled(self) -> bool:
        """The numbers and dates shown answer the newest question (nothing being read)."""
        return self._shown == self._asked and not (self._first_day_job and self._first_day_job.running)

    def refresh(self) -> None:
        """Count again for the period and grouping chosen (off the UI thread)."""
        start, end = self.period_dates()
        self._asked += 1
        if start and end and start > end:
            self._shown = self._asked
            self.total_label.setText("The period starts after it ends: change the dates.")
            self.export_button.setEnabled(False)
            return
        asked = self._asked
        self.export_button.setEnabled(False)
        self._worker.run(referral_stats, self.directory, self.grouping.currentData(), start, end,
                         on_result=lambda stats: self._show(asked, stats),
                         on_problem=lambda problem: self._failed(asked, problem))

    def _show(self, asked: int, stats: Stats) -> None:
        if asked != self._asked:
            return
        self._shown = asked
        self.stats = stats
        self.model.set_stats(stats)
        self.chart.set_rows(stats.rows)
        n, by = stats.referrals, stats.by
        note = ""
        if by in ("need", "service") and n:
            note = f" A referral with more than one {GROUPING_LABELS[by].lower()} counts under each."
        self.total_label.setText(f"<b>{n} referral{'s' if n != 1 else ''}</b>, {stats.period_text()}.{note}")
        self.export_button.setEnabled(bool(stats.rows))
        self.refreshed.emit()

    def _failed(self, asked: int, problem: KetdirProblem) -> None:
        if asked != self._asked:
            return
        self._shown = asked
        self.total_label.setText(f"The counts could not be read. {problem}")
        show_problem(self, problem)

    # ------------------------------------------------------------------ export

    def _ask_csv_path(self) -> str | None:
        today = self._clock().date()
        by = self.grouping.currentData()
        default = Path.home() / f"ketdir-referrals-by-{by}-{today.isoformat()}.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export the table as CSV", str(default), "CSV files (*.csv)")
        return path or None

    def _export_clicked(self) -> None:
        path = self.choose_csv_path()
        if path:
            self.export_csv(path)

    def export_csv(self, path: str | Path) -> Job | None:
        """Save the table shown as CSV (off the UI thread); a box then says where it went, or what went wrong."""
        if self.stats is None or not self.settled:
            return None
        return self._worker.run(save_stats_csv, self.stats, path, on_result=self._exported,
                                on_problem=lambda problem: show_problem(self, problem, "The table was not exported"))

    def _exported(self, saved: SavedFile) -> None:
        show_saved(self, saved.path, "Statistics")
        self.exported.emit(saved.path)


class StatsDialog(QDialog):
    """The statistics view in its own window (Referrals ▸ Statistics…)."""

    def __init__(self, directory: Directory, *, clock: Callable[[], dt.datetime] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Referral statistics")
        self.resize(820, 640)
        self.view = StatsView(directory, clock=clock, parent=self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
