"""Stewardship the way a person does it, in the real main window: select a service, Ctrl+E from the search
field, edit, Save or Mark verified, read the change history from the menu; run data health with Ctrl+Shift+H,
open a finding, stop a run; and what a person sees when the database cannot be used."""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from helpers import names, settle
from ketdir.gui.results_model import Role
from ketdir.store.models import stable_id
from tests.backends import refuse_writes
from tests.factories import build, record

pytest.importorskip("pytestqt")

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
DRUG_SERVICE = "Southwark Drug Service"
CHEMSEX = "Lambeth Chemsex Support"  # last checked June 2024: stale on 3 November 2026 (the window's clock)
BAD_NUMBER = "Bad Number Clinic"  # a phone number that cannot be rung: data health finds it


@pytest.fixture
def steward_directory(tmp_path):
    """Services with real-looking (not Ofcom drama) numbers, so the editor can save them."""
    directory = build(tmp_path / "steward.db", [
        record(DRUG_SERVICE, needs=("drug-treatment",), postcode="SE1 7AB", lat=51.4985, lon=-0.1004,
               phone="0300 123 4567", assured="2026-10-01"),
        record(CHEMSEX, needs=("chemsex",), postcode="SE11 5AA", lat=51.4860, lon=-0.1180,
               phone="0300 123 4568", assured="2024-06-02"),
        record(BAD_NUMBER, needs=("sexual-health",), postcode="SE1 7EH", lat=51.4989, lon=-0.1183,
               phone="0207 946", assured="2026-10-01"),
    ])
    yield directory
    directory.close()


@pytest.fixture
def steward_window(make_window, steward_directory):
    return make_window(steward_directory)


def dialogs(kind) -> list:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def problem_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == "problemBox" and w.isVisible()]


def click_result(qtbot, window, name: str) -> None:
    model = window.model
    index = next(model.index(r, 0) for r in range(model.rowCount()) if model.index(r, 0).data(Role.Name) == name)
    window.results_view.scrollTo(index)
    rect = window.results_view.visualRect(index)
    qtbot.mouseClick(window.results_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.current_detail() is not None and window.current_detail().name == name,
                    timeout=5000)


def open_editor_from_search_field(qtbot, window):
    """Focus back in the search field (where it usually is), then Ctrl+E."""
    from ketdir.gui.service_editor import ServiceEditor

    window.focus_search()
    assert QApplication.focusWidget() is window.search_edit
    qtbot.keyClick(window.search_edit, Qt.Key.Key_E, CTRL)
    qtbot.waitUntil(lambda: len(dialogs(ServiceEditor)) == 1, timeout=5000)
    (editor,) = dialogs(ServiceEditor)
    return editor


def retype(qtbot, widget, text):
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    qtbot.keyClicks(widget, text)


def tick_need(qtbot, editor, code: str) -> None:
    needs = editor.needs
    row = next(i for i in range(needs.count()) if needs.item(i).data(Qt.ItemDataRole.UserRole) == code)
    needs.setFocus()
    needs.setCurrentRow(row)
    qtbot.keyClick(needs, Qt.Key.Key_Space)
    assert needs.item(row).checkState() == Qt.CheckState.Checked


def menu_action(window, menu_title: str, text: str):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == menu_title)
    return next(a for a in menu.actions() if a.text() == text)


def badge_texts(window, name: str) -> list[str]:
    index = next(window.model.index(r, 0) for r in range(window.model.rowCount())
                 if window.model.index(r, 0).data(Role.Name) == name)
    return [b.text for b in index.data(Role.Badges)]


