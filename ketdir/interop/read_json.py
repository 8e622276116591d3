"""Read HSDS 3.0 JSON: one service, a list of services (or organisations, or taxonomy terms), or a
paginated API response (`contents` plus a page header such as `total_items`, `page_number`).

Nested objects are flattened into tables. The same object (the same id) often appears in several
places — a phone under the service, under its location and under its contact — and every appearance
adds the links it implies, so the flattened row equals the row of the tabular format. Two appearances
that disagree about a value are an error.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketdir.interop.dataset import ERROR, WARNING, Dataset, Problem, Where
from ketdir.interop.textfiles import TextProblem, decode_utf8

# entity -> nested key -> (child table, link). A link "x_id" is set on the child to the parent's id;
# "^x_id" sets the parent's field x_id to the child's id (the child is a parent in the tables).
# None means "HSDS has it, ketdir does not keep it".
Nesting = dict[str, dict[str, tuple[str, str] | None]]

HSDS3: Nesting = {
    "service": {
        "phones": ("phone", "service_id"),
        "schedules": ("schedule", "service_id"),
        "service_areas": ("service_area", "service_id"),
        "service_at_locations": ("service_at_location", "service_id"),
        "languages": ("language", "service_id"),
        "organization": ("organization", "^organization_id"),
        "cost_options": ("cost_option", "service_id"),
        "contacts": ("contact", "service_id"),
        "attributes": ("attribute", "link_id"),
        "funding": None, "program": None, "required_documents": None, "metadata": None,
    },
    "organization": {
        "contacts": ("contact", "organization_id"),
        "phones": ("phone", "organization_id"),
        "locations": ("location", "organization_id"),
        "services": ("service", "organization_id"),
        "attributes": ("attribute", "link_id"),
        "funding": None, "programs": None, "organization_identifiers": None, "metadata": None,
    },
    "service_at_location": {
        "contacts": ("contact", "service_at_location_id"),
        "phones": ("phone", "service_at_location_id"),
        "schedules": ("schedule", "service_at_location_id"),
        "location": ("location", "^location_id"),
        "service": ("service", "^service_id"),
        "attributes": ("attribute", "link_id"),
        "metadata": None,
    },
    "location": {
        "languages": ("language", "location_id"),
        "addresses": ("address", "location_id"),
        "contacts": ("contact", "location_id"),
        "accessibility": ("accessibility", "location_id"),
        "phones": ("phone", "location_id"),
        "schedules": ("schedule", "location_id"),
        "attributes": ("attribute", "link_id"),
        "metadata": None,
    },
    "contact": {"phones": ("phone", "contact_id"), "attributes": ("attribute", "link_id"), "metadata": None},
    "phone": {"languages": ("language", "phone_id"), "attributes": ("attribute", "link_id"), "metadata": None},
    "attribute": {"taxonomy_term": ("taxonomy_term", "^taxonomy_term_id"), "metadata": None},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "^taxonomy_id"), "metadata": None},
    "taxonomy": {"metadata": None},
}
_COMMON = {"attributes": ("attribute", "link_id"), "metadata": None}
PAGE_KEYS = ("contents", "content")


class Flattener:
    """Flattens nested objects into a dataset's tables, merging repeated objects by id."""

    def __init__(self, dataset: Dataset, nesting: Nesting, file: str):
        self.dataset = dataset
        self.nesting = nesting
        self.file = file
        self.index: dict[str, dict[str, int]] = {}  # table -> id -> row index
        self.generated = 0

    def problem(self, level: str, where: Where, field: str | None, message: str, code: str = "") -> None:
        self.dataset.problems.append(Problem(level, where.file, where.row, where.field(field), message, code))

    def add(self, table: str, obj: Any, where: Where, link: tuple[str, Any] | None = None,
            parent: str | None = None) -> Any:
        """Add an object (and everything nested in it); returns its id. `link` is (field, parent id) and
        `parent` the parent's table (an attribute's link_entity when the object does not say)."""
        if not isinstance(obj, dict):
            self.problem(ERROR, where, None, f"expected an object (a {table.replace('_', ' ')}), found "
                         f"{type(obj).__name__}.", "json-shape")
            return None
        spec = self.nesting.get(table, _COMMON)
        row: dict[str, Any] = {}
        nested: list[tuple[str, Any]] = []
        for key, value in obj.items():
            if key in spec:
                if spec[key] is not None and value not in (None, [], {}):
                    nested.append((key, value))
            elif isinstance(value, (dict, list)):
                if value not in ({}, []):
                    self.problem(WARNING, where, key, "this nested value is not part of the HSDS model ketdir "
                                 "keeps; it was ignored.", "ignored-field")
            else:
                row[key] = value
        if link is not None:
            field, value = link
            if row.get(field) in (None, ""):
                row[field] = value
            if table == "attribute" and parent and row.get("link_entity") in (None, ""):
                row["link_entity"] = parent
        row_id = row.get("id")
        if row_id in (None, ""):
            row_id = self.generate_id(table, row, where)
            if row_id is None:
                return None
            row["id"] = row_id
        # Children that are really parents: their id goes into this row before it is stored.
        for key, value in nested:
            child_table, child_link = spec[key]  # type: ignore[misc]
            if child_link.startswith("^"):
                child_id = self.add(child_table, value, Where(where.file, where.row, _join(where.path, key)))
                if child_id is not None and row.get(child_link[1:]) in (None, ""):
                    row[child_link[1:]] = child_id
        self.merge(table, row, where)
        for key, value in nested:
            child_table, child_link = spec[key]  # type: ignore[misc]
            if child_link.startswith("^"):
                continue
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                self.add(child_table, item, Where(where.file, where.row, f"{_join(where.path, key)}[{i}]"),
                         (child_link, row_id), table)
        return row_id

    def generate_id(self, table: str, row: dict[str, Any], where: Where) -> str | None:
        self.problem(ERROR, where, "id", f"this {table.replace('_', ' ')} has no id. Every HSDS object needs a "
                     "unique id; add one.", "missing-id")
        return None

    def merge(self, table: str, row: dict[str, Any], where: Where) -> None:
        target = self.dataset.table(table)
        if self.file not in target.files:
            target.files.append(self.file)
        ids = self.index.setdefault(table, {})
        key = str(row["id"])
        if key not in ids:
            ids[key] = len(target.rows)
            target.add(row, where)
            return
        existing = target.rows[ids[key]]
        for name, value in row.items():
            old = existing.get(name)
            if old in (None, ""):
                if value not in (None, ""):
                    existing[name] = value
                    target.columns.add(name)
            elif value not in (None, "") and value != old:
                self.problem(ERROR, where, name,
                             f"{table.replace('_', ' ')} {key} appears more than once with different values "
                             f"(“{_short(old)}” and “{_short(value)}”). Use one id per {table.replace('_', ' ')}, "
                             "or make the copies agree.", "duplicate-id")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "…"


