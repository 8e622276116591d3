"""The editable part of a service as a plain dataclass, and reading one from the database.

A draft is what the editor's form holds: it crosses threads, survives a failed save, and is what
validation and saving work on. Fields the draft does not cover (languages, cost options, service areas,
date exceptions in the hours, contacts ...) are never touched by saving one.
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field, fields

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ketdir.needs import TAXONOMY_NAME
from ketdir.store.models import Attribute, Location, Service, ServiceAtLocation, TaxonomyTerm

STATUSES = ("active", "temporarily closed", "inactive", "defunct")  # HSDS 3.0 service.status
STATUS_LABELS = {"active": "Active", "temporarily closed": "Temporarily closed", "inactive": "Retired (inactive)",
                 "defunct": "Closed for good (defunct)"}
PHONE_TYPES = ("voice", "text", "textphone", "fax", "cell", "video", "pager")  # HSDS 3.0 (RFC 6350)
PHONE_TYPE_LABELS = {"voice": "Voice", "text": "Text (SMS)", "textphone": "Textphone", "fax": "Fax",
                     "cell": "Mobile", "video": "Video", "pager": "Pager"}
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday",
             "SA": "Saturday", "SU": "Sunday"}
BANK_HOLIDAYS = ("closed", "open")


@dataclass
class PhoneDraft:
    number: str = ""
    type: str = "voice"
    description: str = ""
    verified: bool = True  # a source (or the person editing) confirmed the number


@dataclass
class WeeklyHours:
    """Open on these days from `opens` to `closes` ("09:00"); 00:00 to 00:00 is 24 hours."""

    days: tuple[str, ...] = ()
    opens: str = ""
    closes: str = ""


@dataclass
class ServiceDraft:
    name: str = ""
    organization_name: str = ""
    description: str = ""
    url: str = ""
    email: str = ""
    application_process: str = ""  # how to refer
    eligibility: str = ""
    minimum_age: float | None = None
    maximum_age: float | None = None
    fees: str = ""
    phones: list[PhoneDraft] = field(default_factory=list)
    address_1: str = ""
    city: str = ""
    postal_code: str = ""
    latitude: float | None = None  # when not given, the centre of the postcode district
    longitude: float | None = None
    needs: list[str] = field(default_factory=list)  # need type codes
    hours: list[WeeklyHours] = field(default_factory=list)
    hours_note: str = ""
    bank_holidays: str = "closed"  # weekly hours also apply on bank holidays: "open"
    status: str = "active"
    is_demo: bool = False  # carried, not edited: demo records may keep Ofcom drama numbers

    @property
    def has_address(self) -> bool:
        return bool(self.address_1.strip() or self.city.strip() or self.postal_code.strip())


@dataclass(frozen=True)
class LoadedService:
    """A draft as read from the database, with what the editor needs to save it back safely."""

    id: str
    draft: ServiceDraft
    version: int  # pass to update_service as expected_version
    assured_date: dt.date | None
    last_modified: dt.datetime | None


def _s(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def service_phones(service: Service) -> list:
    """The service's own phones (not a contact's), in the order the detail pane shows them."""
    return sorted((p for p in service.phones if p.contact_id is None), key=lambda p: p.id)


def primary_location(service: Service) -> Location | None:
    """The first physical location (the detail pane's choice): where people are sent."""
    locations = [sal.location for sal in sorted(service.service_at_locations, key=lambda s: s.id) if sal.location]
    physical = [loc for loc in locations if loc.location_type != "virtual"]
    return next((loc for loc in physical if loc.latitude is not None), physical[0] if physical else None)


def primary_address(location: Location | None):
    if location is None or not location.addresses:
        return None
    ordered = sorted(location.addresses, key=lambda a: a.id)
    return next((a for a in ordered if a.address_type == "physical"), ordered[0])


def is_weekly_row(row) -> bool:
    """A schedule row the editor's weekly hours replace: days and times, no dates."""
    return (
        (row.byday is not None or (row.freq or "").upper() == "DAILY")
        and row.valid_from is None
        and row.valid_to is None
        and row.opens_at is not None
        and row.closes_at is not None
        and (row.interval in (None, 1))
        and (row.freq or "WEEKLY").upper() in ("WEEKLY", "DAILY")
        and row.location_id is None
        and row.service_at_location_id is None
    )


def is_note_row(row) -> bool:
    return (
        row.byday is None and row.freq is None and row.valid_from is None and row.valid_to is None
        and row.opens_at is None and row.closes_at is None and bool(_s(row.description))
        and row.location_id is None and row.service_at_location_id is None
    )


def hours_order(rule: WeeklyHours) -> tuple:
    """Weekly rules in week order: by their first day, then opening time."""
    first = min((DAYS.index(d) for d in rule.days if d in DAYS), default=len(DAYS))
    return (first, rule.opens, rule.closes)


def _short_time(text: str | None) -> str:
    text = _s(text)
    return text[:5] if len(text) == 8 and text[2] == ":" and text[5] == ":" and text.endswith(":00") else text


def _days(byday: str | None, freq: str | None) -> tuple[str, ...]:
    if byday is None:
        return DAYS if (freq or "").upper() == "DAILY" else ()
    out = []
    for token in byday.replace(";", ",").replace(" ", ",").split(","):
        token = token.strip().upper()[:2]
        if token and token not in out:
            out.append(token)
    return tuple(out)


def load_service(session: Session, service_id: str) -> Service | None:
    """The Service with everything a draft covers, read fresh from the database."""
    return session.execute(
        select(Service)
        .where(Service.id == service_id)
        .options(
            joinedload(Service.organization),
            selectinload(Service.phones),
            selectinload(Service.schedules),
            selectinload(Service.service_at_locations)
            .selectinload(ServiceAtLocation.location)
            .selectinload(Location.addresses),
        )
        .execution_options(populate_existing=True)
    ).unique().scalar_one_or_none()


def need_codes(session: Session, service_id: str) -> list[str]:
    return sorted(
        session.execute(
            select(TaxonomyTerm.code)
            .join(Attribute, Attribute.taxonomy_term_id == TaxonomyTerm.id)
            .where(Attribute.link_id == service_id, Attribute.link_entity == "service",
                   TaxonomyTerm.taxonomy == TAXONOMY_NAME)
        ).scalars()
    )


def draft_of(session: Session, service: Service) -> ServiceDraft:
    location = primary_location(service)
    address = primary_address(location)
    weekly = [row for row in sorted(service.schedules, key=lambda r: r.id) if is_weekly_row(row)]
    notes = [_s(row.description) for row in sorted(service.schedules, key=lambda r: r.id)
             if (is_weekly_row(row) or is_note_row(row)) and _s(row.description)]
    return ServiceDraft(
        name=_s(service.name),
        organization_name=_s(service.organization.name) if service.organization else "",
        description=_s(service.description),
        url=_s(service.url),
        email=_s(service.email),
        application_process=_s(service.application_process),
        eligibility=_s(service.eligibility_description),
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        fees=_s(service.fees_description),
        phones=[
            PhoneDraft(number=_s(p.number), type=_s(p.type) or "voice", description=_s(p.description),
                       verified=p.verified is not False)
            for p in service_phones(service)
        ],
        address_1=_s(address.address_1) if address else "",
        city=_s(address.city) if address else "",
        postal_code=_s(address.postal_code) if address else "",
        latitude=location.latitude if location is not None else None,
        longitude=location.longitude if location is not None else None,
        needs=need_codes(session, service.id),
        hours=sorted((WeeklyHours(_days(r.byday, r.freq), _short_time(r.opens_at), _short_time(r.closes_at))
                      for r in weekly), key=hours_order),
        hours_note=notes[0] if notes else "",
        bank_holidays=_s(service.bank_holidays) or "closed",
        status=_s(service.status) or "active",
        is_demo=bool(service.is_demo),
    )


def load_draft(session: Session, service_id: str) -> LoadedService | None:
    """The service as a draft for the editor, or None if there is no such service."""
    service = load_service(session, service_id)
    if service is None:
        return None
    return LoadedService(service.id, draft_of(session, service), service.version, service.assured_date,
                         service.last_modified)


def merge_drafts(original: ServiceDraft, mine: ServiceDraft, theirs: ServiceDraft) -> tuple[ServiceDraft, list[str]]:
    """After a conflict: their saved version with my edits laid over it.

    Fields I changed (from `original`, what I loaded) keep my value; the rest take theirs. Returns the merged
    draft and the fields we both changed differently (mine is kept; the person should check them).
    """
    merged = copy.deepcopy(theirs)
    both: list[str] = []
    for f in fields(ServiceDraft):
        name = f.name
        if name == "is_demo":
            continue
        mine_value, original_value, their_value = getattr(mine, name), getattr(original, name), getattr(theirs, name)
        if mine_value != original_value:
            setattr(merged, name, copy.deepcopy(mine_value))
            if their_value != original_value and their_value != mine_value:
                both.append(name)
    return merged, both
