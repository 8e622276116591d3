"""The journeys of issue 13, typed and pressed as a person would in the real window: every key goes to the
widget that has the keyboard (or the completion list when it is open), never straight to a method."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from helpers import names, press, rows, selected_name, settle, type_text
from ketdir.gui.results_model import Role
from tests.factories import ALWAYS, build, record

CTRL, SHIFT, ALT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.AltModifier
SUNDAY_SMALL_HOURS = {"weekly": [{"days": ["SU"], "opens": "00:00", "closes": "02:00"}]}
SUNDAY_TILL_QUARTER_TO_TWO = {"weekly": [{"days": ["SU"], "opens": "00:00", "closes": "01:45"}]}

JOURNEY = [
    record("Brighton Chemsex Clinic", needs=("chemsex", "sexual-health"), postcode="BN2 1ES", lat=50.8262,
           lon=-0.0802, phone="020 7946 0111", description="Chems and sexual health, walk in."),
    record("Kemptown Chems Support", needs=("chemsex",), postcode="BN2 1RD", lat=50.8195, lon=-0.1225,
           phone="020 7946 0222", description="Peer support about chems."),
    record("Eastbourne Chemsex Service", needs=("chemsex",), postcode="BN20 7XX", lat=50.7759, lon=0.2333,
           phone="020 7946 0333", description="Chemsex support in Eastbourne."),
    record("Chemsex Support Line", needs=("chemsex",), national=True, hours=ALWAYS, phone="0300 123 0808",
           description="National line about chems."),
    record("Menai Sexual Health", needs=("sexual-health",), postcode="LL57 2PW", lat=53.2070, lon=-4.1110,
           nation="WLS", phone="020 7946 0444"),
    record("Bangor Bay Drug Service", needs=("drug-treatment",), postcode="BT20 5AA", lat=54.6559,
           lon=-5.6642, nation="NIR", phone="020 7946 0555"),
    record("Sunday Small Hours Drop-in", needs=("harm-reduction",), postcode="SE1 7AB", lat=51.4986,
           lon=-0.1004, hours=SUNDAY_SMALL_HOURS, phone="020 7946 0666"),
    record("Late Sunday Listening", needs=("mental-health",), postcode="SE1 7AB", lat=51.4987, lon=-0.1005,
           hours=SUNDAY_TILL_QUARTER_TO_TWO, phone="020 7946 0777"),
]


@pytest.fixture
def journey_directory(tmp_path):
    directory = build(tmp_path / "journey.db", JOURNEY)
    yield directory
    directory.close()


@pytest.fixture
def window(make_window, journey_directory):
    return make_window(journey_directory)


def clipboard_text() -> str:
    return QGuiApplication.clipboard().text()


def test_keyboard_journey_copies_the_second_result_near_the_typed_place(qtbot, window):
    """Ctrl+F chems, Ctrl+L BN2, Down, Down, Enter, Ctrl+Shift+C: the SECOND result's referral, near BN2."""
    QGuiApplication.clipboard().clear()
    window.detail_pane.copy_button.setFocus()  # the keyboard starts somewhere else
    press(qtbot, Qt.Key.Key_F, CTRL)
    type_text(qtbot, "chems")
    press(qtbot, Qt.Key.Key_L, CTRL)
    type_text(qtbot, "BN2")
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)
    press(qtbot, Qt.Key.Key_C, CTRL | SHIFT)
    qtbot.waitUntil(lambda: clipboard_text() != "", timeout=5000)
    settle(qtbot, window)

    assert window.place_bar.place_edit.text() == "BN2"  # typed text stands: never walked to BN20
    listed = names(window)
    assert listed[:2] == ["Brighton Chemsex Clinic", "Kemptown Chems Support"]  # the nearest BN2 services
    assert selected_name(window) == listed[1]
    text = clipboard_text()
    assert text.startswith(listed[1]) and "Phone: 020 7946 0222" in text and listed[0] not in text
    assert window.detail_pane.browser.hasFocus() and listed[1] in window.detail_pane.browser.toPlainText()
    assert "Near BN2 · within 10 miles" in window.chips.texts()


