"""A re-import of a large package is staged and compared a part at a time (ketdir.interop.staged_reimport) instead
of read whole: the two ways must leave the same directory, the same tracking and history, and plan the same
changes, on either backend — for renamed services, new phone numbers, moved addresses, a changed organisation, new services with
new locations, services the source no longer lists (retired) or lists again (active again), local edits
(conflicts), rows pointing at records only in the directory, and new rows pointing across parts.

Here every package counts as large (stage.MIN_BYTES = 0), staging chunks are small (stage.CHUNK) and parts hold
three services (staged_reimport.PART), so every case crosses parts; the way of reading whole runs with staging
turned off."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from interop_helpers import rows
from dump import content_dump, diff, full_dump
from packages import ORG, services, sid, write_package

from ketdir.app import Progress, imports
from ketdir.interop import apply, stage, staged_reimport
from ketdir.problems import Cancelled
from ketdir.store.engine import open_directory
from ketdir.store.models import ChangeHistory, Service, stable_id

SOURCE = imports.ImportOptions(source="feed")


def people(n: int = 20) -> list[dict]:
    return [{**s, "terms": ["sd"] if i % 2 else ["mh", "x"], "postcode": "LS1 1AA"} for i, s in enumerate(services(n))]


def package(folder: Path, listed: list[dict]) -> Path:
    return write_package(folder, listed, extra_terms=True, places=True)


def edit_csv(path: Path, change) -> None:
    """Rewrite one CSV file of a package: change(rows) gets the rows as dicts and returns the rows to write."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, found = list(reader.fieldnames or []), list(reader)
    found = change(found)
    for row in found:
        header += [k for k in row if k not in header]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(found)


def renamed_phoned_and_moved(tmp: Path) -> Path:
    changed = people()
    changed[3]["name"] = "Service 3 (renamed)"
    changed[7]["phone"] = "0113 496 0999"
    changed[11]["postcode"] = "LS6 2QT"
    return package(tmp / "changed", changed)


def some_gone_and_some_new(tmp: Path) -> Path:
    listed = people()[:14] + [{"id": sid(100 + i), "name": f"New {i}", "terms": ["mh"], "postcode": "M1 1AA"}
                              for i in range(5)]
    return package(tmp / "changed", listed)


def the_organisation_changed(tmp: Path) -> Path:
    folder = package(tmp / "changed", people())
    edit_csv(folder / "organizations.csv", lambda found: [{**r, "name": "Test Trust (renamed)"} for r in found])
    return folder


def shared_location_changed(tmp: Path) -> Path:
    """Services 2 and 17 (parts apart) are at one location, whose address changes."""
    folder = package(tmp / "changed", people())
    shared = stable_id(sid(2), "loc")
    edit_csv(folder / "service_at_location.csv",
             lambda found: [{**r, "location_id": shared} if r["service_id"] == sid(17) else r for r in found])
    edit_csv(folder / "addresses.csv",
             lambda found: [{**r, "postal_code": "LS2 9JT"} if r["location_id"] == shared else r for r in found])
    return folder


def new_rows_point_across_parts(tmp: Path) -> Path:
    """A new contact of service 1, and a new phone of service 19 that belongs to that contact's service through
    the contact — and a new location of a new organisation, named by service 18's new schedule."""
    folder = package(tmp / "changed", people())
    contact, other_org, lone = stable_id("c-new"), stable_id("org-new"), stable_id("loc-new")
    (folder / "contacts.csv").write_text(f"id,service_id,name\n{contact},{sid(1)},Reception\n", encoding="utf-8")
    edit_csv(folder / "phones.csv", lambda found: found + [
        {"id": stable_id("p-new"), "service_id": sid(19), "contact_id": contact, "number": "0113 496 0123"}])
    edit_csv(folder / "organizations.csv", lambda found: found + [
        {"id": other_org, "name": "Another Trust", "description": "Another"}])
    edit_csv(folder / "locations.csv", lambda found: found + [
        {"id": lone, "organization_id": other_org, "location_type": "physical", "name": "Annexe"}])
    (folder / "schedules.csv").write_text(
        "id,service_id,location_id,byday,opens_at,closes_at,freq\n"
        f"{stable_id('s-new')},{sid(18)},{lone},MO,09:00,17:00,WEEKLY\n", encoding="utf-8")
    return folder


