"""Issue 14 in the real window: a helpline worker types what the caller says."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from helpers import names, rows, settle, type_into
from ketdir.gui.results_model import Role
from ketdir.harm.library import load_library
from tests.caller_directory import CALLER_RECORDS
from tests.factories import build


@pytest.fixture
def caller_window(make_window, tmp_path):
    directory = build(tmp_path / "caller.db", CALLER_RECORDS)
    window = make_window(directory)
    yield window
    directory.close()


def choose_place(qtbot, window, place: str) -> None:
    type_into(qtbot, window.place_bar.place_edit, place)
    qtbot.keyClick(window.place_bar.place_edit, Qt.Key.Key_Return)
    settle(qtbot, window)


def national_rows(window) -> list[str]:
    return [hit.name for hit in rows(window, Role.Hit) if hit.is_national]


def first_harm_topic(window) -> str:
    """The title of the first harm topic the pane shows."""
    text = window.harm_pane.browser.toPlainText()
    shown = [(text.find(t.title), t.title) for t in load_library() if t.title in text]
    return min(shown)[1]


def test_an_emergency_in_the_callers_words_puts_999_first(qtbot, caller_window):
    window = caller_window
    banner = window.emergency_banner
    assert not banner.isVisible()
    choose_place(qtbot, window, "Manchester")
    type_into(qtbot, window.search_edit, "friend wont wake up after g and k")
    settle(qtbot, window)

    assert banner.isVisible()
    above = banner.mapTo(window, banner.rect().bottomLeft()).y()
    assert above <= window.results_view.mapTo(window, window.results_view.rect().topLeft()).y()  # before the list
    text = banner.text()
    assert text.startswith("⚠ Call 999 now — can't be woken")
    assert "recovery position" in text and "CPR" in text and "(you typed: G, ketamine)" in text
    assert national_rows(window)[0] == "Emergency services (999)"
    assert names(window)[0] == "Manchester Royal Emergency Department"
    assert first_harm_topic(window) == "Mixing, overdose and the K-hole"
    assert "“wont wake” → Emergency: can't be woken" in window.readings_bar.text()
    assert "Peer" not in window.readings_bar.text()  # "friend" is not a need for peer support

    # the worker knows better: undoing the reading takes the emergency away
    undo = next(b for b in window.readings_bar.undo_buttons() if "wont wake" in b.accessibleName())
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert not banner.isVisible()
    assert national_rows(window)[0] != "Emergency services (999)"

    # and new words start again: an ordinary search shows no banner
    window.search_edit.clear()
    type_into(qtbot, window.search_edit, "wake up early clinic")
    settle(qtbot, window)
    assert not banner.isVisible()


def test_ordinary_words_raise_no_banner_and_never_come_back_empty(qtbot, caller_window):
    window = caller_window
    choose_place(qtbot, window, "LS6")
    type_into(qtbot, window.search_edit, "ket daily blood peeing belly pain")
    settle(qtbot, window)
    assert not window.emergency_banner.isVisible()
    assert names(window)[0] == "Leeds Urology Department"
    local = [hit for hit in rows(window, Role.Hit) if not hit.is_national]
    assert all(hit.matched for hit in local) and {"ket", "blood", "peeing"} <= set(local[0].matched)
    assert window.notice.isVisible() and "some of them" in window.notice.text()
    assert "Matches ket, blood, peeing" in rows(window, Qt.ItemDataRole.AccessibleTextRole)[0]


def test_no_nhs_111_near_belfast_and_what_to_call_instead(qtbot, caller_window):
    window = caller_window
    choose_place(qtbot, window, "Belfast")
    type_into(qtbot, window.search_edit, "shes not breathing")
    settle(qtbot, window)
    assert window.emergency_banner.isVisible()
    lines = national_rows(window)
    assert lines[0] == "Emergency services (999)" and "NHS 111" not in lines
    assert "GP out of hours" in window.notice.text() and window.notice.isVisible()
