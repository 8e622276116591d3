"""Read what the checks need from the database in a few bulk queries, as plain dataclasses.

No query per service: every table is read once and grouped in Python, so 100,000 services take seconds.
Retired services (status inactive or defunct) are left out: nobody is referred to them.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ketdir.store.models import Address, Location, Organization, Phone, Schedule, Service, ServiceAtLocation

RETIRED_STATUSES = ("inactive", "defunct")
# The schedule columns ketdir.hours reads to build opening hours.
SCHEDULE_FIELDS = ("freq", "byday", "interval", "opens_at", "closes_at", "valid_from", "valid_to", "description")


@dataclass
class PhoneFact:
    id: str
    number: str
    verified: bool
    own: bool = True  # False: the location's phone rather than the service's


@dataclass
class PlaceFact:
    location_id: str
    location_type: str
    latitude: float | None
    longitude: float | None
    address_1: str = ""
    city: str = ""
    postal_code: str = ""
    has_address: bool = False

    @property
    def physical(self) -> bool:
        return (self.location_type or "physical") != "virtual"


@dataclass
class ServiceFacts:
    id: str
    name: str
    status: str
    assured_date: dt.date | None
    is_demo: bool
    email: str
    url: str
    organization_id: str | None
    organization: str
    phones: list[PhoneFact] = field(default_factory=list)
    places: list[PlaceFact] = field(default_factory=list)
    schedules: list = field(default_factory=list)  # rows with schedule attributes (hours.parse_problems reads them)


def _s(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def gather(session: Session, *, places: bool = True, phones: bool = True, schedules: bool = True) -> list[ServiceFacts]:
    """Every service still in use, with its phones, places and schedule rows (those asked for)."""
    conn = session.connection()  # Core rows: no ORM bookkeeping for a few hundred thousand tuples
    rows = conn.execute(
        select(
            Service.id, Service.name, Service.status, Service.assured_date, Service.is_demo, Service.email,
            Service.url, Service.organization_id, Organization.name, Organization.email, Organization.website,
        )
        .outerjoin(Organization, Organization.id == Service.organization_id)
        .where(or_(Service.status.is_(None), Service.status.not_in(RETIRED_STATUSES)))
        .order_by(Service.id)
    ).all()
    facts: dict[str, ServiceFacts] = {}
    for sid, name, status, assured, demo, email, url, org_id, org_name, org_email, org_web in rows:
        facts[sid] = ServiceFacts(
            id=sid, name=_s(name) or "(no name)", status=status or "active", assured_date=assured,
            is_demo=bool(demo), email=_s(email) or _s(org_email), url=_s(url) or _s(org_web),
            organization_id=org_id, organization=_s(org_name),
        )

    services_at: dict[str, list[str]] = defaultdict(list)  # location id -> service ids
    if places or phones:
        by_location: dict[str, PlaceFact] = {}
        for sid, loc_id, loc_type, lat, lon in conn.execute(
            select(ServiceAtLocation.service_id, Location.id, Location.location_type, Location.latitude,
                   Location.longitude)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .order_by(ServiceAtLocation.service_id, ServiceAtLocation.id)
        ).all():
            service = facts.get(sid)
            if service is None:
                continue
            if sid not in services_at[loc_id]:
                services_at[loc_id].append(sid)
            place = by_location.get(loc_id)
            if place is None:
                place = by_location[loc_id] = PlaceFact(loc_id, loc_type or "physical", lat, lon)
            if all(p.location_id != loc_id for p in service.places):
                service.places.append(place)
        if places and by_location:
            physical_chosen: dict[str, bool] = {}  # location id -> the address kept is a physical one
            for loc_id, addr_type, line1, city, postcode in conn.execute(
                select(Address.location_id, Address.address_type, Address.address_1, Address.city,
                       Address.postal_code)
                .where(Address.location_id.is_not(None))
                .order_by(Address.location_id, Address.id)
            ).all():
                place = by_location.get(loc_id)
                if place is None:
                    continue
                if loc_id in physical_chosen and (physical_chosen[loc_id] or addr_type != "physical"):
                    continue  # keep the first physical address (people are sent there), else the first one
                physical_chosen[loc_id] = addr_type in (None, "physical")
                place.address_1, place.city, place.postal_code = _s(line1), _s(city), _s(postcode)
                place.has_address = bool(place.address_1 or place.city or place.postal_code)

    if phones:
        for pid, sid, loc_id, number, verified in conn.execute(
            select(Phone.id, Phone.service_id, Phone.location_id, Phone.number, Phone.verified)
            .where(or_(Phone.service_id.is_not(None), Phone.location_id.is_not(None)))
            .order_by(Phone.id)
        ).all():
            if sid is not None:
                service = facts.get(sid)
                if service is not None:
                    service.phones.append(PhoneFact(pid, number or "", verified is not False))
            else:
                for other in services_at.get(loc_id, ()):
                    facts[other].phones.append(PhoneFact(pid, number or "", verified is not False, own=False))

    if schedules:
        t = Schedule.__table__.c
        for row in conn.execute(
            select(t.id, t.service_id, *[t[name] for name in SCHEDULE_FIELDS])
            .where(t.service_id.is_not(None))
            .order_by(t.id)
        ).all():
            service = facts.get(row.service_id)
            if service is not None:
                service.schedules.append(row)
    return list(facts.values())
