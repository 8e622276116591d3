"""Server passwords, never in settings or logs.

A URL in settings or on the command line carries no password (`postgresql+psycopg://anna@db.example/ketdir`).
The password comes from, in order: the system keyring (if the `keyring` package and a real backend are
installed), or a PostgreSQL password file (`~/.pgpass`, or $PGPASSFILE) that only its owner may read (0600).
`ketdir --db URL login` asks for the password once and saves it there. Any URL ketdir shows has its password
masked.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from ketdir.problems import Unavailable

KEYRING_SERVICE = "ketdir"


class CredentialProblem(Unavailable):
    """A password store that cannot be used safely, with a message for people."""


def display_url(url: str | URL) -> str:
    """The URL with any password masked, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: show nothing that could be a secret
        text = str(url)
        return text.split("@")[-1] if "@" in text else text


def without_password(url: str | URL) -> str:
    """The URL to keep in settings: no password at all."""
    u = make_url(url)
    bare = URL.create(u.drivername, username=u.username, host=u.host, port=u.port, database=u.database, query=u.query)
    return bare.render_as_string(hide_password=False)


def pgpass_path() -> Path:
    return Path(os.environ.get("PGPASSFILE") or Path.home() / ".pgpass")


def _key(url: URL) -> str:
    return f"{url.username or ''}@{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _keyring():
    """The keyring module when it has a usable (not fail/null/plaintext) backend, else None."""
    if os.environ.get("KETDIR_NO_KEYRING"):
        return None
    try:
        import keyring
        from keyring.backends import fail
    except Exception:
        return None
    backend = keyring.get_keyring()
    name = type(backend).__module__ + "." + type(backend).__name__
    if isinstance(backend, fail.Keyring) or "null" in name.lower() or "plaintext" in name.lower():
        return None
    return keyring


def check_pgpass(path: Path | None = None) -> Path | None:
    """The password file if it exists and only its owner can read it; CredentialProblem if others can."""
    path = path or pgpass_path()
    if not path.exists():
        return None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise CredentialProblem(
            f"The password file {path} can be read by other people (permissions {mode:04o}). ketdir will not use "
            f"it until only you can: run `chmod 600 {path}`."
        )
    return path


def _unescape_fields(line: str) -> list[str]:
    fields, cur, i = [], [], 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            cur.append(line[i + 1])
            i += 2
            continue
        if ch == ":":
            fields.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    fields.append("".join(cur))
    return fields


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _pgpass_fields(url: URL) -> list[str]:
    return [url.host or "localhost", str(url.port or 5432), url.database or "*", url.username or "*"]


def lookup_password(url: str | URL) -> str | None:
    """The saved password for this server, database and user, or None."""
    url = make_url(url)
    if url.password:
        return str(url.password)
    kr = _keyring()
    if kr is not None:
        try:
            found = kr.get_password(KEYRING_SERVICE, _key(url))
        except Exception:
            found = None
        if found:
            return found
    path = check_pgpass()
    if path is None:
        return None
    want = _pgpass_fields(url)
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        fields = _unescape_fields(raw)
        if len(fields) < 5:
            continue
        if all(f == "*" or f == w for f, w in zip(fields[:4], want)):
            return ":".join(fields[4:])
    return None


def save_password(url: str | URL, password: str, *, use_keyring: bool | None = None) -> str:
    """Save the password for this server/database/user; returns where ("system keyring" or the file path)."""
    url = make_url(url)
    kr = _keyring() if use_keyring is not False else None
    if kr is not None:
        kr.set_password(KEYRING_SERVICE, _key(url), password)
        return "the system keyring"
    path = pgpass_path()
    if path.exists():
        check_pgpass(path)
        lines = path.read_text(encoding="utf-8").splitlines()
    else:
        lines = []
    want = _pgpass_fields(url)
    kept = [ln for ln in lines if _unescape_fields(ln)[:4] != want]
    kept.append(":".join(_escape(f) for f in want) + ":" + _escape(password))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".ketdir-new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(kept) + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return str(path)
