"""Fixtures for the import/export tests: new databases on either backend, and the bundled directory on either.

Helpers (import_into, rows, fixture paths...) are in interop_helpers, not here: with several test folders on
the command line, `import conftest` finds whichever folder's conftest pytest loaded last.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: backends

from backends import BACKENDS, copy_template, database_url, new_directories, pg_directory_template  # noqa: E402
from interop_helpers import fill_bundled  # noqa: E402

from ketdir.paths import bundled_db  # noqa: E402
from ketdir.store.engine import open_directory  # noqa: E402


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path: Path):
    """A new directory database, once per backend: a SQLite file (not made yet), or a new, empty database on
    the PostgreSQL test server (tests/backends.py). A path or a URL: import_into, open_directory and rows()
    take either; so does `ketdir --db`."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    """A new SQLite file, for tests that compare whole files (dump.full_dump) or drive the window."""
    return tmp_path / "directory.db"


@pytest.fixture(scope="session")
def pg_empty_template():
    """An empty ketdir directory on the test server, made once; new_db copies it."""
    with pg_directory_template() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The backend of a test's directories: fixtures that take it (new_db, bundled_directory) share it, so a
    test using several of them runs once per backend, all its directories on that one."""
    return request.param


@pytest.fixture
def new_db(backend, request, tmp_path: Path):
    """For tests that need several directories on one backend: new_db("name") gives another one each call —
    a SQLite path (made on first open), or a copy of an empty directory on the PostgreSQL test server."""
    template = request.getfixturevalue("pg_empty_template") if backend == "postgresql" else None
    with new_directories(backend, tmp_path, template) as make:
        yield make


@pytest.fixture(scope="session")
def pg_bundled_template():
    """The bundled directory built on the PostgreSQL test server once (fill_bundled); copied per test."""
    with pg_directory_template(fill=fill_bundled) as url:
        yield url


@pytest.fixture
def bundled_directory(backend, request, tmp_path: Path):
    """A directory with data in it, once per backend: a copy of the bundled resources.db file, or a copy of
    the same directory built on the PostgreSQL test server. Opened once first, so a schema upgrade on open is
    not mistaken for a change made by the test."""
    if backend == "sqlite":
        target = tmp_path / "resources-copy.db"
        shutil.copyfile(bundled_db(), target)
        open_directory(target).close()
        yield target
    else:
        with copy_template(request.getfixturevalue("pg_bundled_template"), tmp_path) as url:
            yield url
