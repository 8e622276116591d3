"""import -> export -> import loses nothing the model holds; exports are valid HSDS 3.0."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CSV_EXAMPLE, LEGACY_CSV, ORGANIZATION_FULL, SERVICE_FULL, TAXONOMY_TERM, import_into
from dump import content_dump, diff

from ketdir.interop.export import export_datapackage, export_json
from ketdir.interop.schema_check import check_datapackage, check_json_file
from ketdir.store.engine import open_directory
from ketdir.store.index import refresh_all


def export(db: Path, target: Path, fmt: str) -> Path:
    directory = open_directory(db)
    try:
        with directory.session() as session:
            if fmt == "json":
                export_json(session, target)
            else:
                export_datapackage(session, target)
    finally:
        directory.close()
    return target


def assert_same(a: Path, b: Path) -> None:
    differences = diff(content_dump(a), content_dump(b))
    assert not differences, "\n".join(differences)


EXAMPLES = [CSV_EXAMPLE, SERVICE_FULL, ORGANIZATION_FULL, TAXONOMY_TERM, LEGACY_CSV]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
@pytest.mark.parametrize("target", ["folder", "package.zip"])
def test_datapackage_round_trip_of_every_example(tmp_path, example, target):
    first = tmp_path / "first.db"
    import_into(first, example)
    package = export(first, tmp_path / target, "datapackage")
    second = tmp_path / "second.db"
    import_into(second, package)
    assert_same(first, second)
    # and once more: the second export equals the first, so nothing drifts
    again = export(second, tmp_path / f"again-{target}", "datapackage")
    third = tmp_path / "third.db"
    import_into(third, again)
    assert_same(first, third)


@pytest.mark.parametrize("example", [SERVICE_FULL, ORGANIZATION_FULL, LEGACY_CSV], ids=lambda p: p.name)
def test_json_round_trip(tmp_path, example):
    first = tmp_path / "first.db"
    import_into(first, example)
    exported = export(first, tmp_path / "services.json", "json")
    second = tmp_path / "second.db"
    import_into(second, exported)
    assert_same(first, second)


@pytest.mark.parametrize("example", [CSV_EXAMPLE, SERVICE_FULL, ORGANIZATION_FULL], ids=lambda p: p.name)
def test_exports_are_valid_hsds(tmp_path, example):
    db = tmp_path / "d.db"
    import_into(db, example)
    assert check_json_file(export(db, tmp_path / "s.json", "json")) == []
    assert check_datapackage(export(db, tmp_path / "pkg", "datapackage")) == []


def _refreshed(db: Path) -> Path:
    """The copy's search rows rebuilt by this version of the index code, to compare like with like."""
    directory = open_directory(db)
    try:
        with directory.session() as session, session.begin():
            refresh_all(session)
    finally:
        directory.close()
    return db


@pytest.mark.parametrize("fmt,target", [("datapackage", "bundle.zip"), ("json", "bundle.json")])
def test_bundled_directory_round_trips_identically(tmp_path, bundled_copy, fmt, target):
    original = _refreshed(bundled_copy)
    exported = export(original, tmp_path / target, fmt)
    reimported = tmp_path / "reimported.db"
    result = import_into(reimported, exported)
    assert len(result.plan.new) == 260
    assert_same(original, reimported)
    problems = check_json_file(exported) if fmt == "json" else check_datapackage(exported)
    assert problems == []


def test_ketdir_fields_travel_as_attributes(tmp_path, bundled_copy):
    package = export(bundled_copy, tmp_path / "pkg", "datapackage")
    attributes = (package / "attributes.csv").read_text(encoding="utf-8")
    taxonomies = (package / "taxonomies.csv").read_text(encoding="utf-8")
    assert ",ketdir," in taxonomies
    # demo records, unverified numbers and bank-holiday rules are all there
    assert attributes.count(",true,") >= 200  # is_demo
    assert ",false," in attributes  # a phone nobody verified
    assert ",open," in attributes  # open on bank holidays
    assert "services.csv" in {p.name for p in package.iterdir()}
    header = (package / "services.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "is_demo" not in header and "version" not in header
