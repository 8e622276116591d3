"""The change history (table ketdir_change): writing rows, reading a service's history, and showing times.

Times are stored as UTC without a time zone and shown in local time.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketdir.store.models import ChangeHistory
from ketdir.store.times import local_time, utc_now  # noqa: F401  (utc_now: re-exported for editing)

ENTITY = "service"

FIELD_LABELS = {
    "name": "Name", "organization_name": "Organisation", "description": "Description", "url": "Website",
    "email": "Email", "application_process": "How to refer", "eligibility": "Who it is for",
    "minimum_age": "Minimum age", "maximum_age": "Maximum age", "fees": "Fees", "phones": "Phone numbers",
    "address_1": "Address", "city": "Town or city", "postal_code": "Postcode", "latitude": "Latitude",
    "longitude": "Longitude", "needs": "Need types", "hours": "Opening hours", "hours_note": "Note about hours",
    "bank_holidays": "Bank holidays", "status": "Status", "assured_date": "Last checked", "reason": "Reason",
}
ACTION_LABELS = {"created": "Added", "edited": "Edited", "verified": "Marked verified", "retired": "Retired",
                 "imported": "Imported"}


def describe_time(at: dt.datetime | None) -> str:
    """ "14:05 on 25 November 2026" (local time)."""
    if at is None:
        return "an unknown time"
    local = local_time(at)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


@dataclass(frozen=True)
class ChangeEntry:
    at: dt.datetime  # UTC
    editor: str
    action: str  # created, edited, verified, retired, imported
    field: str | None
    old_value: str | None
    new_value: str | None

    @property
    def field_label(self) -> str:
        return FIELD_LABELS.get(self.field or "", (self.field or "").replace("_", " ").capitalize())

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action.capitalize())

    @property
    def when(self) -> str:
        return describe_time(self.at)


def record(session: Session, service_id: str, editor: str, action: str, at: dt.datetime,
           field: str | None = None, old: str | None = None, new: str | None = None) -> None:
    session.add(ChangeHistory(at=at, editor=editor, entity=ENTITY, entity_id=service_id, action=action,
                              field=field, old_value=old, new_value=new))


def history(session: Session, service_id: str) -> list[ChangeEntry]:
    """Every recorded change to the service, newest first."""
    rows = session.execute(
        select(ChangeHistory)
        .where(ChangeHistory.entity == ENTITY, ChangeHistory.entity_id == service_id)
        .order_by(ChangeHistory.at.desc(), ChangeHistory.id.desc())
    ).scalars()
    return [ChangeEntry(r.at, r.editor, r.action, r.field, r.old_value, r.new_value) for r in rows]


def last_change(session: Session, service_id: str) -> ChangeEntry | None:
    row = session.execute(
        select(ChangeHistory)
        .where(ChangeHistory.entity == ENTITY, ChangeHistory.entity_id == service_id)
        .order_by(ChangeHistory.at.desc(), ChangeHistory.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if row is None else ChangeEntry(row.at, row.editor, row.action, row.field, row.old_value, row.new_value)
