"""Plan and apply an import: what would change, then change it in one transaction.

`plan_import(session, dataset)` compares a validated dataset with the directory and says which
services are new, changed, unchanged, retired (they came from the same source before and are absent
now), active again (retired that way, and listed again) and in conflict (edited here since the last
import, and changed by the source too). It writes nothing: `ketdir import --dry-run` prints it.

A service the source no longer lists is retired, not deleted: status inactive, as a person's retire, so it
leaves search and the API but keeps its record, its history and the referral log's mentions of it; only the
source that gave it can retire it, and it comes back if that source lists it again.

`apply_import(session, dataset, plan)` makes those changes inside one `with session.begin():` — a
failure or a cancel at any row leaves the database exactly as it was. Rows are grouped by the record
that owns them (a service owns its phones, hours, languages, service-at-location links and attributes;
a location its addresses; an organisation its own phones and contacts). For each new or changed owner
the rows it no longer has are deleted, changed rows updated and new rows inserted; unchanged rows are
not touched. Conflicting services are skipped (and listed) unless `overwrite_conflicts` is set.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import pickle
import time
import zlib
from operator import itemgetter
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterable

from sqlalchemy import Date, DateTime, delete, func, select
from sqlalchemy.orm import Session

from ketdir.store.times import utc_now
from ketdir.interop.bulk import BulkWriter, SecondaryIndexesDeferred
from ketdir.interop.dataset import LABELS, LOCAL_ONLY, MODELS, TABLE_ORDER, Dataset, ImportBlocked
from ketdir.interop.validate import validate
from ketdir.problems import Cancelled
from ketdir.store.search_index import search_index
from ketdir.store.engine import get_meta, set_meta
from ketdir.store.index import GENERATION_KEY, refresh, refresh_all
from ketdir.store.models import (
    ChangeHistory,
    Contact,
    DatasetMeta,
    ImportedService,
    ImportSource,
    Language,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
)
from ketdir.store.records import ensure_need_taxonomy

OWNERS = ("service", "location", "organization")
SHARED = ("taxonomy", "taxonomy_term")
CHILDREN = ("service_at_location", "address", "accessibility", "contact", "phone", "schedule", "service_area",
            "language", "cost_option", "attribute")
# How a child row finds its owner, in order of precedence.
OWNER_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    "service_at_location": (("service_id", "service"),),
    "address": (("location_id", "location"),),
    "accessibility": (("location_id", "location"),),
    "contact": (("service_id", "service"), ("service_at_location_id", "sal"), ("location_id", "location"),
                ("organization_id", "organization")),
    "phone": (("service_id", "service"), ("service_at_location_id", "sal"), ("contact_id", "contact"),
              ("location_id", "location"), ("organization_id", "organization")),
    "schedule": (("service_id", "service"), ("service_at_location_id", "sal"), ("location_id", "location")),
    "service_area": (("service_id", "service"), ("service_at_location_id", "sal")),
    "language": (("service_id", "service"), ("phone_id", "phone"), ("location_id", "location")),
    "cost_option": (("service_id", "service"),),
    "attribute": (("link_id", "any"),),
}
# Foreign-key columns used to load the directory's rows that belong to the owners in an import.
LOAD_BY: dict[str, tuple[tuple[str, str], ...]] = {
    "service_at_location": (("service_id", "service"),),
    "address": (("location_id", "location"),),
    "accessibility": (("location_id", "location"),),
    "contact": (("service_id", "service"), ("service_at_location_id", "service_at_location"),
                ("location_id", "location"), ("organization_id", "organization")),
    "schedule": (("service_id", "service"), ("service_at_location_id", "service_at_location"),
                 ("location_id", "location")),
    "service_area": (("service_id", "service"), ("service_at_location_id", "service_at_location")),
    "cost_option": (("service_id", "service"),),
    "phone": (("service_id", "service"), ("service_at_location_id", "service_at_location"),
              ("contact_id", "contact"), ("location_id", "location"), ("organization_id", "organization")),
    "language": (("service_id", "service"), ("phone_id", "phone"), ("location_id", "location")),
}
DELETE_ORDER = ("attribute", "language", "phone", "schedule", "contact", "service_area", "cost_option",
                "service_at_location", "address", "accessibility")
LOCAL_EDIT_ACTIONS = ("edited", "verified", "retired", "created")
RETIRED_STATUS = "inactive"  # what a person's retire sets too (editing.service.RETIRED): out of search and the API
OUT_OF_USE = ("inactive", "defunct")  # a source that stops listing these has nothing left to retire
# The tracking row's content_hash of a service an import retired (a real one is 40 hex digits): the next import
# that lists it again brings it back.
RETIRED_HASH = "retired"
CHUNK = 5000
BULK_INDEX_MIN = 5000  # services: from here on, rebuild the full-text index in one pass
WHOLE_TABLE_SHARE = 0.3  # asked for this share of a table's rows: read the whole table once instead

Key = tuple[str, str]  # (owner kind, id)


def plural(label: str) -> str:
    if label.endswith(("s", "sh")):
        return label + "es"
    if label.endswith("y") and not label.endswith("ay"):
        return label[:-1] + "ies"
    return label + "s"


class ImportCancelled(Cancelled):
    """The person cancelled the import; nothing was changed."""


@dataclass
class Conflict:
    service_id: str
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name} ({self.service_id}): {self.reason}"


@dataclass
class TableChanges:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0


@dataclass
class ImportPlan:
    source: str
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # no longer in the source: retired (status inactive), not deleted
    returned: list[str] = field(default_factory=list)  # retired by an earlier import, in the source again: active again
    conflicts: list[Conflict] = field(default_factory=list)
    tables: dict[str, TableChanges] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    retirements_skipped: str = ""  # why nothing is retired (the input is not the whole source)
    overwrite_conflicts: bool = False
    _analysis: Any = field(default=None, repr=False, compare=False)

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed or self.retired or self.returned or any(
            t.new or t.changed or t.removed for t in self.tables.values()))

    def lines(self, limit: int = 10) -> list[str]:
        """What the import does, for people."""
        out = [
            f"Source: {self.source}",
            f"Services: {len(self.new):,} new, {len(self.changed):,} changed, {len(self.unchanged):,} unchanged, "
            f"{len(self.retired):,} retired (no longer in the source), "
            + (f"{len(self.returned):,} active again (back in the source), " if self.returned else "")
            + f"{len(self.conflicts):,} in conflict.",
        ]
        others = [
            f"{plural(LABELS[name])}: {t.new:,} new, {t.changed:,} changed, {t.removed:,} removed"
            for name, t in sorted(self.tables.items(), key=lambda item: TABLE_ORDER.index(item[0]))
            if name != "service" and (t.new or t.changed or t.removed)
        ]
        if others:
            out.append("Also: " + "; ".join(others) + ".")
        for label, ids in (("New", self.new), ("Changed", self.changed), ("Retired", self.retired),
                           ("Active again", self.returned)):
            for sid in ids[:limit]:
                out.append(f"  {label}: {self.names.get(sid, sid)} ({sid})")
            if len(ids) > limit:
                out.append(f"  … and {len(ids) - limit:,} more {label.lower()}")
        if self.retired:
            out.append("Retired services leave search and the API, and keep their record and history; they come back "
                       "if the source lists them again.")
        if self.retirements_skipped:
            out.append(f"Nothing is retired: {self.retirements_skipped}.")
        for conflict in self.conflicts[:limit]:
            action = "will be overwritten" if self.overwrite_conflicts else "kept as edited here, not updated"
            out.append(f"  Conflict ({action}): {conflict}")
        if len(self.conflicts) > limit:
            out.append(f"  … and {len(self.conflicts) - limit:,} more conflicts")
        if self.conflicts and not self.overwrite_conflicts:
            out.append("Conflicting services keep the local edits. Check them, then import again with "
                       "--overwrite-conflicts to take the source's version.")
        return out


@dataclass
class ImportResult:
    plan: ImportPlan
    written: dict[str, int]
    deleted: dict[str, int]
    refreshed: int
    seconds: float


# ------------------------------------------------------------------------------------- analysis


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class _Owners:
    """Lookups to find the owner of a row, for one side (incoming or directory)."""

    services: set[str]
    locations: set[str]
    organizations: set[str]
    sal_service: dict[str, str] = field(default_factory=dict)
    contact_owner: dict[str, Key] = field(default_factory=dict)
    phone_owner: dict[str, Key] = field(default_factory=dict)
    row_owner: dict[str, Key] = field(default_factory=dict)

    def owner(self, table: str, row: dict[str, Any]) -> Key | None:
        for name, kind in OWNER_FIELDS[table]:
            value = row.get(name)
            if value is None:
                continue
            if kind in OWNERS:
                return (kind, value)
            if kind == "sal":
                service = self.sal_service.get(value)
                if service is not None:
                    return ("service", service)
            elif kind == "contact":
                found = self.contact_owner.get(value)
                if found is not None:
                    return found
            elif kind == "phone":
                found = self.phone_owner.get(value)
                if found is not None:
                    return found
            elif kind == "any":
                if value in self.services:
                    return ("service", value)
                if value in self.locations:
                    return ("location", value)
                if value in self.organizations:
                    return ("organization", value)
                return self.row_owner.get(value)
        return None


def _owners_of(rows: dict[str, dict[str, dict[str, Any]]]) -> tuple[_Owners, dict[str, dict[str, Key | None]]]:
    """Owner lookups and the owner of every child row, for one side."""
    lookups = _Owners(set(rows.get("service", {})), set(rows.get("location", {})), set(rows.get("organization", {})))
    owner_of: dict[str, dict[str, Key | None]] = {}
    for sal_id, sal in rows.get("service_at_location", {}).items():
        if sal.get("service_id") is not None:
            lookups.sal_service[sal_id] = sal["service_id"]
    for table in ("service_at_location", "address", "accessibility", "contact", "phone", "schedule", "service_area",
                  "language", "cost_option", "attribute"):
        owners = owner_of.setdefault(table, {})
        for row_id, row in rows.get(table, {}).items():
            owner = lookups.owner(table, row)
            owners[row_id] = owner
            if owner is not None:
                if table == "contact":
                    lookups.contact_owner[row_id] = owner
                elif table == "phone":
                    lookups.phone_owner[row_id] = owner
                if table != "attribute":
                    lookups.row_owner[row_id] = owner
    return lookups, owner_of


def _bundles(rows: dict[str, dict[str, dict[str, Any]]], owner_of: dict[str, dict[str, Key | None]]
             ) -> dict[Key, dict[str, dict[str, dict[str, Any]]]]:
    """owner -> table -> id -> row: each owner's own row and the rows it owns."""
    bundles: dict[Key, dict[str, dict[str, dict[str, Any]]]] = {}
    for kind in OWNERS:
        for row_id, row in rows.get(kind, {}).items():
            bundles[(kind, row_id)] = {kind: {row_id: row}}
    for table, owners in owner_of.items():
        table_rows = rows.get(table, {})
        for row_id, owner in owners.items():
            if owner is None:
                continue
            bundle = bundles.get(owner)
            if bundle is None:
                bundle = bundles[owner] = {}
            target = bundle.get(table)
            if target is None:
                target = bundle[table] = {}
            target[row_id] = table_rows[row_id]
    return bundles


