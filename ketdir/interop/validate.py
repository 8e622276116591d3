"""Check a dataset before anything is written, and turn its values into the types the models hold.

Problems are reported by file, row and field. Errors block the import: a missing required column,
a row without an id or a name, an id used twice, a link to something that does not exist, a date that
is not a date, a value outside a fixed list, text too long for its column. Warnings do not: a service
never checked (no assured_date), a taxonomy term ketdir cannot map to a need type, unreadable opening
hours, coordinates that cannot be right.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any, Callable, Iterable

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, String, select
from sqlalchemy.orm import Session

from ketdir import hours as hours_mod
from ketdir.interop import extensions
from ketdir.interop.dataset import (
    ENUMS,
    ERROR,
    ESSENTIAL_REFERENCES,
    LABELS,
    MODELS,
    REFERENCES,
    REQUIRED,
    TABLE_ORDER,
    WARNING,
    Dataset,
    Problem,
    Table,
    column_default,
    columns,
)
from ketdir.interop.need_mapping import NO_NEED, NeedMapping
from ketdir.interop.postcode_places import place_by_postcode
from ketdir.interop.taxonomy_map import TaxonomyMap, load_taxonomy_map
from ketdir.needs import TAXONOMY_NAME as NEED_TAXONOMY
from ketdir.needs import need_types
from ketdir.store.models import stable_id
from ketdir.store.records import need_term_id

CHUNK = 900
# Rows of these tables must belong to something (a service, location, organisation, contact or phone).
OWNED_TABLES = {"phone", "schedule", "contact", "service_area", "language"}
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_WKST = {"MON": "MO", "TUE": "TU", "WED": "WE", "THU": "TH", "FRI": "FR", "SAT": "SA", "SUN": "SU"}
_COUNTRY = {"UK": "GB", "UNITED KINGDOM": "GB", "GREAT BRITAIN": "GB", "ENGLAND": "GB", "SCOTLAND": "GB",
            "WALES": "GB", "NORTHERN IRELAND": "GB"}


class _Bad(ValueError):
    """A value that cannot be stored; the message says what to do."""


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise _Bad("expected a single value, found a list or object")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _float(value: Any) -> float:
    kind = value.__class__
    if kind is float:
        result = value
    elif kind is str:
        try:
            result = float(value)  # float() ignores surrounding spaces
        except ValueError:
            try:
                result = float(value.strip().replace(",", ""))
            except ValueError:
                raise _Bad(f"“{value}” is not a number") from None
    elif kind is bool:
        raise _Bad("expected a number, found true/false")
    elif isinstance(value, (int, float)):
        result = float(value)
    else:
        raise _Bad(f"“{value}” is not a number")
    if result != result or result in (math.inf, -math.inf):
        raise _Bad(f"“{value}” is not a number")
    return result


def _int(value: Any) -> int:
    number = _float(value)
    if not number.is_integer():
        raise _Bad(f"“{value}” is not a whole number")
    return int(number)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad(f"“{value}” is not true or false")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if len(text) > 10 and text[10] in "T ":
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Bad(f"“{value}” is not a date; write dates as YYYY-MM-DD, e.g. 2026-03-31") from None


def _datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value).strip()
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise _Bad(f"“{value}” is not a date and time; use ISO 8601, e.g. 2026-03-31T14:30:00Z") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return moment


def converter(col) -> Callable[[Any], Any] | None:
    if isinstance(col.type, Boolean):
        return _bool
    if isinstance(col.type, DateTime):
        return _datetime
    if isinstance(col.type, Date):
        return _date
    if isinstance(col.type, Integer):
        return _int
    if isinstance(col.type, Float):
        return _float
    return None  # text


def _normalise_enum(table: str, field: str, value: str) -> str:
    if (table, field) in (("schedule", "freq"), ("schedule", "wkst"), ("service", "nation")):
        value = value.strip().upper()
        return _WKST.get(value, value) if field == "wkst" else value
    return value.strip().lower()


class _Checker:
    def __init__(self, dataset: Dataset, session: Session | None, taxonomy_map: TaxonomyMap | None):
        self.dataset = dataset
        self.session = session
        self.taxonomy_map = taxonomy_map
        self.problems = dataset.problems
        self.skip_tables: set[str] = set()
        self.ids: dict[str, dict[str, int]] = {}  # table -> id -> row index
        self._time_cache: dict[str, str | None] = {}

    def add(self, level: str, table: Table, i: int | None, field: str | None, message: str, code: str) -> None:
        if i is None:
            file = table.files[0] if table.files else LABELS.get(table.name, table.name)
            self.problems.append(Problem(level, file, None, field, message, code))
            return
        where = table.where[i]
        self.problems.append(Problem(level, where.file, where.row, where.field(field), message, code))

    # ------------------------------------------------------------------ structure

    def check_columns(self, table: Table) -> None:
        model_columns = {c.name for c in columns(table.name)}
        needed = ("id", *REQUIRED.get(table.name, ()))
        missing = [f for f in needed if f not in table.columns]
        # Links that HSDS nests (e.g. a phone's service_id inside a service) may be implied; required
        # link columns are only demanded of tabular files.
        if missing:
            label = LABELS[table.name]
            for f in missing:
                self.add(ERROR, table, None, f,
                         f"the file has no “{f}” column, and every {label} needs one. Add the column (HSDS column "
                         f"names are lower case, e.g. {f}) and import again.", "missing-column")
            self.skip_tables.add(table.name)
        extra = sorted(c for c in table.columns if c not in model_columns and c)
        if extra:
            self.add(WARNING, table, None, None,
                     f"ketdir does not keep these columns, so they were read past: {', '.join(extra)}.",
                     "not-kept-columns")
        table.columns &= model_columns

    # ------------------------------------------------------------------ values

    def coerce(self, table: Table) -> None:
        """Convert every provided column of every row, column by column (fast paths for plain text)."""
        rows = table.rows
        required = set(REQUIRED.get(table.name, ()))
        label = LABELS[table.name]
        for col in columns(table.name):
            name = col.name
            if name not in table.columns:
                continue
            convert = converter(col)
            length = col.type.length if isinstance(col.type, String) else None
            enum = ENUMS.get((table.name, name))
            default = column_default(col)
            empty = None if col.nullable else (default if default is not None else ("" if convert is None else None))
            must = name == "id" or name in required
            idish = name == "id" or name.endswith("_id")
            country = table.name == "address" and name == "country"
            missing: list[int] = []
            bad: list[tuple[int, str]] = []
            if convert is None and enum is None and not country and not idish and length is None:
                # plain text (most columns): only empty cells and non-text values need work
                for i, row in enumerate(rows):
                    value = row.get(name)
                    if not value:
                        if value is None or value == "":
                            if must:
                                missing.append(i)
                            row[name] = empty
                            continue
                    if value.__class__ is not str:
                        try:
                            row[name] = _text(value)
                        except _Bad as exc:
                            bad.append((i, str(exc)))
                            row[name] = None
            elif convert is None and enum is None and not country:
                for i, row in enumerate(rows):
                    value = row.get(name)
                    if value is None or value == "":
                        if must:
                            missing.append(i)
                        row[name] = empty
                        continue
                    if value.__class__ is not str:
                        try:
                            value = _text(value)
                        except _Bad as exc:
                            bad.append((i, str(exc)))
                            row[name] = None
                            continue
                    if idish:
                        stripped = value.strip()
                        if not stripped:
                            if must:
                                missing.append(i)
                            row[name] = empty
                            continue
                        value = stripped
                    if length is not None and len(value) > length:
                        bad.append((i, f"is too long ({len(value)} characters; at most {length})."))
                        value = None
                    row[name] = value
            else:
                cache: dict[Any, Any] = {}  # values repeat (dates, ages, fixed lists): convert each once
                cacheable = convert is not _float
                for i, row in enumerate(rows):
                    value = row.get(name)
                    if value is None or (value.__class__ is str and not value.strip()):
                        if must:
                            missing.append(i)
                        row[name] = empty
                        continue
                    if cacheable and value.__class__ is str:
                        found = cache.get(value, cache)
                        if found is not cache:
                            if found.__class__ is _Bad:
                                bad.append((i, str(found)))
                                row[name] = None
                            else:
                                row[name] = found
                            continue
                    original = value
                    try:
                        if convert is not None:
                            value = convert(value)
                        else:
                            value = _text(value)
                            if enum is not None:
                                value = _normalise_enum(table.name, name, value)
                                if value not in enum:
                                    raise _Bad(f"“{original}” is not one of the allowed values: {', '.join(enum)}. "
                                               "Use one of those (HSDS fixes this list).")
                            elif country:
                                value = _COUNTRY.get(value.strip().upper(), value.strip().upper())
                            if length is not None and len(value) > length:
                                hint = " Use the two-letter code, e.g. GB." if country else ""
                                raise _Bad(f"is too long ({len(value)} characters; at most {length}).{hint}")
                    except _Bad as exc:
                        if cacheable and original.__class__ is str:
                            cache[original] = exc
                        bad.append((i, str(exc)))
                        row[name] = None
                        continue
                    if cacheable and original.__class__ is str:
                        cache[original] = value
                    row[name] = value
            for i in missing:
                if name == "id":
                    self.add(ERROR, table, i, "id", f"this {label} has no id. Give every row a unique id.",
                             "missing-id")
                else:
                    self.add(ERROR, table, i, name, f"this {label} has no {name.replace('_', ' ')}; add one.",
                             "required")
            for i, message in bad:
                self.add(ERROR, table, i, name, message, "bad-value")
        seen = self.ids.setdefault(table.name, {})
        for i, row in enumerate(rows):
            row_id = row.get("id")
            if row_id is None:
                continue
            first = seen.setdefault(row_id, i)
            if first != i:
                where = table.where[first]
                self.add(ERROR, table, i, "id",
                         f"the id {row_id} is used twice (also at {where.file}:{where.row}). Each {label} needs its "
                         "own id.", "duplicate-id")

    # ------------------------------------------------------------------ links

    def known_ids(self, target: str, wanted: set[str]) -> set[str]:
        """Ids of `target` that exist in the dataset or, failing that, in the database."""
        present = set(self.ids.get(target, {}))
        found = wanted & present
        missing = wanted - found
        if target == "taxonomy_term":
            needs = {need_term_id(c) for c in need_types().codes}
            found |= missing & needs
            missing -= needs
        if target == "taxonomy" and extensions.NEED_TAXONOMY_ID in missing:
            found.add(extensions.NEED_TAXONOMY_ID)
            missing.discard(extensions.NEED_TAXONOMY_ID)
        if missing and self.session is not None:
            model = MODELS[target]
            ids = sorted(missing)
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                found.update(self.session.execute(select(model.id).where(model.id.in_(chunk))).scalars())
        return found

    def check_references(self, table: Table) -> None:
        refs = REFERENCES.get(table.name, {})
        if not refs:
            return
        essential = set(ESSENTIAL_REFERENCES.get(table.name, ()))
        present_refs = [f for f in refs if f in table.columns]
        wanted: dict[str, set[str]] = defaultdict(set)
        for row in table.rows:
            for f in present_refs:
                value = row.get(f)
                if value is not None:
                    wanted[refs[f]].add(value)
        known = {target: self.known_ids(target, ids) for target, ids in wanted.items()}
        label = LABELS[table.name]
        broken_rows: dict[int, list[str]] = defaultdict(list)
        for f in present_refs:  # column by column: most links are fine
            targets = known.get(refs[f], set())
            for i, row in enumerate(table.rows):
                value = row.get(f)
                if value is not None and value not in targets:
                    broken_rows[i].append(f)
        for i in sorted(broken_rows):
            row = table.rows[i]
            broken = broken_rows[i]
            links = [f for f in present_refs if row.get(f) is not None]
            owners_left = [f for f in links if f not in broken]
            for f in broken:
                target = LABELS[refs[f]]
                files = self.dataset.tables.get(refs[f])
                where = f" in {files.files[0]}" if files is not None and files.files else ""
                if f in essential or (table.name in OWNED_TABLES and not owners_left):
                    self.add(ERROR, table, i, f,
                             f"there is no {target} with id {row[f]}{where} or in the directory, so this {label} "
                             f"would point at nothing. Add the {target}, or correct the id.", "broken-link")
                else:
                    self.add(WARNING, table, i, f,
                             f"there is no {target} with id {row[f]}{where} or in the directory; this link was "
                             f"dropped (the {label} is kept with its other links).", "dropped-link")
                    row[f] = None

    # ------------------------------------------------------------------ content warnings

    def _time_problem(self, text: str) -> str | None:
        if text not in self._time_cache:
            try:
                hours_mod.parse_time(text)
                self._time_cache[text] = None
            except ValueError as exc:
                self._time_cache[text] = str(exc)
        return self._time_cache[text]

    def check_content(self) -> None:
        services = self.dataset.tables.get("service")
        if services and "service" not in self.skip_tables:
            never = [i for i, r in enumerate(services.rows) if r.get("assured_date") is None]
            for i in never:
                self.add(WARNING, services, i, "assured_date",
                         "no assured_date: nobody has recorded checking this service, so it will show as never "
                         "checked. Add the date a person last checked it.", "no-assured-date")
            for i, row in enumerate(services.rows):
                lo, hi = row.get("minimum_age"), row.get("maximum_age")
                if lo is not None and hi is not None and lo > hi:
                    self.add(WARNING, services, i, "minimum_age",
                             f"the minimum age ({lo:g}) is above the maximum age ({hi:g}); check them.", "ages")
        locations = self.dataset.tables.get("location")
        if locations:
            for i, row in enumerate(locations.rows):
                lat, lon = row.get("latitude"), row.get("longitude")
                if (lat is not None and not -90 <= lat <= 90) or (lon is not None and not -180 <= lon <= 180):
                    self.add(WARNING, locations, i, "latitude",
                             f"{lat}, {lon} are not valid coordinates, so distances to this location will be "
                             "wrong. Correct them, or leave them empty.", "coordinates")
                elif (lat is None) != (lon is None):
                    self.add(WARNING, locations, i, "longitude" if lon is None else "latitude",
                             "only one of latitude and longitude is given; both are needed.", "coordinates")
        schedules = self.dataset.tables.get("schedule")
        if schedules:
            for i, row in enumerate(schedules.rows):
                for f in ("opens_at", "closes_at"):
                    value = row.get(f)
                    if value is not None:
                        problem = self._time_problem(value)
                        if problem:
                            self.add(WARNING, schedules, i, f, problem + " These hours cannot be used for “open now”.",
                                     "schedule")

    # ------------------------------------------------------------------ need types

    def map_needs(self) -> None:
        if self.taxonomy_map is None:
            self.taxonomy_map = load_taxonomy_map()
        for problem in self.taxonomy_map.problems:
            self.problems.append(problem)
        attributes = self.dataset.tables.get("attribute")
        terms = {str(r["id"]): r for r in self.dataset.rows("taxonomy_term") if r.get("id") is not None}
        if self.session is not None and attributes:
            wanted = {r["taxonomy_term_id"] for r in attributes.rows if r.get("taxonomy_term_id")} - set(terms)
            terms.update(self._db_terms(wanted))
        taxonomy_names = {str(r["id"]): str(r.get("name") or "") for r in self.dataset.rows("taxonomy")}
        services = {r["id"] for r in self.dataset.rows("service") if r.get("id") is not None}
        if not attributes:
            attributes = self.dataset.table("attribute")
            attributes.columns |= {"id", "link_id", "taxonomy_term_id", "link_type", "link_entity"}
        existing_ids = {r.get("id") for r in attributes.rows}
        mapping = NeedMapping(self.taxonomy_map, terms, taxonomy_names, services)
        for i in range(len(attributes.rows)):
            row = attributes.rows[i]
            for code in mapping.needs_for(row.get("link_id"), row.get("taxonomy_term_id"), i):
                attr_id = stable_id(row["link_id"], "need", code)
                if attr_id in existing_ids:
                    continue
                existing_ids.add(attr_id)
                need_row = {"id": attr_id, "link_id": row["link_id"], "taxonomy_term_id": need_term_id(code),
                            "link_type": "need", "link_entity": "service"}
                for column in attributes.columns:  # every provided column is set on every row
                    need_row.setdefault(column, None)
                attributes.rows.append(need_row)
                attributes.where.append(attributes.where[i])
                self.ids.setdefault("attribute", {})[attr_id] = len(attributes.rows) - 1
        for i, message in mapping.guess_warnings():
            self.add(WARNING, attributes, i, "taxonomy_term_id", message, "guessed-term")
        for i, term, message in mapping.unmapped_terms():
            self.dataset.unmapped_terms.append(term)
            self.add(WARNING, attributes, i, "taxonomy_term_id", message, "unmapped-term")
        service_table = self.dataset.tables.get("service")
        if service_table:
            for i, row in enumerate(service_table.rows):
                if row.get("id") is not None and row["id"] not in mapping.has_need:
                    self.add(WARNING, service_table, i, None, NO_NEED, "no-need")

    def _db_terms(self, ids: set[str]) -> dict[str, dict]:
        from ketdir.store.models import TaxonomyTerm

        found: dict[str, dict] = {}
        if not ids or self.session is None:
            return found
        cols = [c for c in TaxonomyTerm.__table__.columns]
        ordered = sorted(ids)
        for start in range(0, len(ordered), CHUNK):
            for row in self.session.execute(select(*cols).where(TaxonomyTerm.id.in_(ordered[start : start + CHUNK]))):
                found[row.id] = dict(row._mapping)
        return found


def _drop_need_taxonomy(dataset: Dataset) -> None:
    """Our own need taxonomy comes from data/need_types.csv, never from an import."""
    for name in ("taxonomy", "taxonomy_term"):
        table = dataset.tables.get(name)
        if not table:
            continue
        keep = []
        for row, where in zip(table.rows, table.where):
            if name == "taxonomy" and str(row.get("id")) == extensions.NEED_TAXONOMY_ID:
                continue
            if name == "taxonomy_term" and (str(row.get("taxonomy") or "") == NEED_TAXONOMY
                                            or str(row.get("taxonomy_id") or "") == extensions.NEED_TAXONOMY_ID):
                continue
            keep.append((row, where))
        table.rows, table.where = [k[0] for k in keep], [k[1] for k in keep]


def validate(dataset: Dataset, session: Session | None = None, *, taxonomy_map: TaxonomyMap | None = None) -> list[Problem]:
    """Check and coerce the dataset in place; returns all problems (also in dataset.problems).

    With a session, links may point at records already in the directory.
    """
    if dataset.validated:
        return dataset.problems
    if dataset.errors:  # the input could not even be read completely
        return dataset.problems
    extensions.absorb(dataset)
    _drop_need_taxonomy(dataset)
    checker = _Checker(dataset, session, taxonomy_map)
    present = [name for name in TABLE_ORDER if name in dataset.tables and dataset.tables[name].rows]
    for name in present:
        checker.check_columns(dataset.tables[name])
    for name in present:
        if name not in checker.skip_tables:
            checker.coerce(dataset.tables[name])
    if not dataset.errors:
        for name in present:
            checker.check_references(dataset.tables[name])
        checker.check_content()
    if not dataset.errors:
        checker.map_needs()
        place_by_postcode(dataset)
    dataset.validated = not dataset.errors
    return dataset.problems


def summarise(problems: Iterable[Problem], per_kind: int = 5) -> tuple[list[Problem], list[str]]:
    """The problems to print (at most `per_kind` of each kind per file) and lines counting the rest."""
    shown: list[Problem] = []
    hidden: dict[tuple[str, str, str], int] = defaultdict(int)
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for p in problems:
        key = (p.level, p.file, p.code or p.message)
        counts[key] += 1
        if counts[key] <= per_kind:
            shown.append(p)
        else:
            hidden[key] += 1
    lines = [f"{file}: … and {n:,} more {level}s like these ({code})" for (level, file, code), n in hidden.items()]
    return shown, lines

