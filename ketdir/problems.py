"""The one family of errors a person can cause or meet, with messages written for them.

Every use case in `ketdir.app` raises these (and only these) for anything a person can put right; the
window shows the message, the command line prints it and exits with `exit_code`. Core packages may raise
them too: this module imports nothing of ketdir, so any layer can use it.
"""
from __future__ import annotations


class KetdirProblem(Exception):
    """Something a person can put right. The message says what happened and what to do; nothing was lost."""

    exit_code = 1
    title = "Something went wrong"

    @property
    def message(self) -> str:
        return str(self)


class BadInput(KetdirProblem):
    """What the person typed or chose cannot be used (a date that is not a date, an unknown need type)."""

    exit_code = 2
    title = "Check what you entered"


class NotFound(KetdirProblem):
    """The thing asked for is not in the directory (a service id, a file, a topic)."""

    title = "Not found"


class Unavailable(KetdirProblem):
    """The database or a file cannot be used just now: missing, locked, read-only, damaged, unreachable."""

    title = "The directory cannot be used"


class Refused(KetdirProblem):
    """The change was checked and not made (invalid data, a policy such as "not into the bundled file")."""

    title = "Not changed"


class Conflict(Refused):
    """Someone else changed the same thing first; nothing of theirs or yours was lost."""

    title = "Changed by someone else"


class Cancelled(KetdirProblem):
    """The person stopped the job; nothing was changed."""

    title = "Stopped"


def is_locked(exc: BaseException) -> bool:
    """A database error that means another program holds the lock (SQLite "locked"/"busy")."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return "locked" in text or "busy" in text


def is_read_only(exc: BaseException) -> bool:
    """A database error that means the file (or the connection) cannot be written."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return "readonly" in text or "read-only" in text or "read only" in text
