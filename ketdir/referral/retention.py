"""Retention: delete referral-log entries older than N months (0 keeps everything).

The period is kept with the log it governs, in the directory's ketdir_meta (RETENTION_META_KEY; never carried
in a bundle), so every window on a shared team database applies the same one. `apply_retention(session,
months, now)` deletes and returns how many entries went; ketdir.app.referrals reads the period and runs it
when the window starts. No Qt here.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ketdir.store.models import ReferralLog, ReferralNeed, ReferralService

MAX_MONTHS = 240
RETENTION_META_KEY = "referral_retention_months"


def months_before(now: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` months earlier (the last day of a shorter month if need be)."""
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    month += 1
    day = now.day
    while True:
        try:
            return now.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def check_months(months) -> int:
    if isinstance(months, bool) or not isinstance(months, int):
        raise ValueError("the retention period is a whole number of months")
    if months < 0 or months > MAX_MONTHS:
        raise ValueError(f"the retention period must be 0 (keep everything) to {MAX_MONTHS} months")
    return months


def apply_retention(session: Session, months: int, now: dt.datetime) -> int:
    """Delete entries logged before `now` minus `months` months; 0 months deletes nothing. The caller
    commits. Returns the number of referrals deleted."""
    if check_months(months) == 0:
        return 0
    if now.tzinfo is not None:
        from ketdir.hours import LONDON

        now = now.astimezone(LONDON).replace(tzinfo=None)
    cutoff = months_before(now, months)
    old = select(ReferralLog.id).where(ReferralLog.logged_at < cutoff)
    session.execute(delete(ReferralService).where(ReferralService.referral_id.in_(old)))
    session.execute(delete(ReferralNeed).where(ReferralNeed.referral_id.in_(old)))
    result = session.execute(delete(ReferralLog).where(ReferralLog.logged_at < cutoff))
    return result.rowcount or 0


def read_period(session: Session) -> int:
    """The directory's retention period in months (0, keep everything, when none was set or it is unreadable)."""
    from ketdir.store.engine import get_meta

    try:
        return check_months(int(get_meta(session, RETENTION_META_KEY) or 0))
    except ValueError:
        return 0


def set_period(session: Session, months: int) -> int:
    """Keep the log for `months` months from now on (the caller commits)."""
    from ketdir.store.engine import set_meta

    set_meta(session, RETENTION_META_KEY, str(check_months(months)))
    return months
