"""Any spreadsheet of services — CSV (any common delimiter and encoding) or XLSX — through a column mapping.

A `ColumnMapping` says which column holds which field (target field -> source column header), plus
constants that apply to every row (e.g. every service in the sheet is "drug-treatment"). Mappings are
saved as JSON and reused for next month's copy of the same sheet. `suggest_mapping(headers)` guesses one
from the header names.

One row is one service. Ids: an id column if the sheet has one; otherwise a stable id from the service
name and postcode, so importing next month's copy of the sheet updates the same records.
"""
from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import hashlib
import json
import re
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ketdir.interop.dataset import ERROR, WARNING, Dataset, Problem, Where
from ketdir.interop.textfiles import TextProblem, detect_encoding, read_csv_text, sniff_delimiter
from ketdir.needs import need_types
from ketdir.store.models import stable_id
from ketdir.store.records import LANGUAGE_NAMES, need_term_id

SPREADSHEET_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    hints: tuple[str, ...]  # header names that suggest this field (normalised: lower case, letters/digits)
    required: bool = False


TARGETS: tuple[Target, ...] = (
    Target("id", "Service id (reference)", ("id", "serviceid", "ref", "reference", "recordid", "uid",
                                            "organisationid", "organizationid", "siteid", "clinicid")),
    Target("name", "Service name", ("servicename", "name", "service", "title", "nameofservice"), required=True),
    Target("alternate_name", "Other name", ("alternatename", "othername", "aka", "alsoknownas", "shortname")),
    Target("description", "Description", ("description", "about", "details", "summary", "whattheydo", "info")),
    Target("organization", "Organisation", ("organisation", "organization", "provider", "orgname",
                                            "organisationname", "organizationname", "runby", "charity")),
    Target("url", "Website", ("website", "web", "url", "link", "webpage", "site")),
    Target("email", "Email", ("email", "emailaddress", "mail", "contactemail")),
    Target("phone", "Phone number(s)", ("phone", "telephone", "tel", "phonenumber", "contactnumber", "number",
                                        "helpline", "telephonenumber", "phoneno")),
    Target("address_1", "Address", ("address", "address1", "addressline1", "street", "streetaddress")),
    Target("address_2", "Address line 2", ("address2", "addressline2", "locality")),
    Target("city", "Town or city", ("town", "city", "towncity", "posttown")),
    Target("region", "County or region", ("county", "region", "area")),
    Target("postal_code", "Postcode", ("postcode", "postalcode", "zip", "zipcode", "pcode")),
    Target("latitude", "Latitude", ("latitude", "lat")),
    Target("longitude", "Longitude", ("longitude", "lon", "lng", "long")),
    Target("hours", "Opening hours", ("openinghours", "hours", "opening", "openingtimes", "times", "when")),
    Target("need", "Need type(s)", ("need", "needs", "needtype", "category", "categories", "servicetype", "type",
                                    "support", "supporttype")),
    Target("fees", "Fees", ("fees", "cost", "costs", "price", "charges", "free")),
    Target("eligibility", "Who it is for", ("eligibility", "whoitisfor", "whofor", "criteria", "audience")),
    Target("application_process", "How to refer", ("howtorefer", "referral", "referrals", "howtoaccess",
                                                    "access", "applicationprocess", "selfreferral")),
    Target("minimum_age", "Minimum age", ("minimumage", "minage", "agefrom", "agesfrom")),
    Target("maximum_age", "Maximum age", ("maximumage", "maxage", "ageto", "agesto")),
    Target("languages", "Languages", ("languages", "language", "langs")),
    Target("service_area", "Area covered (national lines)", ("servicearea", "areacovered", "coverage")),
    Target("assured_date", "Last checked", ("lastchecked", "assureddate", "verified", "checked", "checkedon",
                                            "lastverified", "reviewed", "lastreviewed", "lastupdated",
                                            "lastupdateddate", "dateupdated", "updated")),
    Target("source_url", "Checked at (source page)", ("sourceurl", "source", "checkedat")),
    Target("alert", "Alert", ("alert", "notice", "warning")),
)
TARGET_KEYS = tuple(t.key for t in TARGETS)


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass
class ColumnMapping:
    """Which spreadsheet column feeds which field, and constants for every row.

    columns: target field (see TARGETS) -> column header in the sheet.
    constants: target field -> value for every row, e.g. {"need": "drug-treatment"}.
    """

    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None
    delimiter: str | None = None
    encoding: str | None = None

    def save(self, path: Path | str, guide: dict[str, Any] | None = None) -> None:
        """Write the mapping as JSON; `guide` goes alongside under "help" (ignored when loading)."""
        data = {"ketdir_column_mapping": 1, **asdict(self)}
        if guide:
            data["help"] = guide
        Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path | str) -> "ColumnMapping":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"the mapping file {path} cannot be read ({exc}). Save the mapping again.") from None
        if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
            raise ValueError(f"{path} is not a ketdir column mapping (it has no “columns”).")
        unknown = [k for k in [*data.get("columns", {}), *data.get("constants", {})] if k not in TARGET_KEYS]
        if unknown:
            raise ValueError(f"{path}: unknown field(s) {', '.join(unknown)}; use: {', '.join(TARGET_KEYS)}.")
        delimiter = data.get("delimiter")
        if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
            raise ValueError(f"{path}: the delimiter must be one character (e.g. \",\" or \"¬\"), not {delimiter!r}.")
        encoding = data.get("encoding")
        if encoding is not None:
            try:
                codecs.lookup(str(encoding))
            except LookupError:
                raise ValueError(f"{path}: “{encoding}” is not an encoding ketdir knows; use e.g. utf-8, cp1252 or "
                                 "latin-1.") from None
        return cls(
            columns=dict(data.get("columns") or {}),
            constants={k: str(v) for k, v in (data.get("constants") or {}).items()},
            sheet=data.get("sheet"),
            delimiter=data.get("delimiter"),
            encoding=data.get("encoding"),
        )

    def missing_columns(self, headers: list[str]) -> list[str]:
        return [c for c in self.columns.values() if c not in headers]


