"""`ketdir import` and `ketdir export` on the command line, into a SQLite file and a PostgreSQL database."""
from __future__ import annotations

import json
from pathlib import Path

from interop_helpers import CSV_EXAMPLE, SERVICE_FULL, rows
from packages import services, sid, write_package
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from ketdir.cli import main


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def is_server(db) -> bool:
    return isinstance(db, str) and db.startswith("postgresql")


def left_untouched(db) -> bool:
    """A new directory nobody imported into is as it was: no SQLite file made; the server database (which
    the server's owner made) still has no tables in it."""
    if not is_server(db):
        return not Path(db.removeprefix("sqlite:///")).exists()
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


def test_import_then_export_both_formats_with_validation(db, tmp_path, capsys):
    code, output = run(capsys, "--db", str(db), "import", str(CSV_EXAMPLE), "--source", "example feed")
    assert code == 0, output
    assert "Source: example feed" in output
    assert "Imported “example feed” into" in output and "1 new" in output
    # warnings are listed as file:row: field: message
    assert "locations.csv:2: organization_id: there is no organisation with id" in output
    if is_server(db):  # the server is named, its password never shown
        assert make_url(db).password not in output and "***" in output

    code, output = run(capsys, "--db", str(db), "export", "--format", "json", str(tmp_path / "out.json"), "--validate")
    assert code == 0, output
    assert "valid" in output
    services = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in services] == ["Community Counselling"]

    code, output = run(capsys, "--db", str(db), "export", str(tmp_path / "out.zip"), "--validate")
    assert code == 0, output
    assert (tmp_path / "out.zip").stat().st_size > 1000


def test_reimport_reports_nothing_to_change(db, capsys):
    assert run(capsys, "--db", str(db), "import", str(SERVICE_FULL))[0] == 0
    code, output = run(capsys, "--db", str(db), "import", str(SERVICE_FULL))
    assert code == 0
    assert "0 new, 0 changed, 1 unchanged" in output
    assert "Nothing to change" in output


def test_a_reimport_says_what_it_retires_in_the_dry_run_and_when_it_is_done(db, tmp_path, capsys):
    source = write_package(tmp_path / "feed", services(4))
    assert run(capsys, "--db", str(db), "import", str(source), "--source", "feed")[0] == 0
    write_package(source, services(1))
    code, output = run(capsys, "--db", str(db), "import", str(source), "--source", "feed", "--dry-run")
    assert code == 0, output
    assert "Services: 0 new, 0 changed, 1 unchanged, 3 retired (no longer in the source), 0 in conflict." in output
    assert f"  Retired: Service 3 ({sid(3)})" in output and "Dry run: nothing was changed." in output
    assert rows(db, "SELECT count(*) FROM service WHERE status = 'active'") == [(4,)]
    code, output = run(capsys, "--db", str(db), "import", str(source), "--source", "feed")
    assert code == 0, output
    assert "0 new, 0 updated, 3 retired (no longer in the source), 0 conflict(s) kept as edited here" in output
    assert rows(db, "SELECT status, count(*) FROM service GROUP BY status ORDER BY status") == \
        [("active", 1), ("inactive", 3)]
    code, output = run(capsys, "--db", str(db), "search", "Service", "--json")
    found = json.loads(output)
    assert code == 0 and [hit["name"] for hit in found["local"] + found["national"]] == ["Service 0"]


def test_bad_mapping_file_is_a_usage_problem(tmp_path, capsys):
    sheet = tmp_path / "s.csv"
    sheet.write_text("Name\nA\n", encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text("not json", encoding="utf-8")
    code, output = run(capsys, "--db", str(tmp_path / "d.db"), "import", str(sheet), "--mapping", str(mapping))
    assert code == 2
    assert "cannot be read" in output


def test_errors_exit_1_and_change_nothing(db, tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"name": "No id here"}]', encoding="utf-8")
    code, output = run(capsys, "--db", str(db), "import", str(broken))
    assert code == 1
    assert "broken.json:1: id: this service has no id" in output
    assert "Nothing was changed." in output
    assert left_untouched(db)  # no empty database file left behind; no tables made on the server


def test_errors_found_against_a_new_directory_change_nothing(db, tmp_path, capsys):
    """An input that reads fine but fails validation (a link to nothing): refused before anything is made."""
    broken = json.loads(SERVICE_FULL.read_text(encoding="utf-8"))
    broken["organization_id"] = "00000000-dead-4bad-8bad-000000000000"
    broken.pop("organization", None)
    path = tmp_path / "broken-link.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    code, output = run(capsys, "--db", str(db), "import", str(path))
    assert code == 1, output
    assert "Nothing was changed." in output
    assert left_untouched(db)


def test_dry_run_into_a_new_database_leaves_no_file(db, capsys):
    code, output = run(capsys, "--db", str(db), "import", str(CSV_EXAMPLE), "--dry-run")
    assert code == 0, output
    assert "1 new" in output and "Dry run: nothing was changed." in output
    assert left_untouched(db)  # no file made; on the server, no tables


def test_import_to_an_unreachable_server_is_a_clear_message(tmp_path, capsys):
    url = "postgresql+psycopg://ketdir:secret-pw@127.0.0.1:1/ketdir"  # nothing listens on port 1
    code, output = run(capsys, "--db", url, "import", str(SERVICE_FULL))
    assert code == 1
    assert "Cannot reach the database server at 127.0.0.1:1" in output
    assert "secret-pw" not in output