def _getter(cols: list[str]) -> Callable[[dict[str, Any]], tuple]:
    """Values of these columns of a validated row (validation sets every provided column) as a tuple."""
    if not cols:
        return lambda row: ()
    if len(cols) == 1:
        name = cols[0]
        return lambda row: (row[name],)
    return itemgetter(*cols)


def _position_getter(table: str, cols: list[str]) -> Callable[[tuple], tuple]:
    """The same values as _getter, from a directory row's tuple (columns in model order)."""
    positions = {c.name: i for i, c in enumerate(MODELS[table].__table__.c)}
    indices = [positions[c] for c in cols]
    if not indices:
        return lambda values: ()
    if len(indices) == 1:
        i = indices[0]
        return lambda values: (values[i],)
    return itemgetter(*indices)


def _same(a: dict[str, Any], b: Any, fields: Iterable[str]) -> bool:
    return all(a.get(f) == b.get(f) for f in fields)


@dataclass
class _Analysis:
    plan: ImportPlan
    incoming: dict[str, dict[str, dict[str, Any]]]
    fields: dict[str, list[str]]  # table -> provided columns
    db: dict[str, dict[str, dict[str, Any]]]
    db_owner_of: dict[str, dict[str, Key | None]]
    in_bundles: dict[Key, dict[str, dict[str, dict[str, Any]]]]
    db_bundles: dict[Key, dict[str, dict[str, dict[str, Any]]]]
    replace: set[Key]
    skip: set[Key]
    service_hash: dict[str, str]
    unowned: dict[str, list[str]]  # table -> ids of incoming rows with no owner (upserted one by one)
    tracked: dict[str, tuple[int, str, dt.datetime]]
    fingerprint: tuple
    outside: dict[str, str]  # services not in the import that get rows from it
    all_new: bool = False  # the directory had none of it: insert everything, compare nothing