def suggest_mapping(headers: list[str]) -> ColumnMapping:
    """Guess a mapping from header names: exact matches first, then headers containing a hint."""
    normalised = {h: _norm(h) for h in headers}
    used: set[str] = set()
    columns: dict[str, str] = {}
    for exact in (True, False):
        for target in TARGETS:
            if target.key in columns:
                continue
            for hint in target.hints:
                match = next(
                    (h for h, n in normalised.items() if h not in used and n and
                     (n == hint if exact else (len(hint) > 3 and hint in n))),
                    None,
                )
                if match:
                    columns[target.key] = match
                    used.add(match)
                    break
    if "name" not in columns and "organization" in columns:
        # One row per clinic or organisation (as in NHS lists): its name is the service's name.
        columns["name"] = columns.pop("organization")
    return ColumnMapping(columns=columns)


# ------------------------------------------------------------------------------------------ reading


@dataclass
class Sheet:
    """A spreadsheet as read: headers and rows of text, with their row numbers."""

    file: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str | None = None
    delimiter: str | None = None
    sheets: list[str] = field(default_factory=list)  # all sheet names of a workbook
    note: Problem | None = None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_sheet(path: Path, mapping: ColumnMapping | None = None) -> Sheet:
    """Headers and rows of a CSV or XLSX file. Raises TextProblem for files that cannot be read."""
    path = Path(path)
    mapping = mapping or ColumnMapping()
    if not path.is_file():
        raise TextProblem(Problem(ERROR, path.name, None, None, f"there is no file at {path}.", code="missing"))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, mapping.sheet)
    data = path.read_bytes()
    decoded = detect_encoding(data, path.name, mapping.encoding)
    delimiter = mapping.delimiter or ("\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(decoded.text))
    header, rows = read_csv_text(decoded.text, path.name, delimiter)
    return Sheet(path.name, [h.strip().lstrip("\ufeff") for h in header], rows, decoded.encoding, delimiter,
                 note=decoded.note)


def _read_xlsx(path: Path, sheet_name: str | None) -> Sheet:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency
        raise TextProblem(Problem(ERROR, path.name, None, None,
                                  "reading .xlsx needs the openpyxl package; install ketdir's dependencies.")) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise TextProblem(Problem(ERROR, path.name, None, None,
                                  f"this is not a readable Excel workbook ({exc}). Open it in Excel or LibreOffice "
                                  "and save it again as .xlsx, or save the sheet as CSV.", code="xlsx")) from None
    try:
        names = list(book.sheetnames)
        if sheet_name and sheet_name not in names:
            raise TextProblem(Problem(ERROR, path.name, None, None,
                                      f"the workbook has no sheet called “{sheet_name}”; its sheets are "
                                      f"{', '.join(names)}.", code="xlsx"))
        ws = book[sheet_name] if sheet_name else book[names[0]]
        rows_iter = ws.iter_rows(values_only=True)
        header_cells = next(rows_iter, None) or ()
        headers = [_cell_text(c) for c in header_cells]
        while headers and not headers[-1]:
            headers.pop()
        rows: list[tuple[int, list[str]]] = []
        for number, cells in enumerate(rows_iter, start=2):
            texts = [_cell_text(c) for c in cells[: len(headers)]]
            if any(texts):
                rows.append((number, texts))
    finally:
        book.close()
    return Sheet(path.name, headers, rows, sheets=names)


# ------------------------------------------------------------------------------------------ mapping

_DAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*"
_TIME = r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)?|noon|midday|midnight"
_RULE = re.compile(
    rf"(?P<days>{_DAY}(?:\s*(?:-|–|to|&|and|,)\s*{_DAY})*)\s*:?\s*(?P<opens>{_TIME})\s*(?:-|–|to)\s*(?P<closes>{_TIME})",
    re.IGNORECASE,
)
_DAY_ORDER = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _day_code(word: str) -> str | None:
    word = word.lower()
    for code, prefix in zip(_DAY_ORDER, ("mon", "tue", "wed", "thu", "fri", "sat", "sun")):
        if word.startswith(prefix):
            return code
    return None


