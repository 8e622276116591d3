"""The per-service checks. Each takes a ServiceFacts and yields Findings; no database, no Qt."""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Iterator

from ketdir import hours as hours_mod
from ketdir.freshness import months_since
from ketdir.geo import MAX_MILES_FROM_DISTRICT, POSTCODE_RE, UK_BOX, Gazetteer, distance_miles
from ketdir.health.gather import SCHEDULE_FIELDS, PlaceFact, ServiceFacts
from ketdir.health.model import ERROR, WARNING, Finding
from ketdir.health.phones import DRAMA, INVALID, check_phone

FAR_FROM_DISTRICT_MILES = 25.0
# Any outward code shape, then digit + two letters: what people write even when Royal Mail's stricter
# rules (geo.POSTCODE_RE) say no, e.g. the retired district W1M.
LOOSE_POSTCODE = re.compile(r"(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?)(?P<inward>[0-9][A-Z]{2})", re.ASCII)


def long_date(day: dt.date) -> str:
    """ "3 November 2024"."""
    return f"{day.day} {day:%B %Y}"


def _finding(check: str, severity: str, s: ServiceFacts, field: str, message: str,
             related: tuple[str, ...] = ()) -> Finding:
    return Finding(check, severity, s.id, s.name, field, message, related)


# ------------------------------------------------------------------------------------------------ stale


def check_stale(s: ServiceFacts, today: dt.date, months: int, cutoff: dt.date) -> Iterator[Finding]:
    what_to_do = "Check the details with the service, then mark it verified."
    if s.assured_date is None:
        yield _finding("stale", WARNING, s, "assured_date",
                       f"Never checked by a person (no assured date). {what_to_do}")
    elif s.assured_date > today:
        yield _finding("stale", WARNING, s, "assured_date",
                       f"The date it was last checked, {long_date(s.assured_date)}, is in the future. "
                       "Check the details with the service and mark it verified to correct it.")
    elif s.assured_date < cutoff:
        ago = months_since(s.assured_date, today)
        yield _finding("stale", WARNING, s, "assured_date",
                       f"Last checked by a person on {long_date(s.assured_date)}, {ago} months ago "
                       f"(older than {months} months). {what_to_do}")


# ------------------------------------------------------------------------------------------------ contact


def check_contact(s: ServiceFacts) -> Iterator[Finding]:
    has_phone = any(p.number.strip() for p in s.phones)
    has_address = any(p.has_address and p.physical for p in s.places)
    if not (has_phone or s.email or s.url or has_address):
        yield _finding("no-contact", ERROR, s, "phone, email, url, address",
                       "No phone number, email, website or address: nobody can be referred to it. "
                       "Add a way to reach the service, or retire it.")


# ------------------------------------------------------------------------------------------------ phones


def check_phones(s: ServiceFacts, *, validity: bool = True, unverified: bool = True) -> Iterator[Finding]:
    seen: set[str] = set()
    for phone in s.phones:
        if phone.id in seen:
            continue
        seen.add(phone.id)
        field = "phone.number" if phone.own else "phone.number (location)"
        result = check_phone(phone.number)
        if validity:
            if result.kind == INVALID:
                yield _finding("phone", ERROR, s, field, result.message)
            elif result.kind == DRAMA and not s.is_demo:
                yield _finding("phone", ERROR, s, field, result.message)
        if unverified and not phone.verified and result.kind != INVALID:
            yield _finding("unverified-phone", WARNING, s, "phone.verified",
                           f"No source confirmed {phone.number.strip()}. Check it before giving it out, then "
                           "tick “Number confirmed” for it in the service editor.")


# ------------------------------------------------------------------------------------------------ places


def compact_postcode(text: str) -> str:
    return "".join((text or "").split()).upper()


def pretty_postcode(text: str) -> str:
    compact = compact_postcode(text)
    m = POSTCODE_RE.fullmatch(compact)
    return f"{m['outward']} {m['inward']}" if m else (text or "").strip()


