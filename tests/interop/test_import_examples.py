"""Every HSDS example imports: the tabular datapackage (folder and zip), service_full.json,
organization_full.json, taxonomy_term.json, and lists and API pages of services."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from interop_helpers import (
    CSV_EXAMPLE,
    EXAMPLE_SERVICE_ID,
    ORGANIZATION_FULL,
    SERVICE_FULL,
    TAXONOMY_TERM,
    import_into,
    rows,
)

from ketdir.interop.load import detect_format, read_any
from ketdir.interop.validate import validate


def zip_folder(folder: Path, target: Path, wrap: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{wrap}{path.name}")
    return target


@pytest.mark.parametrize("example", [CSV_EXAMPLE, SERVICE_FULL, ORGANIZATION_FULL])
def test_example_imports_the_service_with_everything_it_has(db, example):
    result = import_into(db, example)
    assert result.plan.new == [EXAMPLE_SERVICE_ID]
    assert rows(db, "SELECT name, status, minimum_age, assured_date FROM service") == [
        ("Community Counselling", "active", 12.0, "2005-01-01")]
    assert rows(db, "SELECT number, extension, type FROM phone") == [('"+44 1234 234567"', 100.0, "voice")]
    assert rows(db, "SELECT byday, opens_at, closes_at, freq FROM schedule") == [("TH,FR", "10:00:00", "18:00:00",
                                                                                   "WEEKLY")]
    assert rows(db, "SELECT address_1, city, postal_code, country FROM address") == [
        ("1-30 Main Street", "MyCity", "ABC 1234", "US")]
    assert rows(db, "SELECT code, name FROM language") == [("ur", "Urdu")]
    assert rows(db, "SELECT count(*) FROM accessibility") == [(1,)]
    assert rows(db, "SELECT option, amount FROM cost_option") == [("Under 18s and Over 60s", 35.0)]
    # the search index knows the service
    assert rows(db, "SELECT name FROM ketdir_search_doc") == [("Community Counselling",)]
    # and the foreign taxonomy term is kept as given
    assert rows(db, "SELECT id, code FROM taxonomy_term WHERE id = '3f7b145d-84af-42d7-8fae-eaca714b02b2'") == [
        ("3f7b145d-84af-42d7-8fae-eaca714b02b2", "code")]


def test_datapackage_zip_and_zip_with_a_folder_inside(db, tmp_path):
    plain = zip_folder(CSV_EXAMPLE, tmp_path / "hsds.zip")
    wrapped = zip_folder(CSV_EXAMPLE, tmp_path / "wrapped.zip", wrap="export-2026-11/")
    assert detect_format(plain) == "datapackage"
    assert import_into(db, plain).plan.new == [EXAMPLE_SERVICE_ID]
    assert import_into(tmp_path / "other.db", wrapped).plan.new == [EXAMPLE_SERVICE_ID]


def test_singular_oruk_file_names_are_accepted(db, tmp_path):
    folder = tmp_path / "oruk"
    folder.mkdir()
    singular = {"attributes.csv": "attribute.csv", "addresses.csv": "address.csv", "schedules.csv": "schedule.csv",
                "services.csv": "service.csv", "phones.csv": "phone.csv", "organizations.csv": "organization.csv"}
    for path in CSV_EXAMPLE.iterdir():
        (folder / singular.get(path.name, path.name)).write_bytes(path.read_bytes())
    result = import_into(db, folder)
    assert result.plan.new == [EXAMPLE_SERVICE_ID]
    assert rows(db, "SELECT count(*) FROM address") == [(1,)]
    assert rows(db, "SELECT count(*) FROM schedule") == [(1,)]


def test_broken_links_in_the_example_are_dropped_with_warnings_not_errors():
    dataset = read_any(CSV_EXAMPLE)
    validate(dataset)
    assert not dataset.errors
    dropped = {(p.file, p.field) for p in dataset.warnings if p.code == "dropped-link"}
    assert ("locations.csv", "organization_id") in dropped
    assert ("contacts.csv", "service_at_location_id") in dropped
    # the descriptor in the example is a link placeholder: reported, then the files are read by name
    assert any(p.code == "linked-descriptor" and p.file == "datapackage.json" for p in dataset.warnings)


def test_taxonomy_term_example(db):
    result = import_into(db, TAXONOMY_TERM)
    assert result.plan.new == []
    assert result.plan.tables["taxonomy_term"].new == 1
    assert rows(db, "SELECT name, taxonomy_id FROM taxonomy_term WHERE code = 'code'") == [
        ("name", "5c4d79d7-cc55-470e-9f1f-8cad074e4892")]
    assert rows(db, "SELECT name FROM taxonomy WHERE id = '5c4d79d7-cc55-470e-9f1f-8cad074e4892'") == [("name",)]


def _two_services() -> list[dict]:
    first = json.loads(SERVICE_FULL.read_text(encoding="utf-8"))
    second = {"id": "0d2e2a53-4b39-4d4f-9f3b-6f4c5f4b8a01", "name": "Second Service", "status": "active",
              "organization": first["organization"]}
    return [first, second]


def test_a_list_of_services(db, tmp_path):
    path = tmp_path / "services.json"
    path.write_text(json.dumps(_two_services()), encoding="utf-8")
    assert sorted(import_into(db, path).plan.new) == sorted([EXAMPLE_SERVICE_ID, "0d2e2a53-4b39-4d4f-9f3b-6f4c5f4b8a01"])


def test_a_paginated_api_response_and_a_folder_of_pages(db, tmp_path):
    services = _two_services()
    page = {"total_items": 2, "total_pages": 1, "page_number": 1, "size": 2, "first_page": True, "last_page": True,
            "empty": False, "contents": services}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    assert len(import_into(db, path).plan.new) == 2

    # one page of two: read, but it is not the whole feed, so nothing would be removed
    pages = tmp_path / "pages"
    pages.mkdir()
    for n, service in enumerate(services, start=1):
        (pages / f"page{n}.json").write_text(json.dumps(
            {"total_items": 2, "total_pages": 2, "page_number": n, "size": 1, "contents": [service]}), encoding="utf-8")
    partial = read_any(pages / "page1.json")
    validate(partial)
    assert not partial.complete and any(p.code == "partial-page" for p in partial.warnings)
    whole = read_any(pages)
    validate(whole)
    assert whole.complete and len(whole.rows("service")) == 2