def parse_hours_text(text: str) -> list[tuple[str, str, str]]:
    """'Mon-Fri 9am-5pm; Sat 10:00-14:00' -> [("MO,TU,WE,TH,FR", "9am", "5pm"), ("SA", "10:00", "14:00")].

    Returns [] when the text is not in a shape this understands (the text is then kept as a note)."""
    rules = []
    for match in _RULE.finditer(text):
        parts = re.split(r"\s*(-|–|to|&|and|,)\s*", match["days"], flags=re.IGNORECASE)
        days: list[str] = []
        i = 0
        while i < len(parts):
            code = _day_code(parts[i])
            if code is None:
                i += 1
                continue
            if i + 2 < len(parts) and parts[i + 1].lower() in ("-", "–", "to") and _day_code(parts[i + 2]):
                a, b = _DAY_ORDER.index(code), _DAY_ORDER.index(_day_code(parts[i + 2]))  # type: ignore[arg-type]
                span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
                days.extend(_DAY_ORDER[d] for d in span)
                i += 3
            else:
                days.append(code)
                i += 1
        if days:
            unique = sorted(set(days), key=_DAY_ORDER.index)
            rules.append((",".join(unique), match["opens"].strip(), match["closes"].strip()))
    return rules


def _need_codes(value: str) -> tuple[list[str], list[str]]:
    """Need codes from a cell ("drug-treatment, Sexual health") and the words that matched nothing."""
    from ketdir.interop.taxonomy_map import load_taxonomy_map

    needs = need_types()
    by_label = {n.label.lower(): n.code for n in needs.all}
    taxonomy_map = load_taxonomy_map()
    codes: list[str] = []
    unknown: list[str] = []
    for part in re.split(r"[;,/|\n]+", value):
        word = part.strip()
        if not word:
            continue
        key = word.lower()
        code = key if needs.get(key) else by_label.get(key) or taxonomy_map.need_for(None, None, word)
        found = [code] if code else taxonomy_map.guess_needs(word)
        for code in found:
            if code not in codes:
                codes.append(code)
        if not found:
            unknown.append(word)
    return codes, unknown


