"""A first import of a large HSDS datapackage, staged on disk rather than held in memory.

100,000 services are about 1.3 million rows; as Python objects they took more than a gigabyte. When the
directory has nothing yet (a first import: everything is new, nothing to compare), each CSV file is read a
piece at a time, a chunk of rows is checked with the checks every import uses (validate's _Checker), and the
rows go to a temporary SQLite file. What crosses tables is done once every file is staged: ketdir's own
fields carried as attributes, need types for foreign terms, and the fingerprints that let the next import
see what changed. Applying copies the staged rows into the directory in one transaction.

A large re-import is staged the same way, with two differences: links may point at records already in the
directory, and each row's owner (the service, location or organisation whose record it is part of, as apply
groups rows) is kept with it, so interop.staged_reimport can compare and write a chunk of services at a time.

Other formats and small packages are read whole as usual (load.read_any); both ways give the same rows, problems
and fingerprints (tests/interop/test_staged.py).
"""
from __future__ import annotations

import csv
import hashlib
import io
import sys
import tempfile
import time
from collections import defaultdict
from operator import itemgetter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, create_engine, event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ketdir.store.times import utc_now
from ketdir.interop import extensions
from ketdir.interop.apply import (
    BULK_INDEX_MIN,
    ImportCancelled,
    ImportPlan,
    ImportResult,
    Key,
    OWNER_FIELDS,
    OWNERS,
    TableChanges,
    _Owners,
    _begin_write,
    has_dates,
    row_checksums,
    service_hashes,
)
from ketdir.interop.bulk import BulkWriter, SecondaryIndexesDeferred
from ketdir.interop.dataset import (
    ENUMS,
    ERROR,
    LABELS,
    LOCAL_ONLY,
    MODELS,
    NOT_KEPT_STEMS,
    TABLE_ORDER,
    WARNING,
    Dataset,
    Problem,
    Table as DataTable,
    UnmappedTerm,
    Where,
    column_default,
    table_for_stem,
)
from ketdir.interop.read_datapackage import (
    LEGACY_STEMS,
    PackageFiles,
    SourceProblem,
    _descriptor,
    _package_name,
    _usable,
    open_package,
)
from ketdir.interop.need_mapping import NO_NEED, NeedMapping
from ketdir.interop.postcode_places import place_rows, postcodes_by_location
from ketdir.interop.taxonomy_map import TaxonomyMap, load_taxonomy_map
from ketdir.interop.textfiles import PIECE, normalise_header, scan_encoding
from ketdir.interop.validate import _Bad, _Checker, _drop_need_taxonomy, _normalise_enum, converter
from ketdir.store.search_index import search_index
from ketdir.store.engine import set_meta
from ketdir.store.index import refresh_all
from ketdir.store.models import ChangeHistory, ImportedService, ImportSource, Service, stable_id
from ketdir.store.records import ensure_need_taxonomy, need_term_id

# Parents before children, as validation needs; attributes early, so that ketdir's own fields they carry are
# known before the rows they belong to are staged.
STAGE_ORDER = ("taxonomy", "taxonomy_term", "attribute", "organization", "location", "address", "accessibility",
               "service", "service_at_location", "contact", "phone", "schedule", "service_area", "language",
               "cost_option")
CHUNK = 20_000  # rows checked at a time
MIN_BYTES = 32 * 1024 * 1024  # smaller packages are read whole, the usual way (tests lower this)
LINE = "ketdir_line"  # the staged row's place in its file, for messages
OWNER = "ketdir_owner"  # a re-import's staged row's owner, "kind:id" (None: none in the package); see owner_key
PLAN_NAMES = 10  # the plan names this many services; the rest are counted


@dataclass(slots=True)
class _Carried:
    """A ketdir field travelling as an attribute: set on (or, if derived, cleared from) another row."""

    table: str
    field: str
    link_id: str
    value: Any
    file: str
    line: int | str | None
    derived: bool = False


@dataclass
class StagedImport:
    """A checked first import, its rows in a temporary SQLite file until it is applied (or dropped)."""

    source: str
    path: str
    problems: list[Problem]
    folder: tempfile.TemporaryDirectory = field(repr=False)
    content_hash: str = ""
    format: str = "datapackage"
    complete: bool = True
    counts: dict[str, int] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)  # provided model columns of each table
    files: dict[str, str] = field(default_factory=dict)  # table -> the file it came from
    service_ids: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    service_hash: dict[str, str] = field(default_factory=dict)
    unmapped_terms: list[UnmappedTerm] = field(default_factory=list)
    reimport: bool = False  # staged to compare with a directory that has services (interop.staged_reimport)
    unowned_attributes: list[str] = field(default_factory=list)  # a re-import's attributes of no owner in the package

    @property
    def file(self) -> Path:
        return Path(self.folder.name) / "staged.db"

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    def plan(self) -> ImportPlan:
        plan = ImportPlan(source=self.source, new=list(self.service_ids))
        plan.tables = {table: TableChanges(new=self.counts[table]) for table in TABLE_ORDER if self.counts.get(table)}
        plan.names = dict(self.names)
        return plan

    def close(self) -> None:
        self.folder.cleanup()


# ------------------------------------------------------------------------------------------ deciding


def package_size(path: Path) -> int:
    """Bytes of CSV in a folder or zip (uncompressed); 0 when it cannot be told."""
    import zipfile

    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.glob("*.csv"))
        with zipfile.ZipFile(path) as archive:
            return sum(i.file_size for i in archive.infolist() if i.filename.lower().endswith(".csv"))
    except (OSError, zipfile.BadZipFile):
        return 0


