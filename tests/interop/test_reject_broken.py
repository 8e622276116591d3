"""Broken inputs are refused with messages naming file, row and field — and the database is untouched.

Each test runs on a SQLite file and on a database on the PostgreSQL test server, both holding the bundled
directory; "untouched" is every table's rows and the schema (dump.full_dump) before and after."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from interop_helpers import CSV_EXAMPLE, SERVICE_FULL, copy_tree, rows
from dump import diff, full_dump

from ketdir.cli import main


def edit_csv(path: Path, edit) -> None:
    """Rewrite a CSV file: edit(header, rows) returns the new (header, rows)."""
    with path.open(encoding="utf-8", newline="") as fh:
        data = list(csv.reader(fh))
    header, rows = edit(data[0], data[1:])
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    path.write_text(out.getvalue(), encoding="utf-8")


def drop_column(name):
    def edit(header, rows):
        i = header.index(name)
        return header[:i] + header[i + 1:], [r[:i] + r[i + 1:] for r in rows]
    return edit


def set_value(column, value, row=0):
    def edit(header, rows):
        rows[row][header.index(column)] = value
        return header, rows
    return edit


def duplicate_row(header, rows):
    return header, rows + [list(rows[0])]


@pytest.fixture
def directory_db(bundled_directory) -> Path | str:
    """A directory with data in it (the bundled one), on each backend, to prove nothing changes."""
    return bundled_directory


def run_import(db: Path | str, path: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["--db", str(db), "import", str(path), *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def file_bytes(db: Path | str) -> bytes | None:
    """The SQLite file's bytes (a refused import must not even rewrite it); None for a server database."""
    return db.read_bytes() if isinstance(db, Path) else None


def assert_refused(db: Path | str, path: Path, capsys, *expected: str) -> str:
    before, before_bytes = full_dump(db), file_bytes(db)
    code, output = run_import(db, path, capsys)
    assert code == 1, output
    assert "Nothing was changed." in output
    for text in expected:
        assert text in output, f"expected {text!r} in:\n{output}"
    differences = diff(before, full_dump(db))
    assert not differences, "\n".join(differences)
    assert file_bytes(db) == before_bytes, "the SQLite file was rewritten"
    return output


def test_missing_required_column(tmp_path, directory_db, capsys):
    package = copy_tree(CSV_EXAMPLE, tmp_path / "pkg")
    edit_csv(package / "services.csv", drop_column("name"))
    output = assert_refused(directory_db, package, capsys, "services.csv: name: the file has no “name” column")
    assert "every service needs one" in output


def test_broken_foreign_key(tmp_path, directory_db, capsys):
    package = copy_tree(CSV_EXAMPLE, tmp_path / "pkg")
    edit_csv(package / "services.csv", set_value("organization_id", "00000000-dead-4bad-8bad-000000000000"))
    assert_refused(directory_db, package, capsys,
                   "services.csv:2: organization_id: there is no organisation with id "
                   "00000000-dead-4bad-8bad-000000000000 in organizations.csv or in the directory")


def test_broken_link_of_a_phone_to_its_only_owner(tmp_path, directory_db, capsys):
    package = copy_tree(CSV_EXAMPLE, tmp_path / "pkg")

    def orphan(header, rows):
        for column in ("location_id", "organization_id", "contact_id", "service_at_location_id"):
            rows[0][header.index(column)] = ""
        rows[0][header.index("service_id")] = "11111111-2222-4333-8444-555555555555"
        return header, rows
    edit_csv(package / "phones.csv", orphan)
    assert_refused(directory_db, package, capsys, "phones.csv:2: service_id: there is no service with id "
                                                  "11111111-2222-4333-8444-555555555555")


def test_duplicate_id(tmp_path, directory_db, capsys):
    package = copy_tree(CSV_EXAMPLE, tmp_path / "pkg")
    edit_csv(package / "phones.csv", duplicate_row)
    assert_refused(directory_db, package, capsys,
                   "phones.csv:3: id: the id 1554f2e2-a373-45db-a3fa-9fc48a61c15e is used twice (also at phones.csv:2)")


