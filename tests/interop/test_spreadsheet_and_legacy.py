"""Spreadsheets (CSV in any delimiter and encoding, XLSX) through a saved column mapping, and legacy
Open Referral UK v1 tables mapped onto HSDS 3.0."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from interop_helpers import LEGACY_CSV, LEGACY_JSON, import_into, rows

from ketdir.interop.load import detect_format, read_any
from ketdir.interop.read_spreadsheet import ColumnMapping, parse_hours_text, read_sheet, suggest_mapping
from ketdir.interop.validate import validate
from ketdir.store.records import need_term_id

HEADER = ["Service name", "Organisation", "Address", "Town", "Postcode", "Telephone", "Opening hours", "Category",
          "Last checked", "Fees", "Notes"]
ROWS = [
    ["Café Hope drop-in", "Hope Trust", "1 Example Street", "Leeds", "LS1 1AA", "0113 496 0500",
     "Mon-Fri 9am-5pm; Sat 10:00-14:00", "Drugs and alcohol; Sexual health", "01/10/2026", "Free (£0)", "x"],
    ["Night line", "Hope Trust", "", "", "", "0808 157 0000 / 0113 496 0501", "every evening from 7",
     "", "2026-09-30", "", ""],
]


def saved_mapping(tmp_path: Path) -> Path:
    mapping = ColumnMapping(
        columns={"name": "Service name", "organization": "Organisation", "address_1": "Address", "city": "Town",
                 "postal_code": "Postcode", "phone": "Telephone", "hours": "Opening hours", "need": "Category",
                 "assured_date": "Last checked", "fees": "Fees"},
        constants={"need": "harm-reduction"},
    )
    path = tmp_path / "hope-trust.mapping.json"
    mapping.save(path)
    return path


def query(db, sql: str) -> list[tuple]:
    return rows(db, sql)


def check_sheet_import(db) -> None:
    assert query(db, "SELECT name, fees_description, assured_date FROM service ORDER BY name") == [
        ("Café Hope drop-in", "Free (£0)", "2026-10-01"), ("Night line", None, "2026-09-30")]
    assert query(db, "SELECT count(*) FROM organization") == [(1,)]
    assert query(db, "SELECT number FROM phone ORDER BY number") == [
        ("0113 496 0500",), ("0113 496 0501",), ("0808 157 0000",)]
    assert query(db, "SELECT postal_code, city FROM address") == [("LS1 1AA", "Leeds")]
    assert query(db, "SELECT byday, opens_at, closes_at FROM schedule WHERE byday IS NOT NULL ORDER BY byday") == [
        ("MO,TU,WE,TH,FR", "9am", "5pm"), ("SA", "10:00", "14:00")]
    needs = {row[0] for row in query(db, "SELECT taxonomy_term_id FROM attribute")}
    assert needs == {need_term_id("drug-treatment"), need_term_id("sexual-health"), need_term_id("harm-reduction")}


def test_semicolon_cp1252_csv_with_a_saved_mapping(db, tmp_path):
    text = ";".join(HEADER) + "\r\n" + "\r\n".join(
        ";".join(f'"{c}"' if ";" in c else c for c in row) for row in ROWS) + "\r\n"
    sheet = tmp_path / "hope trust services.csv"
    sheet.write_bytes(text.encode("cp1252"))
    read = read_sheet(sheet)
    assert (read.delimiter, read.encoding) == (";", "cp1252")
    assert read.headers == HEADER
    mapping = ColumnMapping.load(saved_mapping(tmp_path))
    dataset = read_any(sheet, mapping=mapping)
    validate(dataset)
    assert not dataset.errors
    assert any(p.code == "encoding-guess" and "Windows-1252" in p.message for p in dataset.warnings)
    assert any(p.code == "hours-text" and p.row == 3 for p in dataset.warnings)
    import_into(db, sheet, mapping=mapping, source="hope trust")
    check_sheet_import(db)
    # next month's copy of the sheet updates the same records
    again = import_into(db, sheet, mapping=mapping, source="hope trust")
    assert again.plan.new == [] and len(again.plan.unchanged) == 2


def test_xlsx_with_a_saved_mapping(db, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Services"
    sheet.append(HEADER)
    for row in ROWS:
        cells = list(row)
        cells[8] = dt.datetime(2026, 10, 1) if row[8] == "01/10/2026" else row[8]
        sheet.append(cells)
    path = tmp_path / "services.xlsx"
    book.save(path)
    assert detect_format(path) == "spreadsheet"
    mapping = ColumnMapping.load(saved_mapping(tmp_path))
    mapping.sheet = "Services"
    import_into(db, path, mapping=mapping)
    check_sheet_import(db)


def test_mapping_round_trips_and_problems_are_clear(tmp_path):
    path = saved_mapping(tmp_path)
    loaded = ColumnMapping.load(path)
    assert loaded.columns["postal_code"] == "Postcode" and loaded.constants == {"need": "harm-reduction"}
    bad = tmp_path / "bad.json"
    bad.write_text('{"columns": {"nonsense": "A"}}', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown field"):
        ColumnMapping.load(bad)
    sheet = tmp_path / "s.csv"
    sheet.write_text("Name,Phone\nA,1\n", encoding="utf-8")
    dataset = read_any(sheet, mapping=ColumnMapping(columns={"name": "Service"}))
    assert [p.code for p in dataset.errors] == ["mapping-column"]
    assert "the sheet has no such column" in dataset.errors[0].message


def test_suggest_mapping_from_headers():
    mapping = suggest_mapping(["Ref", "Name of service", "Provider", "Tel.", "Post code", "Website", "Opening times",
                               "Type of support", "Date last verified"])
    assert mapping.columns == {
        "id": "Ref", "name": "Name of service", "organization": "Provider", "phone": "Tel.",
        "postal_code": "Post code", "url": "Website", "hours": "Opening times", "need": "Type of support",
        "assured_date": "Date last verified",
    }


def test_hours_text():
    assert parse_hours_text("Mon-Fri 9am-5pm, Sat 10-2pm") == [("MO,TU,WE,TH,FR", "9am", "5pm"),
                                                                ("SA", "10", "2pm")]
    assert parse_hours_text("Tuesday & Thursday 18:00–21:00") == [("TU,TH", "18:00", "21:00")]
    assert parse_hours_text("by appointment") == []


def test_legacy_oruk_v1_tables(db):
    dataset = read_any(LEGACY_CSV)
    assert dataset.format == "legacy"
    result = import_into(db, LEGACY_CSV)
    assert len(result.plan.new) == 2
    ket = "5b0d9c3a-1111-4c2e-8f00-000000000001"
    assert query(db, f"SELECT byday, opens_at, closes_at FROM schedule WHERE service_id = '{ket}' "
                     "AND byday IS NOT NULL ORDER BY id") == [
        ("MO", "09:00", "17:00"), ("TU", "09:00", "17:00"), ("WE", "09:00", "19:30")]
    assert query(db, f"SELECT valid_from, valid_to, opens_at FROM schedule WHERE service_id = '{ket}' "
                     "AND byday IS NULL ORDER BY valid_from") == [
        ("2026-12-24", "2026-12-24", "10:00"), ("2026-12-25", "2026-12-26", None)]
    assert query(db, "SELECT address_2, address_type FROM address WHERE postal_code = 'LS11 5AB'") == [
        ("12 Example Street, Holbeck", "physical")]
    assert query(db, f"SELECT minimum_age, eligibility_description, fees_description FROM service WHERE id = '{ket}'") \
        == [(18.0, "adult", "Free")]
    # vocabularies become taxonomies; service types become attributes; mapped to need types
    assert sorted(r[0] for r in query(db, "SELECT name FROM taxonomy WHERE name != 'ketdir-need'")) == [
        "Leeds audiences", "esdServiceTypes", "openEligibility"]
    needs = {r[0] for r in query(db, f"SELECT taxonomy_term_id FROM attribute WHERE link_id = '{ket}'")}
    assert need_term_id("drug-treatment") in needs and "esd-leeds-test:drugs" in needs
    chemsex = "5b0d9c3a-1111-4c2e-8f00-000000000002"
    assert query(db, f"SELECT link_type FROM attribute WHERE link_id = '{chemsex}' "
                     "AND taxonomy_term_id = 'leeds-audience:lgbt'") == [("eligibility",)]
    assert query(db, "SELECT code FROM language WHERE phone_id IS NOT NULL ORDER BY code") == [("en",), ("pl",)]
    assert query(db, "SELECT description FROM accessibility") == [("wheelchair",)]


def test_legacy_oruk_v1_json(db):
    result = import_into(db, LEGACY_JSON)
    assert result.plan.new == ["5b0d9c3a-1111-4c2e-8f00-000000000101"]
    assert query(db, "SELECT byday FROM schedule WHERE byday IS NOT NULL ORDER BY byday") == [("MO",), ("TH",)]
    assert query(db, "SELECT postal_code FROM address") == [("BD1 1AA",)]
    assert query(db, "SELECT name FROM service_area") == [("Bradford district",)]
    needs = {r[0] for r in query(db, "SELECT taxonomy_term_id FROM attribute")}
    assert need_term_id("drug-treatment") in needs
