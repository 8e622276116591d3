"""Team-mode commands: `ketdir bundle export|import`, `ketdir log export|merge`, `ketdir login`,
`ketdir db upgrade`. Each handler(args) -> exit status; `args.db` is the global --db."""
from __future__ import annotations

import datetime as dt
import hashlib
import sys
from pathlib import Path


def register(subparsers) -> None:
    b = subparsers.add_parser("bundle", help="field bundles: the whole directory in one checked file")
    bsub = b.add_subparsers(dest="bundle_command", required=True)
    be = bsub.add_parser("export", help="write this directory (e.g. the team server's) as a bundle file")
    be.add_argument("file", type=Path, help="bundle file to write, e.g. directory-2026-11-25.ketdir-bundle")
    be.set_defaults(handler=_bundle_export)
    bi = bsub.add_parser("import", help="check a bundle and replace this directory with it (keeps the referral log)")
    bi.add_argument("file", type=Path)
    bi.set_defaults(handler=_bundle_import)

    lg = subparsers.add_parser("log", help="send referral logs from laptops to the team server")
    lsub = lg.add_subparsers(dest="log_command", required=True)
    le = lsub.add_parser("export", help="write this laptop's anonymous referral log (CSV)")
    le.add_argument("file", type=Path, help="CSV file to write")
    le.set_defaults(handler=_log_export)
    lm = lsub.add_parser("merge", help="merge referral logs from laptops (merging the same log twice adds nothing)")
    lm.add_argument("files", type=Path, nargs="+")
    lm.add_argument("--origin", help="where the logs came from, e.g. the laptop's name (kept with the merge record)")
    lm.set_defaults(handler=_log_merge)

    li = subparsers.add_parser("login", help="save the password for the --db server (system keyring or ~/.pgpass, 0600)")
    li.set_defaults(handler=_login)

    d = subparsers.add_parser("db", help="database upkeep")
    dsub = d.add_subparsers(dest="db_command", required=True)
    du = dsub.add_parser("upgrade", help="upgrade an older ketdir database to this version's schema")
    du.add_argument("--backup-done", action="store_true",
                    help="you have backed the server database up yourself (when pg_dump is not installed here)")
    du.set_defaults(handler=_db_upgrade)


def _open(args, **kw):
    from ketdir.store.engine import open_directory

    return open_directory(args.db, **kw)


def _bundle_export(args) -> int:
    from ketdir.team.bundle import BundleProblem, export_bundle

    directory = _open(args)
    try:
        report = export_bundle(directory, args.file)
    except BundleProblem as exc:
        print(f"ketdir: {exc}", file=sys.stderr)
        return 1
    finally:
        directory.close()
    print(f"Wrote {report.path}: {report.services} services, content hash {report.content_hash[:12]}.")
    return 0


def _bundle_import(args) -> int:
    from ketdir.team.bundle import BundleProblem, import_bundle, read_bundle

    try:
        read_bundle(args.file)  # check before opening (or creating) anything
    except BundleProblem as exc:
        print(f"ketdir: {exc}", file=sys.stderr)
        return 1
    directory = _open(args, create=True)
    try:
        report = import_bundle(directory, args.file)
    except BundleProblem as exc:
        print(f"ketdir: {exc}", file=sys.stderr)
        return 1
    finally:
        directory.close()
    print(f"Replaced the directory with {report.path} ({report.services} services, made {report.created_at}); "
          f"kept {report.kept_referrals} referrals in the local log.")
    return 0


def _log_export(args) -> int:
    from ketdir.referral.log import export_csv

    directory = _open(args)
    try:
        with directory.session() as session:
            try:
                with args.file.open("w", encoding="utf-8", newline="") as fh:
                    n = export_csv(session, fh)
            except OSError as exc:
                print(f"ketdir: could not write {args.file}: {exc.strerror}. Choose another file.", file=sys.stderr)
                return 1
    finally:
        directory.close()
    print(f"Wrote {n} referral{'s' if n != 1 else ''} to {args.file}. Send it to the team; merging it twice adds nothing.")
    return 0


