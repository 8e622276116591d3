"""The search-index interface: what ketdir needs of a backend's full-text index. One implementation per backend
(sqlite.py: FTS5; postgres.py: tsvector, GIN and pg_trgm); ketdir.store.search_index.search_index picks one."""
from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Iterable, Sequence

from sqlalchemy import Engine

from ketdir.store.search_index.match import Alternatives, Area, Match

MAX_EXPANSION = 24  # a prefix standing for more words than this stays a prefix


class SearchIndex(ABC):
    """The full-text index over ketdir_search_doc (alias d in the SQL it gives) on one backend: how it is made
    and kept up to date, and the SQL a search uses. Implementations hold no state."""

    # Typed prefixes at least this long are looked up in the word list (ketdir_vocab) and replaced by the whole
    # words they begin (see expand_prefixes): for these the index finds whole words far faster than a prefix.
    shortest_looked_up: int

    # ------------------------------------------------------------------ making and keeping the index

    @abstractmethod
    def create(self, engine: Engine) -> None:
        """Make the full-text index (and its helpers) for a new database; safe to run again."""

    @abstractmethod
    def drop_statements(self) -> list[str]:
        """SQL removing the full-text index and its helpers (a schema upgrade makes them again)."""

    @abstractmethod
    def bulk_rewrite(self, conn) -> AbstractContextManager:
        """A context for rewriting many search rows at once (an import, a schema upgrade) inside the caller's
        transaction; the index is whole again when it ends."""

    @abstractmethod
    def optimize(self, conn) -> None:
        """Make lookups fast again after rewriting many rows."""

    @abstractmethod
    def refresh_vocabulary(self, conn, service_ids: Iterable[str] | None = None) -> None:
        """Bring the word list (ketdir_vocab) up to date after these services' search rows changed (None: all)."""

    # ------------------------------------------------------------------ SQL for a search

    @abstractmethod
    def match_source(self, match: Match) -> tuple[str, dict]:
        """SQL for a text match on ketdir_search_doc d: (FROM ... WHERE ..., parameters)."""

    @abstractmethod
    def count_source(self, match: Match) -> tuple[str, dict]:
        """FROM/WHERE to count matches, reading as little as the index allows."""

    @abstractmethod
    def capped_count(self, source: str, probe_pages: int = 0) -> str:
        """SQL counting the rows of `source` (FROM ... WHERE ...) up to :cap. probe_pages: first count within
        that many pages of the table, where the backend can (see postgres.py)."""

    @abstractmethod
    def area_key(self, area: Area | None) -> object:
        """What of an area this backend's search uses: two areas with the same key find the same services."""

    @abstractmethod
    def id_list(self, column: str, param: str, ids) -> tuple[str, object]:
        """A condition "column is one of ids" with ONE bound parameter (thousands of ids stay cheap)."""

    @abstractmethod
    def id_set(self, conn, name: str, key: object, ids) -> tuple[str, dict]:
        """A condition "d.<name> is one of ids" for a set that many statements of a search share (the service
        hours open this minute); `key` names the set (the same key: the same ids)."""

    @abstractmethod
    def words_beginning(self, conn, prefix: str, n: int) -> list[str]:
        """Up to n words of the word list beginning with `prefix`, in order."""

    @abstractmethod
    def spelling_words(self, conn, limit: int) -> list[str] | None:
        """The spelling vocabulary (3+ letters, no tags; most used first, then by code point), for search to
        hold in memory; None where the server is asked for the few words near a misspelt one instead."""

    # ------------------------------------------------------------------ shared

    def expand_prefixes(self, conn, groups: Sequence[Alternatives], known: dict | None = None) -> list:
        """The groups with each long prefix replaced by the whole words it begins; unchanged when the prefix
        begins too many words, or when the word list does not know it. known: the words of prefixes looked up
        before (the caller keeps it while the word list is unchanged: one statement less per keystroke)."""
        shortest = self.shortest_looked_up
        expanded = []
        for group in groups:
            long = [p for p in group.prefixes if len(p) >= shortest]
            if not long:
                expanded.append(group)
                continue
            phrases, prefixes = list(group.phrases), [p for p in group.prefixes if len(p) < shortest]
            begun = list(getattr(group, "begun", []))
            for prefix in long:
                found = known.get(prefix) if known is not None else None
                if found is None:
                    found = self.words_beginning(conn, prefix, MAX_EXPANSION + 1)
                    if known is not None:
                        if len(known) > 5000:
                            known.clear()
                        known[prefix] = found
                if found and len(found) <= MAX_EXPANSION:
                    phrases += [(w,) for w in found if (w,) not in phrases]
                    begun.append(prefix)  # ranking still sees a word start ("alcoho" in "alcoholics")
                else:
                    prefixes.append(prefix)
            expanded.append(replace(group, phrases=phrases, prefixes=prefixes, begun=begun))
        return expanded