class _DBRow:
    """A row read from the directory: a tuple plus a shared name -> position map (lighter than a dict)."""

    __slots__ = ("values", "index")

    def __init__(self, values: tuple, index: dict[str, int]):
        self.values = values
        self.index = index

    def get(self, name: str, default: Any = None) -> Any:
        i = self.index.get(name)
        return default if i is None else self.values[i]

    def __getitem__(self, name: str) -> Any:
        return self.values[self.index[name]]


class _Loader:
    def __init__(self, session: Session):
        self.session = session
        self.rows: dict[str, dict[str, _DBRow]] = defaultdict(dict)
        self._count: dict[str, int] = {}
        self._whole: set[str] = set()

    def count(self, table: str) -> int:
        if table not in self._count:
            self._count[table] = self.session.execute(select(func.count()).select_from(MODELS[table])).scalar() or 0
        return self._count[table]

    def load(self, table: str, column: str, values: Iterable[Any]) -> None:
        """Rows of `table` whose `column` is one of `values` (the whole table, once, when that is most of it)."""
        if table in self._whole or self.count(table) == 0:
            return
        values = sorted({v for v in values if v is not None})
        if not values:
            return
        model_table = MODELS[table].__table__
        target = self.rows[table]
        index = {c.name: i for i, c in enumerate(model_table.c)}
        id_at = index["id"]
        conn = self.session.connection()
        if len(values) >= self.count(table) * WHOLE_TABLE_SHARE:
            self._whole.add(table)
            queries = [select(*model_table.c)]
        else:
            col = model_table.c[column]
            queries = [select(*model_table.c).where(col.in_(chunk)) for chunk in _chunks(values)]
        for query in queries:
            for row in conn.execute(query):
                values_ = tuple(row)
                target[values_[id_at]] = _DBRow(values_, index)


def _fingerprint(session: Session) -> tuple:
    """Changes whenever the directory's services or edit history change (a stale plan is redone)."""
    generation = get_meta(session, GENERATION_KEY)
    last_change = session.execute(select(func.max(ChangeHistory.id))).scalar()
    return generation, last_change