def merge_log(session, text: str, origin: str | None = None):
    """Merge one log (CSV text from `log export`) idempotently; returns (ImportReport, merged_before or None)."""
    from ketdir.referral.log import import_csv
    from ketdir.store.models import LogImport

    report = import_csv(session, text)
    ids = sorted(line.split(",", 1)[0] for line in text.splitlines()[1:] if line.strip())
    key = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    before = session.get(LogImport, key)
    if before is None:
        session.add(LogImport(id=key, imported_at=dt.datetime.now().replace(microsecond=0), origin=origin,
                              referrals=len(ids), added=report.added))
        session.flush()
    return report, before


def _log_merge(args) -> int:
    from ketdir.problems import BadInput as UsageProblem
    from ketdir.referral.log import ReferralError

    texts = []
    for path in args.files:
        try:
            texts.append((path, path.read_text(encoding="utf-8-sig")))
        except OSError as exc:
            print(f"ketdir: could not read {path}: {exc.strerror}.", file=sys.stderr)
            return 1
        except UnicodeDecodeError:
            raise UsageProblem(f"{path} is not a referral log written by `ketdir log export`") from None
    directory = _open(args)
    try:
        for path, text in texts:
            with directory.session() as session, session.begin():
                try:
                    report, before = merge_log(session, text, args.origin)
                except ReferralError as exc:
                    raise UsageProblem(f"{path}: {exc}") from None
            note = f" (this log was merged before, on {before.imported_at:%Y-%m-%d %H:%M})" if before else ""
            print(f"{path}: {report.text()}{note}")
            for problem in report.problems:
                print(f"  {problem}", file=sys.stderr)
    finally:
        directory.close()
    return 0


def _login(args) -> int:
    import getpass

    from sqlalchemy.engine import make_url

    from ketdir.problems import BadInput as UsageProblem
    from ketdir.store.engine import make_engine, resolve_url, database_problem
    from ketdir.store.credentials import CredentialProblem, display_url, save_password, without_password

    url = resolve_url(args.db)
    if url.startswith("sqlite"):
        raise UsageProblem("login is for database servers: give one with --db postgresql+psycopg://USER@HOST/DATABASE")
    u = make_url(url)
    if u.password:
        raise UsageProblem("put no password in the address; `ketdir login` asks for it")
    password = getpass.getpass(f"Password for {u.username or 'you'} at {display_url(url)}: ")
    trial = make_url(url).set(password=password).render_as_string(hide_password=False)
    engine = make_engine(trial)
    try:
        with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001  (shown as a DatabaseProblem message, password masked)
        problem = database_problem(exc, trial)
        print(f"ketdir: {problem} Nothing was saved.", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    try:
        where = save_password(without_password(url), password)
    except CredentialProblem as exc:
        print(f"ketdir: {exc}", file=sys.stderr)
        return 1
    print(f"Saved the password for {display_url(without_password(url))} in {where}. "
          "Use the address without a password from now on.")
    return 0


def _db_upgrade(args) -> int:
    from sqlalchemy.exc import DBAPIError

    from ketdir.store.engine import (SCHEMA_VERSION, database_problem, display_url, make_engine, read_schema_version,
                                     resolve_url, upgrade)

    url = resolve_url(args.db)
    engine = make_engine(url)
    try:
        try:
            version = read_schema_version(engine)
        except DBAPIError as exc:
            raise database_problem(exc, url) from exc
        if version is None:
            print(f"ketdir: {display_url(url)} is not a ketdir database.", file=sys.stderr)
            return 1
        if version >= SCHEMA_VERSION:
            print(f"{display_url(url)} is already at schema {version}.")
            return 0
        is_server = not url.startswith("sqlite")
        saved = upgrade(engine, url, version, backup=not (is_server and args.backup_done))
    finally:
        engine.dispose()
    print(f"Upgraded {display_url(url)} from schema {version} to {SCHEMA_VERSION}." +
          (f" Backup: {saved}" if saved else ""))
    return 0
