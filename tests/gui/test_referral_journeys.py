"""Referrals as a person works through them in the real window: select a service, log the referral
(Ctrl+Shift+R), see it in Referrals › Statistics… and export the table; save a slip (Ctrl+P); gather a
shortlist (Ctrl+D) that a restart does not bring back unless asked to; set how long the log is kept. A
read-only or locked database gives a message and loses nothing."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from helpers import settle, type_into
from ketdir.app import referrals
from ketdir.gui.results_model import HIT, Role
from servicedb import NOW, SERVICES
from tests.backends import refuse_writes
from tests.db_faults import write_locked

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
RIVERSIDE = next(s for s in SERVICES if s.name == "Riverside Bladder Clinic")
BOROUGH = next(s for s in SERVICES if s.name == "Borough Drug and Alcohol Service")


def open_windows(kind) -> list:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def boxes(name: str) -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.objectName() == name
            and w.isVisible()]


def menu_action(window, menu: str, item: str):
    [top] = [a for a in window.menuBar().actions() if a.text() == menu]
    [action] = [a for a in top.menu().actions() if a.text() == item]
    return action


def click_result(qtbot, window, name: str) -> str:
    """Click the service's row, as a person does, and wait for its details; returns its id."""
    model, view = window.model, window.results_view
    [index] = [model.index(r, 0) for r in range(model.rowCount())
               if model.index(r, 0).data(Role.Kind) == HIT and model.index(r, 0).data(Role.Name) == name]
    view.scrollTo(index)
    with qtbot.waitSignal(window.detail_shown, timeout=5000) as shown:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    return shown.args[0]


def search_near(qtbot, window, words: str, place: str) -> None:
    type_into(qtbot, window.place_bar.place_edit, place)
    qtbot.keyClick(window.place_bar.place_edit, Qt.Key.Key_Return)
    settle(qtbot, window)
    type_into(qtbot, window.search_edit, words)
    settle(qtbot, window)


def log_dialog(qtbot, window):
    from ketdir.gui.log_referral_dialog import LogReferralDialog

    qtbot.keyClick(window.search_edit, Qt.Key.Key_R, CTRL_SHIFT)
    qtbot.waitUntil(lambda: len(open_windows(LogReferralDialog)) == 1)
    [dialog] = open_windows(LogReferralDialog)
    qtbot.waitUntil(lambda: dialog.is_ready)
    return dialog


def close_all(kind) -> None:
    for widget in open_windows(kind):
        widget.close()


# ------------------------------------------------------------------------------------------- log and stats


def test_log_a_referral_then_count_it_and_export_the_table(qtbot, make_window, directory, tmp_path):
    from ketdir.gui.stats_view import StatsDialog

    window = make_window(directory)
    search_near(qtbot, window, "bladder", "SE1 7TP")
    assert click_result(qtbot, window, RIVERSIDE.name) == RIVERSIDE.id
    dialog = log_dialog(qtbot, window)
    assert dialog.chosen_services() == [RIVERSIDE.id]
    assert dialog.district.text() == "SE1", "the place typed, kept as its district only"
    qtbot.mouseClick(dialog.channel_buttons["outreach"], Qt.MouseButton.LeftButton)
    dialog.outcome.setFocus()
    qtbot.keyClick(dialog.outcome, Qt.Key.Key_Down)
    assert dialog.chosen_outcome() == "referred"
    with qtbot.waitSignal(dialog.logged):
        qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert window.status_notice.text() == "Referral logged (1 service in SE1). Thank you."

    menu_action(window, "&Referrals", "&Statistics…").trigger()
    qtbot.waitUntil(lambda: len(open_windows(StatsDialog)) == 1)
    [stats] = open_windows(StatsDialog)
    view = stats.view
    qtbot.waitUntil(lambda: view.settled and view.stats is not None)
    assert "1 referral" in view.total_label.text()
    view.grouping.setCurrentIndex(view.grouping.findData("service"))
    qtbot.waitUntil(lambda: view.settled and view.stats.by == "service")
    table = [(view.model.index(r, 0).data(), view.model.index(r, 1).data()) for r in range(view.model.rowCount())]
    assert table == [(RIVERSIDE.name, "1")]

    view.choose_csv_path = lambda: str(tmp_path / "for-the-funder")  # what the save dialog would return
    qtbot.mouseClick(view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(boxes("savedBox")) == 1)
    [box] = boxes("savedBox")
    assert box.text() == "Statistics saved to for-the-funder.csv"
    assert box.informativeText() == f"Folder: {tmp_path.resolve()}"
    assert [b.text() for b in box.buttons() if b.text() == "Open folder"]
    assert (tmp_path / "for-the-funder.csv").read_text().splitlines() == [
        "service_id,service,referrals", f"{RIVERSIDE.id},{RIVERSIDE.name},1"]
    box.close()
    stats.close()


