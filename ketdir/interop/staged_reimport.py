"""A re-import of a large HSDS datapackage, compared and written a part at a time.

Read whole, a changed 100,000-service package and the directory's side of it took 3.2 GB to compare. Here the
package is staged on disk as a first import is (interop.stage; for a re-import each staged row keeps its owner:
the service, location or organisation whose record it is part of). Then:

- each staged service's fingerprint (its rows, and its locations' and organisation's) is compared with the one
  its last import recorded (ImportedService.content_hash). The same: unchanged, never read again. Different, not
  imported from this source before, or retired by it: a candidate;
- the candidates are read from the staged file a part at a time — with their locations and organisations and
  every row those own, and whatever new record a row of the part points at (so each part's rows can be written
  before the next part's) — and go through the comparison and writes every import uses (interop.apply's
  `_analyse` and `_write`);
- before them come taxonomies and terms, rows that belong to nothing in the package (a phone of a service that
  is only in the directory), and locations and organisations that no service in the package is at or run by
  (no fingerprint covers them): these are compared as a read-whole import compares them;
- services the source no longer lists are retired, as in any import.

Checking does the same without writing (the plan the dry run prints); applying does it again, in one
transaction for the whole import. Either way only one part is in memory at a time.
"""
from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ketdir.store.times import utc_now
from ketdir.interop.apply import (
    OWNERS,
    ImportPlan,
    ImportResult,
    Key,
    TableChanges,
    _analyse,
    _begin_write,
    _chunks,
    _Progress,
    _write,
    plan_retirements,
    record_import,
    refresh_search,
    retire_services,
    tracked_services,
)
from ketdir.interop.bulk import BulkWriter
from ketdir.interop.dataset import MODELS, TABLE_ORDER, Dataset, Table as DataTable
from ketdir.interop.stage import OWNER, StagedImport, _staging_engine, _staging_tables, owner_key
from ketdir.store.models import ImportedService
from ketdir.store.records import ensure_need_taxonomy

PART = 2000  # candidate services compared and written at a time (tests lower it)
IN_LIST = 900  # ids per IN (…) on the staged SQLite file
SHARED = ("taxonomy", "taxonomy_term")
CHILDREN = tuple(t for t in TABLE_ORDER if t not in (*OWNERS, *SHARED, "attribute"))
# Links between tables (column -> the table it points at), from the models: what a part's rows point at.
LINKS: dict[str, list[tuple[str, str]]] = {
    name: [(fk.parent.name, fk.column.table.name) for fk in MODELS[name].__table__.foreign_keys
           if fk.column.table.name not in SHARED]
    for name in TABLE_ORDER
}


@dataclass
class _Comparison:
    candidates: list[str]  # services to compare and write, their organisations' services together
    unchanged: list[str]  # the same fingerprint as their last import from this source
    gone: list[str]  # imported from this source before, not in the package


def plan_staged_reimport(session: Session, staged: StagedImport, *, overwrite: bool = False,
                         step: Callable[[str], None] | None = None) -> ImportPlan:
    """What re-importing the staged package would change (the dry run). Writes nothing."""
    engine = _staging_engine(staged.file)
    try:
        with engine.connect() as conn:
            plan, _counts = _run(session, conn, staged, overwrite, writing=None, step=step)
    finally:
        engine.dispose()
        if session.in_transaction():
            session.rollback()
    return plan


def apply_staged_reimport(session: Session, staged: StagedImport, *, overwrite: bool = False,
                          progress: Callable[[float, str], None] | None = None,
                          cancel: Callable[[], bool] | None = None, editor: str | None = None) -> ImportResult:
    """Re-import the staged package in one transaction; raises ImportCancelled (nothing changed) when `cancel()`
    says so."""
    started = time.perf_counter()
    stepper = _Progress(1, progress, cancel)
    if session.in_transaction():
        session.rollback()
    engine = _staging_engine(staged.file)
    try:
        with session.begin(), engine.connect() as conn:
            _begin_write(session)  # (not apply's 128 MB page cache: a part writes little, and memory is the point)
            ensure_need_taxonomy(session)
            session.flush()
            writing = _Writing(stepper, cancel, editor)
            plan, affected = _run(session, conn, staged, overwrite, writing=writing,
                                  step=lambda what: stepper.phase(0.7 * writing.share, what))
            refreshed = refresh_search(session, affected, stepper)
            stepper.phase(0.97, "Recording the import")
            record_import(session, staged.source, staged.content_hash, staged.format, staged.path,
                          len(staged.service_ids))
            stepper.phase(1.0, "Finishing")
    finally:
        engine.dispose()
    return ImportResult(plan, dict(writing.written), dict(writing.deleted), refreshed, time.perf_counter() - started)