def _analyse(session: Session, dataset: Dataset, overwrite: bool, *, scope: Collection[str] | None = None,
             changed_before: Collection[Key] = (), hashes: dict[str, str] | None = None) -> _Analysis:
    """Compare the dataset with the directory. For a part of a larger input (a staged re-import, a chunk of
    services at a time): `scope`, only the tracking of these services is read, and nothing is retired here;
    `changed_before`, locations and organisations an earlier part changed (their services change too);
    `hashes`, the services' fingerprints over the whole input."""
    plan = ImportPlan(source=dataset.source, overwrite_conflicts=overwrite)
    fingerprint = _fingerprint(session)
    local = {t: set(LOCAL_ONLY.get(t, ())) for t in MODELS}
    incoming: dict[str, dict[str, dict[str, Any]]] = {}
    fields: dict[str, list[str]] = {}
    for name in TABLE_ORDER:
        table = dataset.tables.get(name)
        if table is None or not table.rows:
            continue
        incoming[name] = {row["id"]: row for row in table.rows}
        fields[name] = sorted(c for c in table.columns if c not in local[name])
    plan.names = {sid: row.get("name") or sid for sid, row in incoming.get("service", {}).items()}

    # What this source imported before.
    tracked = tracked_services(session, dataset.source, scope)

    # The directory's side: every row the incoming owners have, and rows sharing incoming ids.
    loader = _Loader(session)
    service_scope = set(incoming.get("service", {}))
    for name in ("service", "location", "organization", "taxonomy", "taxonomy_term"):
        ids = set(incoming.get(name, {}))
        if name == "service":
            ids |= service_scope
        loader.load(name, "id", ids)
    scope_ids = {
        "service": service_scope,
        "location": set(incoming.get("location", {})),
        "organization": set(incoming.get("organization", {})),
    }
    for name in ("service_at_location", "contact", "address", "accessibility", "cost_option", "service_area",
                 "schedule", "phone", "language"):
        loader.load(name, "id", incoming.get(name, {}))
        for column, target in LOAD_BY[name]:
            values = scope_ids.get(target) or set(loader.rows.get(target, {}))
            loader.load(name, column, values)
        scope_ids[name] = set(loader.rows.get(name, {}))
    loader.load("attribute", "id", incoming.get("attribute", {}))
    linked = set().union(*(set(loader.rows.get(t, {})) for t in (*OWNERS, *CHILDREN[:-1])))
    linked |= scope_ids["service"] | scope_ids["location"] | scope_ids["organization"]
    loader.load("attribute", "link_id", linked)
    db = {k: v for k, v in loader.rows.items()}

    _in_lookups, in_owner_of = _owners_of(incoming)
    _db_lookups, db_owner_of = _owners_of(db)
    # Rows whose owner is not part of this import (a phone added to a service already here): they are
    # written one by one, and their owner's search entry refreshed.
    outside: dict[str, str] = {}  # service id -> why
    for table, owners in in_owner_of.items():
        for rid, owner in owners.items():
            if owner is not None and owner[1] not in incoming.get(owner[0], {}):
                owners[rid] = None
                if owner[0] == "service":
                    outside[owner[1]] = table
    unowned = {t: [i for i, o in owners.items() if o is None] for t, owners in in_owner_of.items()}
    owner_hashes = _owner_hashes(incoming, in_owner_of, fields)
    all_new = not tracked and not any(db.values())
    if all_new:
        # An empty directory (the first import): everything is new, nothing to compare.
        return _all_new(plan, incoming, fields, in_owner_of, owner_hashes, unowned, fingerprint, outside)
    in_bundles = _bundles(incoming, in_owner_of)
    db_bundles = _bundles(db, db_owner_of)

    # Compare each incoming owner with the directory.
    compare = {t: (_getter(cols), _position_getter(t, cols)) for t, cols in fields.items()}
    status: dict[Key, str] = {}
    table_counts: dict[str, TableChanges] = defaultdict(TableChanges)
    for key, bundle in in_bundles.items():
        kind, oid = key
        theirs = db_bundles.get(key, {})
        if oid not in db.get(kind, {}):
            status[key] = "new"
            continue
        same = True
        for table, rows in bundle.items():
            db_rows = theirs.get(table, {})
            if rows.keys() != db_rows.keys():
                same = False
                break
            in_get, db_get = compare[table]
            for rid, row in rows.items():
                if in_get(row) != db_get(db_rows[rid].values):
                    same = False
                    break
            if not same:
                break
        if same:
            same = all(set(theirs.get(t, {})) <= set(bundle.get(t, {})) for t in theirs)
        status[key] = "same" if same else "changed"
    # A service also changes when its organisation or a location it is at changes.
    service_links = _service_links(incoming)

    service_hash = _service_hashes(incoming, service_links, owner_hashes)
    if hashes is not None:
        service_hash.update((sid, hashes[sid]) for sid in service_hash if sid in hashes)

    # Local edits since the last import.
    existing = [sid for sid in incoming.get("service", {}) if sid in db.get("service", {})]
    still_there = dataset.unchanged_ids & set(tracked)
    plan.unchanged.extend(sorted(still_there - set(incoming.get("service", {}))))
    edited_at = _local_edits(session, existing)
    skip: set[Key] = set()
    for sid in incoming.get("service", {}):
        key = ("service", sid)
        own = status.get(key, "new")
        linked_changed = any(status.get(link) in ("changed", "new") or link in changed_before
                             for link in service_links.get(sid, ()))
        if own == "new":
            plan.new.append(sid)
            continue
        prior = tracked.get(sid)
        back = prior is not None and prior[1] == RETIRED_HASH and db["service"][sid].get("status") == RETIRED_STATUS
        if not back:
            if prior is not None and prior[1] == service_hash[sid]:
                # The source has not changed this service since the last import: any local edits stand.
                plan.unchanged.append(sid)
                if own != "same" or linked_changed:
                    skip.add(key)
                continue
            if own == "same" and not linked_changed:
                plan.unchanged.append(sid)
                continue
        reason = _edit_reason(sid, db["service"][sid], prior, edited_at.get(sid))
        if reason:
            if back:
                reason = f"back in the source, but {reason}; it stays retired"
            plan.conflicts.append(Conflict(sid, plan.names.get(sid, sid), reason))
            if not overwrite:
                skip.add(key)
                continue
        (plan.returned if back else plan.changed).append(sid)
    if scope is None and dataset.complete:
        gone = set(tracked) - set(incoming.get("service", {})) - still_there
        plan_retirements(session, plan, {sid: tracked[sid] for sid in gone}, overwrite)
    elif scope is None and tracked:
        plan.retirements_skipped = dataset.incomplete_reason or "the input is not the whole feed"

    # Locations and organisations used only by services kept as edited here are not updated either.
    users: dict[Key, set[str]] = defaultdict(set)
    for sid, links in service_links.items():
        for link in links:
            users[link].add(sid)
    for key, who in users.items():
        if who and all(("service", s) in skip for s in who):
            skip.add(key)

    replace = {k for k, s in status.items() if s in ("new", "changed")}
    replace |= {("service", sid) for sid in (*plan.changed, *plan.returned)}
    replace -= skip
    replace -= set(changed_before)  # an earlier part wrote them (or, planning, counted them) already

    # Per-table counts for the summary.
    for key in replace:
        theirs = db_bundles.get(key, {})
        for table, rows in in_bundles.get(key, {}).items():
            if not theirs:
                if not db.get(table):
                    table_counts[table].new += len(rows)
                    continue
            db_rows = theirs.get(table, {})
            cols = fields.get(table, [])
            counts = table_counts[table]
            for rid, row in rows.items():
                if rid not in db_rows and rid not in db.get(table, {}):
                    counts.new += 1
                elif rid in db_rows and _same(row, db_rows[rid], cols):
                    counts.unchanged += 1
                else:
                    counts.changed += 1
            counts.removed += len(set(db_rows) - set(rows))
    for table in ("taxonomy", "taxonomy_term", *CHILDREN):
        for rid in unowned.get(table, []) if table in CHILDREN else incoming.get(table, {}):
            row = incoming[table][rid]
            counts = table_counts[table]
            if rid not in db.get(table, {}):
                counts.new += 1
            elif _same(row, db[table][rid], fields.get(table, [])):
                counts.unchanged += 1
            else:
                counts.changed += 1
    service_counts = table_counts["service"]
    service_counts.new, service_counts.changed = len(plan.new), len(plan.changed)
    service_counts.unchanged = len(plan.unchanged)
    plan.tables = dict(table_counts)
    analysis = _Analysis(plan, incoming, fields, db, db_owner_of, in_bundles, db_bundles, replace, skip, service_hash,
                         unowned, tracked, fingerprint, outside)
    plan._analysis = analysis
    return analysis