def _split_phones(value: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\s*(?:;|/|\bor\b|\n)\s*", value) if p.strip()]
    return parts or ([value.strip()] if value.strip() else [])


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _row_ids(sheet: Sheet, cell) -> dict[int, str]:
    """Row number -> the id of the service it describes: from its reference column, or its name and postcode.
    HSDS ids are UUIDs, so a reference such as "1001" becomes one made from it, the same every time."""
    ids = {}
    for number, cells in sheet.rows:
        name = cell(cells, "name")
        if name:
            reference = cell(cells, "id")
            if reference:
                ids[number] = reference.lower() if _UUID.fullmatch(reference) else stable_id("sheet-ref", reference)
            else:
                ids[number] = stable_id("sheet", name.lower(), cell(cells, "postal_code").upper().replace(" ", ""))
    return ids


def sheet_to_dataset(sheet: Sheet, mapping: ColumnMapping, dataset: Dataset, *, rows: str = "stop",
                     leave_out: dict[int, str] | None = None) -> None:
    """One service per row, with its organisation, location, phones, hours, needs and languages.

    `rows` says what happens to rows that describe the same service as an earlier row: "stop" (errors: the
    person chooses), "skip" (every such row is left out) or "keep-first". `leave_out` maps row numbers to the
    reason they are left out (a warning each)."""
    leave_out = dict(leave_out or {})
    index = {h: i for i, h in enumerate(sheet.headers)}
    for target, column in mapping.columns.items():
        if column not in index:
            dataset.problems.append(Problem(ERROR, sheet.file, 1, column,
                                            f"the mapping reads “{column}” for {target}, but the sheet has no such "
                                            f"column. Its columns are: {', '.join(sheet.headers)}.",
                                            code="mapping-column"))
    if "name" not in mapping.columns and "name" not in mapping.constants:
        dataset.problems.append(Problem(ERROR, sheet.file, 1, "name",
                                        "the mapping does not say which column holds the service name; choose one.",
                                        code="mapping-name"))
    if dataset.errors:
        return
    for table in ("service", "organization", "location", "address", "service_at_location", "phone", "schedule",
                  "attribute", "language", "service_area"):
        dataset.table(table).files.append(sheet.file)

    def cell(cells: list[str], key: str) -> str:
        column = mapping.columns.get(key)
        if column is not None:
            i = index[column]
            value = cells[i].strip() if i < len(cells) else ""
            if value:
                return value
        return mapping.constants.get(key, "").strip()

    row_ids = _row_ids(sheet, cell)
    first_row: dict[str, int] = {}
    for number, sid in row_ids.items():
        first_row.setdefault(sid, number)
    repeated = {sid for sid, number in first_row.items()} & {sid for n, sid in row_ids.items() if first_row[sid] != n}
    same = "id" if "id" in mapping.columns else "name and postcode"
    for number, sid in row_ids.items():
        if sid not in repeated or number in leave_out:
            continue
        first = first_row[sid]
        if rows == "skip":
            leave_out[number] = (f"more than one row describes this service (same {same} as row {first}), so "
                                 "each of them was left out")
        elif rows == "keep-first" and number != first:
            leave_out[number] = f"the same service (same {same}) as row {first}, which was kept"
    orgs: set[str] = set()
    for number, cells in sheet.rows:
        where = Where(sheet.file, number)
        name = cell(cells, "name")
        postcode = cell(cells, "postal_code")
        if number in leave_out:
            dataset.problems.append(Problem(WARNING, sheet.file, number, None, f"left out: {leave_out[number]}.",
                                            code="left-out"))
            continue
        sid = row_ids.get(number)
        if not name:
            dataset.problems.append(Problem(ERROR, sheet.file, number, mapping.columns.get("name", "name"),
                                            "this row has no service name; add one or delete the row.",
                                            code="required"))
            continue
        if number != first_row[sid]:
            dataset.problems.append(Problem(ERROR, sheet.file, number, mapping.columns.get("id", "name"),
                                            f"this row describes the same service as row {first_row[sid]} (same "
                                            f"{same}). Merge the two rows, or give each its own id — or import "
                                            "keeping the first of them.", code="duplicate-id"))
            continue
        org_name = cell(cells, "organization") or name
        org_id = stable_id("org", org_name.lower())
        if org_id not in orgs:
            orgs.add(org_id)
            dataset.table("organization").add({"id": org_id, "name": org_name}, where)
        service: dict[str, Any] = {"id": sid, "organization_id": org_id, "name": name}
        for target, service_field in SERVICE_FIELDS.items():
            if target in mapping.columns or target in mapping.constants:
                value = cell(cells, target)
                service[service_field] = _uk_date(value) if target == "assured_date" else value
        dataset.table("service").add(service, where)
        address_1 = cell(cells, "address_1")
        lat, lon = cell(cells, "latitude"), cell(cells, "longitude")
        if address_1 or postcode or (lat and lon):
            loc_id = stable_id(sid, "location")
            dataset.table("location").add({
                "id": loc_id, "organization_id": org_id, "location_type": "physical", "name": name,
                "latitude": lat, "longitude": lon,
            }, where)
            dataset.table("address").add({
                "id": stable_id(sid, "address"), "location_id": loc_id, "address_1": address_1,
                "address_2": cell(cells, "address_2"), "city": cell(cells, "city"), "region": cell(cells, "region"),
                "postal_code": postcode, "country": "GB", "address_type": "physical",
            }, where)
            dataset.table("service_at_location").add({"id": stable_id(sid, "sal"), "service_id": sid,
                                                      "location_id": loc_id}, where)
        for i, number_text in enumerate(_split_phones(cell(cells, "phone"))):
            dataset.table("phone").add({"id": stable_id(sid, "phone", str(i)), "service_id": sid,
                                        "number": number_text, "type": "voice"}, where)
        hours = cell(cells, "hours")
        if hours:
            rules = parse_hours_text(hours)
            for i, (days, opens, closes) in enumerate(rules):
                dataset.table("schedule").add({
                    "id": stable_id(sid, "weekly", str(i)), "service_id": sid, "freq": "WEEKLY", "interval": 1,
                    "byday": days, "opens_at": opens, "closes_at": closes,
                    "description": hours if i == 0 else None,
                }, where)
            if not rules:
                dataset.table("schedule").add({"id": stable_id(sid, "note"), "service_id": sid,
                                               "description": hours}, where)
                dataset.problems.append(Problem(WARNING, sheet.file, number, mapping.columns.get("hours", "hours"),
                                                f"the opening hours “{hours[:60]}” could not be read as days and "
                                                "times (e.g. “Mon-Fri 9am-5pm”); they are kept as a note, and "
                                                "“open now” cannot be worked out.", code="hours-text"))
        need_cell = cell(cells, "need")
        if need_cell:
            codes, unknown = _need_codes(need_cell)
            for code in codes:
                dataset.table("attribute").add({
                    "id": stable_id(sid, "need", code), "link_id": sid, "link_type": "need",
                    "link_entity": "service", "taxonomy_term_id": need_term_id(code),
                }, where)
            if unknown:
                dataset.problems.append(Problem(WARNING, sheet.file, number, mapping.columns.get("need", "need"),
                                                f"“{', '.join(unknown)}” is not a ketdir need type; use a code from "
                                                "`ketdir needs`, or add the word to data/taxonomy_map.csv.",
                                                code="unknown-need"))
        for code in [c.strip().lower() for c in re.split(r"[,;/]+", cell(cells, "languages")) if c.strip()]:
            known = {v.lower(): k for k, v in LANGUAGE_NAMES.items()}
            lang_code = code if code in LANGUAGE_NAMES else known.get(code)
            dataset.table("language").add({
                "id": stable_id(sid, "lang", lang_code or code), "service_id": sid,
                "code": lang_code, "name": LANGUAGE_NAMES.get(lang_code or "", code.title()),
            }, where)
        area = cell(cells, "service_area")
        if area:
            dataset.table("service_area").add({"id": stable_id(sid, "area"), "service_id": sid, "name": area}, where)


# Mapping targets that are plain service fields (only mapped ones are written: a re-import of a sheet
# that does not have a column leaves that field of the record alone).
SERVICE_FIELDS = {
    "alternate_name": "alternate_name", "description": "description", "url": "url", "email": "email",
    "fees": "fees_description", "eligibility": "eligibility_description",
    "application_process": "application_process", "minimum_age": "minimum_age", "maximum_age": "maximum_age",
    "assured_date": "assured_date", "alert": "alert", "source_url": "source_url",
}
_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_WORDY_DATE = ("%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y", "%b %d %Y", "%B %d %Y")
_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00(?::00)?$")


def _uk_date(text: str) -> str:
    """Spreadsheets in the UK write 31/12/2026, "31 Dec 2026" or "2026-12-31 00:00:00": make those 2026-12-31;
    leave anything else as it is (validation says what is wrong with it)."""
    text = text.strip()
    match = _UK_DATE.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            return text
    midnight = _MIDNIGHT.match(text)
    if midnight:
        return midnight.group(1)
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.replace(",", " "))
    cleaned = re.sub(r"\s+", " ", cleaned)
    for fmt in _WORDY_DATE:
        try:
            return dt.datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return text


