"""Schema upgrades with Alembic, on SQLite and on the PostgreSQL test server: a database made by the previous
schema (1, ketdir 0.1: no Alembic table, no ketdir_log_import) is backed up and upgraded when opened, keeps its
data, and ends up exactly like a new database."""
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, inspect, select

from ketdir.search import Query, search
from ketdir.store.engine import SCHEMA_VERSION, _alembic, get_meta, open_directory
from ketdir.store.migrations.env_filter import include_object
from ketdir.store.models import Base, Service
from tests.factories import build, record

RECORDS = [record("Borough Ketamine Bladder Clinic", needs=["bladder-urology"], lat=51.501, lon=-0.094,
                  description="Urology clinic for ketamine bladder damage.")]


def make_schema_1(url: str) -> None:
    """A database as ketdir 0.1 made it: the current tables taken back to revision 0001, then without Alembic's
    own table (0.1 did not have Alembic)."""
    build(url, RECORDS).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        _alembic(conn, "downgrade", "0001")
        conn.exec_driver_sql("DROP TABLE alembic_version")
    engine.dispose()


def test_previous_schema_is_backed_up_and_upgraded_on_open(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("KETDIR_BACKUP_DIR", str(tmp_path / "backups"))
    make_schema_1(db_url)
    engine = create_engine(db_url)
    assert "ketdir_log_import" not in inspect(engine).get_table_names()
    engine.dispose()

    d = open_directory(db_url)
    try:
        with d.session() as s:
            assert get_meta(s, "schema_version") == str(SCHEMA_VERSION)
            assert s.execute(select(func.count()).select_from(Service)).scalar() == 1
            assert [h.name for h in search(s, Query(text="ket bladder")).local] == ["Borough Ketamine Bladder Clinic"]
        with d.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == f"{SCHEMA_VERSION:04d}"
            # the upgraded schema is the models' schema: no table or column missing or different
            assert compare_metadata(MigrationContext.configure(conn, opts={"include_object": include_object}),
                                    Base.metadata) == []
    finally:
        d.close()

    if d.is_sqlite:
        path = tmp_path / "directory.db"
        backups = list(tmp_path.glob("directory.schema1-backup-*.db"))
    else:
        backups = list((tmp_path / "backups").glob("*.schema1-backup-*.dump"))
    assert len(backups) == 1 and backups[0].stat().st_size > 0
    if d.is_sqlite:  # the upgrade rewrote the search rows with the full-text triggers lifted: they are back
        with sqlite3.connect(tmp_path / "directory.db") as conn:
            triggers = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
            assert {"search_doc_ai", "search_doc_ad", "search_doc_au"} <= triggers
            assert conn.execute("SELECT ndoc FROM ketdir_vocab WHERE word = 'ketamine'").fetchone() == (1,)
    if d.is_sqlite:  # the backup is the old database, untouched
        with sqlite3.connect(backups[0]) as conn:
            assert conn.execute("SELECT value FROM ketdir_meta WHERE key='schema_version'").fetchone() == ("1",)
            assert not conn.execute("SELECT name FROM sqlite_master WHERE name='ketdir_log_import'").fetchall()
        assert path.exists()


def test_new_database_matches_the_migrations(db_url):
    d = open_directory(db_url, create=True)
    try:
        with d.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn, opts={"include_object": include_object}),
                                    Base.metadata) == []
    finally:
        d.close()


def test_server_upgrade_without_pg_dump_asks_for_a_backup(pg_url, monkeypatch, capsys):
    from ketdir.cli import main
    from ketdir.store.engine import DatabaseProblem

    make_schema_1(pg_url)
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(DatabaseProblem, match="Back it up first.*db upgrade --backup-done"):
        open_directory(pg_url)
    engine = create_engine(pg_url)
    assert "ketdir_log_import" not in inspect(engine).get_table_names()  # nothing changed
    engine.dispose()
    assert main(["--db", pg_url, "db", "upgrade", "--backup-done"]) == 0
    assert "from schema 1 to" in capsys.readouterr().out
    open_directory(pg_url).close()


def make_schema_5(url: str, *, tracking_rows: bool) -> None:
    """A database as ketdir at schema 5 left it: tracking tables made by its first import (with a row), or none."""
    build(url, RECORDS).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        _alembic(conn, "downgrade", "0005")
        if tracking_rows:
            conn.exec_driver_sql("INSERT INTO ketdir_import_source (name, imported_at, services) "
                                 "VALUES ('council feed', '2026-01-05 10:00:00', 1)")
            conn.exec_driver_sql("INSERT INTO ketdir_imported_service (source, service_id, version, content_hash, "
                                 "imported_at) VALUES ('council feed', 'svc-1', 3, 'abc', '2026-01-05 10:00:00')")
        else:
            conn.exec_driver_sql("DROP TABLE ketdir_imported_service")
            conn.exec_driver_sql("DROP TABLE ketdir_import_source")
    engine.dispose()


@pytest.mark.parametrize("tracking_rows", [True, False], ids=["made-by-an-import", "never-imported"])
def test_schema_5_gets_the_tracking_tables_under_alembic(db_url, tmp_path, monkeypatch, tracking_rows):
    from ketdir.store.models import ImportedService

    monkeypatch.setenv("KETDIR_BACKUP_DIR", str(tmp_path / "backups"))
    make_schema_5(db_url, tracking_rows=tracking_rows)
    d = open_directory(db_url)
    try:
        with d.session() as s:
            assert get_meta(s, "schema_version") == "6"
            kept = s.execute(select(ImportedService.source, ImportedService.service_id, ImportedService.version)).all()
            assert kept == ([("council feed", "svc-1", 3)] if tracking_rows else [])
        with d.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn, opts={"include_object": include_object}),
                                    Base.metadata) == []
    finally:
        d.close()
