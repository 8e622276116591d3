"""Re-imports update by id, retire what the source no longer lists (and bring it back), conflicts with local
edits, one transaction (failure and cancel), and foreign taxonomies mapped to need types."""
from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from interop_helpers import import_into, rows
from dump import diff, full_dump
from packages import services, sid, write_package

from ketdir.editing.service import retire_service
from ketdir.interop.apply import ImportCancelled, apply_import, plan_import
from ketdir.interop.load import read_any
from ketdir.interop.validate import validate
from ketdir.store.engine import open_directory
from ketdir.store.models import ChangeHistory, Service, stable_id
from ketdir.referral.log import log_referral
from ketdir.store.records import need_term_id
from ketdir.store.times import utc_now

def count(db, sql: str) -> int:
    return rows(db, sql)[0][0]


def plan_for(db, source: Path, **kwargs):
    dataset = read_any(source)
    directory = open_directory(db, create=True)
    try:
        with directory.session() as session:
            validate(dataset, session)
            return plan_import(session, dataset, **kwargs)
    finally:
        directory.close()


def test_reimport_updates_by_id_instead_of_duplicating(db, tmp_path):
    source = write_package(tmp_path / "feed", services(5))
    first = import_into(db, source, source="feed")
    assert len(first.plan.new) == 5
    again = import_into(db, source, source="feed")
    assert (again.plan.new, again.plan.changed, len(again.plan.unchanged)) == ([], [], 5)
    write_package(source, services(5, {2: "Service 2 (renamed)"}))
    third = import_into(db, source, source="feed")
    assert third.plan.changed == [sid(2)] and third.plan.new == []
    assert count(db, "SELECT count(*) FROM service") == 5
    assert count(db, "SELECT count(*) FROM phone") == 5
    assert count(db, f"SELECT version FROM service WHERE id = '{sid(2)}'") == 2
    assert count(db, "SELECT count(*) FROM ketdir_search_doc WHERE name = 'Service 2 (renamed)'") == 1


def log_a_referral(db, service_id: str) -> str:
    directory = open_directory(db)
    try:
        with directory.session() as session, session.begin():
            return log_referral(session, [service_id], [], None, "phone").id
    finally:
        directory.close()


def status_history(db, service_id: str) -> list[tuple]:
    return rows(db, "SELECT editor, action, field, old_value, new_value FROM ketdir_change "
                    f"WHERE entity_id = '{service_id}' AND field IS NOT NULL ORDER BY id")


