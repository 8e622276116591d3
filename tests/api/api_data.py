"""A small directory to publish: local services and national lines with need types, places and hours, a demo
record, retired, closed and temporarily closed services, the HSDS 3.0 example service (every kind of nested
record), and private things that must never leave the server (an editor's name in the change history, an
assurer's email, a referral in the log)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import update

from ketdir.editing.history import record as record_change
from ketdir.interop.apply import apply_import, plan_import
from ketdir.interop.load import read_any
from ketdir.interop.validate import validate
from ketdir.referral.log import log_referral
from ketdir.store.engine import open_directory
from ketdir.store.index import refresh_all
from ketdir.store.models import Service, stable_id
from tests.factories import build, record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ORUK = FIXTURES / "oruk"
HSDS_SERVICE_FULL = FIXTURES / "hsds" / "service_full.json"
EXAMPLE_SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"

SECRET_EDITOR = "Sam Secret-Editor"
SECRET_ASSURER = "sam.secret@team.example.org"
OLD = dt.datetime(2025, 1, 10, 9, 0)
RECENT = dt.datetime(2026, 11, 20, 15, 30)


def sid(name: str) -> str:
    return stable_id("test", name)


RECORDS = [
    record("Ketamine Bladder Clinic", needs=("bladder-urology", "drug-treatment"), postcode="SE1 7AB", lat=51.501,
           lon=-0.091, org="Ketamine Care Trust", description="Help for bladder pain after using ketamine."),
    record("Ketamine Care Drop-in", needs=("drug-treatment", "harm-reduction"), postcode="SE1 9SG", lat=51.503,
           lon=-0.105, org="Ketamine Care Trust"),
    record("Brighton Chemsex Support", needs=("chemsex", "sexual-health"), postcode="BN1 1AA", lat=50.822, lon=-0.137),
    record("Manchester Drug Service", needs=("drug-treatment",), postcode="M1 1AA", lat=53.480, lon=-2.242),
    record("Leeds Counselling", needs=("mental-health",), postcode="LS1 1AA", lat=53.799, lon=-1.549, free=False),
    record("Glasgow Harm Reduction", needs=("harm-reduction",), postcode="G1 1AA", lat=55.861, lon=-4.250,
           nation="SCT"),
    record("Bristol Sexual Health Clinic", needs=("sexual-health",), postcode="BS1 1AA", lat=51.454, lon=-2.588,
           verified=False),
    record("National Ketamine Line", needs=("drug-treatment",), national=True, phone="0808 157 0001"),
    record("National Sexual Violence Line", needs=("sexual-violence",), national=True, phone="0808 157 0002"),
    record("Demo Training Service", needs=("drug-treatment",), demo=True, postcode="SE1 7AB", lat=51.50, lon=-0.09),
    dict(record("Retired Ketamine Service", needs=("drug-treatment",), postcode="SE1 7AB", lat=51.5, lon=-0.09),
         status="inactive"),
    dict(record("Closed For Good Clinic", needs=("drug-treatment",), postcode="SE1 7AB", lat=51.5, lon=-0.09),
         status="defunct"),
    dict(record("Temporarily Closed Clinic", needs=("sexual-health",), postcode="E1 6AN", lat=51.52, lon=-0.07),
         status="temporarily closed"),
]
PUBLISHED = [r["name"] for r in RECORDS if not r.get("demo") and r.get("status") not in ("inactive", "defunct")]
NOT_PUBLISHED = ["Demo Training Service", "Retired Ketamine Service", "Closed For Good Clinic"]


def build_published(url: str) -> None:
    """The test directory at `url` (a SQLite path or a database URL), made from nothing."""
    build(url, RECORDS).close()
    dataset = read_any(HSDS_SERVICE_FULL, source="hsds example")
    directory = open_directory(url)
    try:
        with directory.session() as session:
            validate(dataset, session)
            assert not dataset.errors, "\n".join(map(str, dataset.errors))
            apply_import(session, dataset, plan_import(session, dataset))
        with directory.session() as session, session.begin():
            session.execute(update(Service).values(last_modified=OLD))
            for name in ("Brighton Chemsex Support", "National Ketamine Line"):
                session.execute(update(Service).where(Service.id == sid(name)).values(last_modified=RECENT))
            session.execute(update(Service).where(Service.id == sid("Leeds Counselling"))
                            .values(assurer_email=SECRET_ASSURER))
            record_change(session, sid("Leeds Counselling"), SECRET_EDITOR, "verified", RECENT, "assured_date",
                          None, "2026-11-20")
            log_referral(session, [sid("Leeds Counselling")], ["mental-health"], "LS1", "phone")
            refresh_all(session)
    finally:
        directory.close()
