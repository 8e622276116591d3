"""`ketdir`: the window by default; subcommands for searching and data work.

Each module in COMMAND_MODULES adds its subcommands with register(subparsers), giving each parser
set_defaults(handler=function(args) -> int). Handlers call `ketdir.app`; every `KetdirProblem` they raise
becomes its message on stderr and its exit status: 0 done, 1 the database or a file could not be used,
2 bad input.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys

from ketdir.problems import BadInput, KetdirProblem

COMMAND_MODULES = ("ketdir.cli.search", "ketdir.cli.interop", "ketdir.cli.health", "ketdir.cli.editing",
                   "ketdir.cli.referral", "ketdir.cli.team", "ketdir.cli.serve")

UsageProblem = BadInput  # the name the command modules use for "exit 2 with this message"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ketdir",
        description="Offline directory of ketamine, chemsex, sexual-health and support services. "
        "With no command, opens the window.",
    )
    parser.add_argument("--db", help="database: a .db file or a SQLAlchemy URL (default: $KETDIR_DB or the bundled resources.db)")
    sub = parser.add_subparsers(dest="command")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    first = argparse.ArgumentParser(add_help=False)
    first.add_argument("--db")
    known, rest = first.parse_known_args(argv)
    if not rest:  # no command: open the window at once, without loading every command's module
        from ketdir.gui.app import run

        return run(known.db)
    args = build_parser().parse_args(argv)
    from ketdir.store.records import RecordError

    notices = logging.StreamHandler(sys.stderr)  # e.g. "… was upgraded from schema 5 to 6; the copy …"
    notices.setFormatter(logging.Formatter("ketdir: %(message)s"))
    logging.getLogger("ketdir.store.engine").addHandler(notices)
    try:
        if args.command is None:
            from ketdir.gui.app import run

            return run(args.db)
        return args.handler(args)
    except KetdirProblem as exc:
        print(f"ketdir: {exc}", file=sys.stderr)
        return exc.exit_code
    except RecordError as exc:
        print(f"ketdir: {exc}", file=sys.stderr)
        return 1
    finally:
        logging.getLogger("ketdir.store.engine").removeHandler(notices)


def entry_point() -> None:
    """The `ketdir` console script."""
    if hasattr(signal, "SIGPIPE"):  # `ketdir search ... | head` ends quietly, as other commands do
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())


if __name__ == "__main__":
    entry_point()
