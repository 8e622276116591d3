"""The directory's taxonomies and their terms, held in memory (a few hundred rows in a real directory), with the
taxonomy of ketdir's own fields that the published services' attributes point to (ketdir.interop.extensions),
so every term a service names can be looked up."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ketdir.interop import extensions
from ketdir.interop.export import hsds_object
from ketdir.store.models import Taxonomy, TaxonomyTerm


def _key(row: dict[str, Any]) -> tuple[str, str]:
    return ((row.get("name") or "").casefold(), str(row["id"]))


def _matches(row: dict[str, Any], words: str, fields: tuple[str, ...]) -> bool:
    return words in " ".join(str(row.get(f) or "") for f in fields).casefold()


@dataclass(frozen=True)
class Vocabulary:
    by_taxonomy: dict[str, dict[str, Any]]
    by_term: dict[str, dict[str, Any]]
    taxonomy_order: tuple[str, ...]  # by name, then id
    term_order: tuple[str, ...]

    @classmethod
    def read(cls, session: Session) -> Vocabulary:
        taxonomies = {r.id: dict(r._mapping) for r in session.execute(select(*Taxonomy.__table__.c))}
        terms = {r.id: dict(r._mapping) for r in session.execute(select(*TaxonomyTerm.__table__.c))}
        taxonomies.setdefault(extensions.TAXONOMY_ID, extensions.taxonomy_row())
        for row in extensions.term_rows():
            terms.setdefault(row["id"], row)
        return cls(taxonomies, terms, tuple(sorted(taxonomies, key=lambda i: _key(taxonomies[i]))),
                   tuple(sorted(terms, key=lambda i: _key(terms[i]))))

    @property
    def rows(self) -> dict[str, dict[str, dict[str, Any]]]:
        """As nested_rows takes rows it need not read (table -> id -> row)."""
        return {"taxonomy": self.by_taxonomy, "taxonomy_term": self.by_term}

    def taxonomies(self, search: str = "") -> list[dict[str, Any]]:
        words = search.casefold()
        rows = (self.by_taxonomy[i] for i in self.taxonomy_order)
        return [r for r in rows if not words or _matches(r, words, ("name", "description"))]

    def taxonomy(self, taxonomy_id: str) -> dict[str, Any] | None:
        return self.by_taxonomy.get(taxonomy_id)

    def terms(self, *, search: str = "", taxonomy_id: str | None = None, parent_id: str | None = None,
              top_only: bool = False) -> list[dict[str, Any]]:
        words = search.casefold()
        out = []
        for term_id in self.term_order:
            row = self.by_term[term_id]
            if taxonomy_id and row.get("taxonomy_id") != taxonomy_id:
                continue
            if parent_id and row.get("parent_id") != parent_id:
                continue
            if top_only and row.get("parent_id"):
                continue
            if words and not _matches(row, words, ("name", "description", "code")):
                continue
            out.append(row)
        return out

    def term(self, term_id: str) -> dict[str, Any] | None:
        return self.by_term.get(term_id)

    def term_object(self, row: dict[str, Any]) -> dict[str, Any]:
        """A term with the taxonomy it belongs to (`taxonomy_detail`), as terms are nested in a service."""
        obj = hsds_object("taxonomy_term", row)
        taxonomy = self.by_taxonomy.get(row.get("taxonomy_id"))
        if taxonomy is not None:
            obj["taxonomy_detail"] = hsds_object("taxonomy", taxonomy)
        return obj