CHANGES = {
    "renamed, new phone, moved": renamed_phoned_and_moved,
    "some gone, some new": some_gone_and_some_new,
    "the organisation changed": the_organisation_changed,
    "a shared location changed": shared_location_changed,
    "new rows point across parts": new_rows_point_across_parts,
}


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(stage, "CHUNK", 7)
    monkeypatch.setattr(staged_reimport, "PART", 3)


def reimport(db, path: Path, *, staged: bool, monkeypatch, options=SOURCE) -> tuple[imports.ImportCheck,
                                                                                     imports.ImportDone]:
    monkeypatch.setattr(stage, "MIN_BYTES", 0 if staged else 1 << 62)
    check = imports.check_import(db, path, options)
    assert (check.staged is not None) == staged, [str(p) for p in check.errors]
    assert check.plan is not None, [str(p) for p in check.errors]
    return check, imports.apply_import(db, check)


def first_import(db, path: Path, monkeypatch) -> None:
    monkeypatch.setattr(stage, "MIN_BYTES", 1 << 62)
    imports.apply_import(db, imports.check_import(db, path, SOURCE))


def what_changed(plan) -> tuple:
    return (sorted(plan.new), sorted(plan.changed), sorted(plan.unchanged), sorted(plan.retired),
            sorted(plan.returned), sorted(c.service_id for c in plan.conflicts))


def same_directory(whole, staged) -> None:
    for db in (whole, staged):  # the moment a service was retired is all that may differ
        directory = open_directory(db)
        try:
            with directory.session() as session, session.begin():
                session.query(Service).filter(Service.status == "inactive").update({"last_modified": None})
        finally:
            directory.close()
    differences = diff(content_dump(whole), content_dump(staged))
    assert not differences, "\n".join(differences)
    tracking = "SELECT service_id, version, content_hash FROM ketdir_imported_service ORDER BY service_id"
    assert rows(staged, tracking) == rows(whole, tracking)
    history = ("SELECT entity_id, editor, action, field, old_value, new_value FROM ketdir_change "
               "ORDER BY entity_id, action, field, new_value")
    assert rows(staged, history) == rows(whole, history)


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_staged_and_whole_reimports_agree(change, new_db, tmp_path, monkeypatch, small_parts):
    base = package(tmp_path / "base", people())
    changed = change(tmp_path)
    whole, staged = new_db("whole"), new_db("staged")
    for db in (whole, staged):
        first_import(db, base, monkeypatch)
    by_whole, done_whole = reimport(whole, changed, staged=False, monkeypatch=monkeypatch)
    by_parts, done_staged = reimport(staged, changed, staged=True, monkeypatch=monkeypatch)
    assert what_changed(by_parts.plan) == what_changed(by_whole.plan)
    assert by_parts.plan.has_changes and sorted(map(str, by_parts.problems)) == sorted(map(str, by_whole.problems))
    assert by_parts.plan.lines()[1:3] == by_whole.plan.lines()[1:3]  # services, and the other tables' counts
    said = [done.summary().replace(done.target, "…").rsplit(" in ", 1)[0] for done in (done_staged, done_whole)]
    assert said[0] == said[1]
    same_directory(whole, staged)
    again, _done = reimport(staged, changed, staged=False, monkeypatch=monkeypatch)  # compared whole: the same
    assert not again.plan.has_changes, again.plan.lines()


def test_a_retired_service_listed_again_and_local_edits(new_db, tmp_path, monkeypatch,
                                                                           small_parts):
    base = package(tmp_path / "base", people())
    whole, staged = new_db("whole"), new_db("staged")
    for db in (whole, staged):
        first_import(db, base, monkeypatch)
        directory = open_directory(db)
        try:
            with directory.session() as session, session.begin():  # a person edits service 5 here
                service = session.get(Service, sid(5))
                service.name = "Service 5 (our notes)"
                session.add(ChangeHistory(at=service.last_modified or apply.dt.datetime.now(), editor="Sam",
                                          entity="service", entity_id=sid(5), action="edited", field="name",
                                          old_value="Service 5", new_value=service.name))
        finally:
            directory.close()
    fewer = people()[:15]
    fewer[5]["phone"] = "0113 496 0555"  # the source changes service 5 too: a conflict
    gone = package(tmp_path / "fewer", fewer)
    for db, staged_way in ((whole, False), (staged, True)):
        check, _done = reimport(db, gone, staged=staged_way, monkeypatch=monkeypatch)
        assert sorted(check.plan.retired) == sorted(sid(i) for i in range(15, 20))
        assert [c.service_id for c in check.plan.conflicts] == [sid(5)]
    same_directory(whole, staged)
    back = package(tmp_path / "back", people())
    for db, staged_way in ((whole, False), (staged, True)):
        check, done = reimport(db, back, staged=staged_way, monkeypatch=monkeypatch)
        assert sorted(check.plan.returned) == sorted(sid(i) for i in range(15, 20)) and done.returned == 5
    same_directory(whole, staged)
    assert rows(staged, "SELECT name, status FROM service WHERE id = '%s'" % sid(5)) == [("Service 5 (our notes)",
                                                                                          "active")]