def test_an_export_that_cannot_be_written_says_why(qtbot, make_window, directory, tmp_path):
    from ketdir.gui.stats_view import StatsDialog

    referrals.log_referral(directory, [BOROUGH.id], ["drug-treatment"], "SE1", "phone", at=NOW)
    window = make_window(directory)
    menu_action(window, "&Referrals", "&Statistics…").trigger()
    qtbot.waitUntil(lambda: len(open_windows(StatsDialog)) == 1)
    [stats] = open_windows(StatsDialog)
    qtbot.waitUntil(lambda: stats.view.settled and stats.view.export_button.isEnabled())
    stats.view.choose_csv_path = lambda: str(tmp_path / "gone" / "table.csv")
    qtbot.mouseClick(stats.view.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(boxes("problemBox")) == 1)
    [box] = boxes("problemBox")
    assert box.windowTitle() == "The table was not exported" and "does not exist" in box.informativeText()
    box.close()
    stats.close()


# ------------------------------------------------------------------------------------------- the slip


def test_ctrl_p_saves_a_slip_and_says_where_it_went(qtbot, window, tmp_path):
    from ketdir.gui.slip_dialog import SlipDialog

    settle(qtbot, window)
    click_result(qtbot, window, BOROUGH.name)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: len(open_windows(SlipDialog)) == 1)
    [slip] = open_windows(SlipDialog)
    slip.choose_pdf_path = lambda: str(tmp_path / "slip for Sam")  # what the save dialog would return
    with qtbot.waitSignal(slip.saved):
        qtbot.mouseClick(slip.pdf_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(boxes("savedBox")) == 1)
    [box] = boxes("savedBox")
    assert box.text() == "Slip saved to slip for Sam.pdf" and box.informativeText() == f"Folder: {tmp_path.resolve()}"
    saved = tmp_path / "slip for Sam.pdf"
    assert saved.read_bytes().startswith(b"%PDF") and saved.stat().st_size > 1000
    box.close()
    slip.close()


# ------------------------------------------------------------------------------------------- the shortlist


@pytest.fixture
def profile(tmp_path, monkeypatch):
    """The person's own settings and shortlist, in a folder that outlives each window (a restart)."""
    folder = tmp_path / "profile"
    monkeypatch.setenv("KETDIR_PROFILE", str(folder))
    return folder


def restart(qtbot, make_window, directory, old):
    old.close()
    return make_window(directory)


def test_a_restart_starts_with_an_empty_shortlist_unless_the_person_keeps_it(qtbot, make_window, directory, profile):
    window = make_window(directory)
    settle(qtbot, window)
    click_result(qtbot, window, RIVERSIDE.name)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_D, CTRL)
    panel, dock = window.menus.shortlist, window.menus.shortlist_dock
    assert dock.isVisible() and panel.service_ids() == [RIVERSIDE.id]
    assert panel.list.item(0).text().startswith(f"1. {RIVERSIDE.name}")
    assert not panel.keep_box.isChecked(), "off unless the person turns it on"

    window = restart(qtbot, make_window, directory, window)
    panel, dock = window.menus.shortlist, window.menus.shortlist_dock
    assert panel.service_ids() == [] and not dock.isVisible(), "the last caller's services do not come back"
    assert not (profile / "shortlist.json").exists() or RIVERSIDE.id not in (profile / "shortlist.json").read_text()

    # the person asks for the list to be kept
    click_result(qtbot, window, BOROUGH.name)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_D, CTRL)
    qtbot.mouseClick(panel.keep_box, Qt.MouseButton.LeftButton)
    assert panel.keep_box.isChecked()
    assert window.status_notice.text() == "The shortlist will come back when ketdir starts again."

    window = restart(qtbot, make_window, directory, window)
    panel, dock = window.menus.shortlist, window.menus.shortlist_dock
    qtbot.waitUntil(lambda: not panel.busy)
    assert panel.service_ids() == [BOROUGH.id] and dock.isVisible() and panel.keep_box.isChecked()
    assert panel.list.item(0).text().startswith(f"1. {BOROUGH.name}")

    # and turns it off again: the list is forgotten on disk, and the next start is clean
    qtbot.mouseClick(panel.keep_box, Qt.MouseButton.LeftButton)
    assert BOROUGH.id not in (profile / "shortlist.json").read_text()
    window = restart(qtbot, make_window, directory, window)
    assert window.menus.shortlist.service_ids() == [] and not window.menus.shortlist_dock.isVisible()