def test_edit_from_the_search_field_save_and_read_the_history(qtbot, steward_window):
    from ketdir.gui.history_dialog import HistoryDialog

    window = steward_window
    settle(qtbot, window)
    click_result(qtbot, window, DRUG_SERVICE)
    editor = open_editor_from_search_field(qtbot, window)
    assert editor.name.text() == DRUG_SERVICE
    retype(qtbot, editor.editor_name, "Tess Tester")
    retype(qtbot, editor.name, "Southwark Drug and Alcohol Service")
    tick_need(qtbot, editor, "harm-reduction")
    assert editor.save_button.isEnabled(), editor.problems.text()
    with qtbot.waitSignal(editor.saved, timeout=5000):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert not editor.isVisible() and problem_boxes() == []

    qtbot.waitUntil(lambda: "Southwark Drug and Alcohol Service" in names(window), timeout=5000)
    assert DRUG_SERVICE not in names(window)
    assert window.current_detail().name == "Southwark Drug and Alcohol Service"
    assert "Southwark Drug and Alcohol Service" in window.detail_pane.browser.toPlainText()

    menu_action(window, "&Service", "Change &history…").trigger()
    qtbot.waitUntil(lambda: any(d.entries for d in dialogs(HistoryDialog)), timeout=5000)
    (history,) = dialogs(HistoryDialog)
    changes = {(who, what, field, before, after) for _when, who, what, field, before, after in history.rows()}
    assert changes == {
        ("Tess Tester", "Edited", "Name", DRUG_SERVICE, "Southwark Drug and Alcohol Service"),
        ("Tess Tester", "Edited", "Need types", "drug-treatment", "drug-treatment, harm-reduction"),
    }
    history.close()


def test_mark_verified_shows_in_the_row_and_the_detail_pane(qtbot, steward_window):
    window = steward_window
    settle(qtbot, window)
    assert badge_texts(window, CHEMSEX)[0] == "Stale — last checked 2 Jun 2024"
    click_result(qtbot, window, CHEMSEX)
    assert "Stale — last checked 2 June 2024" in window.detail_pane.browser.toPlainText()
    editor = open_editor_from_search_field(qtbot, window)
    retype(qtbot, editor.editor_name, "Tess Tester")
    with qtbot.waitSignal(editor.verified, timeout=5000):
        qtbot.mouseClick(editor.verify_button, Qt.MouseButton.LeftButton)
    assert editor.isVisible()  # Mark verified keeps the editor open
    assert "3 November 2026" in editor.assured.text()

    qtbot.waitUntil(lambda: badge_texts(window, CHEMSEX)[0] == "Verified 3 Nov 2026", timeout=5000)
    qtbot.waitUntil(lambda: "Verified 3 November 2026" in window.detail_pane.browser.toPlainText(), timeout=5000)
    editor.close()


def test_retire_from_the_editor_takes_the_service_out_of_the_results(qtbot, steward_window, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    window = steward_window
    settle(qtbot, window)
    click_result(qtbot, window, CHEMSEX)
    editor = open_editor_from_search_field(qtbot, window)
    retype(qtbot, editor.editor_name, "Tess Tester")
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("Closed in October 2026", True)))
    with qtbot.waitSignal(editor.retired, timeout=5000):
        qtbot.mouseClick(editor.retire_button, Qt.MouseButton.LeftButton)
    assert not editor.isVisible()
    qtbot.waitUntil(lambda: CHEMSEX not in names(window), timeout=5000)
    assert DRUG_SERVICE in names(window)