@dataclass
class _Writing:
    stepper: _Progress
    cancel: Callable[[], bool] | None
    editor: str | None
    share: float = 0.0  # of the parts done

    def __post_init__(self) -> None:
        self.written: dict[str, int] = defaultdict(int)
        self.deleted: dict[str, int] = defaultdict(int)


def _run(session: Session, conn: Connection, staged: StagedImport, overwrite: bool, *, writing: _Writing | None,
         step: Callable[[str], None] | None) -> tuple[ImportPlan, set[str]]:
    """Plan (writing None) or plan and write, part by part: the whole import's plan, and the services whose
    search rows need refreshing."""
    step = step or (lambda _what: None)
    step("Comparing with the directory")
    comparison = _compare(session, conn, staged)
    plan = ImportPlan(source=staged.source, overwrite_conflicts=overwrite, unchanged=comparison.unchanged)
    affected: set[str] = set()
    changed_before: set[Key] = set()  # locations and organisations a part changed
    parts = _Parts(session, conn, staged, comparison)
    for part, scope in parts:
        if writing is not None:
            writing.share = parts.share
        step(parts.saying())
        analysis = _analyse(session, part, overwrite, scope=scope, changed_before=changed_before,
                            hashes=staged.service_hash)
        _merge(plan, analysis.plan)
        changed_before |= {key for key in analysis.replace if key[0] != "service"}
        if writing is not None:
            written, deleted, touched = _write(session, part, analysis, None, writing.cancel, writing.editor,
                                               defer_indexes=False, elsewhere_in_input=parts.staged_locations)
            for table, n in written.items():
                writing.written[table] += n
            for table, n in deleted.items():
                writing.deleted[table] += n
            affected |= touched
    plan_retirements(session, plan, tracked_services(session, staged.source, comparison.gone), overwrite)
    if writing is not None and plan.retired:
        who = writing.editor or f"import: {staged.source}"[:200]
        retire_services(session, BulkWriter(session.connection()), staged.source, plan.retired, utc_now(),
                        who)
        affected |= set(plan.retired)
    plan.tables.setdefault("service", TableChanges())
    services = plan.tables["service"]
    services.new, services.changed, services.unchanged = len(plan.new), len(plan.changed), len(plan.unchanged)
    return plan, affected


def _merge(plan: ImportPlan, part: ImportPlan) -> None:
    plan.new += part.new
    plan.changed += part.changed
    plan.unchanged += part.unchanged
    plan.returned += part.returned
    plan.conflicts += part.conflicts
    for sid in (*part.new, *part.changed, *part.returned):
        plan.names[sid] = part.names.get(sid, sid)
    for conflict in part.conflicts:
        plan.names[conflict.service_id] = conflict.name
    for table, counts in part.tables.items():
        if table == "service":
            continue
        total = plan.tables.setdefault(table, TableChanges())
        total.new += counts.new
        total.changed += counts.changed
        total.unchanged += counts.unchanged
        total.removed += counts.removed


def _compare(session: Session, conn: Connection, staged: StagedImport) -> _Comparison:
    """The staged services' fingerprints against those of their last import from this source."""
    hashes = staged.service_hash
    unchanged: list[str] = []
    gone: list[str] = []
    for sid, digest in session.execute(select(ImportedService.service_id, ImportedService.content_hash)
                                       .where(ImportedService.source == staged.source)):
        mine = hashes.get(sid)
        if mine is None:
            gone.append(sid)
        elif mine == digest:
            unchanged.append(sid)
    same = set(unchanged)
    service = _staging_tables()["service"]
    ordered = conn.execute(select(service.c.id).order_by(service.c.organization_id, service.c.id)).scalars()
    return _Comparison([sid for sid in ordered if sid not in same], sorted(unchanged), gone)


