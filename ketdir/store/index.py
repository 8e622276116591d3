"""Keep ketdir_search_doc (and so the FTS index) in step with the services it describes.

Call `refresh(session, ids)` after changing services, `refresh_all(session)` after an import.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ketdir import hours as hours_mod
from ketdir.needs import TAXONOMY_NAME, need_types
from ketdir.store.search_index import NATIONAL_ROWID, search_index
from ketdir.store.fees import is_free
from ketdir.store.tags import tags_for
from ketdir.store.models import (
    Attribute,
    CostOption,
    DatasetMeta,
    HoursPattern,
    Language,
    Location,
    Organization,
    Schedule,
    SearchDoc,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
    new_id,
)

GENERATION_KEY = "index_generation"  # changes on every refresh; search caches follow it
BATCH = 2000


def _need_terms(session: Session) -> dict[str, str]:
    """taxonomy_term.id -> need code, for terms of our own taxonomy."""
    rows = session.execute(
        select(TaxonomyTerm.id, TaxonomyTerm.code).where(TaxonomyTerm.taxonomy == TAXONOMY_NAME)
    ).all()
    return {term_id: code for term_id, code in rows}


class _PatternIds:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.ids = dict(session.execute(select(HoursPattern.code, HoursPattern.id)).all())

    def get(self, code: str) -> int:
        if code not in self.ids:
            self.add([code])
        return self.ids[code]

    def add(self, codes: Iterable[str]) -> None:
        """Store the patterns not stored yet, in one statement (an import brings thousands)."""
        new = sorted(set(codes) - set(self.ids))
        if new:
            self.session.execute(insert(HoursPattern), [{"code": code} for code in new])
            self.ids.update(self.session.execute(select(HoursPattern.code, HoursPattern.id)
                                                 .where(HoursPattern.code.in_(new))).all())


_SCHEDULE_FIELDS = ("freq", "byday", "interval", "opens_at", "closes_at", "valid_from", "valid_to", "description")


def _hours_of(rows: list[dict], bank_holidays, nation, cache: dict) -> tuple[hours_mod.Hours, str | None]:
    """The service's hours and their pattern code; services with the same schedules (many, in a large
    directory) share one parse, which was most of the time a refresh took."""
    key = (bank_holidays, nation, tuple(tuple(row.get(f) for f in _SCHEDULE_FIELDS) for row in rows))
    found = cache.get(key)
    if found is None:
        hours = hours_mod.from_schedules(rows, bank_holidays=bank_holidays, nation=nation)
        found = cache[key] = (hours, hours_mod.encode(hours) if hours.known else None)
    return found


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(ids), BATCH):
        yield ids[i : i + BATCH]


class _RowNumbers:
    """Search rows are numbered in the order written, national lines from NATIONAL_ROWID and local
    services below it, so that the index can look at either side alone."""

    def __init__(self, session: Session) -> None:
        def after(low: int, high: int) -> int:
            last = session.execute(
                select(func.max(SearchDoc.rowid)).where(SearchDoc.rowid >= low, SearchDoc.rowid < high)
            ).scalar()
            return (last + 1) if last is not None else low

        self.next = {False: after(1, NATIONAL_ROWID), True: after(NATIONAL_ROWID, 2**31 - 1)}

    def take(self, national: bool) -> int:
        number = self.next[national]
        self.next[national] += 1
        return number


def refresh(session: Session, service_ids: Iterable[str], *, _vocabulary: bool = True) -> int:
    """Rebuild the search rows of these services (deleting rows of retired or removed ones)."""
    # Rows go in the order given: refresh_all passes the most recently checked first, and search takes the
    # first matches in row order when a word matches too many services to rank them all.
    service_ids = list(dict.fromkeys(service_ids))
    needs = need_types()
    need_terms = _need_terms(session)
    patterns = _PatternIds(session)
    hours_cache: dict = {}
    count = 0
    for chunk in _chunks(service_ids):
        session.execute(delete(SearchDoc).where(SearchDoc.service_id.in_(chunk)))
        services = session.execute(
            select(
                Service.id, Service.name, Service.alternate_name, Service.description, Service.fees_description,
                Service.minimum_age, Service.maximum_age, Service.is_demo, Service.bank_holidays, Service.nation,
                Organization.name.label("org_name"),
            )
            .outerjoin(Organization, Organization.id == Service.organization_id)
            .where(Service.id.in_(chunk), Service.status == "active")
        ).all()
        if not services:
            continue
        live = [s.id for s in services]
        codes_of: dict[str, set[str]] = defaultdict(set)
        for link_id, term_id in session.execute(
            select(Attribute.link_id, Attribute.taxonomy_term_id).where(
                Attribute.link_id.in_(live), Attribute.link_entity == "service"
            )
        ):
            if term_id in need_terms:
                codes_of[link_id].add(need_terms[term_id])
        coords: dict[str, tuple[float, float]] = {}
        for sid, lat, lon in session.execute(
            select(ServiceAtLocation.service_id, Location.latitude, Location.longitude)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(ServiceAtLocation.service_id.in_(live))
            .order_by(ServiceAtLocation.service_id, ServiceAtLocation.id)
        ):
            if lat is not None and lon is not None and sid not in coords:
                coords[sid] = (lat, lon)
        has_area = set(
            session.execute(select(ServiceArea.service_id).where(ServiceArea.service_id.in_(live))).scalars()
        )
        schedules: dict[str, list] = defaultdict(list)
        for sched in session.execute(
            select(*[c for c in Schedule.__table__.c]).where(Schedule.service_id.in_(live))
        ):
            schedules[sched.service_id].append(dict(sched._mapping))
        amounts: dict[str, list[float | None]] = defaultdict(list)
        for sid, amount in session.execute(
            select(CostOption.service_id, CostOption.amount).where(CostOption.service_id.in_(live))
        ):
            amounts[sid].append(amount)
        langs: dict[str, list[str]] = defaultdict(list)
        for sid, code in session.execute(
            select(Language.service_id, Language.code).where(Language.service_id.in_(live))
        ):
            if code:
                langs[sid].append(code.lower())

        docs = []
        numbers = _RowNumbers(session)
        position = {sid: i for i, sid in enumerate(chunk)}
        for service in sorted(services, key=lambda s: position[s.id]):
            codes = sorted(codes_of.get(service.id, ()))
            need_words = []
            for code in codes:
                need = needs.get(code)
                if need:
                    need_words += [need.label, *need.keywords]
            hours, pattern = _hours_of(schedules.get(service.id, []), service.bank_holidays, service.nation,
                                       hours_cache)
            lat, lon = coords.get(service.id, (None, None))
            is_national = service.id in has_area and service.id not in coords
            free = is_free(service.fees_description, amounts.get(service.id, []))
            docs.append(
                dict(
                    rowid=numbers.take(is_national),
                    service_id=service.id,
                    name=service.name or "",
                    alternate_name=service.alternate_name or "",
                    description=service.description or "",
                    organization=service.org_name or "",
                    needs_text=" ".join(need_words),
                    need_mask=needs.mask(codes),
                    is_national=is_national,
                    is_demo=bool(service.is_demo),
                    is_free=free,
                    minimum_age=service.minimum_age,
                    maximum_age=service.maximum_age,
                    latitude=lat,
                    longitude=lon,
                    hours_pattern_id=pattern,  # its id, below
                    languages=" ".join(sorted(set(langs.get(service.id, [])))),
                    tags=tags_for(
                        need_tokens=[needs.get(c).token for c in codes if needs.get(c)],
                        national=is_national, free=free, lat=lat, lon=lon,
                    ),
                )
            )
        patterns.add(doc["hours_pattern_id"] for doc in docs if doc["hours_pattern_id"] is not None)
        for doc in docs:
            if doc["hours_pattern_id"] is not None:
                doc["hours_pattern_id"] = patterns.ids[doc["hours_pattern_id"]]
        if docs:  # Core, not the ORM: the rows need no objects, and it is several times faster
            session.connection().execute(insert(SearchDoc.__table__), docs)
        count += len(docs)
    if _vocabulary:
        _refresh_vocabulary(session, service_ids)
    session.merge(DatasetMeta(key=GENERATION_KEY, value=new_id()))
    session.flush()
    return count


def refresh_all(session: Session) -> int:
    """Rebuild every search row (after an import or build)."""
    session.execute(delete(SearchDoc))
    ids = list(
        session.execute(
            select(Service.id).order_by(Service.assured_date.desc().nulls_last(), Service.name, Service.id)
        ).scalars()
    )
    count = refresh(session, ids, _vocabulary=False)
    _refresh_vocabulary(session, None)  # every word, exact counts
    return count


def _refresh_vocabulary(session: Session, service_ids) -> None:
    conn = session.connection()
    search_index(conn).refresh_vocabulary(conn, service_ids)
