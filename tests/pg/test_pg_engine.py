"""Opening PostgreSQL directories on the real test server: the good case and every way it can go wrong,
with messages that never show a password."""
import os
import socket
import stat

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from ketdir.cli import main
from ketdir.store.engine import SCHEMA_VERSION, DatabaseProblem, get_meta, open_directory
from ketdir.store.credentials import display_url, lookup_password, save_password, without_password
from tests import backends


@pytest.fixture(autouse=True)
def no_saved_passwords(tmp_path, monkeypatch):
    """No keyring, and a private password file, so nothing on this machine leaks in or out."""
    monkeypatch.setenv("KETDIR_NO_KEYRING", "1")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when we return: nothing listens there


def test_new_server_directory_has_schema_fulltext_and_migrations(pg_url):
    d = open_directory(pg_url, create=True)
    try:
        assert d.engine.dialect.name == "postgresql"
        with d.session() as s:
            assert get_meta(s, "schema_version") == str(SCHEMA_VERSION)
        insp = inspect(d.engine)
        assert "tsv" in {c["name"] for c in insp.get_columns("ketdir_search_doc")}
        assert {"ketdir_vocab", "alembic_version", "ketdir_log_import"} <= set(insp.get_table_names())
        with d.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == f"{SCHEMA_VERSION:04d}"
            exts = set(conn.exec_driver_sql("SELECT extname FROM pg_extension").scalars())
        assert {"unaccent", "pg_trgm"} <= exts
    finally:
        d.close()
    again = open_directory(pg_url)  # opening again changes nothing
    again.close()


def test_wrong_password_is_a_clear_message_without_the_password(pg_url):
    bad = make_url(pg_url).set(password="not-the-password-123").render_as_string(hide_password=False)
    with pytest.raises(DatabaseProblem, match="refused the user name or password") as err:
        open_directory(bad)
    assert "not-the-password-123" not in str(err.value)


def test_closed_port_is_unreachable_server(pg_url):
    closed = make_url(pg_url).set(port=_free_port()).render_as_string(hide_password=False)
    with pytest.raises(DatabaseProblem, match="Cannot reach the database server") as err:
        open_directory(closed)
    assert make_url(pg_url).password not in str(err.value)


def test_missing_database_says_how_to_make_it(pg_url):
    missing = make_url(pg_url).set(database="ketdir_no_such_db").render_as_string(hide_password=False)
    with pytest.raises(DatabaseProblem, match="no database called “ketdir_no_such_db”.*createdb"):
        open_directory(missing)


def test_empty_server_database_is_not_filled_without_create(pg_url):
    with pytest.raises(DatabaseProblem, match="is empty"):
        open_directory(pg_url)


def test_other_server_database_is_refused_and_left_alone(pg_url):
    from sqlalchemy import create_engine

    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE contacts (name text)")
    engine.dispose()
    with pytest.raises(DatabaseProblem, match="not a ketdir one") as err:
        open_directory(pg_url)
    assert make_url(pg_url).password not in str(err.value)
    engine = create_engine(pg_url)
    assert set(inspect(engine).get_table_names()) == {"contacts"}
    engine.dispose()


def test_password_comes_from_a_private_password_file(pg_url, tmp_path):
    u = make_url(pg_url)
    bare = without_password(pg_url)
    assert u.password not in bare
    with pytest.raises(DatabaseProblem, match="needs a password.*ketdir --db URL login"):
        open_directory(bare, create=True)
    where = save_password(bare, u.password)
    path = tmp_path / "pgpass"
    assert where == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert lookup_password(bare) == u.password
    d = open_directory(bare, create=True)
    try:
        assert u.password not in d.display_url and u.password not in str(d.engine.url)
    finally:
        d.close()


def test_password_file_others_can_read_is_refused(pg_url, tmp_path):
    u = make_url(pg_url)
    path = tmp_path / "pgpass"
    path.write_text(f"{u.host}:{u.port}:*:{u.username}:{u.password}\n")
    os.chmod(path, 0o644)
    with pytest.raises(DatabaseProblem, match="can be read by other people.*chmod 600"):
        open_directory(without_password(pg_url), create=True)
    os.chmod(path, 0o600)
    open_directory(without_password(pg_url), create=True).close()


def test_login_command_asks_once_and_saves_privately(pg_url, tmp_path, monkeypatch, capsys):
    u = make_url(pg_url)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": u.password)
    assert main(["--db", without_password(pg_url), "login"]) == 0
    out = capsys.readouterr()
    assert u.password not in out.out + out.err
    assert stat.S_IMODE((tmp_path / "pgpass").stat().st_mode) == 0o600
    assert lookup_password(without_password(pg_url)) == u.password


def test_login_with_wrong_password_saves_nothing(pg_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "wrong-secret-456")
    assert main(["--db", without_password(pg_url), "login"]) == 1
    err = capsys.readouterr().err
    assert "refused the user name or password" in err and "wrong-secret-456" not in err
    assert not (tmp_path / "pgpass").exists()


def test_urls_are_shown_masked():
    assert display_url("postgresql+psycopg://anna:s3cret@db.example:5432/ketdir") == \
        "postgresql+psycopg://anna:***@db.example:5432/ketdir"
    assert without_password("postgresql+psycopg://anna:s3cret@db.example/ketdir") == \
        "postgresql+psycopg://anna@db.example/ketdir"


def test_cli_search_on_the_server_and_bad_server_exit_1(pg_url, capsys):
    from tests.factories import build, record

    build(pg_url, [record("Borough Bladder Clinic", needs=["bladder-urology"], lat=51.5, lon=-0.09)]).close()
    assert main(["--db", pg_url, "search", "bladder"]) == 0
    assert "Borough Bladder Clinic" in capsys.readouterr().out
    closed = make_url(pg_url).set(port=_free_port()).render_as_string(hide_password=False)
    assert main(["--db", closed, "search", "bladder"]) == 1
    err = capsys.readouterr().err
    assert "Cannot reach the database server" in err and make_url(pg_url).password not in err
