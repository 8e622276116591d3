"""The shortlist panel, driven like a person would: add, reorder by keyboard, remove, clear, copy, print, QR.
Services are read off the UI thread, so the tests wait for what a person would see."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from referral_data import BLADDER, CHEMLINE, DEMO, NOW
from referral_helpers import digits, pdf_pages_text, qr_texts
from ketdir.gui.shortlist_panel import ADD_TO_SHORTLIST_SHORTCUT, ShortlistPanel
from ketdir.referral.shortlist import Shortlist


@pytest.fixture
def directory(sqlite_directory):
    """The window tests run on a SQLite file (the directory logic is tested on both backends elsewhere)."""
    return sqlite_directory


@pytest.fixture
def make_panel(qtbot, directory, tmp_path):
    def make(path=tmp_path / "shortlist.json"):
        panel = ShortlistPanel(directory, Shortlist.load(path, database_url=directory.url), clock=lambda: NOW)
        qtbot.addWidget(panel)
        panel.show()
        qtbot.waitExposed(panel)
        qtbot.waitUntil(lambda: not panel.busy)
        return panel
    return make


def names(panel) -> list[str]:
    return [panel.list.item(i).text().split("\n")[0] for i in range(panel.list.count())]


def add(qtbot, panel, *service_ids) -> None:
    """Add by id, as the panel does when it is given no details: read, then listed."""
    for service_id in service_ids:
        with qtbot.waitSignal(panel.changed):
            assert panel.add_service(service_id) is None, "read first"


def test_add_no_duplicates_and_the_list_shows_name_number_and_demo(make_panel, qtbot):
    panel = make_panel()
    assert panel.empty.isVisible() and not panel.copy_button.isEnabled()
    with qtbot.waitSignal(panel.notice) as notice:
        assert panel.add_service(BLADDER) is None
    assert notice.args[0].startswith("Added to the shortlist: Riverside Bladder Clinic")
    add(qtbot, panel, DEMO, CHEMLINE)
    with qtbot.waitSignal(panel.notice) as notice:
        assert panel.add_service(DEMO) is False
    assert notice.args[0] == "That service is already on the shortlist."
    with qtbot.waitSignal(panel.notice) as notice:
        panel.add_service("no-such-service")
    assert notice.args[0] == "That service is no longer in the directory."
    assert names(panel) == ["1. Riverside Bladder Clinic", "2. Demo Drop-in", "3. Chem Line"]
    assert "DEMO — not a real service" in panel.list.item(1).text()
    assert "0300 123 4567 (unverified)" in panel.list.item(2).text()
    assert panel.title.text() == "<b>Shortlist</b> (3)" and not panel.empty.isVisible()
    assert ADD_TO_SHORTLIST_SHORTCUT == "Ctrl+D"


def test_reorder_and_remove_with_the_keyboard_and_it_survives_a_restart(make_panel, qtbot, tmp_path):
    panel = make_panel()
    add(qtbot, panel, BLADDER, DEMO, CHEMLINE)
    panel.list.setFocus()
    panel.list.setCurrentRow(2)
    qtbot.keyClick(panel.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert panel.service_ids() == [BLADDER, CHEMLINE, DEMO] and panel.current_id() == CHEMLINE
    qtbot.keyClick(panel.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert panel.service_ids() == [CHEMLINE, BLADDER, DEMO]
    assert not panel.up_button.isEnabled()
    qtbot.mouseClick(panel.down_button, Qt.MouseButton.LeftButton)
    assert panel.service_ids() == [BLADDER, CHEMLINE, DEMO]
    panel.list.setFocus()
    panel.list.setCurrentRow(2)
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert panel.service_ids() == [BLADDER, CHEMLINE] and panel.current_id() == CHEMLINE

    again = make_panel()  # the same file: a panel told to keep its list
    assert again.service_ids() == [BLADDER, CHEMLINE] and again.keep_box.isChecked()
    assert names(again) == ["1. Riverside Bladder Clinic", "2. Chem Line"]


def test_clear_asks_first(make_panel, qtbot):
    panel = make_panel()
    add(qtbot, panel, BLADDER, DEMO)
    questions = []
    panel.confirm = lambda q: questions.append(q) or False
    panel.clear_button.click()
    assert panel.service_ids() == [BLADDER, DEMO] and questions == ["Remove all 2 services from the shortlist?"]
    panel.confirm = lambda q: True
    panel.clear_button.click()
    assert panel.service_ids() == [] and panel.empty.isVisible()
    assert make_panel().service_ids() == []


def test_services_gone_from_the_directory_are_dropped_with_a_notice(directory, qtbot, tmp_path):
    path = tmp_path / "s.json"
    saved = Shortlist.load(path, database_url=directory.url)
    saved.add(BLADDER)
    saved.add("deleted-since")
    notices = []
    panel = ShortlistPanel(directory, Shortlist.load(path, database_url=directory.url), clock=lambda: NOW)
    panel.notice.connect(notices.append)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: not panel.busy)
    assert panel.service_ids() == [BLADDER] and names(panel) == ["1. Riverside Bladder Clinic"]
    assert notices == ["1 service on the shortlist is no longer in the directory and was removed from the shortlist."]
    assert Shortlist.load(path, database_url=directory.url).ids == [BLADDER]


def test_copy_all_as_a_text_message_or_a_case_note(make_panel, qtbot):
    panel = make_panel()
    add(qtbot, panel, BLADDER, CHEMLINE)
    with qtbot.waitSignal(panel.notice) as notice:
        panel.copy_button.click()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("1) Riverside Bladder Clinic\nTel 020 7946 0101\n")
    assert "2) Chem Line\nTel 0300 123 4567 (unverified - check)" in text
    assert "1 text" in notice.args[0] or "2 texts" in notice.args[0]
    assert panel.sms_label.text().startswith("Text message:")
    with qtbot.waitSignal(panel.copied):
        panel.copy_note_action.trigger()
    note = QGuiApplication.clipboard().text()
    assert "How to refer: GP referral needed. Bring a list of your medicines." in note
    assert "Phone: 0300 123 4567 — unverified — check before giving out" in note


def test_show_qr_decodes_to_the_number_on_screen(make_panel, qtbot):
    panel = make_panel()
    add(qtbot, panel, BLADDER, CHEMLINE)
    panel.list.setCurrentRow(1)
    with qtbot.waitSignal(panel.dialog_opened) as opened:
        panel.qr_button.click()
    dialog = opened.args[0]
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    assert dialog.name_label.text() == "Chem Line"
    assert dialog.phone_label.text() == "0300 123 4567"
    assert dialog.unverified_label.isVisible() and "check before giving out" in dialog.unverified_label.text()
    grab = dialog.qr_widget.grab().toImage()
    [text] = qr_texts(grab)
    assert "TEL:03001234567" in text
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Left)
    assert dialog.name_label.text() == "Riverside Bladder Clinic"
    [text] = qr_texts(dialog.qr_widget.grab().toImage())
    assert "02079460101" in digits(text)
    dialog.resize(300, 400)
    qtbot.waitUntil(lambda: dialog.qr_widget.width() < 300)
    assert qr_texts(dialog.qr_widget.grab().toImage()), "still readable when small"


def test_print_slip_dialog_saves_a_pdf(make_panel, qtbot, tmp_path):
    panel = make_panel()
    add(qtbot, panel, BLADDER, DEMO)
    with qtbot.waitSignal(panel.dialog_opened) as opened:
        panel.print_button.click()
    dialog = opened.args[0]
    qtbot.addWidget(dialog)
    assert dialog.pages_label.text().startswith("1 page")
    dialog.a6.setChecked(True)
    assert dialog.pages_label.text() == "2 pages (A6)"
    dialog.choose_pdf_path = lambda: str(tmp_path / "cards")
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.pdf_button.click()
    assert saved.args[0].endswith("cards.pdf")
    [box] = dialog.findChildren(QMessageBox, "savedBox")
    assert box.text() == "Slip saved to cards.pdf" and box.informativeText() == f"Folder: {tmp_path.resolve()}"
    box.close()
    texts = pdf_pages_text(tmp_path / "cards.pdf")
    assert len(texts) == 2 and "Riverside Bladder Clinic" in texts[0] and "Demo Drop-in" in texts[1]
