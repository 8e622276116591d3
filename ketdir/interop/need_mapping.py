"""Reading an import's foreign taxonomy terms as need types, attribute row by attribute row.

Shared by the whole-read check (`validate.py`) and the staged one (`stage.py`): each term is worked out once,
and what was guessed or left unmapped is remembered with where it was first seen, for the warnings.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from ketdir.interop.dataset import UnmappedTerm
from ketdir.interop.taxonomy_map import TaxonomyMap
from ketdir.needs import need_types
from ketdir.store.records import need_term_id

NO_NEED = ("this service has no ketdir need type, so it is only found by searching its text. Give it one: its "
           "taxonomy terms' need types (--terms), a need column or a need for every row in a spreadsheet's "
           "mapping, or edit it after import.")


@dataclass
class NeedMapping:
    taxonomy_map: TaxonomyMap
    terms: dict[str, dict]  # term id -> the term's row
    taxonomy_names: dict[str, str]  # taxonomy id -> name
    services: Collection[str]  # the import's service ids
    has_need: set[str] = field(default_factory=set)  # services that have a need type, given or mapped
    guessed: dict[str, tuple[Any, dict, list[str]]] = field(default_factory=dict)  # term id -> (where, term, needs)
    unmapped: dict[str, tuple[Any, dict]] = field(default_factory=dict)  # term id -> (where, term)
    unmapped_services: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    _need_terms: frozenset[str] = field(default_factory=lambda: frozenset(need_term_id(c) for c in need_types().codes))
    _mapped: dict[str, list[str]] = field(default_factory=dict)

    def needs_for(self, link: Any, term_id: Any, where: Any) -> list[str]:
        """The need codes an attribute row (service `link`, term `term_id`) adds; [] when it adds none."""
        if link not in self.services or term_id is None:
            return []
        if term_id in self._need_terms:
            self.has_need.add(link)
            return []
        term = self.terms.get(term_id)
        if term is None:
            return []
        if term_id not in self._mapped:
            needs = self.taxonomy_map.needs_for_term(term, self.taxonomy_names)
            if not needs:
                needs = self.taxonomy_map.guess_needs(str(term.get("name") or ""))
                if needs:
                    self.guessed[term_id] = (where, term, needs)
            self._mapped[term_id] = needs
        needs = self._mapped[term_id]
        if not needs:
            self.unmapped.setdefault(term_id, (where, term))
            self.unmapped_services[term_id].add(link)
            return []
        self.has_need.add(link)
        return needs

    def guess_warnings(self) -> list[tuple[Any, str]]:
        """(where, message) for each term matched only by its name."""
        labels = {n.code: n.label for n in need_types().all}
        return [(where, f"the term “{term.get('name') or term_id}” ({term.get('taxonomy') or 'no taxonomy'}) was "
                        f"matched by its name to {' and '.join(labels.get(n, n) for n in needs)}; check that is right "
                        "(a terms file can say otherwise).")
                for term_id, (where, term, needs) in self.guessed.items()]

    def unmapped_terms(self) -> list[tuple[Any, UnmappedTerm, str]]:
        """(where, the term, message) for each term that maps to no need type."""
        found = []
        for term_id, (where, term) in self.unmapped.items():
            taxonomy = str(term.get("taxonomy") or self.taxonomy_names.get(str(term.get("taxonomy_id") or "")) or "")
            found.append((where, UnmappedTerm(taxonomy, str(term.get("code") or ""), str(term.get("name") or term_id),
                                              len(self.unmapped_services[term_id])),
                          f"the term “{term.get('name') or term.get('code') or term_id}” ({taxonomy or 'no taxonomy'}) "
                          "is kept, but it does not map to a ketdir need type, so searching by need will not find "
                          "these services by it. Choose a need type for it (ketdir import --unmapped-terms FILE, "
                          "then --terms FILE; or Need types for terms… in the window)."))
        return found
