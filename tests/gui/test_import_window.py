"""File › Import a directory… as a person does it in the real window: Ctrl+I, choose a file, Check, Import,
read the result, find the new service in the results. And the bundled training directory refuses imports
here exactly as it does on the command line (one policy, in ketdir.app.imports)."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from helpers import names, settle, type_into

SERVICE_ID = "5b3f2e0a-9c1d-4e7f-8a2b-3c4d5e6f7a8b"


def small_hsds_file(tmp_path: Path) -> Path:
    """One HSDS 3.0 service with its organisation, as an API's service endpoint returns it."""
    service = {
        "id": SERVICE_ID, "name": "Harbour Ketamine Support", "status": "active",
        "description": "Drop-in advice on ketamine and bladder health.", "assured_date": "2026-10-01",
        "organization": {"id": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "name": "Harbour Trust",
                         "description": "A local charity."},
        "phones": [{"id": "7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a", "number": "0117 496 0123"}],
    }
    path = tmp_path / "harbour.json"
    path.write_text(json.dumps(service), encoding="utf-8")
    return path


def open_dialog_with_ctrl_i(qtbot, window):
    from ketdir.gui.import_dialog import ImportDialog

    settle(qtbot, window)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    dialogs = [d for d in window.findChildren(ImportDialog) if d.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def choose_file(qtbot, dialog, monkeypatch, path: Path) -> None:
    """The person picks the file in the system's file chooser (replaced here: it would wait for a person)."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    qtbot.mouseClick(dialog.file_button, Qt.MouseButton.LeftButton)
    assert dialog.path_edit.text() == str(path)


def test_import_a_small_hsds_file_from_the_file_menu(qtbot, window, tmp_path, monkeypatch):
    assert "Harbour Ketamine Support" not in names(window)
    dialog = open_dialog_with_ctrl_i(qtbot, window)
    choose_file(qtbot, dialog, monkeypatch, small_hsds_file(tmp_path))

    with qtbot.waitSignal(dialog.checked, timeout=30000):
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    plan = dialog.plan_text.toPlainText()
    assert "Services: 1 new, 0 changed" in plan and "New: Harbour Ketamine Support" in plan
    assert dialog.status.text().startswith("Ready to import")
    assert dialog.import_button.isEnabled()

    with qtbot.waitSignal(dialog.imported, timeout=60000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text().startswith("Imported “harbour” into") and "1 new" in dialog.status.text()
    assert dialog.progress.value() == dialog.progress.maximum()
    assert not dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)

    type_into(qtbot, window.search_edit, "harbour")
    settle(qtbot, window)
    assert names(window) == ["Harbour Ketamine Support"]


def import_in_the_window(qtbot, window, monkeypatch, path: Path) -> tuple[str, str]:
    """Ctrl+I, choose the file, Check, Import, Close: (what the check said, what the import said)."""
    window.activateWindow()  # back to the window after an earlier dialog, as a person clicks on it
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    dialog = open_dialog_with_ctrl_i(qtbot, window)
    choose_file(qtbot, dialog, monkeypatch, path)
    with qtbot.waitSignal(dialog.checked, timeout=30000):
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    plan = dialog.plan_text.toPlainText()
    with qtbot.waitSignal(dialog.imported, timeout=60000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    status = dialog.status.text()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    return plan, status


def test_a_service_the_source_no_longer_lists_is_retired_and_leaves_the_results(qtbot, window, tmp_path,
                                                                                 monkeypatch):
    feed = tmp_path / "harbour-feed.json"
    harbour = json.loads(small_hsds_file(tmp_path).read_text(encoding="utf-8"))
    lighthouse = {"id": "6c4a3f1b-0d2e-4f80-9b3c-4d5e6f7a8b9c", "name": "Lighthouse Ketamine Clinic",
                  "status": "active", "description": "Bladder clinic for people who use ketamine.",
                  "assured_date": "2026-10-01"}
    feed.write_text(json.dumps([harbour, lighthouse]), encoding="utf-8")
    import_in_the_window(qtbot, window, monkeypatch, feed)
    type_into(qtbot, window.search_edit, "lighthouse")
    settle(qtbot, window)
    assert names(window) == ["Lighthouse Ketamine Clinic"]

    feed.write_text(json.dumps([harbour]), encoding="utf-8")  # the source no longer lists the clinic
    plan, status = import_in_the_window(qtbot, window, monkeypatch, feed)
    assert "1 retired (no longer in the source)" in plan and "Retired: Lighthouse Ketamine Clinic" in plan
    assert "leave search and the API, and keep their record and history" in plan
    assert "0 new, 0 updated, 1 retired (no longer in the source)" in status
    qtbot.keyClick(window.search_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_into(qtbot, window.search_edit, "lighthouse")  # the same search again
    settle(qtbot, window)
    assert names(window) == []


def test_stop_during_the_import_changes_nothing(qtbot, window, tmp_path, monkeypatch):
    dialog = open_dialog_with_ctrl_i(qtbot, window)
    choose_file(qtbot, dialog, monkeypatch, small_hsds_file(tmp_path))
    with qtbot.waitSignal(dialog.checked, timeout=30000):
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.cancelled, timeout=30000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)  # before its first step: stops there
    assert dialog.status.text() == "Stopped. Nothing was changed."
    assert dialog.import_button.isEnabled() and dialog.close_button.isEnabled()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, window.search_edit, "harbour")
    settle(qtbot, window)
    assert names(window) == []


def test_a_locked_directory_is_a_message_and_nothing_changes(qtbot, window, directory, tmp_path, monkeypatch):
    dialog = open_dialog_with_ctrl_i(qtbot, window)
    choose_file(qtbot, dialog, monkeypatch, small_hsds_file(tmp_path))
    with qtbot.waitSignal(dialog.checked, timeout=30000):
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    other = sqlite3.connect(directory.url.removeprefix("sqlite:///"))  # another program writing
    other.execute("BEGIN IMMEDIATE")
    try:
        with qtbot.waitSignal(dialog.failed, timeout=30000):
            qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    finally:
        other.rollback()
        other.close()
    boxes = [w for w in dialog.findChildren(QMessageBox) if w.objectName() == "problemBox" and w.isVisible()]
    assert len(boxes) == 1 and "locked by another program" in boxes[0].informativeText()
    assert "Nothing was changed" in boxes[0].informativeText()
    boxes[0].close()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, window.search_edit, "harbour")
    settle(qtbot, window)
    assert names(window) == []


@pytest.fixture
def bundled_window(make_window):
    from ketdir.app import open_directory
    from ketdir.paths import bundled_db

    directory = open_directory(bundled_db())
    yield make_window(directory)
    directory.close()


def test_the_bundled_directory_is_checked_but_never_imported_into(qtbot, bundled_window, tmp_path, monkeypatch):
    from ketdir.paths import bundled_db

    before = bundled_db().read_bytes()
    dialog = open_dialog_with_ctrl_i(qtbot, bundled_window)
    assert "bundled training directory" in dialog.status.text()  # said before any work
    choose_file(qtbot, dialog, monkeypatch, small_hsds_file(tmp_path))
    with qtbot.waitSignal(dialog.checked, timeout=30000):
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert "1 new" in dialog.plan_text.toPlainText()  # what it would do is still shown
    assert "bundled training directory" in dialog.status.text()
    assert not dialog.import_button.isEnabled()
    dialog.start_import()  # even asked directly, nothing starts
    assert not dialog.busy
    dialog.close()
    assert bundled_db().read_bytes() == before
