import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: backends

from backends import BACKENDS, copy_template, pg_database  # noqa: E402


@pytest.fixture(scope="session", params=BACKENDS)
def edit_template(request, tmp_path_factory):
    """The editing test directory (edit_helpers.make_directory), built once per backend: a SQLite file, or a
    database on the PostgreSQL test server (tests/backends.py). Each test changes its own copy."""
    from edit_helpers import make_directory

    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("edit-template") / "edit.db"
        make_directory(path).close()
        yield path
    else:
        with pg_database("ketdir_tpl") as url:
            make_directory(url).close()
            yield url


@pytest.fixture
def directory_db(tmp_path, edit_template):
    """A copy of the editing test directory for this test (a .db path or a database URL), on each backend."""
    with copy_template(edit_template, tmp_path, "edit") as copy:
        yield copy


@pytest.fixture
def directory(directory_db):
    """The editing test directory, open, once per backend."""
    from ketdir.store.engine import open_directory

    directory = open_directory(directory_db)
    yield directory
    directory.close()


@pytest.fixture
def sqlite_directory(tmp_path):
    """The same directory in a SQLite file only, for the window tests."""
    from edit_helpers import make_directory

    directory = make_directory(tmp_path / "edit.db")
    yield directory
    directory.close()
