"""Stewardship: open a service for editing, add one, save edits, mark it verified, retire it, read its history.

The window's service editor and history dialog, and `ketdir verify / retire / history`, call these. Each
write is one transaction that re-reads the service before it ends, so the caller gets back exactly what
was saved (and the version to save against next). Problems are the KetdirProblem family: InvalidDraft and
MissingDetail (BadInput), EditConflict (Conflict: who and when; nothing of theirs or yours is lost),
ServiceMissing (NotFound), and Unavailable when the database is locked, read-only or unreachable.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ketdir import editing as core
from ketdir.app.directory import Directory, reading, writing
from ketdir.editing import ChangeEntry, LoadedService, ServiceDraft, ServiceMissing
from ketdir.store.models import Service


@dataclass(frozen=True)
class ServiceHistory:
    service_id: str
    name: str
    entries: tuple[ChangeEntry, ...]  # newest first


def _missing(service_id: str) -> ServiceMissing:
    return ServiceMissing(
        f"There is no service with the id {service_id} in this directory (perhaps an import removed it)."
    )


def _reloaded(session, service_id: str) -> LoadedService:
    loaded = core.load_draft(session, service_id)
    if loaded is None:
        raise _missing(service_id)
    return loaded


def load_service(directory: Directory, service_id: str) -> LoadedService:
    """The service as a draft for the editor, with the version to save against."""
    with reading(directory) as session:
        return _reloaded(session, service_id)


def save_service(directory: Directory, draft: ServiceDraft, editor: str, *, service_id: str | None = None,
                 expected_version: int | None = None, verified_on: dt.date | None = None) -> LoadedService:
    """Add a new service (no `service_id`) or save an edited one against the version it was loaded at.
    `verified_on`: the person also checked the details with the service on that day."""
    with writing(directory) as session:
        if service_id is None:
            service_id = core.create_service(session, draft, editor, verified_on=verified_on)
        else:
            core.update_service(session, service_id, draft, expected_version, editor, verified_on=verified_on)
        return _reloaded(session, service_id)


def mark_verified(directory: Directory, service_id: str, editor: str, today: dt.date | None = None, *,
                  expected_version: int | None = None) -> LoadedService:
    """A person checked the details with the service today: its assured date becomes today."""
    with writing(directory) as session:
        core.mark_verified(session, service_id, editor, today, expected_version=expected_version)
        return _reloaded(session, service_id)


def retire_service(directory: Directory, service_id: str, editor: str, reason: str, *,
                   expected_version: int | None = None) -> LoadedService:
    """The service has closed: it leaves search, and keeps its record and history."""
    with writing(directory) as session:
        core.retire_service(session, service_id, editor, reason, expected_version=expected_version)
        return _reloaded(session, service_id)


def service_history(directory: Directory, service_id: str) -> ServiceHistory:
    """Every recorded change to the service, newest first."""
    with reading(directory) as session:
        service = session.get(Service, service_id)
        if service is None:
            raise _missing(service_id)
        return ServiceHistory(service_id, (service.name or "").strip(), tuple(core.history(session, service_id)))
