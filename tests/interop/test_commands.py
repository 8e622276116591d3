"""`ketdir import` and `ketdir export` on the command line."""
from __future__ import annotations

import json

from conftest import CSV_EXAMPLE, SERVICE_FULL

from ketdir.cli import main


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_import_then_export_both_formats_with_validation(tmp_path, capsys):
    db = tmp_path / "new.db"
    code, output = run(capsys, "--db", str(db), "import", str(CSV_EXAMPLE), "--source", "example feed")
    assert code == 0, output
    assert "Source: example feed" in output
    assert "Imported into" in output and "1 new" in output
    # warnings are listed as file:row: field: message
    assert "locations.csv:2: organization_id: there is no organisation with id" in output

    code, output = run(capsys, "--db", str(db), "export", "--format", "json", str(tmp_path / "out.json"), "--validate")
    assert code == 0, output
    assert "valid" in output
    services = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in services] == ["Community Counselling"]

    code, output = run(capsys, "--db", str(db), "export", str(tmp_path / "out.zip"), "--validate")
    assert code == 0, output
    assert (tmp_path / "out.zip").stat().st_size > 1000


def test_reimport_reports_nothing_to_change(tmp_path, capsys):
    db = tmp_path / "new.db"
    assert run(capsys, "--db", str(db), "import", str(SERVICE_FULL))[0] == 0
    code, output = run(capsys, "--db", str(db), "import", str(SERVICE_FULL))
    assert code == 0
    assert "0 new, 0 changed, 1 unchanged" in output
    assert "Nothing to change" in output


def test_bad_mapping_file_is_a_usage_problem(tmp_path, capsys):
    sheet = tmp_path / "s.csv"
    sheet.write_text("Name\nA\n", encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text("not json", encoding="utf-8")
    code, output = run(capsys, "--db", str(tmp_path / "d.db"), "import", str(sheet), "--mapping", str(mapping))
    assert code == 2
    assert "cannot be read" in output


def test_errors_exit_1_and_change_nothing(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"name": "No id here"}]', encoding="utf-8")
    db = tmp_path / "d.db"
    code, output = run(capsys, "--db", str(db), "import", str(broken))
    assert code == 1
    assert "broken.json:1: id: this service has no id" in output
    assert "Nothing was changed." in output
    assert not db.exists()  # no empty database left behind


def test_dry_run_into_a_new_database_leaves_no_file(tmp_path, capsys):
    db = tmp_path / "not-yet.db"
    code, output = run(capsys, "--db", str(db), "import", str(CSV_EXAMPLE), "--dry-run")
    assert code == 0, output
    assert "1 new" in output and "Dry run: nothing was changed." in output
    assert not db.exists()
