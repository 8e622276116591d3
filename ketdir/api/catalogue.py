"""The published directory, read for the API: one function per endpoint, each with its own database session.

Every answer is a plain JSON-ready dict. Lists come back as pages (`ketdir.api.pages`); records are nested by
the HSDS export's `Tree` from the rows `ketdir.interop.nested_rows` reads for them, so the API and the JSON
export cannot write a service differently. Lists are ordered by id (stable from page to page), a search by
relevance (ketdir's own search: slang, need types, spelling), a place by distance.

Counts and the directory's shape (which unindexed links it uses, its taxonomies) are kept per index
generation: any change to the directory (an edit, an import) starts a new generation, so nothing stale is
served.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ketdir.api import public
from ketdir.api.pages import PageRequest, page_of
from ketdir.api.params import ListQuery, Near, is_possible_id
from ketdir.api.vocabulary import Vocabulary
from ketdir.app import Directory, reading
from ketdir.interop import nested_rows
from ketdir.interop.export import Tree, hsds_object
from ketdir.interop.nested_rows import rows_where
from ketdir.problems import NotFound, Unavailable
from ketdir.search import Query, search
from ketdir.store.index import GENERATION_KEY
from ketdir.store.models import DatasetMeta, Location, Organization, Service, ServiceAtLocation
from ketdir.store.row_reads import Read, Through, read_rows

log = logging.getLogger("ketdir.api")
SEARCH_LIMIT = 50  # local services a search lists, best first, then national lines: as many as the window shows
METRES_PER_DEGREE = 111_195.0
COUNTS_KEPT = 512
_GENERATION = Read(DatasetMeta.__table__, "key", (GENERATION_KEY,))
_MINIMAL = select(Service.id, Service.name, Service.status, Service.last_modified).where(
    Service.id.in_(bindparam("ids", expanding=True)))


def _answered_again_after_a_lost_connection(method: Callable) -> Callable:
    """A connection the database server closed (a restart, an idle timeout) is found only by using it, since the
    server pings no connection before a request (ketdir.api.server): the pool is then emptied, and the request is
    answered once more, on a new connection."""
    @functools.wraps(method)
    def answer(self: Catalogue, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Unavailable as problem:
            lost = problem.__cause__
            if not (isinstance(lost, DBAPIError) and lost.connection_invalidated):
                raise
            log.warning("a database connection was lost (%s); answering again on a new one", lost.orig)
            self.directory.engine.dispose()
            return method(self, *args, **kwargs)
    return answer


@dataclass
class _Generation:
    """What is worth keeping while the directory does not change."""

    key: str
    links: nested_rows.LinkUse
    vocabulary: Vocabulary
    counts: OrderedDict = field(default_factory=OrderedDict)


class Catalogue:
    """The directory as published: read-only, public data only (ketdir.api.public)."""

    def __init__(self, directory: Directory, *, include_demo: bool = False):
        self.directory = directory
        self.include_demo = include_demo
        self._generation: _Generation | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------------- services

    @_answered_again_after_a_lost_connection
    def services(self, q: ListQuery) -> dict[str, Any]:
        with self._reading() as session:
            gen = None if q.search else self._current(session)  # a search counts nothing; see _nested
            filters = _service_filters(q)
            where = public.published(self.include_demo) + filters
            if q.search:
                ids = self._search(session, q.search)
                if filters:
                    kept = set(session.execute(select(Service.id).where(Service.id.in_(ids), *where)).scalars())
                    ids = [sid for sid in ids if sid in kept]
                total, page_ids = len(ids), q.page.slice(ids)
            else:
                total = self._count(session, gen, select(func.count()).select_from(Service).where(*where))
                page_ids = list(session.execute(select(Service.id).where(*where).order_by(Service.id)
                                                .limit(q.page.per_page).offset(q.page.offset)).scalars())
            return page_of(self._service_items(session, gen, page_ids, q), total, q.page)

    @_answered_again_after_a_lost_connection
    def service(self, service_id: str) -> dict[str, Any]:
        with self._reading() as session:
            if is_possible_id(service_id):
                tree = self._nested(session, nested_rows.for_services, [service_id])
                row = tree.rows["service"].get(service_id)
                if row is not None and public.is_published(row, self.include_demo):
                    return public.service_object(tree.service(row))
            raise NotFound(f"There is no published service with the id “{service_id}”.")

    def _search(self, session: Session, text: str) -> list[str]:
        """Published service ids, best first, as the window lists them: local services, then national lines.
        (The search reads active services only; demo ones are left out here unless published.)"""
        results = search(session, Query(text=text, limit=SEARCH_LIMIT, with_total=False, radius_miles=None))
        hits = results.local + results.national
        return list(dict.fromkeys(h.service_id for h in hits if self.include_demo or not h.is_demo))

    def _is_published(self, session: Session, service_id: str) -> bool:
        if not is_possible_id(service_id):
            return False
        found = session.execute(select(Service.id).where(Service.id == service_id,
                                                         *public.published(self.include_demo))).first()
        return found is not None

    def _service_items(self, session: Session, gen: _Generation | None, ids: list[str], q: ListQuery) -> list[dict]:
        if q.full:
            return self._full_services(session, gen, ids)
        if q.minimal:  # up to 10,000 a page: read in chunks (a database takes only so many values at once)
            rows = {}
            for start in range(0, len(ids), nested_rows.CHUNK):
                rows.update((r.id, r) for r in session.execute(_MINIMAL, {"ids": ids[start:start + nested_rows.CHUNK]}))
            return [hsds_object("service", dict(rows[i]._mapping)) for i in ids if i in rows]
        return self._plain_services(session, ids)

    def _plain_services(self, session: Session, ids: list[str]) -> list[dict]:
        """Services with their one-to-one fields and their organisation (read together: one round trip)."""
        rows, orgs = read_rows(session.connection(), [
            Read(Service.__table__, "id", ids),
            Read(Organization.__table__, "id", ids, Through(Service.__table__, "id", "organization_id"))])
        out = []
        for sid in ids:
            row = rows.get(sid)
            if row is None:
                continue
            obj = hsds_object("service", row)
            if row["organization_id"] in orgs:
                obj["organization"] = hsds_object("organization", orgs[row["organization_id"]])
            out.append(public.service_object(obj))
        return out

    def _full_services(self, session: Session, gen: _Generation | None, ids: list[str]) -> list[dict]:
        tree = self._nested(session, nested_rows.for_services, ids, gen)
        return [public.service_object(tree.service(tree.rows["service"][sid])) for sid in ids
                if sid in tree.rows["service"]]

    # ------------------------------------------------------------------------------ service at locations

    @_answered_again_after_a_lost_connection
    def service_at_locations(self, q: ListQuery) -> dict[str, Any]:
        with self._reading() as session:
            gen = self._current(session)
            where = public.published(self.include_demo) + _service_filters(q)
            base = select(ServiceAtLocation.id).join(Service, Service.id == ServiceAtLocation.service_id)
            distance = None
            if q.near is not None:
                base = base.join(Location, Location.id == ServiceAtLocation.location_id)
                distance = _squared_degrees(q.near)
                where += [Location.latitude.is_not(None), Location.longitude.is_not(None)]
                if q.near.within_m is not None:
                    where.append(distance <= (q.near.within_m / METRES_PER_DEGREE) ** 2)
            if q.search:
                ranked = self._search(session, q.search)
                rank = {sid: i for i, sid in enumerate(ranked)}
                found = session.execute(base.add_columns(ServiceAtLocation.service_id,
                                                         *([distance] if distance is not None else []))
                                        .where(ServiceAtLocation.service_id.in_(ranked), *where)).all()
                found.sort(key=lambda r: (r[2] if distance is not None else rank[r[1]], r[0]))
                ids = [r[0] for r in found]
                total, page_ids = len(ids), q.page.slice(ids)
            else:
                total = self._count(session, gen, select(func.count()).select_from(base.where(*where).subquery()))
                order = [distance, ServiceAtLocation.id] if distance is not None else [ServiceAtLocation.id]
                page_ids = list(session.execute(base.where(*where).order_by(*order)
                                                .limit(q.page.per_page).offset(q.page.offset)).scalars())
            return page_of(self._sal_items(session, gen, page_ids, q.full), total, q.page)

    @_answered_again_after_a_lost_connection
    def service_at_location(self, sal_id: str) -> dict[str, Any]:
        with self._reading() as session:
            gen = self._current(session)
            service_id = None
            if is_possible_id(sal_id):
                service_id = session.execute(select(ServiceAtLocation.service_id)
                                             .where(ServiceAtLocation.id == sal_id)).scalar()
            if service_id is None or not self._is_published(session, service_id):
                raise NotFound(f"There is no published service at a location with the id “{sal_id}”.")
            return self._sal_items(session, gen, [sal_id], full=True)[0]

    def _sal_items(self, session: Session, gen: _Generation, ids: list[str], full: bool) -> list[dict]:
        """Each link with its location and the one-to-one fields of its service: the location nested fully
        when `full`, by its own fields otherwise."""
        tree = (self._nested(session, nested_rows.for_service_at_locations, ids, gen) if full else
                Tree(_sal_rows(session, ids)))
        out = []
        for sal_id in ids:
            row = tree.rows["service_at_location"].get(sal_id)
            if row is None:
                continue
            if full:
                obj = tree.service_at_location(row)
            else:
                obj = hsds_object("service_at_location", row)
                location = tree.rows["location"].get(row["location_id"])
                if location is not None:
                    obj["location"] = hsds_object("location", location)
            service = tree.rows["service"].get(row["service_id"])
            if service is not None:
                obj["service"] = public.service_object(hsds_object("service", service))
                org = tree.rows["organization"].get(service["organization_id"])
                if org is not None:
                    obj["service"]["organization"] = hsds_object("organization", org)
            out.append(obj)
        return out

    # -------------------------------------------------------------------------------------- organisations

    @_answered_again_after_a_lost_connection
    def organizations(self, q: ListQuery) -> dict[str, Any]:
        with self._reading() as session:
            gen = self._current(session)
            where = [self._has_published_services()]
            if q.search:
                where.append(Organization.name.icontains(q.search, autoescape=True))
            total = self._count(session, gen, select(func.count()).select_from(Organization).where(*where))
            ids = list(session.execute(select(Organization.id).where(*where).order_by(Organization.id)
                                       .limit(q.page.per_page).offset(q.page.offset)).scalars())
            full = q.full or q.full_service
            return page_of(self._organization_items(session, gen, ids, full, q.full_service if full else None),
                           total, q.page)

    @_answered_again_after_a_lost_connection
    def organization(self, organization_id: str, *, full_service: bool = False) -> dict[str, Any]:
        with self._reading() as session:
            gen = self._current(session)
            found = is_possible_id(organization_id) and session.execute(
                select(Organization.id).where(Organization.id == organization_id, self._has_published_services())
            ).first() is not None
            if not found:
                raise NotFound(f"There is no organisation with published services with the id “{organization_id}”.")
            return self._organization_items(session, gen, [organization_id], True, full_service)[0]

    def _has_published_services(self):
        return Organization.id.in_(select(Service.organization_id).where(*public.published(self.include_demo)))

    def _organization_items(self, session: Session, gen: _Generation, ids: list[str], full: bool,
                            full_service: bool | None) -> list[dict]:
        """Organisations: nested fully when `full`; with their published services (one-to-one fields, or fully
        nested when `full_service`) unless full_service is None."""
        tree = (self._nested(session, nested_rows.for_organizations, ids, gen) if full else
                Tree({"organization": rows_where(session, "organization", "id", ids)}))
        services: dict[str, list[str]] = {}
        if full_service is not None:
            for org_id, sid in session.execute(select(Service.organization_id, Service.id).where(
                    Service.organization_id.in_(ids), *public.published(self.include_demo)).order_by(Service.id)):
                services.setdefault(org_id, []).append(sid)
        out = []
        for org_id in ids:
            row = tree.rows["organization"].get(org_id)
            if row is None:
                continue
            obj = tree.organization(row) if full else hsds_object("organization", row)
            if full_service is not None:
                sids = services.get(org_id, [])
                obj["services"] = (self._full_services(session, gen, sids) if full_service
                                   else self._plain_services(session, sids))
                for service in obj["services"]:
                    service.pop("organization", None)  # it is the one they are nested in
            out.append(obj)
        return out

    # ----------------------------------------------------------------------------------------- taxonomies

    @_answered_again_after_a_lost_connection
    def taxonomies(self, q: ListQuery) -> dict[str, Any]:
        with self._reading() as session:
            found = self._current(session).vocabulary.taxonomies(q.search)
        return page_of([hsds_object("taxonomy", r) for r in q.page.slice(found)], len(found), q.page)

    @_answered_again_after_a_lost_connection
    def taxonomy(self, taxonomy_id: str) -> dict[str, Any]:
        with self._reading() as session:
            vocabulary = self._current(session).vocabulary
        row = vocabulary.taxonomy(taxonomy_id)
        if row is None:
            raise NotFound(f"There is no taxonomy with the id “{taxonomy_id}”.")
        obj = hsds_object("taxonomy", row)
        obj["taxonomy_terms"] = [hsds_object("taxonomy_term", t) for t in vocabulary.terms(taxonomy_id=taxonomy_id)]
        return obj

    @_answered_again_after_a_lost_connection
    def taxonomy_terms(self, q: ListQuery) -> dict[str, Any]:
        with self._reading() as session:
            vocabulary = self._current(session).vocabulary
        found = vocabulary.terms(search=q.search, taxonomy_id=q.taxonomy_id, parent_id=q.parent_id,
                                 top_only=q.top_only)
        return page_of([vocabulary.term_object(r) for r in q.page.slice(found)], len(found), q.page)

    @_answered_again_after_a_lost_connection
    def taxonomy_term(self, term_id: str) -> dict[str, Any]:
        with self._reading() as session:
            vocabulary = self._current(session).vocabulary
        row = vocabulary.term(term_id)
        if row is None:
            raise NotFound(f"There is no taxonomy term with the id “{term_id}”.")
        return vocabulary.term_object(row)

    # ------------------------------------------------------------------------------------------- the state

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Session]:
        """A session for one request. On PostgreSQL without a transaction: at READ COMMITTED each statement
        sees its own snapshot inside one as well, so a transaction would only add its BEGIN and ROLLBACK round
        trips (SQLite's driver begins none for reads anyway)."""
        with reading(self.directory) as session:
            if not self.directory.is_sqlite:
                session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            yield session

    def _current(self, session: Session, key: str | None = None) -> _Generation:
        """What is kept for the directory as it is now (`key`: its generation, if this request has read it)."""
        if key is None:
            key = session.execute(select(DatasetMeta.value).where(DatasetMeta.key == GENERATION_KEY)).scalar() or "0"
        with self._lock:
            gen = self._generation
        if gen is not None and gen.key == key:
            return gen
        gen = _Generation(key, nested_rows.LinkUse.of(session), Vocabulary.read(session))
        with self._lock:
            self._generation = gen
        return gen

    def _nested(self, session: Session, read: Callable[..., nested_rows.Rows], ids: list[str],
                gen: _Generation | None = None) -> Tree:
        """Records nested fully (`read`: nested_rows.for_services, ...), by what is kept for the generation `gen`
        this request has checked. Without one, the generation is read with the first level of rows (in the same
        round trip on PostgreSQL), using what was kept for the last one; when the directory has changed since
        (an edit, an import), the rows are read again for the new one."""
        if gen is None:
            with self._lock:
                last = self._generation
            if last is not None:
                rows = read(session, ids, last.links, last.vocabulary.rows, also=[_GENERATION])
                key = (rows["ketdir_meta"].get(GENERATION_KEY) or {}).get("value") or "0"
                if key == last.key:
                    return Tree(rows)
                gen = self._current(session, key)
            else:
                gen = self._current(session)
        return Tree(read(session, ids, gen.links, gen.vocabulary.rows))

    def _count(self, session: Session, gen: _Generation, statement: Select) -> int:
        """A count, kept for this generation (the same filters page after page cost one count)."""
        compiled = statement.compile()
        key = (str(compiled), tuple(sorted((k, repr(v)) for k, v in compiled.params.items())))
        with self._lock:
            if key in gen.counts:
                gen.counts.move_to_end(key)
                return gen.counts[key]
        total = session.execute(statement).scalar() or 0
        with self._lock:
            gen.counts[key] = total
            while len(gen.counts) > COUNTS_KEPT:
                gen.counts.popitem(last=False)
        return total


def _service_filters(q: ListQuery) -> list:
    """Conditions on `service` for the filters asked for (besides what is published)."""
    where = []
    if q.organization_id:
        where.append(Service.organization_id == q.organization_id)
    if q.modified_after is not None:
        where.append(Service.last_modified >= q.modified_after)
    if q.taxonomy_term_id:
        where.append(public.with_term(q.taxonomy_term_id))
    if q.taxonomy_id:
        where.append(public.with_taxonomy(q.taxonomy_id))
    return where


def _sal_rows(session: Session, ids: list[str]) -> nested_rows.Rows:
    """The links, their locations, services and organisations: the one-to-one fields of a list."""
    sals = rows_where(session, "service_at_location", "id", ids)
    locations = rows_where(session, "location", "id", {s["location_id"] for s in sals.values()})
    services = rows_where(session, "service", "id", {s["service_id"] for s in sals.values()})
    orgs = rows_where(session, "organization", "id", {s["organization_id"] for s in services.values()})
    return {"service_at_location": sals, "location": locations, "service": services, "organization": orgs}


def _squared_degrees(near: Near):
    """Squared distance from the place in degrees of latitude (flat-earth: exact enough within the UK)."""
    lat, lon = near.place.latitude, near.place.longitude
    east = math.cos(math.radians(lat))
    dy = Location.latitude - lat
    dx = (Location.longitude - lon) * east
    return dy * dy + dx * dx
