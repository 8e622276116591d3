"""The round trip, as people run it: `ketdir serve` on loopback over a directory, then `ketdir import URL` into an
empty directory gives the same services as a person sees them (names, phones, addresses, hours, need types,
everything the detail pane shows). Later, the publisher changes one service and retires another: importing the
same URL again reads only what changed, updates that one, retires the one no longer published (it leaves search
and keeps its record and history), and leaves services from other sources alone; when the publisher lists it
again, the next import makes it active again. On SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from ketdir.editing.draft import PhoneDraft, load_draft
from ketdir.editing.history import history
from ketdir.editing.service import retire_service, update_service
from ketdir.store.detail import load_service_detail
from ketdir.store.engine import open_directory
from ketdir.store.index import refresh
from ketdir.store.models import Service
from ketdir.store.records import add_record
from tests import backends
from tests.api.api_data import PUBLISHED, build_published, sid
from tests.api.cli_helpers import run, serving
from tests.factories import record

TODAY = dt.date(2026, 12, 1)


def details(db: str) -> dict:
    """What a person sees of every active service: the detail pane's ServiceDetail, by id."""
    directory = open_directory(db)
    try:
        with directory.session() as session:
            ids = session.execute(select(Service.id).where(Service.status != "inactive")).scalars().all()
            return {i: load_service_detail(session, i, today=TODAY) for i in ids}
    finally:
        directory.close()


def publisher_changes(db: str) -> None:
    """At the publisher: a new phone number and name for one service, and another retired."""
    directory = open_directory(db)
    try:
        with directory.session() as session, session.begin():
            loaded = load_draft(session, sid("Manchester Drug Service"))
            draft = loaded.draft
            draft.name = "Manchester Drug and Alcohol Service"
            draft.phones = [PhoneDraft(number="0300 123 4569")]
            update_service(session, loaded.id, draft, loaded.version, editor="Publisher")
            retire_service(session, sid("Leeds Counselling"), editor="Publisher", reason="closed")
    finally:
        directory.close()


def listed_again(db: str) -> None:
    """At the publisher: the retired service is open again."""
    directory = open_directory(db)
    try:
        with directory.session() as session, session.begin():
            session.execute(update(Service).where(Service.id == sid("Leeds Counselling"))
                            .values(status="active", last_modified=dt.datetime.now()))
    finally:
        directory.close()


def status_and_history(db: str, service_id: str) -> tuple[str, list[tuple]]:
    directory = open_directory(db)
    try:
        with directory.session() as session:
            entries = [(e.action, e.field, e.old_value, e.new_value) for e in history(session, service_id)]
            return session.get(Service, service_id).status, entries
    finally:
        directory.close()


def test_serve_then_import_gives_the_same_services_and_a_later_import_only_what_changed(db_url, tmp_path):
    with backends.database_url("sqlite" if db_url.startswith("sqlite") else "postgresql", tmp_path, "source") as source:
        build_published(source)
        with serving(source) as (url, _line):
            first = run("--db", db_url, "import", url)
            assert first.returncode == 0, first.stdout + first.stderr
            assert f"{len(PUBLISHED) + 1} new, 0 updated, 0 retired (no longer in the source)" in first.stdout
            published, imported = details(source), details(db_url)
            expected = {i: d for i, d in published.items() if d.name in PUBLISHED or d.name == "Community Counselling"}
            assert set(imported) == set(expected)
            for service_id, detail in expected.items():
                assert imported[service_id] == detail, detail.name
            assert imported[sid("Ketamine Bladder Clinic")].needs == ("bladder-urology", "drug-treatment")
            assert imported[sid("Bristol Sexual Health Clinic")].phones[0].verified is False  # ketdir's own field

            local = open_directory(db_url)  # a service of the team's own, from no source
            with local.session() as session, session.begin():
                add_record(session, record("Our Own Drop-in", needs=("advice",)), origin="test")
                refresh(session, [sid("Our Own Drop-in")])
            local.close()
            publisher_changes(source)

            again = run("--db", db_url, "import", url)
            assert again.returncode == 0, again.stdout + again.stderr
            assert "only the services changed since" in again.stdout  # modified_after was used
            assert "0 new, 1 updated, 1 retired (no longer in the source)" in again.stdout
            assert "Retired: Leeds Counselling" in again.stdout
            after = details(db_url)
            changed = after[sid("Manchester Drug Service")]
            assert changed.name == "Manchester Drug and Alcohol Service"
            assert [p.number for p in changed.phones] == ["0300 123 4569"]
            assert sid("Leeds Counselling") not in after  # out of search and the API ...
            status, entries = status_and_history(db_url, sid("Leeds Counselling"))
            assert status == "inactive"  # ... but kept, with its history
            assert entries[:2] == [("imported", "reason", None, "The source no longer lists it."),  # newest first
                                   ("imported", "status", "active", "inactive")]
            assert after[sid("Our Own Drop-in")].name == "Our Own Drop-in"
            assert after[sid("Glasgow Harm Reduction")] == imported[sid("Glasgow Harm Reduction")]

            nothing = run("--db", db_url, "import", url)
            assert nothing.returncode == 0 and "Nothing to change" in nothing.stdout

            listed_again(source)
            back = run("--db", db_url, "import", url)
            assert back.returncode == 0, back.stdout + back.stderr
            assert "0 new, 0 updated, 0 retired (no longer in the source), 1 active again (back in the source)" \
                in back.stdout
            returned = details(db_url)[sid("Leeds Counselling")]
            assert (returned.name, returned.phones) == (imported[sid("Leeds Counselling")].name,
                                                        imported[sid("Leeds Counselling")].phones)
            assert status_and_history(db_url, sid("Leeds Counselling")) == ("active", [
                ("imported", "reason", None, "The source lists it again."),
                ("imported", "status", "inactive", "active"), *entries])


def test_an_address_that_cannot_be_read_changes_nothing(db_url, tmp_path):
    with backends.database_url("sqlite" if db_url.startswith("sqlite") else "postgresql", tmp_path, "source") as source:
        build_published(source)
        with serving(source) as (url, _line):
            assert run("--db", db_url, "import", url).returncode == 0
        before = details(db_url)
    gone = run("--db", db_url, "import", url)  # the server has stopped
    assert gone.returncode == 1 and "Could not connect to 127.0.0.1" in gone.stderr and "Traceback" not in gone.stderr
    not_http = run("--db", db_url, "import", "https://")
    assert not_http.returncode == 1 and "is not the address of an API" in not_http.stderr
    assert details(db_url) == before