# Fields that tell HSDS objects apart (beyond id and name, which most have). A top-level item is the kind whose
# marks it has most of; HSDS 1.x (Open Referral UK v1) keys count too, for the legacy reader.
MARKS: dict[str, frozenset[str]] = {
    "service": frozenset({"status", "service_at_locations", "service_areas", "cost_options", "fees_description",
                          "eligibility_description", "application_process", "interpretation_services", "program_id",
                          "required_documents", "wait_time", "fees", "accreditations", "licenses", "assured_date",
                          "assurer_email", "minimum_age", "maximum_age", "regular_schedules", "service_taxonomys",
                          "eligibilitys", "holiday_schedules"}),
    "organization": frozenset({"services", "locations", "legal_status", "tax_status", "tax_id", "year_incorporated",
                               "logo", "uri", "parent_organization_id", "website", "organization_identifiers",
                               "programs"}),
    "service_at_location": frozenset({"service_id", "location_id"}),
    "location": frozenset({"location_type", "addresses", "latitude", "longitude", "transportation", "accessibility",
                           "external_identifier", "external_identifier_type", "physical_addresses",
                           "postal_addresses", "accessibility_for_disabilities"}),
    "taxonomy_term": frozenset({"taxonomy_detail", "term_uri", "parent_id", "code", "taxonomy", "taxonomy_id",
                                "vocabulary"}),
    "taxonomy": frozenset({"uri", "version"}),
}
# HSDS objects that only make sense inside another one: named when refused.
PARTS: dict[str, frozenset[str]] = {
    "phone number": frozenset({"number", "extension"}),
    "contact": frozenset({"title", "department"}),
    "schedule": frozenset({"freq", "byday", "opens_at", "closes_at", "dtstart", "wkst", "bymonthday"}),
    "address": frozenset({"address_1", "postal_code", "state_province", "address_type", "attention"}),
    "attribute": frozenset({"taxonomy_term_id", "link_id", "link_type", "link_entity"}),
    "cost option": frozenset({"option", "amount", "currency", "amount_description"}),
}
API_ROOT = frozenset({"version", "profile", "openapi_url"})
SHAPES = {"service": "a service", "organization": "an organisation", "service_at_location": "a service at a location",
          "location": "a location", "taxonomy_term": "a taxonomy term", "taxonomy": "a taxonomy"}