def test_new_caller_can_empty_the_shortlist_without_asking(qtbot, window):
    settle(qtbot, window)
    click_result(qtbot, window, RIVERSIDE.name)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_D, CTRL)
    panel = window.menus.shortlist
    asked = []
    panel.confirm = lambda question: asked.append(question) or True
    assert panel.clear(confirm=False) and asked == [] and panel.service_ids() == []
    assert panel.empty.isVisible()


# ------------------------------------------------------------------------------------------- retention


def test_keep_the_log_for_sets_the_period_applied_at_the_next_start(qtbot, make_window, directory):
    from ketdir.gui.retention import RetentionDialog

    now = dt.datetime.now()
    referrals.log_referral(directory, [RIVERSIDE.id], [], "SE1", "phone", at=now - dt.timedelta(days=3 * 366))
    referrals.log_referral(directory, [RIVERSIDE.id], [], "SE1", "phone", at=now)
    window = make_window(directory)
    menu_action(window, "&Referrals", "&Keep the log for…").trigger()
    qtbot.waitUntil(lambda: len(open_windows(RetentionDialog)) == 1)
    [dialog] = open_windows(RetentionDialog)
    qtbot.waitUntil(lambda: dialog.months.isEnabled())
    assert dialog.months.text() == "Keep everything"
    qtbot.keyClicks(dialog.months, "12")
    qtbot.keyClick(dialog.months, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert window.status_notice.text().startswith("The referral log is kept for 12 months")
    assert referrals.retention_period(directory) == 12

    window = restart(qtbot, make_window, directory, window)
    qtbot.waitUntil(lambda: window.status_notice.text().startswith("Deleted 1 referral-log entry older than 12 months"))
    assert referrals.referral_stats(directory, "need").referrals == 1


# ------------------------------------------------------------------------------------------- when writing fails


def test_a_read_only_database_keeps_the_form_and_says_why(qtbot, make_window, directory):
    from ketdir.gui.retention import RetentionDialog

    window = make_window(directory)
    search_near(qtbot, window, "bladder", "SE1 7TP")
    click_result(qtbot, window, RIVERSIDE.name)
    refuse_writes(directory)
    dialog = log_dialog(qtbot, window)
    qtbot.mouseClick(dialog.channel_buttons["other"], Qt.MouseButton.LeftButton)
    qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "read-only" in dialog.error.text() and "nothing was changed" in dialog.error.text()
    assert dialog.isVisible() and dialog.ok_button.isEnabled()
    assert (dialog.chosen_services(), dialog.district.text(), dialog.chosen_channel()) == (
        [RIVERSIDE.id], "SE1", "other"), "nothing the person chose is lost"
    assert referrals.referral_stats(directory, "need").referrals == 0
    dialog.close()

    menu_action(window, "&Referrals", "&Keep the log for…").trigger()
    qtbot.waitUntil(lambda: len(open_windows(RetentionDialog)) == 1)
    [retention] = open_windows(RetentionDialog)
    qtbot.waitUntil(lambda: retention.months.isEnabled())
    retention.months.setValue(6)
    qtbot.keyClick(retention.months, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: retention.error.isVisible())
    assert "read-only" in retention.error.text() and retention.isVisible() and retention.months.value() == 6
    retention.close()


def test_a_locked_database_says_so_and_logs_once_it_is_free(qtbot, make_window, directory):
    window = make_window(directory)
    settle(qtbot, window)
    click_result(qtbot, window, BOROUGH.name)
    dialog = log_dialog(qtbot, window)
    with write_locked(directory):
        qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10000)
    assert "locked by another program" in dialog.error.text() and dialog.isVisible()
    with qtbot.waitSignal(dialog.logged):
        qtbot.keyClick(dialog.ok_button, Qt.Key.Key_Return)
    assert referrals.referral_stats(directory, "service").rows[0].label == BOROUGH.name
