"""CSV, table and summary output; `ketdir check` on the command line (on both backends)."""
from __future__ import annotations

import csv

import pytest
from health_helpers import rec

from ketdir.cli import main
from ketdir.health import Finding, report_table, write_csv
from ketdir.health.output import CSV_COLUMNS, csv_text
from tests.factories import build


@pytest.fixture(scope="module")
def db(directory_url):
    """One directory per backend for the module (`ketdir check` only reads): a SQLite file or a database on
    the PostgreSQL test server (directory_url, tests/conftest.py)."""
    phone = "0300 123 5555"
    records = [
        rec("Southwark Sexual Health Clinic", postcode="SE1 7AB"),
        rec("Sexual Health Clinic Southwark", postcode="SE1 7AB"),
        rec("Lambeth Drug Service", postcode="SW9 8EJ", phone=phone),
        rec("Brixton Recovery Hub", postcode="SE11 5HL", phone=phone),
        rec("Old Record", assured="2024-01-01"),
        rec("Bad Number", phone="0207 946"),
    ]
    build(directory_url, records).close()
    return directory_url


def test_csv_round_trip_and_formula_guard(tmp_path):
    findings = [
        Finding("phone", "error", "id-1", "=HYPERLINK(\"x\")", "phone.number", "“0207” is not valid — check £"),
        Finding("duplicate", "warning", "id-2", "Two", "name", "Looks like …", ("id-3", "id-4")),
    ]
    path = tmp_path / "out.csv"
    assert write_csv(findings, path) == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read the curly quotes and £
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0]["service_name"] == "'=HYPERLINK(\"x\")"
    assert rows[0]["message"] == "“0207” is not valid — check £"
    assert rows[0]["check_label"] == "Invalid phone number"
    assert rows[1]["related_ids"] == "id-3 id-4"
    assert not (tmp_path / "out.csv.part").exists()
    assert csv_text([]).strip() == ",".join(CSV_COLUMNS)


def test_table_keeps_the_whole_message():
    long = "x" * 300
    text = report_table([Finding("stale", "warning", "id", "A very long service name " * 5, "assured_date", long)])
    assert long in text
    assert "…" in text  # the service name is shortened to fit its column
    assert text.splitlines()[0].startswith("Severity")


def test_cli_check_prints_table_and_summary(db, capsys):
    assert main(["--db", str(db), "check", "--today", "2026-11-25"]) == 0
    out = capsys.readouterr().out
    assert "Checked 6 services on 25 November 2026 (stale after 12 months)" in out
    assert "Likely duplicate" in out and "(duplicate)" in out
    assert "Southwark" in out and "Lambeth Drug Service" in out
    assert "“0207 946” is not a valid phone number" in out
    summary = {line.split("(")[-1].rstrip(")"): int(line.split()[-2].replace(",", ""))
               for line in out.splitlines() if line.strip().endswith(")") and line.startswith("  ")}
    assert summary["duplicate"] == 2 and summary["stale"] == 1 and summary["phone"] == 1


def test_cli_check_csv_and_only(db, tmp_path, capsys):
    target = tmp_path / "findings.csv"
    assert main(["--db", str(db), "check", "--today", "2026-11-25", "--csv", str(target), "--only", "duplicate"]) == 0
    out = capsys.readouterr().out
    assert f"Wrote 2 findings to {target}" in out
    with target.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["check"] for r in rows} == {"duplicate"}
    assert "Invalid phone number" not in out  # only the chosen check ran


def test_cli_check_stale_months(db, capsys):
    main(["--db", str(db), "check", "--today", "2026-11-25", "--only", "stale", "--stale-months", "1", "--summary"])
    out = capsys.readouterr().out
    assert "stale after 1 months" in out
    assert "Old Record" not in out  # --summary: no table
    line = next(l for l in out.splitlines() if "(stale)" in l)
    assert int(line.split()[-2]) == 6


@pytest.mark.parametrize("args, message", [
    (["--only", "spelling"], "not a check"),
    (["--stale-months", "0"], "--stale-months"),
    (["--today", "yesterday"], "not a date"),
])
def test_cli_check_bad_options(db, capsys, args, message):
    assert main(["--db", str(db), "check", *args]) == 2
    assert message in capsys.readouterr().err


def test_cli_check_missing_database(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "nope.db"), "check"]) == 1
    assert "There is no database" in capsys.readouterr().err


def test_cli_check_unwritable_csv(db, tmp_path, capsys):
    assert main(["--db", str(db), "check", "--csv", str(tmp_path / "no" / "such" / "dir" / "f.csv")]) == 1
    assert "could not write" in capsys.readouterr().err


def test_cli_check_findings_are_not_a_failure(db, capsys):
    # A report with errors in it still exits 0: the checks ran.
    assert main(["--db", str(db), "check", "--only", "phone"]) == 0
