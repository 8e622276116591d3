"""Add, edit, retire and verify services; every change is written to the change history.

Each function works inside the caller's transaction and does not commit:

    with directory.session() as session, session.begin():
        service_id = create_service(session, draft, editor="Sam")

Edits use optimistic locking: `update_service` is given the version the editor loaded; if someone saved
the service since, it raises EditConflict (saying who and when) and changes nothing, so the person's
form is kept and nothing is lost. Every change refreshes the service's search row.
"""
from __future__ import annotations

import copy
import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from ketdir import hours as hours_mod
from ketdir.editing.draft import (
    DAYS,
    ServiceDraft,
    hours_order,
    draft_of,
    is_note_row,
    is_weekly_row,
    load_service,
    need_codes,
    primary_address,
    primary_location,
    service_phones,
)
from ketdir.editing.history import describe_time, last_change, record, utc_now
from ketdir.editing.validate import FieldError, validate_draft
from ketdir.geo import POSTCODE_RE, Gazetteer, default_gazetteer
from ketdir.health.checks import LOOSE_POSTCODE
from ketdir.needs import TAXONOMY_NAME
from ketdir.problems import BadInput, Conflict, KetdirProblem, NotFound, Unavailable, is_locked
from ketdir.store import index
from ketdir.store.models import (
    Accessibility,
    Address,
    Attribute,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
    new_id,
)
from ketdir.store.records import ensure_need_taxonomy, need_term_id

RETIRED = "inactive"


class EditProblem(KetdirProblem):
    """A change that could not be made; the message says why and what to do. Nothing was changed."""


