"""Counts from the anonymous referral log: by need type, service, district and ISO week, for a period.

`referral_stats(session, by, start, end)` is used by the statistics view, `ketdir stats` and the CSV
export alike. A referral with two need types (or two services) counts once under each, so a table's rows
can add up to more than the number of referrals; `Stats.referrals` is the number of referrals.
No Qt here.
"""
from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketdir.csvsafe import neutralise
from ketdir.referral.log import in_period
from ketdir.store.models import ReferralLog, ReferralNeed, ReferralService, Service

NEED = "need"
SERVICE = "service"
DISTRICT = "district"
WEEK = "week"
GROUPINGS = (NEED, SERVICE, DISTRICT, WEEK)
GROUPING_LABELS = {NEED: "Need type", SERVICE: "Service", DISTRICT: "District", WEEK: "Week"}
NOT_RECORDED = "Not recorded"
CSV_HEADERS = {
    NEED: ("need_type_code", "need_type", "referrals"),
    SERVICE: ("service_id", "service", "referrals"),
    DISTRICT: ("district", "district_name", "referrals"),
    WEEK: ("iso_week", "week_starting", "referrals"),
}


@dataclass(frozen=True)
class Count:
    key: str  # need code, service id, district, "2026-W45"; "" for not recorded
    label: str  # what people read
    count: int


@dataclass(frozen=True)
class Stats:
    by: str
    start: dt.date | None
    end: dt.date | None
    referrals: int  # referrals in the period
    rows: tuple[Count, ...]

    @property
    def largest(self) -> int:
        return max((r.count for r in self.rows), default=0)

    def period_text(self) -> str:
        return period_text(self.start, self.end)


def period_text(start: dt.date | None, end: dt.date | None) -> str:
    def day(d: dt.date) -> str:
        return f"{d.day} {d:%b %Y}"

    if start and end:
        return f"{day(start)} to {day(end)}"
    if start:
        return f"from {day(start)}"
    if end:
        return f"up to {day(end)}"
    return "all time"


def iso_week_key(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(key: str) -> dt.date:
    return dt.date.fromisocalendar(int(key[:4]), int(key[6:]), 1)


def _check(by: str, start: dt.date | None, end: dt.date | None) -> None:
    if by not in GROUPINGS:
        raise ValueError(f"count by one of: {', '.join(GROUPINGS)} (not {by!r})")
    if start and end and start > end:
        raise ValueError(f"the period starts ({start}) after it ends ({end})")


def count_referrals(session: Session, start: dt.date | None = None, end: dt.date | None = None) -> int:
    return session.execute(in_period(select(func.count(ReferralLog.id)), start, end)).scalar_one()


def referral_stats(session: Session, by: str, start: dt.date | None = None, end: dt.date | None = None) -> Stats:
    """Counts for one grouping over the period (dates inclusive; None = open-ended)."""
    _check(by, start, end)
    total = count_referrals(session, start, end)
    if by == WEEK:
        rows = _by_week(session, start, end)
    elif by == NEED:
        rows = _by_link(session, start, end, ReferralNeed, ReferralNeed.need, _need_label)
    elif by == SERVICE:
        labels = _service_labels(session)
        rows = _by_link(session, start, end, ReferralService, ReferralService.service_id,
                        lambda key: labels.get(key, f"Service no longer in the directory ({key[:8]}…)"))
    else:
        rows = _by_district(session, start, end)
    return Stats(by, start, end, total, tuple(rows))


def all_stats(session: Session, start: dt.date | None = None, end: dt.date | None = None) -> dict[str, Stats]:
    return {by: referral_stats(session, by, start, end) for by in GROUPINGS}


def _sorted(counter: Counter, label) -> list[Count]:
    rows = [Count(key, label(key) if key else NOT_RECORDED, n) for key, n in counter.items()]
    return sorted(rows, key=lambda c: (c.key == "", -c.count, c.label.lower()))


def _need_label(code: str) -> str:
    from ketdir.needs import need_types

    return need_types().label(code)


def _service_labels(session: Session) -> dict[str, str]:
    used = select(ReferralService.service_id).distinct()
    return dict(session.execute(select(Service.id, Service.name).where(Service.id.in_(used))).all())


def _by_link(session, start, end, table, column, label) -> list[Count]:
    query = in_period(
        select(column, func.count(func.distinct(table.referral_id)))
        .join(ReferralLog, ReferralLog.id == table.referral_id)
        .group_by(column),
        start, end,
    )
    counter = Counter({key: n for key, n in session.execute(query)})
    # referrals with no row in the link table: "Not recorded"
    unlinked = in_period(
        select(func.count(ReferralLog.id)).where(~ReferralLog.id.in_(select(table.referral_id))), start, end
    )
    missing = session.execute(unlinked).scalar_one()
    if missing:
        counter[""] = missing
    return _sorted(counter, label)


def _by_district(session, start, end) -> list[Count]:
    query = in_period(select(ReferralLog.district, func.count(ReferralLog.id)).group_by(ReferralLog.district),
                    start, end)
    counter = Counter({(key or ""): n for key, n in session.execute(query)})
    return _sorted(counter, lambda key: key)


def _by_week(session, start, end) -> list[Count]:
    counter: Counter = Counter()
    for (at,) in session.execute(in_period(select(ReferralLog.logged_at), start, end)):
        counter[iso_week_key(at.date())] += 1
    if not counter and not (start and end):
        return []
    first = start or week_monday(min(counter))
    last = end or week_monday(max(counter))
    # every week of the period, empty ones too, so the chart shows the gaps
    monday = first - dt.timedelta(days=first.weekday())
    rows = []
    while monday <= last:
        key = iso_week_key(monday)
        rows.append(Count(key, f"{key} (from {monday.day} {monday:%b})", counter.get(key, 0)))
        monday += dt.timedelta(days=7)
    return rows


def write_csv(stats: Stats, out: TextIO) -> int:
    """The rows of one grouping as CSV, with a header row. Returns the number of data rows."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADERS[stats.by])
    for row in stats.rows:
        if stats.by == WEEK:
            writer.writerow([row.key, week_monday(row.key).isoformat(), row.count])
        elif stats.by == DISTRICT:
            writer.writerow([row.key, row.label, row.count])
        else:
            writer.writerow([neutralise(row.key), neutralise(row.label), row.count])
    return len(stats.rows)


def stats_as_text(stats: Stats) -> str:
    """A readable table for the terminal."""
    title = f"Referrals by {GROUPING_LABELS[stats.by].lower()}, {stats.period_text()}: {stats.referrals} in all"
    lines = [title, "-" * min(len(title), 78)]
    if not stats.rows:
        lines.append("(no referrals logged in this period)")
        return "\n".join(lines)
    width = min(max(len(r.label) for r in stats.rows), 60)
    for row in stats.rows:
        label = row.label if len(row.label) <= width else row.label[: width - 1] + "…"
        lines.append(f"{label:<{width}}  {row.count:>6}")
    if stats.by in (NEED, SERVICE):
        lines.append(f"(a referral with more than one {GROUPING_LABELS[stats.by].lower()} counts under each)")
    return "\n".join(lines)