def test_only_what_changed_is_read_from_the_directory(tmp_path, monkeypatch, small_parts):
    """Unchanged services are told by their fingerprints alone: the parts hold only the changed services (and the
    shared rows), whatever the size of the package."""
    base = package(tmp_path / "base", people(40))
    db = tmp_path / "d.db"
    first_import(db, base, monkeypatch)
    changed = people(40)
    changed[4]["name"] = "Four"
    changed[33]["phone"] = "0113 496 0333"
    compared: list[list[str]] = []
    analyse = staged_reimport._analyse

    def counting(session, part, *args, **kwargs):
        compared.append(sorted(r["id"] for r in part.rows("service")))
        return analyse(session, part, *args, **kwargs)

    monkeypatch.setattr(staged_reimport, "_analyse", counting)
    check, done = reimport(db, package(tmp_path / "changed", changed), staged=True, monkeypatch=monkeypatch)
    assert (sorted(check.plan.changed), len(check.plan.unchanged), done.changed) == (sorted([sid(4), sid(33)]), 38, 2)
    services_compared = [sid for part in compared for sid in part]
    assert sorted(services_compared) == sorted([sid(4), sid(33)] * 2)  # once to check, once to apply


def test_links_to_records_only_in_the_directory_are_accepted(tmp_path, monkeypatch, small_parts):
    """As a read-whole re-import: a phone of a service the directory has from elsewhere."""
    base = package(tmp_path / "base", people())
    whole, staged = tmp_path / "whole.db", tmp_path / "staged.db"
    other = write_package(tmp_path / "other", [{"id": stable_id("elsewhere"), "name": "Elsewhere"}])
    for db in (whole, staged):
        first_import(db, base, monkeypatch)
        imports.apply_import(db, imports.check_import(db, other, imports.ImportOptions(source="other")))
    changed = package(tmp_path / "changed", people())
    edit_csv(changed / "phones.csv", lambda found: found + [
        {"id": stable_id("p-elsewhere"), "service_id": stable_id("elsewhere"), "number": "0113 496 0777"}])
    by_whole, _ = reimport(whole, changed, staged=False, monkeypatch=monkeypatch)
    by_parts, _ = reimport(staged, changed, staged=True, monkeypatch=monkeypatch)
    assert what_changed(by_parts.plan) == what_changed(by_whole.plan)
    same_directory(whole, staged)
    assert rows(staged, f"SELECT number FROM phone WHERE service_id = '{stable_id('elsewhere')}' ORDER BY number") \
        == [("0113 496 0777",), ("020 7946 0000",)]


def test_a_staged_reimport_can_be_stopped_and_changes_nothing(tmp_path, monkeypatch, small_parts):
    db = tmp_path / "d.db"
    first_import(db, package(tmp_path / "base", people()), monkeypatch)
    monkeypatch.setattr(stage, "MIN_BYTES", 0)
    check = imports.check_import(db, some_gone_and_some_new(tmp_path), SOURCE)
    assert check.staged is not None and check.staged.reimport
    before = full_dump(db)
    calls = []
    with pytest.raises(Cancelled):
        imports.apply_import(db, check, progress=Progress(cancelled=lambda: len(calls.append(1) or calls) > 6))
    assert not diff(before, full_dump(db))


def test_the_dry_run_of_a_staged_reimport_writes_nothing(tmp_path, monkeypatch, small_parts, capsys):
    from ketdir.cli import main

    db = tmp_path / "d.db"
    first_import(db, package(tmp_path / "base", people()), monkeypatch)
    before = full_dump(db)
    monkeypatch.setattr(stage, "MIN_BYTES", 0)
    assert main(["--db", str(db), "import", str(some_gone_and_some_new(tmp_path)), "--source", "feed",
                 "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Services: 5 new, 0 changed, 14 unchanged, 6 retired (no longer in the source), 0 in conflict." in out
    assert not diff(before, full_dump(db))
    assert ORG  # the organisation every test service belongs to (packages.ORG)
