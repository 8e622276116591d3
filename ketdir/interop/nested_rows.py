"""Read only the rows a few services (or organisations, or service-at-location links) need to be written out
fully nested, for `ketdir.interop.export.Tree` to nest.

The export reads every table whole; the API answers for one service, or one page of them, in milliseconds, so
it reads the rows those records own and the records they point to, level by level: the rows a service owns
(and, through them, the rows those point to), then the rows those own, each level one read per table and
column for all the parents (`Follow`), sent together (`ketdir.store.row_reads`: one round trip on PostgreSQL).
A service is two levels. Several links
(a phone's contact, a schedule's location ...) have no index in the directory; a read by such a column would
scan its table, so a link is read only when some row of the directory uses it at all (`LinkUse`, asked once per
index generation by the caller).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketdir.interop.dataset import MODELS, TABLE_ORDER
from ketdir.store.row_reads import Read, Through, read_rows

Rows = dict[str, dict[Any, dict[str, Any]]]  # table -> id -> row
CHUNK = 500  # ids per IN (...) where a list is written out: well under every backend's limit on bound parameters

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


def rows_where(session: Session, table: str, column: str, values: Iterable[Any]) -> dict[Any, dict[str, Any]]:
    """Rows of `table` (id -> row) whose `column` is one of `values`."""
    return read_rows(session.connection(), [Read(MODELS[table].__table__, column, list(values))])[0]


@dataclass(frozen=True)
class Follow:
    """Read the rows of `table` whose `column` is the `field` of rows of `parent` (field "id": rows it owns)."""

    table: str
    column: str
    parent: str
    field: str = "id"


def _owned(parent: str, *tables: str) -> tuple[Follow, ...]:
    return tuple(Follow(table, f"{parent}_id", parent) for table in tables)


# What Tree nests in each record (ketdir.interop.export), as follows from the record to the rows.
_SERVICE = (*_owned("service", "phone", "schedule", "service_area", "language", "cost_option", "contact",
                    "service_at_location"), Follow("organization", "id", "service", "organization_id"))
_SERVICE_AT_LOCATION = (*_owned("service_at_location", "contact", "phone", "schedule"),
                        Follow("location", "id", "service_at_location", "location_id"))
_LOCATION = _owned("location", "address", "accessibility", "contact", "phone", "schedule", "language")
_ORGANIZATION = _owned("organization", "contact", "phone")
_EVERY_RECORD = (  # contacts' phones, phones' languages, and everyone's attributes with their terms
    Follow("phone", "contact_id", "contact"), Follow("language", "phone_id", "phone"),
    *(Follow("attribute", "link_id", owner) for owner in ("service", "phone", "contact", "location", "organization",
                                                          "service_at_location")),
    Follow("taxonomy_term", "id", "attribute", "taxonomy_term_id"), Follow("taxonomy", "id", "taxonomy_term", "taxonomy_id"),
)
SERVICES = _SERVICE + _SERVICE_AT_LOCATION + _LOCATION + _ORGANIZATION + _EVERY_RECORD
# a link nested fully, with its service's own row (not nested) and that service's organisation's
SERVICE_AT_LOCATIONS = (_SERVICE_AT_LOCATION + _LOCATION + (Follow("service", "id", "service_at_location", "service_id"),
                        Follow("organization", "id", "service", "organization_id")) + _EVERY_RECORD)
ORGANIZATIONS = _ORGANIZATION + _EVERY_RECORD


def read_nested(session: Session, root: str, ids: Iterable[Any], follows: tuple[Follow, ...], links: LinkUse,
                known: Rows | None = None, also: Sequence[Read] = ()) -> Rows:
    """The rows of `root` with these ids and every row the follows reach from them, level by level: each level
    is one read per table and column for all the parents found so far (in one round trip on PostgreSQL). The
    rows owned by the ids are read with the ids themselves (an id that is not there owns nothing).

    known: rows the caller keeps (such as the taxonomies and terms), taken from there rather than read.
    also: reads made with the first level (the index generation, say); their rows come back under their
    table's name."""
    known = known or {}
    roots = {i for i in ids if i is not None}
    rows: Rows = {t: {} for t in TABLE_ORDER}
    asked: dict[tuple[str, str], set] = defaultdict(set)
    wanted: dict[tuple[str, str], set] = {(root, "id"): set(roots)}
    first = list(also)
    while True:
        for follow in follows:
            if (follow.table, follow.column) not in links:
                continue
            key = (follow.table, follow.column)
            values = {r.get(follow.field) for r in rows[follow.parent].values()} - {None}
            if follow.parent == root and follow.field == "id":
                values |= roots
            values -= asked[key]
            if follow.column == "id":
                values -= rows[follow.table].keys()
            if values:
                wanted.setdefault(key, set()).update(values)
        for key, values in wanted.items():
            asked[key] |= values
        from_memory = [key for key in wanted if key[0] in known and key[1] == "id"]
        for key in from_memory:
            rows[key[0]].update((v, known[key[0]][v]) for v in wanted.pop(key) if v in known[key[0]])
        if not wanted and not first:
            if from_memory:
                continue  # rows taken from memory may lead on (terms to their taxonomies)
            break
        reads = [Read(MODELS[table].__table__, column, values) for (table, column), values in wanted.items()]
        # With each read, one hop further: the rows its rows point to (a subquery), so that the next level has
        # less to wait for. A service's organisation and locations come with it: two round trips, not three.
        ahead = [(follow, key) for key in wanted for follow in follows
                 if follow.parent == key[0] and (follow.table, follow.column) in links
                 and not (follow.table in known and follow.column == "id")
                 and not (key == (root, "id") and follow.field == "id")]  # (those are read with the ids)
        reads += [Read(MODELS[f.table].__table__, f.column, wanted[key],
                       Through(MODELS[key[0]].__table__, key[1], f.field)) for f, key in ahead]
        found = read_rows(session.connection(), [*first, *reads])
        for read, table_rows in zip(first, found):
            rows.setdefault(read.table.name, {}).update(table_rows)
        direct = dict(zip(wanted, found[len(first):]))
        for (table, _), table_rows in direct.items():
            rows[table].update(table_rows)
        for (follow, key), table_rows in zip(ahead, found[len(first) + len(direct):]):
            rows[follow.table].update(table_rows)
            asked[(follow.table, follow.column)] |= {r.get(follow.field) for r in direct[key].values()} - {None}
        wanted, first = {}, []
    # in id order, as the export reads them: nested lists come out in the same order
    return {table: dict(sorted(table_rows.items())) for table, table_rows in rows.items()}


def for_services(session: Session, service_ids: Iterable[str], links: LinkUse, known: Rows | None = None,
                 also: Sequence[Read] = ()) -> Rows:
    """Rows to nest these services fully (as Tree.service writes them)."""
    return read_nested(session, "service", service_ids, SERVICES, links, known, also)


def for_service_at_locations(session: Session, sal_ids: Iterable[str], links: LinkUse,
                             known: Rows | None = None, also: Sequence[Read] = ()) -> Rows:
    """Rows to nest these service-at-location links fully (as Tree.service_at_location writes them), with
    their services' own rows (not nested) for the `service` each names."""
    return read_nested(session, "service_at_location", sal_ids, SERVICE_AT_LOCATIONS, links, known, also)


def for_organizations(session: Session, organization_ids: Iterable[str], links: LinkUse,
                      known: Rows | None = None, also: Sequence[Read] = ()) -> Rows:
    """Rows to nest these organisations (as Tree.organization writes them)."""
    return read_nested(session, "organization", organization_ids, ORGANIZATIONS, links, known, also)
