"""Team work: field bundles (the whole directory in one checked file), moving referral logs from laptops to
the team server, saving a server password, and upgrading an older database.

`ketdir bundle|log|login|db upgrade` call these. Policy lives here: a bundle is checked completely before any
database is opened or made, and never replaces the bundled training directory; logs are all read before any
is merged, and each merges in its own transaction (merging the same log twice adds nothing).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ketdir.store.times import local_time, utc_now
from ketdir.app.directory import Directory, open_directory, reading, writing
from ketdir.problems import BadInput, NotFound, Refused, Unavailable
from ketdir.referral.log import ImportReport
from ketdir.team.bundle import BundleReport

# --------------------------------------------------------------------------------------------- bundles

BUNDLED_REFUSAL = (
    "resources.db is the bundled training directory, rebuilt from data/ by `ketdir build-db`: a bundle put into "
    "it would be lost. Put the bundle into a directory file of your own instead: ketdir --db field.db bundle "
    "import FILE (it is made if missing), then open that file. Nothing was changed."
)


def export_bundle(directory: Directory, path: str | os.PathLike) -> BundleReport:
    """Write the directory as one bundle file (one snapshot of every table). BundleProblem if it cannot."""
    from ketdir.team import bundle

    return bundle.export_bundle(directory, Path(path))


def import_bundle(db: str | os.PathLike | None, path: str | os.PathLike) -> BundleReport:
    """Check the bundle completely, then replace the directory at `db` with it (made if missing), keeping the
    local referral log. A damaged or altered bundle changes nothing and makes nothing."""
    from ketdir.paths import bundled_db
    from ketdir.store.engine import resolve_url
    from ketdir.team import bundle

    if resolve_url(db) == resolve_url(bundled_db()):
        raise Refused(BUNDLED_REFUSAL)
    bundle.read_bundle(Path(path))  # check before opening (or creating) anything
    directory = open_directory(db, create=True)
    try:
        return bundle.import_bundle(directory, Path(path))
    finally:
        directory.close()


# --------------------------------------------------------------------------------------------- referral logs


@dataclass(frozen=True)
class LogExported:
    path: Path
    referrals: int


def export_log(directory: Directory, path: str | os.PathLike) -> LogExported:
    """Write this copy's anonymous referral log as CSV, to send to the team (written whole or not at all)."""
    from ketdir.referral.log import export_csv

    target = Path(path)
    partial = target.with_name(f".{target.name}.writing")
    try:
        with reading(directory) as session, partial.open("w", encoding="utf-8", newline="") as fh:
            count = export_csv(session, fh)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise Unavailable(f"Could not write {target}: {exc.strerror or exc}. Choose another file; nothing was "
                          "written.") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return LogExported(target, count)


@dataclass(frozen=True)
class LogFile:
    path: Path
    text: str


def read_logs(paths: Sequence[str | os.PathLike]) -> list[LogFile]:
    """Read every log before merging any, so a file that cannot be read stops the merge before it starts."""
    logs = []
    for path in map(Path, paths):
        try:
            logs.append(LogFile(path, path.read_text(encoding="utf-8-sig")))
        except UnicodeDecodeError:
            raise BadInput(f"{path} is not a referral log written by `ketdir log export`. Nothing was merged.") from None
        except OSError as exc:
            raise Unavailable(f"Could not read {path}: {exc.strerror or exc}. Nothing was merged.") from exc
    return logs


@dataclass(frozen=True)
class LogMerged:
    path: Path
    report: ImportReport
    merged_before: dt.datetime | None  # when the same log was merged before, if it was

    def text(self) -> str:
        note = f" (this log was merged before, on {local_time(self.merged_before):%Y-%m-%d %H:%M})" if self.merged_before else ""
        return f"{self.path}: {self.report.text()}{note}"


