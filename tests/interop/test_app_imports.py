"""ketdir.app.imports and ketdir.app.exports: the one place import and export policy lives (both edges call it)."""
from __future__ import annotations

import pytest
from interop_helpers import SERVICE_FULL, rows

from ketdir.app import Progress, imports, open_directory
from ketdir.app.exports import export_directory
from ketdir.cli import main
from ketdir.paths import bundled_db
from ketdir.problems import BadInput, Cancelled, Refused


def test_check_writes_nothing_and_apply_makes_the_directory(tmp_path):
    target = tmp_path / "new.db"
    check = imports.check_import(target, SERVICE_FULL)
    assert not target.exists()  # planned against an empty scratch directory
    assert check.can_apply and len(check.plan.new) == 1
    assert check.read_line().startswith(f"Read {SERVICE_FULL} (json):") and "1 service," in check.read_line()
    done = imports.apply_import(target, check)
    assert (done.new, done.changed, done.retired) == (1, 0, 0)
    assert rows(target, "SELECT count(*) FROM service") == [(1,)]
    with pytest.raises(Refused, match="done already"):
        imports.apply_import(target, check)


def test_a_dataset_already_read_goes_through_the_same_pipeline(tmp_path):
    """How another reader (e.g. `ketdir import URL`) plugs in: it hands over a Dataset."""
    dataset = imports.read_input(SERVICE_FULL, imports.ImportOptions(source="from the web"))
    check = imports.check_import(tmp_path / "d.db", dataset)
    assert check.source == "from the web" and check.plan is not None


def test_stopping_before_the_first_step_changes_nothing(tmp_path):
    target = tmp_path / "d.db"
    check = imports.check_import(target, SERVICE_FULL)
    with pytest.raises(Cancelled):
        imports.apply_import(target, check, progress=Progress(cancelled=lambda: True))
    assert not target.exists()


def test_the_bundled_directory_is_refused_by_the_app_layer(tmp_path):
    before = bundled_db().read_bytes()
    check = imports.check_import(bundled_db(), SERVICE_FULL)  # what it would do may still be seen
    assert check.plan is not None and "bundled training directory" in check.refusal
    assert not check.can_apply and check.refusal in check.lines()
    with pytest.raises(imports.BundledDirectory, match="Import into a directory file of your own") as raised:
        imports.apply_import(bundled_db(), check)
    assert raised.value.exit_code == 2
    assert bundled_db().read_bytes() == before


def test_the_command_line_refuses_the_bundled_directory_but_allows_a_dry_run(capsys, monkeypatch):
    monkeypatch.delenv("KETDIR_DB", raising=False)
    before = bundled_db().read_bytes()
    assert main(["import", str(SERVICE_FULL)]) == 2
    assert "bundled training directory" in capsys.readouterr().err
    assert main(["import", str(SERVICE_FULL), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "1 new" in out and "bundled training directory" in out and "Dry run: nothing was changed." in out
    assert bundled_db().read_bytes() == before


def test_export_refuses_a_folder_that_does_not_exist(tmp_path, capsys):
    directory = open_directory(bundled_db())
    try:
        with pytest.raises(BadInput, match="does not exist"):
            export_directory(directory, tmp_path / "missing" / "out.zip")
        done = export_directory(directory, tmp_path / "out.json")
    finally:
        directory.close()
    assert done.format == "json" and done.services > 200
    assert not (tmp_path / "missing").exists()
    assert main(["export", str(tmp_path / "nowhere" / "pkg")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_conflicts_are_not_called_nothing_to_change(tmp_path):
    from ketdir.interop.apply import ImportPlan, Conflict

    check = imports.ImportCheck(path="x", format="json", source="s", target="t", counts={}, problems=[],
                                plan=ImportPlan(source="s", unchanged=["a"],
                                                conflicts=[Conflict("b", "B", "edited here")]))
    lines = check.lines()
    assert not any(line.startswith("Nothing to change: the directory already matches") for line in lines)
    assert any("1 service(s) in conflict" in line for line in lines)
