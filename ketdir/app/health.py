"""Data health: run the checks over the directory, with progress and a way to stop.

The window's Data health view and `ketdir check` both call `run_health`; it only reads.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ketdir.app.directory import Directory, reading
from ketdir.app.progress import Progress
from ketdir.freshness import DEFAULT_STALE_MONTHS, MAX_STALE_MONTHS
from ketdir.health import HealthReport, normalise_checks, run_checks
from ketdir.problems import BadInput

# Checking "as of" a date before anyone kept these records is a typing slip, not a question.
EARLIEST_DAY = dt.date(1900, 1, 1)


def check_stale_months(months: int) -> int:
    if not isinstance(months, int) or not 1 <= months <= MAX_STALE_MONTHS:
        raise BadInput(f"The stale threshold must be a whole number of months from 1 to {MAX_STALE_MONTHS:,} "
                       f"(100 years), not {months}.")
    return months


def check_day(today: dt.date) -> dt.date:
    if today < EARLIEST_DAY:
        raise BadInput(f"{today.isoformat()} is too long ago to check as of: give a date from "
                       f"{EARLIEST_DAY.year} on, such as today.")
    return today


def checks_to_run(only: Iterable[str] | str | None) -> tuple[str, ...]:
    try:
        return normalise_checks(only)
    except ValueError as exc:
        raise BadInput(str(exc)) from None


def run_health(directory: Directory, *, today: dt.date | None = None,
               stale_months: int = DEFAULT_STALE_MONTHS, only: Iterable[str] | str | None = None,
               progress: Progress | None = None) -> HealthReport:
    """Every check (or those in `only`) as of `today`. Raises BadInput for a threshold, day or check that
    cannot be used, Unavailable when the database cannot be read, Cancelled when the person stops it."""
    today = check_day(today or dt.date.today())
    stale_months = check_stale_months(stale_months)
    codes = checks_to_run(only)
    progress = progress or Progress()
    with reading(directory) as session:
        return run_checks(session, today, stale_months, only=codes, progress=progress.report,
                          cancelled=progress.cancelled)
