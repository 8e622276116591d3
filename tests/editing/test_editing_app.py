"""The stewardship use cases (ketdir.app.editing) the window and the command line share: each owns its
transaction, returns what was saved, and raises the KetdirProblem kind a person can act on — on a SQLite
file and on the PostgreSQL test server (the `directory` fixture, conftest.py)."""
from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from edit_helpers import EXISTING, EXISTING_ID, TODAY, good_draft

from backends import refuse_writes
from ketdir.app.editing import load_service, mark_verified, retire_service, save_service, service_history
from ketdir.problems import BadInput, Conflict, NotFound, Unavailable


def test_save_returns_what_was_saved_and_the_history_shows_it(directory):
    loaded = load_service(directory, EXISTING_ID)
    saved = save_service(directory, dataclasses.replace(loaded.draft, name="Southwark Drug Service Plus"), "Priya",
                         service_id=EXISTING_ID, expected_version=loaded.version)
    assert saved.draft.name == "Southwark Drug Service Plus" and saved.version == loaded.version + 1
    found = service_history(directory, EXISTING_ID)
    assert found.name == "Southwark Drug Service Plus"
    (change,) = found.entries
    assert (change.editor, change.action, change.field, change.old_value, change.new_value) == (
        "Priya", "edited", "name", EXISTING, "Southwark Drug Service Plus")


def test_add_and_verify_in_one_save(directory):
    saved = save_service(directory, good_draft(), "Sam", verified_on=TODAY)
    assert saved.assured_date == TODAY and saved.draft.name == "Lambeth Chemsex Support"
    assert {e.action for e in service_history(directory, saved.id).entries} == {"created", "verified"}


def test_mark_verified_and_retire(directory):
    verified = mark_verified(directory, EXISTING_ID, "Jo", TODAY)
    assert verified.assured_date == TODAY
    retired = retire_service(directory, EXISTING_ID, "Jo", "Closed in October 2026",
                             expected_version=verified.version)
    assert retired.draft.status == "inactive"
    assert [e.action for e in service_history(directory, EXISTING_ID).entries] == ["retired", "retired", "verified"]


def test_a_save_against_an_old_version_is_a_conflict_naming_who_and_when(directory):
    loaded = load_service(directory, EXISTING_ID)
    mark_verified(directory, EXISTING_ID, "Alice", TODAY, expected_version=loaded.version)
    with pytest.raises(Conflict) as info:
        save_service(directory, dataclasses.replace(loaded.draft, fees="£5"), "Bob", service_id=EXISTING_ID,
                     expected_version=loaded.version)
    assert str(info.value).startswith("This service was changed by Alice at ")
    assert info.value.exit_code == 1
    assert load_service(directory, EXISTING_ID).draft.fees == "Free"  # nothing of Bob's was half-saved


def test_an_invalid_draft_is_bad_input_with_field_errors(directory):
    with pytest.raises(BadInput) as info:
        save_service(directory, good_draft(email="nope", needs=[]), "Sam")
    assert {e.field for e in info.value.errors} == {"email", "needs"}
    assert info.value.exit_code == 2
    with pytest.raises(BadInput, match="Enter your name"):
        save_service(directory, good_draft(), " ")
    with pytest.raises(BadInput, match="Say why"):
        retire_service(directory, EXISTING_ID, "Jo", "")


def test_an_unknown_service_is_not_found(directory):
    for attempt in (lambda: load_service(directory, "nope"), lambda: service_history(directory, "nope"),
                    lambda: mark_verified(directory, "nope", "Jo", TODAY),
                    lambda: retire_service(directory, "nope", "Jo", "Closed")):
        with pytest.raises(NotFound, match="There is no service with the id nope"):
            attempt()


def test_a_read_only_database_is_unavailable_and_nothing_changes(directory):
    loaded = load_service(directory, EXISTING_ID)
    refuse_writes(directory)
    with pytest.raises(Unavailable, match="read-only"):
        save_service(directory, dataclasses.replace(loaded.draft, fees="£5"), "Sam", service_id=EXISTING_ID,
                     expected_version=loaded.version)
    with pytest.raises(Unavailable, match="read-only"):
        mark_verified(directory, EXISTING_ID, "Sam", TODAY)
    after = load_service(directory, EXISTING_ID)
    assert (after.version, after.draft.fees) == (loaded.version, "Free")


def test_a_locked_database_file_is_unavailable_and_nothing_changes(sqlite_directory):
    """Another program holds the SQLite file's write lock (on the server, rows lock instead: the conflict
    tests cover two desks saving at once)."""
    from sqlalchemy import event

    directory = sqlite_directory

    event.listen(directory.engine, "connect",
                 lambda conn, _record: conn.execute("PRAGMA busy_timeout = 100"))  # fail fast, not after 3 s
    directory.engine.dispose()
    loaded = load_service(directory, EXISTING_ID)
    holder = sqlite3.connect(directory.url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program is writing
    try:
        with pytest.raises(Unavailable, match="busy|locked"):
            save_service(directory, dataclasses.replace(loaded.draft, fees="£5"), "Sam", service_id=EXISTING_ID,
                         expected_version=loaded.version)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert load_service(directory, EXISTING_ID).draft.fees == "Free"