def has_dates(table: str, fields: list[str]) -> bool:
    return any(isinstance(MODELS[table].__table__.c[f].type, (Date, DateTime)) for f in fields)


def row_checksums(table: str, ids: list[str], values: Iterable[tuple], dates: bool) -> list[int]:
    """A 64-bit checksum of each row (CRC-32 and Adler-32 of (table, id, values) serialised by marshal,
    version 2 — no object references, so the same values always give the same bytes — or pickle for dates;
    for change detection, not security). The staged import computes the same for the same rows."""
    dumps, crc32, adler32, marshal_dumps = pickle.dumps, zlib.crc32, zlib.adler32, marshal.dumps
    if dates:
        blobs = []
        for rid, value in zip(ids, values):
            item = (table, rid, value)
            try:
                blobs.append(marshal_dumps(item, 2))
            except ValueError:  # dates: marshal cannot, pickle can
                blobs.append(dumps(item, 4))
    else:
        blobs = [marshal_dumps((table, rid, value), 2) for rid, value in zip(ids, values)]
    return [(a << 32) | b for a, b in zip(map(crc32, blobs), map(adler32, blobs))]


def _owner_hashes(incoming: dict[str, dict[str, dict[str, Any]]], owner_of: dict[str, dict[str, Key | None]],
                  fields: dict[str, list[str]]) -> dict[Key, int]:
    """An order-independent fingerprint of each owner's rows: the XOR of the checksums of its rows."""
    hashes: dict[Key, int] = defaultdict(int)
    for table, rows in incoming.items():
        owners = owner_of.get(table)
        if owners is None and table not in OWNERS:
            continue  # taxonomies and terms belong to no one
        get = _getter(fields.get(table, []))
        ids = list(rows)
        sums = row_checksums(table, ids, map(get, rows.values()), has_dates(table, fields.get(table, [])))
        if owners is None:
            for rid, value in zip(ids, sums):
                hashes[(table, rid)] ^= value
        else:
            for rid, value in zip(ids, sums):
                owner = owners.get(rid)
                if owner is not None:
                    hashes[owner] ^= value
    return hashes


def service_hashes(service_ids: Iterable[str], links: dict[str, set[Key]], owner_hashes: dict[Key, int]
                   ) -> dict[str, str]:
    """What the source says about each service: its rows, and its locations' and organisation's rows."""
    out = {}
    for sid in service_ids:
        parts = [owner_hashes.get(("service", sid), 0), *sorted(owner_hashes.get(k, 0) for k in links.get(sid, ()))]
        out[sid] = hashlib.sha1(b"".join(p.to_bytes(8, "big") for p in parts)).hexdigest()
    return out


def _service_hashes(incoming: dict[str, dict[str, dict[str, Any]]], links: dict[str, set[Key]],
                    owner_hashes: dict[Key, int]) -> dict[str, str]:
    return service_hashes(incoming.get("service", {}), links, owner_hashes)


def _service_links(incoming: dict[str, dict[str, dict[str, Any]]]) -> dict[str, set[Key]]:
    """service id -> its organisation and the locations it is at (in this import)."""
    links: dict[str, set[Key]] = defaultdict(set)
    for sid, row in incoming.get("service", {}).items():
        if row.get("organization_id") is not None:
            links[sid].add(("organization", row["organization_id"]))
    for sal in incoming.get("service_at_location", {}).values():
        if sal.get("service_id") is not None and sal.get("location_id") is not None:
            links[sal["service_id"]].add(("location", sal["location_id"]))
    return links


def _all_new(plan: ImportPlan, incoming, fields, in_owner_of, owner_hashes, unowned, fingerprint,
             outside) -> "_Analysis":
    plan.new = list(incoming.get("service", {}))
    plan.tables = {table: TableChanges(new=len(rows)) for table, rows in incoming.items()}
    service_hash = _service_hashes(incoming, _service_links(incoming), owner_hashes)
    replace = {(kind, oid) for kind in OWNERS for oid in incoming.get(kind, {})}
    analysis = _Analysis(plan, incoming, fields, {}, {}, {}, {}, replace, set(), service_hash, unowned, {},
                         fingerprint, outside, all_new=True)
    plan._analysis = analysis
    return analysis


def _local_edits(session: Session, ids: list[str]) -> dict[str, tuple[dt.datetime, str]]:
    """service id -> (time, editor) of its latest local edit in the change history."""
    found: dict[str, tuple[dt.datetime, str]] = {}
    if not ids:
        return found
    for chunk in _chunks(sorted(set(ids))):
        rows = session.execute(
            select(ChangeHistory.entity_id, ChangeHistory.at, ChangeHistory.editor)
            .where(ChangeHistory.entity_id.in_(chunk), ChangeHistory.action.in_(LOCAL_EDIT_ACTIONS))
        )
        for sid, at, editor in rows:
            if sid not in found or at > found[sid][0]:
                found[sid] = (at, editor)
    return found


