"""Field bundles: the whole directory in one file for a laptop that works without signal.

A bundle is a zip file:

    manifest.json        what is inside: every other member with its SHA-256 and size, the schema version,
                         when and from which directory it was made, and the content hash (SHA-256 over the
                         members' names and hashes)
    datapackage.json     a Frictionless tabular data package describing the CSV files (HSDS 3.0 table and
                         column names, as ketdir stores them)
    data/<table>.csv     one CSV per HSDS table (organization, service, location, phone, schedule, ...)
    ketdir/<table>.csv   ketdir's extras: the directory's own facts (ketdir_meta)

Not in a bundle: the referral log, the change history and the search index (rebuilt on import).

`import_bundle` reads and checks everything before it touches the database: a truncated, damaged or
altered file (a member whose bytes do not match the manifest, a missing or extra member) is refused with a
message and the directory is left as it was. Then, in ONE transaction, it replaces every directory table and
rebuilds the search index — the local referral log (ketdir_referral, ketdir_referral_service,
ketdir_referral_need), change history and merged-log records are kept. Either all of it happens or none.

The manifest detects damage and editing of members; it is not a signature (someone who rewrites the
manifest too is not detected): move bundles the way you move other work files.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, delete, insert, select
from sqlalchemy.orm import Session

from ketdir.problems import Refused
from ketdir.referral.retention import RETENTION_META_KEY
from ketdir.store.engine import SCHEMA_VERSION, Directory, set_meta
from ketdir.store.index import refresh_all
from ketdir.store.models import Base, DatasetMeta

FORMAT = "ketdir-bundle"
FORMAT_VERSION = 1
SUFFIX = ".ketdir-bundle"

# Kept on the laptop when a bundle replaces its directory; never written into a bundle.
LOCAL_TABLES = ("ketdir_referral", "ketdir_referral_service", "ketdir_referral_need", "ketdir_change",
                "ketdir_log_import")
# Derived from the others: rebuilt on import.
DERIVED_TABLES = ("ketdir_search_doc", "ketdir_hours_pattern")
EXTRA_TABLES = ("ketdir_meta",)
# ketdir_meta keys that describe this copy, not the directory: not carried over.
LOCAL_META = ("schema_version", "index_generation", RETENTION_META_KEY)
BATCH = 1000


class BundleProblem(Refused):
    """A bundle that cannot be written or used, with a message for people; nothing was changed."""


@dataclass
class BundleReport:
    path: Path
    services: int
    content_hash: str
    created_at: str
    kept_referrals: int = 0


def _directory_tables():
    skip = set(LOCAL_TABLES) | set(DERIVED_TABLES)
    return [t for t in Base.metadata.sorted_tables if t.name not in skip]


def _member(table) -> str:
    return ("ketdir/" if table.name in EXTRA_TABLES else "data/") + table.name + ".csv"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _field_type(column) -> str:
    t = column.type
    if isinstance(t, Boolean):
        return "boolean"
    if isinstance(t, DateTime):
        return "datetime"
    if isinstance(t, Date):
        return "date"
    if isinstance(t, Integer):
        return "integer"
    if isinstance(t, Float):
        return "number"
    return "string"


def _parse(column, raw: str, where: str):
    if raw == "":
        return None if column.nullable else ("" if _field_type(column) == "string" else None)
    kind = _field_type(column)
    try:
        if kind == "boolean":
            if raw not in ("true", "false"):
                raise ValueError(raw)
            return raw == "true"
        if kind == "datetime":
            return dt.datetime.fromisoformat(raw)
        if kind == "date":
            return dt.date.fromisoformat(raw)
        if kind == "integer":
            return int(raw)
        if kind == "number":
            return float(raw)
    except ValueError:
        raise BundleProblem(f"{where}: “{raw[:40]}” is not a {kind}. The bundle is damaged; nothing was changed.") from None
    return raw


def _csv_bytes(session: Session, table) -> tuple[bytes, int]:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    cols = list(table.columns)
    writer.writerow([c.name for c in cols])
    query = select(*cols).order_by(*table.primary_key.columns)
    if table.name == "ketdir_meta":
        query = query.where(DatasetMeta.key.not_in(LOCAL_META))
    count = 0
    for row in session.execute(query):
        writer.writerow([_cell(v) for v in row])
        count += 1
    return out.getvalue().encode("utf-8"), count


def content_hash(hashes: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(hashes):
        digest.update(f"{name}\0{hashes[name]}\n".encode())
    return digest.hexdigest()


def export_bundle(directory: Directory, target: Path, *, source: str | None = None) -> BundleReport:
    """Write the directory as one bundle file (written beside the target, then moved into place)."""
    target = Path(target)
    members: dict[str, bytes] = {}
    resources = []
    services = 0
    with directory.session() as session, session.begin():  # one snapshot of every table
        if directory.engine.dialect.name == "postgresql":
            session.connection().exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for table in _directory_tables():
            data, count = _csv_bytes(session, table)
            name = _member(table)
            members[name] = data
            if table.name == "service":
                services = count
            resources.append({
                "name": table.name,
                "path": name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [{"name": c.name, "type": _field_type(c), **({"constraints": {"required": True}}
                                                                           if not c.nullable else {})}
                               for c in table.columns],
                    "primaryKey": [c.name for c in table.primary_key.columns],
                    "missingValues": [""],
                },
            })
    created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    members["datapackage.json"] = json.dumps({
        "profile": "tabular-data-package",
        "name": "ketdir-directory",
        "title": "ketdir directory (HSDS 3.0 tables)",
        "created": created,
        "resources": resources,
    }, indent=1, ensure_ascii=False).encode("utf-8")
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": SCHEMA_VERSION,
        "created_at": created,
        "source": source or directory.display_url,
        "services": services,
        "files": {name: {"sha256": hashes[name], "bytes": len(members[name])} for name in sorted(members)},
        "content_hash": content_hash(hashes),
    }
    tmp = target.with_name(target.name + ".writing")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False))
            for name in sorted(members):
                zf.writestr(name, members[name])
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise BundleProblem(f"Could not write {target}: {exc.strerror or exc}. Choose another place.") from exc
    return BundleReport(target, services, manifest["content_hash"], created)


@dataclass
class VerifiedBundle:
    manifest: dict
    tables: dict[str, list[dict]]  # table name -> rows, parsed and typed


def read_bundle(path: Path) -> VerifiedBundle:
    """Open and check a bundle completely (nothing is written anywhere). BundleProblem if it is not sound."""
    path = Path(path)
    damaged = f"{path} is damaged or incomplete (perhaps a copy that did not finish)"
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BundleProblem(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise BundleProblem(f"{path} is a folder; choose the bundle file.") from None
    except (zipfile.BadZipFile, OSError):
        raise BundleProblem(f"{damaged}, or not a ketdir bundle. Nothing was changed.") from None
    with zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
        except KeyError:
            raise BundleProblem(f"{path} is not a ketdir bundle (it has no manifest). Nothing was changed.") from None
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise BundleProblem(f"{damaged}. Nothing was changed.") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BundleProblem(f"{path} is not a ketdir bundle. Nothing was changed.")
        if int(manifest.get("format_version", 0)) > FORMAT_VERSION or int(manifest.get("schema_version", 0)) > SCHEMA_VERSION:
            raise BundleProblem(f"{path} was made by a newer version of ketdir. Update ketdir to use it. Nothing was changed.")
        files = manifest.get("files") or {}
        names = set(zf.namelist()) - {"manifest.json"}
        if names != set(files):
            extra, missing = sorted(names - set(files)), sorted(set(files) - names)
            what = (f"missing {', '.join(missing)}" if missing else "") + ("; " if missing and extra else "") + \
                   (f"unexpected {', '.join(extra)}" if extra else "")
            raise BundleProblem(f"{path} does not match its manifest ({what}): it was changed or damaged. "
                                "Nothing was changed.")
        data: dict[str, bytes] = {}
        for name, info in files.items():
            try:
                blob = zf.read(name)
            except (zipfile.BadZipFile, OSError, EOFError, Exception):
                raise BundleProblem(f"{damaged} ({name} cannot be read). Nothing was changed.") from None
            if len(blob) != info.get("bytes") or hashlib.sha256(blob).hexdigest() != info.get("sha256"):
                raise BundleProblem(f"{path} was changed or damaged after it was made ({name} does not match its "
                                    "SHA-256 in the manifest). Nothing was changed.")
            data[name] = blob
        if content_hash({n: i["sha256"] for n, i in files.items()}) != manifest.get("content_hash"):
            raise BundleProblem(f"{path}: the manifest's content hash is wrong; the bundle was changed. Nothing was changed.")
    tables: dict[str, list[dict]] = {}
    for table in _directory_tables():
        name = _member(table)
        if name not in data:
            if table.name in EXTRA_TABLES:
                tables[table.name] = []
                continue
            raise BundleProblem(f"{path} has no {name}; it was made by another program. Nothing was changed.")
        reader = csv.reader(io.StringIO(data[name].decode("utf-8"), newline=""))
        header = next(reader, [])
        cols = {c.name: c for c in table.columns}
        unknown = [h for h in header if h not in cols]
        if unknown:
            raise BundleProblem(f"{path}: {name} has columns this version of ketdir does not know "
                                f"({', '.join(unknown)}). Nothing was changed.")
        rows = []
        for line, values in enumerate(reader, start=2):
            if len(values) != len(header):
                raise BundleProblem(f"{path}: {name} line {line} has {len(values)} values, not {len(header)}. "
                                    "Nothing was changed.")
            rows.append({h: _parse(cols[h], v, f"{name} line {line}, {h}") for h, v in zip(header, values)})
        tables[table.name] = rows
    return VerifiedBundle(manifest, tables)


def import_bundle(directory: Directory, path: Path) -> BundleReport:
    """Check the bundle, then replace the directory with it in one transaction, keeping the local log."""
    bundle = read_bundle(path)
    tables = _directory_tables()
    with directory.session() as session, session.begin():
        kept = session.execute(select(Base.metadata.tables["ketdir_referral"].c.id)).all()
        session.execute(delete(Base.metadata.tables["ketdir_search_doc"]))
        session.execute(delete(Base.metadata.tables["ketdir_hours_pattern"]))
        for table in reversed(tables):
            if table.name == "ketdir_meta":
                session.execute(delete(table).where(table.c.key.not_in(LOCAL_META)))
            else:
                session.execute(delete(table))
        for table in tables:
            rows = bundle.tables[table.name]
            if table.name == "ketdir_meta":
                rows = [r for r in rows if r["key"] not in LOCAL_META]
            for i in range(0, len(rows), BATCH):
                session.execute(insert(table), rows[i : i + BATCH])
        session.flush()
        refresh_all(session)
        set_meta(session, "bundle_content_hash", bundle.manifest["content_hash"])
        set_meta(session, "bundle_created_at", str(bundle.manifest.get("created_at", "")))
        set_meta(session, "bundle_source", str(bundle.manifest.get("source", "")))
    return BundleReport(Path(path), len(bundle.tables.get("service", [])), bundle.manifest["content_hash"],
                        str(bundle.manifest.get("created_at", "")), kept_referrals=len(kept))
