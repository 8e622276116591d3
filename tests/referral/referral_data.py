"""The small directory the referral tests use: three services and a fixed clock."""
from __future__ import annotations

import datetime as dt

from factories import record

from ketdir.hours import LONDON
from ketdir.store.models import stable_id

NOW = dt.datetime(2026, 11, 3, 10, 30, tzinfo=LONDON)  # a Tuesday
TODAY = NOW.date()

BLADDER = stable_id("test", "Riverside Bladder Clinic")
CHEMLINE = stable_id("test", "Chem Line")
DEMO = stable_id("test", "Demo Drop-in")


def services() -> list[dict]:
    return [
        record("Riverside Bladder Clinic", needs=["bladder-urology"], postcode="SE1 7EH", lat=51.5, lon=-0.1,
               phone="020 7946 0101", application_process="GP referral needed. Bring a list of your medicines.",
               org="Riverside NHS Trust"),
        record("Chem Line", needs=["chemsex", "sexual-health"], national=True, phone="0300 123 4567",
               verified=False),
        record("Demo Drop-in", needs=["harm-reduction"], postcode="E1 6AN", demo=True, phone="020 7946 0999"),
    ]