class _Parts:
    """The parts of the import, in order: shared rows, then locations and organisations no service is linked to,
    then the candidate services PART at a time. Each part is a Dataset of staged rows (already checked), with
    the services whose tracking it reads."""

    def __init__(self, session: Session, conn: Connection, staged: StagedImport, comparison: _Comparison):
        self.session, self.conn, self.staged = session, conn, staged
        self.tables = _staging_tables()
        self.candidates = comparison.candidates
        self.done: set[str] = set()  # services written already (in their own part, or pulled into another)
        self.share = 0.0
        self._saying = "Comparing with the directory"

    def saying(self) -> str:
        return self._saying

    def __iter__(self) -> Iterator[tuple[Dataset, list[str]]]:
        self._saying = "Comparing taxonomies and rows of records not in the package"
        yield self._part(self._shared())
        unlinked = self._unlinked()
        for start in range(0, len(unlinked), PART):
            self._saying = "Comparing locations and organisations no service is linked to"
            yield self._part(self._bundles(set(unlinked[start:start + PART])))
        total = len(self.candidates)
        for start in range(0, total, PART):
            chunk = [sid for sid in self.candidates[start:start + PART] if sid not in self.done]
            self.share = start / max(total, 1)
            self._saying = f"Comparing services that changed: {start:,} of {total:,}"
            if chunk:
                yield self._part(self._bundles({("service", sid) for sid in chunk}))
        self.share = 1.0

    # ------------------------------------------------------------------ reading parts

    def _select(self, table: str, column: str, values: set[str] | list[str]) -> list[tuple]:
        staged = self.tables[table]
        names = self._names(table)
        ordered = sorted(values)
        found = []
        for start in range(0, len(ordered), IN_LIST):
            query = select(*[staged.c[n] for n in names]).where(staged.c[column].in_(ordered[start:start + IN_LIST]))
            found += self.conn.execute(query).all()
        return found

    def _names(self, table: str) -> list[str]:
        return [c.name for c in MODELS[table].__table__.columns if not (table == "service" and c.name == "version")]

    def _rows(self, table: str, found: list[tuple]) -> dict[str, dict[str, Any]]:
        """Staged rows as the import writes them (as stage._copy): the columns the input gave, and others only
        where a row has a value."""
        given = set(self.staged.columns.get(table, ()))
        names = self._names(table)
        return {values[0]: {n: v for n, v in zip(names, values) if v is not None or n in given} for values in found}

    def _shared(self) -> dict[str, dict[str, dict[str, Any]]]:
        rows: dict[str, dict[str, dict[str, Any]]] = {}
        for table in SHARED:
            staged = self.tables[table]
            rows[table] = self._rows(table, self.conn.execute(select(*[staged.c[n] for n in self._names(table)]))
                                     .all())
        for table in CHILDREN:
            staged = self.tables[table]
            query = select(*[staged.c[n] for n in self._names(table)]).where(staged.c[OWNER].is_(None))
            rows[table] = self._rows(table, self.conn.execute(query).all())
        rows["attribute"] = self._rows("attribute", self._select("attribute", "id", self.staged.unowned_attributes))
        self._close(rows, set())
        return rows

    def _unlinked(self) -> list[Key]:
        """Locations no service is at and organisations that run no service, in the package."""
        location, sal = self.tables["location"], self.tables["service_at_location"]
        organization, service = self.tables["organization"], self.tables["service"]
        at = select(sal.c.location_id).where(sal.c.location_id.is_not(None))
        run = select(service.c.organization_id).where(service.c.organization_id.is_not(None))
        return [("organization", i) for i in self.conn.execute(
                    select(organization.c.id).where(organization.c.id.not_in(run)).order_by(organization.c.id)).scalars()] + \
               [("location", i) for i in self.conn.execute(
                   select(location.c.id).where(location.c.id.not_in(at)).order_by(location.c.id)).scalars()]

    def _bundles(self, keys: set[Key]) -> dict[str, dict[str, dict[str, Any]]]:
        """These owners with every row they own; a service's organisation and locations with theirs too; and
        whatever new record (not yet in the directory) the rows point at, with its own rows."""
        rows: dict[str, dict[str, dict[str, Any]]] = {}
        self._add_owners(rows, keys)
        linked: set[Key] = set()
        for row in rows.get("service", {}).values():
            if row.get("organization_id") is not None:
                linked.add(("organization", row["organization_id"]))
        for row in rows.get("service_at_location", {}).values():
            if row.get("location_id") is not None:
                linked.add(("location", row["location_id"]))
        self._add_owners(rows, linked - keys)
        self._close(rows, keys | linked)
        return rows

    def _add_owners(self, rows: dict[str, dict[str, dict[str, Any]]], keys: set[Key]) -> None:
        """Owners (only those in the package) and the rows they own."""
        if not keys:
            return
        for kind in OWNERS:
            ids = {oid for k, oid in keys if k == kind}
            if ids:
                rows.setdefault(kind, {}).update(self._rows(kind, self._select(kind, "id", ids)))
        owned = {owner_key(k) for k in keys}
        for table in CHILDREN:
            found = self._rows(table, self._select(table, OWNER, owned))
            if found:
                rows.setdefault(table, {}).update(found)
        ids = set().union(*(set(r) for t, r in rows.items() if t != "attribute"))
        wanted = ids - {a.get("link_id") for a in rows.get("attribute", {}).values()}
        found = self._rows("attribute", self._select("attribute", "link_id", wanted))
        if found:
            rows.setdefault("attribute", {}).update(found)

    def _close(self, rows: dict[str, dict[str, dict[str, Any]]], keys: set[Key]) -> None:
        """Pull in the owners of new records the part's rows point at (written in a later part, the row could
        not be written first), until nothing is missing."""
        while True:
            wanted: dict[str, set[str]] = defaultdict(set)
            for table, table_rows in rows.items():
                for column, target in LINKS.get(table, ()):
                    have = rows.get(target, {})
                    for row in table_rows.values():
                        value = row.get(column)
                        if value is not None and value not in have:
                            wanted[target].add(value)
            more: set[Key] = set()
            for target, ids in wanted.items():
                missing = ids - self._in_directory(target, ids)
                if not missing:
                    continue
                if target in OWNERS:
                    more |= {(target, i) for i in self._staged_ids(target, missing)}
                else:
                    for values in self._select(target, "id", missing):
                        owner = self._owner_of(target, values[0])
                        if owner is not None:
                            more.add(owner)
            more = {k for k in more - keys if not (k[0] == "service" and k[1] in self.done)}
            if not more:
                return
            keys |= more
            self._add_owners(rows, more)

    def _in_directory(self, table: str, ids: set[str]) -> set[str]:
        model = MODELS[table]
        found: set[str] = set()
        for chunk in _chunks(sorted(ids)):
            found.update(self.session.execute(select(model.id).where(model.id.in_(chunk))).scalars())
        return found

    def _staged_ids(self, table: str, ids: set[str]) -> set[str]:
        staged = self.tables[table]
        ordered = sorted(ids)
        found: set[str] = set()
        for start in range(0, len(ordered), IN_LIST):
            found.update(self.conn.execute(select(staged.c.id).where(
                staged.c.id.in_(ordered[start:start + IN_LIST]))).scalars())
        return found

    def _owner_of(self, table: str, row_id: str) -> Key | None:
        staged = self.tables[table]
        key = self.conn.execute(select(staged.c[OWNER]).where(staged.c.id == row_id)).scalar()
        if not key:
            return None
        kind, _sep, oid = key.partition(":")
        return kind, oid

    def _part(self, rows: dict[str, dict[str, dict[str, Any]]]) -> tuple[Dataset, list[str]]:
        """The part as a Dataset, and its services (it reads their tracking; none is in a later part)."""
        part = Dataset(source=self.staged.source, path=self.staged.path, format=self.staged.format,
                       content_hash=self.staged.content_hash, complete=False, validated=True)
        for table in TABLE_ORDER:
            if rows.get(table):
                part.tables[table] = DataTable(table, list(rows[table].values()),
                                               columns=set(self.staged.columns.get(table, ())))
        services = sorted(rows.get("service", {}))
        self.done.update(services)
        return part, services

    def staged_locations(self, ids: set[str]) -> set[str]:
        """Which of these locations the package has (a part leaves them: another part may be at them)."""
        return self._staged_ids("location", ids)
