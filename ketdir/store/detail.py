"""Everything the detail pane and a referral need about one service, as a plain dataclass.

`load_service_detail(session, service_id)` reads it in a handful of queries (selectinload), so the
result can cross threads and outlive the session: no live ORM objects leave this module.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from ketdir.freshness import is_stale
from ketdir.needs import TAXONOMY_NAME
from ketdir.store.coverage import coverage_label
from ketdir.store.fees import is_free
from ketdir.store.models import (
    Attribute,
    Location,
    Phone,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)

if TYPE_CHECKING:
    from ketdir.hours import Hours



@dataclass(frozen=True)
class PhoneLine:
    number: str
    type: str | None = None  # HSDS: voice, text, fax, textphone ...
    description: str | None = None
    verified: bool = True


@dataclass
class ServiceDetail:
    id: str
    name: str
    organization: str = ""
    description: str = ""
    eligibility: str = ""
    minimum_age: float | None = None
    maximum_age: float | None = None
    application_process: str = ""  # how to refer
    phones: list[PhoneLine] = field(default_factory=list)
    address_lines: list[str] = field(default_factory=list)  # street, town (no postcode)
    postcode: str = ""
    latitude: float | None = None
    longitude: float | None = None
    url: str = ""
    email: str = ""
    fees: str = ""
    is_free: bool = False
    languages: list[str] = field(default_factory=list)
    accessibility: list[str] = field(default_factory=list)
    interpretation_services: str = ""
    alert: str = ""
    needs: tuple[str, ...] = ()
    is_national: bool = False
    service_area: str = ""
    is_demo: bool = False
    assured_date: dt.date | None = None
    is_stale: bool = True
    hours: Hours | None = None
    source_url: str = ""
    transportation: str = ""

    @property
    def address(self) -> str:
        """One line: "1 High Street, London SE1 7TP" (empty for phone/online lines)."""
        parts = list(self.address_lines)
        if self.postcode:
            if parts:
                parts[-1] = f"{parts[-1]} {self.postcode}"
            else:
                parts.append(self.postcode)
        return ", ".join(parts)

    @property
    def age_range(self) -> str:
        lo, hi = self.minimum_age, self.maximum_age
        if lo is not None and hi is not None:
            return f"Ages {lo:g} to {hi:g}"
        if lo is not None:
            return f"Ages {lo:g} and over"
        if hi is not None:
            return f"Ages up to {hi:g}"
        return ""

    @property
    def has_unverified_phone(self) -> bool:
        return any(not p.verified for p in self.phones)


def _clean(text: str | None) -> str:
    return (text or "").strip()


def load_service_detail(session: Session, service_id: str, today: dt.date | None = None) -> ServiceDetail | None:
    """The service with this id as a ServiceDetail, or None if there is no such service."""
    from ketdir import hours as hours_mod  # holidays tables load on first use, not at start-up

    today = today or dt.date.today()
    service = session.execute(
        select(Service)
        .where(Service.id == service_id)
        .options(
            joinedload(Service.organization),
            selectinload(Service.phones),
            selectinload(Service.schedules),
            selectinload(Service.service_areas),
            selectinload(Service.languages),
            selectinload(Service.cost_options),
            selectinload(Service.service_at_locations)
            .selectinload(ServiceAtLocation.location)
            .options(selectinload(Location.addresses), selectinload(Location.accessibility)),
        )
    ).unique().scalar_one_or_none()
    if service is None:
        return None

    needs = tuple(
        sorted(
            session.execute(
                select(TaxonomyTerm.code)
                .join(Attribute, Attribute.taxonomy_term_id == TaxonomyTerm.id)
                .where(
                    Attribute.link_id == service.id,
                    Attribute.link_entity == "service",
                    TaxonomyTerm.taxonomy == TAXONOMY_NAME,
                )
            ).scalars()
        )
    )

    locations = [sal.location for sal in sorted(service.service_at_locations, key=lambda s: s.id) if sal.location]
    physical = [loc for loc in locations if loc.location_type != "virtual"]
    location = next((loc for loc in physical if loc.latitude is not None), physical[0] if physical else None)

    phones: list[PhoneLine] = []
    seen: set[str] = set()

    def add_phone(p: Phone) -> None:
        key = "".join(ch for ch in p.number if ch.isdigit()) or p.number
        if key in seen:
            return
        seen.add(key)
        phones.append(
            PhoneLine(number=p.number.strip(), type=p.type, description=_clean(p.description) or None,
                      verified=bool(p.verified))
        )

    for p in sorted(service.phones, key=lambda p: (p.contact_id is not None, p.id)):
        add_phone(p)
    # Then the numbers of where it is given (the service at a location, the location), then its organisation's.
    elsewhere = []
    if service.service_at_locations:
        elsewhere.append(Phone.service_at_location_id.in_([sal.id for sal in service.service_at_locations]))
    if locations:
        elsewhere.append(Phone.location_id.in_([loc.id for loc in locations]) & Phone.service_at_location_id.is_(None))
    if service.organization_id:
        elsewhere.append((Phone.organization_id == service.organization_id) & Phone.location_id.is_(None)
                         & Phone.service_at_location_id.is_(None) & Phone.contact_id.is_(None))
    for condition in elsewhere:
        for p in session.execute(
            select(Phone).where(condition, Phone.service_id.is_(None)).order_by(Phone.id)
        ).scalars():
            add_phone(p)

    address_lines: list[str] = []
    postcode = ""
    accessibility: list[str] = []
    if location is not None:
        address = next((a for a in location.addresses if a.address_type == "physical"), None)
        address = address or (location.addresses[0] if location.addresses else None)
        if address is not None:
            address_lines = [
                line for line in (_clean(address.address_1), _clean(address.address_2), _clean(address.city)) if line
            ]
            postcode = _clean(address.postal_code)
        for acc in location.accessibility:
            text = " — ".join(t for t in (_clean(acc.description), _clean(acc.details)) if t)
            if text:
                accessibility.append(text)

    fees = [_clean(service.fees_description)] if _clean(service.fees_description) else []
    for option in service.cost_options:
        words = _clean(option.option)
        if option.amount:
            words = f"{words}: £{option.amount:.2f}" if words else f"£{option.amount:.2f}"
        if _clean(option.amount_description):
            words = f"{words} ({_clean(option.amount_description)})" if words else _clean(option.amount_description)
        if words and not any(words.lower() in f.lower() for f in fees):
            fees.append(words)

    has_coords = any(loc.latitude is not None and loc.longitude is not None for loc in locations)
    organization = service.organization
    hours = hours_mod.from_schedules(
        list(service.schedules), bank_holidays=service.bank_holidays, nation=service.nation
    )

    return ServiceDetail(
        id=service.id,
        name=_clean(service.name),
        organization=_clean(organization.name) if organization else "",
        description=_clean(service.description),
        eligibility=_clean(service.eligibility_description),
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        application_process=_clean(service.application_process),
        phones=phones,
        address_lines=address_lines,
        postcode=postcode,
        latitude=location.latitude if location is not None else None,
        longitude=location.longitude if location is not None else None,
        url=_clean(service.url) or (_clean(organization.website) if organization else ""),
        email=_clean(service.email) or (_clean(organization.email) if organization else ""),
        fees="; ".join(fees),
        is_free=is_free(service.fees_description, [o.amount for o in service.cost_options]),
        languages=sorted({_clean(lang.name) or _clean(lang.code) for lang in service.languages} - {""}),
        accessibility=accessibility,
        interpretation_services=_clean(service.interpretation_services),
        alert=_clean(service.alert),
        needs=needs,
        is_national=bool(service.service_areas) and not has_coords,
        service_area=(coverage_label((_clean(a.name), _clean(a.description)) for a in service.service_areas)
                      if service.service_areas else ""),
        is_demo=bool(service.is_demo),
        assured_date=service.assured_date,
        is_stale=is_stale(service.assured_date, today),
        hours=hours,
        source_url=_clean(service.source_url),
        transportation=_clean(location.transportation) if location is not None else "",
    )