KEPT_SHAPES = ("services, services at locations, organisations, locations, taxonomies and taxonomy terms — one, a "
               "list, an API page or a “full” object")


def kind_of(item: Any) -> str:
    """Which HSDS object a top-level JSON item is ("unknown" when it is none ketdir imports on its own)."""
    if not isinstance(item, dict):
        return "unknown"
    keys = set(item)
    if keys and keys <= API_ROOT:
        return "api-root"
    scores = {kind: len(keys & marks) for kind, marks in MARKS.items()}
    if isinstance(item.get("organization"), dict):
        scores["service"] += 1
    if isinstance(item.get("service"), dict) or isinstance(item.get("location"), dict):
        scores["service_at_location"] += 2
    if {"service_id", "location_id"} <= keys and "name" not in keys:
        scores["service_at_location"] += 2
    if keys & {"taxonomy_detail", "taxonomy", "taxonomy_id", "term_uri", "code", "parent_id"}:
        scores["taxonomy"] = 0  # a term names its taxonomy; a taxonomy has only uri and version
    part = max(PARTS, key=lambda name: len(keys & PARTS[name]))
    best = max(scores, key=scores.get)
    if len(keys & PARTS[part]) > scores[best]:
        return "part:" + part
    if scores[best] == 0:
        return "unknown" if "name" not in keys else "service"  # a bare {id, name}: the commonest, a service
    return best


def shape_problem(kind: str, item: Any, file: str, number: int) -> Problem:
    """Why a top-level item is refused, naming what it is."""
    if kind == "api-root":
        message = ("this is an HSDS API's front page (its version and profile), not directory data. Save what "
                   "/services returns (every page) or /services/{id}, and import that.")
    elif kind.startswith("part:"):
        what = kind[5:]
        message = (f"this item is {'an' if what[0] in 'aeiou' else 'a'} {what} on its own; ketdir imports "
                   f"{KEPT_SHAPES}. Import the service (or organisation, or location) it belongs to.")
    elif isinstance(item, dict):
        fields = ", ".join(sorted(map(str, item))[:8]) or "none"
        message = (f"this item is not an HSDS object ketdir imports (its fields: {fields}). ketdir imports "
                   f"{KEPT_SHAPES}.")
    else:
        message = f"this item is {type(item).__name__}, not an HSDS object. ketdir imports {KEPT_SHAPES}."
    return Problem(ERROR, file, number, None, message, code="json-shape")


