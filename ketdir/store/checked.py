"""The one rule for "has a person checked this service?", shared by every way a service is shown.

The window's list and detail pane, the CLI's text and JSON, the referral slip, the handover text and
the QR code all ask `check_status` and show what it says; none of them decides "verified" itself.
The rule that matters most: **a demo (training) record is never verified**, whatever date it holds,
because nobody checked a service that does not exist. No Qt here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DEMO = "demo"  # a training record: never checked, never verified
UNCHECKED = "unchecked"  # a real service nobody has checked yet
STALE = "stale"  # checked, but longer ago than the stale limit
VERIFIED = "verified"  # checked recently by a person


@dataclass(frozen=True)
class CheckStatus:
    kind: str  # DEMO, UNCHECKED, STALE or VERIFIED
    checked_on: dt.date | None  # the date a person checked it; always None for a demo record

    @property
    def is_verified(self) -> bool:
        return self.kind == VERIFIED


def check_status(is_demo: bool, assured_date: dt.date | None, is_stale: bool) -> CheckStatus:
    """What may be said about a service's last check. A demo record gets DEMO, never VERIFIED."""
    if is_demo:
        return CheckStatus(DEMO, None)
    if assured_date is None:
        return CheckStatus(UNCHECKED, None)
    if is_stale:
        return CheckStatus(STALE, assured_date)
    return CheckStatus(VERIFIED, assured_date)


def status_of(item: object) -> CheckStatus:
    """check_status for anything with is_demo, assured_date and is_stale (a Hit, a ServiceDetail)."""
    return check_status(bool(getattr(item, "is_demo", False)), getattr(item, "assured_date", None),
                        bool(getattr(item, "is_stale", True)))