def _edit_reason(sid: str, db_row: dict[str, Any], prior: tuple[int, str, dt.datetime] | None,
                 edit: tuple[dt.datetime, str] | None) -> str:
    """Why a service counts as edited here since it was imported ("" when it was not)."""
    if prior is not None:
        version, _digest, imported_at = prior
        if edit is not None and edit[0] > imported_at:
            return f"edited here by {edit[1]} on {edit[0]:%d %b %Y %H:%M} since the last import"
        if db_row.get("version") is not None and db_row["version"] != version:
            return "edited here since the last import"
        return ""
    if edit is not None:
        return f"edited here by {edit[1]} on {edit[0]:%d %b %Y %H:%M} (it was not imported from this source before)"
    return ""


def tracked_services(session: Session, source: str, scope: Collection[str] | None = None
                     ) -> dict[str, tuple[int, str, dt.datetime]]:
    """What `source` imported before: service id -> (version after the import, content hash, when); only the
    services in `scope` when it is given."""
    columns = (ImportedService.service_id, ImportedService.version, ImportedService.content_hash,
               ImportedService.imported_at)
    query = select(*columns).where(ImportedService.source == source)
    queries = [query] if scope is None else [query.where(ImportedService.service_id.in_(chunk))
                                             for chunk in _chunks(sorted(scope))]
    return {sid: (version, digest, at) for q in queries for sid, version, digest, at in session.execute(q)}


def plan_retirements(session: Session, plan: ImportPlan, gone: dict[str, tuple[int, str, dt.datetime]],
                     overwrite: bool) -> None:
    """Services the source gave before and no longer lists (`gone`: their tracking) are retired — unless a person
    edited one here since (a conflict: kept as it is, unless `overwrite`), or it is out of use already (retired by
    a person, or by an earlier import)."""
    ids = sorted(sid for sid, (_version, digest, _at) in gone.items() if digest != RETIRED_HASH)
    found: dict[str, tuple[str, int]] = {}
    for chunk in _chunks(ids):
        for sid, name, version, status in session.execute(
                select(Service.id, Service.name, Service.version, Service.status).where(Service.id.in_(chunk))):
            if status not in OUT_OF_USE:
                found[sid] = (name or sid, version)
    edited_at = _local_edits(session, list(found))
    for sid in sorted(found):
        name, version = found[sid]
        plan.names.setdefault(sid, name)
        reason = _edit_reason(sid, {"version": version}, gone[sid], edited_at.get(sid))
        if reason and not overwrite:
            plan.conflicts.append(Conflict(sid, name, f"no longer in the source, but {reason}; it was not retired"))
            continue
        plan.retired.append(sid)


def _prepare(session: Session, dataset: Dataset) -> None:
    if not dataset.validated:
        validate(dataset, session)
    if dataset.errors:
        raise ImportBlocked(dataset.problems)


def plan_import(session: Session, dataset: Dataset, *, overwrite_conflicts: bool = False) -> ImportPlan:
    """What importing this dataset would change. Writes nothing."""
    was_in_transaction = session.in_transaction()
    try:
        _prepare(session, dataset)
        return _analyse(session, dataset, overwrite_conflicts).plan
    finally:
        if not was_in_transaction and session.in_transaction():
            session.rollback()


# ------------------------------------------------------------------------------------- applying