def merge_log(directory: Directory, log: LogFile, origin: str | None = None) -> LogMerged:
    """Merge one log in one transaction; rows already in the log are skipped, and the merge is recorded (with
    where it came from) the first time. ReferralError (BadInput), naming the file, if it is not a log."""
    from ketdir.referral.log import ReferralError, import_csv
    from ketdir.store.models import LogImport

    with writing(directory) as session:
        try:
            report = import_csv(session, log.text)
        except ReferralError as exc:
            raise ReferralError(f"{log.path}: {exc}") from None
        ids = sorted(line.split(",", 1)[0] for line in log.text.splitlines()[1:] if line.strip())
        key = hashlib.sha256("\n".join(ids).encode()).hexdigest()
        before = session.get(LogImport, key)
        merged_before = before.imported_at if before is not None else None
        if before is None:
            session.add(LogImport(id=key, imported_at=utc_now(), origin=origin,
                                  referrals=len(ids), added=report.added))
    return LogMerged(log.path, report, merged_before)


# --------------------------------------------------------------------------------------------- the server


@dataclass(frozen=True)
class LoginTarget:
    url: str  # the address, without a password
    shown: str  # as shown to people
    user: str | None


def login_target(db: str | os.PathLike | None) -> LoginTarget:
    """The server a password is for; BadInput for a file, or an address that already holds a password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from ketdir.store.credentials import display_url, without_password
    from ketdir.store.engine import resolve_url

    url = resolve_url(db)
    if url.startswith("sqlite"):
        raise BadInput("login is for database servers: give one with --db postgresql+psycopg://USER@HOST/DATABASE")
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise BadInput(f"“{display_url(url)}” is not a database address; write it as "
                       "postgresql+psycopg://USER@HOST/DATABASE") from None
    if parsed.password:
        raise BadInput("put no password in the address; `ketdir login` asks for it")
    bare = without_password(url)
    return LoginTarget(bare, display_url(bare), parsed.username)


@dataclass(frozen=True)
class LoginSaved:
    shown: str
    where: str  # "the system keyring" or the password file's path


def save_login(target: LoginTarget, password: str) -> LoginSaved:
    """Try the password on the server; only if it works, save it in the keyring or ~/.pgpass (0600)."""
    from sqlalchemy.engine import make_url

    from ketdir.store.credentials import save_password
    from ketdir.store.engine import database_problem, make_engine

    trial = make_url(target.url).set(password=password).render_as_string(hide_password=False)
    engine = make_engine(trial)
    try:
        with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001 - every driver failure becomes the message people see, password masked
        raise Unavailable(f"{database_problem(exc, trial)} Nothing was saved.") from None
    finally:
        engine.dispose()
    try:
        where = save_password(target.url, password)
    except OSError as exc:
        raise Unavailable(f"Could not save the password: {exc.strerror or exc}. Nothing was saved.") from exc
    return LoginSaved(target.shown, where)


@dataclass(frozen=True)
class Upgraded:
    shown: str
    from_version: int
    to_version: int
    backup: Path | None  # the copy made first, if ketdir made one

    @property
    def changed(self) -> bool:
        return self.from_version != self.to_version


def upgrade_database(db: str | os.PathLike | None, *, backup_done: bool = False) -> Upgraded:
    """Bring an older ketdir database to this version's schema, backing it up first (on a server, with pg_dump,
    unless the person says they backed it up themselves)."""
    from sqlalchemy.exc import DBAPIError

    from ketdir.store.engine import (SCHEMA_VERSION, database_problem, display_url, make_engine, read_schema_version,
                                     resolve_url, upgrade)

    url = resolve_url(db)
    shown = display_url(url)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).exists():
        raise NotFound(f"There is no database at {url[len('sqlite:///'):]}. Check the path. Nothing was changed.")
    engine = make_engine(url)
    try:
        try:
            version = read_schema_version(engine)
        except DBAPIError as exc:
            raise database_problem(exc, url) from exc
        if version is None:
            raise Refused(f"{shown} is not a ketdir database. Nothing was changed.")
        if version > SCHEMA_VERSION:
            raise Unavailable(f"{shown} was made by a newer version of ketdir (schema {version}; this version knows up "
                              f"to {SCHEMA_VERSION}), so it cannot be upgraded here. Update ketdir. Nothing was "
                              "changed.")
        if version == SCHEMA_VERSION:
            return Upgraded(shown, version, version, None)
        is_server = not url.startswith("sqlite")
        saved = upgrade(engine, url, version, backup=not (is_server and backup_done))
    finally:
        engine.dispose()
    return Upgraded(shown, version, SCHEMA_VERSION, saved)
