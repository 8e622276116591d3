"""`run_checks(session, today)`: every data-health check over the directory, as one HealthReport."""
from __future__ import annotations

import datetime as dt
import time
from typing import Callable, Iterable

from sqlalchemy.orm import Session

from ketdir import problems
from ketdir.freshness import DEFAULT_STALE_MONTHS, stale_cutoff
from ketdir.geo import Gazetteer, default_gazetteer
from ketdir.health import checks as c
from ketdir.health.duplicates import find_duplicates
from ketdir.health.gather import gather
from ketdir.health.model import CHECK_CODES, HealthReport

# progress(what is happening, done, total); cancelled() -> True to stop (raises ChecksCancelled).
Progress = Callable[[str, int, int], None]
Cancelled = Callable[[], bool]


class ChecksCancelled(problems.Cancelled):
    """The person stopped the checks; nothing was changed."""


def normalise_checks(only: Iterable[str] | str | None) -> tuple[str, ...]:
    """The checks to run, in the standard order; ValueError naming an unknown one."""
    if only is None:
        return CHECK_CODES
    if isinstance(only, str):
        only = [only]
    wanted: set[str] = set()
    for item in only:
        for code in str(item).split(","):
            code = code.strip().lower()
            if not code:
                continue
            if code not in CHECK_CODES:
                raise ValueError(f"“{code}” is not a check; choose from: {', '.join(CHECK_CODES)}")
            wanted.add(code)
    if not wanted:
        return CHECK_CODES
    return tuple(code for code in CHECK_CODES if code in wanted)


def run_checks(
    session: Session,
    today: dt.date | None = None,
    stale_months: int = DEFAULT_STALE_MONTHS,
    *,
    only: Iterable[str] | str | None = None,
    gazetteer: Gazetteer | None = None,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> HealthReport:
    """Check every service in use (retired ones are skipped). Reads only; never changes the database."""
    started = time.perf_counter()
    today = today or dt.date.today()
    if stale_months < 1:
        raise ValueError("The stale threshold must be at least 1 month.")
    codes = normalise_checks(only)
    report = HealthReport(today=today, stale_months=stale_months, checks_run=codes)

    def step(what: str, done: int, total: int) -> None:
        if cancelled is not None and cancelled():
            raise ChecksCancelled("The checks were stopped.")
        if progress is not None:
            progress(what, done, total)

    want = set(codes)
    step("Reading the directory", 0, 0)
    services = gather(
        session,
        places=bool(want & {"no-contact", "postcode", "coordinates", "duplicate"}),
        phones=bool(want & {"no-contact", "phone", "unverified-phone", "duplicate"}),
        schedules="schedule" in want,
    )
    report.services_checked = len(services)
    places = c.PlaceChecker(gazetteer or default_gazetteer()) if want & {"postcode", "coordinates"} else None
    schedules = c.ScheduleChecker()
    cutoff = stale_cutoff(today, stale_months)
    total = len(services)
    out = report.findings
    for i, s in enumerate(services):
        if i % 2000 == 0:
            step("Checking services", i, total)
        if "stale" in want:
            out.extend(c.check_stale(s, today, stale_months, cutoff))
        if "no-contact" in want:
            out.extend(c.check_contact(s))
        if "phone" in want or "unverified-phone" in want:
            out.extend(c.check_phones(s, validity="phone" in want, unverified="unverified-phone" in want))
        if "postcode" in want:
            out.extend(places.check_postcodes(s))
        if "coordinates" in want:
            out.extend(places.check_coordinates(s))
        if "schedule" in want:
            out.extend(schedules.check(s))
    step("Checking services", total, total)
    if "duplicate" in want:
        step("Looking for duplicates", 0, 0)
        out.extend(find_duplicates(services))
    step("Sorting", total, total)
    report.sort()
    report.seconds = time.perf_counter() - started
    return report
