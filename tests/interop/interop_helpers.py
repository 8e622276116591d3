"""Helpers for the import/export tests: one-call imports and exports, fixture paths, raw queries, and the
bundled directory built on any backend.

A module of its own (not conftest) so `from interop_helpers import ...` finds these however pytest is run:
with several test folders on the command line, `conftest` names whichever folder's conftest came last.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from sqlalchemy import create_engine, text

from ketdir.interop.apply import ImportResult, apply_import, plan_import
from ketdir.interop.export import export_datapackage, export_json
from ketdir.interop.load import read_any
from ketdir.interop.validate import validate
from ketdir.store.engine import open_directory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"
CSV_EXAMPLE = FIXTURES / "csv"
SERVICE_FULL = FIXTURES / "service_full.json"
ORGANIZATION_FULL = FIXTURES / "organization_full.json"
TAXONOMY_TERM = FIXTURES / "taxonomy_term.json"
LEGACY_CSV = FIXTURES / "legacy_oruk_v1"
LEGACY_JSON = FIXTURES / "legacy_oruk_v1_service.json"
REALWORLD = FIXTURES.parent / "realworld"  # files with the defects of published ones (README there)
EXAMPLE_SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"


def import_into(db: Path | str, path: Path, **kwargs) -> ImportResult:
    """Read, validate, plan and apply; fails the test on any error in the input."""
    mapping = kwargs.pop("mapping", None)
    fmt = kwargs.pop("fmt", "auto")
    name = kwargs.pop("source", None)
    overwrite = kwargs.pop("overwrite_conflicts", False)
    dataset = read_any(path, fmt, mapping=mapping, source=name, rows=kwargs.pop("rows", "stop"))
    directory = open_directory(db, create=True)
    try:
        with directory.session() as session:
            validate(dataset, session)
            assert not dataset.errors, "\n".join(map(str, dataset.errors))
            plan = plan_import(session, dataset, overwrite_conflicts=overwrite)
            return apply_import(session, dataset, plan, **kwargs)
    finally:
        directory.close()


def export(db: Path | str, target: Path, fmt: str = "datapackage") -> Path:
    """Export a directory (a .db path or a database URL) as HSDS: a datapackage or JSON."""
    directory = open_directory(db)
    try:
        with directory.session() as session:
            if fmt == "json":
                export_json(session, target)
            else:
                export_datapackage(session, target)
    finally:
        directory.close()
    return target


def _as_sqlite(value):
    """Values as SQLite returns them from raw SQL: PostgreSQL's DATE columns come back as dates."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def rows(db, sql: str) -> list[tuple]:
    """The rows of one query, on either backend (db: a .db path or a database URL)."""
    url = db if isinstance(db, str) and "://" in db else f"sqlite:///{db}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(_as_sqlite(v) for v in r) for r in conn.execute(text(sql)).fetchall()]
    finally:
        engine.dispose()


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def fill_bundled(db: Path | str) -> None:
    """The bundled directory (data/, as `ketdir build-db` makes resources.db) built into a database on any
    backend: the same records, search rows and metadata."""
    from ketdir.store.build import content_hash, load_records
    from ketdir.store.engine import set_meta
    from ketdir.store.index import refresh_all
    from ketdir.store.records import add_record, ensure_need_taxonomy

    directory = open_directory(db, create=True)
    try:
        with directory.session() as session, session.begin():
            ensure_need_taxonomy(session)
            session.flush()
            for origin, rec in load_records():
                add_record(session, rec, origin=origin)
            session.flush()
            refresh_all(session)
            set_meta(session, "content_hash", content_hash())
            set_meta(session, "source", "ketdir bundled directory (data/directory)")
    finally:
        directory.close()
