from __future__ import annotations

import datetime as dt

from ketdir.editing import PhoneDraft, ServiceDraft, WeeklyHours
from ketdir.store.models import stable_id
from tests.factories import build, record

NOW = dt.datetime(2026, 11, 25, 10, 30)
TODAY = dt.date(2026, 11, 25)
EXISTING = "Southwark Drug Service"
EXISTING_ID = stable_id("test", EXISTING)


def make_directory(path):
    rec = record(EXISTING, needs=("drug-treatment",), postcode="SE1 7AB", lat=51.4985, lon=-0.1004,
                 phone="0300 123 4567", assured="2025-01-10")
    rec["location"]["address_1"] = "1 Borough High Street"
    rec["location"]["city"] = "London"
    rec["hours"] = {"weekly": [{"days": ["MO", "TU", "WE", "TH", "FR"], "opens": "09:00", "closes": "17:00"}],
                    "exceptions": [{"from": "2026-12-25", "to": "2026-12-26", "closed": True}],
                    "note": "Drop in until 4pm."}
    rec["languages"] = ["en", "pl"]
    return build(path, [rec])


def good_draft(**kw) -> ServiceDraft:
    values = dict(
        name="Lambeth Chemsex Support",
        organization_name="Lambeth Health Trust",
        description="One-to-one support for people who use chems.",
        url="https://example.org/lambeth-chemsex",
        email="chemsex@example.org",
        application_process="Self-referral by phone.",
        eligibility="Adults in Lambeth.",
        minimum_age=18,
        maximum_age=None,
        fees="Free (NHS)",
        phones=[PhoneDraft("0300 123 9876", "voice", "Office hours", True)],
        address_1="10 Brixton Road",
        city="London",
        postal_code="sw9 8ej",
        needs=["chemsex", "sexual-health"],
        hours=[WeeklyHours(("MO", "WE"), "10:00", "18:00")],
    )
    values.update(kw)
    return ServiceDraft(**values)