def test_down_in_the_place_field_goes_to_the_results_not_the_completions(qtbot, window):
    window.search_edit.setFocus()
    press(qtbot, Qt.Key.Key_L, CTRL)
    type_text(qtbot, "BN")
    assert window.place_bar.completions_shown()  # "BN" is not a place yet: names are offered
    type_text(qtbot, "2")
    assert not window.place_bar.completions_shown()  # "BN2" is a place: no list over the results
    press(qtbot, Qt.Key.Key_Down)
    settle(qtbot, window)
    assert window.results_view.hasFocus()
    assert selected_name(window) == names(window)[0]


def test_enter_keeps_the_typed_place_while_names_are_offered(qtbot, window):
    window.place_bar.place_edit.setFocus()
    type_text(qtbot, "Brigh")
    assert window.place_bar.completions_shown()
    press(qtbot, Qt.Key.Key_Return)  # nothing picked in the list: the typed text stands
    settle(qtbot, window)
    assert window.place_bar.place_edit.text() == "Brigh"
    assert not window.place_bar.completions_shown()
    assert window.place_choices.buttons()[0].hasFocus()  # "Did you mean: Brigg, Brighton" took the keyboard
    # picking a name is a choice the person makes: Down into the list, then Enter
    press(qtbot, Qt.Key.Key_L, CTRL)
    type_text(qtbot, "Brigh")
    press(qtbot, Qt.Key.Key_Down)
    assert window.place_bar.place_edit.text() == "Brigh"  # highlighting writes nothing into the field
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert window.place_bar.place_edit.text() == "Brighton"


def test_a_new_search_starts_at_the_top_with_nothing_selected(qtbot, window):
    window.search_edit.setFocus()
    for _ in range(5):
        press(qtbot, Qt.Key.Key_Down)
    settle(qtbot, window)
    assert selected_name(window) is not None
    type_text(qtbot, "c")
    settle(qtbot, window)
    assert selected_name(window) is None
    assert window.results_view.verticalScrollBar().value() == 0


def test_bangor_shows_the_choices_and_waits_then_wales_lists_ll57_at_the_top(qtbot, window):
    press(qtbot, Qt.Key.Key_L, CTRL)
    type_text(qtbot, "Bangor")
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    choices = window.place_choices
    assert choices.isVisible() and choices.title.text() == "Which “Bangor” do you mean?"
    assert choices.texts() == ["Bangor, Northern Ireland", "Bangor, Wales"]
    assert choices.list.hasFocus()  # the keyboard is on the choices, waiting
    assert window.place_bar.place_edit.text() == "Bangor"  # nothing was picked for the person
    assert not any(t.startswith("Near") for t in window.chips.texts())
    assert names(window) == ["Chemsex Support Line"]  # only national lines until a place is chosen

    press(qtbot, Qt.Key.Key_Down)
    assert choices.list.currentItem().text() == "Bangor, Wales"
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert not choices.isVisible()
    assert window.place_bar.place_edit.text() == "Bangor, Wales"
    assert names(window)[0] == "Menai Sexual Health"  # LL57, at the top
    assert window.results_view.verticalScrollBar().value() == 0 and selected_name(window) is None
    assert window.chips.texts()[0] == "Near Bangor, Wales · within 10 miles"
    press(qtbot, Qt.Key.Key_Down)  # the keyboard went to the results
    assert selected_name(window) == "Menai Sexual Health"


def test_choosing_a_place_opens_no_service_the_person_did_not_choose(qtbot, window):
    """The keyboard goes to the results after a choice: no service opens until the person presses Down (the
    list still held the national lines when it took the keyboard, and the first of them used to open)."""
    press(qtbot, Qt.Key.Key_L, CTRL)
    type_text(qtbot, "Bangor")
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Return)  # Bangor, Wales
    settle(qtbot, window)
    qtbot.wait(400)  # longer than a selected service takes to open
    assert window.results_view.hasFocus() and selected_name(window) is None
    assert window.current_detail() is None and window.detail_pane.placeholder.isVisible()
    press(qtbot, Qt.Key.Key_C, CTRL | SHIFT)
    assert "Choose a service first" in window.status_notice.text()  # nothing copied for a service not chosen
    press(qtbot, Qt.Key.Key_Down)
    settle(qtbot, window)
    assert selected_name(window) == "Menai Sexual Health" and window.current_detail().name == "Menai Sexual Health"


