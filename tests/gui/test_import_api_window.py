"""File › Import from a published Open Referral UK API, as a person does it in the real window: Ctrl+I, type the
API's address, Check, Import, find its services; Stop while it reads; a server that is not there."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from helpers import names, settle, type_into
from test_import_window import open_dialog_with_ctrl_i
from tests.api.api_data import build_published
from tests.api.servers import live_server


@pytest.fixture(scope="module")
def published_api(tmp_path_factory):
    """The API tests' directory (tests/api/api_data.py), served on loopback."""
    path = tmp_path_factory.mktemp("published") / "published.db"
    build_published(str(path))
    with live_server(str(path)) as url:
        yield url


def give_address(qtbot, dialog, url: str) -> None:
    dialog.path_edit.clear()
    qtbot.keyClicks(dialog.path_edit, url)
    assert dialog.check_button.isEnabled() and not dialog.mapping_button.isEnabled()


def test_import_a_published_api_from_the_file_menu(qtbot, window, published_api):
    dialog = open_dialog_with_ctrl_i(qtbot, window)
    assert "Open Referral UK API" in dialog.path_edit.placeholderText()
    give_address(qtbot, dialog, published_api)
    with qtbot.waitSignal(dialog.checked, timeout=30000):
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    plan = dialog.plan_text.toPlainText()
    assert f"Read {published_api}/ (oruk-api)" in plan and "Services: 11 new" in plan
    with qtbot.waitSignal(dialog.imported, timeout=60000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "11 new" in dialog.status.text()
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, window.search_edit, "ket bladder")
    settle(qtbot, window)
    assert "Ketamine Bladder Clinic" in names(window)


def test_stop_while_reading_the_api_changes_nothing(qtbot, window, published_api):
    dialog = open_dialog_with_ctrl_i(qtbot, window)
    give_address(qtbot, dialog, published_api)
    with qtbot.waitSignal(dialog.cancelled, timeout=30000):
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)  # before its first step: stops there
    assert dialog.status.text() == "Stopped. Nothing was changed."
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    type_into(qtbot, window.search_edit, "ket bladder")
    settle(qtbot, window)
    assert "Ketamine Bladder Clinic" not in names(window)


def test_an_api_that_is_not_there_is_a_message(qtbot, window):
    from tests.api.cli_helpers import free_port

    dialog = open_dialog_with_ctrl_i(qtbot, window)
    give_address(qtbot, dialog, f"http://127.0.0.1:{free_port()}/api")
    with qtbot.waitSignal(dialog.failed, timeout=30000):
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    boxes = [w for w in dialog.findChildren(QMessageBox) if w.objectName() == "problemBox" and w.isVisible()]
    assert len(boxes) == 1 and "Could not connect to 127.0.0.1" in boxes[0].informativeText()
    assert "nothing was changed" in boxes[0].informativeText()
    boxes[0].close()
    assert not dialog.import_button.isEnabled() and dialog.check_button.isEnabled()