ROW_CHOICES = ("stop", "skip", "keep-first")
ROUNDS = 3  # leaving rows out can leave another row pointing at nothing; a few rounds settle it


def read_spreadsheet(path: Path, mapping: ColumnMapping | None = None, *, source: str | None = None,
                     rows: str = "stop") -> Dataset:
    """A sheet as a Dataset. With rows "skip" or "keep-first", rows that fail (no name, a date that is not a
    date, a repeated service) are left out with a warning each instead of stopping the import; the dataset
    then comes back validated (a sheet links only to its own rows and to need types: no directory needed)."""
    if rows not in ROW_CHOICES:
        raise ValueError(f"rows must be one of {ROW_CHOICES}")
    path = Path(path)
    first = Dataset(source=source or path.stem, path=str(path), format="spreadsheet")
    try:
        sheet = read_sheet(path, mapping)
        first.content_hash = hashlib.sha256(path.read_bytes()).hexdigest()
    except TextProblem as exc:
        first.problems.append(exc.problem)
        return first
    if sheet.note is not None:
        first.problems.append(sheet.note)
    if not sheet.headers:
        first.problems.append(Problem(ERROR, sheet.file, 1, None, "the sheet is empty (no header row).",
                                      code="empty"))
        return first
    if mapping is None or not mapping.columns:  # guess the columns; keep what was said about reading them
        guessed = suggest_mapping(sheet.headers)
        mapping = dataclasses.replace(mapping, columns=guessed.columns) if mapping is not None else guessed
        first.problems.append(Problem(WARNING, sheet.file, 1, None,
                                      "no column mapping was given, so ketdir guessed one from the headers: "
                                      + ", ".join(f"{k} ← “{v}”" for k, v in mapping.columns.items())
                                      + ". Check it, and save a mapping (--mapping) to be sure next time.",
                                      code="guessed-mapping"))
    reading = list(first.problems)

    def build(leave_out: dict[int, str]) -> Dataset:
        dataset = Dataset(source=first.source, path=first.path, format="spreadsheet",
                          content_hash=first.content_hash, problems=list(reading))
        sheet_to_dataset(sheet, mapping, dataset, rows="keep-first" if rows == "stop" and leave_out else rows,
                         leave_out=leave_out)
        return dataset

    dataset, leave_out = _settle(build, sheet.file)
    if rows != "stop":
        return dataset
    # Stopping: every row that would have been left out is an error, so the person sees them all at once.
    stopped = build({})
    blamed = {p.row for p in stopped.errors}
    for row, reason in sorted(leave_out.items()):
        if row not in blamed:
            stopped.problems.append(Problem(ERROR, sheet.file, row, None, reason + ".", code="row"))
    return stopped


def _settle(build, file: str) -> tuple[Dataset, dict[int, str]]:
    """Validate, leave out the rows that fail, and again, until no row fails: the dataset and why each row
    was left out."""
    from ketdir.interop.validate import validate

    leave_out: dict[int, str] = {}
    dataset = build(leave_out)
    for _round in range(ROUNDS):
        validate(dataset)
        errors = dataset.errors
        failing = {p.row: (f"{p.field}: " if p.field else "") + p.message.rstrip(".")
                   for p in errors if p.file == file and isinstance(p.row, int) and p.row > 1}
        if not failing or any(p.row not in failing for p in errors):
            return dataset, leave_out  # nothing to leave out, or an error no row can be blamed for: it stops
        for row, reason in failing.items():
            leave_out.setdefault(row, reason)
        dataset = build(leave_out)
    validate(dataset)
    return dataset, leave_out
