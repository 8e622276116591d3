import os
from pathlib import Path

# Qt must run offscreen in tests; set before any QApplication exists. Its one screen is a 1366×768 laptop, as
# outreach workers carry, and window-system events arrive at once, as on a desktop (delivered later, a
# completion list that has already closed is made the active window and the main window loses the keyboard).
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={Path(__file__).with_name('offscreen-laptop.json')}"
os.environ.setdefault("KETDIR_NO_USER_SETTINGS", "1")


# ---------------------------------------------------------------- database backends (tests/backends.py)
import pytest  # noqa: E402

from tests import backends  # noqa: E402


@pytest.fixture(scope="module", params=backends.BACKENDS)
def directory_url(request, tmp_path_factory):
    """URL of a fresh, empty database for this test module, once per backend (SQLite file; a new database on
    the PostgreSQL test server, dropped afterwards). Build into it with tests.factories.build(url, records)."""
    with backends.database_url(request.param, tmp_path_factory.mktemp(request.param)) as url:
        yield url


@pytest.fixture(params=backends.BACKENDS)
def db_url(request, tmp_path):
    """Like directory_url, but a fresh database for each test (for tests that change the directory)."""
    with backends.database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def pg_url():
    """A fresh database on the PostgreSQL test server (PostgreSQL-only tests)."""
    with backends.pg_database() as url:
        yield url


# ---------------------------------------------------------------- a bug in a worker thread fails the test
@pytest.fixture(autouse=True)
def fail_on_worker_bugs():
    """Every window job runs through ketdir.gui.workers, which reports exceptions that are not a
    KetdirProblem (bugs) to its hooks instead of crashing: here they fail the test that caused them.
    (pytest-qt already fails a test on an exception raised in a slot on the UI thread.)"""
    from ketdir.gui.workers import add_unexpected_error_hook, remove_unexpected_error_hook

    bugs: list[str] = []

    def hook(_exc, text):
        bugs.append(text)

    add_unexpected_error_hook(hook)
    yield bugs
    remove_unexpected_error_hook(hook)
    if bugs:
        pytest.fail("a worker thread raised:\n" + "\n".join(bugs), pytrace=False)
