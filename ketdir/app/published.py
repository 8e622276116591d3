"""Import from a published Open Referral UK 3.0 API: read it (all of it, or only what changed since this source
was last imported into the directory) into a Dataset for the usual check and import (ketdir.app.imports).

`ketdir import URL` and the window's import dialog reach this through `imports.read_input`, which sends a URL
here and a path to the file readers.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ketdir.app.directory import Directory, open_directory, reading
from ketdir.app.progress import Progress
from ketdir.interop.apply import RETIRED_HASH
from ketdir.interop.dataset import Dataset
from ketdir.interop.read_oruk_api import base_url, looks_like_url, read_oruk_api
from ketdir.store.models import ImportedService, ImportSource

MAX_SOURCE = 200  # the length of ImportSource.name

__all__ = ["looks_like_url", "previous_import", "read_published"]


def read_published(target, url: str, *, source: str | None = None, progress: Progress | None = None) -> Dataset:
    """The API at `url` as a Dataset. Raises FeedProblem (nothing read, nothing changed) or Cancelled."""
    base = base_url(url)
    source = (source or base)[:MAX_SOURCE]
    since, known = previous_import(target, source)
    return read_oruk_api(base, source=source, since=since, known=known, steps=progress or Progress())


def previous_import(target, source: str) -> tuple[dt.datetime | None, frozenset[str]]:
    """When `source` was last imported into the directory (UTC) and the services it gave (and did not retire);
    nothing when the directory does not exist yet or never had it."""
    from ketdir.app.imports import _no_directory_yet, _url

    if not isinstance(target, Directory) and _no_directory_yet(_url(target)):
        return None, frozenset()
    directory = target if isinstance(target, Directory) else open_directory(target)
    try:
        with reading(directory) as session:
            imported_at = session.execute(select(ImportSource.imported_at)
                                          .where(ImportSource.name == source)).scalar()
            # A service the source retired is not known: listed again, it is read whole (and comes back).
            known = frozenset(session.execute(select(ImportedService.service_id).where(
                ImportedService.source == source, ImportedService.content_hash != RETIRED_HASH)).scalars())
    finally:
        if directory is not target:
            directory.close()
    if imported_at is None:
        return None, frozenset()
    return imported_at, known  # stored in UTC, as modified_after asks
