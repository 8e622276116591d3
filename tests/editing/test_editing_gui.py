"""The service editor and history dialogs, driven like a person would. Their work runs through a Worker,
so each test waits for what a person would wait for: the dialog closing, a message, the form refilled.
(The path from the main window's menu is tests/gui/test_stewardship_journeys.py.)"""
from __future__ import annotations

import dataclasses

import pytest
from edit_helpers import EXISTING, EXISTING_ID, NOW, TODAY

from ketdir.app.editing import load_service
from ketdir.editing import history, load_draft, update_service
from ketdir.store.models import Service

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402


@pytest.fixture
def directory(sqlite_directory):
    """The window tests run on a SQLite file; the service layer under them runs on both backends
    (test_editing_service.py)."""
    return sqlite_directory


@pytest.fixture
def make_editor(qtbot, directory):
    from ketdir.gui.service_editor import ServiceEditor

    def make(service_id=EXISTING_ID, editor_name="Tess Tester"):
        loaded = load_service(directory, service_id) if service_id else None
        dialog = ServiceEditor(directory, loaded, editor_name=editor_name, today=lambda: TODAY)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    """Closing a changed form at the end of a test discards it (the question would wait for a click)."""
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))


def problem_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == "problemBox" and w.isVisible()]


def finish(qtbot, dialog) -> None:
    """Wait for the save, retirement or reload the dialog is running."""
    qtbot.waitUntil(lambda: not dialog.busy, timeout=5000)


def retype(qtbot, widget, text):
    """Select what the field holds and type over it, as a person does."""
    widget.setFocus()
    qtbot.keyClick(widget, "a", modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Backspace)
    qtbot.keyClicks(widget, text)


def test_invalid_email_shows_a_message_and_disables_save(qtbot, make_editor, directory):
    dialog = make_editor()
    assert dialog.save_button.isEnabled()
    assert dialog.errors_shown() == {}
    retype(qtbot, dialog.email, "not-an-email")
    assert "not an email address" in dialog.errors_shown()["email"]
    assert not dialog.save_button.isEnabled()
    assert dialog.email.accessibleDescription().startswith("“not-an-email” is not an email address")

    retype(qtbot, dialog.email, "clinic@example.org")
    assert "email" not in dialog.errors_shown()
    assert dialog.save_button.isEnabled()

    with qtbot.waitSignal(dialog.saved, timeout=2000) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [EXISTING_ID]
    assert not dialog.isVisible()  # saved and closed
    with directory.session() as s:
        (row,) = history(s, EXISTING_ID)
        assert (row.field, row.new_value, row.editor, row.action) == ("email", "clinic@example.org", "Tess Tester",
                                                                       "edited")


def test_phone_and_postcode_messages_appear_as_you_type(qtbot, make_editor):
    dialog = make_editor()
    retype(qtbot, dialog.phone_rows[0].number, "0207 946")
    assert "not a valid phone number" in dialog.errors_shown()["phones[0]"]
    retype(qtbot, dialog.postcode, "SE1 7")
    assert "not a UK postcode" in dialog.errors_shown()["postal_code"]
    assert not dialog.save_button.isEnabled()
    retype(qtbot, dialog.phone_rows[0].number, "116 123")
    retype(qtbot, dialog.postcode, "SE1 7TP")
    assert dialog.errors_shown() == {}
    assert dialog.save_button.isEnabled()


def test_adding_a_service(qtbot, make_editor, directory):
    dialog = make_editor(service_id=None)
    assert dialog.errors_shown() == {}  # nothing touched yet: no shouting
    assert not dialog.save_button.isEnabled()
    assert "Enter the service's name" in dialog.problems.text() or "field" in dialog.problems.text()
    qtbot.keyClicks(dialog.name, "Croydon Chemsex Clinic")
    dialog.add_phone_button.click()
    qtbot.keyClicks(dialog.phone_rows[0].number, "0300 123 4444")
    item = next(dialog.needs.item(i) for i in range(dialog.needs.count())
                if dialog.needs.item(i).data(Qt.ItemDataRole.UserRole)
                == "chemsex")
    item.setCheckState(Qt.CheckState.Checked)
    assert dialog.save_button.isEnabled(), dialog.problems.text()
    with qtbot.waitSignal(dialog.saved, timeout=2000) as blocker:
        dialog.save_button.click()
    new_id = blocker.args[0]
    with directory.session() as s:
        assert s.get(Service, new_id).name == "Croydon Chemsex Clinic"
        assert {r.action for r in history(s, new_id)} == {"created"}
        assert {r.editor for r in history(s, new_id)} == {"Tess Tester"}
    assert problem_boxes() == []


def test_save_needs_the_editors_name(qtbot, make_editor):
    dialog = make_editor(editor_name="")
    assert not dialog.save_button.isEnabled()
    assert "Enter your name" in dialog.errors_shown()["editor"]
    qtbot.keyClicks(dialog.editor_name, "Sam")
    assert dialog.save_button.isEnabled()


