"""When a record is "stale": the one rule the results row, the detail pane, data health and the CLI share.

A record is stale when no person has checked it (no assured date) or its last check is older than
`months` calendar months: on 1 March 2028 a record checked on 1 March 2027 is still fresh, one checked on
28 February 2027 is stale. Months, not 365 days, so the answer does not shift in leap years.
"""
from __future__ import annotations

import calendar
import datetime as dt

DEFAULT_STALE_MONTHS = 12
MAX_STALE_MONTHS = 1200  # 100 years: anything longer means "never stale", and is surely a typing slip


def stale_cutoff(today: dt.date, months: int = DEFAULT_STALE_MONTHS) -> dt.date:
    """The date before which a check is stale: the same day `months` months ago (the month's last day when
    that month is shorter; the earliest date there is when the cutoff falls before year 1)."""
    year, month0 = divmod(today.year * 12 + today.month - 1 - months, 12)
    if year < dt.MINYEAR:
        return dt.date.min
    if year > dt.MAXYEAR:  # a negative number of months: nothing ever counts as checked
        return dt.date.max
    return dt.date(year, month0 + 1, min(today.day, calendar.monthrange(year, month0 + 1)[1]))


def is_stale(assured: dt.date | None, today: dt.date, months: int = DEFAULT_STALE_MONTHS) -> bool:
    """Never checked, or last checked more than `months` months before `today`."""
    return assured is None or assured < stale_cutoff(today, months)


def months_since(then: dt.date, today: dt.date) -> int:
    """Whole calendar months from `then` to `today` (0 when `then` is later)."""
    months = (today.year - then.year) * 12 + today.month - then.month
    if today.day < then.day:
        months -= 1
    return max(0, months)
