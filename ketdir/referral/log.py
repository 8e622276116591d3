"""The anonymous referral log: what people needed and where they were sent, never who they are.

`log_referral` stores, for one referral: the hour it happened, the service ids, the need-type codes, the
postcode district (a full postcode is cut to its district; anything that is not a postcode or district
stores nothing), the channel (phone, outreach, other) and the outcome if known, each from a fixed set.
There is no parameter and no column for a name, a phone number, a note or a full postcode: free text has
nowhere to go. Values that are not what they should be are refused with a `ReferralError`.

`export_csv` / `import_csv` carry the log from a field laptop back to the team's database.
No Qt here.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from dataclasses import dataclass
from typing import Iterable, TextIO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ketdir.problems import BadInput
from ketdir.store.models import (
    REFERRAL_CHANNELS,
    REFERRAL_OUTCOMES,
    ReferralLog,
    ReferralNeed,
    ReferralService,
    Service,
)

CHANNELS = REFERRAL_CHANNELS
OUTCOMES = REFERRAL_OUTCOMES
CHANNEL_LABELS = {"phone": "Phone", "outreach": "Outreach (face to face)", "other": "Other"}
OUTCOME_LABELS = {
    None: "Not known",
    "referred": "Referred (the service was contacted)",
    "details-given": "Details given to the person",
    "declined": "The person declined",
    "no-service": "No suitable service found",
}
MAX_SERVICES = 20
CSV_COLUMNS = ("id", "logged_at", "district", "channel", "outcome", "services", "needs")
_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class ReferralError(BadInput, ValueError):
    """A referral that cannot be logged as given; the message says what to change."""


@dataclass(frozen=True)
class LoggedReferral:
    id: str
    logged_at: dt.datetime
    district: str | None
    channel: str
    outcome: str | None
    service_ids: tuple[str, ...]
    needs: tuple[str, ...]


def to_hour(at: dt.datetime) -> dt.datetime:
    """The time as stored: local wall time, rounded down to the hour (enough for statistics, and less to
    match against anyone's call record)."""
    if at.tzinfo is not None:
        from ketdir.hours import LONDON

        at = at.astimezone(LONDON).replace(tzinfo=None)
    return at.replace(minute=0, second=0, microsecond=0)


def district_of(value: str | None, gazetteer=None) -> str | None:
    """The postcode district of a full postcode or district ("se1 7tp" -> "SE1"); None for anything else
    (a town, a name, a phone number): the input itself is never kept."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReferralError("The district must be text such as SE1 (or nothing).")
    if not value.strip():
        return None
    if gazetteer is None:
        from ketdir.geo import default_gazetteer

        gazetteer = default_gazetteer()
    outcode = gazetteer.outcode_of(value)
    if outcode is None or not (2 <= len(outcode) <= 4) or " " in outcode:
        return None
    return outcode.upper()


def _need_codes(needs: Iterable[str]) -> tuple[str, ...]:
    from ketdir.needs import need_types

    known = need_types()
    codes: list[str] = []
    for need in needs or ():
        if not isinstance(need, str) or known.get(need.strip().lower()) is None:
            raise ReferralError(
                f"“{need}” is not a need type. Choose from: {', '.join(known.codes)}."
            )
        code = need.strip().lower()
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def _service_ids(session: Session, service_ids: Iterable[str]) -> tuple[str, ...]:
    if isinstance(service_ids, str):
        service_ids = [service_ids]
    ids: list[str] = []
    for value in service_ids or ():
        if not isinstance(value, str) or not _ID_RE.match(value):
            raise ReferralError("A referral lists services by their id in the directory, nothing else.")
        if value not in ids:
            ids.append(value)
    if len(ids) > MAX_SERVICES:
        raise ReferralError(f"A referral can list at most {MAX_SERVICES} services.")
    if ids:
        found = set(session.execute(select(Service.id).where(Service.id.in_(ids))).scalars())
        missing = [i for i in ids if i not in found]
        if missing:
            raise ReferralError(
                f"{len(missing)} of the services is not in this directory, so the referral was not logged. "
                "Search again and log from the service's details."
            )
    return tuple(ids)


def _channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise ReferralError(f"The channel must be one of: {', '.join(CHANNELS)}.")
    return channel


def _outcome(outcome: str | None) -> str | None:
    if outcome in (None, "", "unknown"):
        return None
    if outcome not in OUTCOMES:
        raise ReferralError(f"The outcome must be one of: {', '.join(OUTCOMES)} (or not known).")
    return outcome


def log_referral(session: Session, service_ids: Iterable[str], needs: Iterable[str],
                 district_or_postcode: str | None, channel: str, outcome: str | None = None,
                 at: dt.datetime | None = None, *, gazetteer=None) -> LoggedReferral:
    """Record one anonymous referral (the caller commits). Returns what was stored."""
    ids = _service_ids(session, service_ids)
    codes = _need_codes(needs)
    if not ids and not codes:
        raise ReferralError("Choose at least one service or need type to log a referral.")
    row = ReferralLog(
        id=str(uuid.uuid4()),
        logged_at=to_hour(at or dt.datetime.now()),
        district=district_of(district_or_postcode, gazetteer),
        channel=_channel(channel),
        outcome=_outcome(outcome),
    )
    session.add(row)
    session.flush()
    for service_id in ids:
        session.add(ReferralService(referral_id=row.id, service_id=service_id))
    for code in codes:
        session.add(ReferralNeed(referral_id=row.id, need=code))
    session.flush()
    return LoggedReferral(row.id, row.logged_at, row.district, row.channel, row.outcome, tuple(sorted(ids)),
                          tuple(sorted(codes)))


def delete_referral(session: Session, referral_id: str) -> bool:
    """Remove one entry (e.g. logged by mistake)."""
    session.execute(delete(ReferralService).where(ReferralService.referral_id == referral_id))
    session.execute(delete(ReferralNeed).where(ReferralNeed.referral_id == referral_id))
    return session.execute(delete(ReferralLog).where(ReferralLog.id == referral_id)).rowcount > 0


def in_period(query, start: dt.date | None, end: dt.date | None):
    if start is not None:
        query = query.where(ReferralLog.logged_at >= dt.datetime.combine(start, dt.time()))
    if end is not None:
        query = query.where(ReferralLog.logged_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    return query


def referrals(session: Session, start: dt.date | None = None, end: dt.date | None = None) -> list[LoggedReferral]:
    """The log for a period (dates inclusive), oldest first."""
    rows = session.execute(in_period(select(ReferralLog), start, end).order_by(ReferralLog.logged_at,
                                                                              ReferralLog.id)).scalars().all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    services: dict[str, list[str]] = {}
    needs: dict[str, list[str]] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for rid, sid in session.execute(select(ReferralService.referral_id, ReferralService.service_id)
                                        .where(ReferralService.referral_id.in_(chunk))):
            services.setdefault(rid, []).append(sid)
        for rid, need in session.execute(select(ReferralNeed.referral_id, ReferralNeed.need)
                                         .where(ReferralNeed.referral_id.in_(chunk))):
            needs.setdefault(rid, []).append(need)
    return [LoggedReferral(r.id, r.logged_at, r.district, r.channel, r.outcome,
                           tuple(sorted(services.get(r.id, ()))), tuple(sorted(needs.get(r.id, ()))))
            for r in rows]


def export_csv(session: Session, out: TextIO, start: dt.date | None = None, end: dt.date | None = None) -> int:
    """Write the log as CSV (one row a referral; services and needs separated by spaces). Returns rows."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for r in referrals(session, start, end):
        writer.writerow([r.id, r.logged_at.strftime("%Y-%m-%d %H:%M"), r.district or "", r.channel,
                         r.outcome or "", " ".join(r.service_ids), " ".join(r.needs)])
        count += 1
    return count


@dataclass(frozen=True)
class ImportReport:
    added: int
    already_there: int
    refused: int  # rows with values the log cannot hold
    unknown_services: int  # service ids not in this directory (dropped from their rows)
    problems: tuple[str, ...]

    def text(self) -> str:
        words = f"{self.added} referrals added, {self.already_there} already in the log"
        if self.refused:
            words += (f", {self.refused} row{'s' if self.refused != 1 else ''} refused (values the anonymous log "
                      "cannot hold)")
        if self.unknown_services:
            words += f", {self.unknown_services} links to services not in this directory dropped"
        return words + "."


def is_referral_id(value: str) -> bool:
    """A referral id is a UUID, as log_referral makes them: anything else (a phone number, a name and a date of
    birth) is not an id ketdir made, and could be personal data."""
    return bool(_UUID_RE.fullmatch(value))


def _merged_row(row: dict[str, str | None], known_services: set[str], gazetteer) -> tuple:
    """The values of one row of a log being merged, each checked; ReferralError says which field is wrong
    without repeating its value (it may be personal data)."""
    rid = (row.get("id") or "").strip()
    if not is_referral_id(rid):
        raise ReferralError("the referral id is not one ketdir makes (a UUID), so the row may hold personal data")
    try:
        at = dt.datetime.strptime((row.get("logged_at") or "").strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ReferralError("logged_at is not a date and time (YYYY-MM-DD HH:MM)") from None
    district_text = (row.get("district") or "").strip()
    district = district_of(district_text, gazetteer) if district_text else None
    if district_text and district is None:
        raise ReferralError("the district is not a postcode district (such as SE1), so it may be free text")
    try:
        channel = _channel((row.get("channel") or "").strip())
        outcome = _outcome((row.get("outcome") or "").strip() or None)
        codes = _need_codes((row.get("needs") or "").split())
    except ReferralError:
        raise ReferralError("the channel, outcome or needs are not from ketdir's fixed lists") from None
    tokens = list(dict.fromkeys((row.get("services") or "").split()))
    if len(tokens) > MAX_SERVICES or any(t not in known_services and not is_referral_id(t) for t in tokens):
        raise ReferralError("the services are not service ids, so they may be free text")
    present = [t for t in tokens if t in known_services]
    return rid, at, district, channel, outcome, codes, present, len(tokens) - len(present)


def import_csv(session: Session, source: TextIO | str, *, gazetteer=None) -> ImportReport:
    """Merge a log written by export_csv (e.g. from a field laptop). Rows already present (same id) are
    skipped, so importing twice adds nothing. The log must hold nothing but what ketdir's log holds: a column
    of any other name refuses the whole file, and a row with any value outside its field's fixed form (an id
    that is not a UUID, a district that is not a district, words where service ids go) is refused and counted."""
    if isinstance(source, str):
        source = io.StringIO(source)
    reader = csv.DictReader(source)
    columns = [c.strip() for c in reader.fieldnames or ()]
    missing = [c for c in CSV_COLUMNS if c not in columns]
    if missing:
        raise ReferralError(f"This is not a ketdir referral log: the columns {', '.join(missing)} are missing.")
    extra = [c for c in columns if c not in CSV_COLUMNS]
    if extra:
        raise ReferralError(f"This log has columns ketdir's anonymous log does not have ({', '.join(extra)}); they "
                            "could hold personal data, so nothing was merged. Export the log again with "
                            "`ketdir log export`.")
    if gazetteer is None:
        from ketdir.geo import default_gazetteer

        gazetteer = default_gazetteer()
    added = already = refused = unknown = 0
    problems: list[str] = []
    known_services = set(session.execute(select(Service.id)).scalars())
    for line, row in enumerate(reader, start=2):
        if None in row:  # more cells than columns: text with nowhere to go
            refused += 1
            if len(problems) < 10:
                problems.append(f"line {line}: the row has more cells than the log has columns; refused")
            continue
        try:
            rid, at, district, channel, outcome, codes, present, dropped = _merged_row(row, known_services, gazetteer)
        except ReferralError as exc:
            refused += 1
            if len(problems) < 10:
                problems.append(f"line {line}: {exc}; refused")
            continue
        if session.get(ReferralLog, rid) is not None:
            already += 1
            continue
        unknown += dropped
        session.add(ReferralLog(id=rid, logged_at=to_hour(at), district=district, channel=channel, outcome=outcome))
        session.flush()
        for sid in present:
            session.add(ReferralService(referral_id=rid, service_id=sid))
        for code in codes:
            session.add(ReferralNeed(referral_id=rid, need=code))
        added += 1
    session.flush()
    return ImportReport(added, already, refused, unknown, tuple(problems))
