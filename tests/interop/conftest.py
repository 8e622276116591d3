"""Helpers for the import/export tests: fresh databases, one-call imports, fixture paths."""
from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: backends

from sqlalchemy import create_engine, text  # noqa: E402

from backends import BACKENDS, database_url  # noqa: E402

from ketdir.interop.apply import ImportResult, apply_import, plan_import  # noqa: E402
from ketdir.interop.load import read_any  # noqa: E402
from ketdir.interop.validate import validate  # noqa: E402
from ketdir.paths import bundled_db  # noqa: E402
from ketdir.store.engine import open_directory  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hsds"
CSV_EXAMPLE = FIXTURES / "csv"
SERVICE_FULL = FIXTURES / "service_full.json"
ORGANIZATION_FULL = FIXTURES / "organization_full.json"
TAXONOMY_TERM = FIXTURES / "taxonomy_term.json"
LEGACY_CSV = FIXTURES / "legacy_oruk_v1"
LEGACY_JSON = FIXTURES / "legacy_oruk_v1_service.json"
EXAMPLE_SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"


def import_into(db: Path | str, path: Path, **kwargs) -> ImportResult:
    """Read, validate, plan and apply; fails the test on any error in the input."""
    mapping = kwargs.pop("mapping", None)
    fmt = kwargs.pop("fmt", "auto")
    name = kwargs.pop("source", None)
    overwrite = kwargs.pop("overwrite_conflicts", False)
    dataset = read_any(path, fmt, mapping=mapping, source=name)
    directory = open_directory(db, create=True)
    try:
        with directory.session() as session:
            validate(dataset, session)
            assert not dataset.errors, "\n".join(map(str, dataset.errors))
            plan = plan_import(session, dataset, overwrite_conflicts=overwrite)
            return apply_import(session, dataset, plan, **kwargs)
    finally:
        directory.close()


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path: Path):
    """A new directory database, once per backend: a SQLite file, or a database on the PostgreSQL test server
    (tests/backends.py). A path or a URL: import_into, open_directory and rows() take either."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    """A new SQLite file, for tests that compare whole files (dump.full_dump) or drive the window."""
    return tmp_path / "directory.db"


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


@pytest.fixture
def bundled_copy(tmp_path: Path) -> Path:
    """A copy of the bundled resources.db (the real one is never touched)."""
    target = tmp_path / "resources-copy.db"
    shutil.copyfile(bundled_db(), target)
    return target


def copy_tree(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target
