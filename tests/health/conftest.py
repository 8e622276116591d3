import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: backends

from backends import BACKENDS, new_directories, pg_directory_template  # noqa: E402


@pytest.fixture(scope="session")
def pg_empty_template():
    """An empty ketdir directory on the PostgreSQL test server, made once; new_db copies it."""
    with pg_directory_template() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def new_db(request, tmp_path):
    """New directories for a test, once per backend: new_db() gives another each call — a SQLite path, or a
    new database on the PostgreSQL test server (tests/backends.py). build(new_db(), records) fills one."""
    template = request.getfixturevalue("pg_empty_template") if request.param == "postgresql" else None
    with new_directories(request.param, tmp_path, template) as make:
        yield make