def test_going_to_the_results_selects_nothing_then_down_selects_the_first(qtbot, window):
    """Ctrl+R in a window just opened, then Down: the FIRST result, as Down from the search field."""
    press(qtbot, Qt.Key.Key_F, CTRL)
    type_text(qtbot, "chems")
    settle(qtbot, window)
    press(qtbot, Qt.Key.Key_R, CTRL)
    qtbot.wait(400)
    assert window.results_view.hasFocus() and selected_name(window) is None and window.current_detail() is None
    press(qtbot, Qt.Key.Key_Down)
    settle(qtbot, window)
    assert selected_name(window) == names(window)[0] == window.current_detail().name


def test_an_unknown_place_offers_its_suggestions_as_buttons(qtbot, window):
    press(qtbot, Qt.Key.Key_L, CTRL)
    type_text(qtbot, "Brigton")
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    choices = window.place_choices
    assert choices.isVisible() and choices.title.text() == "We couldn't find “Brigton”. Did you mean:"
    suggestions = [b.text() for b in choices.buttons()]
    assert suggestions[0] == "Brighton" and choices.buttons()[0].hasFocus()
    assert not any("Brigton" in t for t in window.chips.texts())  # a chip only for a place that resolved
    press(qtbot, Qt.Key.Key_Return)  # the focused suggestion
    settle(qtbot, window)
    assert window.place_bar.place_edit.text() == "Brighton"
    assert not choices.isVisible()
    assert window.chips.texts()[0] == "Near Brighton, England · within 10 miles"
    assert names(window)[0] in ("Kemptown Chems Support", "Brighton Chemsex Clinic")
    # the suggestions can be reached with Tab too, and something that is no place at all gets no chip
    window.place_bar.place_edit.setFocus()
    window.place_bar.place_edit.selectAll()
    type_text(qtbot, "*")
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert not any(t.startswith("Near") for t in window.chips.texts())
    assert choices.isVisible() and "couldn't find “*”" in choices.title.text() and choices.buttons() == []


def _open_at(qtbot, window, typed: str):
    from ketdir.gui.open_at import OpenAtDialog

    press(qtbot, Qt.Key.Key_T, CTRL)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), OpenAtDialog)
                    or any(isinstance(w, OpenAtDialog) and w.isVisible() for w in QApplication.topLevelWidgets()),
                    timeout=3000)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, OpenAtDialog) and w.isVisible())
    assert dialog.edit.hasFocus()
    type_text(qtbot, typed)
    return dialog


def test_open_at_a_time_the_clocks_skip_reads_it_as_after_the_change(qtbot, window):
    """01:30 on Sunday 28 March 2027 does not exist in the UK: every answer is about 02:30 BST."""
    dialog = _open_at(qtbot, window, "28/03/2027 01:30")
    assert "01:30 does not happen on Sunday 28 March 2027" in dialog.note.text()
    assert dialog.shown_as.text() == "Times shown for Sun 28 Mar 2027, 02:30 BST"
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert "Times at Sun 28 Mar 2027, 02:30 BST" in window.chips.texts()
    states = dict(zip(names(window), rows(window, Role.OpenText)))
    assert states["Sunday Small Hours Drop-in"] == "Closed · opens Sun 4 Apr 00:00"  # not "closes in -30 min"
    assert states["Late Sunday Listening"].startswith("Closed")
    assert all("-" not in text.split("in ")[-1] for text in states.values())
    press(qtbot, Qt.Key.Key_O, ALT)  # open then: the two Sunday services are not open at 02:30
    qtbot.waitUntil(window.place_bar.open_now.isChecked, timeout=2000)  # a mnemonic clicks after a moment
    settle(qtbot, window)
    assert window.place_bar.open_now.text() == "&Open then"
    assert "Sunday Small Hours Drop-in" not in names(window)
    press(qtbot, Qt.Key.Key_T, CTRL | SHIFT)  # back to now, in one key
    settle(qtbot, window)
    assert not any(t.startswith("Times at") for t in window.chips.texts())
    assert window.place_bar.open_now.text() == "&Open now"


def test_open_at_a_time_the_clocks_repeat_reads_the_first(qtbot, window):
    """01:30 on Sunday 31 October 2027 happens twice: the first, BST; "closes in" counts real minutes."""
    dialog = _open_at(qtbot, window, "31/10/2027 01:30")
    assert "01:30 happens twice on Sunday 31 October 2027" in dialog.note.text()
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    states = dict(zip(names(window), rows(window, Role.OpenText)))
    assert states["Late Sunday Listening"] == "Open · closes in 15 min"
    assert states["Sunday Small Hours Drop-in"] == "Open · closes 02:00"  # 02:00 GMT: 90 real minutes away
    window.search_edit.setFocus()
    type_text(qtbot, "late sunday")
    settle(qtbot, window)
    press(qtbot, Qt.Key.Key_Down)
    settle(qtbot, window)
    assert "▶ Sunday 31 Oct (today)" in window.detail_pane.browser.toPlainText()  # the week of the moment


