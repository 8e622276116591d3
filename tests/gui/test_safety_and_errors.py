"""Hostile data renders inert; a database that cannot be opened gives a message, not a traceback."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QMessageBox

from helpers import choose_result, settle, type_into
from ketdir.gui import app as gui_app
from ketdir.gui.detail_pane import SafeBrowser
from ketdir.gui.html import clean_data, safe_url
from servicedb import SERVICES, Spec, build_db

HOSTILE = (
    "Friendly clinic.<script>alert('owned')</script>"
    '<a href="javascript:alert(1)">click me</a> '
    '<a href="file:///etc/passwd">local file</a> '
    '<a href="passwd">relative</a> '
    '<img src="https://tracker.example/pixel.png"> <img src="file:///home/user/photo.jpg">'
    '<a href="https://safe.example/info" onclick="steal()">safe link</a>'
    '<style>body { background: url(https://tracker.example/bg.png) }</style>'
    '<iframe src="https://evil.example"></iframe>'
)


@pytest.fixture
def hostile_window(tmp_path, make_window):
    spec = Spec("Hostile Test Service", ("harm-reduction",), "SE1 7TP", 51.50, -0.11, description=HOSTILE,
                application_process='<a href="javascript:void(0)">Refer here</a> or phone.',
                extra={"alert": "<b onmouseover=x()>Closed for refurbishment</b>"})
    directory = build_db(tmp_path / "hostile.db", [spec, SERVICES[0]])
    window = make_window(directory)
    yield window
    directory.close()


def test_a_hostile_description_renders_inert(qtbot, hostile_window):
    window = hostile_window
    type_into(qtbot, window.search_edit, "hostile")
    settle(qtbot, window)
    detail = choose_result(qtbot, window)
    assert detail.name == "Hostile Test Service"
    browser = window.detail_pane.browser
    html = browser.toHtml().lower()
    for bad in ("<script", "alert(", "javascript:", "file:", "<img", "tracker.example", "onclick", "steal(",
                "<iframe", "evil.example", "onmouseover"):
        assert bad not in html, bad
    anchors = browser.anchors()
    assert "https://safe.example/info" in anchors
    assert all(re.match(r"^(https?://|tel:|mailto:)", a) for a in anchors), anchors
    text = browser.toPlainText()
    assert "Friendly clinic." in text and "click me" in text  # the words stay, the link does not
    assert "Please note: Closed for refurbishment" in text  # the alert's words, without its markup
    # no image was put into the document
    assert "￼" not in text  # the object-replacement character Qt uses for images


def test_the_browser_never_loads_resources_or_follows_unsafe_links(qtbot, qapp, monkeypatch):
    opened = []
    monkeypatch.setattr("ketdir.gui.detail_pane.QDesktopServices.openUrl", lambda url: opened.append(url.toString()))
    browser = SafeBrowser()
    qtbot.addWidget(browser)
    assert browser.loadResource(2, QUrl("file:///etc/passwd")) is None
    for url in ("javascript:alert(1)", "file:///etc/passwd", "passwd", "data:text/html,hi"):
        browser.anchorClicked.emit(QUrl(url))
    browser.anchorClicked.emit(QUrl("https://example.org/"))
    browser.anchorClicked.emit(QUrl("tel:+442079460101"))
    assert opened == ["https://example.org/", "tel:+442079460101"]


def test_safe_url_and_clean_data():
    assert safe_url("https://example.org/a") == "https://example.org/a"
    assert safe_url("mailto:help@example.org") == "mailto:help@example.org"
    assert safe_url("tel:+441234567890") == "tel:+441234567890"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "file:///etc/passwd",
                "/etc/passwd", "https://", "ftp://example.org", "data:text/html,x", "vbscript:x"):
        assert safe_url(bad) is None, bad
    assert clean_data("a < b & c") == "<p>a &lt; b &amp; c</p>"
    assert "<script" not in clean_data("<p>x</p><script>y()</script>")


def _run_and_read_the_message(path) -> tuple[int, str, str]:
    """Start the window as `ketdir` does; when the problem box appears, read it and press Close as a person would.
    Returns (exit code, the box's heading, its message)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    seen: list[tuple[str, str]] = []

    def answer_the_box(tries: int = 500) -> None:
        boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "problemBox" and w.isVisible()]
        if boxes:
            seen.append((boxes[0].text(), boxes[0].informativeText()))
            boxes[0].button(QMessageBox.StandardButton.Close).click()
        elif tries:
            QTimer.singleShot(20, lambda: answer_the_box(tries - 1))
        else:
            QApplication.instance().exit(99)  # no message came: fail rather than hang

    QTimer.singleShot(20, answer_the_box)
    code = gui_app.run(str(path))
    assert seen, "no message was shown"
    return code, *seen[0]


def test_a_corrupt_database_gives_a_message_that_says_what_to_do(tmp_path, qapp):
    bad = tmp_path / "broken.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x13\x37" * 4000)
    code, title, message = _run_and_read_the_message(bad)
    assert code == 2
    assert title == "ketdir cannot open the directory"
    assert "broken.db" in message
    assert "Traceback" not in message
    assert "backup" in message or "build-db" in message  # it says what to do


def test_run_ends_with_code_2_when_the_database_is_missing(tmp_path, qapp):
    code, _title, message = _run_and_read_the_message(tmp_path / "nowhere.db")
    assert code == 2 and "There is no database" in message


def test_not_a_database_at_all(tmp_path, qapp):
    text = tmp_path / "notes.db"
    text.write_text("these are my notes, not a database")
    code, _title, message = _run_and_read_the_message(text)
    assert code == 2 and "not a ketdir database" in message