def stageable(path: Path) -> bool:
    """A large HSDS 3.0 datapackage (legacy Open Referral tables are read whole: they are converted)."""
    if package_size(path) < MIN_BYTES:
        return False
    try:
        files = open_package(path)
    except SourceProblem:
        return False
    stems = {Path(name).stem.lower() for name in files.members if name.lower().endswith(".csv")}
    return not (stems & LEGACY_STEMS) and any(table_for_stem(s) == "service" for s in stems)


# ------------------------------------------------------------------------------------------ staging tables


def _staging_tables() -> dict[str, Table]:
    """The models' tables without their constraints (the checks are ketdir's own), plus each row's line."""
    metadata = MetaData()
    tables = {}
    for name in TABLE_ORDER:
        model = MODELS[name].__table__
        table = Table(name, metadata, *[Column(c.name, c.type) for c in model.columns], Column(LINE, Integer),
                      Column(OWNER, String))
        Index(f"ix_staged_{name}_id", table.c.id)
        tables[name] = table
    return tables


def _staging_engine(file: Path):
    engine = create_engine(f"sqlite:///{file}")

    @event.listens_for(engine, "connect")
    def _fast(dbapi_conn, _record) -> None:  # a scratch file: nothing to recover if the machine stops
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -16384", "temp_store = FILE"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    return engine


# ------------------------------------------------------------------------------------------ reading files


