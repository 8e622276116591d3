"""Export the directory as HSDS 3.0: a tabular datapackage (folder or .zip) or JSON.

The datapackage holds every table ketdir keeps, so importing it restores exactly what the database
held. ketdir's own fields (demo records, unverified numbers, source pages, bank-holiday rules, nation)
travel as attributes of the taxonomy "ketdir" (see extensions.py). The local edit counter (`version`),
the change history and the referral log stay in the database.

The JSON export is a list of nested service objects, like HSDS's `service_full.json`: each row appears
once, nested under the record that owns it, with its links written out, so a reader can put the
tables back together. Records that belong to no service (an organisation without services, a
taxonomy term nobody uses) are only in the datapackage.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import itertools
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketdir.interop import extensions
from ketdir.interop.dataset import MODELS, TABLE_ORDER, hsds_columns
from ketdir.paths import data_dir
from ketdir.store.engine import get_meta

SCHEMA_DIR_NAME = "hsds/schema"
NATION_NAMES = {"ENG": "England", "WLS": "Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}


def schema_dir() -> Path:
    return data_dir() / "hsds" / "schema"


@functools.cache  # read once: every row written asks for its table's columns
def load_schema(table: str) -> dict[str, Any]:
    return json.loads((schema_dir() / f"{table}.json").read_text(encoding="utf-8"))


def file_name(table: str) -> str:
    return load_schema(table).get("path") or f"{table}.csv"


def export_columns(table: str) -> list[str]:
    """HSDS column order (as in the schema) for the columns ketdir keeps, each once."""
    ours = hsds_columns(table)
    order = [name for name in load_schema(table)["properties"] if name in ours]
    return order + [c for c in ours if c not in order]


def _number(value: float) -> int | float:
    return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value


def json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        text = value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
        return text + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return _number(value)
    return value


def csv_value(value: Any) -> str:
    value = json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rows(session: Session, table: str) -> Iterator[dict[str, Any]]:
    model_table = MODELS[table].__table__
    result = session.execute(select(*model_table.c).order_by(model_table.c.id)).yield_per(5000)
    for row in result:
        yield dict(row._mapping)


def _with_ketdir(session: Session, table: str) -> Iterator[dict[str, Any]]:
    """Rows of a table, with the ketdir taxonomy, terms and attributes added where they belong."""
    if table == "taxonomy":
        yield extensions.taxonomy_row()
    elif table == "taxonomy_term":
        yield from extensions.term_rows()
    elif table == "attribute":
        for owner in extensions.OWNERS:
            model_table = MODELS[owner].__table__
            cols = [model_table.c.id] + [model_table.c[f.name] for f in extensions.FIELDS if f.table == owner]
            for row in session.execute(select(*cols).order_by(model_table.c.id)).yield_per(5000):
                yield from extensions.attributes_for(owner, dict(row._mapping))
    yield from _rows(session, table)


class RequiredValues:
    """Values for fields HSDS requires that a record may lack, derived from what the directory knows (never
    made up): an address's state_province is its region, else the UK nation of the services there; a
    description the record lacks is its name. Other missing values stay missing, and --validate says so."""

    def __init__(self, session: Session):
        self.session = session
        self._nations: dict[str, str] | None = None
        self.derived: list[dict[str, Any]] = []  # ketdir attributes saying which values were derived

    def nation_of(self, location_id: str | None) -> str | None:
        if self._nations is None:
            from ketdir.store.models import Service, ServiceAtLocation

            self._nations = {}
            query = select(ServiceAtLocation.location_id, Service.nation).join(
                Service, Service.id == ServiceAtLocation.service_id).order_by(ServiceAtLocation.id)
            for location, nation in self.session.execute(query):
                if nation in NATION_NAMES:
                    self._nations.setdefault(location, NATION_NAMES[nation])
        return self._nations.get(location_id) if location_id else None

    def fill(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        field, value = None, None
        if table == "address" and not row.get("state_province"):
            field, value = "state_province", row.get("region") or self.nation_of(row.get("location_id"))
        elif table in ("organization", "taxonomy", "taxonomy_term") and not row.get("description"):
            field, value = "description", row.get("name")
        if not value or row.get("id") in (extensions.TAXONOMY_ID, extensions.DERIVED_TERM_ID) or \
                str(row.get("taxonomy") or "") == extensions.TAXONOMY_NAME:
            return row
        self.derived.append(extensions.derived_attribute(table, row["id"], field))
        return {**row, field: value}


@dataclass
class ExportReport:
    path: Path
    format: str
    counts: dict[str, int]
    services: int


def _field_type(prop: dict[str, Any]) -> str:
    kind = prop.get("type")
    if kind in ("number", "integer", "boolean"):
        return kind
    return "string"


def _descriptor(session: Session, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "ketdir-directory",
        "title": "ketdir directory export (HSDS 3.0)",
        "profile": "tabular-data-package",
        "version": "3.0",
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "ketdir": {
            "source": get_meta(session, "source"),
            "content_hash": get_meta(session, "content_hash"),
            "note": "ketdir's own fields are attributes of the taxonomy 'ketdir'.",
        },
        "resources": resources,
    }


def _table_csv(session: Session, table: str, required: RequiredValues) -> tuple[bytes, int]:
    columns = export_columns(table)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    rows = _with_ketdir(session, table)
    if table == "attribute":  # attribute comes last: every derived value is known by now
        rows = itertools.chain(required.derived, rows)
    for row in rows:
        row = required.fill(table, row)
        writer.writerow([csv_value(row.get(c)) for c in columns])
        count += 1
    return out.getvalue().encode("utf-8"), count


def _resource(table: str, path: str, data: bytes) -> dict[str, Any]:
    schema = load_schema(table)
    required = set(schema.get("required", ()))
    fields = []
    for name in export_columns(table):
        prop = schema["properties"][name]
        field = {"name": name, "type": _field_type(prop)}
        if prop.get("description"):
            field["description"] = prop["description"]
        if prop.get("format") and field["type"] == "string" and prop["format"] != "uuid":
            field["format"] = prop["format"] if prop["format"] in ("email", "uri") else "default"
        if name in required:
            field["constraints"] = {"required": True}
        fields.append(field)
    return {
        "name": table,
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "schema": {"fields": fields, "primaryKey": "id", "missingValues": [""]},  # an empty cell: no value
    }


def export_datapackage(session: Session, path: Path | str, *,
                       progress: Callable[[float, str], None] | None = None) -> ExportReport:
    """Write every table as CSV plus datapackage.json, into a folder or (for a .zip path) a zip file."""
    path = Path(path)
    files: list[tuple[str, bytes]] = []
    resources = []
    counts: dict[str, int] = {}
    required = RequiredValues(session)
    for i, table in enumerate(TABLE_ORDER):
        if progress:
            progress(i / len(TABLE_ORDER), f"Exporting {table.replace('_', ' ')}")
        data, count = _table_csv(session, table, required)
        name = file_name(table)
        files.append((name, data))
        resources.append(_resource(table, name, data))
        counts[table] = count
    descriptor = json.dumps(_descriptor(session, resources), indent=2, ensure_ascii=False).encode("utf-8")
    files.insert(0, ("datapackage.json", descriptor))
    if path.suffix.lower() == ".zip":
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for name, data in files:
                archive.writestr(name, data)
        tmp.replace(path)
    else:
        path.mkdir(parents=True, exist_ok=True)
        for name, data in files:
            (path / name).write_bytes(data)
    if progress:
        progress(1.0, "Done")
    return ExportReport(path, "datapackage", counts, counts.get("service", 0))


# ------------------------------------------------------------------------------------------ JSON


@functools.cache
def _object_fields(table: str) -> tuple[tuple[str, bool], ...]:
    """The fields of an object, in order, each with whether HSDS requires it."""
    needed = _required(table)
    return tuple((name, name in needed) for name in export_columns(table))


_AS_THEY_ARE = (str, int, bool)  # json_value leaves these unchanged (the API writes thousands a second)


def _clean(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """An HSDS object for a row: None left out, numbers and dates as JSON. A field HSDS requires is there even
    when empty (JSON Schema asks only that; unlike a CSV cell, "" is a value here, so nothing is derived)."""
    out: dict[str, Any] = {}
    for name, required in _object_fields(table):
        value = row.get(name)
        if value is None:
            if required:
                out[name] = ""
        elif type(value) in _AS_THEY_ARE:
            out[name] = value
        else:
            out[name] = json_value(value)
    return out


def hsds_object(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """One row as an HSDS object: its own fields only, nothing nested (a list item of the API)."""
    return _clean(table, row)


@lru_cache(maxsize=None)
def _required(table: str) -> frozenset[str]:
    return frozenset(load_schema(table).get("required", ()))


class Tree:
    """Rows of the directory in memory (table -> id -> row), indexed for nesting: every table for an export
    (`Tree.whole`), or only the rows a few records need (the API, ketdir.interop.nested_rows)."""

    @classmethod
    def whole(cls, session: Session) -> Tree:
        return cls({t: {r["id"]: r for r in _rows(session, t)} for t in TABLE_ORDER})

    def __init__(self, rows: dict[str, dict[Any, dict[str, Any]]]):
        self.rows = {t: rows.get(t, {}) for t in TABLE_ORDER}
        self.by: dict[tuple[str, str], dict[Any, list[dict[str, Any]]]] = {}
        self.ext: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for owner in ("service", "phone"):
            for row in self.rows[owner].values():
                for attr in extensions.attributes_for(owner, row):
                    self.ext[attr["link_id"]].append(attr)
        self.ext_terms = {t["id"]: t for t in extensions.term_rows()}

    def clean(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        return _clean(table, row)

    def children(self, table: str, field: str, value: Any) -> list[dict[str, Any]]:
        key = (table, field)
        if key not in self.by:
            index: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            for row in self.rows[table].values():
                if row.get(field) is not None:
                    index[row[field]].append(row)
            self.by[key] = index
        return self.by[key].get(value, [])

    def attributes(self, link_id: str) -> list[dict[str, Any]]:
        out = []
        for attr in [*self.children("attribute", "link_id", link_id), *self.ext.get(link_id, [])]:
            obj = self.clean("attribute", attr)
            term = self.rows["taxonomy_term"].get(attr["taxonomy_term_id"]) or self.ext_terms.get(attr["taxonomy_term_id"])
            if term is not None:
                term_obj = self.clean("taxonomy_term", term)
                taxonomy_id = term.get("taxonomy_id")
                taxonomy = self.rows["taxonomy"].get(taxonomy_id) if taxonomy_id else None
                if taxonomy is None and taxonomy_id == extensions.TAXONOMY_ID:
                    taxonomy = extensions.taxonomy_row()
                if taxonomy is not None:
                    term_obj["taxonomy_detail"] = self.clean("taxonomy", taxonomy)
                obj["taxonomy_term"] = term_obj
            out.append(obj)
        return out

    def _with(self, obj: dict[str, Any], key: str, items: list[dict[str, Any]]) -> None:
        if items:
            obj[key] = items

    def phone(self, row: dict[str, Any]) -> dict[str, Any]:
        obj = self.clean("phone", row)
        self._with(obj, "languages", [self.clean("language", r) for r in self.children("language", "phone_id", row["id"])
                                      if r.get("service_id") is None])
        self._with(obj, "attributes", self.attributes(row["id"]))
        return obj

    def contact(self, row: dict[str, Any]) -> dict[str, Any]:
        obj = self.clean("contact", row)
        self._with(obj, "phones", [self.phone(p) for p in self.children("phone", "contact_id", row["id"])
                                   if p.get("service_id") is None and p.get("service_at_location_id") is None])
        self._with(obj, "attributes", self.attributes(row["id"]))
        return obj

    def location(self, row: dict[str, Any]) -> dict[str, Any]:
        lid = row["id"]
        obj = self.clean("location", row)
        free = lambda r: r.get("service_id") is None and r.get("service_at_location_id") is None  # noqa: E731
        self._with(obj, "languages", [self.clean("language", r) for r in self.children("language", "location_id", lid)
                                      if r.get("service_id") is None and r.get("phone_id") is None])
        self._with(obj, "addresses", [self.clean("address", r) for r in self.children("address", "location_id", lid)])
        self._with(obj, "contacts", [self.contact(r) for r in self.children("contact", "location_id", lid) if free(r)])
        self._with(obj, "accessibility",
                   [self.clean("accessibility", r) for r in self.children("accessibility", "location_id", lid)])
        self._with(obj, "phones", [self.phone(r) for r in self.children("phone", "location_id", lid)
                                   if free(r) and r.get("contact_id") is None])
        self._with(obj, "schedules", [self.clean("schedule", r) for r in self.children("schedule", "location_id", lid)
                                      if free(r)])
        self._with(obj, "attributes", self.attributes(lid))
        return obj

    def organization(self, row: dict[str, Any]) -> dict[str, Any]:
        oid = row["id"]
        obj = self.clean("organization", row)
        alone = lambda r: all(r.get(f) is None for f in  # noqa: E731
                              ("service_id", "service_at_location_id", "location_id", "contact_id"))
        self._with(obj, "contacts", [self.contact(r) for r in self.children("contact", "organization_id", oid)
                                     if alone(r)])
        self._with(obj, "phones", [self.phone(r) for r in self.children("phone", "organization_id", oid) if alone(r)])
        self._with(obj, "attributes", self.attributes(oid))
        return obj

    def service_at_location(self, row: dict[str, Any]) -> dict[str, Any]:
        sal_id = row["id"]
        obj = self.clean("service_at_location", row)
        no_service = lambda r: r.get("service_id") is None  # noqa: E731
        self._with(obj, "contacts", [self.contact(r) for r in self.children("contact", "service_at_location_id", sal_id)
                                     if no_service(r)])
        self._with(obj, "phones", [self.phone(r) for r in self.children("phone", "service_at_location_id", sal_id)
                                   if no_service(r)])
        self._with(obj, "schedules", [self.clean("schedule", r) for r in
                                      self.children("schedule", "service_at_location_id", sal_id) if no_service(r)])
        location = self.rows["location"].get(row["location_id"])
        if location is not None:
            obj["location"] = self.location(location)
        self._with(obj, "attributes", self.attributes(sal_id))
        return obj

    def service(self, row: dict[str, Any]) -> dict[str, Any]:
        sid = row["id"]
        obj = self.clean("service", row)
        self._with(obj, "phones", [self.phone(r) for r in self.children("phone", "service_id", sid)])
        self._with(obj, "schedules", [self.clean("schedule", r) for r in self.children("schedule", "service_id", sid)])
        self._with(obj, "service_areas", [self.clean("service_area", r) for r in
                                          self.children("service_area", "service_id", sid)])
        self._with(obj, "service_at_locations", [self.service_at_location(r) for r in
                                                 self.children("service_at_location", "service_id", sid)])
        self._with(obj, "languages", [self.clean("language", r) for r in self.children("language", "service_id", sid)])
        org = self.rows["organization"].get(row.get("organization_id"))
        if org is not None:
            obj["organization"] = self.organization(org)
        self._with(obj, "cost_options", [self.clean("cost_option", r) for r in
                                         self.children("cost_option", "service_id", sid)])
        self._with(obj, "contacts", [self.contact(r) for r in self.children("contact", "service_id", sid)])
        self._with(obj, "attributes", self.attributes(sid))
        return obj


def services_as_json(session: Session) -> list[dict[str, Any]]:
    tree = Tree.whole(session)
    return [tree.service(row) for row in tree.rows["service"].values()]


def export_json(session: Session, path: Path | str) -> ExportReport:
    """Write a JSON list of nested HSDS 3.0 service objects."""
    path = Path(path)
    services = services_as_json(session)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(services, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    tmp.replace(path)
    return ExportReport(path, "json", {"service": len(services)}, len(services))
