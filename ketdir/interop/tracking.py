"""Which services came from which import source, so a re-import can update, remove and detect conflicts.

Two small tables of ketdir's own, created by the first import (inside its transaction):

- `ketdir_import_source`: one row per source (name, when it was last imported, its content hash).
- `ketdir_imported_service`: one row per (source, service): the service's `version` right after the
  import wrote it and the hash of what the source said about it. A later import compares: a different
  version means someone edited the service here since (a conflict if the source changed it too); the
  same hash means the source has not changed the service, so there is nothing to do.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class TrackingBase(DeclarativeBase):
    pass


class ImportSource(TrackingBase):
    __tablename__ = "ketdir_import_source"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str | None] = mapped_column(String(16))
    path: Mapped[str | None] = mapped_column(Text)
    services: Mapped[int] = mapped_column(Integer, default=0)


class ImportedService(TrackingBase):
    __tablename__ = "ketdir_imported_service"
    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)


TABLES = (ImportSource.__table__, ImportedService.__table__)


def has_tracking(session: Session) -> bool:
    names = set(inspect(session.connection()).get_table_names())
    return all(t.name in names for t in TABLES)


def ensure_tracking(session: Session) -> None:
    """Create the tracking tables inside the session's current transaction (rolled back with it)."""
    conn = session.connection()
    for table in TABLES:
        table.create(bind=conn, checkfirst=True)
