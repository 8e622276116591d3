"""The statistics view: period, grouping, chart and table from the same numbers, and CSV export."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from referral_data import BLADDER, CHEMLINE, NOW
from ketdir.gui.stats_view import StatsDialog, preset_periods
from ketdir.referral.log import log_referral


@pytest.fixture
def directory(sqlite_directory):
    """The window tests run on a SQLite file (the directory logic is tested on both backends elsewhere)."""
    return sqlite_directory


@pytest.fixture
def view(qtbot, directory):
    with directory.session() as session:
        log_referral(session, [BLADDER], ["bladder-urology"], "SE1 7TP", "phone", at=dt.datetime(2026, 10, 20, 9))
        log_referral(session, [BLADDER, CHEMLINE], ["chemsex"], "SE1", "phone", at=dt.datetime(2026, 11, 2, 9))
        log_referral(session, [CHEMLINE], ["chemsex"], "E1", "other", at=dt.datetime(2025, 6, 1, 9))
        session.commit()
    dialog = StatsDialog(directory, clock=lambda: NOW)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.view.settled)  # counted off the UI thread
    yield dialog.view  # the generator keeps the dialog alive


def table(view) -> list[tuple[str, str]]:
    m = view.model
    return [(m.index(r, 0).data(), m.index(r, 1).data()) for r in range(m.rowCount())]


def test_default_period_grouping_chart_and_table(view):
    assert view.period.currentText() == "Last 4 weeks"
    assert view.stats.by == "need" and view.stats.referrals == 2
    assert table(view) == [("Chemsex support", "1"), ("Bladder & urology", "1")] or \
        table(view) == [("Bladder & urology", "1"), ("Chemsex support", "1")]
    assert [r.label for r in view.chart.rows()] == [row for row, _ in table(view)]
    assert "2 referrals" in view.total_label.text()
    assert view.model.headerData(0, Qt.Orientation.Horizontal) == "Need type"


def test_changing_period_and_grouping(view, qtbot):
    with qtbot.waitSignal(view.refreshed):
        view.period.setCurrentIndex(view.period.findText("All time"))
    assert view.stats.referrals == 3 and ("Chemsex support", "2") in table(view)
    with qtbot.waitSignal(view.refreshed):
        view.set_grouping("district")
    assert table(view) == [("SE1", "2"), ("E1", "1")]
    view.set_period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    qtbot.waitUntil(lambda: view.settled)
    assert view.period.currentText() == "Chosen dates" and table(view) == [("SE1", "1")]
    view.set_grouping("week")
    qtbot.waitUntil(lambda: view.settled)
    assert table(view) == [("2026-W44 (from 26 Oct)", "0"), ("2026-W45 (from 2 Nov)", "1"),
                           ("2026-W46 (from 9 Nov)", "0"), ("2026-W47 (from 16 Nov)", "0"),
                           ("2026-W48 (from 23 Nov)", "0"), ("2026-W49 (from 30 Nov)", "0")]
    assert view.chart.grab().width() > 0


def test_export_csv(view, tmp_path, qtbot):
    view.set_grouping("service")
    qtbot.waitUntil(lambda: view.settled and view.export_button.isEnabled())
    view.choose_csv_path = lambda: str(tmp_path / "services")
    with qtbot.waitSignal(view.exported) as exported:
        view.export_button.click()
    assert exported.args[0] == (tmp_path / "services.csv").resolve()
    [box] = view.findChildren(QMessageBox, "savedBox")
    assert box.text() == "Statistics saved to services.csv" and str(tmp_path) in box.informativeText()
    box.close()
    lines = (tmp_path / "services.csv").read_text().splitlines()
    assert lines[0] == "service_id,service,referrals"
    assert f"{BLADDER},Riverside Bladder Clinic,2" in lines


def test_preset_periods():
    presets = {label: (start, end) for label, start, end in preset_periods(dt.date(2026, 3, 31))}
    assert presets["Last month"] == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert presets["This year"] == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert presets["Last 3 months"][0] == dt.date(2026, 1, 1)
    assert presets["All time"] == (None, None)
