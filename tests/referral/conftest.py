"""A small directory with three services (a fresh copy for each test) and helpers on the path."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: factories
sys.path.insert(0, str(Path(__file__).resolve().parent))  # referral_data, referral_helpers

import backends  # noqa: E402
from factories import build  # noqa: E402
from referral_data import services  # noqa: E402


@pytest.fixture(scope="session", params=backends.BACKENDS)
def template_db(request, tmp_path_factory):
    """Built once per backend (building takes a second or two); each test gets its own copy (copy_template).
    A SQLite file, or a database on the PostgreSQL test server (tests/backends.py)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("template") / "referral.db"
        build(path, services()).close()
        yield path
    else:
        with backends.pg_database("ketdir_tpl") as url:
            build(url, services()).close()
            yield url


@pytest.fixture
def directory(tmp_path, template_db):
    from ketdir.store.engine import open_directory

    with backends.copy_template(template_db, tmp_path) as copy:
        directory = open_directory(copy)
        yield directory
        directory.close()


@pytest.fixture(scope="session")
def sqlite_template_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-template") / "referral.db"
    build(path, services()).close()
    return path


@pytest.fixture
def sqlite_directory(tmp_path, sqlite_template_db):
    """The same directory in a SQLite file only, for the window tests."""
    from ketdir.store.engine import open_directory

    path = tmp_path / "referral.db"
    shutil.copyfile(sqlite_template_db, path)
    directory = open_directory(path)
    yield directory
    directory.close()


@pytest.fixture
def session(directory):
    with directory.session() as s:
        yield s