class PlaceChecker:
    """Postcode and coordinate checks against the gazetteer, with caches for big directories."""

    # Everything outside the 3x3 cells around a point is at least one cell away: 0.5 degree of latitude
    # (34 miles) or of longitude (16.8 miles at 61 N, the top of the UK box). A centre found closer than
    # that inside the 3x3 cells is the nearest one.
    GRID_SAFE_MILES = 16.5

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._centres = {code: (lat, lon) for code, lat, lon in gazetteer.districts()}
        self._outcodes: dict[str, str | None] = {}
        self._grid: dict[tuple[int, int], list[str]] | None = None

    def outcode(self, postcode: str) -> str | None:
        """The known district of a well-formed full postcode, else None."""
        compact = compact_postcode(postcode)
        if compact not in self._outcodes:
            m = POSTCODE_RE.fullmatch(compact)
            self._outcodes[compact] = (
                m["outward"] if m and m["outward"] in self._centres else None
            )
        return self._outcodes[compact]

    def centre(self, outcode: str) -> tuple[float, float] | None:
        return self._centres.get(outcode)

    def nearest_district(self, lat: float, lon: float) -> tuple[str, float] | None:
        """The nearest district centre and its distance in miles (a grid of half-degree cells)."""
        if self._grid is None:
            grid: dict[tuple[int, int], list[str]] = {}
            for code, (clat, clon) in self._centres.items():
                grid.setdefault(self._cell(clat, clon), []).append(code)
            self._grid = grid
        ci, cj = self._cell(lat, lon)
        candidates = [code for di in (-1, 0, 1) for dj in (-1, 0, 1) for code in self._grid.get((ci + di, cj + dj), ())]
        best = min(candidates, key=lambda code: distance_miles(lat, lon, *self._centres[code]), default=None)
        if best is not None:
            miles = distance_miles(lat, lon, *self._centres[best])
            if miles <= self.GRID_SAFE_MILES:  # nothing outside the 3x3 cells can be nearer
                return best, miles
        if not self._centres:
            return None
        best = min(self._centres, key=lambda code: distance_miles(lat, lon, *self._centres[code]))
        return best, distance_miles(lat, lon, *self._centres[best])

    @staticmethod
    def _cell(lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / 0.5), math.floor(lon / 0.5)

    def in_uk(self, lat: float, lon: float, outcode: str | None = None) -> bool:
        """In the UK box and within 30 miles of a postcode district centre (its own district's, if given)."""
        if not (UK_BOX[0] <= lat <= UK_BOX[1] and UK_BOX[2] <= lon <= UK_BOX[3]):
            return False
        if outcode is not None and outcode in self._centres:
            if distance_miles(lat, lon, *self._centres[outcode]) <= MAX_MILES_FROM_DISTRICT:
                return True
        nearest = self.nearest_district(lat, lon)
        return nearest is not None and nearest[1] <= MAX_MILES_FROM_DISTRICT

    # ------------------------------------------------------------------------------------------ checks

    def check_postcodes(self, s: ServiceFacts) -> Iterator[Finding]:
        for place in s.places:
            if not place.physical or not place.has_address:
                continue
            postcode = place.postal_code
            if not postcode:
                yield _finding("postcode", WARNING, s, "address.postal_code",
                               "The address has no postcode, so it can't be found by postcode or placed "
                               "on a map. Add the postcode.")
                continue
            compact = compact_postcode(postcode)
            m = POSTCODE_RE.fullmatch(compact)
            if m is None:
                loose = LOOSE_POSTCODE.fullmatch(compact)
                if loose and loose["outward"] in self._centres:
                    yield _finding("postcode", WARNING, s, "address.postal_code",
                                   f"“{postcode}” is not in the current Royal Mail format ({loose['outward']} is an "
                                   "old or unusual district). Check the postcode with the service.")
                else:
                    yield _finding("postcode", ERROR, s, "address.postal_code",
                                   f"“{postcode}” is not a UK postcode (a postcode looks like SE1 7TP). Correct it.")
            elif self.outcode(postcode) is None:
                yield _finding("postcode", WARNING, s, "address.postal_code",
                               f"“{pretty_postcode(postcode)}” looks like a postcode, but {m['outward']} is not a "
                               "postcode district ketdir knows. Check it: it may be mistyped, new or "
                               "non-geographic (such as a PO box).")

    def check_coordinates(self, s: ServiceFacts) -> Iterator[Finding]:
        for place in s.places:
            if not place.physical:
                continue
            lat, lon = place.latitude, place.longitude
            if lat is None or lon is None:
                if place.has_address:
                    yield self._missing(s, place)
                continue
            shown = f"{lat:.5g}, {lon:.5g}"
            outcode = self.outcode(place.postal_code) if place.postal_code else None
            if not (math.isfinite(lat) and math.isfinite(lon)) or not self.in_uk(lat, lon, outcode):
                hint = ""
                if math.isfinite(lat) and math.isfinite(lon) and self.in_uk(lon, lat):
                    hint = " Latitude and longitude look swapped."
                yield _finding("coordinates", ERROR, s, "location.latitude, location.longitude",
                               f"The coordinates {shown} are outside the UK.{hint} Correct them, or clear them "
                               "so the postcode district is used.")
                continue
            if outcode is None:
                continue
            miles = distance_miles(lat, lon, *self._centres[outcode])
            if miles > FAR_FROM_DISTRICT_MILES:
                yield _finding("coordinates", WARNING, s, "location.latitude, location.longitude",
                               f"The coordinates {shown} are {miles:.0f} miles from the centre of the postcode "
                               f"district {outcode} ({pretty_postcode(place.postal_code)}): the coordinates or "
                               "the postcode are wrong.")

    def _missing(self, s: ServiceFacts, place: PlaceFact) -> Finding:
        outcode = self.outcode(place.postal_code) if place.postal_code else None
        fix = (f"Add them, or save the service in the editor to use the centre of {outcode}."
               if outcode else "Add them, or a postcode ketdir knows.")
        return _finding("coordinates", WARNING, s, "location.latitude, location.longitude",
                        f"The address has no map coordinates, so distance searches can't find it. {fix}")


# ------------------------------------------------------------------------------------------------ hours


class ScheduleChecker:
    """hours.parse_problems, with rows already known to be readable skipped (directories repeat a few
    dozen opening-hours patterns, so most services need no parsing at all)."""

    def __init__(self) -> None:
        self._readable: dict[tuple, bool] = {}

    def _row_ok(self, row) -> bool:
        get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name, None))
        values = [get(f) for f in SCHEDULE_FIELDS]
        key = tuple(values[:-1]) + (bool(values[-1]),)  # the description matters only by being there
        ok = self._readable.get(key)
        if ok is None:
            ok = not hours_mod.parse_problems([dict(zip(SCHEDULE_FIELDS, values))])
            self._readable[key] = ok
        return ok

    def check(self, s: ServiceFacts) -> Iterator[Finding]:
        if not s.schedules or all(self._row_ok(row) for row in s.schedules):
            return
        for problem in hours_mod.parse_problems(s.schedules):
            yield _finding("schedule", WARNING, s, "schedule",
                           f"{problem} These hours are left out of “open now”: correct the schedule.")


def check_schedules(s: ServiceFacts) -> Iterator[Finding]:
    return ScheduleChecker().check(s)
