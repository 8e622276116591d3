"""Records for data-health tests: clean by default (a valid, unique phone; coordinates at the postcode
district's centre; checked recently), so each test plants exactly the problems it looks for."""
from __future__ import annotations

import datetime as dt
import itertools

from ketdir.geo import default_gazetteer
from tests.factories import record

TODAY = dt.date(2026, 11, 25)
_numbers = itertools.count(1000)


def unique_phone() -> str:
    return f"0300 123 {next(_numbers):04d}"


def rec(name: str, *, postcode: str = "SE1 7AB", phone: str | None = "auto", coords: str | tuple | None = "auto",
        **kw) -> dict:
    """A clean record; phone="auto" gives a unique valid number; coords="auto" the district centre."""
    if phone == "auto":
        phone = unique_phone()
    kw.setdefault("assured", "2026-10-01")
    r = record(name, postcode=postcode, phone=phone, needs=kw.pop("needs", ("drug-treatment",)), **kw)
    if "location" in r:
        if coords == "auto":
            place = default_gazetteer().resolve(postcode).place
            coords = (place.latitude, place.longitude) if place else (None, None)
        lat, lon = coords if coords is not None else (None, None)
        r["location"]["latitude"], r["location"]["longitude"] = lat, lon
    return r
