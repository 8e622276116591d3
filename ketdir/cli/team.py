"""Team-mode commands: `ketdir bundle export|import`, `ketdir log export|merge`, `ketdir login`,
`ketdir db upgrade`. Each handler(args) -> exit status calls ketdir.app.team; `args.db` is the global --db."""
from __future__ import annotations

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


def _bundle_export(args) -> int:
    from ketdir.app import open_directory
    from ketdir.app.team import export_bundle

    directory = open_directory(args.db)
    try:
        report = export_bundle(directory, args.file)
    finally:
        directory.close()
    print(f"Wrote {report.path}: {report.services} services, content hash {report.content_hash[:12]}.")
    return 0


def _bundle_import(args) -> int:
    from ketdir.app.team import import_bundle

    report = import_bundle(args.db, args.file)
    print(f"Replaced the directory with {report.path} ({report.services} services, made {report.created_at}); "
          f"kept {report.kept_referrals} referrals in the local log.")
    return 0


def _log_export(args) -> int:
    from ketdir.app import open_directory
    from ketdir.app.team import export_log

    directory = open_directory(args.db)
    try:
        done = export_log(directory, args.file)
    finally:
        directory.close()
    n = done.referrals
    print(f"Wrote {n} referral{'s' if n != 1 else ''} to {done.path}. Send it to the team; merging it twice adds nothing.")
    return 0


def _log_merge(args) -> int:
    from ketdir.app import open_directory
    from ketdir.app.team import merge_log, read_logs

    logs = read_logs(args.files)
    directory = open_directory(args.db)
    try:
        for log in logs:
            merged = merge_log(directory, log, args.origin)
            print(merged.text())
            for problem in merged.report.problems:
                print(f"  {problem}", file=sys.stderr)
    finally:
        directory.close()
    return 0


def _login(args) -> int:
    import getpass

    from ketdir.app.team import login_target, save_login

    target = login_target(args.db)
    password = getpass.getpass(f"Password for {target.user or 'you'} at {target.shown}: ")
    saved = save_login(target, password)
    print(f"Saved the password for {saved.shown} in {saved.where}. Use the address without a password from now on.")
    return 0


def _db_upgrade(args) -> int:
    from ketdir.app.team import upgrade_database

    done = upgrade_database(args.db, backup_done=args.backup_done)
    if not done.changed:
        print(f"{done.shown} is already at schema {done.to_version}.")
        return 0
    print(f"Upgraded {done.shown} from schema {done.from_version} to {done.to_version}." +
          (f" Backup: {done.backup}" if done.backup else ""))
    return 0
