"""Every action the window offers — each menu item and each shortcut — triggered the way a person does it (its
keys, or the menu by keyboard when it has none) in the real window, with each dialog's main path finished and
its result checked. A new action without a step here fails the test; so does an exception in a slot (pytest-qt)
or in a worker thread (tests/conftest.py)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QFileDialog, QMessageBox, QTableView, QWidget

from helpers import names, press, selected_name, settle, type_text
from tests.factories import build, record

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier

SERVICES = [
    record("Riverside Bladder Clinic", needs=("bladder-urology",), postcode="SE1 7EH", lat=51.4989, lon=-0.1183,
           phone="0300 123 4501", description="Specialist clinic for ketamine bladder damage."),
    record("Borough Drug Service", needs=("drug-treatment",), postcode="SE1 1YP", lat=51.5030, lon=-0.0920,
           phone="0300 123 4502", description="Key workers and needle exchange."),
    record("Lambeth Chemsex Service", needs=("chemsex",), postcode="SE11 5AA", lat=51.4860, lon=-0.1180,
           phone="0300 123 4503", assured="2024-06-02", description="Support about chems."),
    record("Chemsex Support Line", needs=("chemsex",), national=True, phone="0300 123 4504"),
]
IMPORTED = "Harbour Ketamine Support"


def label(action: QAction) -> str:
    return action.text().replace("&", "")


def offered_actions(window) -> list[QAction]:
    """What the window offers a person: every item of its menus, and every action with a shortcut."""
    found: list[QAction] = []
    for top in window.menuBar().actions():
        found += [a for a in top.menu().actions() if not a.isSeparator() and a.menu() is None]
    found += [a for a in window.findChildren(QAction) if not a.shortcut().isEmpty() and a.parent() is window]
    return list(dict.fromkeys(found))


def visible(kind=QWidget, name: str | None = None) -> list:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, kind) and w.isVisible() and (name is None or w.objectName() == name)]


def wait_for(qtbot, kind, name: str | None = None):
    qtbot.waitUntil(lambda: len(visible(kind, name)) == 1, timeout=10000)
    return visible(kind, name)[0]


def button(parent: QWidget, text: str) -> QAbstractButton:
    """The button a person would read as `text` (mnemonic ampersands aside)."""
    found = [b for b in parent.findChildren(QAbstractButton)
             if b.isVisible() and b.text().replace("&", "").startswith(text)]
    assert found, f"no “{text}” button in {parent.windowTitle()}"
    return found[0]


def click(qtbot, parent: QWidget, text: str) -> None:
    qtbot.mouseClick(button(parent, text), Qt.MouseButton.LeftButton)


def read_saved_box(qtbot, window, path: Path) -> None:
    """The box that says where a file went: it names the file, Open folder shows its folder, Close closes it."""
    qtbot.waitUntil(lambda: len(visible(QMessageBox, "savedBox")) == 1, timeout=10000)
    box = visible(QMessageBox, "savedBox")[0]
    assert path.name in box.text() and str(path.parent) in box.informativeText()
    click(qtbot, box, "Open folder")
    assert window.opened_urls[-1] == QUrl.fromLocalFile(str(path.parent)).toString()
    if box.isVisible():
        click(qtbot, box, "Close")
    assert not visible(QMessageBox, "savedBox")


class Person:
    """Triggers actions as a person does: their keys from the window, else the menu by keyboard."""

    def __init__(self, qtbot, window) -> None:
        self.qtbot, self.window = qtbot, window
        self.done: list[str] = []

    def action(self, text: str) -> QAction:
        return next(a for a in offered_actions(self.window) if label(a) == text)

    def use(self, text: str) -> None:
        action = self.action(text)
        assert action.isEnabled(), f"“{text}” is not available"
        if not action.shortcut().isEmpty():
            combo = action.shortcut()[0]
            press(self.qtbot, combo.key(), combo.keyboardModifiers())
        else:
            self._by_menu(action)
        self.done.append(text)

    def _by_menu(self, action: QAction) -> None:
        top = next(t for t in self.window.menuBar().actions() if action in t.menu().actions())
        menu_key = top.text()[top.text().index("&") + 1]
        press(self.qtbot, getattr(Qt.Key, f"Key_{menu_key.upper()}"), Qt.KeyboardModifier.AltModifier)
        self.qtbot.waitUntil(lambda: QApplication.activePopupWidget() is top.menu(), timeout=3000)
        item_key = action.text()[action.text().index("&") + 1]
        press(self.qtbot, getattr(Qt.Key, f"Key_{item_key.upper()}"))

    def search(self, words: str) -> None:
        press(self.qtbot, Qt.Key.Key_F, CTRL)
        type_text(self.qtbot, words)
        settle(self.qtbot, self.window)

    def choose(self, name: str) -> None:
        """Search for the service by name and select it with Down."""
        self.search(name)
        press(self.qtbot, Qt.Key.Key_Down)
        settle(self.qtbot, self.window)
        assert selected_name(self.window) == name


@pytest.fixture
def every_action_window(make_window, tmp_path, monkeypatch):
    directory = build(tmp_path / "desk.db", SERVICES)
    opened: list[str] = []
    monkeypatch.setattr("PySide6.QtGui.QDesktopServices.openUrl", lambda url: opened.append(QUrl(url).toString()))
    saves = tmp_path / "saved"
    saves.mkdir()

    def save_as(_parent, _caption, suggested="", _filter="", *args, **kwargs):
        return str(saves / Path(suggested or "file").name), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    window = make_window(directory)
    window.opened_urls = opened
    yield window, saves
    directory.close()


def harbour_file(tmp_path: Path) -> Path:
    service = {
        "id": "5b3f2e0a-9c1d-4e7f-8a2b-3c4d5e6f7a8b", "name": IMPORTED, "status": "active",
        "description": "Drop-in advice on ketamine and bladder health.", "assured_date": "2026-10-01",
        "organization": {"id": "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "name": "Harbour Trust",
                         "description": "A local charity."},
        "phones": [{"id": "7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a", "number": "0117 496 0123"}],
    }
    path = tmp_path / "harbour.json"
    path.write_text(json.dumps(service), encoding="utf-8")
    return path


def test_every_menu_item_and_shortcut_completes_its_main_path(qtbot, every_action_window, tmp_path, monkeypatch):
    from ketdir.gui.harm_library import HarmLibraryDialog
    from ketdir.gui.history_dialog import HistoryDialog
    from ketdir.gui.log_referral_dialog import LogReferralDialog
    from ketdir.gui.open_at import OpenAtDialog
    from ketdir.gui.qr_dialog import QrDialog, QrWidget
    from ketdir.gui.retention import RetentionDialog
    from ketdir.gui.slip_dialog import SlipDialog
    from ketdir.gui.stats_view import StatsDialog
    from ketdir.gui.text_dialog import TextDialog

    window, saves = every_action_window
    person = Person(qtbot, window)

    # ---- finding: focus moves, times, clearing
    person.use("Go to place")
    assert window.place_bar.place_edit.hasFocus()
    person.use("Go to search")
    assert window.search_edit.hasFocus()
    person.use("Go to need types")
    assert window.need_list.view.hasFocus()
    press(qtbot, Qt.Key.Key_Space)  # tick the first need type
    settle(qtbot, window)
    assert len(window.need_list.model.checked()) == 1 and len(window.chips.texts()) == 1
    person.use("Go to results")
    assert window.results_view.hasFocus() or window.empty.isAncestorOf(QApplication.focusWidget())
    person.use("Go to search")
    person.use("Clear the search (again: the filters)")  # no words: clears the filters
    settle(qtbot, window)
    assert window.need_list.model.checked() == frozenset() and window.chips.texts() == []
    type_text(qtbot, "zzzz")
    person.use("Clear the search (again: the filters)")
    assert window.search_edit.text() == ""
    person.use("Open at another time…")
    dialog = wait_for(qtbot, OpenAtDialog)
    type_text(qtbot, "25/12/2026 10:00")
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert not dialog.isVisible() and "Times at Fri 25 Dec 2026, 10:00 GMT" in window.chips.texts()
    person.use("Back to now")
    settle(qtbot, window)
    assert window.chips.texts() == []

    # ---- a chosen service: hand it over
    person.choose("Riverside Bladder Clinic")
    QGuiApplication.clipboard().clear()
    person.use("Copy referral")
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text().startswith("Riverside Bladder Clinic"), timeout=5000)
    person.use("Call the service")
    person.use("Open the website")
    assert window.opened_urls[-2:] == ["tel:+443001234501", "https://example.org/riverside-bladder-clinic"]
    person.use("Add to shortlist")
    assert window.menus.shortlist.service_ids() == [window.current_detail().id]
    person.use("Shortlist")
    assert window.menus.shortlist_dock.isVisible()

    person.use("Print or save slip…")
    slip = wait_for(qtbot, SlipDialog)
    click(qtbot, slip, "Save as PDF")
    qtbot.waitUntil(lambda: bool(list(saves.glob("*.pdf"))), timeout=10000)
    (pdf,) = saves.glob("*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    read_saved_box(qtbot, window, pdf)
    slip.close()

    person.use("Show QR code")
    qr = wait_for(qtbot, QrDialog)
    assert all(code.qr() is not None for code in qr.findChildren(QrWidget))
    qr.close()

    person.use("Log referral…")
    log = wait_for(qtbot, LogReferralDialog)
    qtbot.waitUntil(lambda: button(log, "Log referral").isEnabled(), timeout=10000)  # the form is ready
    click(qtbot, log, "Log referral")
    qtbot.waitUntil(lambda: not log.isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: "Referral logged" in window.status_notice.text(), timeout=10000)

    # ---- looking after the record
    person.use("Edit service…")
    from ketdir.gui.service_editor import ServiceEditor

    editor = wait_for(qtbot, ServiceEditor)
    assert editor.name.text() == "Riverside Bladder Clinic"
    editor.editor_name.setFocus()
    type_text(qtbot, "Tess Tester")
    editor.name.setFocus()
    editor.name.selectAll()
    type_text(qtbot, "Riverside Bladder and Kidney Clinic")
    assert button(editor, "Save").isEnabled(), editor.problems.text()
    with qtbot.waitSignal(editor.saved, timeout=10000):
        click(qtbot, editor, "Save")
    settle(qtbot, window)
    qtbot.waitUntil(lambda: "Riverside Bladder and Kidney Clinic" in names(window) or
                    window.current_detail().name == "Riverside Bladder and Kidney Clinic", timeout=10000)

    person.use("Change history…")
    history = wait_for(qtbot, HistoryDialog)
    qtbot.waitUntil(lambda: any(t.model() and t.model().rowCount() > 0 for t in history.findChildren(QTableView)),
                    timeout=10000)
    history.close()

    person.use("Add a service…")
    adding = wait_for(qtbot, ServiceEditor)
    adding.editor_name.setFocus()
    type_text(qtbot, "Tess Tester")
    adding.name.setFocus()
    type_text(qtbot, "Quayside Harm Reduction")
    adding.email.setFocus()
    type_text(qtbot, "hello@quayside.example.org")
    needs = adding.needs
    row = next(i for i in range(needs.count()) if needs.item(i).data(Qt.ItemDataRole.UserRole) == "harm-reduction")
    needs.setFocus()
    needs.setCurrentRow(row)
    press(qtbot, Qt.Key.Key_Space)
    assert button(adding, "Save").isEnabled(), adding.problems.text()
    with qtbot.waitSignal(adding.saved, timeout=10000):
        click(qtbot, adding, "Save")
    person.search("quayside")
    assert names(window) == ["Quayside Harm Reduction"]

    person.use("Data health")
    health = next(d for d in visible(QDialog) if d.windowTitle() == "Data health")  # holds a HealthView
    qtbot.waitUntil(lambda: button(health, "Run checks").isEnabled() and any(
        t.model().rowCount() > 0 for t in health.findChildren(QTableView)), timeout=30000)
    table = health.findChildren(QTableView)[0]
    table.setFocus()
    table.selectRow(0)
    click(qtbot, health, "Export CSV")
    qtbot.waitUntil(lambda: bool(list(saves.glob("*.csv"))), timeout=10000)
    read_saved_box(qtbot, window, next(saves.glob("*.csv")))
    click(qtbot, health, "Open service")  # the finding's service, to put it right
    qtbot.waitUntil(lambda: window.current_detail() is not None, timeout=10000)
    for editor in visible(ServiceEditor):
        editor.close()
    health.close()

    person.use("Harm information library")
    library = wait_for(qtbot, HarmLibraryDialog)
    type_text(qtbot, "bladder")
    assert library.visible_topics()
    click(qtbot, library, "Save as PDF")
    qtbot.waitUntil(lambda: len(list(saves.glob("*.pdf"))) == 2, timeout=10000)
    read_saved_box(qtbot, window, next(p for p in saves.glob("*.pdf") if p != pdf))
    library.close()

    # ---- the referral log
    person.use("Statistics…")
    stats = wait_for(qtbot, StatsDialog)
    qtbot.waitUntil(lambda: any(t.model() and t.model().rowCount() > 0 for t in stats.findChildren(QTableView)),
                    timeout=10000)
    health_csv = next(saves.glob("*.csv"))
    click(qtbot, stats, "Export CSV")
    qtbot.waitUntil(lambda: len(list(saves.glob("*.csv"))) == 2, timeout=10000)
    read_saved_box(qtbot, window, next(p for p in saves.glob("*.csv") if p != health_csv))
    stats.close()
    person.use("Keep the log for…")
    keep = wait_for(qtbot, RetentionDialog)
    qtbot.waitUntil(lambda: button(keep, "OK").isEnabled(), timeout=10000)  # the period is read
    press(qtbot, Qt.Key.Key_Up)  # one month more
    click(qtbot, keep, "OK")
    qtbot.waitUntil(lambda: not keep.isVisible(), timeout=10000)  # saved (with the log, off the UI thread)

    # ---- a directory in
    from ketdir.gui.import_dialog import ImportDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(harbour_file(tmp_path)), ""))
    person.use("Import a directory…")
    importing = wait_for(qtbot, ImportDialog) if visible(ImportDialog) else window.findChildren(ImportDialog)[-1]
    click(qtbot, importing, "Choose file")
    with qtbot.waitSignal(importing.checked, timeout=30000):
        click(qtbot, importing, "Check")
    with qtbot.waitSignal(importing.imported, timeout=60000):
        click(qtbot, importing, "Import")
    click(qtbot, importing, "Close")
    person.search("harbour")
    assert names(window) == [IMPORTED]

    # ---- help
    person.use("Keyboard shortcuts")
    keys = wait_for(qtbot, TextDialog, "keysDialog")
    assert "Ctrl+Shift+C" in keys.texts() and "New caller" in keys.texts()
    keys.close()
    person.use("About ketdir")
    about = wait_for(qtbot, TextDialog, "aboutBox")
    assert "In an emergency call 999" in about.texts()
    about.close()

    # ---- the next person, then closing
    person.use("New caller")
    settle(qtbot, window)
    assert window.search_edit.text() == "" and window.filter_state().is_default and selected_name(window) is None
    assert window.menus.shortlist.service_ids() == []
    missing = [label(a) for a in offered_actions(window) if label(a) not in person.done and label(a) != "Quit"]
    assert missing == [], f"actions this test does not take: {missing}"
    person.use("Quit")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
