"""Drive the real window offscreen: search, filters, keyboard referral, places, empty states."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QComboBox, QLineEdit, QTextBrowser, QWidget

from helpers import choose_result, headers, names, rows, selected_name, settle, tick_need, type_into
from ketdir.gui.results_model import Role
from servicedb import SERVICES


def test_window_starts_with_search_focused_and_everything_listed(window):
    assert window.search_edit.hasFocus()
    assert len(names(window)) == len(SERVICES)
    assert headers(window)[-1].startswith("National and phone lines")
    assert window.chips.texts() == []


def test_typing_filters_the_list(qtbot, window):
    before = names(window)
    type_into(qtbot, window.search_edit, "bladder")
    settle(qtbot, window)
    after = names(window)
    assert set(after) == {"Riverside Bladder Clinic", "Salford Bladder Service"}
    assert len(after) < len(before)
    # and each keystroke gets its own results: extending the words puts the one matching them all first; the
    # other follows, saying which of the words it matches (the relaxed tier)
    type_into(qtbot, window.search_edit, " salford")
    settle(qtbot, window)
    assert names(window) == ["Salford Bladder Service", "Riverside Bladder Clinic"]
    assert [hit.matched for hit in rows(window, Role.Hit)] == [("bladder", "salford"), ("bladder",)]


def test_need_type_and_postcode_reorder_by_distance(qtbot, window):
    tick_need(qtbot, window, "drug-treatment")
    settle(qtbot, window)
    assert window.chips.texts() == ["Drug treatment & recovery"]
    unplaced = names(window)
    assert set(unplaced) == {"Borough Drug and Alcohol Service", "Camden Recovery Hub"}
    assert rows(window, Role.Distance) == ["", ""]

    type_into(qtbot, window.place_bar.place_edit, "NW1 2BU")
    qtbot.keyClick(window.place_bar.place_edit, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert names(window) == ["Camden Recovery Hub", "Borough Drug and Alcohol Service"]
    distances = [float(d.split()[0]) for d in rows(window, Role.Distance)]
    assert distances == sorted(distances) and distances[0] < 1.0
    assert headers(window)[0].startswith("2 services near NW1 2BU")
    assert "Near NW1 2BU · within 10 miles" in window.chips.texts()

    window.place_bar.set_place_text("SE1 7TP")
    settle(qtbot, window)
    assert names(window) == ["Borough Drug and Alcohol Service", "Camden Recovery Hub"]


def test_open_now_at_a_fixed_clock_hides_closed_services(qtbot, window):
    assert "Evening Sexual Health Clinic" in names(window)
    evening = names(window).index("Evening Sexual Health Clinic")
    assert rows(window, Role.OpenText)[evening].startswith("Closed · opens 17:00")
    window.place_bar.open_now.setChecked(True)
    settle(qtbot, window)
    shown = names(window)
    assert "Evening Sexual Health Clinic" not in shown
    assert "Riverside Bladder Clinic" in shown
    assert all(text.startswith("Open") for text in rows(window, Role.OpenText))
    assert "Open now" in window.chips.texts()

    window.set_clock(lambda: dt.datetime(2026, 11, 3, 18, 30))  # Tuesday evening
    settle(qtbot, window)
    shown = names(window)
    assert "Evening Sexual Health Clinic" in shown
    assert "Riverside Bladder Clinic" not in shown


def test_keyboard_only_referral_puts_the_phone_number_on_the_clipboard(qtbot, window):
    QGuiApplication.clipboard().clear()
    window.detail_pane.copy_button.setFocus()  # start somewhere else
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search_edit.hasFocus()
    qtbot.keyClicks(window.search_edit, "chemsex")
    settle(qtbot, window)
    assert selected_name(window) is None  # nothing is selected until the person selects
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Down)
    first = selected_name(window)
    assert first == names(window)[0]
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Down)
    chosen = selected_name(window)
    assert chosen == names(window)[1]
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.detail_pane.browser.hasFocus(), timeout=5000)
    assert chosen in window.detail_pane.browser.toPlainText()
    qtbot.keyClick(window.detail_pane.browser, Qt.Key.Key_C,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    phone = next(s.phone for s in SERVICES if s.name == chosen)
    text = QGuiApplication.clipboard().text()
    assert chosen in text
    assert f"Phone: {phone}" in text
    assert "copied" in window.status_notice.text()


def test_arrows_skip_group_headers_and_escape_clears(qtbot, window):
    window.search_edit.setFocus()
    for _ in range(len(SERVICES) + 2):
        qtbot.keyClick(window.search_edit, Qt.Key.Key_Down)
    assert selected_name(window) == "Chemsex Support Line"  # the national line, past its header
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Up)
    assert window.results_view.currentIndex().data(Role.Kind) == "hit"
    # inside the list too, the arrows never land on a group header
    view = window.results_view
    view.setFocus()
    view.select_row(window.model.first_hit_row())
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.currentIndex().data(Role.Kind) == "hit"
    for _ in range(len(SERVICES) + 2):
        qtbot.keyClick(view, Qt.Key.Key_Down)
        assert view.currentIndex().data(Role.Kind) == "hit"
    assert selected_name(window) == "Chemsex Support Line"

    type_into(qtbot, window.search_edit, "bladder")
    window.place_bar.open_now.setChecked(True)
    settle(qtbot, window)
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Escape)
    assert window.search_edit.text() == ""
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Escape)
    assert not window.place_bar.open_now.isChecked()
    settle(qtbot, window)
    assert len(names(window)) == len(SERVICES)


def test_ctrl_l_goes_to_the_place_field(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.place_bar.place_edit.hasFocus()


def test_an_ambiguous_place_offers_choices(qtbot, window):
    type_into(qtbot, window.place_bar.place_edit, "Bangor")
    qtbot.keyClick(window.place_bar.place_edit, Qt.Key.Key_Return)
    settle(qtbot, window)
    choices = window.place_choices
    assert choices.isVisible()
    assert "Which “Bangor” do you mean?" == choices.title.text()
    assert any("Wales" in t for t in choices.texts())
    assert any("Northern Ireland" in t for t in choices.texts())
    # the national lines still show while the place is unresolved
    assert names(window) == ["Chemsex Support Line"]

    wales = next(i for i, t in enumerate(choices.texts()) if "Wales" in t)
    choices.list.setFocus()
    choices.list.setCurrentRow(wales)
    qtbot.keyClick(choices.list, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert not choices.isVisible()
    assert window.place_bar.place_edit.text() == "Bangor, Wales"
    assert window.chips.texts()[0].startswith("Near Bangor, Wales")


def test_readings_are_shown_and_can_be_undone(qtbot, window):
    type_into(qtbot, window.search_edit, "ket")
    settle(qtbot, window)
    assert "“ket” → ketamine" in window.readings_bar.text()
    with_reading = names(window)
    assert "Riverside Bladder Clinic" in with_reading
    button = window.readings_bar.undo_buttons()[0]
    assert button.accessibleName() == "Undo reading “ket” → ketamine"
    button.click()
    settle(qtbot, window)
    assert "“ket” taken as typed" in window.readings_bar.text()
    assert window.model.results().query.ignore_readings == frozenset({"ket"})


def test_empty_results_say_why_and_offer_the_fix(qtbot, window):
    window.place_bar.national.setChecked(False)
    window.place_bar.set_radius(1.0)
    type_into(qtbot, window.search_edit, "urology")
    window.place_bar.set_place_text("SE1 7TP")
    settle(qtbot, window)
    assert window.results_stack.currentWidget() is window.empty
    assert window.empty.title.text() == "No services match"
    assert "within 1 mile of SE1 7TP" in window.empty.why.text()
    fixes = window.empty.fix_texts()
    assert "Widen to 25 miles" in fixes
    assert "Include national lines" in fixes
    widen = next(b for b in window.empty.buttons() if b.text() == "Widen to 25 miles")
    widen.click()
    settle(qtbot, window)
    assert window.results_stack.currentWidget() is window.results_view
    assert names(window) == ["Riverside Bladder Clinic"]
    assert window.place_bar.radius() == 25.0


def test_chips_show_filters_and_clear_them_in_one_click(qtbot, window):
    tick_need(qtbot, window, "chemsex")
    window.place_bar.open_now.setChecked(True)
    settle(qtbot, window)
    assert window.chips.texts() == ["Chemsex support", "Open now"]
    chip = next(b for b in window.chips.buttons() if b.accessibleName() == "Remove filter: Chemsex support")
    chip.click()
    settle(qtbot, window)
    assert window.need_list.model.checked() == frozenset()
    assert window.chips.texts() == ["Open now"]


def test_need_counts_follow_the_search(qtbot, window):
    model = window.need_list.model
    row = model.row_of("bladder-urology")
    assert model.index(row).data() == "Bladder & urology  (2)"
    type_into(qtbot, window.search_edit, "salford")
    settle(qtbot, window)
    assert model.index(row).data() == "Bladder & urology  (1)"


def test_detail_shows_what_a_referrer_needs(qtbot, window):
    type_into(qtbot, window.search_edit, "camden")
    settle(qtbot, window)
    assert choose_result(qtbot, window).name == "Camden Recovery Hub"
    text = window.detail_pane.browser.toPlainText()
    for words in ("How to refer", "Self-referral", "Opening hours this week", "(today)",
                  "unverified — check before giving out", "Verified 1 October 2026", "Free (NHS)", "English"):
        assert words in text
    anchors = window.detail_pane.browser.anchors()
    assert "tel:+442079460303" in anchors
    assert "https://example.org/camden-recovery-hub" in anchors
    # the row says the same in words
    assert "Unverified number" in [b.text for b in rows(window, Role.Badges)[0]]


def test_stale_and_demo_badges(qtbot, window):
    badges = dict(zip(names(window), rows(window, Role.Badges)))
    assert [b.text for b in badges["Lambeth Chemsex Service"]] == ["Stale — last checked 2 Jun 2024"]
    assert "Demo — not a real service" in [b.text for b in badges["Demo Outreach Van"]]
    type_into(qtbot, window.search_edit, "demo outreach")
    settle(qtbot, window)
    choose_result(qtbot, window)
    qtbot.waitUntil(lambda: "DEMO — not a real service" in window.detail_pane.browser.toPlainText())


def test_harm_information_follows_the_need_types(qtbot, window):
    html = window.harm_pane.browser.toPlainText()
    assert "999" in html
    tick_need(qtbot, window, "bladder-urology")
    settle(qtbot, window)
    assert "bladder" in window.harm_pane.browser.toPlainText().lower()


def test_every_control_has_an_accessible_name(window):
    kinds = (QLineEdit, QComboBox, QAbstractButton, QAbstractItemView, QTextBrowser)
    missing = [f"{type(w).__name__}({w.objectName() or w.text() if hasattr(w, 'text') else ''})"
               for w in window.findChildren(QWidget)
               if isinstance(w, kinds) and w.isVisibleTo(window) and w.focusPolicy() != Qt.FocusPolicy.NoFocus and not w.accessibleName()
               and not (isinstance(w, QAbstractButton) and w.text())]
    assert missing == []


def test_tab_order_follows_the_layout(qtbot, window):
    window.search_edit.setFocus()
    seen = []
    for _ in range(6):
        seen.append(window.focusWidget())
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
    assert seen[:5] == [window.search_edit, window.place_bar.place_edit, window.place_bar.radius_combo,
                        window.place_bar.open_now, window.place_bar.national]


def test_the_place_field_completes_names(qtbot, window):
    edit = window.place_bar.place_edit
    type_into(qtbot, edit, "Brigh")
    completions = window.place_bar.completer.model().stringList()
    assert "Brighton" in completions[:3]
    type_into(qtbot, edit, "")
    edit.clear()
    type_into(qtbot, edit, "SE1")
    assert window.place_bar.completer.model().stringList()[0] == "SE1"


def test_bank_holidays_are_marked_in_the_week(qtbot, make_window, directory):
    christmas = dt.datetime(2026, 12, 25, 11, 0)  # a Friday
    window = make_window(directory, now=christmas)
    type_into(qtbot, window.search_edit, "riverside")
    settle(qtbot, window)
    choose_result(qtbot, window)
    text = window.detail_pane.browser.toPlainText()
    assert "▶ Friday 25 Dec (today)" in text
    assert "Bank holiday: Christmas Day" in text
    assert "Closed today (bank holiday: Christmas Day)" in text
    assert "Bank holiday: Boxing Day" not in text or "Saturday 26 Dec" in text


def test_need_counts_follow_when_typing_pauses(qtbot, window):
    window.counts_pause_ms = 200
    model = window.need_list.model
    row = model.row_of("bladder-urology")
    type_into(qtbot, window.search_edit, "salford")
    qtbot.waitUntil(lambda: window.shown, timeout=5000)
    assert window.model.results().query.with_counts is False  # keystrokes ask for results only
    assert names(window) == ["Salford Bladder Service"]
    settle(qtbot, window)
    assert model.index(row).data() == "Bladder & urology  (1)"


def test_total_near_a_place_is_counted_when_typing_pauses(qtbot, make_window, tmp_path):
    from tests.factories import build, record

    clinics = [record(f"Crowd Clinic {i:02d}", needs=["sexual-health"], lat=51.5 + 0.0001 * i, lon=-0.1,
                      description="Testing.") for i in range(60)]
    directory = build(tmp_path / "crowd.db", clinics)
    window = make_window(directory)
    window.counts_pause_ms = 300
    window.place_bar.set_place_text("51.5,-0.1")
    qtbot.waitUntil(lambda: window.shown and len(names(window)) == 50, timeout=5000)
    assert window.model.results().query.with_total is False
    typing_total = window.model.results().total_local
    assert typing_total >= 50 and window.model.results().total_is_minimum
    assert window.count_label.text() == f"{typing_total}+ results"  # while typing: at least those found
    assert headers(window)[0].startswith(f"{typing_total}+ services near")
    settle(qtbot, window)  # typing paused: the same query with the counts and the total
    assert window.count_label.text() == "60 results"
    assert headers(window)[0].startswith("60 services near") and "showing the nearest 50" in headers(window)[0]
    assert len(names(window)) == 50
    directory.close()


def test_need_type_counts_are_never_cut_off(qtbot, window):
    """The longest need type with the longest count ("2,000+") fits in the list beside its check box."""
    model, view = window.need_list.model, window.need_list.view
    model.set_counts({need.code: 2001 for need in window.needs.all})
    metrics = view.fontMetrics()
    indicator = view.style().pixelMetric(view.style().PixelMetric.PM_IndicatorWidth)
    for row in range(model.rowCount()):
        text = model.index(row).data()
        assert text.endswith("(2,000+)")
        assert metrics.horizontalAdvance(text) + indicator + 8 <= view.viewport().width(), text
