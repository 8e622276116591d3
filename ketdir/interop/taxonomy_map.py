"""Foreign taxonomy terms (ORUK esdServiceType, Open Eligibility, ...) to ketdir need types.

The mapping lives in data/taxonomy_map.csv (columns taxonomy, code_or_term, need), editable by
people who know the feeds. Foreign terms are always kept as they came; a mapped term adds an extra
`attribute` linking the service to our `ketdir-need` term, so search by need type finds it.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ketdir.interop.dataset import ERROR, Problem
from ketdir.interop.read_legacy import term_code
from ketdir.needs import need_types
from ketdir.paths import data_dir

ANY = "*"


def taxonomy_key(name: str | None) -> str:
    """'esdServiceTypes', 'esdServiceType' and 'ESD service type' are one taxonomy."""
    key = re.sub(r"[^a-z0-9]", "", (name or "").lower())
    return key[:-1] if key.endswith("s") and len(key) > 3 else key


def _term_key(value: str | None) -> str:
    return re.sub(r"\s+", " ", (value or "").strip().lower())


@dataclass
class TaxonomyMap:
    entries: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (taxonomy key, term) -> needs
    problems: list[Problem] = field(default_factory=list)
    file: str = "taxonomy_map.csv"

    def needs_for(self, taxonomies: list[str | None], codes: list[str | None], names: list[str | None]) -> list[str]:
        """Need codes for a term known by these taxonomy names, codes and names."""
        found: list[str] = []
        keys = [taxonomy_key(t) for t in taxonomies if t] + [ANY]
        terms = [_term_key(c) for c in codes if c] + [_term_key(n) for n in names if n]
        for tkey in keys:
            for term in terms:
                for need in self.entries.get((tkey, term), ()):
                    if need not in found:
                        found.append(need)
        return found

    def need_for(self, taxonomy: str | None, code: str | None, name: str | None) -> str | None:
        needs = self.needs_for([taxonomy], [code], [name])
        return needs[0] if needs else None

    def needs_for_term(self, term: dict, taxonomy_names: dict[str, str]) -> list[str]:
        """Needs for a taxonomy_term row, using every name the term's taxonomy goes by."""
        implied_tax, implied_code = term_code(str(term.get("id") or ""))
        uri_tax, uri_code = term_code(str(term.get("term_uri") or "")) if term.get("term_uri") else (None, None)
        taxonomies = [term.get("taxonomy"), taxonomy_names.get(str(term.get("taxonomy_id") or "")), implied_tax, uri_tax]
        codes = [term.get("code"), implied_code if implied_tax else None, uri_code if uri_tax else None]
        return self.needs_for([str(t) for t in taxonomies if t], [str(c) for c in codes if c],
                              [str(term.get("name") or "")])


def parse_taxonomy_map(text: str, file: str = "taxonomy_map.csv") -> TaxonomyMap:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    result = TaxonomyMap(file=file)
    known = set(need_types().codes)
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if header[:3] != ["taxonomy", "code_or_term", "need"]:
        result.problems.append(Problem(ERROR, file, 1, None,
                                       "the header must be: taxonomy,code_or_term,need.", code="taxonomy-map"))
        return result
    for number, row in enumerate(reader, start=2):
        taxonomy = (row.get("taxonomy") or "").strip()
        term = (row.get("code_or_term") or "").strip()
        need = (row.get("need") or "").strip().lower()
        if not taxonomy or not term:
            continue
        if need not in known:
            result.problems.append(Problem(ERROR, file, number, "need",
                                           f"“{need}” is not a need type; use one of {', '.join(sorted(known))}.",
                                           code="taxonomy-map"))
            continue
        key = (ANY if taxonomy == ANY else taxonomy_key(taxonomy), _term_key(term))
        needs = result.entries.setdefault(key, [])
        if need not in needs:
            needs.append(need)
    return result


_CACHE: dict[tuple[str, float], TaxonomyMap] = {}


def load_taxonomy_map(path: Path | None = None) -> TaxonomyMap:
    path = Path(path or data_dir() / "taxonomy_map.csv")
    if not path.exists():
        return TaxonomyMap(file=path.name)
    stamp = (str(path), path.stat().st_mtime)
    if stamp not in _CACHE:
        _CACHE.clear()
        _CACHE[stamp] = parse_taxonomy_map(path.read_text(encoding="utf-8-sig"), path.name)
    return _CACHE[stamp]
