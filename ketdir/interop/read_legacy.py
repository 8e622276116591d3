"""Legacy Open Referral UK (v1) / HSDS 1.x data, as CSV tables or nested JSON, mapped onto HSDS 3.0.

What changes on the way:

- `physical_address(es)` and `postal_address(es)` become `address` rows (address_type physical/postal);
  address lines 3 and 4 are added to address_2.
- `regular_schedule(s)` (weekday as a name or number, opens_at/closes_at) become weekly `schedule` rows;
  `holiday_schedule(s)` (closed, start_date/end_date) become dated `schedule` rows (closed, or special hours).
- `taxonomy` (with `vocabulary`) becomes `taxonomy_term` rows, one `taxonomy` per vocabulary;
  `service_taxonomy` and `link_taxonomy` become `attribute` rows.
- `eligibility` gives the service's minimum and maximum age and eligibility description, and its terms
  become attributes with link_type "eligibility".
- `accessibility_for_disabilities` becomes `accessibility`; `language` (one code per row) becomes `language`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ketdir.interop.dataset import ERROR, WARNING, Dataset, Problem, Where
from ketdir.interop.read_json import Flattener, Nesting, items_of, kind_of, load_documents, too_deep
from ketdir.store.models import stable_id
from ketdir.store.records import LANGUAGE_NAMES

LEGACY_TABLES: dict[str, tuple[str, ...]] = {
    "organization": ("organizations", "organization", "organisations", "organisation"),
    "service": ("services", "service"),
    "location": ("locations", "location"),
    "service_at_location": ("service_at_location", "service_at_locations", "services_at_location",
                            "services_at_locations"),
    "physical_address": ("physical_address", "physical_addresses"),
    "postal_address": ("postal_address", "postal_addresses"),
    "phone": ("phones", "phone"),
    "contact": ("contacts", "contact"),
    "regular_schedule": ("regular_schedule", "regular_schedules"),
    "holiday_schedule": ("holiday_schedule", "holiday_schedules"),
    "taxonomy": ("taxonomy", "taxonomies", "taxonomys"),
    "service_taxonomy": ("service_taxonomy", "service_taxonomys", "service_taxonomies"),
    "link_taxonomy": ("link_taxonomy", "link_taxonomys", "link_taxonomies"),
    "eligibility": ("eligibility", "eligibilitys", "eligibilities"),
    "service_area": ("service_area", "service_areas"),
    "language": ("language", "languages"),
    "accessibility_for_disabilities": ("accessibility_for_disabilities", "accessibility", "accessibilities"),
    "cost_option": ("cost_option", "cost_options"),
}
LEGACY_NOT_KEPT = {"funding", "fundings", "review", "reviews", "program", "programs", "required_document",
                   "required_documents", "payment_accepted", "metadata", "holiday_schedules_exceptions"}
_STEM = {stem: name for name, stems in LEGACY_TABLES.items() for stem in stems}

LEGACY_JSON: Nesting = {
    "service": {
        "organization": ("organization", "^organization_id"),
        "contacts": ("contact", "service_id"),
        "phones": ("phone", "service_id"),
        "cost_options": ("cost_option", "service_id"),
        "holiday_schedules": ("holiday_schedule", "service_id"),
        "regular_schedules": ("regular_schedule", "service_id"),
        "languages": ("language", "service_id"),
        "service_areas": ("service_area", "service_id"),
        "service_at_locations": ("service_at_location", "service_id"),
        "service_taxonomys": ("service_taxonomy", "service_id"),
        "eligibilitys": ("eligibility", "service_id"),
        "fundings": None, "funding": None, "reviews": None, "required_documents": None, "links": None,
        "payment_accepteds": None,
    },
    "organization": {
        "services": ("service", "organization_id"),
        "locations": ("location", "organization_id"),
        "contacts": ("contact", "organization_id"),
        "phones": ("phone", "organization_id"),
        "reviews": None, "programs": None, "fundings": None,
    },
    "service_at_location": {
        "location": ("location", "^location_id"),
        "regular_schedules": ("regular_schedule", "service_at_location_id"),
        "holiday_schedules": ("holiday_schedule", "service_at_location_id"),
        "phones": ("phone", "service_at_location_id"),
        "contacts": ("contact", "service_at_location_id"),
    },
    "location": {
        "physical_addresses": ("physical_address", "location_id"),
        "postal_addresses": ("postal_address", "location_id"),
        "accessibility_for_disabilities": ("accessibility_for_disabilities", "location_id"),
        "regular_schedules": ("regular_schedule", "location_id"),
        "holiday_schedules": ("holiday_schedule", "location_id"),
        "phones": ("phone", "location_id"),
        "languages": ("language", "location_id"),
    },
    "contact": {"phones": ("phone", "contact_id")},
    "service_taxonomy": {"taxonomy": ("taxonomy", "^taxonomy_id")},
    "link_taxonomy": {"taxonomy": ("taxonomy", "^taxonomy_id")},
    "eligibility": {"taxonomys": ("eligibility_taxonomy", "eligibility_id")},
    "service_area": {"taxonomys": None},
    "taxonomy": {"parent": ("taxonomy", "^parent_id")},
    "eligibility_taxonomy": {"parent": ("taxonomy", "^parent_id")},
}

WEEKDAY_NUMBERS = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU", 0: "SU"}
WEEKDAY_NAMES = {
    "monday": "MO", "mon": "MO", "mo": "MO", "tuesday": "TU", "tue": "TU", "tues": "TU", "tu": "TU",
    "wednesday": "WE", "wed": "WE", "we": "WE", "thursday": "TH", "thu": "TH", "thur": "TH", "thurs": "TH",
    "th": "TH", "friday": "FR", "fri": "FR", "fr": "FR", "saturday": "SA", "sat": "SA", "sa": "SA",
    "sunday": "SU", "sun": "SU", "su": "SU",
}
_TZ_SUFFIX = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_CURIE = re.compile(r"^(?P<prefix>[A-Za-z][\w.-]*):(?P<code>[^/\s].*)$")
_ESD_URI = re.compile(r"^https?://id\.esd\.org\.uk/(?P<list>service|need|circumstance)/(?P<code>.+)$")
ESD_VOCABULARIES = {"service": "esdServiceTypes", "need": "esdNeeds", "circumstance": "esdCircumstances"}


class _LegacyFlattener(Flattener):
    # Link rows in legacy JSON often have no id of their own: derive a stable one from what they link.
    def generate_id(self, table: str, row: dict[str, Any], where: Where) -> str | None:
        if table in ("service_taxonomy", "link_taxonomy", "eligibility_taxonomy", "language", "eligibility",
                     "physical_address", "postal_address", "accessibility_for_disabilities"):
            return stable_id("legacy", table, *(f"{k}={row[k]}" for k in sorted(row) if row[k] is not None))
        return super().generate_id(table, row, where)

    def merge(self, table: str, row: dict[str, Any], where: Where) -> None:
        if table == "eligibility_taxonomy":  # the same term under many eligibility rows: keep each link
            target = self.dataset.table(table)
            target.add(row, where)
            return
        super().merge(table, row, where)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def weekday_code(value: Any) -> str | None:
    """'Monday', 'mon', 'MO', 1 (Monday) ... 7 or 0 (Sunday) -> 'MO'..'SU'."""
    text = _text(value)
    if text is None:
        return None
    if re.fullmatch(r"\d+(\.0+)?", text):
        return WEEKDAY_NUMBERS.get(int(float(text)))
    return WEEKDAY_NAMES.get(text.lower().rstrip("."))


def local_time(value: Any) -> str | None:
    """'09:00Z' or '09:00+01:00' -> '09:00' (opening hours are local wall-clock times)."""
    text = _text(value)
    if text is None:
        return None
    return _TZ_SUFFIX.sub("", text).strip() or None


def term_code(term_id: str) -> tuple[str | None, str]:
    """(vocabulary implied by the id, code) for ids such as 'esdServiceType:242' or an esd URI."""
    match = _ESD_URI.match(term_id)
    if match:
        return ESD_VOCABULARIES[match["list"]], match["code"]
    match = _CURIE.match(term_id)
    if match and not term_id.lower().startswith(("http:", "https:", "urn:")):
        return match["prefix"], match["code"]
    return None, term_id


class _Converter:
    def __init__(self, dataset: Dataset, legacy: dict[str, list[tuple[dict[str, Any], Where]]]):
        self.dataset = dataset
        self.legacy = legacy
        self.vocabularies: dict[str, str] = {}  # vocabulary -> taxonomy id
        self.origins: dict[tuple[str, str], str] = {}  # (HSDS 3.0 table, id) -> the legacy table that used it first

    def rows(self, name: str) -> list[tuple[dict[str, Any], Where]]:
        return self.legacy.get(name, [])

    def out(self, table: str, row: dict[str, Any], where: Where, origin: str | None = None) -> None:
        """Add a row to an HSDS 3.0 table. `origin` names the legacy table when several feed one (regular and
        holiday schedules both become schedules): HSDS 1.x ids are unique only within their own table, so an id
        another legacy table already used is made unique, the same way every time."""
        target = self.dataset.table(table)
        if where.file not in target.files:
            target.files.append(where.file)
        row_id = _text(row.get("id"))
        if origin is not None and row_id is not None:
            first = self.origins.setdefault((table, row_id), origin)
            if first != origin:
                row["id"] = stable_id("legacy", origin, row_id)
        target.add(row, where)

    def problem(self, level: str, where: Where, field: str | None, message: str, code: str) -> None:
        self.dataset.problems.append(Problem(level, where.file, where.row, where.field(field), message, code))

    def run(self) -> None:
        for row, where in self.rows("organization"):
            self.out("organization", {
                "id": row.get("id"), "name": row.get("name"), "alternate_name": row.get("alternate_name"),
                "description": row.get("description"), "email": row.get("email"),
                "website": row.get("website") or row.get("url"),
            }, where)
        eligibility = self._eligibility()
        for row, where in self.rows("service"):
            sid = row.get("id")
            extra = eligibility.get(_text(sid) or "", {})
            self.out("service", {
                "id": sid, "organization_id": row.get("organization_id"), "name": row.get("name"),
                "alternate_name": row.get("alternate_name"), "description": row.get("description"),
                "url": row.get("url"), "email": row.get("email"), "status": row.get("status"),
                "interpretation_services": row.get("interpretation_services"),
                "application_process": row.get("application_process"),
                "fees_description": row.get("fees_description") or row.get("fees"),
                "eligibility_description": row.get("eligibility_description") or extra.get("description"),
                "minimum_age": row.get("minimum_age") if _text(row.get("minimum_age")) else extra.get("minimum_age"),
                "maximum_age": row.get("maximum_age") if _text(row.get("maximum_age")) else extra.get("maximum_age"),
                "assured_date": row.get("assured_date"), "assurer_email": row.get("assurer_email"),
                "alert": row.get("alert"), "last_modified": row.get("last_modified"),
            }, where)
        for row, where in self.rows("location"):
            self.out("location", {
                "id": row.get("id"), "organization_id": row.get("organization_id"),
                "location_type": row.get("location_type") or "physical", "url": row.get("url"),
                "name": row.get("name"), "alternate_name": row.get("alternate_name"),
                "description": row.get("description"), "transportation": row.get("transportation"),
                "latitude": row.get("latitude"), "longitude": row.get("longitude"),
            }, where)
        for row, where in self.rows("service_at_location"):
            self.out("service_at_location", {
                "id": row.get("id"), "service_id": row.get("service_id"), "location_id": row.get("location_id"),
                "description": row.get("description"),
            }, where)
        for kind in ("physical", "postal"):
            for row, where in self.rows(f"{kind}_address"):
                extra_lines = [_text(row.get(k)) for k in ("address_2", "address_3", "address_4")]
                self.out("address", {
                    "id": row.get("id"), "location_id": row.get("location_id"), "attention": row.get("attention"),
                    "address_1": row.get("address_1"), "address_2": ", ".join(l for l in extra_lines if l) or None,
                    "city": row.get("city"), "region": row.get("region"),
                    "state_province": row.get("state_province"), "postal_code": row.get("postal_code"),
                    "country": row.get("country") or "GB", "address_type": kind,
                }, where, f"{kind}_address")
        for row, where in self.rows("phone"):
            self.out("phone", {
                "id": row.get("id"), "location_id": row.get("location_id"), "service_id": row.get("service_id"),
                "organization_id": row.get("organization_id"), "contact_id": row.get("contact_id"),
                "service_at_location_id": row.get("service_at_location_id"), "number": row.get("number"),
                "extension": row.get("extension"), "type": row.get("type"), "description": row.get("description"),
            }, where)
            for code in re.split(r"[,;\s]+", _text(row.get("language")) or ""):
                if code:
                    self.out("language", {
                        "id": stable_id(str(row.get("id")), "language", code.lower()), "phone_id": row.get("id"),
                        "code": code.lower(), "name": LANGUAGE_NAMES.get(code.lower()),
                    }, where, "phone")
        for row, where in self.rows("contact"):
            self.out("contact", {
                "id": row.get("id"), "organization_id": row.get("organization_id"),
                "service_id": row.get("service_id"), "service_at_location_id": row.get("service_at_location_id"),
                "location_id": row.get("location_id"), "name": row.get("name"), "title": row.get("title"),
                "department": row.get("department"), "email": row.get("email"),
            }, where)
        self._schedules()
        self._taxonomies()
        for row, where in self.rows("service_area"):
            self.out("service_area", {
                "id": row.get("id"), "service_id": row.get("service_id"),
                "service_at_location_id": row.get("service_at_location_id"),
                "name": row.get("name") or row.get("service_area"), "description": row.get("description"),
                "extent": row.get("extent"), "extent_type": row.get("extent_type"), "uri": row.get("uri"),
            }, where)
        for row, where in self.rows("language"):
            value = _text(row.get("language")) or _text(row.get("code")) or _text(row.get("name"))
            code = _text(row.get("code")) or (value.lower() if value and len(value) <= 3 else None)
            name = _text(row.get("name")) or (LANGUAGE_NAMES.get(code) if code else value)
            self.out("language", {
                "id": row.get("id"), "service_id": row.get("service_id"), "location_id": row.get("location_id"),
                "phone_id": row.get("phone_id"), "name": name, "code": code, "note": row.get("note"),
            }, where, "language")
        for row, where in self.rows("accessibility_for_disabilities"):
            self.out("accessibility", {
                "id": row.get("id"), "location_id": row.get("location_id"),
                "description": row.get("description") or row.get("accessibility"), "details": row.get("details"),
                "url": row.get("url"),
            }, where)
        for row, where in self.rows("cost_option"):
            self.out("cost_option", {
                "id": row.get("id"), "service_id": row.get("service_id"), "valid_from": row.get("valid_from"),
                "valid_to": row.get("valid_to"), "option": row.get("option"), "currency": row.get("currency"),
                "amount": row.get("amount"), "amount_description": row.get("amount_description"),
            }, where)

    def _eligibility(self) -> dict[str, dict[str, Any]]:
        """service id -> minimum_age, maximum_age, description drawn from its eligibility rows."""
        found: dict[str, dict[str, Any]] = {}
        for row, _where in self.rows("eligibility"):
            sid = _text(row.get("service_id"))
            if not sid:
                continue
            entry = found.setdefault(sid, {"texts": []})
            for key in ("minimum_age", "maximum_age"):
                if _text(row.get(key)) and key not in entry:
                    entry[key] = row.get(key)
            text = _text(row.get("eligibility"))
            if text and text not in entry["texts"]:
                entry["texts"].append(text)
        for entry in found.values():
            if entry["texts"]:
                entry["description"] = "; ".join(entry["texts"])
        return found

    def _schedules(self) -> None:
        for row, where in self.rows("regular_schedule"):
            byday = _text(row.get("byday"))
            if byday is None:
                byday = weekday_code(row.get("weekday"))
                if byday is None and _text(row.get("weekday")):
                    self.problem(ERROR, where, "weekday",
                                 f"“{row.get('weekday')}” is not a day of the week; use Monday…Sunday or 1 "
                                 "(Monday) to 7 (Sunday).", "bad-weekday")
                    continue
            self.out("schedule", {
                "id": row.get("id"), "service_id": row.get("service_id"), "location_id": row.get("location_id"),
                "service_at_location_id": row.get("service_at_location_id"),
                "valid_from": row.get("valid_from"), "valid_to": row.get("valid_to"), "dtstart": row.get("dtstart"),
                "freq": _text(row.get("freq")) or "WEEKLY", "interval": _text(row.get("interval")) or 1,
                "byday": byday, "bymonthday": row.get("bymonthday"),
                "opens_at": local_time(row.get("opens_at")), "closes_at": local_time(row.get("closes_at")),
                "description": row.get("description"),
            }, where, "regular_schedule")
        for row, where in self.rows("holiday_schedule"):
            closed = str(row.get("closed") or "").strip().lower() in ("true", "1", "yes", "y")
            self.out("schedule", {
                "id": row.get("id"), "service_id": row.get("service_id"), "location_id": row.get("location_id"),
                "service_at_location_id": row.get("service_at_location_id"),
                "valid_from": row.get("start_date"), "valid_to": row.get("end_date") or row.get("start_date"),
                "opens_at": None if closed else local_time(row.get("opens_at")),
                "closes_at": None if closed else local_time(row.get("closes_at")),
                "description": row.get("description") or ("Closed" if closed else "Holiday opening hours"),
            }, where, "holiday_schedule")

    def _vocabulary_id(self, vocabulary: str, where: Where) -> str:
        if vocabulary not in self.vocabularies:
            tid = stable_id("taxonomy", vocabulary)
            self.vocabularies[vocabulary] = tid
            self.out("taxonomy", {"id": tid, "name": vocabulary, "description": f"{vocabulary} (imported vocabulary)",
                                  "uri": None, "version": None}, where)
        return self.vocabularies[vocabulary]

    def _term(self, row: dict[str, Any], where: Where) -> None:
        tid = _text(row.get("id"))
        if tid is None:
            return
        implied, code = term_code(tid)
        vocabulary = _text(row.get("vocabulary")) or implied or "local"
        self.out("taxonomy_term", {
            "id": tid, "code": code, "name": row.get("name"), "description": row.get("description"),
            "parent_id": row.get("parent_id"), "taxonomy": vocabulary,
            "taxonomy_id": self._vocabulary_id(vocabulary, where), "language": None, "term_uri": row.get("uri"),
        }, where)

    def _taxonomies(self) -> None:
        seen: set[str] = set()
        for name in ("taxonomy",):
            for row, where in self.rows(name):
                tid = _text(row.get("id"))
                if tid and tid not in seen:
                    seen.add(tid)
                    self._term(row, where)
        for row, where in self.rows("eligibility_taxonomy"):
            tid = _text(row.get("id"))
            if tid and tid not in seen:
                seen.add(tid)
                self._term(row, where)
        for row, where in self.rows("service_taxonomy"):
            self.out("attribute", {
                "id": row.get("id"), "link_id": row.get("service_id"), "taxonomy_term_id": row.get("taxonomy_id"),
                "link_type": "service", "link_entity": "service", "value": row.get("taxonomy_detail"),
            }, where, "service_taxonomy")
        eligibility_service = {_text(r.get("id")): r.get("service_id") for r, _ in self.rows("eligibility")}
        for row, where in self.rows("link_taxonomy"):
            link_type = (_text(row.get("link_type")) or "").lower()
            link_id = row.get("link_id")
            entity = {"organization": "organization", "service_area": "service_area",
                      "cost_option": "cost_option", "service": "service", "location": "location"}.get(link_type)
            if link_type == "eligibility":
                link_id = eligibility_service.get(_text(link_id)) or link_id
                entity = "service"
            self.out("attribute", {
                "id": row.get("id"), "link_id": link_id, "taxonomy_term_id": row.get("taxonomy_id"),
                "link_type": link_type or None, "link_entity": entity or link_type or None, "value": None,
            }, where, "link_taxonomy")
        for row, where in self.rows("eligibility_taxonomy"):
            sid = eligibility_service.get(_text(row.get("eligibility_id")))
            if sid is None:
                continue
            self.out("attribute", {
                "id": stable_id(str(sid), "eligibility", str(row.get("id"))), "link_id": sid,
                "taxonomy_term_id": row.get("id"), "link_type": "eligibility", "link_entity": "service",
                "value": None,
            }, where, "eligibility")


def _collect_raw(raw: dict, dataset: Dataset) -> dict[str, list[tuple[dict[str, Any], Where]]]:
    legacy: dict[str, list[tuple[dict[str, Any], Where]]] = {}
    for stem, table in raw.items():
        name = _STEM.get(stem)
        if name is None:
            level_note = "ketdir does not keep these records" if stem in LEGACY_NOT_KEPT else \
                "this is not an Open Referral table ketdir knows"
            dataset.problems.append(Problem(WARNING, table.file, None, None, f"{level_note}; the file was read past.",
                                            code="not-kept"))
            continue
        rows = legacy.setdefault(name, [])
        for row, number in zip(table.rows, table.numbers):
            rows.append(({k: (v if v != "" else None) for k, v in row.items()}, Where(table.file, number)))
    return legacy


def legacy_tables_to_dataset(raw: dict, dataset: Dataset) -> None:
    """Legacy CSV tables (from read_datapackage) into HSDS 3.0 tables."""
    _Converter(dataset, _collect_raw(raw, dataset)).run()


def _from_flattened(flat: Dataset) -> dict[str, list[tuple[dict[str, Any], Where]]]:
    return {name: list(zip(table.rows, table.where)) for name, table in flat.tables.items()}


def read_legacy_json(path: Path, *, source: str | None = None) -> Dataset:
    path = Path(path)
    dataset = Dataset(source=source or path.stem, path=str(path), format="legacy")
    flat = Dataset(source=dataset.source, path=str(path), format="legacy")
    documents = load_documents(path, dataset)
    flattener = _LegacyFlattener(flat, LEGACY_JSON, path.name)
    for name, document in documents:
        flattener.file = name
        items = items_of(document, name, dataset)
        for number, item in enumerate(items or [], start=1):
            kind = kind_of(item)
            try:
                flattener.add("organization" if kind == "organization" else "service", item, Where(name, number))
            except RecursionError:
                dataset.problems.append(too_deep(name))
    dataset.problems.extend(flat.problems)
    _Converter(dataset, _from_flattened(flat)).run()
    return dataset


def read_legacy(path: Path, *, source: str | None = None, encoding: str | None = None) -> Dataset:
    """A legacy folder/zip of CSV tables, or legacy JSON."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".json" or (path.is_dir() and not any(path.glob("*.csv"))
                                                              and any(path.glob("*.json"))):
        return read_legacy_json(path, source=source)
    from ketdir.interop.read_datapackage import read_datapackage

    dataset = read_datapackage(path, source=source, encoding=encoding)
    if dataset.format != "legacy" and not dataset.errors:
        dataset.problems.append(Problem(WARNING, path.name, None, None,
                                        "this looks like HSDS 3.0 rather than legacy Open Referral UK data; it was "
                                        "read as HSDS 3.0.", code="not-legacy"))
    return dataset