class InvalidDraft(EditProblem, BadInput):
    """The draft has field errors (`errors`, each naming its field); the form shows each next to its field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        listed = "; ".join(e.message for e in errors[:3]) + ("; …" if len(errors) > 3 else "")
        super().__init__(f"The service can't be saved until these are corrected: {listed}")


class MissingDetail(EditProblem, BadInput):
    """Something every change needs is missing: who made it, or why a service is retired."""


class EditConflict(EditProblem, Conflict):
    """Someone else saved the service after this editor loaded it."""

    def __init__(self, editor: str | None, at: dt.datetime | None, current_version: int | None) -> None:
        self.editor = editor
        self.at = at
        self.current_version = current_version
        who = editor or "someone else"
        when = f" at {describe_time(at)}" if at else ""
        super().__init__(
            f"This service was changed by {who}{when} since you opened it. Reload to see their changes."
        )


class ServiceMissing(EditProblem, NotFound):
    pass


class DatabaseBusy(EditProblem, Unavailable):
    pass


# ------------------------------------------------------------------------------------------- snapshots


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _number(value: float | None) -> str | None:
    return None if value is None else f"{float(value):g}"


def _coord(value: float | None) -> str | None:
    return None if value is None else f"{float(value):.6f}".rstrip("0").rstrip(".")


def _time(text: str) -> str:
    try:
        return hours_mod.parse_time(text).strftime("%H:%M")
    except ValueError:
        return text.strip()


def pretty_postcode(text: str) -> str:
    compact = "".join((text or "").split()).upper()
    m = POSTCODE_RE.fullmatch(compact) or LOOSE_POSTCODE.fullmatch(compact)
    return f"{m['outward']} {m['inward']}" if m else (text or "").strip()


def _phone_text(p) -> str:
    extra = [p.type or "voice"]
    if not p.verified:
        extra.append("unverified")
    if (p.description or "").strip():
        extra.append(p.description.strip())
    return f"{p.number.strip()} ({', '.join(extra)})"


def snapshot(d: ServiceDraft) -> dict[str, str | None]:
    """Every draft field as text, for the change history (None for empty)."""
    return {
        "name": _text(d.name),
        "organization_name": _text(d.organization_name),
        "description": _text(d.description),
        "url": _text(d.url),
        "email": _text(d.email),
        "application_process": _text(d.application_process),
        "eligibility": _text(d.eligibility),
        "minimum_age": _number(d.minimum_age),
        "maximum_age": _number(d.maximum_age),
        "fees": _text(d.fees),
        "phones": "; ".join(_phone_text(p) for p in d.phones) or None,
        "address_1": _text(d.address_1),
        "city": _text(d.city),
        "postal_code": _text(d.postal_code),
        "latitude": _coord(d.latitude),
        "longitude": _coord(d.longitude),
        "needs": ", ".join(sorted(set(d.needs))) or None,
        "hours": "; ".join(f"{','.join(r.days)} {_time(r.opens)}–{_time(r.closes)}" for r in d.hours) or None,
        "hours_note": _text(d.hours_note),
        "bank_holidays": _text(d.bank_holidays),
        "status": _text(d.status),
    }


# ------------------------------------------------------------------------------------------- helpers


def _editor(editor: str) -> str:
    editor = (editor or "").strip()
    if not editor:
        raise MissingDetail("Enter your name first, so the change history says who made this change.")
    return editor


def _valid(draft: ServiceDraft, gazetteer: Gazetteer) -> None:
    errors = validate_draft(draft, gazetteer)
    if errors:
        raise InvalidDraft(errors)


def _normalised(draft: ServiceDraft) -> ServiceDraft:
    d = copy.deepcopy(draft)
    for name in ("name", "organization_name", "description", "url", "email", "application_process",
                 "eligibility", "fees", "address_1", "city", "hours_note"):
        setattr(d, name, (getattr(d, name) or "").strip())
    d.organization_name = d.organization_name or d.name
    d.postal_code = pretty_postcode(d.postal_code) if d.has_address else ""
    if not d.has_address:
        d.latitude = d.longitude = None
    for p in d.phones:
        p.number, p.description = p.number.strip(), (p.description or "").strip()
    for rule in d.hours:
        rule.opens, rule.closes = _time(rule.opens), _time(rule.closes)
        rule.days = tuple(sorted(set(rule.days), key=lambda day: DAYS.index(day) if day in DAYS else 99))
    d.hours.sort(key=hours_order)
    d.needs = sorted(set(d.needs))
    return d


def _coordinates(d: ServiceDraft, before: ServiceDraft | None, gazetteer: Gazetteer) -> None:
    """Fill in lat/lon from the postcode district when not given (or when they belonged to the old postcode)."""
    if not d.has_address:
        return
    if before is not None and d.latitude is not None and d.postal_code != before.postal_code and (
        (d.latitude, d.longitude) == (before.latitude, before.longitude)
    ):
        d.latitude = d.longitude = None
    if d.latitude is None or d.longitude is None:
        found = gazetteer.district_centre(d.postal_code)  # as imports place them (interop.postcode_places)
        if found is not None:
            d.latitude, d.longitude = round(found[1], 6), round(found[2], 6)


def _conflict(session: Session, service: Service) -> EditConflict:
    change = last_change(session, service.id)
    if change is None:
        return EditConflict(None, service.last_modified, service.version)
    return EditConflict(change.editor, change.at, service.version)


def _load(session: Session, service_id: str, expected_version: int | None) -> Service:
    service = load_service(session, service_id)
    if service is None:
        raise ServiceMissing(
            f"There is no service with the id {service_id} in this directory (perhaps an import removed it)."
        )
    if expected_version is not None and service.version != expected_version:
        raise _conflict(session, service)
    return service


def _flush(session: Session, service: Service) -> None:
    # After a failed flush the session (and its objects) can't be used: keep what we need now.
    loaded_version, service_id, bind = service.version, service.id, session.get_bind()
    try:
        session.flush()
    except StaleDataError:
        # Saved by someone else between our read and our write (the UPDATE found no row at our version).
        raise _conflict_from_fresh(bind, service_id) from None
    except OperationalError as exc:
        if not is_locked(exc):
            raise
        # SQLite refuses a write from a transaction whose snapshot is out of date: was it a save?
        conflict = _conflict_from_fresh(bind, service_id, unless_version=loaded_version)
        if conflict is not None:
            raise conflict from None
        raise DatabaseBusy(
            "The database is busy (someone else is saving, or an import is running), so nothing was saved. "
            "Try again in a moment."
        ) from exc


def _conflict_from_fresh(bind, service_id: str, unless_version: int | None = None):
    """Who changed the service, read through a fresh session (the editing one must now roll back)."""
    with Session(bind) as fresh:
        current = fresh.get(Service, service_id)
        if current is None:
            return ServiceMissing(
                f"The service {service_id} was removed from the directory while it was being changed."
            )
        if unless_version is not None and current.version == unless_version:
            return None
        return _conflict(fresh, current)


def _touch(service: Service, now: dt.datetime) -> None:
    """Mark the row changed so its version goes up, even when only its phones or hours changed."""
    service.last_modified = now
    flag_modified(service, "last_modified")


# ----------------------------------------------------------------------------------- applying a draft


def _set_organization(session: Session, service: Service, name: str) -> None:
    current = service.organization
    if current is not None and (current.name or "").strip() == name:
        return
    existing = session.execute(select(Organization).where(Organization.name == name).limit(1)).scalar()
    if existing is not None:
        service.organization = existing
        return
    if current is not None:
        others = session.scalar(
            select(func.count()).select_from(Service)
            .where(Service.organization_id == current.id, Service.id != service.id)
        )
        if not others:
            current.name = name
            return
    service.organization = Organization(id=new_id(), name=name)


def _id_after(ids: list[str]) -> str:
    """A new id that sorts after these: phones are shown in id order, so a new number goes last."""
    last = max(ids, default="")
    for _ in range(200):
        candidate = new_id()
        if candidate > last:
            return candidate
    return new_id()


def _set_phones(service: Service, d: ServiceDraft) -> None:
    existing = service_phones(service)  # in id order; numbers are written over them in the form's order
    ids = [p.id for p in service.phones]
    for i, pd in enumerate(d.phones):
        if i < len(existing):
            phone = existing[i]
        else:
            phone = Phone(id=_id_after(ids))
            ids.append(phone.id)
            service.phones.append(phone)
        phone.number, phone.type = pd.number, pd.type
        phone.description = pd.description or None
        phone.verified = bool(pd.verified)
    for phone in existing[len(d.phones):]:
        service.phones.remove(phone)


def _set_needs(session: Session, service_id: str, codes: list[str]) -> None:
    before = set(need_codes(session, service_id))
    wanted = set(codes)
    if before == wanted:
        return
    if wanted - before and any(session.get(TaxonomyTerm, need_term_id(c)) is None for c in wanted - before):
        ensure_need_taxonomy(session)
        session.flush()
    for attr in session.execute(
        select(Attribute)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(Attribute.link_id == service_id, Attribute.link_entity == "service",
               TaxonomyTerm.taxonomy == TAXONOMY_NAME, TaxonomyTerm.code.in_(before - wanted))
    ).scalars():
        session.delete(attr)
    for code in sorted(wanted - before):
        session.add(Attribute(id=new_id(), link_id=service_id, link_type="need", link_entity="service",
                              taxonomy_term_id=need_term_id(code)))


def _set_hours(service: Service, d: ServiceDraft) -> None:
    for row in [r for r in service.schedules if is_weekly_row(r) or is_note_row(r)]:
        service.schedules.remove(row)
    note = d.hours_note or None
    for i, rule in enumerate(d.hours):
        service.schedules.append(Schedule(
            id=new_id(), freq="WEEKLY", interval=1, byday=",".join(rule.days), opens_at=rule.opens,
            closes_at=rule.closes, description=note if i == 0 else None,
        ))
    if not d.hours and note:
        service.schedules.append(Schedule(id=new_id(), description=note))


def _set_address(session: Session, service: Service, d: ServiceDraft) -> None:
    location = primary_location(service)
    if not d.has_address:
        if location is not None:
            for sal in [s for s in service.service_at_locations if s.location_id == location.id]:
                service.service_at_locations.remove(sal)
        return
    if location is None:
        location = Location(id=new_id(), organization_id=service.organization_id, location_type="physical",
                            name=d.name)
        session.add(location)
        service.service_at_locations.append(ServiceAtLocation(id=new_id(), location=location))
    else:
        shared = session.scalar(
            select(func.count()).select_from(ServiceAtLocation)
            .where(ServiceAtLocation.location_id == location.id, ServiceAtLocation.service_id != service.id)
        )
        if shared:  # other services are there too: this one moves to its own copy of the place
            copy_of = Location(
                id=new_id(), organization_id=location.organization_id, location_type=location.location_type,
                name=location.name, description=location.description, transportation=location.transportation,
                url=location.url,
            )
            for acc in location.accessibility:
                copy_of.accessibility.append(Accessibility(id=new_id(), description=acc.description,
                                                           details=acc.details, url=acc.url))
            session.add(copy_of)
            for sal in service.service_at_locations:
                if sal.location_id == location.id:
                    sal.location = copy_of
            location = copy_of
    address = primary_address(location)
    if address is None:
        address = Address(id=new_id(), country="GB", address_type="physical")
        location.addresses.append(address)
    address.address_1, address.city, address.postal_code = d.address_1, d.city, d.postal_code
    location.latitude, location.longitude = d.latitude, d.longitude


def _apply(session: Session, service: Service, d: ServiceDraft, changed: set[str]) -> None:
    with session.no_autoflush:  # one UPDATE (and one version step) per save, at the final flush
        _apply_fields(session, service, d, changed)


def _apply_fields(session: Session, service: Service, d: ServiceDraft, changed: set[str]) -> None:
    service.name = d.name
    service.description = d.description or None
    service.url = d.url or None
    service.email = d.email or None
    service.application_process = d.application_process or None
    service.eligibility_description = d.eligibility or None
    service.minimum_age = None if d.minimum_age is None else float(d.minimum_age)
    service.maximum_age = None if d.maximum_age is None else float(d.maximum_age)
    service.fees_description = d.fees or None
    service.status = d.status
    service.bank_holidays = d.bank_holidays
    if "organization_name" in changed:
        _set_organization(session, service, d.organization_name)
    if "phones" in changed:
        _set_phones(service, d)
    if "needs" in changed:
        _set_needs(session, service.id, d.needs)
    if changed & {"hours", "hours_note"}:
        _set_hours(service, d)
    if changed & {"address_1", "city", "postal_code", "latitude", "longitude"}:
        _set_address(session, service, d)


# ------------------------------------------------------------------------------------------ operations


def create_service(session: Session, draft: ServiceDraft, editor: str, *, now: dt.datetime | None = None,
                   verified_on: dt.date | None = None, gazetteer: Gazetteer | None = None) -> str:
    """Add a new service; returns its id."""
    editor = _editor(editor)
    gazetteer = gazetteer or default_gazetteer()
    _valid(draft, gazetteer)
    now = now or utc_now()
    d = _normalised(draft)
    _coordinates(d, None, gazetteer)
    service = Service(id=new_id(), name=d.name, status=d.status, bank_holidays=d.bank_holidays,
                      is_demo=bool(d.is_demo), assured_date=verified_on, last_modified=now)
    session.add(service)
    after = snapshot(d)
    _apply(session, service, d, {k for k, v in after.items() if v is not None})
    if service.organization is None:
        _set_organization(session, service, d.organization_name)
    for field, value in after.items():
        if value is not None:
            record(session, service.id, editor, "created", now, field, None, value)
    if verified_on is not None:
        record(session, service.id, editor, "verified", now, "assured_date", None, verified_on.isoformat())
    _flush(session, service)
    index.refresh(session, [service.id])
    return service.id


def update_service(session: Session, service_id: str, draft: ServiceDraft, expected_version: int, editor: str,
                   *, now: dt.datetime | None = None, verified_on: dt.date | None = None,
                   gazetteer: Gazetteer | None = None) -> int:
    """Save an edited draft; returns the service's new version.

    Raises EditConflict if the service's version is no longer `expected_version` (someone else saved it
    since the draft was loaded), InvalidDraft if the draft has errors; nothing is changed then.
    """
    editor = _editor(editor)
    gazetteer = gazetteer or default_gazetteer()
    _valid(draft, gazetteer)
    now = now or utc_now()
    service = _load(session, service_id, expected_version)
    before_draft = draft_of(session, service)
    before = snapshot(before_draft)
    d = _normalised(draft)
    d.is_demo = bool(service.is_demo)
    _coordinates(d, before_draft, gazetteer)
    after = snapshot(d)
    changed = {k for k in after if after[k] != before[k]}
    if not changed and verified_on is None:
        return service.version
    _apply(session, service, d, changed)
    for field in sorted(changed, key=list(after).index):
        record(session, service.id, editor, "edited", now, field, before[field], after[field])
    if verified_on is not None:
        old = service.assured_date.isoformat() if service.assured_date else None
        service.assured_date = verified_on
        record(session, service.id, editor, "verified", now, "assured_date", old, verified_on.isoformat())
    _touch(service, now)
    _flush(session, service)
    index.refresh(session, [service.id])
    return service.version


def retire_service(session: Session, service_id: str, editor: str, reason: str, *,
                   expected_version: int | None = None, now: dt.datetime | None = None) -> int:
    """Set the status to inactive: the service leaves search but keeps its record and history."""
    editor = _editor(editor)
    reason = (reason or "").strip()
    if not reason:
        raise MissingDetail("Say why the service is being retired (for example “closed in March 2026”).")
    now = now or utc_now()
    service = _load(session, service_id, expected_version)
    old = service.status
    service.status = RETIRED
    record(session, service.id, editor, "retired", now, "status", old, RETIRED)
    record(session, service.id, editor, "retired", now, "reason", None, reason)
    _touch(service, now)
    _flush(session, service)
    index.refresh(session, [service.id])
    return service.version


def mark_verified(session: Session, service_id: str, editor: str, today: dt.date | None = None, *,
                  expected_version: int | None = None, now: dt.datetime | None = None) -> int:
    """A person checked the record today: assured_date becomes today. Returns the new version."""
    editor = _editor(editor)
    today = today or dt.date.today()
    now = now or utc_now()
    service = _load(session, service_id, expected_version)
    old = service.assured_date.isoformat() if service.assured_date else None
    service.assured_date = today
    record(session, service.id, editor, "verified", now, "assured_date", old, today.isoformat())
    _touch(service, now)
    _flush(session, service)
    index.refresh(session, [service.id])
    return service.version
