"""create / update / retire / verify, with change history, search refresh and optimistic locking — on a SQLite
file and on the PostgreSQL test server (the `directory` fixture, conftest.py)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from edit_helpers import EXISTING, EXISTING_ID, NOW, TODAY, good_draft

from ketdir.editing import (
    EditConflict,
    EditProblem,
    InvalidDraft,
    PhoneDraft,
    ServiceMissing,
    WeeklyHours,
    create_service,
    history,
    load_draft,
    mark_verified,
    retire_service,
    update_service,
)
from ketdir.hours import from_schedules
from ketdir.search import Query, search
from ketdir.store.engine import open_directory
from ketdir.store.models import Schedule, SearchDoc, Service
from ketdir.store.detail import load_service_detail


def found(session, text) -> list[str]:
    return [hit.service_id for hit in search(session, Query(text=text, limit=50)).hits]


def test_load_draft_reads_the_record(directory):
    with directory.session() as s:
        loaded = load_draft(s, EXISTING_ID)
    d = loaded.draft
    assert d.name == EXISTING and d.organization_name == f"{EXISTING} Trust"
    assert [p.number for p in d.phones] == ["0300 123 4567"]
    assert (d.address_1, d.city, d.postal_code) == ("1 Borough High Street", "London", "SE1 7AB")
    assert (d.latitude, d.longitude) == (51.4985, -0.1004)
    assert d.needs == ["drug-treatment"]
    assert d.hours == [WeeklyHours(("MO", "TU", "WE", "TH", "FR"), "09:00", "17:00")]
    assert d.hours_note == "Drop in until 4pm."
    assert loaded.version == 1 and loaded.assured_date == dt.date(2025, 1, 10)
    with directory.session() as s:
        assert load_draft(s, "no-such-id") is None


def test_create_service_writes_everything_and_history(directory):
    with directory.session() as s, s.begin():
        new_id = create_service(s, good_draft(), "Sam Editor", now=NOW)
    with directory.session() as s:
        detail = load_service_detail(s, new_id)
        assert detail.name == "Lambeth Chemsex Support" and detail.organization == "Lambeth Health Trust"
        assert detail.postcode == "SW9 8EJ"  # tidied
        assert detail.latitude is not None and detail.longitude is not None  # from the district centre
        assert set(detail.needs) == {"chemsex", "sexual-health"}
        assert detail.phones[0].number == "0300 123 9876" and detail.phones[0].description == "Office hours"
        assert detail.minimum_age == 18
        assert detail.hours.known
        assert new_id in found(s, "lambeth chemsex")  # the search index was refreshed
        rows = history(s, new_id)
        assert {r.action for r in rows} == {"created"}
        assert {r.editor for r in rows} == {"Sam Editor"}
        by_field = {r.field: r for r in rows}
        assert by_field["name"].new_value == "Lambeth Chemsex Support" and by_field["name"].old_value is None
        assert by_field["postal_code"].new_value == "SW9 8EJ"
        assert by_field["needs"].new_value == "chemsex, sexual-health"
        assert by_field["hours"].new_value == "MO,WE 10:00–18:00"
        assert rows[0].at == NOW


def test_create_refuses_an_invalid_draft_and_writes_nothing(directory):
    with directory.session() as s:
        before = s.query(Service).count()
    with pytest.raises(InvalidDraft) as info:
        with directory.session() as s, s.begin():
            create_service(s, good_draft(email="nope"), "Sam", now=NOW)
    assert info.value.errors[0].field == "email"
    with directory.session() as s:
        assert s.query(Service).count() == before


def test_editor_name_is_required(directory):
    with pytest.raises(EditProblem, match="Enter your name"):
        with directory.session() as s, s.begin():
            create_service(s, good_draft(), "  ", now=NOW)


def test_update_changes_fields_and_records_each_change(directory):
    with directory.session() as s:
        loaded = load_draft(s, EXISTING_ID)
    d = dataclasses.replace(loaded.draft, name="Southwark Drug and Alcohol Service", email="sdas@example.org",
                            phones=[PhoneDraft("0300 123 4567"), PhoneDraft("116 123", "voice", "Out of hours")],
                            needs=["drug-treatment", "harm-reduction"])
    with directory.session() as s, s.begin():
        version = update_service(s, EXISTING_ID, d, loaded.version, "Priya", now=NOW)
    assert version == loaded.version + 1
    with directory.session() as s:
        detail = load_service_detail(s, EXISTING_ID)
        assert detail.name == "Southwark Drug and Alcohol Service"
        assert [p.number for p in detail.phones] == ["0300 123 4567", "116 123"]
        assert set(detail.needs) == {"drug-treatment", "harm-reduction"}
        assert detail.languages == ["English", "Polish"]  # not in the draft: untouched
        rows = history(s, EXISTING_ID)
        assert {r.field for r in rows} == {"name", "email", "phones", "needs"}
        assert all(r.action == "edited" and r.editor == "Priya" for r in rows)
        name = next(r for r in rows if r.field == "name")
        assert (name.old_value, name.new_value) == (EXISTING, "Southwark Drug and Alcohol Service")
        assert EXISTING_ID in found(s, "alcohol")


def test_saving_an_unchanged_draft_changes_nothing(directory):
    with directory.session() as s:
        loaded = load_draft(s, EXISTING_ID)
    with directory.session() as s, s.begin():
        assert update_service(s, EXISTING_ID, loaded.draft, loaded.version, "Priya", now=NOW) == loaded.version
    with directory.session() as s:
        assert history(s, EXISTING_ID) == []
        assert load_draft(s, EXISTING_ID).version == loaded.version


def test_only_a_phone_change_still_bumps_the_version(directory):
    with directory.session() as s:
        loaded = load_draft(s, EXISTING_ID)
    d = dataclasses.replace(loaded.draft, phones=[PhoneDraft("0300 123 4568")])
    with directory.session() as s, s.begin():
        assert update_service(s, EXISTING_ID, d, loaded.version, "Priya", now=NOW) == loaded.version + 1


def test_hours_edits_keep_date_exceptions_and_the_note(directory):
    with directory.session() as s:
        loaded = load_draft(s, EXISTING_ID)
    d = dataclasses.replace(loaded.draft, hours=[WeeklyHours(("MO", "TU"), "9am", "5pm"),
                                                 WeeklyHours(("SA",), "10:00", "13:00")])
    with directory.session() as s, s.begin():
        update_service(s, EXISTING_ID, d, loaded.version, "Priya", now=NOW)
    with directory.session() as s:
        rows = s.query(Schedule).filter(Schedule.service_id == EXISTING_ID).all()
        hours = from_schedules(rows)
        assert len(hours.exceptions) == 1  # Christmas closure kept
        assert len(hours.weekly) == 3
        reloaded = load_draft(s, EXISTING_ID).draft
        assert reloaded.hours == [WeeklyHours(("MO", "TU"), "09:00", "17:00"), WeeklyHours(("SA",), "10:00", "13:00")]
        assert reloaded.hours_note == "Drop in until 4pm."
        change = next(r for r in history(s, EXISTING_ID) if r.field == "hours")
        assert change.old_value == "MO,TU,WE,TH,FR 09:00–17:00"
        assert change.new_value == "MO,TU 09:00–17:00; SA 10:00–13:00"


def test_a_new_postcode_moves_the_coordinates_to_its_district(directory):
    with directory.session() as s:
        loaded = load_draft(s, EXISTING_ID)
    d = dataclasses.replace(loaded.draft, postal_code="M1 1AE", city="Manchester")
    with directory.session() as s, s.begin():
        update_service(s, EXISTING_ID, d, loaded.version, "Priya", now=NOW)
    with directory.session() as s:
        after = load_draft(s, EXISTING_ID).draft
        assert after.postal_code == "M1 1AE"
        assert 53.3 < after.latitude < 53.6 and -2.4 < after.longitude < -2.1
        fields = {r.field for r in history(s, EXISTING_ID)}
        assert {"postal_code", "city", "latitude", "longitude"} <= fields


def test_removing_the_address_makes_it_a_phone_line(directory):
    with directory.session() as s:
        loaded = load_draft(s, EXISTING_ID)
    d = dataclasses.replace(loaded.draft, address_1="", city="", postal_code="", latitude=None, longitude=None)
    with directory.session() as s, s.begin():
        update_service(s, EXISTING_ID, d, loaded.version, "Priya", now=NOW)
    with directory.session() as s:
        assert load_service_detail(s, EXISTING_ID).address == ""


def test_organisation_rename_does_not_rename_other_services(directory):
    with directory.session() as s, s.begin():
        a = create_service(s, good_draft(name="Service A", organization_name="Shared Org"), "Sam", now=NOW)
        b = create_service(s, good_draft(name="Service B", organization_name="Shared Org"), "Sam", now=NOW)
    with directory.session() as s:
        loaded = load_draft(s, a)
    with directory.session() as s, s.begin():
        update_service(s, a, dataclasses.replace(loaded.draft, organization_name="New Org"), loaded.version, "Sam",
                       now=NOW)
    with directory.session() as s:
        assert load_draft(s, a).draft.organization_name == "New Org"
        assert load_draft(s, b).draft.organization_name == "Shared Org"


def test_retire_removes_from_search_and_records_why(directory):
    with directory.session() as s:
        assert EXISTING_ID in found(s, "southwark")
    with directory.session() as s, s.begin():
        retire_service(s, EXISTING_ID, "Jo", "Closed in October 2026", now=NOW)
    with directory.session() as s:
        assert EXISTING_ID not in found(s, "southwark")
        # (by service_id: the search row's key is its rowid, so s.get(SearchDoc, EXISTING_ID) proved nothing)
        assert s.query(SearchDoc).filter(SearchDoc.service_id == EXISTING_ID).count() == 0
        assert s.get(Service, EXISTING_ID).status == "inactive"
        rows = {r.field: r for r in history(s, EXISTING_ID)}
        assert rows["status"].old_value == "active" and rows["status"].new_value == "inactive"
        assert rows["reason"].new_value == "Closed in October 2026"
        assert rows["status"].action == "retired"
    with pytest.raises(EditProblem, match="Say why"):
        with directory.session() as s, s.begin():
            retire_service(s, EXISTING_ID, "Jo", " ")


def test_mark_verified_sets_assured_date(directory):
    with directory.session() as s, s.begin():
        version = mark_verified(s, EXISTING_ID, "Jo", TODAY, now=NOW)
    with directory.session() as s:
        assert s.get(Service, EXISTING_ID).assured_date == TODAY
        assert version == 2
        (row,) = history(s, EXISTING_ID)
        assert (row.action, row.field, row.old_value, row.new_value, row.editor) == (
            "verified", "assured_date", "2025-01-10", "2026-11-25", "Jo")


def test_update_can_also_verify(directory):
    with directory.session() as s:
        loaded = load_draft(s, EXISTING_ID)
    with directory.session() as s, s.begin():
        update_service(s, EXISTING_ID, dataclasses.replace(loaded.draft, fees="Free (NHS)"), loaded.version, "Jo",
                       now=NOW, verified_on=TODAY)
    with directory.session() as s:
        assert s.get(Service, EXISTING_ID).assured_date == TODAY
        assert {r.action for r in history(s, EXISTING_ID)} == {"edited", "verified"}


def test_missing_service(directory):
    with pytest.raises(ServiceMissing):
        with directory.session() as s, s.begin():
            update_service(s, "gone", good_draft(), 1, "Jo")


# ------------------------------------------------------------------------------ optimistic locking


def test_two_editors_on_the_same_file_the_second_save_conflicts(directory):
    """Two connections (as two windows, or two desks on the server) to one directory: no lost update."""
    other = open_directory(directory.url)
    try:
        with directory.session() as s1:
            alice_loaded = load_draft(s1, EXISTING_ID)
        with other.session() as s2:
            bob_loaded = load_draft(s2, EXISTING_ID)
        assert alice_loaded.version == bob_loaded.version

        alice = dataclasses.replace(alice_loaded.draft, description="Alice's description.")
        with directory.session() as s1, s1.begin():
            update_service(s1, EXISTING_ID, alice, alice_loaded.version, "Alice", now=NOW)

        bob = dataclasses.replace(bob_loaded.draft, description="Bob's description.", fees="£5")
        with pytest.raises(EditConflict) as info:
            with other.session() as s2, s2.begin():
                update_service(s2, EXISTING_ID, bob, bob_loaded.version, "Bob", now=NOW + dt.timedelta(minutes=5))
        message = str(info.value)
        assert message.startswith("This service was changed by Alice at ")
        assert "since you opened it. Reload to see their changes." in message
        assert info.value.editor == "Alice"
        assert bob.description == "Bob's description."  # the form's draft is untouched

        with other.session() as s2:
            after = load_draft(s2, EXISTING_ID)
            assert after.draft.description == "Alice's description."  # Alice's change intact
            assert after.draft.fees == "Free"
            assert {r.editor for r in history(s2, EXISTING_ID)} == {"Alice"}

        # Bob reloads, re-applies his edit and saves: now it works.
        with other.session() as s2, s2.begin():
            update_service(s2, EXISTING_ID, dataclasses.replace(after.draft, fees="£5"), after.version, "Bob")
        with directory.session() as s1:
            final = load_draft(s1, EXISTING_ID).draft
            assert (final.description, final.fees) == ("Alice's description.", "£5")
    finally:
        other.close()


def test_conflict_after_verification_and_retirement(directory):
    with directory.session() as s:
        loaded = load_draft(s, EXISTING_ID)
    with directory.session() as s, s.begin():
        mark_verified(s, EXISTING_ID, "Jo", TODAY, now=NOW)
    with pytest.raises(EditConflict, match="changed by Jo"):
        with directory.session() as s, s.begin():
            retire_service(s, EXISTING_ID, "Sam", "Closed", expected_version=loaded.version)
    with pytest.raises(EditConflict):
        with directory.session() as s, s.begin():
            mark_verified(s, EXISTING_ID, "Sam", TODAY, expected_version=loaded.version)


def test_a_save_racing_past_the_version_check_is_still_a_conflict(directory):
    """Alice's save commits after Bob's version check but before his write: Bob's write finds no row at his
    version (the UPDATE checks it too), so he gets the same conflict message, and Alice's change stays."""
    import ketdir.editing.service as svc

    other = open_directory(directory.url)
    with directory.session() as s:
        loaded = load_draft(s, EXISTING_ID)
    real_load = svc._load

    def load_then_alice_saves(session, service_id, expected_version):
        service = real_load(session, service_id, expected_version)
        svc._load = real_load  # once: Alice's own save loads normally
        with other.session() as s2, s2.begin():
            update_service(s2, service_id, dataclasses.replace(loaded.draft, fees="£1"), loaded.version, "Alice",
                           now=NOW)
        return service

    svc._load = load_then_alice_saves
    try:
        with pytest.raises(EditConflict, match="changed by Alice"):
            with directory.session() as s, s.begin():
                update_service(s, EXISTING_ID, dataclasses.replace(loaded.draft, fees="£2"), loaded.version, "Bob")
    finally:
        svc._load = real_load
        other.close()
    with directory.session() as s:
        assert load_draft(s, EXISTING_ID).draft.fees == "£1"


def test_merge_keeps_my_edits_over_their_save():
    from ketdir.editing import merge_drafts

    original = good_draft()
    mine = dataclasses.replace(original, email="mine@example.org", fees="£3")
    theirs = dataclasses.replace(original, description="Their description.", fees="£4")
    merged, both = merge_drafts(original, mine, theirs)
    assert merged.email == "mine@example.org"  # mine
    assert merged.description == "Their description."  # theirs
    assert merged.fees == "£3" and both == ["fees"]  # both changed: mine kept, and said so