def items_of(document: Any, file: str, dataset: Dataset) -> list[Any] | None:
    """The top-level items of a document: a list, a page's contents, or one object."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        dataset.problems.append(Problem(ERROR, file, None, None,
                                        "expected an HSDS object or a list of them, found "
                                        f"{type(document).__name__}.", code="json-shape"))
        return None
    page_key = next((k for k in PAGE_KEYS if isinstance(document.get(k), list)), None)
    if page_key is None:
        return [document]
    contents = document[page_key]
    total = document.get("total_items", document.get("totalElements"))
    pages = document.get("total_pages", document.get("totalPages"))
    number = document.get("page_number", document.get("number"))
    if isinstance(total, int) and total > len(contents):
        dataset.complete = False
        dataset.incomplete_reason = (
            f"{file} is page {number if number is not None else '?'} of {pages if pages is not None else '?'} "
            f"({len(contents)} of {total} items)"
        )
        dataset.problems.append(Problem(WARNING, file, None, None,
                                        f"this is one page of a larger feed ({len(contents)} of {total} items). "
                                        "Only these items are imported, and nothing is retired. To import the "
                                        "whole feed, put every page's file in one folder and import the folder.",
                                        code="partial-page"))
    return contents


@dataclass
class JsonFiles:
    files: list[tuple[str, bytes]]


def collect_json(path: Path) -> JsonFiles:
    path = Path(path)
    if path.is_dir():
        return JsonFiles([(p.name, p.read_bytes()) for p in sorted(path.glob("*.json"))])
    return JsonFiles([(path.name, path.read_bytes())])


def load_documents(path: Path, dataset: Dataset) -> list[tuple[str, Any]]:
    """Parse the JSON file (or every JSON file of a folder); problems go to the dataset."""
    path = Path(path)
    if not path.exists():
        dataset.problems.append(Problem(ERROR, path.name, None, None, f"there is no file or folder at {path}.",
                                        code="missing"))
        return []
    files = collect_json(path)
    digest = hashlib.sha256()
    documents: list[tuple[str, Any]] = []
    for name, data in files.files:
        digest.update(name.encode() + b"\0" + data + b"\0")
        try:
            text = decode_utf8(data, name)
            documents.append((name, json.loads(text)))
        except TextProblem as exc:
            dataset.problems.append(exc.problem)
        except json.JSONDecodeError as exc:
            hint = " The file may have been cut off while downloading." if exc.pos >= len(text.rstrip()) - 1 else ""
            dataset.problems.append(Problem(ERROR, name, exc.lineno, None,
                                            f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
                                            f"{hint} Fix the file or export it again.", code="json"))
        except RecursionError:
            dataset.problems.append(too_deep(name))
    dataset.content_hash = digest.hexdigest()
    if not files.files:
        dataset.problems.append(Problem(ERROR, path.name, None, None, "the folder has no .json files.", code="empty"))
    return documents


def too_deep(name: str) -> Problem:
    return Problem(ERROR, name, None, None,
                   "the JSON is nested too deeply to be HSDS (objects inside objects, hundreds of levels down). "
                   "Check it is the file you meant; export it again from its source.", code="json-depth")


LEGACY_KEYS = {"regular_schedules", "holiday_schedules", "physical_addresses", "postal_addresses",
               "service_taxonomys", "eligibilitys", "accessibility_for_disabilities", "link_taxonomys"}


def looks_legacy(document: Any, depth: int = 0) -> bool:
    """True for Open Referral UK v1 (HSDS 1.x) JSON: its nested keys differ from HSDS 3.0's."""
    if depth > 4:
        return False
    if isinstance(document, list):
        return any(looks_legacy(item, depth + 1) for item in document[:20])
    if isinstance(document, dict):
        if LEGACY_KEYS & set(document):
            return True
        return any(looks_legacy(v, depth + 1) for v in document.values() if isinstance(v, (dict, list)))
    return False


def read_json(path: Path, *, source: str | None = None) -> Dataset:
    path = Path(path)
    dataset = Dataset(source=source or path.stem, path=str(path), format="json")
    documents = load_documents(path, dataset)
    multi_page = len(documents) > 1
    declared_total = 0
    counted = 0
    flattener = Flattener(dataset, HSDS3, path.name)
    for name, document in documents:
        flattener.file = name
        items = items_of(document, name, dataset)
        if items is None:
            continue
        if isinstance(document, dict) and isinstance(document.get("total_items"), int):
            declared_total = max(declared_total, document["total_items"])
        counted += len(items)
        for number, item in enumerate(items, start=1):
            kind = kind_of(item)
            if kind not in SHAPES:
                dataset.problems.append(shape_problem(kind, item, name, number))
                continue
            try:
                flattener.add(kind, item, Where(name, number))
            except RecursionError:
                dataset.problems.append(too_deep(name))
    if not any(t.rows for t in dataset.tables.values()) and not dataset.errors:
        dataset.problems.append(Problem(ERROR, path.name, None, None,
                                        "there is nothing to import: the file holds no services, organisations, "
                                        "locations or taxonomy terms (an empty list or page).", code="empty"))
    if multi_page and declared_total and counted >= declared_total:
        # Every page is here: the feed is complete after all.
        dataset.complete = True
        dataset.incomplete_reason = ""
        dataset.problems[:] = [p for p in dataset.problems if p.code != "partial-page"]
    return dataset
