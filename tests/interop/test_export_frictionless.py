"""The exported datapackage is valid for a real Table Schema reader (Frictionless), not only for our own check:
every column declared once, required fields filled, empty cells meaning "no value" as the descriptor says."""
from __future__ import annotations

import json

import pytest
from interop_helpers import REALWORLD, export, import_into

from ketdir.interop.schema_check import check_datapackage

frictionless = pytest.importorskip("frictionless")  # in the test extras: a missing install fails loudly below


def frictionless_errors(package) -> list[str]:
    report = frictionless.validate(str(package / "datapackage.json"))
    return [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors] + \
        [error.message for error in report.errors]


def test_frictionless_is_installed():
    assert frictionless.__version__  # the import above must not have skipped: it is in the test extras


def test_the_bundled_directory_exports_a_valid_package(bundled_directory, tmp_path):
    package = export(bundled_directory, tmp_path / "out")
    assert frictionless_errors(package) == []
    assert check_datapackage(package) == []
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        names = [f["name"] for f in resource["schema"]["fields"]]
        assert len(names) == len(set(names)), resource["name"]
    addresses = next(r for r in descriptor["resources"] if r["name"] == "address")
    state = next(f for f in addresses["schema"]["fields"] if f["name"] == "state_province")
    assert state["constraints"] == {"required": True}  # required by HSDS, and filled (from the region)
    assert addresses["schema"]["missingValues"] == [""]


def test_imported_real_world_files_export_a_valid_package(sqlite_db, tmp_path):
    import_into(sqlite_db, REALWORLD / "hsds3_json" / "service.json")
    import_into(sqlite_db, REALWORLD / "nhs_clinics_latin1_notsign.csv", rows="keep-first")
    package = export(sqlite_db, tmp_path / "out")
    assert frictionless_errors(package) == []
    assert check_datapackage(package) == []
