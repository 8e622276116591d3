"""Small directories built from records, for tests."""
from __future__ import annotations

from pathlib import Path

from ketdir.store.engine import Directory, open_directory
from ketdir.store.index import refresh_all
from ketdir.store.models import stable_id
from ketdir.store.records import add_record, ensure_need_taxonomy

WEEKDAYS_9_5 = {"weekly": [{"days": ["MO", "TU", "WE", "TH", "FR"], "opens": "09:00", "closes": "17:00"}]}
ALWAYS = {"weekly": [{"days": ["MO", "TU", "WE", "TH", "FR", "SA", "SU"], "opens": "00:00", "closes": "00:00"}],
          "bank_holidays": "open"}


def record(name: str, *, needs=(), postcode: str | None = None, lat=None, lon=None, description="",
           hours=WEEKDAYS_9_5, national=False, demo=False, phone="020 7946 0001", verified=True,
           assured="2026-10-01", min_age=None, max_age=None, free=True, nation="ENG", languages=("en",),
           application_process="Self-referral: phone or drop in.", org: str | None = None,
           nations: list | None = None) -> dict:
    rec = {
        "id": stable_id("test", name),
        "name": name,
        "organization": {"name": org or f"{name} Trust"},
        "description": description,
        "needs": list(needs),
        "demo": demo,
        "national": national,
        "assured_date": assured,
        "minimum_age": min_age,
        "maximum_age": max_age,
        "free": free,
        "fees": "Free" if free else "£40 per session",
        "languages": list(languages),
        "application_process": application_process,
        "phones": [{"number": phone, "verified": verified}] if phone else [],
        "nation": nation,
        "hours": hours,
        "url": "https://example.org/" + name.lower().replace(" ", "-"),
    }
    if national and nations:  # one service_area row per nation covered (ketdir/store/coverage.py)
        rec["nations"] = list(nations)
    elif national:
        rec["service_area"] = "United Kingdom"
    else:
        rec["location"] = {"name": name, "address_1": "1 Example Street", "city": "Testtown",
                           "postal_code": postcode or "SE1 7AB", "latitude": lat, "longitude": lon}
    return rec


def build(path: Path | str, records: list[dict]) -> Directory:
    """A directory with these records at a file path or a database URL (see tests/backends.py)."""
    directory = open_directory(path, create=True)
    with directory.session() as s, s.begin():
        ensure_need_taxonomy(s)
        s.flush()
        for rec in records:
            add_record(s, rec, origin="test")
        s.flush()
        refresh_all(s)
    return directory
