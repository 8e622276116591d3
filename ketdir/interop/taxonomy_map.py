"""Foreign taxonomy terms (ORUK esdServiceType, Open Eligibility, ...) to ketdir need types.

The mapping lives in data/taxonomy_map.csv (columns taxonomy, code_or_term, need), editable by
people who know the feeds; a person importing can add rows of their own in the same format (`ketdir import
--terms FILE`, or the window's "Need types for terms"). Foreign terms are always kept as they came; a
mapped term adds an extra `attribute` linking the service to our `ketdir-need` term, so search by need type
finds it.

A term is matched by its code or name in its own taxonomy (or "*"), then — forgiving — by its name as any
taxonomy's row spells it ("Counselling services" = "Counselling Service"), then by words in its name
(data/taxonomy_words.csv: "Drug and alcohol support" has "drug"). The last two are guesses, reported as such.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ketdir.csvsafe import restore
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


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def name_words(value: str | None) -> tuple[str, ...]:
    """'Drugs & Alcohol Services' -> ('drug', 'and', 'alcohol', 'service'): the forgiving form of a name."""
    text = (value or "").lower().replace("&", " and ")
    return tuple(_singular(w) for w in re.findall(r"[a-z0-9]+", text))


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


@dataclass
class TaxonomyMap:
    entries: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (taxonomy key, term) -> needs
    problems: list[Problem] = field(default_factory=list)
    file: str = "taxonomy_map.csv"
    words: list[tuple[tuple[str, ...], str]] = field(default_factory=list)  # (phrase, need), longest first
    _by_name: dict[tuple[str, ...], list[str]] | None = field(default=None, repr=False, compare=False)

    def add(self, taxonomy: str, term: str, need: str) -> None:
        key = (ANY if taxonomy.strip() in ("", ANY) else taxonomy_key(taxonomy), _term_key(term))
        needs = self.entries.setdefault(key, [])
        if need not in needs:
            needs.append(need)
        self._by_name = None

    def merged(self, extra: "TaxonomyMap") -> "TaxonomyMap":
        """This map with another's rows added (a person's own rows win nothing: both apply)."""
        out = TaxonomyMap({k: list(v) for k, v in self.entries.items()}, [*self.problems, *extra.problems],
                          self.file, list(self.words))
        for (taxonomy, term), needs in extra.entries.items():
            for need in needs:
                out.entries.setdefault((taxonomy, term), [])
                if need not in out.entries[(taxonomy, term)]:
                    out.entries[(taxonomy, term)].append(need)
        return out

    def _names(self) -> dict[tuple[str, ...], list[str]]:
        if self._by_name is None:
            by_name: dict[tuple[str, ...], list[str]] = {}
            for (_taxonomy, term), needs in self.entries.items():
                found = by_name.setdefault(name_words(term), [])
                found.extend(n for n in needs if n not in found)
            self._by_name = by_name
        return self._by_name

    def guess_needs(self, name: str | None) -> list[str]:
        """Needs suggested by a term's name alone: any taxonomy's row with the same name, else words in it."""
        words = name_words(name)
        if not words:
            return []
        same = self._names().get(words)
        if same:
            return list(same)
        found: list[str] = []
        for phrase, need in self.words:
            if need not in found and _contains(words, phrase):
                found.append(need)
        return found

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
        taxonomy = restore((row.get("taxonomy") or "").strip())  # as the terms file to fill in wrote them
        term = restore((row.get("code_or_term") or "").strip())
        need = (row.get("need") or "").strip().lower()
        if not taxonomy or not term or not need:  # a term left without a need stays unmapped
            continue
        if need not in known:
            result.problems.append(Problem(ERROR, file, number, "need",
                                           f"“{need}” is not a need type; use one of {', '.join(sorted(known))}.",
                                           code="taxonomy-map"))
            continue
        result.add(taxonomy, term, need)
    return result


def parse_words(text: str) -> list[tuple[tuple[str, ...], str]]:
    """data/taxonomy_words.csv: (phrase words, need), longest phrases first."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    known = set(need_types().codes)
    found = []
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        phrase, need = name_words(row.get("words")), (row.get("need") or "").strip().lower()
        if phrase and need in known:
            found.append((phrase, need))
    return sorted(found, key=lambda item: -len(item[0]))


_CACHE: dict[tuple[str, float], TaxonomyMap] = {}


def load_taxonomy_map(path: Path | None = None) -> TaxonomyMap:
    """The bundled map (data/taxonomy_map.csv with data/taxonomy_words.csv), or the rows of another file."""
    bundled = path is None
    path = Path(path or data_dir() / "taxonomy_map.csv")
    if not path.exists():
        return TaxonomyMap(file=path.name)
    stamp = (str(path), path.stat().st_mtime)
    if stamp not in _CACHE:
        if len(_CACHE) > 8:
            _CACHE.clear()
        result = parse_taxonomy_map(path.read_text(encoding="utf-8-sig"), path.name)
        words = data_dir() / "taxonomy_words.csv"
        if bundled and words.exists():
            result.words = parse_words(words.read_text(encoding="utf-8-sig"))
        _CACHE[stamp] = result
    return _CACHE[stamp]