def test_a_windows_1252_package_is_read_and_says_so(tmp_path, directory_db, capsys):
    package = copy_tree(CSV_EXAMPLE, tmp_path / "pkg")
    text = (package / "services.csv").read_text(encoding="utf-8")
    (package / "services.csv").write_bytes(text.encode("cp1252"))  # the £ in the fees becomes byte 0xA3
    code, output = run_import(directory_db, package, capsys)
    assert code == 0, output
    assert "services.csv: the file is not UTF-8, so it was read as Windows-1252" in output
    assert any("£" in row[0] for row in rows(directory_db, "SELECT fees_description FROM service "
                                                           "WHERE name = 'Community Counselling'"))


def test_truncated_zip(tmp_path, directory_db, capsys):
    archive = shutil.make_archive(str(tmp_path / "hsds"), "zip", CSV_EXAMPLE)
    data = Path(archive).read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    assert_refused(directory_db, cut, capsys, "cut.zip: this is not a complete zip file",
                   "cut off while downloading")


def test_invalid_date_and_unknown_enum(tmp_path, directory_db, capsys):
    package = copy_tree(CSV_EXAMPLE, tmp_path / "pkg")
    edit_csv(package / "services.csv", set_value("assured_date", "31/02/2026"))
    edit_csv(package / "locations.csv", set_value("location_type", "building"))
    assert_refused(directory_db, package, capsys,
                   "services.csv:2: assured_date: “31/02/2026” is not a date; write dates as YYYY-MM-DD",
                   "locations.csv:2: location_type: “building” is not one of the allowed values: physical, postal, "
                   "virtual")


def test_bad_json_and_conflicting_copies(tmp_path, directory_db, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text(SERVICE_FULL.read_text(encoding="utf-8")[:-200], encoding="utf-8")
    assert_refused(directory_db, broken, capsys, "broken.json:", "not valid JSON at line")

    service = json.loads(SERVICE_FULL.read_text(encoding="utf-8"))
    service["service_at_locations"][0]["phones"][0]["number"] = "0113 496 0000"  # the same phone id, another number
    conflicting = tmp_path / "conflicting.json"
    conflicting.write_text(json.dumps(service), encoding="utf-8")
    assert_refused(directory_db, conflicting, capsys,
                   "conflicting.json:1: service_at_locations[0].phones[0].number: phone 1554f2e2-a373-45db-a3fa-"
                   "9fc48a61c15e appears more than once with different values")


def test_dry_run_changes_nothing(tmp_path, directory_db, capsys):
    before, before_bytes = full_dump(directory_db), file_bytes(directory_db)
    code, output = run_import(directory_db, CSV_EXAMPLE, capsys, "--dry-run")
    assert code == 0, output
    assert "Services: 1 new, 0 changed" in output
    assert "Dry run: nothing was changed." in output
    assert not diff(before, full_dump(directory_db))
    assert file_bytes(directory_db) == before_bytes


def test_missing_path_is_a_clear_error(tmp_path, directory_db, capsys):
    code, output = run_import(directory_db, tmp_path / "nowhere.zip", capsys)
    assert code == 1
    assert "there is no file or folder at" in output


def test_a_spreadsheet_quote_that_never_closes_is_refused_not_swallowed(tmp_path, directory_db, capsys):
    """Read leniently, the quote before "Beta" took Beta, Gamma and Delta as one service's name."""
    sheet = tmp_path / "clinics.csv"
    sheet.write_text('name,phone,postal_code\nAlpha Clinic,0161 496 0001,M1 1AA\n"Beta Clinic,0161 496 0002,M1 1AA\n'
                     "Gamma Clinic,0161 496 0003,M1 1AA\nDelta Clinic,0161 496 0004,M1 1AA\n", encoding="utf-8")
    assert_refused(directory_db, sheet, capsys, "clinics.csv:3", "opens a cell in row 3 and never closes")