class _Progress:
    def __init__(self, total: int, progress: Callable[[float, str], None] | None,
                 cancel: Callable[[], bool] | None):
        self.total = max(total, 1)
        self.done = 0
        self.progress = progress
        self.cancel = cancel
        self.message = "Writing"
        self._last = 0.0

    def check(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ImportCancelled("The import was cancelled. Nothing was changed.")

    def tick(self, n: int) -> None:
        self.done += n
        self.check()
        if self.progress is not None:
            self.progress(min(self.done / self.total, 1.0) * 0.7, self.message)

    def phase(self, fraction: float, message: str) -> None:
        self.message = message
        self.check()
        if self.progress is not None:
            self.progress(fraction, message)


def _bigger_cache(session: Session) -> None:
    """A 128 MB page cache for this connection while it writes (index pages stay in memory)."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("PRAGMA cache_size = -131072")


def _begin_write(session: Session) -> None:
    """Open the write transaction for real before any DDL (SQLite's driver would otherwise run the DROP and
    CREATE INDEX of a bulk insert outside it, committed on their own)."""
    session.execute(delete(DatasetMeta).where(DatasetMeta.key == "import: no such key"))


def apply_import(session: Session, dataset: Dataset, plan: ImportPlan | None = None, *,
                 progress: Callable[[float, str], None] | None = None,
                 cancel: Callable[[], bool] | None = None,
                 editor: str | None = None) -> ImportResult:
    """Apply the import in one transaction. `progress(fraction, message)` is called as it goes; when
    `cancel()` returns True the transaction is rolled back and ImportCancelled is raised."""
    started = time.perf_counter()
    overwrite = plan.overwrite_conflicts if plan is not None else False
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("apply_import needs a session without unsaved changes")
        session.rollback()
    with session.begin():
        _prepare(session, dataset)
        _begin_write(session)
        _bigger_cache(session)
        if progress:
            progress(0.0, "Comparing with the directory")
        analysis = plan._analysis if plan is not None and plan._analysis is not None else None
        if analysis is None or analysis.fingerprint != _fingerprint(session) or \
                analysis.plan.overwrite_conflicts != overwrite:
            analysis = _analyse(session, dataset, overwrite)
        ensure_need_taxonomy(session)
        session.flush()
        written, deleted, affected = _write(session, dataset, analysis, progress, cancel, editor)
        stepper = _Progress(1, progress, cancel)
        refreshed = refresh_search(session, affected, stepper)
        stepper.phase(0.97, "Recording the import")
        record_import(session, dataset.source, dataset.content_hash, dataset.format, dataset.path,
                      len(analysis.incoming.get("service", {})))
        stepper.phase(1.0, "Finishing")
    return ImportResult(analysis.plan, written, deleted, refreshed, time.perf_counter() - started)


def refresh_search(session: Session, affected: set[str], stepper: _Progress) -> int:
    """The search rows of the services an import changed (rows of retired ones go); how many were written."""
    stepper.phase(0.72, "Updating the search index")
    if not affected:
        return 0
    total = session.execute(select(func.count()).select_from(Service)).scalar() or 0
    if len(affected) >= BULK_INDEX_MIN and len(affected) >= total * 0.5:
        # Most of the directory changed: rebuild every search row (in the order search expects) in
        # the index's bulk mode (SQLite: the full-text triggers lifted, the index rebuilt in one pass).
        conn = session.connection()
        with search_index(conn).bulk_rewrite(conn):
            refreshed = refresh_all(session)
            stepper.phase(0.9, "Rebuilding the full-text index")
        return refreshed
    return refresh(session, sorted(affected))


def record_import(session: Session, source: str, content_hash: str, format_: str, path: str, services: int) -> None:
    """The import's record: the directory's last source, and this source's last import (same_package_again)."""
    now = utc_now()
    set_meta(session, "source", source)
    set_meta(session, "imported_at", now.isoformat(timespec="seconds"))
    set_meta(session, "content_hash", content_hash)
    session.merge(ImportSource(name=source, imported_at=now, content_hash=content_hash, format=format_, path=path,
                               services=services))
    session.flush()


def _write(session: Session, dataset: Dataset, a: _Analysis, progress, cancel, editor: str | None, *,
           defer_indexes: bool = True, elsewhere_in_input: Callable[[set[str]], set[str]] | None = None
           ) -> tuple[dict[str, int], dict[str, int], set[str]]:
    """Make the analysed changes. For a part of a larger import (a staged re-import): `defer_indexes` False (a
    first import's large inserts rebuild the tables' indexes once; each part would rebuild them), and
    `elsewhere_in_input(location ids)` says which of them another part has (they are not orphans)."""
    plan = a.plan
    now = utc_now()
    inserts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    updates: dict[str, list[dict[str, Any]]] = defaultdict(list)
    deletes: dict[str, set[str]] = defaultdict(set)

    def db_row(table: str, rid: str) -> dict[str, Any] | None:
        return a.db.get(table, {}).get(rid)

    skip_owners = a.skip
    if a.all_new:
        for table, rows in a.incoming.items():
            inserts[table] = list(rows.values())
    for key in ([] if a.all_new else a.replace):
        bundle = a.in_bundles.get(key, {})
        theirs = a.db_bundles.get(key, {})
        for table, rows in bundle.items():
            cols = a.fields.get(table, [])
            for rid, row in rows.items():
                existing = db_row(table, rid)
                if existing is None:
                    inserts[table].append(row)
                    continue
                owner = a.db_owner_of.get(table, {}).get(rid) if table in CHILDREN else key
                if owner is not None and owner != key and owner in skip_owners:
                    continue  # the row belongs to a record kept as edited here
                if not _same(row, existing, cols):
                    updates[table].append(row)
        for table, db_rows in theirs.items():
            if table in OWNERS:
                continue
            gone = set(db_rows) - set(bundle.get(table, {}))
            deletes[table] |= gone
    # Shared rows (taxonomies, terms) and rows whose owner is only in the directory: upsert one by one.
    for table in () if a.all_new else ("taxonomy", "taxonomy_term", *CHILDREN):
        ids = a.unowned.get(table, []) if table in CHILDREN else list(a.incoming.get(table, {}))
        for rid in ids:
            row = a.incoming[table][rid]
            existing = db_row(table, rid)
            if existing is None:
                inserts[table].append(row)
            elif not _same(row, existing, a.fields.get(table, [])):
                updates[table].append(row)
    # Locations that lose all their services when a changed service moves away from them.
    orphan_candidates: set[str] = set()
    for key in a.replace:
        if key[0] == "service":
            for sal in a.db_bundles.get(key, {}).get("service_at_location", {}).values():
                if sal.get("location_id"):
                    orphan_candidates.add(sal["location_id"])
    # Service versions: bumped on every change the import makes.
    for row in updates.get("service", []):
        row["version"] = (db_row("service", row["id"]) or {}).get("version", 0) + 1
    changed_services = {*plan.changed, *plan.returned}
    updated_ids = {r["id"] for r in updates.get("service", [])}
    for sid in changed_services - updated_ids:
        if sid in a.incoming.get("service", {}):
            row = dict(a.incoming["service"][sid])
            row["version"] = (db_row("service", sid) or {}).get("version", 0) + 1
            updates["service"].append(row)
    for row in inserts.get("service", []):
        row["version"] = 1

    total = sum(len(v) for v in inserts.values()) + sum(len(v) for v in updates.values()) + \
        sum(len(v) for v in deletes.values()) + len(plan.retired)
    stepper = _Progress(total, progress, cancel)
    writer = BulkWriter(session.connection(), stepper.tick)
    written: dict[str, int] = defaultdict(int)
    deleted: dict[str, int] = defaultdict(int)

    stepper.phase(0.01, "Removing what the source no longer has")
    for table in DELETE_ORDER:
        ids = deletes.get(table)
        if ids:
            # never delete a row that the import writes again under a new owner
            ids = ids - {r["id"] for r in updates.get(table, [])}
            deleted[table] += writer.delete(MODELS[table].__table__, sorted(ids))
    big = [t for t, rows in inserts.items() if len(rows) >= BULK_INDEX_MIN] if a.all_new and defer_indexes else []
    with SecondaryIndexesDeferred(writer.conn, big):
        for table in TABLE_ORDER:
            stepper.message = f"Writing {plural(LABELS[table])}"
            model_table = MODELS[table].__table__
            if updates.get(table):
                cols = list(a.fields.get(table, []))
                if table == "service":
                    cols = sorted(set(cols) | {"version"})
                written[table] += writer.update(model_table, updates[table], cols)
            if inserts.get(table):
                written[table] += writer.insert(model_table, inserts[table])
        stepper.message = "Indexing"
    if orphan_candidates:
        # A location no service is at any more goes too — unless another service's phone, hours,
        # contact or language still points at it.
        still_used = set()
        users = [(ServiceAtLocation, ServiceAtLocation.location_id, None)] + [
            (model, model.location_id, model.service_id) for model in (Phone, Schedule, Contact, Language)]
        for chunk in _chunks(sorted(orphan_candidates)):
            for model, location_column, service_column in users:
                query = select(location_column).where(location_column.in_(chunk))
                if service_column is not None:
                    query = query.where(service_column.is_not(None))
                still_used.update(session.execute(query).scalars())
        orphans = orphan_candidates - still_used - set(a.incoming.get("location", {}))
        if orphans and elsewhere_in_input is not None:
            orphans -= elsewhere_in_input(orphans)
        orphans = sorted(orphans)
        if orphans:
            deleted["location"] += writer.delete(Location.__table__, orphans)

    versions = {r["id"]: r["version"] for r in [*inserts.get("service", []), *updates.get("service", [])]}
    # Back in the source: active again (or as the source says).
    back = [{"id": sid, "status": a.incoming["service"][sid].get("status") or "active", "version": versions[sid]}
            for sid in plan.returned]
    writer.update(Service.__table__, back, ["status", "version"])

    # Tracking: what this import wrote, at which version.
    applied = set(plan.new) | set(plan.changed) | set(plan.returned)
    track_rows = []
    for sid in sorted(applied):
        version = versions.get(sid) or (db_row("service", sid) or {}).get("version") or 1
        track_rows.append({"source": dataset.source, "service_id": sid, "version": version,
                           "content_hash": a.service_hash.get(sid, ""), "imported_at": now})
    for sid in plan.unchanged:
        if sid not in a.tracked and ("service", sid) not in a.skip:
            version = (db_row("service", sid) or {}).get("version") or 1
            track_rows.append({"source": dataset.source, "service_id": sid, "version": version,
                               "content_hash": a.service_hash.get(sid, ""), "imported_at": now})
    if track_rows:
        table = ImportedService.__table__
        if a.tracked:
            for chunk in _chunks([r["service_id"] for r in track_rows]):
                session.execute(delete(ImportedService).where(
                    ImportedService.source == dataset.source,
                    ImportedService.service_id.in_(chunk)))
        writer.insert(table, track_rows)
    # Change history: one line per service the import created or changed; what brought one back.
    who = editor or f"import: {dataset.source}"[:200]
    history = [_history(now, who, sid, None, None, what)
               for what, ids in (("new", plan.new), ("updated", plan.changed)) for sid in ids]
    for row in back:
        history += [_history(now, who, row["id"], "status", RETIRED_STATUS, row["status"]),
                    _history(now, who, row["id"], "reason", None, "The source lists it again.")]
    if history:
        writer.insert(ChangeHistory.__table__, history, HISTORY_COLUMNS)
    if plan.retired:
        retire_services(session, writer, dataset.source, plan.retired, now, who)

    affected = set(plan.new) | set(plan.changed) | set(plan.returned) | set(plan.retired) | set(a.outside)
    return dict(written), dict(deleted), affected


HISTORY_COLUMNS = ["at", "editor", "entity", "entity_id", "action", "field", "old_value", "new_value"]


def _history(at: dt.datetime, editor: str, service_id: str, field_: str | None, old: str | None,
             new: str | None) -> dict[str, Any]:
    return {"at": at, "editor": editor, "entity": "service", "entity_id": service_id, "action": "imported",
            "field": field_, "old_value": old, "new_value": new}


def retire_services(session: Session, writer: BulkWriter, source: str, ids: list[str], now: dt.datetime,
                    who: str) -> None:
    """Retire services the source no longer lists, as a person's retire does (status inactive, a new version, the
    change and why in the history; the record, its rows and the referral log's mentions stay), and track them as
    retired by this source, so a later import that lists them again brings them back. The search rows are
    refreshed by the caller."""
    current: dict[str, tuple[str, int]] = {}
    for chunk in _chunks(sorted(ids)):
        current.update((sid, (status, version)) for sid, status, version in session.execute(
            select(Service.id, Service.status, Service.version).where(Service.id.in_(chunk))))
    rows = [{"id": sid, "status": RETIRED_STATUS, "version": version + 1, "last_modified": now}
            for sid, (_status, version) in sorted(current.items())]
    writer.update(Service.__table__, rows, ["status", "version", "last_modified"])
    for chunk in _chunks(sorted(current)):
        session.execute(delete(ImportedService).where(ImportedService.source == source,
                                                      ImportedService.service_id.in_(chunk)))
    writer.insert(ImportedService.__table__, [
        {"source": source, "service_id": row["id"], "version": row["version"], "content_hash": RETIRED_HASH,
         "imported_at": now} for row in rows])
    history = []
    for sid, (status, _version) in sorted(current.items()):
        history += [_history(now, who, sid, "status", status, RETIRED_STATUS),
                    _history(now, who, sid, "reason", None, "The source no longer lists it.")]
    writer.insert(ChangeHistory.__table__, history, HISTORY_COLUMNS)
