"""Two editors, one service, the real PostgreSQL server: the second save is refused, nothing is lost."""
import pytest
from sqlalchemy.orm.exc import StaleDataError

from ketdir.store.engine import open_directory
from ketdir.store.models import Service
from tests.factories import build, record

CLINIC = record("Borough Bladder Clinic", needs=["bladder-urology"], lat=51.5, lon=-0.09, description="Clinic.",
                phone="0300 123 4567", postcode="SE1 7AB")


def test_optimistic_locking_refuses_the_second_save(pg_url):
    build(pg_url, [CLINIC]).close()
    anna, ben = open_directory(pg_url), open_directory(pg_url)  # two clients: own engines, own connections
    try:
        with anna.session() as a, ben.session() as b:
            mine, theirs = a.get(Service, CLINIC["id"]), b.get(Service, CLINIC["id"])
            assert mine.version == theirs.version == 1
            mine.alert = "Closed on Friday"
            a.commit()
            theirs.alert = "Moved to Block B"
            with pytest.raises(StaleDataError):
                b.commit()
            b.rollback()
        with anna.session() as s:
            saved = s.get(Service, CLINIC["id"])
            assert saved.alert == "Closed on Friday" and saved.version == 2  # the first save is kept whole
    finally:
        anna.close()
        ben.close()


def test_two_editors_on_the_server_second_save_is_refused_with_who_and_when(pg_url):
    import dataclasses
    import datetime as dt

    from ketdir.editing.service import EditConflict, draft_of, update_service

    build(pg_url, [CLINIC]).close()
    anna, ben = open_directory(pg_url), open_directory(pg_url)  # two desks, two engines, two connections
    try:
        with anna.session() as a, ben.session() as b:
            draft_a = draft_of(a, a.get(Service, CLINIC["id"]))
            draft_b = draft_of(b, b.get(Service, CLINIC["id"]))
            loaded = a.get(Service, CLINIC["id"]).version
            a.rollback()
            b.rollback()
            with a.begin():
                update_service(a, CLINIC["id"], dataclasses.replace(draft_a, description="Clinic. Closed Fridays."),
                               loaded, "Anna", now=dt.datetime(2026, 11, 25, 10, 30))
            with pytest.raises(EditConflict, match="changed by Anna at .*Reload") as err:
                with b.begin():
                    update_service(b, CLINIC["id"], dataclasses.replace(draft_b, description="Moved to Block B."),
                                   loaded, "Ben", now=dt.datetime(2026, 11, 25, 10, 31))
            assert err.value.editor == "Anna"
        with anna.session() as s:
            saved = s.get(Service, CLINIC["id"])
            assert saved.description == "Clinic. Closed Fridays." and saved.version == loaded + 1
    finally:
        anna.close()
        ben.close()