def test_services_gone_from_the_source_are_retired_not_deleted_and_come_back_when_listed_again(db, tmp_path):
    source = write_package(tmp_path / "feed", services(4), places=True)
    import_into(db, source, source="feed")
    referral = log_a_referral(db, sid(3))
    write_package(source, services(3), places=True)
    plan = plan_for(db, source, overwrite_conflicts=False)
    assert plan.retired == [sid(3)]
    assert "Services: 0 new, 0 changed, 3 unchanged, 1 retired (no longer in the source), 0 in conflict." in \
        plan.lines() and "  Retired: Service 3 (" + sid(3) + ")" in plan.lines()
    result = import_into(db, source, source="feed")
    assert result.plan.retired == [sid(3)]
    # out of search, but the record, its rows, its history and the referral log's mention of it stay
    assert rows(db, f"SELECT status, version FROM service WHERE id = '{sid(3)}'") == [("inactive", 2)]
    assert count(db, "SELECT count(*) FROM service") == 4
    assert count(db, f"SELECT count(*) FROM phone WHERE service_id = '{sid(3)}'") == 1
    assert count(db, f"SELECT count(*) FROM service_at_location WHERE service_id = '{sid(3)}'") == 1
    assert count(db, "SELECT count(*) FROM location") == 4 and count(db, "SELECT count(*) FROM address") == 4
    assert count(db, f"SELECT count(*) FROM ketdir_search_doc WHERE service_id = '{sid(3)}'") == 0
    assert rows(db, f"SELECT referral_id FROM ketdir_referral_service WHERE service_id = '{sid(3)}'") == \
        [(referral,)]
    assert status_history(db, sid(3)) == [("import: feed", "imported", "status", "active", "inactive"),
                                          ("import: feed", "imported", "reason", None,
                                           "The source no longer lists it.")]
    # retired once: the next import of the same file has nothing to do
    again = import_into(db, source, source="feed")
    assert (again.plan.retired, again.plan.has_changes) == ([], False)
    # another source never retires this source's services
    other = write_package(tmp_path / "other", [{"id": stable_id("x"), "name": "Elsewhere"}])
    assert import_into(db, other, source="other").plan.retired == []
    assert rows(db, "SELECT count(*) FROM service WHERE status = 'active'") == [(4,)]  # 3 of feed's, Elsewhere
    # the source lists it again: active again, back in search, and the history says why
    write_package(source, services(4), places=True)
    back = import_into(db, source, source="feed")
    assert (back.plan.returned, back.plan.new, back.plan.changed) == ([sid(3)], [], [])
    assert "1 active again (back in the source)" in back.plan.lines()[1]
    assert rows(db, f"SELECT status, version FROM service WHERE id = '{sid(3)}'") == [("active", 3)]
    assert count(db, f"SELECT count(*) FROM ketdir_search_doc WHERE service_id = '{sid(3)}'") == 1
    assert status_history(db, sid(3))[2:] == [("import: feed", "imported", "status", "inactive", "active"),
                                              ("import: feed", "imported", "reason", None,
                                               "The source lists it again.")]
    assert not import_into(db, source, source="feed").plan.has_changes


def test_a_source_without_a_status_column_brings_a_retired_service_back_too(db, tmp_path):
    """The source does not say a service is active (no status column): listed again, it is active again."""
    feed = tmp_path / "feed.json"
    listed = [{"id": sid(i), "name": f"Service {i}"} for i in range(3)]
    feed.write_text(json.dumps(listed), encoding="utf-8")
    import_into(db, feed, source="feed")
    feed.write_text(json.dumps(listed[:2]), encoding="utf-8")
    assert import_into(db, feed, source="feed").plan.retired == [sid(2)]
    feed.write_text(json.dumps(listed), encoding="utf-8")
    back = import_into(db, feed, source="feed")
    assert (back.plan.returned, back.plan.changed) == ([sid(2)], [])
    assert rows(db, "SELECT status FROM service ORDER BY id") == [("active",)] * 3


def test_a_service_retired_by_a_person_is_not_retired_again_nor_brought_back(db, tmp_path):
    source = write_package(tmp_path / "feed", services(2))
    import_into(db, source, source="feed")
    directory = open_directory(db)
    try:
        with directory.session() as session, session.begin():
            retire_service(session, sid(1), "Sam (helpline)", "closed in March")
    finally:
        directory.close()
    write_package(source, services(1))
    gone = import_into(db, source, source="feed")
    assert (gone.plan.retired, gone.plan.conflicts) == ([], [])  # out of use already
    write_package(source, services(2))
    listed = import_into(db, source, source="feed")  # the source has not changed it: the person's retire stands
    assert (listed.plan.returned, listed.plan.changed, listed.plan.conflicts) == ([], [], [])
    assert name_and_status(db, sid(1)) == ("Service 1", "inactive")


def name_and_status(db, service_id: str) -> tuple:
    return rows(db, f"SELECT name, status FROM service WHERE id = '{service_id}'")[0]


def edit_locally(db, service_id: str, name: str, editor: str = "Sam (helpline)") -> None:
    """What the edit form does: an ORM update (bumps the version) and a change-history line."""
    directory = open_directory(db)
    try:
        with directory.session() as session, session.begin():
            service = session.get(Service, service_id)
            old = service.name
            service.name = name
            session.add(ChangeHistory(at=utc_now() + dt.timedelta(seconds=1), editor=editor,  # as edits are stored
                                      entity="service", entity_id=service_id, action="edited", field="name",
                                      old_value=old, new_value=name))
    finally:
        directory.close()


