"""Alembic migrations for ketdir databases (SQLite and PostgreSQL). Run by ketdir.store.engine on open.

Revision ids are the schema versions: "0001" is schema 1 (ketdir 0.1, before Alembic: such databases are
stamped 0001 and upgraded from there), "0002" schema 2, and so on. New databases are made from the models
and stamped at head. Every change to ketdir.store.models needs a revision here;
tests/pg/test_migrations.py fails when the models and the migrated schema differ.
"""
