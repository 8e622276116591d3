"""`ketdir build-db`: build the bundled resources.db from the text sources in data/.

The build writes a new file beside the target and moves it into place only when it is complete, so
a failed build leaves the old database as it was. The sources' content hash is stored, so a test can
tell when data/ and resources.db have drifted apart.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ketdir.paths import data_dir
from ketdir.store.engine import open_directory, set_meta
from ketdir.store.index import refresh_all
from ketdir.store.records import RecordError, add_record, ensure_need_taxonomy

# The files resources.db is built from. Search's vocabulary (synonyms.csv, lay_terms.csv, filler_words.csv,
# emergency.json, coverage_instead.csv) is read at search time, never stored: editing it needs no rebuild.
SOURCE_FILES = ("need_types.csv",)
DIRECTORY = "directory"


@dataclass
class BuildReport:
    path: Path
    services: int
    demo: int
    national: int
    content_hash: str


def source_paths(data: Path | None = None) -> list[Path]:
    data = data or data_dir()
    return [data / name for name in SOURCE_FILES] + sorted((data / DIRECTORY).glob("*.json"))


def content_hash(data: Path | None = None) -> str:
    """SHA-256 over the bundled directory's text sources (names and bytes)."""
    data = data or data_dir()
    digest = hashlib.sha256()
    for path in source_paths(data):
        digest.update(path.relative_to(data).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
        digest.update(b"\0")
    return digest.hexdigest()


def load_records(data: Path | None = None) -> list[tuple[str, dict]]:
    data = data or data_dir()
    records = []
    for path in sorted((data / DIRECTORY).glob("*.json")):
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise RecordError(f"{path.name}: not valid JSON (line {exc.lineno}): {exc.msg}") from exc
        if not isinstance(items, list):
            raise RecordError(f"{path.name}: expected a list of service records")
        records += [(path.name, item) for item in items]
    return records


def build_database(target: Path, data: Path | None = None) -> BuildReport:
    data = data or data_dir()
    target = Path(target)
    tmp = target.with_name(target.name + ".building")
    for leftover in (tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
        leftover.unlink(missing_ok=True)
    records = load_records(data)
    seen: set[str] = set()
    for origin, rec in records:
        if rec.get("id") in seen:
            raise RecordError(f"{origin}: the id {rec.get('id')} is used twice")
        seen.add(rec.get("id"))
    try:
        digest = _fill(tmp, records, data)
    except BaseException:
        for leftover in (tmp, Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
            leftover.unlink(missing_ok=True)
        raise
    os.replace(tmp, target)
    for side in (Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
        side.unlink(missing_ok=True)
    demo = sum(1 for _, r in records if r.get("demo"))
    national = sum(1 for _, r in records if r.get("national"))
    return BuildReport(target, len(records), demo, national, digest)


def _fill(tmp: Path, records: list[tuple[str, dict]], data: Path) -> str:
    directory = open_directory(tmp, create=True)
    try:
        with directory.session() as session, session.begin():
            ensure_need_taxonomy(session)
            session.flush()
            for origin, rec in records:
                add_record(session, rec, origin=origin)
            session.flush()
            refresh_all(session)
            digest = content_hash(data)
            set_meta(session, "content_hash", digest)
            set_meta(session, "source", "ketdir bundled directory (data/directory)")
        with directory.engine.connect() as conn:
            conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            conn.commit()
    finally:
        directory.close()
    conn = sqlite3.connect(tmp)  # fold the WAL into the file and keep it small
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
    finally:
        conn.close()
    return digest
