"""What a person can type never ends in a traceback or a hang: each case of issue 16 gives a clear message and
the right exit status (0 done, 1 the database or a file could not be used, 2 bad input), and a hypothesis run
over the command line's numbers and dates finds none either."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from ketdir.cli import main
from ketdir.paths import bundled_db

HANG_SECONDS = 20  # far beyond any real run of these commands on the bundled directory


@pytest.fixture(scope="module")
def directory(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "directory.db"
    shutil.copyfile(bundled_db(), path)
    return path


class Hang(Exception):
    pass


@contextlib.contextmanager
def no_hang(seconds: int = HANG_SECONDS):
    def stop(_signum, _frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(*argv: str) -> tuple[int, str]:
    """The command's exit status and everything it printed; argparse's own usage errors count as exit 2."""
    out = io.StringIO()
    with no_hang(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue()


def set_schema_version(path: Path, value: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE ketdir_meta SET value = ? WHERE key = 'schema_version'", (value,))


CASES = [
    # (name, argv after --db, exit status, words the message must hold)
    ("open at 9999-12-31", ["search", "ket", "--open-now", "--at", "9999-12-31 10:00"], 2, "outside the dates"),
    ("open at 0001-01-02", ["search", "ket", "--open-now", "--at", "0001-01-02 10:00"], 2, "outside the dates"),
    ("an age past any integer", ["search", "ket", "--age", "999999999999999999999"], 2, "--age"),
    ("a negative age", ["search", "ket", "--age=-1"], 2, "from 0 to 130"),
    ("a radius that is not a number", ["search", "ket", "--near", "SE1", "--radius", "nan"], 2, "--radius"),
    ("an endless radius", ["search", "ket", "--near", "SE1", "--radius", "inf"], 2, "--radius"),
    ("a huge limit", ["search", "ket", "--limit", "99999999999999999999"], 2, "--limit"),
    ("stale after a billion months", ["check", "--stale-months", "999999999999"], 2, "--stale-months"),
    ("checking as of the year 1", ["check", "--today", "0001-01-01", "--summary"], 2, "--today"),
    ("export into a folder that is not there", ["export", "/nonexistent-folder/out.zip"], 2, "does not exist"),
]


@pytest.mark.parametrize("argv, code, says", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_case_is_a_clear_message(directory, argv, code, says):
    got, output = run("--db", str(directory), *argv)
    assert got == code, output
    assert says in output and "Traceback" not in output


def test_a_schema_version_that_is_not_a_number(tmp_path):
    path = tmp_path / "odd.db"
    shutil.copyfile(bundled_db(), path)
    set_schema_version(path, "5a")
    code, output = run("--db", str(path), "search", "ket")
    assert code == 1 and "says its schema version is “5a”" in output


def test_upgrading_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "newer.db"
    shutil.copyfile(bundled_db(), path)
    set_schema_version(path, "99")
    code, output = run("--db", str(path), "db", "upgrade")
    assert code == 1 and "made by a newer version of ketdir (schema 99" in output
    assert "already at schema" not in output


def test_opening_an_older_schema_says_it_was_upgraded_and_where_the_copy_is(tmp_path):
    from ketdir.store.engine import _alembic

    path = tmp_path / "older.db"
    shutil.copyfile(bundled_db(), path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        _alembic(conn, "downgrade", "0005")
    engine.dispose()
    code, output = run("--db", str(path), "search", "ket")
    assert code == 0
    backups = list(tmp_path.glob("older.schema5-backup-*.db"))
    assert len(backups) == 1
    assert f"was upgraded from schema 5 to 6; the copy made before the upgrade is {backups[0]}" in output


def test_importing_while_another_program_writes(tmp_path):
    path = tmp_path / "busy.db"
    shutil.copyfile(bundled_db(), path)
    other = sqlite3.connect(path)
    other.execute("BEGIN IMMEDIATE")
    try:
        sample = Path(__file__).parent / "fixtures" / "hsds" / "service_full.json"
        code, output = run("--db", str(path), "import", str(sample))
    finally:
        other.rollback()
        other.close()
    assert code == 1 and "locked by another program" in output and "Nothing was changed" in output


def test_verifying_while_another_program_writes(tmp_path, monkeypatch):
    """The command line's message for a busy file says nothing was saved (and nothing of a form it has not got)."""
    path = tmp_path / "busy.db"
    shutil.copyfile(bundled_db(), path)
    with sqlite3.connect(path) as conn:
        (service_id,) = conn.execute("SELECT id FROM service ORDER BY id LIMIT 1").fetchone()
        before = conn.execute("SELECT * FROM service WHERE id = ?", (service_id,)).fetchone()
    monkeypatch.setenv("KETDIR_EDITOR", "Sam")
    other = sqlite3.connect(path)
    other.execute("BEGIN IMMEDIATE")
    try:
        code, output = run("--db", str(path), "verify", service_id)
    finally:
        other.rollback()
        other.close()
    assert code == 1 and "busy" in output and "nothing was saved" in output and "Try again in a moment" in output
    assert "form" not in output and "Traceback" not in output
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT * FROM service WHERE id = ?", (service_id,)).fetchone() == before