def test_new_caller_clears_words_filters_place_selection_and_shortlist(qtbot, window):
    window.search_edit.setFocus()
    type_text(qtbot, "chems")
    press(qtbot, Qt.Key.Key_L, CTRL)
    type_text(qtbot, "BN2")
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_D, CTRL)  # onto the shortlist
    press(qtbot, Qt.Key.Key_O, ALT)  # open now
    qtbot.waitUntil(window.place_bar.open_now.isChecked, timeout=2000)
    _open_at(qtbot, window, "31/10/2027 01:30")
    press(qtbot, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert window.menus.shortlist.service_ids() and len(window.chips.texts()) >= 3

    press(qtbot, Qt.Key.Key_N, CTRL)
    settle(qtbot, window)
    assert window.search_edit.text() == "" and window.search_edit.hasFocus()
    assert window.place_bar.place_edit.text() == ""
    assert window.need_list.model.checked() == frozenset() and not window.place_bar.open_now.isChecked()
    assert window.filter_state().is_default and window.chips.texts() == []
    assert selected_name(window) is None and window.current_detail() is None
    assert window.detail_pane.placeholder.isVisible()
    assert window.menus.shortlist.service_ids() == [] and not window.menus.shortlist_dock.isVisible()
    assert len(names(window)) == len(JOURNEY)
    assert "new caller" in window.status_notice.text()


def _service_json(path: Path) -> Path:
    """One HSDS 3.0 service near BN2, as a helpline's own export might hold it."""
    location = {"id": "b7e1c3a2-5d4f-4e6a-9b8c-2d1e0f3a4b5c", "name": "Kemptown clinic", "location_type": "physical",
                "latitude": 50.8230, "longitude": -0.0900,
                "addresses": [{"id": "c8f2d4b3-6e5a-4f7b-8c9d-3e2f1a4b5c6d", "address_1": "2 Example Road",
                               "city": "Brighton", "postal_code": "BN2 1AA", "country": "GB",
                               "address_type": "physical"}]}
    service = {"id": "6c0f6a0e-8f0c-4b7e-9d3b-1b2f5f0a9e01", "name": "Newly Imported Chems Clinic",
               "description": "Chems support, new this week.", "status": "active",
               "organization": {"id": "d9a3e5c4-7f6b-4a8c-9d0e-4f3a2b5c6d7e", "name": "New Clinic Trust",
                                "description": "A clinic."},
               "phones": [{"id": "e0b4f6d5-8a7c-4b9d-8e1f-5a4b3c6d7e8f", "number": "020 7946 0888"}],
               "service_at_locations": [{"id": "f1c5a7e6-9b8d-4c0e-9f2a-6b5c4d7e8f9a", "location": location}]}
    out = path / "new-service.json"
    out.write_text(json.dumps(service), encoding="utf-8")
    return out


def test_an_import_from_the_command_line_appears_in_the_open_window(qtbot, window, journey_directory, tmp_path):
    window.watch.start(200)  # the window looks every 3 s; sooner here
    window.search_edit.setFocus()
    type_text(qtbot, "chems")
    press(qtbot, Qt.Key.Key_L, CTRL)
    type_text(qtbot, "BN2")
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)
    settle(qtbot, window)
    chosen = selected_name(window)
    assert "Newly Imported Chems Clinic" not in names(window)

    db = journey_directory.url.removeprefix("sqlite:///")
    done = subprocess.run([sys.executable, "-c", "import sys; from ketdir.cli import main; sys.exit(main(sys.argv[1:]))",
                           "--db", db, "import", str(_service_json(tmp_path))], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr

    with qtbot.waitSignal(window.refreshed, timeout=10000):
        pass
    settle(qtbot, window)
    assert "Newly Imported Chems Clinic" in names(window)
    assert selected_name(window) == chosen  # the person's place in the list is kept
    assert window.current_detail().name == chosen
    assert "directory was updated" in window.status_notice.text()
