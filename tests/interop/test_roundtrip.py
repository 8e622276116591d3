"""import -> export -> import loses nothing the model holds; exports are valid HSDS 3.0.

On both backends: every directory in a test is on the same one (new_db), compared table by table
(dump.content_dump)."""
from __future__ import annotations

import csv

import pytest
from backends import BACKENDS
from dump import content_dump, diff
from interop_helpers import (
    CSV_EXAMPLE,
    LEGACY_CSV,
    ORGANIZATION_FULL,
    SERVICE_FULL,
    TAXONOMY_TERM,
    export,
    import_into,
)

from ketdir.interop.schema_check import check_datapackage, check_json_file
from ketdir.store.engine import open_directory
from ketdir.store.index import refresh_all


def assert_same(a, b) -> None:
    differences = diff(content_dump(a), content_dump(b))
    assert not differences, "\n".join(differences)


EXAMPLES = [CSV_EXAMPLE, SERVICE_FULL, ORGANIZATION_FULL, TAXONOMY_TERM, LEGACY_CSV]


# Every example through a folder and a zip on SQLite; on the server through the zip only (writing the folder
# or the zip is the same code whatever the backend, and each server round trip costs a few databases).
ROUND_TRIPS = [pytest.param(backend, example, target, id=f"{backend}-{target}-{example.name}")
               for backend in BACKENDS for target in ("folder", "package.zip") for example in EXAMPLES
               if backend == "sqlite" or target == "package.zip"]


@pytest.mark.parametrize("backend,example,target", ROUND_TRIPS)
def test_datapackage_round_trip_of_every_example(new_db, tmp_path, example, target):
    first = new_db("first")
    import_into(first, example)
    package = export(first, tmp_path / target, "datapackage")
    second = new_db("second")
    import_into(second, package)
    assert_same(first, second)
    # and once more: the second export equals the first, so nothing drifts
    again = export(second, tmp_path / f"again-{target}", "datapackage")
    third = new_db("third")
    import_into(third, again)
    assert_same(first, third)


@pytest.mark.parametrize("example", [SERVICE_FULL, ORGANIZATION_FULL, LEGACY_CSV], ids=lambda p: p.name)
def test_json_round_trip(new_db, tmp_path, example):
    first = new_db("first")
    import_into(first, example)
    exported = export(first, tmp_path / "services.json", "json")
    second = new_db("second")
    import_into(second, exported)
    assert_same(first, second)


@pytest.mark.parametrize("example", [CSV_EXAMPLE, SERVICE_FULL, ORGANIZATION_FULL], ids=lambda p: p.name)
def test_exports_are_valid_hsds(new_db, tmp_path, example):
    db = new_db("d")
    import_into(db, example)
    assert check_json_file(export(db, tmp_path / "s.json", "json")) == []
    assert check_datapackage(export(db, tmp_path / "pkg", "datapackage")) == []


def _refreshed(db):
    """The copy's search rows rebuilt by this version of the index code, to compare like with like."""
    directory = open_directory(db)
    try:
        with directory.session() as session, session.begin():
            refresh_all(session)
    finally:
        directory.close()
    return db


@pytest.mark.parametrize("fmt,target", [("datapackage", "bundle.zip"), ("json", "bundle.json")])
def test_bundled_directory_round_trips_identically(tmp_path, bundled_directory, new_db, fmt, target):
    original = _refreshed(bundled_directory)
    reimported = new_db("reimported")
    exported = export(original, tmp_path / target, fmt)
    result = import_into(reimported, exported)
    assert len(result.plan.new) == 271  # 24 national lines + 247 demo records (data/directory)
    assert_same(original, reimported)
    problems = check_json_file(exported) if fmt == "json" else check_datapackage(exported)
    assert problems == []


def test_ketdir_fields_travel_as_attributes(tmp_path, bundled_directory):
    package = export(bundled_directory, tmp_path / "pkg", "datapackage")
    with (package / "attributes.csv").open(encoding="utf-8", newline="") as fh:
        values = [row["value"] for row in csv.DictReader(fh) if row["link_type"] == "ketdir"]
    taxonomies = (package / "taxonomies.csv").read_text(encoding="utf-8")
    assert ",ketdir," in taxonomies
    # demo records, unverified numbers and bank-holiday rules are all there
    assert values.count("true") >= 200  # is_demo
    assert "false" in values  # a phone nobody verified
    assert "open" in values  # open on bank holidays
    assert "services.csv" in {p.name for p in package.iterdir()}
    header = (package / "services.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "is_demo" not in header and "version" not in header
