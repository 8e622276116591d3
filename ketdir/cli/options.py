"""Numbers and dates typed on the command line, checked once: a value outside what a person could mean is a
clear message (exit 2), never an overflow deep in the search or the data checks.

The window's own inputs are bounded by their widgets; these bounds are the command line's equivalent.
"""
from __future__ import annotations

import datetime as dt
import math

from ketdir.problems import BadInput

EARLIEST = dt.date(1900, 1, 1)  # opening hours and bank holidays are only worked out within these years
LATEST = dt.date(2199, 12, 31)
MAX_AGE = 130
MAX_MILES = 1000.0  # further than Land's End to John o' Groats and back
MAX_MONTHS = 1200  # a hundred years


def _in_range(option: str, day: dt.date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise BadInput(f"{option} {day:%Y-%m-%d} is outside the dates ketdir works with ({EARLIEST:%Y} to "
                       f"{LATEST:%Y}); give a date in that range.")


def moment(option: str, value: str | None) -> dt.datetime | None:
    """"2026-12-25 10:00" (or "2026-12-25T10:00", or a date alone for midnight)."""
    if not value:
        return None
    text = value.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            found = dt.datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        try:
            found = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise BadInput(f"{option} “{value}” is not a date and time; use e.g. {option} \"2026-12-25 10:00\"") \
                from None
    found = found.replace(tzinfo=None)
    _in_range(option, found.date())
    return found


def day(option: str, value: str | None) -> dt.date | None:
    """"2026-11-25"."""
    if not value:
        return None
    try:
        found = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"{option} “{value}” is not a date; use YYYY-MM-DD, e.g. {option} 2026-11-25") from None
    _in_range(option, found)
    return found


def whole(option: str, value: str | int | None, low: int, high: int, what: str) -> int | None:
    """A whole number from `low` to `high`; `what` says what it counts ("years", "months")."""
    if value is None:
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BadInput(f"{option} “{value}” is not a whole number; give {what} from {low} to {high}.") from None
    if not low <= number <= high:
        raise BadInput(f"{option} {number} is out of range; give {what} from {low} to {high}.")
    return number


def age(value: str | int | None) -> int | None:
    return whole("--age", value, 0, MAX_AGE, "an age in years")


def months(option: str, value: str | int | None) -> int | None:
    return whole(option, value, 1, MAX_MONTHS, "a number of months")


def miles(value: str | float | None) -> float | None:
    """A radius in miles; 0 means no limit."""
    if value is None:
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        raise BadInput(f"--radius “{value}” is not a number of miles; e.g. --radius 5 (0 for no limit).") from None
    if math.isnan(number) or not 0 <= number <= MAX_MILES:
        raise BadInput(f"--radius must be a number of miles from 0 (no limit) to {MAX_MILES:g}.")
    return number
