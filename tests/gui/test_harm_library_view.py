"""The harm-information library dialog: search, reading a topic, links, PDF and hostile input."""
from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from PySide6.QtCore import Qt

from ketdir.gui.harm_library import HarmLibraryDialog, open_harm_library
from ketdir.harm.library import URGENT_BANNER, load_library


@pytest.fixture
def dialog(qtbot):
    dlg = HarmLibraryDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    return dlg


def titles(dlg):
    return [t.title for t in dlg.visible_topics()]


def test_opens_with_every_topic_and_search_focused(qtbot, dialog):
    library = load_library()
    assert dialog.windowTitle() == "Harm information"
    assert titles(dialog) == [t.title for t in library.topics]
    qtbot.waitUntil(lambda: dialog.search_field.hasFocus())
    assert dialog.search_field.accessibleName() == "Search harm information"
    for widget in (dialog.topic_list, dialog.browser, dialog.print_button, dialog.pdf_button, dialog.close_button):
        assert widget.accessibleName()


def test_ket_cramps_puts_k_cramps_first_and_shows_it(qtbot, dialog):
    qtbot.keyClicks(dialog.search_field, "ket cramps")
    qtbot.waitUntil(lambda: dialog.visible_topics() and dialog.visible_topics()[0].id == "k-cramps")
    qtbot.keyClick(dialog.search_field, Qt.Key.Key_Return)
    title = load_library().get("k-cramps").title
    qtbot.waitUntil(lambda: title in dialog.browser.toPlainText())
    assert "Reviewed 4 December 2026" in dialog.browser.toPlainText()


def test_g_finds_ghb_gbl(qtbot, dialog):
    qtbot.keyClicks(dialog.search_field, "G")
    qtbot.waitUntil(lambda: "ghb-gbl" in [t.id for t in dialog.visible_topics()])


def test_urgent_topic_shows_999_banner_and_plain_topic_does_not(qtbot, dialog):
    assert dialog.select_topic("ghb-gbl")
    qtbot.waitUntil(lambda: URGENT_BANNER in " ".join(dialog.browser.toPlainText().split()))
    assert "999" in dialog.browser.toPlainText()
    assert dialog.select_topic("ketamine-bladder")
    qtbot.waitUntil(lambda: URGENT_BANNER not in " ".join(dialog.browser.toPlainText().split()))


def test_up_down_in_search_field_move_the_selection(qtbot, dialog):
    first, second = dialog.visible_topics()[:2]
    assert dialog.current_topic == first
    qtbot.keyClick(dialog.search_field, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: dialog.current_topic == second)
    qtbot.keyClick(dialog.search_field, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: dialog.current_topic == first)
    assert dialog.search_field.hasFocus()


def test_sources_are_safe_external_links_opened_outside(qtbot, dialog, monkeypatch):
    opened = []
    monkeypatch.setattr("ketdir.gui.detail_pane.QDesktopServices.openUrl", lambda url: opened.append(url))
    dialog.select_topic("ketamine-bladder")
    anchors = dialog.browser.anchors()
    assert anchors and all(a.startswith(("http://", "https://", "tel:", "mailto:")) for a in anchors)
    from PySide6.QtCore import QUrl

    dialog.browser.anchorClicked.emit(QUrl(anchors[0]))
    assert [u.toString() for u in opened] == [anchors[0]]
    assert not dialog.browser.openLinks()


def test_save_pdf_contains_the_title(qtbot, dialog, tmp_path):
    dialog.select_topic("k-cramps")
    target = tmp_path / "t.pdf"
    dialog.save_pdf(target)
    assert target.read_bytes().startswith(b"%PDF")
    pdf = pdfium.PdfDocument(str(target))
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    assert "K-cramps" in text


def test_near_query_with_operators_does_not_raise(qtbot, dialog):
    # "near" is a real word in a topic ("near water"), so the FTS-like operators are just ignored.
    dialog.search_field.setText('"NEAR(*')
    expected = [t.id for t in load_library().search('"NEAR(*')]
    qtbot.waitUntil(lambda: [t.id for t in dialog.visible_topics()] == expected)
    if not expected:
        assert "No topics match" in dialog.count_label.text()


@pytest.mark.parametrize("hostile", ['"QZXV(*', "(*", "*)(\\", "' OR 1=1 --", "<script>alert(1)</script>", "\x00\u202e"])
def test_hostile_input_shows_no_topics_message(qtbot, dialog, hostile):
    dialog.search_field.setText(hostile)
    qtbot.waitUntil(lambda: dialog.topic_list.count() == 0)
    assert "No topics match" in dialog.count_label.text()
    assert "No topics match" in dialog.browser.toPlainText()
    assert not dialog.pdf_button.isEnabled()
    dialog.search_field.clear()
    qtbot.waitUntil(lambda: dialog.topic_list.count() == len(load_library().topics))


def test_open_harm_library_is_non_modal_and_preselects_for_needs(qtbot):
    library = load_library()
    dlg = open_harm_library(None, ["bladder-urology"])
    qtbot.addWidget(dlg)
    qtbot.waitExposed(dlg)
    assert not dlg.isModal()
    assert dlg.current_topic == library.for_needs(["bladder-urology"])[0]
    assert dlg.current_topic.title in dlg.browser.toPlainText()
