"""Stored times are UTC without tzinfo (edits, imports, merges alike), so they compare with each other;
they are shown in the computer's local time."""
from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def local_time(at: dt.datetime) -> dt.datetime:
    """A stored (UTC) time in this computer's time zone, without tzinfo."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.timezone.utc)
    return at.astimezone().replace(tzinfo=None)