def test_add_a_service_from_the_menu(qtbot, steward_window):
    from ketdir.gui.service_editor import ServiceEditor

    window = steward_window
    settle(qtbot, window)
    menu_action(window, "&Service", "&Add a service…").trigger()
    qtbot.waitUntil(lambda: len(dialogs(ServiceEditor)) == 1, timeout=5000)
    (editor,) = dialogs(ServiceEditor)
    assert editor.windowTitle() == "Add a service" and editor.name.text() == ""
    retype(qtbot, editor.editor_name, "Tess Tester")
    qtbot.keyClicks(editor.name, "Croydon Chemsex Clinic")
    qtbot.mouseClick(editor.add_phone_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(editor.phone_rows[0].number, "0300 123 4444")
    tick_need(qtbot, editor, "chemsex")
    with qtbot.waitSignal(editor.saved, timeout=5000):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Croydon Chemsex Clinic" in names(window), timeout=5000)
    assert window.current_detail().name == "Croydon Chemsex Clinic"


class LineEditKeyScheme(QObject):
    """What Qt's line edit does with the key schemes of Linux desktops (X11, GNOME, KDE): it claims Ctrl+E
    (move to the end of the line) before any window shortcut sees it. The offscreen test platform uses
    another scheme, so the tests put this one back."""

    def eventFilter(self, watched, event):  # noqa: N802 (Qt API)
        if (event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_E
                and event.modifiers() == CTRL):
            event.accept()
            return True
        return False


def test_ctrl_e_works_from_the_search_field_with_a_linux_desktops_keys(qtbot, steward_window):
    window = steward_window
    settle(qtbot, window)
    click_result(qtbot, window, DRUG_SERVICE)
    scheme = LineEditKeyScheme(window)
    window.search_edit.installEventFilter(scheme)
    editor = open_editor_from_search_field(qtbot, window)
    assert editor.name.text() == DRUG_SERVICE
    editor.close()


def test_the_row_and_the_pane_agree_on_freshness_on_1_march_2028(qtbot, make_window, tmp_path):
    """2028 is a leap year: 365 days before 1 March 2028 is 2 March 2027, so the row once called a record
    checked on 1 March 2027 stale while the pane (12 calendar months) called it verified."""
    directory = build(tmp_path / "leap.db", [
        record("Checked A Year Ago", needs=("chemsex",), postcode="SE1 7AB", lat=51.4985, lon=-0.1004,
               phone="0300 123 4001", assured="2027-03-01"),
        record("Checked Longer Ago", needs=("chemsex",), postcode="SE1 7AB", lat=51.4985, lon=-0.1004,
               phone="0300 123 4002", assured="2027-02-28"),
    ])
    try:
        window = make_window(directory, now=dt.datetime(2028, 3, 1, 10, 0))
        settle(qtbot, window)
        assert badge_texts(window, "Checked A Year Ago")[0] == "Verified 1 Mar 2027"
        assert badge_texts(window, "Checked Longer Ago")[0] == "Stale — last checked 28 Feb 2027"
        click_result(qtbot, window, "Checked A Year Ago")
        assert "Verified 1 March 2027" in window.detail_pane.browser.toPlainText()
        click_result(qtbot, window, "Checked Longer Ago")
        assert "Stale — last checked 28 February 2027" in window.detail_pane.browser.toPlainText()
    finally:
        directory.close()


def test_service_menu_items_show_their_shortcuts(steward_window):
    menu = next(a.menu() for a in steward_window.menuBar().actions() if a.text() == "&Service")
    keys = {a.text().replace("&", ""): a.shortcut().toString() for a in menu.actions() if not a.isSeparator()}
    assert keys["Copy referral"] == "Ctrl+Shift+C"
    assert keys["Edit service…"] == "Ctrl+E"
    assert keys["Log referral…"] == "Ctrl+Shift+R"


def open_data_health(qtbot, window):
    from ketdir.gui.health_view import HealthView

    window.focus_search()
    qtbot.keyClick(window.search_edit, Qt.Key.Key_H, CTRL | SHIFT)
    qtbot.waitUntil(lambda: any(d.accessibleName() == "Data health" for d in dialogs(QDialog)), timeout=5000)
    (dialog,) = [d for d in dialogs(QDialog) if d.accessibleName() == "Data health"]
    return dialog, dialog.findChild(HealthView)


def test_data_health_runs_and_a_finding_opens_its_service(qtbot, steward_window):
    from ketdir.gui.service_editor import ServiceEditor

    window = steward_window
    settle(qtbot, window)
    dialog, view = open_data_health(qtbot, window)
    qtbot.waitUntil(lambda: view.report is not None, timeout=20000)
    assert not view.running and not view.progress.isVisible()
    assert "Checked 3 services on 3 November 2026" in view.summary.text()
    assert {f.service_name for f in view.report.findings} >= {BAD_NUMBER, CHEMSEX}

    view.set_check_filter("phone")
    view.table.setFocus()
    view.table.setCurrentIndex(view.proxy.index(0, 2))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(dialogs(ServiceEditor)) == 1, timeout=5000)
    (editor,) = dialogs(ServiceEditor)
    assert editor.service_id == stable_id("test", BAD_NUMBER)
    assert "not a valid phone number" in editor.errors_shown()["phones[0]"]  # the finding, ready to fix
    assert window.current_detail().name == BAD_NUMBER
    editor.close()
    dialog.close()


