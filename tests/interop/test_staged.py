"""A large first import is staged on disk (ketdir.interop.stage) instead of read whole: the two ways must give
the same directory, the same problems and the same fingerprints, so the next import sees no difference.

Here every package counts as large (stage.MIN_BYTES = 0) and chunks are small (stage.CHUNK), so rows cross
chunk boundaries; the way of reading whole runs with staging turned off."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from interop_helpers import CSV_EXAMPLE, REALWORLD, copy_tree, export, rows
from dump import content_dump, diff
from packages import services, sid, write_package

from ketdir.app import imports
from ketdir.interop import stage
from ketdir.paths import bundled_db


def first_import(db, package: Path, *, staged: bool, monkeypatch) -> imports.ImportCheck:
    monkeypatch.setattr(stage, "MIN_BYTES", 0 if staged else 1 << 62)
    monkeypatch.setattr(stage, "CHUNK", 7)
    check = imports.check_import(db, package)
    assert (check.staged is not None) == staged
    if check.plan is not None:
        imports.apply_import(db, check)
    return check


def bundled_export(tmp_path: Path) -> Path:
    """The bundled directory as ketdir exports it: ketdir's own fields, derived values, need attributes."""
    copy = tmp_path / "bundled.db"
    shutil.copyfile(bundled_db(), copy)
    return export(copy, tmp_path / "bundled-export")


def with_duplicate_phone(tmp_path: Path) -> Path:
    package = write_package(tmp_path / "dup", services(30))
    lines = (package / "phones.csv").read_text(encoding="utf-8").splitlines()
    lines.append(lines[3])  # the same phone again, many chunks later
    (package / "phones.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return package


def with_a_bad_date(tmp_path: Path) -> Path:
    package = copy_tree(CSV_EXAMPLE, tmp_path / "bad-date")
    text = (package / "services.csv").read_text(encoding="utf-8").replace("2005-01-01", "31/02/2005")
    (package / "services.csv").write_text(text, encoding="utf-8")
    return package


def with_indirect_owners(tmp_path: Path) -> Path:
    """Rows that name their service only through another row: a phone at a service's location, a contact
    there, a phone of that contact, a language of a phone, attributes of a phone and of a contact."""
    from ketdir.store.models import stable_id

    people = [{**s, "terms": ["sd"]} for s in services(12)]
    package = write_package(tmp_path / "indirect", people, extra_terms=True, places=True)
    sal = [stable_id(s["id"], "sal") for s in people]

    def append(name: str, header: list[str], rows: list[list[str]]) -> None:
        path = package / name
        lines = [",".join(header)] if not path.exists() else path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(lines + [",".join(r) for r in rows]) + "\n", encoding="utf-8")

    contact, lone_phone, contact_phone = stable_id("c"), stable_id("p-sal"), stable_id("p-contact")
    append("contacts.csv", ["id", "service_at_location_id", "name"], [[contact, sal[3], "Reception"]])
    lines = (package / "phones.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    (package / "phones.csv").write_text("\n".join(
        ["id,service_id,service_at_location_id,contact_id,number"]
        + [",".join([*line.split(",")[:2], "", "", line.split(",")[2]]) for line in lines[1:]]
        + [f"{lone_phone},,{sal[1]},,0113 496 0001", f"{contact_phone},,,{contact},0113 496 0002"]) + "\n",
        encoding="utf-8")
    assert header == ["id", "service_id", "number"]
    append("languages.csv", ["id", "phone_id", "code", "name"], [[stable_id("l"), lone_phone, "pl", "Polish"]])
    append("attributes.csv", ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity"],
           [[stable_id("a1"), contact_phone, stable_id("oe", "x"), "phone", "phone"],
            [stable_id("a2"), contact, stable_id("oe", "x"), "contact", "contact"]])
    return package


PACKAGES = {
    "rows that find their service through other rows": lambda tmp: with_indirect_owners(tmp),
    "the HSDS example": lambda tmp: CSV_EXAMPLE,
    "many services, foreign terms": lambda tmp: write_package(
        tmp / "terms", [{**s, "terms": ["sd", "x"] if i % 3 else ["mh"]} for i, s in enumerate(services(40))],
        extra_terms=True, places=True),
    "a ketdir export": lambda tmp: bundled_export(tmp),
    "a Latin-1 package": lambda tmp: REALWORLD / "latin1_package",
    "a repeated id, chunks apart": lambda tmp: with_duplicate_phone(tmp),
    "a date that is not one": lambda tmp: with_a_bad_date(tmp),
    "an empty services.csv": lambda tmp: REALWORLD / "empty_services_package",
}


