"""The shortlist panel, driven like a person would: add, reorder by keyboard, remove, clear, copy, print, QR."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

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
        return panel
    return make


def names(panel) -> list[str]:
    return [panel.list.item(i).text().split("\n")[0] for i in range(panel.list.count())]


def test_add_no_duplicates_and_the_list_shows_name_number_and_demo(make_panel, qtbot):
    panel = make_panel()
    assert panel.empty.isVisible() and not panel.copy_button.isEnabled()
    with qtbot.waitSignal(panel.notice) as notice:
        assert panel.add_service(BLADDER)
    assert notice.args[0].startswith("Added to the shortlist: Riverside Bladder Clinic")
    assert panel.add_service(DEMO) and panel.add_service(CHEMLINE)
    with qtbot.waitSignal(panel.notice) as notice:
        assert not panel.add_service(DEMO)
    assert notice.args[0] == "That service is already on the shortlist."
    assert not panel.add_service("no-such-service")
    assert names(panel) == ["1. Riverside Bladder Clinic", "2. Demo Drop-in", "3. Chem Line"]
    assert "DEMO — not a real service" in panel.list.item(1).text()
    assert "0300 123 4567 (unverified)" in panel.list.item(2).text()
    assert panel.title.text() == "<b>Shortlist</b> (3)" and not panel.empty.isVisible()
    assert ADD_TO_SHORTLIST_SHORTCUT == "Ctrl+D"


def test_reorder_and_remove_with_the_keyboard_and_it_survives_a_restart(make_panel, qtbot, tmp_path):
    panel = make_panel()
    for i in (BLADDER, DEMO, CHEMLINE):
        panel.add_service(i)
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

    again = make_panel()
    assert again.service_ids() == [BLADDER, CHEMLINE]
    assert names(again) == ["1. Riverside Bladder Clinic", "2. Chem Line"]


def test_clear_asks_first(make_panel):
    panel = make_panel()
    panel.add_service(BLADDER)
    panel.add_service(DEMO)
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
    panel = ShortlistPanel(directory, Shortlist.load(path, database_url=directory.url), clock=lambda: NOW)
    qtbot.addWidget(panel)
    assert panel.service_ids() == [BLADDER]
    assert "no longer in the directory" in panel.take_notice()
    assert panel.take_notice() is None


def test_copy_all_as_a_text_message_or_a_case_note(make_panel, qtbot):
    panel = make_panel()
    for i in (BLADDER, CHEMLINE):
        panel.add_service(i)
    with qtbot.waitSignal(panel.notice) as notice:
        panel.copy_button.click()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("1) Riverside Bladder Clinic\nTel 020 7946 0101\n")
    assert "2) Chem Line\nTel 0300 123 4567 (unverified - check)" in text
    assert "1 text" in notice.args[0] or "2 texts" in notice.args[0]
    assert panel.sms_label.text().startswith("Text message:")
    panel.copy_note_action.trigger()
    note = QGuiApplication.clipboard().text()
    assert "How to refer: GP referral needed. Bring a list of your medicines." in note
    assert "Phone: 0300 123 4567 — unverified — check before giving out" in note


def test_show_qr_decodes_to_the_number_on_screen(make_panel, qtbot):
    panel = make_panel()
    panel.add_service(BLADDER)
    panel.add_service(CHEMLINE)
    panel.list.setCurrentRow(1)
    dialog = panel.open_qr_dialog()
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
    panel.add_service(BLADDER)
    panel.add_service(DEMO)
    dialog = panel.open_slip_dialog()
    qtbot.addWidget(dialog)
    assert dialog.pages_label.text().startswith("1 page")
    dialog.a6.setChecked(True)
    assert dialog.pages_label.text() == "2 pages (A6)"
    dialog.choose_pdf_path = lambda: str(tmp_path / "cards")
    with qtbot.waitSignal(dialog.saved) as saved:
        dialog.pdf_button.click()
    assert saved.args[0].endswith("cards.pdf")
    texts = pdf_pages_text(tmp_path / "cards.pdf")
    assert len(texts) == 2 and "Riverside Bladder Clinic" in texts[0] and "Demo Drop-in" in texts[1]