def test_importing_into_a_read_only_directory(tmp_path):
    """Read-only as the database itself says it (chmod does not stop root, who runs CI)."""
    from sqlalchemy import event

    from ketdir.app import imports, open_directory
    from ketdir.problems import Unavailable

    path = tmp_path / "read-only.db"
    shutil.copyfile(bundled_db(), path)
    directory = open_directory(path)
    event.listen(directory.engine, "connect", lambda conn, _record: conn.execute("PRAGMA query_only = ON"))
    directory.engine.dispose()
    before = path.read_bytes()
    try:
        check = imports.check_import(directory, Path(__file__).parent / "fixtures" / "hsds" / "service_full.json")
        with pytest.raises(Unavailable, match="read-only here, so nothing could be saved"):
            imports.apply_import(directory, check)
    finally:
        directory.close()
    assert path.read_bytes() == before


# ------------------------------------------------------------------ hypothesis: numbers and dates as typed

def typed(values: st.SearchStrategy) -> st.SearchStrategy[str]:
    """What a person might type: the values, numbers of any size (and their edges), and any short text."""
    huge = st.integers(min_value=10**9, max_value=10**30)
    return st.one_of(values, st.integers().map(str), huge.map(str), huge.map(lambda n: str(-n)),
                     st.floats().map(repr), st.sampled_from(["nan", "inf", "-inf", "-1", "0", "1e308", "", " "]),
                     st.text(max_size=25).filter(lambda t: "\x00" not in t))


def moments(low: dt.datetime, high: dt.datetime) -> st.SearchStrategy[str]:
    return st.datetimes(min_value=low, max_value=high).map(lambda d: d.strftime("%Y-%m-%d %H:%M"))


def days(low: dt.date, high: dt.date) -> st.SearchStrategy[str]:
    return st.dates(min_value=low, max_value=high).map(lambda d: d.isoformat())


# Near the ends of the calendar as well as anywhere: that is where dates overflowed and a loop ran for ever.
MOMENTS = st.one_of(moments(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59)),
                    moments(dt.datetime(1, 1, 1), dt.datetime(1, 2, 1)),
                    moments(dt.datetime(9999, 12, 1), dt.datetime(9999, 12, 31, 23, 59)))
DAYS = st.one_of(days(dt.date(1, 1, 1), dt.date(9999, 12, 31)), days(dt.date(1, 1, 1), dt.date(1, 3, 1)),
                 days(dt.date(9999, 10, 1), dt.date(9999, 12, 31)))
OPTIONS = {
    "--at": (["search", "ket", "--open-now"], typed(MOMENTS)),
    "--age": (["search", "ket"], typed(st.integers(-5, 200).map(str))),
    "--radius": (["search", "ket", "--near", "SE1"], typed(st.floats(-10, 2000).map(repr))),
    "--stale-months": (["check", "--summary"], typed(st.integers(-5, 5000).map(str))),
    "--today": (["check", "--summary"], typed(DAYS)),
}
FAST = settings(max_examples=40, deadline=dt.timedelta(seconds=10), derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.parametrize("option", OPTIONS)
def test_any_number_or_date_typed_gives_an_answer_or_a_message(directory, option):
    command, values = OPTIONS[option]

    @FAST
    @given(values)
    def typed_value(value: str) -> None:
        code, output = run("--db", str(directory), *command, f"{option}={value}")
        assert code in (0, 1, 2), output
        assert "Traceback" not in output

    typed_value()
