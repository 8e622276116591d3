"""The import and column-mapping dialogs, driven for real (offscreen) with pytest-qt."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from interop_helpers import CSV_EXAMPLE, copy_tree
from dump import diff, full_dump
from packages import services, write_package

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from ketdir.gui.import_dialog import ImportDialog, open_import_dialog  # noqa: E402
from ketdir.gui.mapping_dialog import NOT_MAPPED, MappingDialog  # noqa: E402
from ketdir.interop.read_spreadsheet import ColumnMapping  # noqa: E402
from ketdir.store.engine import open_directory  # noqa: E402


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def db(sqlite_db):
    """The window tests stay on a SQLite file (they compare whole files)."""
    return sqlite_db


@pytest.fixture
def dialog(qtbot, db):
    directory = open_directory(db, create=True)
    made = []

    def make(path=None):
        d = ImportDialog(directory, None, path)
        qtbot.addWidget(d)
        d.show()
        made.append(d)
        return d

    yield make
    for d in made:
        d.worker.shutdown(30000)
    directory.close()


def test_check_then_import_with_progress(qtbot, dialog, db):
    d = dialog(CSV_EXAMPLE)
    assert d.check_button.isEnabled() and not d.import_button.isEnabled()
    with qtbot.waitSignal(d.checked, timeout=30000) as checked:
        qtbot.mouseClick(d.check_button, Qt.MouseButton.LeftButton)
    assert checked.args[0].plan is not None
    assert "1 new" in d.plan_text.toPlainText()
    assert any("locations.csv:2: organization_id" in d.problem_list.item(i).text()
               for i in range(d.problem_list.count()))
    assert d.import_button.isEnabled()
    assert count(db, "SELECT count(*) FROM service") == 0  # checking changes nothing
    progress = []
    d.progress.valueChanged.connect(lambda value: progress.append((value, d.progress.maximum())))
    with qtbot.waitSignal(d.imported, timeout=60000) as imported:
        qtbot.mouseClick(d.import_button, Qt.MouseButton.LeftButton)
    assert imported.args[0].new == 1
    assert progress and progress[-1][0] == progress[-1][1]  # the bar ends full
    assert "Imported" in d.status.text()
    assert count(db, "SELECT count(*) FROM service") == 1
    assert not d.import_button.isEnabled()


def test_errors_are_listed_and_block_the_import(qtbot, dialog, tmp_path, db):
    package = copy_tree(CSV_EXAMPLE, tmp_path / "pkg")
    text = (package / "services.csv").read_text(encoding="utf-8").replace("Community Counselling", "", 1)
    (package / "services.csv").write_text(text, encoding="utf-8")
    d = dialog(package)
    with qtbot.waitSignal(d.checked, timeout=30000):
        d.check()
    first = d.problem_list.item(0).text()
    assert first.startswith("Error: services.csv:2: name: this service has no name")
    assert not d.import_button.isEnabled()
    assert "Nothing was changed" in d.status.text()


def test_stop_leaves_the_directory_as_it_was(qtbot, dialog, tmp_path, db):
    source = write_package(tmp_path / "feed", services(1500))
    d = dialog(source)
    with qtbot.waitSignal(d.checked, timeout=60000):
        d.check()
    before = full_dump(db)
    with qtbot.waitSignal(d.cancelled, timeout=60000) as cancelled:
        d.start_import()
        d.stop()  # before the worker gets going: it stops at its first check
    assert "Nothing was changed" in cancelled.args[0]
    assert not diff(before, full_dump(db))
    assert d.import_button.isEnabled() and d.close_button.isEnabled()


def test_spreadsheet_enables_the_mapping(qtbot, dialog, tmp_path, db):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("Service;Postcode;Phone\nHope drop-in;LS1 1AA;0113 496 0500\n", encoding="utf-8")
    d = dialog(sheet)
    assert d.mapping_button.isEnabled()
    d.set_mapping(ColumnMapping(columns={"name": "Service", "postal_code": "Postcode", "phone": "Phone"}))
    with qtbot.waitSignal(d.checked, timeout=30000):
        d.check()
    with qtbot.waitSignal(d.imported, timeout=30000):
        d.start_import()
    assert count(db, "SELECT count(*) FROM phone WHERE number = '0113 496 0500'") == 1


def test_open_import_dialog_shows_a_window_modal_dialog(qtbot, db):
    parent = QWidget()
    qtbot.addWidget(parent)
    directory = open_directory(db, create=True)
    try:
        shown = open_import_dialog(parent, directory)
        assert parent.findChildren(ImportDialog) == [shown] and shown.isVisible()
        assert shown.windowModality() == Qt.WindowModality.WindowModal
        shown.close()
    finally:
        directory.close()


def test_mapping_dialog_guesses_edits_saves_and_loads(qtbot, tmp_path):
    sheet = tmp_path / "services.csv"
    sheet.write_bytes("Service name;Organisation;Tel;Postcode;Notes\nCafé Hope;Hope Trust;0113 496 0500;LS1 1AA;x\n"
                      .encode("cp1252"))
    d = MappingDialog(sheet)
    qtbot.addWidget(d)
    mapping = d.mapping()
    assert mapping.columns == {"name": "Service name", "organization": "Organisation", "phone": "Tel",
                               "postal_code": "Postcode"}
    assert mapping.delimiter is None  # detected, not forced
    assert d.preview.item(0, 0).text() == "Café Hope"
    assert d.ok_button.isEnabled()
    d.set_column("name", None)
    assert not d.ok_button.isEnabled() and "service name" in d.status.text()
    d.set_column("name", "Service name")
    d.set_column("description", "Notes")
    d.need_constant.setCurrentIndex(d.need_constant.findData("harm-reduction"))
    saved = tmp_path / "m.json"
    d.save_to(saved)
    again = MappingDialog(sheet)
    qtbot.addWidget(again)
    again.load_from(saved)
    assert again.mapping().columns == {**mapping.columns, "description": "Notes"}
    assert again.mapping().constants == {"need": "harm-reduction"}
    assert again._combos["url"].currentText() == NOT_MAPPED


def test_mapping_dialog_for_a_workbook(qtbot, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["nothing here"])
    services_sheet = book.create_sheet("Services")
    services_sheet.append(["Name", "Phone number"])
    services_sheet.append(["Night line", "0808 157 0000"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    d = MappingDialog(path, ColumnMapping(sheet="Services"))
    qtbot.addWidget(d)
    assert d.sheet_box.currentText() == "Services"
    assert d.mapping().columns == {"name": "Name", "phone": "Phone number"}
    assert not d.delimiter_box.isEnabled()


REALWORLD = Path(__file__).resolve().parents[1] / "fixtures" / "realworld"


def test_mapping_dialog_reads_a_not_sign_list_and_any_other_delimiter(qtbot, tmp_path):
    sheet = tmp_path / "clinics.csv"
    sheet.write_bytes((REALWORLD / "nhs_clinics_latin1_notsign.csv").read_bytes())
    d = MappingDialog(sheet)
    qtbot.addWidget(d)
    assert d.mapping().columns["name"] == "OrganisationName"  # detected: ¬ between cells, Windows-1252
    assert "Read with “¬” between cells, as cp1252" in d.status.text()
    assert d.preview.item(1, 4).text() == "Café Santé Clinic"
    caret = tmp_path / "caret.csv"
    caret.write_text("Name^Phone\nHope line^0113 496 0500\n", encoding="utf-8")
    d2 = MappingDialog(caret)
    qtbot.addWidget(d2)
    d2.delimiter_box.setCurrentIndex(d2.delimiter_box.findData("other"))
    assert d2.other_delimiter.isEnabled()
    qtbot.keyClicks(d2.other_delimiter, "^")
    assert d2.mapping().delimiter == "^" and d2.mapping().columns == {"name": "Name", "phone": "Phone"}
    qtbot.keyClicks(d2.checked_constant, "2014-13-01")
    assert not d2.ok_button.isEnabled() and "is not a date" in d2.status.text()
    d2.checked_constant.clear()
    qtbot.keyClicks(d2.checked_constant, "2014-01-01")
    assert d2.ok_button.isEnabled() and d2.mapping().constants == {"assured_date": "2014-01-01"}


def test_rows_with_problems_can_be_left_out_in_the_dialog(qtbot, dialog, tmp_path, db):
    sheet = tmp_path / "clinics.csv"
    sheet.write_bytes((REALWORLD / "nhs_clinics_latin1_notsign.csv").read_bytes())
    d = dialog(sheet)
    assert d.rows_box.isEnabled()
    with qtbot.waitSignal(d.checked, timeout=30000):
        qtbot.mouseClick(d.check_button, Qt.MouseButton.LeftButton)
    texts = [d.problem_list.item(i).text() for i in range(d.problem_list.count())]
    assert any("clinics.csv:4: OrganisationID: this row describes the same service as row 3" in t for t in texts)
    assert "row(s) have problems" in d.status.text() and not d.import_button.isEnabled()
    d.rows_box.setCurrentIndex(d.rows_box.findData("keep-first"))
    with qtbot.waitSignal(d.checked, timeout=30000):
        qtbot.mouseClick(d.check_button, Qt.MouseButton.LeftButton)
    assert "3 row(s) of the sheet are left out" in d.plan_text.toPlainText()
    with qtbot.waitSignal(d.imported, timeout=30000):
        qtbot.mouseClick(d.import_button, Qt.MouseButton.LeftButton)
    assert count(db, "SELECT count(*) FROM service") == 3


def test_need_types_for_unmapped_terms_are_chosen_in_the_window(qtbot, dialog, db):
    from ketdir.gui.terms_dialog import TermsDialog

    d = dialog(REALWORLD / "hsds3_json" / "service.json")
    with qtbot.waitSignal(d.checked, timeout=30000):
        qtbot.mouseClick(d.check_button, Qt.MouseButton.LeftButton)
    assert d.terms_button.isEnabled()
    qtbot.mouseClick(d.terms_button, Qt.MouseButton.LeftButton)
    terms = d.findChild(TermsDialog)
    assert terms.isVisible() and terms.table.item(0, 0).text() == "Gardening club"
    terms.choose("Gardening club", "peer-support")
    with qtbot.waitSignal(d.checked, timeout=30000):  # choosing checks again
        terms.accept()
    texts = [d.problem_list.item(i).text() for i in range(d.problem_list.count())]
    assert not any("Gardening club" in t for t in texts) and not d.terms_button.isEnabled()
    with qtbot.waitSignal(d.imported, timeout=30000):
        qtbot.mouseClick(d.import_button, Qt.MouseButton.LeftButton)
    assert count(db, "SELECT count(*) FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id "
                     "WHERE t.code = 'peer-support'") == 1
