"""Opening databases: the good case, and every way a user's file can be wrong."""
import sqlite3

import pytest
from sqlalchemy import select

from ketdir.store.engine import SCHEMA_VERSION, DatabaseProblem, get_meta, open_directory, resolve_url
from ketdir.store.models import DatasetMeta, Organization, Service


def test_new_database_has_schema_version_wal_and_foreign_keys(tmp_path):
    d = open_directory(tmp_path / "new.db", create=True)
    try:
        with d.session() as s:
            assert get_meta(s, "schema_version") == str(SCHEMA_VERSION)
        with d.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        d.close()


def test_foreign_keys_are_enforced(tmp_path):
    d = open_directory(tmp_path / "fk.db", create=True)
    try:
        with pytest.raises(Exception):
            with d.session() as s, s.begin():
                s.add(Service(id="s1", name="x", organization_id="missing-org"))
    finally:
        d.close()


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(DatabaseProblem, match="There is no database at .*build-db"):
        open_directory(tmp_path / "absent.db")
    assert not (tmp_path / "absent.db").exists()


def test_not_sqlite_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 10)
    before = path.read_bytes()
    with pytest.raises(DatabaseProblem, match="not a ketdir database"):
        open_directory(path)
    assert path.read_bytes() == before


def test_other_sqlite_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    before = path.read_bytes()
    with pytest.raises(DatabaseProblem, match="not a ketdir one"):
        open_directory(path)
    assert path.read_bytes() == before


def test_corrupt_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "broken.db"
    d = open_directory(path, create=True)
    with d.session() as s, s.begin():
        for i in range(300):
            s.add(Organization(id=f"o{i}", name="Organisation " * 20))
    d.close()
    data = bytearray(path.read_bytes())
    for i in range(4096, len(data) - 100, 997):  # scribble over pages after the header
        data[i : i + 50] = b"\xff" * 50
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(DatabaseProblem, match="damaged|not a ketdir"):
        open_directory(path)
    assert path.read_bytes() == before


def test_newer_schema_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "future.db"
    d = open_directory(path, create=True)
    with d.session() as s, s.begin():
        s.merge(DatasetMeta(key="schema_version", value=str(SCHEMA_VERSION + 5)))
    d.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseProblem, match="newer version of ketdir"):
        open_directory(path)
    assert path.read_bytes() == before


def test_locked_database_gives_a_clear_message(tmp_path):
    path = tmp_path / "locked.db"
    open_directory(path, create=True).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseProblem, match="locked by another program"):
            open_directory(path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_url_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("KETDIR_DB", raising=False)
    assert resolve_url(tmp_path / "a.db").startswith("sqlite:///")
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("KETDIR_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).endswith("env.db")
    assert resolve_url(None) != resolve_url(tmp_path / "a.db")
    with open_directory(tmp_path / "env.db", create=True).session() as s:
        assert s.execute(select(DatasetMeta)).first() is not None
