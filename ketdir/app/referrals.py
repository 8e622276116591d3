"""Referrals: log one (anonymously), count them, keep the log no longer than chosen, and read the services a
hand-over (shortlist, slip, QR code) is made of.

The window and `ketdir stats` call these; each owns its session or transaction and raises only the
KetdirProblem family (ReferralError is BadInput; database trouble is Unavailable, nothing changed).
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ketdir.app.directory import Directory, reading, writing
from ketdir.problems import BadInput, Unavailable
from ketdir.referral import log as referral_log
from ketdir.referral import retention as referral_retention
from ketdir.referral import stats as referral_stats_mod
from ketdir.referral.log import LoggedReferral
from ketdir.referral.stats import Stats
from ketdir.store.detail import ServiceDetail

MAX_READ = 200  # a hand-over or a log entry names a few services; this bounds one read


def _london_now() -> dt.datetime:
    from ketdir.hours import LONDON

    return dt.datetime.now(LONDON)


# --------------------------------------------------------------------------------------------- the services


@dataclass(frozen=True)
class ServicesRead:
    """The services asked for, in the order asked, and the ids no longer in the directory."""

    details: tuple[ServiceDetail, ...]
    missing: tuple[str, ...]


def read_services(directory: Directory, service_ids: Iterable[str], today: dt.date | None = None) -> ServicesRead:
    """Read these services fresh (the shortlist, a slip, QR codes, the log dialog's list)."""
    from ketdir.store.detail import load_service_detail

    ids = list(dict.fromkeys(i for i in service_ids if isinstance(i, str) and i))[:MAX_READ]
    found: list[ServiceDetail] = []
    missing: list[str] = []
    with reading(directory) as session:
        for service_id in ids:
            detail = load_service_detail(session, service_id, today=today)
            if detail is None:
                missing.append(service_id)
            else:
                found.append(detail)
    return ServicesRead(tuple(found), tuple(missing))


# --------------------------------------------------------------------------------------------- the log


def log_referral(directory: Directory, service_ids: Sequence[str], needs: Iterable[str],
                 district_or_postcode: str | None, channel: str, outcome: str | None = None,
                 at: dt.datetime | None = None) -> LoggedReferral:
    """Record one anonymous referral in one transaction; returns what was stored (only the district is kept).
    ReferralError (BadInput) for values the log cannot hold; Unavailable when it cannot be written."""
    with writing(directory) as session:
        return referral_log.log_referral(session, service_ids, needs, district_or_postcode, channel, outcome, at=at)


# --------------------------------------------------------------------------------------------- statistics


def check_period(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and start > end:
        raise BadInput(f"The period starts ({start:%d %b %Y}) after it ends ({end:%d %b %Y}): change the dates.")


def referral_stats(directory: Directory, by: str, start: dt.date | None = None,
                   end: dt.date | None = None) -> Stats:
    """Counts of referrals by need type, service, district or week over a period (dates inclusive)."""
    if by not in referral_stats_mod.GROUPINGS:
        raise BadInput(f"Count by one of: {', '.join(referral_stats_mod.GROUPINGS)} (not “{by}”).")
    check_period(start, end)
    with reading(directory) as session:
        return referral_stats_mod.referral_stats(session, by, start, end)


def all_referral_stats(directory: Directory, start: dt.date | None = None,
                       end: dt.date | None = None) -> list[Stats]:
    """The four tables for one period, read together."""
    check_period(start, end)
    with reading(directory) as session:
        return [referral_stats_mod.referral_stats(session, by, start, end) for by in referral_stats_mod.GROUPINGS]


def first_logged_day(directory: Directory) -> dt.date | None:
    """The day of the oldest entry in the log (where "all time" starts), or None when the log is empty."""
    from sqlalchemy import func, select

    from ketdir.store.models import ReferralLog

    with reading(directory) as session:
        first = session.execute(select(func.min(ReferralLog.logged_at))).scalar_one_or_none()
    return first.date() if first else None


@dataclass(frozen=True)
class SavedFile:
    path: Path
    rows: int


def csv_target(path: str | os.PathLike) -> Path:
    """The file a CSV goes to: the name given, with .csv added when it has no suffix."""
    target = Path(path)
    return target.with_suffix(".csv") if not target.suffix else target


def save_stats_csv(stats: Stats, path: str | os.PathLike) -> SavedFile:
    """Write one table as CSV for a spreadsheet (cells a spreadsheet would run as formulas are neutralised).
    Written beside the target and moved into place, so a failure leaves no half file."""
    target = csv_target(path)
    if not target.parent.is_dir():
        raise BadInput(f"The folder {target.parent} does not exist. Choose another place; nothing was written.")
    partial = target.with_name(f".{target.name}.writing")
    try:
        with partial.open("w", encoding="utf-8", newline="") as fh:
            rows = referral_stats_mod.write_csv(stats, fh)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise Unavailable(f"Could not write {target}: {exc.strerror or exc}. Choose another folder, or check there "
                          "is space on the disk. Nothing was written.") from exc
    return SavedFile(target.resolve(), rows)


# --------------------------------------------------------------------------------------------- retention


@dataclass(frozen=True)
class RetentionDone:
    months: int  # the period applied (0: keep everything)
    deleted: int  # entries deleted now

    def message(self) -> str | None:
        """For the status bar, or None when nothing was deleted."""
        if not self.deleted:
            return None
        n, m = self.deleted, self.months
        return (f"Deleted {n} referral-log entr{'ies' if n != 1 else 'y'} older than {m} month{'s' if m != 1 else ''} "
                "(Referrals ▸ Keep the log for… to change this).")


def retention_period(directory: Directory) -> int:
    """How many months the log is kept (0: every entry is kept)."""
    with reading(directory) as session:
        return referral_retention.read_period(session)


def set_retention_period(directory: Directory, months: int) -> int:
    """Keep the log for `months` months (0 keeps everything); applied each time ketdir starts."""
    try:
        referral_retention.check_months(months)
    except ValueError as exc:
        raise BadInput(f"The log can be kept for 0 (everything) to {referral_retention.MAX_MONTHS} months; "
                       f"“{months}” is not one of those.") from exc
    with writing(directory) as session:
        return referral_retention.set_period(session, months)


def apply_retention(directory: Directory, now: dt.datetime | None = None) -> RetentionDone:
    """Delete the entries older than the directory's retention period (what the window does on start)."""
    with writing(directory) as session:
        months = referral_retention.read_period(session)
        deleted = referral_retention.apply_retention(session, months, now or _london_now()) if months else 0
    return RetentionDone(months, deleted)
