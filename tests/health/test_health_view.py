"""The Data health view: checks run off the UI thread, findings appear, filter, export, open a service."""
from __future__ import annotations

import csv

import pytest
from health_helpers import TODAY, rec

from ketdir.store.models import stable_id
from tests.factories import build

pytest.importorskip("pytestqt")


@pytest.fixture
def view(qtbot, tmp_path):
    from ketdir.gui.health_view import HealthView

    phone = "0300 123 7777"
    directory = build(tmp_path / "v.db", [
        rec("Southwark Sexual Health Clinic", postcode="SE1 7AB"),
        rec("Sexual Health Clinic Southwark", postcode="SE1 7AB"),
        rec("Lambeth Drug Service", postcode="SW9 8EJ", phone=phone),
        rec("Brixton Recovery Hub", postcode="SE11 5HL", phone=phone),
        rec("Old Record", assured="2024-01-01"),
        rec("Bad Number", phone="0207 946"),
    ])
    widget = HealthView(directory, today=lambda: TODAY)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    yield widget
    widget.shutdown()
    directory.close()


def run(qtbot, view):
    with qtbot.waitSignal(view.finished, timeout=20000) as blocker:
        view.run()
    return blocker.args[0]


def test_findings_appear_with_a_summary(qtbot, view):
    assert view.model.rowCount() == 0
    report = run(qtbot, view)
    assert not view.running
    assert view.model.rowCount() == len(report.findings) == 4
    shown = {view.proxy.index(r, 2).data() for r in range(view.proxy.rowCount())}
    assert {"Bad Number", "Old Record", "Brixton Recovery Hub", "Sexual Health Clinic Southwark"} == shown
    assert "Checked 6 services on 25 November 2026: 4 findings" in view.summary.text()
    assert "1 errors" in view.summary.text() or "1 error" in view.summary.text()
    assert view.check_filter.itemText(0) == "All checks (4)"
    assert view.check_filter.itemText(view.check_filter.findData("duplicate")) == "Likely duplicate (2)"
    # errors sort first
    assert view.proxy.index(0, 0).data() == "Error"


def test_filter_by_check_and_severity(qtbot, view):
    run(qtbot, view)
    view.set_check_filter("duplicate")
    assert view.proxy.rowCount() == 2
    assert {f.check for f in view.shown_findings()} == {"duplicate"}
    view.set_check_filter(None)
    view.severity_filter.setCurrentIndex(view.severity_filter.findData("error"))
    assert [f.service_name for f in view.shown_findings()] == ["Bad Number"]


def test_export_csv_writes_the_findings_shown(qtbot, view, tmp_path):
    run(qtbot, view)
    target = tmp_path / "health.csv"
    assert view.export_csv(str(target)) == 4
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 and {r["check"] for r in rows} == {"duplicate", "stale", "phone"}
    view.set_check_filter("stale")
    assert view.export_csv(str(target)) == 1


def test_export_button_uses_a_file_dialog(qtbot, view, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QApplication, QFileDialog

    run(qtbot, view)
    target = tmp_path / "chosen.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    view.export_button.click()
    assert target.exists() and "Saved 4 findings" in view.summary.text()
    (box,) = [w for w in QApplication.topLevelWidgets() if w.objectName() == "savedBox" and w.isVisible()]
    assert box.text() == "Findings saved to chosen.csv" and str(tmp_path) in box.informativeText()
    box.close()


def test_double_click_and_enter_ask_for_the_service(qtbot, view):
    from PySide6.QtCore import Qt

    run(qtbot, view)
    view.set_check_filter("phone")
    index = view.proxy.index(0, 2)
    rect = view.table.visualRect(index)
    with qtbot.waitSignal(view.serviceRequested, timeout=2000) as blocker:
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [stable_id("test", "Bad Number")]
    view.table.setFocus()
    view.table.setCurrentIndex(index)
    with qtbot.waitSignal(view.serviceRequested, timeout=2000) as blocker:
        view.open_button.click()
    assert blocker.args == [stable_id("test", "Bad Number")]


def test_stale_threshold_and_rerun(qtbot, view):
    run(qtbot, view)
    view.stale_months.setValue(1)
    report = run(qtbot, view)
    assert report.stale_months == 1
    assert len(report.only("stale")) == 6


def test_every_control_has_an_accessible_name(qtbot, view):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QSpinBox

    for widget in view.findChildren(QAbstractButton) + view.findChildren(QComboBox) + \
            view.findChildren(QSpinBox) + view.findChildren(QAbstractItemView):
        if widget.window() is not view.window() or isinstance(widget.parent(), (QComboBox, QAbstractItemView)):
            continue  # Qt's own parts: a combo box's pop-up, a table's corner button
        if widget.objectName().startswith("qt_"):
            continue
        assert widget.accessibleName(), widget
