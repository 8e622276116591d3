"""Read only the rows a few services (or organisations, or service-at-location links) need to be written out
fully nested, for `ketdir.interop.export.Tree` to nest.

The export reads every table whole; the API answers for one service, or one page of them, in milliseconds, so
it reads the rows those records own and the records they point to, table by table, by id. Several links
(a phone's contact, a schedule's location ...) have no index in the directory; a read by such a column would
scan its table, so a link is read only when some row of the directory uses it at all (`LinkUse`, asked once per
index generation by the caller).
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from ketdir.interop.dataset import MODELS, TABLE_ORDER

Rows = dict[str, dict[Any, dict[str, Any]]]  # table -> id -> row
CHUNK = 500  # ids per IN (...): well under every backend's limit on bound parameters

# The links the reader follows from a row to the rows it owns: (table, column). Read only when some row of the
# directory uses them; several have no index, and a read by them would scan the table to find nothing.
LINKS = (
    ("phone", "service_id"), ("phone", "location_id"), ("phone", "organization_id"), ("phone", "contact_id"),
    ("phone", "service_at_location_id"),
    ("schedule", "service_id"), ("schedule", "location_id"), ("schedule", "service_at_location_id"),
    ("contact", "service_id"), ("contact", "organization_id"), ("contact", "service_at_location_id"),
    ("contact", "location_id"),
    ("language", "service_id"), ("language", "location_id"), ("language", "phone_id"),
    ("service_area", "service_id"), ("cost_option", "service_id"), ("service_at_location", "service_id"),
    ("address", "location_id"), ("accessibility", "location_id"),
)


@dataclass(frozen=True)
class LinkUse:
    """Which links of LINKS some row of the directory uses (reading the others would find nothing)."""

    used: frozenset[tuple[str, str]]

    @classmethod
    def everything(cls) -> LinkUse:
        return cls(frozenset(LINKS))

    @classmethod
    def of(cls, session: Session) -> LinkUse:
        """Ask the directory (a scan for an unused unindexed link: done once per index generation, not per
        request)."""
        used = set()
        for table, column in LINKS:
            col = MODELS[table].__table__.c[column]
            if session.execute(select(col).where(col.is_not(None)).limit(1)).first() is not None:
                used.add((table, column))
        return cls(frozenset(used))

    def __contains__(self, link: tuple[str, str]) -> bool:
        return link not in LINKS or link in self.used


@functools.cache
def _statement(table: str, column: str) -> Select:
    """SELECT every column of `table` WHERE `column` IN (:values), made once (this runs a dozen times a request)."""
    model_table = MODELS[table].__table__
    return select(*model_table.c).where(model_table.c[column].in_(bindparam("values", expanding=True)))


def rows_where(session: Session, table: str, column: str, values: Iterable[Any]) -> dict[Any, dict[str, Any]]:
    """Rows of `table` (id -> row) whose `column` is one of `values`."""
    wanted = sorted({v for v in values if v is not None})
    found: dict[Any, dict[str, Any]] = {}
    statement = _statement(table, column)
    for start in range(0, len(wanted), CHUNK):
        for row in session.execute(statement, {"values": wanted[start:start + CHUNK]}):
            found[row.id] = dict(row._mapping)
    return found


class _Reader:
    def __init__(self, session: Session, links: LinkUse, known: Rows | None):
        self.session = session
        self.links = links
        self.known = known or {}
        self.rows: Rows = {t: {} for t in TABLE_ORDER}

    def by(self, table: str, column: str, values: Iterable[Any]) -> dict[Any, dict[str, Any]]:
        """Rows of `table` whose `column` is one of `values` (added to self.rows); returns those found."""
        if table in self.known and column == "id":
            found = {v: self.known[table][v] for v in values if v in self.known[table]}
            self.rows[table].update(found)
            return found
        if (table, column) not in self.links:
            return {}
        if column == "id":
            values = [v for v in values if v not in self.rows[table]]
        found = rows_where(self.session, table, column, values)
        self.rows[table].update(found)
        return found

    def ids(self, table: str) -> set[Any]:
        return set(self.rows[table])

    def locations(self, location_ids: Iterable[Any]) -> None:
        """Locations and everything nested in them."""
        lids = set(self.by("location", "id", location_ids)) | (set(location_ids) & self.ids("location"))
        for table in ("address", "accessibility"):
            self.by(table, "location_id", lids)
        self.by("contact", "location_id", lids)
        self.by("phone", "location_id", lids)
        self.by("schedule", "location_id", lids)
        self.by("language", "location_id", lids)

    def organizations(self, organization_ids: Iterable[Any]) -> None:
        oids = set(self.by("organization", "id", organization_ids)) | (set(organization_ids) & self.ids("organization"))
        self.by("contact", "organization_id", oids)
        self.by("phone", "organization_id", oids)

    def finish(self) -> Rows:
        """The rows hanging off everything read so far: contacts' phones, phones' languages, attributes and
        their terms and taxonomies."""
        self.by("phone", "contact_id", self.ids("contact"))
        self.by("language", "phone_id", self.ids("phone"))
        owners = set().union(*(self.ids(t) for t in ("service", "phone", "contact", "location", "organization",
                                                      "service_at_location")))
        attributes = self.by("attribute", "link_id", owners)
        terms = self.by("taxonomy_term", "id", {a["taxonomy_term_id"] for a in attributes.values()})
        self.by("taxonomy", "id", {t["taxonomy_id"] for t in terms.values()})
        # in id order, as the export reads them: nested lists come out in the same order
        return {table: dict(sorted(rows.items())) for table, rows in self.rows.items()}


def for_services(session: Session, service_ids: Iterable[str], links: LinkUse, known: Rows | None = None) -> Rows:
    """Rows to nest these services fully (as Tree.service writes them). `known`: rows the caller keeps (such as
    the taxonomies and terms), taken from there rather than read."""
    reader = _Reader(session, links, known)
    services = reader.by("service", "id", service_ids)
    sids = set(services)
    for table in ("phone", "schedule", "service_area", "language", "cost_option", "contact"):
        reader.by(table, "service_id", sids)
    sals = reader.by("service_at_location", "service_id", sids)
    _sal_children(reader, set(sals))
    reader.locations({s["location_id"] for s in sals.values()})
    reader.organizations({s["organization_id"] for s in services.values()})
    return reader.finish()


def for_service_at_locations(session: Session, sal_ids: Iterable[str], links: LinkUse,
                             known: Rows | None = None) -> Rows:
    """Rows to nest these service-at-location links fully (as Tree.service_at_location writes them), with
    their services' own rows (not nested) for the `service` each names."""
    reader = _Reader(session, links, known)
    sals = reader.by("service_at_location", "id", sal_ids)
    _sal_children(reader, set(sals))
    reader.locations({s["location_id"] for s in sals.values()})
    services = reader.by("service", "id", {s["service_id"] for s in sals.values()})
    reader.by("organization", "id", {s["organization_id"] for s in services.values()})
    return reader.finish()


def for_organizations(session: Session, organization_ids: Iterable[str], links: LinkUse,
                      known: Rows | None = None) -> Rows:
    """Rows to nest these organisations (as Tree.organization writes them)."""
    reader = _Reader(session, links, known)
    reader.organizations(organization_ids)
    return reader.finish()


def _sal_children(reader: _Reader, sal_ids: set[Any]) -> None:
    for table in ("contact", "phone", "schedule"):
        reader.by(table, "service_at_location_id", sal_ids)