def _rows(files: PackageFiles, name: str, encoding: str | None, problems: list[Problem]
          ) -> tuple[list[str], Iterator[tuple[int, list[str]]]] | None:
    """The header and (line, cells) of one CSV file, read a piece at a time; None if it cannot be read."""
    try:
        with files.open(name) as stream:
            decoded = scan_encoding(stream, name, encoding)
    except (OSError, EOFError) as exc:
        problems.append(Problem(ERROR, name, None, None, f"this file cannot be read ({exc}).", code="file"))
        return None
    if decoded.note is not None:
        problems.append(decoded.note)
    csv.field_size_limit(64 * 1024 * 1024)
    stream = files.open(name)
    text = io.TextIOWrapper(stream, encoding=decoded.encoding, newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        text.close()
        problems.append(_unreadable(name, 1, exc))
        return None
    if header is None:
        text.close()
        return [], iter(())

    def cells() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in enumerate(reader, start=2):
                if row and (row[0] or any(row)):
                    yield number, row
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.append(_unreadable(name, reader.line_num, exc))
        finally:
            text.close()

    return header, cells()


def _unreadable(name: str, line: int, exc: Exception) -> Problem:
    if isinstance(exc, UnicodeDecodeError):
        return Problem(ERROR, name, line, None, f"cannot be read as {exc.encoding} ({exc.reason}). Choose another "
                       "encoding, or leave it to ketdir to detect.", code="encoding")
    return Problem(ERROR, name, line, None, f"the file cannot be read as CSV ({exc}). Check the file is a CSV "
                   "export and not damaged.", code="csv")


def _content_hash(files: PackageFiles) -> str:
    """The same hash read_datapackage gives: names and bytes of the package's CSV and JSON files."""
    digest = hashlib.sha256()
    for name in sorted(files.members):
        if not name.lower().endswith((".csv", ".json")):
            continue
        digest.update(name.encode() + b"\0")
        with files.open(name) as stream:
            while piece := stream.read(PIECE):
                digest.update(piece)
        digest.update(b"\0")
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------ staging


class _Stager:
    def __init__(self, path: Path, source: str | None, encoding: str | None, taxonomy_map: TaxonomyMap | None,
                 check: Callable[[str, int], None], directory: Session | None = None):
        self.path = path
        self.directory = directory  # a re-import: links may point at its records; owners are kept
        self.encoding = encoding
        self.taxonomy_map = taxonomy_map or load_taxonomy_map()
        self.step = check
        self.staged = StagedImport(source=source or "", path=str(path), problems=[],
                                   folder=tempfile.TemporaryDirectory(prefix="ketdir-staged-"),
                                   reimport=directory is not None)
        self.tables = _staging_tables()
        self.engine = _staging_engine(self.staged.file)
        next(iter(self.tables.values())).metadata.create_all(self.engine)
        self.conn: Connection = self.engine.connect()
        self.writer = BulkWriter(self.conn)
        self.problems = self.staged.problems
        self.columns: dict[str, set[str]] = {}
        self.carried: list[_Carried] = []
        self.ketdir_terms = set(extensions.BY_TERM) | {extensions.DERIVED_TERM_ID}
        self.declared = False
        self.held: dict[str, list[tuple[dict[str, Any], Where]]] = defaultdict(list)  # ketdir's own terms
        self.skipped: set[str] = set()  # tables without a column every row needs: not checked further
        self.read: dict[str, int] = defaultdict(int)  # rows read from each table's file
        self._carry_index: dict[str, dict[str, list[int]]] | None = None
        self.applied: set[int] = set()  # carried values set on their rows as those were staged
        self.fingerprints = _Fingerprints(self.conn, self.tables)
        self.postcodes: dict[str, str] = {}  # location id -> its address's postcode (interop.postcode_places)

    # -------------------------------------------------------------------- files

    def run(self) -> StagedImport:
        staged = self.staged
        try:
            files = open_package(self.path)
        except SourceProblem as exc:
            self.problems.append(exc.problem)
            return self._done()
        staged.source = staged.source or _package_name(files) or self.path.stem
        declared_encodings: dict[str, str] = {}
        by_descriptor = _descriptor(files, self.problems, declared_encodings)
        by_table: dict[str, str] = {}
        for name in sorted(files.members):
            if not name.lower().endswith(".csv"):
                continue
            stem = (by_descriptor.get(name) or Path(name).stem).strip().lower()
            table = table_for_stem(stem)
            if table is None:
                if stem in NOT_KEPT_STEMS:
                    self.problems.append(Problem(WARNING, name, None, None,
                                                 f"ketdir does not keep {NOT_KEPT_STEMS[stem].replace('_', ' ')} "
                                                 "records; this file was read past.", code="not-kept"))
                else:
                    self.problems.append(Problem(WARNING, name, None, None, "this is not an HSDS table ketdir "
                                                 "knows; it was ignored.", code="unknown-file"))
                continue
            if table in by_table:
                self.problems.append(Problem(ERROR, name, None, None, f"two files hold the same table "
                                             f"({by_table[table]} and {name}); keep one.", code="duplicate-table"))
                continue
            by_table[table] = name
        staged.files = dict(by_table)
        encodings = {t: self.encoding or _usable(declared_encodings.get(n)) for t, n in by_table.items()}
        if "address" in by_table and "location" in by_table:  # read ahead: locations are staged first
            unplaced = self._unplaced(files, by_table["location"], encodings["location"])
            if unplaced:
                self.postcodes = self._postcodes(files, by_table["address"], encodings["address"], unplaced)
        for table in STAGE_ORDER:
            if table in by_table:
                self._stage_file(files, table, by_table[table], encodings[table])
                if table == "service":
                    self._check_services_file(files, encodings)
        self._finish_extensions()
        if not any(staged.counts.values()) and not staged.errors:
            self.problems.append(Problem(ERROR, files.label, None, None,
                                         "no HSDS tables were found (expected files such as services.csv and "
                                         "organizations.csv). Choose the folder or zip of an HSDS export.",
                                         code="empty"))
        if not staged.errors:
            self.step("Matching need types", 0)
            self._map_needs()
        if not staged.errors:
            self.step("Fingerprinting the services", 0)
            self._fingerprints()
        staged.content_hash = _content_hash(files)
        return self._done()

    def _done(self) -> StagedImport:
        staged = self.staged
        staged.columns = {t: sorted(c for c in cols if c not in LOCAL_ONLY.get(t, ()))
                          for t, cols in self.columns.items()}
        staged.source = staged.source or self.path.stem
        if staged.reimport and not staged.errors:
            self._index_for_parts()
        self.conn.commit()
        self.conn.close()
        self.engine.dispose()
        return staged

    def _index_for_parts(self) -> None:
        """What interop.staged_reimport reads a part by: rows by owner, attributes by what they link to, the
        services and locations organisations and locations are linked from."""
        columns = [(t, OWNER) for t in TABLE_ORDER if t not in (*OWNERS, "taxonomy", "taxonomy_term", "attribute")]
        columns += [("attribute", "link_id"), ("service_at_location", "location_id"), ("service", "organization_id")]
        for table, column in columns:
            if self.staged.counts.get(table):
                self.conn.exec_driver_sql(f'CREATE INDEX "ix_part_{table}_{column}" ON "{table}" ("{column}")')

    def _stage_file(self, files: PackageFiles, table: str, name: str, encoding: str | None) -> None:
        read = _rows(files, name, encoding, self.problems)
        if read is None:
            return
        header, cells = read
        norm = [normalise_header(h) for h in header]
        width = len(norm)
        provided = {h for h in norm if h}
        first = True
        chunk: list[tuple[int, list[str]]] = []
        for number, row in cells:
            if len(row) > width and any(c.strip() for c in row[width:]):
                self.problems.append(Problem(WARNING, name, number, None,
                                             f"this row has {len(row)} cells but the header has {width}; the extra "
                                             "cells were ignored. Check for a stray delimiter.", code="extra-cells"))
            chunk.append((number, row))
            if len(chunk) >= CHUNK:
                self._stage_chunk(table, name, norm, provided, chunk, first)
                first, chunk = False, []
        if chunk or first:
            self._stage_chunk(table, name, norm, provided, chunk, first)

    def _stage_chunk(self, table: str, file: str, header: list[str], provided: set[str],
                     cells: list[tuple[int, list[str]]], first: bool) -> None:
        self.step(f"Checking {file}", 0)
        self.read[table] += len(cells)
        data = DataTable(table, [dict(zip(header, row)) for _n, row in cells], [Where(file, n) for n, _r in cells],
                         set(provided), [file])
        chunk = Dataset(source=self.staged.source, path=self.staged.path, format="datapackage",
                        tables={table: data})
        for other, other_file in self.staged.files.items():  # names files in messages about broken links
            chunk.tables.setdefault(other, DataTable(other, files=[other_file]))
        if table in ("taxonomy", "taxonomy_term"):
            self._hold_ketdir(data)
            _drop_need_taxonomy(chunk)
        elif table == "attribute":
            self._carry(data)
        else:
            self._apply_carried(table, data)
        # Links are looked up among the staged rows (and, for a re-import, in the directory).
        checker = _Checker(chunk, self._lookups(), self.taxonomy_map)
        errors_before = len(self.staged.errors)
        if first:
            checker.check_columns(data)
            self.columns[table] = set(data.columns)
            self.skipped |= checker.skip_tables
        else:
            data.columns &= self.columns.get(table, set())
        if table in self.skipped:
            self._keep_problems(chunk, first)
            return
        if data.rows:
            checker.coerce(data)
            self._repeated_ids(data)
        if table == "location" and data.rows and not chunk.errors:
            chunk.problems.extend(place_rows(data.rows, data.where, self.columns[table], self.postcodes))
            data.columns = set(self.columns[table])
        clean = not self.staged.errors and len([p for p in chunk.problems if p.is_error]) == 0
        if clean and data.rows:
            checker.check_references(data)
            checker.check_content()
        self._keep_problems(chunk, first)
        if data.rows and len(self.staged.errors) == errors_before:
            if not self.staged.errors and table not in ("taxonomy", "taxonomy_term", "attribute"):
                owners = self.fingerprints.add(table, sorted(self.columns[table] - set(LOCAL_ONLY.get(table, ()))),
                                               data.rows)
                if self.staged.reimport:
                    for row, owner in zip(data.rows, owners):
                        row[OWNER] = owner_key(owner)
            self._write(table, data)

    def _unplaced(self, files: PackageFiles, name: str, encoding: str | None) -> set[str]:
        """The ids of the locations without coordinates (usually none: then the addresses need no reading ahead).
        Problems with the file are said when it is staged."""
        cells = self._columns_of(files, name, encoding, ("id", "latitude", "longitude"))
        return {row["id"].strip() for row in cells if (row.get("id") or "").strip() and (
            not (row.get("latitude") or "").strip() or not (row.get("longitude") or "").strip())}

    def _postcodes(self, files: PackageFiles, name: str, encoding: str | None, unplaced: set[str]) -> dict[str, str]:
        """interop.postcode_places.postcodes_by_location over the address file, for the unplaced locations."""
        cells = self._columns_of(files, name, encoding, ("location_id", "postal_code", "address_type"))
        return postcodes_by_location(row for row in cells if (row.get("location_id") or "").strip() in unplaced)

    @staticmethod
    def _columns_of(files: PackageFiles, name: str, encoding: str | None,
                    columns: tuple[str, ...]) -> Iterator[dict[str, str | None]]:
        read = _rows(files, name, encoding, [])
        if read is None:
            return iter(())
        header, cells = read
        names = [normalise_header(h) for h in header]
        wanted = [(n, names.index(n)) for n in columns if n in names]
        return ({n: row[i] if i < len(row) else None for n, i in wanted} for _line, row in cells)

    def _lookups(self):
        return self.conn if self.directory is None else _StagedThenDirectory(self.conn, self.directory)

    def _keep_problems(self, chunk: Dataset, first: bool) -> None:
        for problem in chunk.problems:
            if not first and problem.code in ("not-kept-columns", "missing-column"):
                continue
            self.problems.append(problem)

    def _repeated_ids(self, data: DataTable) -> None:
        """An id used by a row of an earlier chunk (one chunk's own repeats are found by coerce)."""
        table = self.tables[data.name]
        ids = [row.get("id") for row in data.rows if row.get("id") is not None]
        earlier: dict[str, int] = {}
        for start in range(0, len(ids), 900):
            part = ids[start:start + 900]
            earlier.update(self.conn.execute(select(table.c.id, table.c[LINE]).where(table.c.id.in_(part))).all())
        if not earlier:
            return
        file = data.files[0]
        for row, where in zip(data.rows, data.where):
            if row.get("id") in earlier:
                self.problems.append(Problem(
                    ERROR, where.file, where.row, "id",
                    f"the id {row['id']} is used twice (also at {file}:{earlier[row['id']]}). Each "
                    f"{LABELS[data.name]} needs its own id.", code="duplicate-id"))

    def _write(self, table: str, data: DataTable) -> None:
        for row, where in zip(data.rows, data.where):
            row[LINE] = where.row
        extra = (LINE, OWNER) if self.staged.reimport else (LINE,)
        names = [c for c in (*sorted(self.columns[table]), *extra) if c in self.tables[table].c]
        self.writer.insert(self.tables[table], data.rows, names)
        self.staged.counts[table] = self.staged.counts.get(table, 0) + len(data.rows)

    # -------------------------------------------------------------------- ketdir's own fields

    def _hold_ketdir(self, data: DataTable) -> None:
        """ketdir's own taxonomy and terms wait (as in extensions.absorb) until the attributes say whether this
        is a ketdir export."""
        keep_rows, keep_where = [], []
        for row, where in zip(data.rows, data.where):
            ours = (data.name == "taxonomy" and str(row.get("id")) == extensions.TAXONOMY_ID) or \
                (data.name == "taxonomy_term" and (str(row.get("taxonomy") or "").strip() == extensions.TAXONOMY_NAME
                                                   or str(row.get("taxonomy_id") or "") == extensions.TAXONOMY_ID))
            if ours:
                if data.name == "taxonomy":
                    self.declared = True
                else:
                    self.ketdir_terms.add(str(row.get("id")))
                self.held[data.name].append((row, where))
                continue
            keep_rows.append(row)
            keep_where.append(where)
        data.rows, data.where = keep_rows, keep_where

    def _carry(self, data: DataTable) -> None:
        keep_rows, keep_where = [], []
        for row, where in zip(data.rows, data.where):
            term = str(row.get("taxonomy_term_id") or "")
            if term not in self.ketdir_terms:
                keep_rows.append(row)
                keep_where.append(where)
                continue
            link = str(row.get("link_id"))
            if term == extensions.DERIVED_TERM_ID:
                table = str(row.get("link_entity") or "")
                if table in extensions.DERIVED_TABLES and row.get("value"):
                    self.carried.append(_Carried(table, str(row["value"]), link, None, where.file, where.row, True))
                continue
            f = extensions.BY_TERM.get(term)
            if f is None:
                self.problems.append(Problem(WARNING, where.file, where.row, where.field("taxonomy_term_id"),
                                             "this ketdir field is not known to this version of ketdir; it was "
                                             "ignored.", code="ketdir-field"))
                continue
            value = row.get("value")
            value = None if value in (None, "") and f.default is None else value
            self.carried.append(_Carried(f.table, f.name, sys.intern(link), value, where.file, where.row))
        data.rows, data.where = keep_rows, keep_where

    def _index_carried(self) -> dict[str, dict[str, list[int]]]:
        if self._carry_index is None:
            self._carry_index = defaultdict(lambda: defaultdict(list))
            for i, carried in enumerate(self.carried):
                self._carry_index[carried.table][carried.link_id].append(i)
        return self._carry_index

    def _apply_carried(self, table: str, data: DataTable) -> None:
        """As extensions.absorb, for rows staged after the attributes: a field a ketdir export leaves out has its
        default value, and the values the attributes carry are set (checked with the row's other values)."""
        if not self.carried and not self.declared:
            return
        fields = [f for f in extensions.FIELDS if f.table == table]
        for row in data.rows:
            for f in fields:
                row.setdefault(f.name, f.default)
        data.columns.update(f.name for f in fields)
        index = self._index_carried().get(table)
        if not index:
            return
        for row in data.rows:
            for i in index.get(str(row.get("id")), ()):
                carried = self.carried[i]
                if carried.derived:
                    if carried.field in row:
                        row[carried.field] = None
                        self.applied.add(i)
                else:
                    row[carried.field] = carried.value
                    self.applied.add(i)

    def _finish_extensions(self) -> None:
        """What the attributes carried for rows staged before them (ketdir's derived descriptions of taxonomies
        and terms, attributes' labels), and warnings for what belongs to nothing in the import."""
        if not self.carried and not self.declared:
            for name in ("taxonomy", "taxonomy_term"):  # they were only someone's terms called "ketdir"
                if self.held.get(name):
                    rows = self.held.pop(name)
                    self._stage_rows(name, rows[0][1].file, rows)
            return
        if self.staged.counts.get("attribute"):
            self.columns.setdefault("attribute", set()).update(f.name for f in extensions.FIELDS
                                                               if f.table == "attribute")
        updates: dict[tuple[str, str], list[tuple[Any, str]]] = defaultdict(list)
        late: list[int] = []
        for i, carried in enumerate(self.carried):
            if i in self.applied:
                continue
            if carried.table in ("taxonomy", "taxonomy_term", "attribute") and self.staged.counts.get(carried.table) \
                    and carried.field in self.tables[carried.table].c and carried.field not in ("id", LINE):
                try:
                    value = None if carried.derived else self._convert(carried.table, carried.field, carried.value)
                except _Bad as exc:
                    self.problems.append(Problem(ERROR, carried.file, carried.line, "value", str(exc),
                                                 code="bad-value"))
                    continue
                updates[(carried.table, carried.field)].append((value, carried.link_id))
                late.append(i)
        for (name, column), pairs in updates.items():
            process = self.tables[name].c[column].type.bind_processor(self.conn.dialect)
            params = [(process(v) if process is not None and v is not None else v, link) for v, link in pairs]
            self.conn.exec_driver_sql(f'UPDATE "{name}" SET "{column}" = ? WHERE id = ?', params)
        present: dict[str, set[str]] = {}
        for name in {self.carried[i].table for i in late}:
            links = sorted({self.carried[i].link_id for i in late if self.carried[i].table == name})
            present[name] = set()
            for start in range(0, len(links), 900):
                table = self.tables[name]
                present[name].update(self.conn.execute(select(table.c.id).where(table.c.id.in_(
                    links[start:start + 900]))).scalars())
        for i, carried in enumerate(self.carried):
            done = i in self.applied or (i in late and carried.link_id in present.get(carried.table, ()))
            if done or carried.derived:
                continue
            self.problems.append(Problem(WARNING, carried.file, carried.line, "link_id",
                                         f"this ketdir field ({carried.field}) belongs to a {carried.table} that is "
                                         "not in the import; it was ignored.", code="ketdir-field"))

    def _convert(self, table: str, name: str, value: Any) -> Any:
        """A value for a column, as validation coerces it (raises _Bad when it cannot be stored)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        col = MODELS[table].__table__.c[name]
        convert = converter(col)
        if convert is not None:
            return convert(value)
        value = str(value)
        enum = ENUMS.get((table, name))
        if enum is not None:
            value = _normalise_enum(table, name, value)
            if value not in enum:
                raise _Bad(f"“{value}” is not one of the allowed values: {', '.join(enum)}. Use one of those (HSDS "
                           "fixes this list).")
        return value

    def _stage_rows(self, table: str, file: str, rows: list[tuple[dict[str, Any], Where]]) -> None:
        data = DataTable(table, [r for r, _w in rows], [w for _r, w in rows], set(self.columns.get(table, ())),
                         [file])
        chunk = Dataset(source=self.staged.source, path=self.staged.path, format="datapackage",
                        tables={table: data})
        checker = _Checker(chunk, self._lookups(), self.taxonomy_map)
        checker.coerce(data)
        self._keep_problems(chunk, False)
        if not chunk.errors:
            self._write(table, data)

    def _check_services_file(self, files: PackageFiles, encodings: dict[str, str | None]) -> None:
        """As read_datapackage: a services file with no rows while other files point at services is one error
        (before the other files are checked, which would each find every link broken)."""
        file = self.staged.files.get("service")
        if file is None or self.read.get("service"):
            return
        pointing = []
        for table, other in sorted(self.staged.files.items()):
            read = _rows(files, other, encodings.get(table), [])
            if read is None:
                continue
            header, cells = read
            names = [normalise_header(h) for h in header]
            if "service_id" in names:
                at = names.index("service_id")
                if any(at < len(row) and row[at] for _n, row in cells):
                    pointing.append(other)
            cells.close()
        if pointing:
            self.problems.append(Problem(
                ERROR, file, None, None,
                f"this file has no rows (only its header), but {', '.join(sorted(pointing))} refer to services it "
                "should hold: the export is incomplete. Export or download it again.", code="empty-services"))

    # -------------------------------------------------------------------- need types

    def _map_needs(self) -> None:
        """validate's map_needs, over the staged rows: foreign terms to need types, and what is left unmapped."""
        for problem in self.taxonomy_map.problems:
            self.problems.append(problem)
        terms_table, taxonomies, attributes, services = (self.tables[t] for t in
                                                         ("taxonomy_term", "taxonomy", "attribute", "service"))
        terms = {r["id"]: dict(r) for r in self.conn.execute(select(terms_table)).mappings()}
        if self.directory is not None:  # a re-import's attributes may name terms the directory has
            from ketdir.store.models import TaxonomyTerm

            named = set(self.conn.execute(select(attributes.c.taxonomy_term_id).distinct()).scalars())
            wanted = sorted(t for t in named - set(terms) if t is not None)
            for start in range(0, len(wanted), 900):
                for row in self.directory.execute(select(*TaxonomyTerm.__table__.c).where(
                        TaxonomyTerm.id.in_(wanted[start:start + 900]))).mappings():
                    terms[row["id"]] = dict(row)
        taxonomy_names = {r.id: r.name or "" for r in self.conn.execute(select(taxonomies.c.id, taxonomies.c.name))}
        service_ids = set(self.conn.execute(select(services.c.id)).scalars())
        attribute_file = self.staged.files.get("attribute", LABELS["attribute"])
        mapping = NeedMapping(self.taxonomy_map, terms, taxonomy_names, service_ids)
        columns = self.columns.setdefault("attribute", set())
        new_rows: dict[str, dict[str, Any]] = {}
        query = select(attributes.c.link_id, attributes.c.taxonomy_term_id, attributes.c[LINE])
        for link, term_id, line in self.conn.execute(query):
            for code in mapping.needs_for(link, term_id, line):
                need_id = stable_id(link, "need", code)
                new_rows.setdefault(need_id, {"id": need_id, "link_id": link, "taxonomy_term_id": need_term_id(code),
                                              "link_type": "need", "link_entity": "service", LINE: line})
        ids = list(new_rows)
        for start in range(0, len(ids), 900):  # a need attribute the input already has is not added again
            for there in self.conn.execute(select(attributes.c.id).where(attributes.c.id.in_(ids[start:start + 900]))
                                           ).scalars():
                new_rows.pop(there, None)
        if not self.staged.counts.get("attribute"):
            columns |= {"id", "link_id", "taxonomy_term_id", "link_type", "link_entity"}
        if new_rows:
            self.writer.insert(attributes, list(new_rows.values()), ["id", "link_id", "taxonomy_term_id", "link_type",
                                                                     "link_entity", LINE])
            self.staged.counts["attribute"] = self.staged.counts.get("attribute", 0) + len(new_rows)
        for line, message in mapping.guess_warnings():
            self.problems.append(Problem(WARNING, attribute_file, line, "taxonomy_term_id", message,
                                         code="guessed-term"))
        for line, term, message in mapping.unmapped_terms():
            self.staged.unmapped_terms.append(term)
            self.problems.append(Problem(WARNING, attribute_file, line, "taxonomy_term_id", message,
                                         code="unmapped-term"))
        service_file = self.staged.files.get("service", LABELS["service"])
        for sid, line, name in self.conn.execute(select(services.c.id, services.c[LINE], services.c.name)):
            if len(self.staged.names) < PLAN_NAMES:
                self.staged.names[sid] = name or sid
            self.staged.service_ids.append(sid)
            if sid not in mapping.has_need:
                self.problems.append(Problem(WARNING, service_file, line, None, NO_NEED, code="no-need"))

    # -------------------------------------------------------------------- fingerprints

    def _fingerprints(self) -> None:
        """The attributes' checksums (their owners were staged after them), then each service's hash."""
        table = self.tables["attribute"]
        if self.staged.counts.get("attribute"):
            cols = sorted(self.columns.get("attribute", set()) - set(LOCAL_ONLY.get("attribute", ())))
            need = sorted({*cols, "id", "link_id"})
            result = self.conn.execute(select(*[table.c[c] for c in need]))
            while batch := result.fetchmany(CHUNK):
                rows = [dict(zip(need, r)) for r in batch]
                owners = self.fingerprints.add("attribute", cols, rows)
                if self.staged.reimport:
                    self.staged.unowned_attributes += [r["id"] for r, owner in zip(rows, owners) if owner is None]
        self.staged.service_hash = self.fingerprints.services(self.staged.service_ids)

class _Fingerprints:
    """apply's owner hashes (the XOR of the checksums of each owner's rows), built as the rows are staged. Only
    the owners' ids stay in memory; a row that names its owner through another row (a phone through its
    service at a location) has that row looked up among the staged ones."""

    LOOKUP = {"sal": "service_at_location", "contact": "contact", "phone": "phone"}

    def __init__(self, conn: Connection, tables: dict[str, Table]) -> None:
        self.conn, self.tables = conn, tables
        self.owners: dict[str, dict[str, int]] = {kind: {} for kind in OWNERS}
        self.lookups = _Owners(*(self.owners[k].keys() for k in ("service", "location", "organization")))
        self.links: dict[str, tuple[Key, ...]] = {}

    def add(self, table: str, cols: list[str], rows: list[dict[str, Any]]) -> list[Key | None]:
        """Add the rows' checksums to their owners'; returns each row's owner (None: none in the package)."""
        values = itemgetter(*cols) if len(cols) > 1 else (lambda r, c=cols[0]: (r[c],)) if cols else (lambda r: ())
        sums = row_checksums(table, [r["id"] for r in rows], [values(r) for r in rows], has_dates(table, cols))
        mine = self.owners.get(table)
        if mine is None:
            self._prepare(table, rows)
        found: list[Key | None] = []
        for row, value in zip(rows, sums):
            rid = row["id"]
            if mine is not None:  # an owner: its own row
                rid = sys.intern(rid)
                mine[rid] = mine.get(rid, 0) ^ value
                if table == "service" and row.get("organization_id") is not None:
                    self._link(rid, ("organization", sys.intern(row["organization_id"])))
                found.append((table, rid))
                continue
            if table == "service_at_location" and row.get("service_id") and row.get("location_id"):
                self._link(sys.intern(row["service_id"]), ("location", sys.intern(row["location_id"])))
            owner = self.lookups.owner(table, row)
            if owner is not None and owner[1] in self.owners[owner[0]]:
                self.owners[owner[0]][owner[1]] ^= value
                found.append(owner)
            else:
                found.append(None)
        return found

    def _link(self, service_id: str, key: Key) -> None:
        links = self.links.get(service_id, ())
        if key not in links:
            self.links[service_id] = (*links, key)

    def _prepare(self, table: str, rows: list[dict[str, Any]]) -> None:
        """The lookups this chunk needs: the owners of the rows it names by id (as apply._owners_of knows them)."""
        lookups = self.lookups
        lookups.sal_service, lookups.contact_owner, lookups.phone_owner, lookups.row_owner = {}, {}, {}, {}
        needed: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            for name, kind in OWNER_FIELDS[table]:
                value = row.get(name)
                if value is None:
                    continue
                if kind in OWNERS:
                    break
                if kind == "any":
                    if not any(value in self.owners[k] for k in OWNERS):
                        needed["any"].add(value)
                    break
                needed[kind].add(value)
        for kind in ("sal", "contact", "phone"):
            self._owners_of_rows(self.LOOKUP[kind], needed.get(kind, set()))
        if needed.get("any"):
            remaining = set(needed["any"])
            for other in ("service_at_location", "address", "accessibility", "contact", "phone", "schedule",
                          "service_area", "language", "cost_option"):
                if remaining:
                    found = self._owners_of_rows(other, remaining)
                    lookups.row_owner.update(found)
                    remaining -= set(found)

    def _owners_of_rows(self, table: str, ids: set[str]) -> dict[str, Key]:
        """The owners of staged rows of `table` with these ids; also puts them in the lookups they fill."""
        if not ids:
            return {}
        staged = self.tables[table]
        names = ["id", *(n for n, _kind in OWNER_FIELDS.get(table, ()) if n in staged.c)]
        if table == "service_at_location":
            names = ["id", "service_id"]
        rows = []
        ordered = sorted(ids)
        for start in range(0, len(ordered), 900):
            query = select(*[staged.c[n] for n in names]).where(staged.c.id.in_(ordered[start:start + 900]))
            rows += [dict(zip(names, r)) for r in self.conn.execute(query)]
        lookups = self.lookups
        if table == "service_at_location":
            for row in rows:
                if row["service_id"] is not None:
                    lookups.sal_service[row["id"]] = row["service_id"]
            return {row["id"]: ("service", row["service_id"]) for row in rows
                    if row["service_id"] is not None and row["service_id"] in self.owners["service"]}
        deeper: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            for name, kind in OWNER_FIELDS[table]:
                if kind in self.LOOKUP and row.get(name) is not None:
                    deeper[kind].add(row[name])
        for kind in ("sal", "contact", "phone"):
            if deeper.get(kind) and kind in {k for _n, k in OWNER_FIELDS[table]}:
                self._owners_of_rows(self.LOOKUP[kind], deeper[kind])
        found = {}
        for row in rows:
            owner = lookups.owner(table, row)
            if owner is not None and owner[1] in self.owners[owner[0]]:
                found[row["id"]] = owner
        if table == "contact":
            lookups.contact_owner.update(found)
        elif table == "phone":
            lookups.phone_owner.update(found)
        return found

    def services(self, service_ids: list[str]) -> dict[str, str]:
        return service_hashes(service_ids, {k: set(v) for k, v in self.links.items()}, _ByKind(self.owners))


def owner_key(owner: Key | None) -> str | None:
    """How a staged row's owner is kept (OWNER): "service:<id>"."""
    return None if owner is None else f"{owner[0]}:{owner[1]}"


class _StagedThenDirectory:
    """Where a re-import's links are looked up (validate's known_ids): the staged rows, then the directory's."""

    def __init__(self, staged: Connection, directory: Session):
        self.staged, self.directory = staged, directory

    def execute(self, query) -> "_Found":
        return _Found([*self.staged.execute(query).scalars(), *self.directory.execute(query).scalars()])


class _Found:
    def __init__(self, values: list[Any]):
        self.values = values

    def scalars(self) -> list[Any]:
        return self.values


class _ByKind:
    """Owner hashes keyed (kind, id), from one id -> hash dict per kind (no tuple per owner kept)."""

    def __init__(self, by_kind: dict[str, dict[str, int]]):
        self.by_kind = by_kind

    def get(self, key: Key, default: int = 0) -> int:
        return self.by_kind.get(key[0], {}).get(key[1], default)


def stage_datapackage(path: Path | str, *, source: str | None = None, encoding: str | None = None,
                      taxonomy_map: TaxonomyMap | None = None, step: Callable[[str, int], None] | None = None,
                      directory: Session | None = None) -> StagedImport:
    """Read, check and stage a datapackage for a first import, or (given the `directory` it goes into) for a
    re-import. `step(what, rows)` is called between chunks (it may raise to stop)."""
    stager = _Stager(Path(path), source, encoding, taxonomy_map, step or (lambda _what, _n: None), directory)
    try:
        return stager.run()
    except BaseException:
        stager.conn.close()
        stager.engine.dispose()
        stager.staged.close()
        raise


# ------------------------------------------------------------------------------------------ applying


def apply_staged(session: Session, staged: StagedImport, *, progress: Callable[[float, str], None] | None = None,
                 cancel: Callable[[], bool] | None = None, editor: str | None = None,
                 attach: bool = False) -> ImportResult:
    """Copy the staged rows into the (empty) directory in one transaction, with the search rows, the import's
    tracking and its history. Raises ImportCancelled (nothing changed) when `cancel()` says so.

    With `attach` (a directory that is an SQLite file too) the staged file is attached and each table copied
    by one INSERT … SELECT; otherwise rows are read and written in batches. Either way the work runs on a
    connection of its own, since SQLite attaches files only outside a transaction."""
    started = time.perf_counter()

    def phase(fraction: float, message: str) -> None:
        if cancel is not None and cancel():
            raise ImportCancelled("The import was cancelled. Nothing was changed.")
        if progress is not None:
            progress(fraction, message)

    bind = session.get_bind()
    session.close()
    with bind.connect() as conn:
        if attach:
            conn.exec_driver_sql("ATTACH DATABASE ? AS staged", (str(staged.file),))
        if not conn.in_transaction():
            conn.begin()  # the connection's, so the session below joins it rather than ending it
        try:
            with Session(bind=conn) as work:
                result = _apply(work, conn, staged, phase, cancel, editor, attach)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            if attach:
                conn.exec_driver_sql("DETACH DATABASE staged")
                conn.commit()
    result.seconds = time.perf_counter() - started
    return result


def _apply(session: Session, conn: Connection, staged: StagedImport, phase, cancel, editor: str | None,
           attach: bool) -> ImportResult:
    from ketdir.problems import Refused

    plan = staged.plan()
    written: dict[str, int] = {}
    _begin_write(session)
    if session.execute(select(func.count()).select_from(Service)).scalar() or \
            session.execute(select(func.count()).select_from(ImportedService)).scalar():
        raise Refused("The directory is no longer empty (something was imported or added since the check). "
                      "Check the file again. Nothing was changed.")
    ensure_need_taxonomy(session)
    session.flush()
    writer = BulkWriter(conn)
    big = [t for t, n in staged.counts.items() if n >= BULK_INDEX_MIN]
    engine = None if attach else _staging_engine(staged.file)
    tables = _staging_tables()
    try:
        with SecondaryIndexesDeferred(conn, big):
            for i, table in enumerate(TABLE_ORDER):
                if not staged.counts.get(table):
                    continue
                phase(0.05 + 0.45 * i / len(TABLE_ORDER), f"Writing {LABELS[table]} rows")
                provided = staged.columns.get(table, [])
                if attach:
                    written[table] = _copy_attached(conn, table, provided)
                else:
                    with engine.connect() as source:
                        written[table] = _copy(source, tables[table], writer, table, provided, cancel)
    finally:
        if engine is not None:
            engine.dispose()
    phase(0.55, "Updating the search index")
    with search_index(conn).bulk_rewrite(conn):
        refreshed = refresh_all(session)
        phase(0.85, "Rebuilding the full-text index")
    phase(0.95, "Recording the import")
    now = utc_now()
    source_name = staged.source
    writer.insert(ImportedService.__table__, [
        {"source": source_name, "service_id": sid, "version": 1, "content_hash": staged.service_hash.get(sid, ""),
         "imported_at": now} for sid in staged.service_ids])
    who = editor or f"import: {source_name}"[:200]
    writer.insert(ChangeHistory.__table__, [
        {"at": now, "editor": who, "entity": "service", "entity_id": sid, "action": "imported", "field": None,
         "old_value": None, "new_value": "new"} for sid in staged.service_ids],
        ["at", "editor", "entity", "entity_id", "action", "field", "old_value", "new_value"])
    set_meta(session, "source", source_name)
    set_meta(session, "imported_at", now.isoformat(timespec="seconds"))
    set_meta(session, "content_hash", staged.content_hash)
    session.merge(ImportSource(name=source_name, imported_at=now, content_hash=staged.content_hash,
                               format=staged.format, path=staged.path, services=len(staged.service_ids)))
    session.flush()
    phase(1.0, "Finishing")
    return ImportResult(plan, written, {}, refreshed, 0.0)


def _copy_attached(conn: Connection, table: str, provided: list[str]) -> int:
    """One INSERT … SELECT from the attached staged file: the same values _copy writes (both files store them
    as SQLAlchemy's SQLite types do)."""
    model = MODELS[table].__table__
    given = set(provided)
    names, exprs, params = [], [], []
    for column in model.columns:
        name = column.name
        names.append(f'"{name}"')
        if table == "service" and name == "version":
            exprs.append("1")
            continue
        default = column_default(column)
        if name in given or default is None:
            exprs.append(f'"{name}"')
        else:
            process = column.type.bind_processor(conn.dialect)
            exprs.append(f'COALESCE("{name}", ?)')
            params.append(process(default) if process else default)
    done = conn.exec_driver_sql(f'INSERT INTO main."{table}" ({", ".join(names)}) SELECT {", ".join(exprs)} '
                                f'FROM staged."{table}" ORDER BY rowid', tuple(params))
    return done.rowcount


def _copy(source: Connection, staged: Table, writer: BulkWriter, table: str, provided: list[str],
          cancel: Callable[[], bool] | None) -> int:
    """Staged rows into the directory as an import of the same rows read whole writes them: what the input
    gave as it is, and for columns it did not give, what a row has (a need attribute's link type) or else the
    column's default."""
    model = MODELS[table].__table__
    names = [c.name for c in model.columns if not (table == "service" and c.name == "version")]
    given = set(provided)
    result = source.execute(select(*[staged.c[n] for n in names]))
    count = 0
    while batch := result.fetchmany(CHUNK):
        if cancel is not None and cancel():
            raise ImportCancelled("The import was cancelled. Nothing was changed.")
        rows = []
        for values in batch:
            row = {n: v for n, v in zip(names, values) if v is not None or n in given}
            if table == "service":
                row["version"] = 1
            rows.append(row)
        count += writer.insert(model, rows)
    return count