def name_of(db, service_id: str) -> str:
    return rows(db, f"SELECT name FROM service WHERE id = '{service_id}'")[0][0]


@pytest.fixture(params=["UTC", "Europe/London", "Asia/Tokyo"])
def local_zone(request, monkeypatch):
    """The computer's time zone: stored times are UTC whatever it is, so an edit after an import is after it."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def test_local_edits_are_conflicts_not_overwritten(db, tmp_path, local_zone):
    source = write_package(tmp_path / "feed", services(3))
    import_into(db, source, source="feed")
    edit_locally(db, sid(1), "Service 1 — phone first")
    # the source has not changed the service: the local edit simply stands
    quiet = import_into(db, source, source="feed")
    assert quiet.plan.conflicts == [] and name_of(db, sid(1)) == "Service 1 — phone first"
    # the source changes it too: a conflict, reported and skipped
    write_package(source, services(3, {1: "Service 1 (new name from source)"}))
    result = import_into(db, source, source="feed")
    assert [c.service_id for c in result.plan.conflicts] == [sid(1)]
    assert "edited here by Sam (helpline)" in result.plan.conflicts[0].reason
    assert result.plan.changed == []
    assert name_of(db, sid(1)) == "Service 1 — phone first"
    assert any("Conflict" in line for line in result.plan.lines())
    # --overwrite-conflicts takes the source's version
    forced = import_into(db, source, source="feed", overwrite_conflicts=True)
    assert forced.plan.changed == [sid(1)]
    assert name_of(db, sid(1)) == "Service 1 (new name from source)"


def test_a_locally_edited_service_missing_from_the_source_is_kept(db, tmp_path):
    source = write_package(tmp_path / "feed", services(2))
    import_into(db, source, source="feed")
    edit_locally(db, sid(1), "Kept by a person")
    write_package(source, services(1))
    result = import_into(db, source, source="feed")
    assert result.plan.retired == [] and [c.service_id for c in result.plan.conflicts] == [sid(1)]
    assert "no longer in the source, but edited here by Sam (helpline)" in result.plan.conflicts[0].reason
    assert "it was not retired" in result.plan.conflicts[0].reason
    assert name_and_status(db, sid(1)) == ("Kept by a person", "active")
    forced = import_into(db, source, source="feed", overwrite_conflicts=True)
    assert forced.plan.retired == [sid(1)] and name_and_status(db, sid(1)) == ("Kept by a person", "inactive")


def test_a_failure_half_way_leaves_the_database_exactly_as_before(db, tmp_path):
    base = write_package(tmp_path / "base", services(50))
    import_into(db, base, source="feed")
    bigger = write_package(tmp_path / "bigger", services(3000, {0: "Changed name"}))
    before = full_dump(db)
    seen = []

    def explode(fraction: float, message: str) -> None:
        seen.append(message)
        if fraction > 0.5:
            raise OSError("disk full (simulated)")

    with pytest.raises(OSError, match="disk full"):
        import_into(db, bigger, source="feed", progress=explode)
    assert any(m.startswith("Writing") for m in seen)
    differences = diff(before, full_dump(db))
    assert not differences, "\n".join(differences)


def test_cancel_rolls_back_too(db, tmp_path):
    source = write_package(tmp_path / "feed", services(2000))
    open_directory(db, create=True).close()
    before = full_dump(db)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(ImportCancelled, match="Nothing was changed"):
        import_into(db, source, cancel=cancel)
    assert not diff(before, full_dump(db))


def test_a_failed_first_import_into_an_existing_database_leaves_nothing_behind(tmp_path, bundled_directory):
    source = write_package(tmp_path / "feed", services(2))
    before = full_dump(bundled_directory)

    def explode(fraction, message):
        if message.startswith("Writing"):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        import_into(bundled_directory, source, progress=explode)
    assert rows(bundled_directory, "SELECT count(*) FROM ketdir_imported_service") == [(0,)]
    assert not diff(before, full_dump(bundled_directory))


def test_foreign_terms_are_kept_and_mapped_to_need_types(db, tmp_path):
    feed = [{"id": sid(0), "name": "Ket clinic", "terms": ["sd"]},
            {"id": sid(1), "name": "Talking therapy", "terms": ["mh", "x"]}]
    source = write_package(tmp_path / "feed", feed, extra_terms=True)
    dataset = read_any(source)
    validate(dataset)
    unmapped = [p for p in dataset.warnings if p.code == "unmapped-term"]
    assert len(unmapped) == 1 and "Something Else" in unmapped[0].message
    import_into(db, source)
    assert count(db, "SELECT count(*) FROM taxonomy_term WHERE name = 'Substance Dependency'") == 1
    assert count(db, f"SELECT count(*) FROM attribute WHERE link_id = '{sid(0)}' "
                     f"AND taxonomy_term_id = '{need_term_id('drug-treatment')}'") == 1
    assert count(db, f"SELECT count(*) FROM attribute WHERE link_id = '{sid(1)}' "
                     f"AND taxonomy_term_id = '{need_term_id('mental-health')}'") == 1
    # and search by need type finds them
    assert count(db, f"SELECT need_mask FROM ketdir_search_doc WHERE service_id = '{sid(0)}'") != 0


def test_dry_run_plan_lists_new_changed_retired(db, tmp_path):
    source = write_package(tmp_path / "feed", services(3))
    import_into(db, source, source="feed")
    write_package(source, services(2, {0: "Zero (renamed)"}) + [{"id": sid(9), "name": "Nine"}])
    before = full_dump(db)
    plan = plan_for(db, source)
    assert (plan.new, plan.changed, plan.retired) == ([sid(9)], [sid(0)], [sid(2)])
    text = "\n".join(plan.lines())
    assert "1 new, 1 changed, 1 unchanged, 1 retired (no longer in the source), 0 in conflict" in text
    assert "Retired: Service 2" in text
    assert not diff(before, full_dump(db))


def test_dataset_metadata_is_recorded(db, tmp_path):
    source = write_package(tmp_path / "feed", services(1))
    import_into(db, source, source="monthly feed")
    meta = dict(rows(db, "SELECT key, value FROM ketdir_meta"))
    history = rows(db, "SELECT editor, action, new_value FROM ketdir_change")
    assert meta["source"] == "monthly feed"
    assert len(meta["content_hash"]) == 64 and meta["imported_at"].startswith(str(dt.date.today().year))
    assert history == [("import: monthly feed", "imported", "new")]


def test_apply_without_a_plan_and_the_source_name_from_the_input(db, tmp_path):
    source = write_package(tmp_path / "my-feed", services(2))
    dataset = read_any(source)
    directory = open_directory(db, create=True)
    try:
        with directory.session() as session:
            result = apply_import(session, dataset)
    finally:
        directory.close()
    assert len(result.plan.new) == 2 and result.plan.source == "my-feed"


def test_a_changed_address_changes_the_service_and_a_retired_service_keeps_its_location(db, tmp_path):
    feed = [{"id": sid(i), "name": f"Service {i}", "postcode": "LS1 1AA"} for i in range(3)]
    source = write_package(tmp_path / "feed", feed, places=True)
    import_into(db, source, source="feed")
    feed[1]["postcode"] = "LS6 2QT"
    write_package(source, feed[:2], places=True)
    result = import_into(db, source, source="feed")
    assert result.plan.changed == [sid(1)] and result.plan.retired == [sid(2)]
    assert count(db, "SELECT count(*) FROM address WHERE postal_code = 'LS6 2QT'") == 1
    assert count(db, "SELECT count(*) FROM location") == 3  # the retired service keeps its location
    assert count(db, "SELECT count(*) FROM address") == 3
    assert count(db, f"SELECT version FROM service WHERE id = '{sid(1)}'") == 2
