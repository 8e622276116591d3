"""Turn the bundled directory's text records (data/directory/*.json) into HSDS rows.

A record is one service with its organisation, location, phones and hours in one JSON object (the
format is described in data/directory/README.md). The same function serves the benchmark generator.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from ketdir.needs import TAXONOMY_NAME, need_types
from ketdir.store.coverage import CoverageError, area_rows
from ketdir.store.models import (
    Accessibility,
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    stable_id,
)

LANGUAGE_NAMES = {
    "en": "English", "cy": "Welsh", "gd": "Scottish Gaelic", "ga": "Irish", "pl": "Polish", "ro": "Romanian",
    "pt": "Portuguese", "ur": "Urdu", "pa": "Punjabi", "bn": "Bengali", "ar": "Arabic", "so": "Somali",
    "es": "Spanish", "lt": "Lithuanian", "fr": "French", "zh": "Chinese", "tr": "Turkish", "bsl": "British Sign Language",
}


class RecordError(ValueError):
    """A record that cannot be loaded; the message names the record and the field."""


def need_term_id(code: str) -> str:
    return stable_id("need", code)


def ensure_need_taxonomy(session: Session) -> None:
    """Create (or update) the ketdir-need taxonomy and its terms."""
    taxonomy_id = stable_id("taxonomy", TAXONOMY_NAME)
    session.merge(
        Taxonomy(
            id=taxonomy_id,
            name=TAXONOMY_NAME,
            description="ketdir need types: what a person needs help with.",
            version="1",
        )
    )
    for need in need_types().all:
        session.merge(
            TaxonomyTerm(
                id=need_term_id(need.code),
                code=need.code,
                name=need.label,
                description=need.description,
                taxonomy=TAXONOMY_NAME,
                taxonomy_id=taxonomy_id,
                language="en",
            )
        )


def _date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise RecordError(f"{where}: “{value}” is not a date (use YYYY-MM-DD)") from exc


def add_record(session: Session, rec: dict[str, Any], *, origin: str = "record") -> Service:
    """Add one service record and everything it owns to the session."""
    sid = rec.get("id")
    name = rec.get("name")
    where = f"{origin} {sid or name or '?'}"
    if not sid or not name:
        raise RecordError(f"{where}: 'id' and 'name' are required")
    codes = rec.get("needs") or []
    known = set(need_types().codes)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise RecordError(f"{where}: unknown need type(s) {', '.join(unknown)}")

    org = rec.get("organization") or {}
    org_id = org.get("id") or stable_id("org", org.get("name") or name)
    session.merge(
        Organization(
            id=org_id,
            name=org.get("name") or name,
            description=org.get("description"),
            website=org.get("website"),
            email=org.get("email"),
        )
    )
    fees = rec.get("fees")
    service = Service(
        id=sid,
        organization_id=org_id,
        name=name,
        alternate_name=rec.get("alternate_name"),
        description=rec.get("description"),
        url=rec.get("url"),
        email=rec.get("email"),
        status=rec.get("status") or "active",
        interpretation_services=rec.get("interpretation_services"),
        application_process=rec.get("application_process"),
        fees_description=fees,
        eligibility_description=rec.get("eligibility"),
        minimum_age=rec.get("minimum_age"),
        maximum_age=rec.get("maximum_age"),
        assured_date=_date(rec.get("assured_date"), f"{where} assured_date"),
        alert=rec.get("alert"),
        is_demo=bool(rec.get("demo")),
        source_url=rec.get("source_url"),
        nation=rec.get("nation") or "ENG",
        bank_holidays=((rec.get("hours") or {}).get("bank_holidays") or "closed"),
    )
    session.add(service)
    if rec.get("free"):
        session.add(CostOption(id=stable_id(sid, "cost"), service_id=sid, option="Free", amount=0, currency="GBP"))
    for code in codes:
        session.add(
            Attribute(
                id=stable_id(sid, "need", code),
                link_id=sid,
                link_type="need",
                link_entity="service",
                taxonomy_term_id=need_term_id(code),
            )
        )
    for i, phone in enumerate(rec.get("phones") or []):
        if not phone.get("number"):
            raise RecordError(f"{where} phones[{i}]: 'number' is required")
        session.add(
            Phone(
                id=stable_id(sid, "phone", str(i)),
                service_id=sid,
                number=phone["number"],
                type=phone.get("type") or "voice",
                description=phone.get("description"),
                verified=bool(phone.get("verified", True)),
            )
        )
    for i, code in enumerate(rec.get("languages") or []):
        session.add(
            Language(id=stable_id(sid, "lang", code), service_id=sid, code=code, name=LANGUAGE_NAMES.get(code, code))
        )
    try:
        areas = area_rows(rec)
    except CoverageError as exc:
        raise RecordError(f"{where}: {exc}") from exc
    if rec.get("nations") is None:
        for name, _ in areas:  # the old single-text form: one row, id unchanged
            session.add(ServiceArea(id=stable_id(sid, "area"), service_id=sid, name=name))
    else:
        for name, description in areas:  # one row per nation covered (ketdir/store/coverage.py)
            session.add(ServiceArea(id=stable_id(sid, "area", name), service_id=sid, name=name,
                                    description=description))
    loc = rec.get("location")
    if loc:
        loc_id = stable_id(sid, "location")
        location = Location(
            id=loc_id,
            organization_id=org_id,
            location_type="physical",
            name=loc.get("name"),
            latitude=loc.get("latitude"),
            longitude=loc.get("longitude"),
        )
        location.addresses.append(
            Address(
                id=stable_id(sid, "address"),
                address_1=loc.get("address_1") or "",
                address_2=loc.get("address_2"),
                city=loc.get("city") or "",
                region=loc.get("region"),
                postal_code=loc.get("postal_code") or "",
                country="GB",
            )
        )
        for j, note in enumerate(rec.get("accessibility") or []):
            location.accessibility.append(Accessibility(id=stable_id(sid, "access", str(j)), description=note))
        session.add(location)
        session.add(ServiceAtLocation(id=stable_id(sid, "sal"), service_id=sid, location_id=loc_id))
    for sched in schedules_of(rec.get("hours"), sid, where):
        session.add(sched)
    return service


def schedules_of(hours: dict[str, Any] | None, sid: str, where: str) -> list[Schedule]:
    """HSDS schedule rows for a record's "hours" object."""
    if not hours:
        return []
    rows: list[Schedule] = []
    note = hours.get("note")
    for i, rule in enumerate(hours.get("weekly") or []):
        days = rule.get("days") or []
        if not days or not rule.get("opens") or not rule.get("closes"):
            raise RecordError(f"{where} hours.weekly[{i}]: needs days, opens and closes")
        rows.append(
            Schedule(
                id=stable_id(sid, "weekly", str(i)),
                service_id=sid,
                freq="WEEKLY",
                interval=1,
                byday=",".join(d.upper() for d in days),
                opens_at=rule["opens"],
                closes_at=rule["closes"],
                description=note if i == 0 else None,
            )
        )
    for i, exc in enumerate(hours.get("exceptions") or []):
        start = _date(exc.get("from"), f"{where} hours.exceptions[{i}].from")
        end = _date(exc.get("to") or exc.get("from"), f"{where} hours.exceptions[{i}].to")
        closed = bool(exc.get("closed"))
        rows.append(
            Schedule(
                id=stable_id(sid, "exception", str(i)),
                service_id=sid,
                valid_from=start,
                valid_to=end,
                opens_at=None if closed else exc.get("opens"),
                closes_at=None if closed else exc.get("closes"),
                description=exc.get("note") or ("Closed" if closed else "Special hours"),
            )
        )
    if not rows and note:
        rows.append(Schedule(id=stable_id(sid, "note"), service_id=sid, description=note))
    return rows