@pytest.mark.parametrize("make", PACKAGES.values(), ids=PACKAGES.keys())
def test_staged_and_whole_imports_agree(make, tmp_path, monkeypatch):
    package = make(tmp_path)
    whole_db, staged_db = tmp_path / "whole.db", tmp_path / "staged.db"
    whole = first_import(whole_db, package, staged=False, monkeypatch=monkeypatch)
    staged = first_import(staged_db, package, staged=True, monkeypatch=monkeypatch)
    assert sorted(map(str, staged.errors)) == sorted(map(str, whole.errors))
    assert (staged.plan is None) == (whole.plan is None)
    if whole.plan is None:  # (read whole, the checks stop at the first table with errors; staged, a little later)
        assert not staged_db.exists()
        return
    assert sorted(map(str, staged.problems)) == sorted(map(str, whole.problems))
    assert staged.counts == whole.counts
    assert staged.plan.lines() == whole.plan.lines()
    differences = diff(content_dump(whole_db), content_dump(staged_db))
    assert not differences, "\n".join(differences)
    fingerprints = "SELECT service_id, version, content_hash FROM ketdir_imported_service ORDER BY service_id"
    assert rows(staged_db, fingerprints) == rows(whole_db, fingerprints)
    assert rows(staged_db, "SELECT action, new_value, count(*) FROM ketdir_change GROUP BY action, new_value") == \
        rows(whole_db, "SELECT action, new_value, count(*) FROM ketdir_change GROUP BY action, new_value")
    again = imports.check_import(staged_db, package)  # a re-import compares: nothing has changed
    assert again.staged is None and not again.plan.has_changes and not again.plan.conflicts


def test_a_staged_import_into_either_backend(new_db, tmp_path, monkeypatch):
    package = write_package(tmp_path / "feed", [{**s, "terms": ["sd"]} for s in services(30)], extra_terms=True,
                            places=True)
    whole, staged = new_db("whole"), new_db("staged")
    first_import(whole, package, staged=False, monkeypatch=monkeypatch)
    first_import(staged, package, staged=True, monkeypatch=monkeypatch)
    differences = diff(content_dump(whole), content_dump(staged))
    assert not differences, "\n".join(differences)
    fingerprints = "SELECT service_id, content_hash FROM ketdir_imported_service ORDER BY service_id"
    assert rows(staged, fingerprints) == rows(whole, fingerprints)


def test_a_staged_import_can_be_stopped_and_changes_nothing(tmp_path, monkeypatch):
    from ketdir.app import Progress
    from ketdir.problems import Cancelled

    monkeypatch.setattr(stage, "MIN_BYTES", 0)
    package = write_package(tmp_path / "feed", services(50))
    db = tmp_path / "d.db"
    check = imports.check_import(db, package)
    calls = []
    with pytest.raises(Cancelled):
        imports.apply_import(db, check, progress=Progress(cancelled=lambda: len(calls.append(1) or calls) > 3))
    assert not db.exists() or rows(db, "SELECT count(*) FROM service") == [(0,)]


def test_only_a_large_datapackage_is_staged(tmp_path, monkeypatch):
    monkeypatch.setattr(stage, "MIN_BYTES", 0)
    package = write_package(tmp_path / "feed", services(5))
    db = tmp_path / "d.db"
    first = imports.check_import(db, package)
    assert first.staged is not None and not first.staged.reimport
    imports.apply_import(db, first)
    assert imports.check_import(db, package).staged is None  # the same file again: answered from its record
    write_package(package, services(6))
    assert imports.check_import(db, package).staged.reimport  # a changed one: staged and compared
    spreadsheet = tmp_path / "sheet.csv"
    spreadsheet.write_text("Name\nHope\n", encoding="utf-8")
    assert imports.check_import(tmp_path / "other.db", spreadsheet).staged is None


def test_the_same_large_package_again_is_not_read_again(tmp_path, monkeypatch):
    monkeypatch.setattr(stage, "MIN_BYTES", 0)
    package = write_package(tmp_path / "feed", services(20))
    db = tmp_path / "d.db"
    imports.apply_import(db, imports.check_import(db, package))
    again = imports.check_import(db, package)
    assert again.dataset is None and again.staged is None  # answered from the last import's record
    assert not again.plan.has_changes and len(again.plan.unchanged) == 20
    assert any("same file as the last import" in line for line in again.lines())
    assert imports.apply_import(db, again).new == 0
    (package / "services.csv").write_text((package / "services.csv").read_text(encoding="utf-8")
                                          .replace("Service 3,", "Service Three,"), encoding="utf-8")
    changed = imports.check_import(db, package)  # one byte differs: staged and compared (staged_reimport)
    assert changed.staged is not None and changed.staged.reimport and changed.plan.changed == [sid(3)]
    assert imports.apply_import(db, changed).changed == 1
    assert rows(db, f"SELECT name FROM service WHERE id = '{sid(3)}'") == [("Service Three",)]
