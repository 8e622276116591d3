"""The one in-memory model every reader produces and every writer consumes.

A `Dataset` is a set of HSDS 3.0 tables (table name -> rows of field name -> value), whatever the
input was: a datapackage, HSDS JSON, legacy Open Referral UK tables or a spreadsheet. Rows keep where
they came from (file, row, path inside a JSON object) so every problem can be reported precisely.

Values are raw as read (strings from CSV, JSON scalars) until `validate` coerces them to the types of
the ketdir models; after that they are Python values ready to write.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column

from ketdir.problems import Refused
from ketdir.store import models as m

ERROR = "error"
WARNING = "warning"

# Tables ketdir keeps, in the order rows must be written (parents before children).
TABLE_ORDER: tuple[str, ...] = (
    "taxonomy",
    "taxonomy_term",
    "organization",
    "location",
    "address",
    "accessibility",
    "service",
    "service_at_location",
    "contact",
    "phone",
    "schedule",
    "service_area",
    "language",
    "cost_option",
    "attribute",
)

MODELS: dict[str, type[m.Base]] = {
    "organization": m.Organization,
    "service": m.Service,
    "location": m.Location,
    "service_at_location": m.ServiceAtLocation,
    "address": m.Address,
    "phone": m.Phone,
    "schedule": m.Schedule,
    "taxonomy": m.Taxonomy,
    "taxonomy_term": m.TaxonomyTerm,
    "attribute": m.Attribute,
    "service_area": m.ServiceArea,
    "language": m.Language,
    "accessibility": m.Accessibility,
    "cost_option": m.CostOption,
    "contact": m.Contact,
}

# Columns of our models that HSDS 3.0 does not have. Export carries them as attributes of the
# taxonomy "ketdir" (see extensions.py); `version` is a local edit counter and never leaves the database.
KETDIR_ONLY: dict[str, tuple[str, ...]] = {
    "service": ("is_demo", "source_url", "bank_holidays", "nation", "version"),
    "phone": ("verified",),
    "service_area": ("service_at_location_id",),  # HSDS 1.x had it; 3.0 does not
    "attribute": ("label",),  # HSDS 3.1 has it; 3.0 does not
}
LOCAL_ONLY: dict[str, tuple[str, ...]] = {"service": ("version",)}

# File names a tabular package may use for each table: HSDS 3.0 core names first, then the singular
# names of the Open Referral UK profile and other spellings seen in the wild.
FILE_STEMS: dict[str, tuple[str, ...]] = {
    "organization": ("organizations", "organization", "organisations", "organisation"),
    "service": ("services", "service"),
    "location": ("locations", "location"),
    "service_at_location": ("service_at_location", "service_at_locations", "services_at_location",
                            "services_at_locations"),
    "address": ("addresses", "address"),
    "phone": ("phones", "phone"),
    "schedule": ("schedules", "schedule"),
    "taxonomy": ("taxonomies", "taxonomy"),
    "taxonomy_term": ("taxonomy_terms", "taxonomy_term"),
    "attribute": ("attributes", "attribute"),
    "service_area": ("service_areas", "service_area"),
    "language": ("languages", "language"),
    "accessibility": ("accessibility", "accessibilities"),
    "cost_option": ("cost_options", "cost_option"),
    "contact": ("contacts", "contact"),
}
# HSDS tables ketdir does not keep: read past with a note, never an error.
NOT_KEPT_STEMS: dict[str, str] = {
    stem: table
    for table, stems in {
        "funding": ("funding", "fundings"),
        "program": ("programs", "program"),
        "required_document": ("required_documents", "required_document"),
        "metadata": ("metadata",),
        "meta_table_description": ("meta_table_descriptions", "meta_table_description"),
        "organization_identifier": ("organization_identifiers", "organization_identifier"),
        "review": ("reviews", "review"),
        "payment_accepted": ("payment_accepted", "payments_accepted"),
    }.items()
    for stem in stems
}
STEM_TO_TABLE: dict[str, str] = {stem: table for table, stems in FILE_STEMS.items() for stem in stems}

# Friendly names for messages ("organisation", not "organization": British English for people).
LABELS: dict[str, str] = {
    "organization": "organisation",
    "service": "service",
    "location": "location",
    "service_at_location": "service-at-location link",
    "address": "address",
    "phone": "phone number",
    "schedule": "schedule",
    "taxonomy": "taxonomy",
    "taxonomy_term": "taxonomy term",
    "attribute": "attribute",
    "service_area": "service area",
    "language": "language",
    "accessibility": "accessibility note",
    "cost_option": "cost option",
    "contact": "contact",
}

# Foreign keys: table -> field -> table it points to.
REFERENCES: dict[str, dict[str, str]] = {
    "service": {"organization_id": "organization"},
    "location": {"organization_id": "organization"},
    "service_at_location": {"service_id": "service", "location_id": "location"},
    "address": {"location_id": "location"},
    "accessibility": {"location_id": "location"},
    "phone": {"service_id": "service", "service_at_location_id": "service_at_location", "contact_id": "contact",
              "location_id": "location", "organization_id": "organization"},
    "schedule": {"service_id": "service", "service_at_location_id": "service_at_location",
                 "location_id": "location"},
    "contact": {"service_id": "service", "service_at_location_id": "service_at_location",
                "location_id": "location", "organization_id": "organization"},
    "service_area": {"service_id": "service", "service_at_location_id": "service_at_location"},
    "language": {"service_id": "service", "phone_id": "phone", "location_id": "location"},
    "cost_option": {"service_id": "service"},
    "taxonomy_term": {"taxonomy_id": "taxonomy"},
    "attribute": {"taxonomy_term_id": "taxonomy_term"},
}
# A broken reference in one of these makes the row meaningless: an error. Elsewhere a broken optional
# link is dropped with a warning, as long as the row still belongs to something.
ESSENTIAL_REFERENCES: dict[str, tuple[str, ...]] = {
    "service": ("organization_id",),
    "service_at_location": ("service_id", "location_id"),
    "address": ("location_id",),
    "accessibility": ("location_id",),
    "cost_option": ("service_id",),
    "attribute": ("taxonomy_term_id",),
}
# Fields a row cannot be stored without (beyond id).
REQUIRED: dict[str, tuple[str, ...]] = {
    "organization": ("name",),
    "service": ("name",),
    "service_at_location": ("service_id", "location_id"),
    "phone": ("number",),
    "taxonomy": ("name",),
    "taxonomy_term": ("name",),
    "attribute": ("link_id", "taxonomy_term_id"),
    "cost_option": ("service_id",),
}

ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("service", "status"): ("active", "inactive", "defunct", "temporarily closed"),
    ("location", "location_type"): ("physical", "postal", "virtual"),
    ("address", "address_type"): ("physical", "postal", "virtual"),
    ("schedule", "freq"): ("WEEKLY", "MONTHLY"),
    ("schedule", "wkst"): ("MO", "TU", "WE", "TH", "FR", "SA", "SU"),
    ("service", "bank_holidays"): ("closed", "open"),
    ("service", "nation"): ("ENG", "WLS", "SCT", "NIR"),
}


def columns(table: str) -> list[Column]:
    return list(MODELS[table].__table__.columns)


def column_names(table: str) -> list[str]:
    return [c.name for c in columns(table)]


def hsds_columns(table: str) -> list[str]:
    """Model columns that are HSDS fields (what export writes as plain columns)."""
    skip = set(KETDIR_ONLY.get(table, ()))
    return [c for c in column_names(table) if c not in skip]


def column_default(col: Column) -> Any:
    default = col.default
    if default is None or not getattr(default, "is_scalar", False):
        return None
    return default.arg


def table_for_stem(stem: str) -> str | None:
    return STEM_TO_TABLE.get(stem.strip().lower())


@dataclass(frozen=True)
class Problem:
    """Something wrong with the input, located as precisely as the input allows."""

    level: str  # "error" blocks the import; "warning" does not
    file: str
    row: int | str | None
    field: str | None
    message: str
    code: str = ""  # groups similar problems (e.g. "no-assured-date") so long lists can be summarised

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    def __str__(self) -> str:
        where = self.file or "input"
        if self.row not in (None, ""):
            where += f":{self.row}"
        head = f"{where}: "
        if self.field:
            head += f"{self.field}: "
        return f"{head}{self.message}"


@dataclass
class Where:
    """Where a row came from: the file, the row (CSV row number, or JSON item number) and a path."""

    file: str
    row: int | str | None = None
    path: str = ""

    def field(self, name: str | None) -> str | None:
        if not self.path:
            return name
        return f"{self.path}.{name}" if name else self.path


@dataclass
class Table:
    name: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    where: list[Where] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)  # the fields this input provides for the table
    files: list[str] = field(default_factory=list)  # files the rows came from

    def add(self, row: dict[str, Any], where: Where) -> None:
        self.rows.append(row)
        self.where.append(where)
        self.columns.update(row)

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class UnmappedTerm:
    """A foreign taxonomy term that maps to no need type: kept, but search by need will not find it."""

    taxonomy: str
    code: str
    name: str
    services: int  # how many services in the import carry it

    @property
    def key(self) -> str:
        """What a terms file (taxonomy,code_or_term,need) matches it by: its code if it has one, else its name."""
        return self.code or self.name


@dataclass
class Dataset:
    """HSDS tables read from one source, plus what is known about the source."""

    source: str
    path: str
    format: str
    tables: dict[str, Table] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    content_hash: str = ""
    complete: bool = True  # False for one page of a paginated feed: nothing is retired
    incomplete_reason: str = ""
    # Services the source still publishes but did not send, as they have not changed since its last import (an
    # incremental read of an API): neither compared nor retired.
    unchanged_ids: frozenset[str] = frozenset()
    validated: bool = False
    declares_ketdir: bool = False  # the input carries ketdir's own fields (a ketdir export)
    unmapped_terms: list[UnmappedTerm] = field(default_factory=list)  # filled by validate

    def table(self, name: str) -> Table:
        if name not in self.tables:
            self.tables[name] = Table(name)
        return self.tables[name]

    def rows(self, name: str) -> list[dict[str, Any]]:
        table = self.tables.get(name)
        return table.rows if table else []

    def counts(self) -> dict[str, int]:
        return {name: len(self.tables[name]) for name in TABLE_ORDER if name in self.tables and self.tables[name].rows}

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


class ImportBlocked(Refused):
    """The input has errors; nothing was written. `problems` lists them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len([p for p in problems if p.is_error])} problem(s) stop this import. Nothing was changed.")