def test_conflict_is_explained_and_the_form_is_kept(qtbot, make_editor, directory):
    dialog = make_editor()
    retype(qtbot, dialog.fees, "£10 a session")
    # Meanwhile, someone else saves the same service.
    with directory.session() as s:
        loaded = load_draft(s, EXISTING_ID)
    with directory.session() as s, s.begin():
        update_service(s, EXISTING_ID, dataclasses.replace(loaded.draft, description="Alice was here."),
                       loaded.version, "Alice", now=NOW)

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(problem_boxes()) == 1, timeout=5000)
    (box,) = problem_boxes()
    message = box.informativeText()
    assert message.startswith("This service was changed by Alice at ")
    assert message.endswith("Reload to see their changes. Your edits are still in the form.")
    assert dialog.isVisible()
    assert dialog.fees.text() == "£10 a session"  # nothing lost
    with directory.session() as s:
        assert load_draft(s, EXISTING_ID).draft.fees == "Free"  # and nothing overwritten

    reload = next(b for b in box.buttons() if b.text() == "Reload (keep my edits)")
    qtbot.mouseClick(reload, Qt.MouseButton.LeftButton)  # their description, my fees
    qtbot.waitUntil(lambda: dialog.description.toPlainText() == "Alice was here.", timeout=5000)
    finish(qtbot, dialog)
    assert dialog.fees.text() == "£10 a session"
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    with directory.session() as s:
        final = load_draft(s, EXISTING_ID).draft
        assert (final.description, final.fees) == ("Alice was here.", "£10 a session")


def test_a_read_only_database_gives_a_message_and_keeps_the_form(qtbot, make_editor, directory):
    from backends import refuse_writes

    dialog = make_editor()
    retype(qtbot, dialog.fees, "£3")
    refuse_writes(directory)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(problem_boxes()) == 1, timeout=5000)
    (box,) = problem_boxes()
    assert "read-only" in box.informativeText() and "Your edits are still in the form." in box.informativeText()
    assert not dialog.busy and dialog.save_button.isEnabled()  # the person can try again
    assert dialog.isVisible() and dialog.fees.text() == "£3"
    box.close()


def test_mark_verified(qtbot, make_editor, directory):
    dialog = make_editor()
    assert "10 January 2025" in dialog.assured.text()
    with qtbot.waitSignal(dialog.verified, timeout=2000):
        dialog.verify_button.click()
    assert "25 November 2026" in dialog.assured.text()
    assert dialog.isVisible()  # stays open
    with directory.session() as s:
        assert s.get(Service, EXISTING_ID).assured_date == TODAY
        (row,) = history(s, EXISTING_ID)
        assert row.action == "verified" and row.editor == "Tess Tester"
    # a second edit after verifying saves against the new version (no false conflict)
    retype(qtbot, dialog.fees, "Free for under 25s")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    assert problem_boxes() == []


def test_retire(qtbot, make_editor, directory):
    dialog = make_editor()
    with qtbot.waitSignal(dialog.retired, timeout=2000):
        assert dialog.retire_with_reason("Service closed in October 2026")
    with directory.session() as s:
        assert s.get(Service, EXISTING_ID).status == "inactive"


def test_cancel_with_changes_asks_first(qtbot, make_editor, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    dialog = make_editor()
    retype(qtbot, dialog.fees, "£1")
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel))
    dialog.reject()
    assert dialog.isVisible()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    dialog.reject()
    assert not dialog.isVisible()


def test_every_control_has_an_accessible_name(make_editor):
    from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QListWidget,
                                   QPlainTextEdit)

    dialog = make_editor()
    kinds = (QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QListWidget, QAbstractSpinBox)
    for kind in kinds:
        for widget in dialog.findChildren(kind):
            if (widget.window() is not dialog or isinstance(widget.parent(), (QAbstractSpinBox, QComboBox))
                    or widget.objectName().startswith("qt_")):
                continue  # Qt's own parts: a spin box's line edit, a combo box's pop-up
            assert widget.accessibleName(), (kind.__name__, widget.text() if hasattr(widget, "text") else widget)


def test_history_dialog_lists_changes(qtbot, make_editor, directory):
    from ketdir.gui.history_dialog import HistoryDialog

    dialog = make_editor()
    retype(qtbot, dialog.fees, "£2")
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save_button.click()
    history_dialog = HistoryDialog(directory, EXISTING_ID)
    qtbot.addWidget(history_dialog)
    qtbot.waitUntil(lambda: bool(history_dialog.entries), timeout=5000)
    (row,) = history_dialog.rows()
    when, who, what, field, before, after = row
    assert (who, what, field, before, after) == ("Tess Tester", "Edited", "Fees", "Free", "£2")
    assert " on 25 November 2026" in when or "2026" in when
    assert history_dialog.table.accessibleName() == "Changes"
    assert history_dialog.windowTitle() == f"Change history — {EXISTING}"


def test_history_of_a_service_without_changes_and_of_one_that_has_gone(qtbot, directory):
    from ketdir.gui.history_dialog import HistoryDialog

    quiet = HistoryDialog(directory, EXISTING_ID)
    qtbot.addWidget(quiet)
    with qtbot.waitSignal(quiet.loaded, timeout=5000):
        quiet.show()
    assert quiet.rows() == [] and not quiet.empty.isHidden()

    gone = HistoryDialog(directory, "nothing-here")
    qtbot.addWidget(gone)
    with qtbot.waitSignal(gone.failed, timeout=5000):
        gone.show()
    assert "There is no service with the id nothing-here" in gone.heading.text()