def test_stop_during_a_run_stops_it(qtbot, steward_window, monkeypatch):
    import ketdir.health.run as run_module

    started, release = threading.Event(), threading.Event()
    real_gather = run_module.gather

    def gather_when_released(*args, **kwargs):  # holds the run in its first step until the test says
        started.set()
        release.wait(10)
        return real_gather(*args, **kwargs)

    monkeypatch.setattr(run_module, "gather", gather_when_released)
    window = steward_window
    settle(qtbot, window)
    dialog, view = open_data_health(qtbot, window)
    assert started.wait(5)
    assert view.running and view.progress.isVisible() and view.stop_button.isEnabled()
    qtbot.mouseClick(view.stop_button, Qt.MouseButton.LeftButton)
    assert view.progress.format() == "Stopping…"
    release.set()
    qtbot.waitUntil(lambda: not view.running, timeout=5000)
    assert not view.progress.isVisible() and view.run_button.isEnabled()
    assert view.summary.text().startswith("The checks were stopped. Nothing was changed.")
    assert view.model.rowCount() == 0 and problem_boxes() == []

    with qtbot.waitSignal(view.finished, timeout=20000):  # and it runs again when asked
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    assert view.model.rowCount() > 0
    dialog.close()


def fail_fast(directory) -> None:
    """Wait 0.1 s, not 3 s, for another program's lock (the test's only concession to time)."""
    from sqlalchemy import event

    event.listen(directory.engine, "connect", lambda conn, _record: conn.execute("PRAGMA busy_timeout = 100"))
    directory.engine.dispose()


def test_a_locked_database_stops_the_spinner_and_says_so(qtbot, steward_window, steward_directory):
    window = steward_window
    settle(qtbot, window)
    fail_fast(steward_directory)
    holder = sqlite3.connect(steward_directory.url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")  # another program has the file to itself
    holder.execute("BEGIN EXCLUSIVE")
    try:
        dialog, view = open_data_health(qtbot, window)
        qtbot.waitUntil(lambda: len(problem_boxes()) == 1, timeout=10000)
        assert not view.running and not view.progress.isVisible() and view.run_button.isEnabled()
        (box,) = problem_boxes()
        assert "locked by another program" in box.informativeText()
        assert "locked by another program" in view.summary.text()
        box.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with qtbot.waitSignal(view.finished, timeout=20000):  # the lock has gone: Run works
        qtbot.mouseClick(view.run_button, Qt.MouseButton.LeftButton)
    dialog.close()


def test_a_read_only_database_gives_a_message_and_keeps_the_edits(qtbot, steward_window, steward_directory,
                                                                  monkeypatch):
    window = steward_window
    settle(qtbot, window)
    click_result(qtbot, window, DRUG_SERVICE)
    editor = open_editor_from_search_field(qtbot, window)
    retype(qtbot, editor.editor_name, "Tess Tester")
    retype(qtbot, editor.fees, "£5 a session")
    refuse_writes(steward_directory)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(problem_boxes()) == 1, timeout=5000)
    (box,) = problem_boxes()
    assert "read-only" in box.informativeText()
    assert editor.isVisible() and not editor.busy and editor.fees.text() == "£5 a session"
    box.close()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    editor.close()  # "Discard your changes?" — yes
