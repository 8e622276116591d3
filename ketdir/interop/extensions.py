"""ketdir's own fields, carried through HSDS as attributes of the taxonomy "ketdir".

HSDS has no place for "this is a training record" (service.is_demo), "no source confirmed this
number" (phone.verified), the page a person checked (source_url), whether weekly hours apply on bank
holidays, or which UK nation's bank holidays apply; nor, in 3.0, for fields of other HSDS versions ketdir
keeps (a service area's service_at_location_id from 1.x, an attribute's label from 3.1). Export writes each non-default value as an
`attribute` (link_type "ketdir", value as text) pointing at a term of the taxonomy "ketdir"; import
turns those attributes back into columns and does not store them as attributes. So an export read back
in restores exactly what the database held.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from ketdir.interop.dataset import WARNING, Dataset, Problem
from ketdir.needs import TAXONOMY_NAME as NEED_TAXONOMY
from ketdir.store.models import stable_id

TAXONOMY_NAME = "ketdir"
TAXONOMY_ID = stable_id("taxonomy", TAXONOMY_NAME)
NEED_TAXONOMY_ID = stable_id("taxonomy", NEED_TAXONOMY)
LINK_TYPE = "ketdir"


@dataclass(frozen=True)
class ExtensionField:
    table: str
    name: str
    default: Any
    description: str

    @functools.cached_property  # a hash each time: asked for every record the API writes
    def term_id(self) -> str:
        return stable_id("ketdir-field", self.table, self.name)


FIELDS: tuple[ExtensionField, ...] = (
    ExtensionField("service", "is_demo", False,
                   "true: a training record, not a real service (“Demo — not a real service”)."),
    ExtensionField("service", "source_url", None, "The page where a person checked this record."),
    ExtensionField("service", "bank_holidays", "closed",
                   "“open” when the weekly hours also apply on bank holidays; “closed” otherwise."),
    ExtensionField("service", "nation", "ENG", "UK nation whose bank holidays apply: ENG, WLS, SCT or NIR."),
    ExtensionField("phone", "verified", True,
                   "false: no source confirmed this number; check it before giving it out."),
    ExtensionField("service_area", "service_at_location_id", None,
                   "The service at a location this area belongs to (HSDS 1.x had this field; 3.0 does not)."),
    ExtensionField("attribute", "label", None, "The attribute's label (an HSDS 3.1 field; 3.0 does not have it)."),
)
OWNERS = tuple(dict.fromkeys(f.table for f in FIELDS))  # tables whose rows can carry ketdir fields
BY_TERM = {f.term_id: f for f in FIELDS}


# "ketdir filled this field": HSDS requires it, the directory had no value, and the export derived one (an
# address's region as its state_province). Reading the export back empties the field again.
DERIVED_TERM_ID = stable_id("ketdir-field", "derived")
DERIVED_TABLES = ("address", "organization", "taxonomy", "taxonomy_term")


def derived_attribute(table: str, row_id: str, field: str) -> dict[str, Any]:
    return {"id": stable_id(str(row_id), "ketdir", "derived", field), "link_id": row_id,
            "taxonomy_term_id": DERIVED_TERM_ID, "link_type": LINK_TYPE, "link_entity": table, "value": field,
            "label": None}


def attribute_id(link_id: str, f: ExtensionField) -> str:
    return stable_id(str(link_id), "ketdir", f.name)


def taxonomy_row() -> dict[str, Any]:
    return {"id": TAXONOMY_ID, "name": TAXONOMY_NAME, "uri": None, "version": "1",
            "description": "ketdir's own fields (not part of HSDS), carried as attributes so nothing is lost."}


def term_rows() -> list[dict[str, Any]]:
    return [
        {"id": f.term_id, "code": f"{f.table}.{f.name}", "name": f"{f.table}.{f.name}", "description": f.description,
         "parent_id": None, "taxonomy": TAXONOMY_NAME, "language": "en", "taxonomy_id": TAXONOMY_ID,
         "term_uri": None}
        for f in FIELDS
    ] + [{"id": DERIVED_TERM_ID, "code": "derived", "name": "derived value", "parent_id": None,
          "description": "HSDS requires the field this names; the directory had no value, so the export derived one "
                         "(ketdir reads it back as empty).",
          "taxonomy": TAXONOMY_NAME, "language": "en", "taxonomy_id": TAXONOMY_ID, "term_uri": None}]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def attributes_for(table: str, row: dict[str, Any]) -> list[dict[str, Any]]:
    """The ketdir attributes of one exported service or phone (non-default values only)."""
    out = []
    for f in FIELDS:
        if f.table != table:
            continue
        value = row.get(f.name)
        if value is None or value == f.default:
            continue
        out.append({"id": attribute_id(row["id"], f), "link_id": row["id"], "taxonomy_term_id": f.term_id,
                    "link_type": LINK_TYPE, "link_entity": table, "value": _text(value), "label": None})
    return out


def absorb(dataset: Dataset) -> None:
    """Turn ketdir attributes back into columns; drop them and the ketdir taxonomy from the dataset."""
    attributes = dataset.tables.get("attribute")
    terms = dataset.tables.get("taxonomy_term")
    taxonomies = dataset.tables.get("taxonomy")
    ketdir_terms = set(BY_TERM) | {DERIVED_TERM_ID}
    if terms:
        for row in terms.rows:
            if str(row.get("taxonomy") or "").strip() == TAXONOMY_NAME or str(row.get("taxonomy_id") or "") == TAXONOMY_ID:
                ketdir_terms.add(str(row.get("id")))
    declared = bool(taxonomies and any(str(r.get("id")) == TAXONOMY_ID for r in taxonomies.rows))
    carried: list[tuple[ExtensionField | None, dict[str, Any], Any]] = []
    if attributes:
        keep_rows, keep_where = [], []
        for row, where in zip(attributes.rows, attributes.where):
            term = str(row.get("taxonomy_term_id") or "")
            if term in ketdir_terms:
                carried.append((BY_TERM.get(term), row, where))
                continue
            keep_rows.append(row)
            keep_where.append(where)
        attributes.rows, attributes.where = keep_rows, keep_where
    if not carried and not declared:
        return
    dataset.declares_ketdir = True
    if terms:
        pairs = [(r, w) for r, w in zip(terms.rows, terms.where) if str(r.get("id")) not in ketdir_terms]
        terms.rows, terms.where = [p[0] for p in pairs], [p[1] for p in pairs]
    if taxonomies:
        pairs = [(r, w) for r, w in zip(taxonomies.rows, taxonomies.where) if str(r.get("id")) != TAXONOMY_ID]
        taxonomies.rows, taxonomies.where = [p[0] for p in pairs], [p[1] for p in pairs]
    targets = {
        table: {str(r.get("id")): r for r in dataset.rows(table)} for table in {f.table for f in FIELDS}
    }
    # In a ketdir export a missing attribute means the default value.
    for table, rows in targets.items():
        fields = [f for f in FIELDS if f.table == table]
        for row in rows.values():
            for f in fields:
                row.setdefault(f.name, f.default)
        if table in dataset.tables:
            dataset.tables[table].columns.update(f.name for f in fields)
    derived: dict[str, dict[str, dict[str, Any]]] = {}
    for f, row, where in carried:
        if str(row.get("taxonomy_term_id") or "") == DERIVED_TERM_ID:
            table = str(row.get("link_entity") or "")
            if table in DERIVED_TABLES:
                if table not in derived:
                    derived[table] = {str(r.get("id")): r for r in dataset.rows(table)}
                target = derived[table].get(str(row.get("link_id")))
                if target is not None and row.get("value") in target:
                    target[row["value"]] = None
            continue
        if f is None:
            dataset.problems.append(Problem(WARNING, where.file, where.row, where.field("taxonomy_term_id"),
                                            "this ketdir field is not known to this version of ketdir; it was "
                                            "ignored.", code="ketdir-field"))
            continue
        target = targets[f.table].get(str(row.get("link_id")))
        if target is None:
            dataset.problems.append(Problem(WARNING, where.file, where.row, where.field("link_id"),
                                            f"this ketdir field ({f.name}) belongs to a {f.table} that is not in "
                                            "the import; it was ignored.", code="ketdir-field"))
            continue
        value = row.get("value")
        target[f.name] = None if value in (None, "") and f.default is None else value
