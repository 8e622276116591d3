"""The shortlist: an ordered list of service ids a worker is gathering to hand over.

A list with a path is kept in a small JSON file (by default under the user's data folder,
`platformdirs.user_data_dir("ketdir")`, or KETDIR_PROFILE's folder), one list per database, so switching
between the bundled directory and a team server does not mix two directories' ids. The file holds only
service ids: nothing about the person. The window keeps it there only when the person asks for the list to
survive a restart; otherwise (and with `KETDIR_NO_USER_SETTINGS=1`, tests) the list lives in memory only.
No Qt here.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

FILE_NAME = "shortlist.json"
FORMAT_VERSION = 1
MAX_ITEMS = 50  # a hand-over, not a second directory
DEFAULT_KEY = "default"


def default_path() -> Path | None:
    """Where the shortlist file lives, or None when user settings are off (KETDIR_NO_USER_SETTINGS=1)."""
    from ketdir.paths import profile_dir

    profile = profile_dir()
    if profile is not None:
        return profile / FILE_NAME
    if os.environ.get("KETDIR_NO_USER_SETTINGS") == "1":
        return None
    import platformdirs

    return Path(platformdirs.user_data_dir("ketdir", appauthor=False)) / FILE_NAME


def list_key(database_url: str | None) -> str:
    """The key of one database's list: a hash, so a server URL with a password never lands in the file."""
    if not database_url:
        return DEFAULT_KEY
    return hashlib.sha256(database_url.encode("utf-8")).hexdigest()[:16]


class ShortlistFull(ValueError):
    """The shortlist already holds MAX_ITEMS services."""


@dataclass
class Shortlist:
    """Ordered, duplicate-free service ids. Every change is saved at once when there is a path."""

    path: Path | None = None
    key: str = DEFAULT_KEY
    ids: list[str] = field(default_factory=list)
    notice: str | None = None  # what happened on load (unreadable file, services dropped), for the status bar

    # ------------------------------------------------------------------ loading and saving

    @classmethod
    def load(cls, path: Path | str | None = None, *, database_url: str | None = None,
             use_default_path: bool = True) -> Shortlist:
        """The saved list for this database (empty if none). An unreadable file is set aside, not lost."""
        if path is None and use_default_path:
            path = default_path()
        shortlist = cls(path=Path(path) if path is not None else None, key=list_key(database_url))
        if shortlist.path is None or not shortlist.path.exists():
            return shortlist
        try:
            data = json.loads(shortlist.path.read_text(encoding="utf-8"))
            ids = data["lists"].get(shortlist.key, [])
            if not isinstance(ids, list):
                raise TypeError("list expected")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            aside = _set_aside(shortlist.path)
            shortlist.notice = (
                "The saved shortlist could not be read, so it starts empty"
                + (f" (the old file was kept as {aside.name})." if aside else ".")
            )
            return shortlist
        seen: set[str] = set()
        for value in ids:
            if isinstance(value, str) and value and value not in seen and len(shortlist.ids) < MAX_ITEMS:
                seen.add(value)
                shortlist.ids.append(value)
        return shortlist

    def save(self) -> None:
        """Write the list (other databases' lists in the file are kept). Atomic: a crash leaves the old file."""
        if self.path is None:
            return
        lists: dict[str, list[str]] = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if isinstance(data.get("lists"), dict):
                    lists = {k: v for k, v in data["lists"].items() if isinstance(v, list)}
            except (OSError, ValueError, AttributeError):
                lists = {}
        if self.ids:
            lists[self.key] = list(self.ids)
        else:
            lists.pop(self.key, None)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".shortlist-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"version": FORMAT_VERSION, "lists": lists}, fh, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # ------------------------------------------------------------------ reading

    def __iter__(self) -> Iterator[str]:
        return iter(list(self.ids))

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, service_id: object) -> bool:
        return service_id in self.ids

    def index(self, service_id: str) -> int:
        return self.ids.index(service_id)

    # ------------------------------------------------------------------ changing

    def add(self, service_id: str) -> bool:
        """Append the service; False if it is already there. Raises ShortlistFull past MAX_ITEMS."""
        if not isinstance(service_id, str) or not service_id:
            raise ValueError("a service id is needed")
        if service_id in self.ids:
            return False
        if len(self.ids) >= MAX_ITEMS:
            raise ShortlistFull(f"The shortlist holds at most {MAX_ITEMS} services. Remove some first.")
        self.ids.append(service_id)
        self.save()
        return True

    def remove(self, service_id: str) -> bool:
        if service_id not in self.ids:
            return False
        self.ids.remove(service_id)
        self.save()
        return True

    def move(self, service_id: str, offset: int) -> bool:
        """Move the service `offset` places (negative: up); False when it cannot move."""
        if service_id not in self.ids or offset == 0:
            return False
        i = self.ids.index(service_id)
        j = max(0, min(len(self.ids) - 1, i + offset))
        if i == j:
            return False
        self.ids.insert(j, self.ids.pop(i))
        self.save()
        return True

    def move_up(self, service_id: str) -> bool:
        return self.move(service_id, -1)

    def move_down(self, service_id: str) -> bool:
        return self.move(service_id, 1)

    def clear(self) -> int:
        """Empty the list; return how many services were on it."""
        count = len(self.ids)
        if count:
            self.ids.clear()
            self.save()
        return count

    def replace(self, ids: Iterable[str]) -> None:
        """Set the whole order at once (drag and drop); duplicates are dropped."""
        seen: set[str] = set()
        self.ids = [i for i in ids if isinstance(i, str) and i and not (i in seen or seen.add(i))][:MAX_ITEMS]
        self.save()

    def keep_to(self, path: Path | None) -> None:
        """Keep the list in this file from now on (None: in memory only, and forget it in the old file)."""
        if path == self.path:
            return
        if self.path is not None:
            forget_saved(self.path, self.key)
        self.path = path
        self.save()

    def prune(self, session: Session) -> str | None:
        """Drop ids of services no longer in the directory; return a notice saying so, or None."""
        from ketdir.store.models import Service

        if not self.ids:
            return None
        present = set(session.execute(select(Service.id).where(Service.id.in_(self.ids))).scalars())
        return self.drop([i for i in self.ids if i not in present])

    def drop(self, gone: Iterable[str]) -> str | None:
        """Drop these ids (services no longer in the directory); return a notice saying so, or None."""
        gone = [i for i in dict.fromkeys(gone) if i in self.ids]
        if not gone:
            return None
        self.ids = [i for i in self.ids if i not in gone]
        self.save()
        n = len(gone)
        return (
            f"{n} service{'s' if n != 1 else ''} on the shortlist {'are' if n != 1 else 'is'} no longer in the "
            f"directory and {'were' if n != 1 else 'was'} removed from the shortlist."
        )


def forget_saved(path: Path | None, key: str) -> bool:
    """Remove one database's list from the file, if it is there (the other databases' lists stay)."""
    if path is None or not path.exists():
        return False
    try:
        lists = json.loads(path.read_text(encoding="utf-8")).get("lists")
    except (OSError, ValueError, AttributeError):
        return False
    if not isinstance(lists, dict) or key not in lists:
        return False
    Shortlist(path, key).save()  # an empty list removes this database's entry
    return True


def _set_aside(path: Path) -> Path | None:
    aside = path.with_name(path.name + ".unreadable")
    try:
        os.replace(path, aside)
        return aside
    except OSError:
        return None
