"""Read an HSDS 3.0 tabular datapackage: a folder or a .zip of CSV files, usually with datapackage.json.

Both the core file names (`attributes.csv`, `addresses.csv`, `schedules.csv` ...) and the singular
names of the Open Referral UK profile (`attribute.csv`, `address.csv` ...) are accepted. Legacy ORUK v1
tables (`physical_addresses.csv`, `regular_schedules.csv` ...) are recognised and handed to
`read_legacy`.
"""
from __future__ import annotations

import codecs
import hashlib
import io
import json
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

from ketdir.interop.dataset import (
    ERROR,
    NOT_KEPT_STEMS,
    WARNING,
    Dataset,
    Problem,
    Where,
    table_for_stem,
)
from ketdir.interop.textfiles import TextProblem, decode_utf8, detect_encoding, normalise_header, read_csv_text

LINK_PLACEHOLDER = re.compile(r"[\w./\\-]*datapackage\.json")
LEGACY_STEMS = {
    "physical_address", "physical_addresses", "postal_address", "postal_addresses",
    "regular_schedule", "regular_schedules", "holiday_schedule", "holiday_schedules",
    "service_taxonomy", "service_taxonomys", "service_taxonomies", "link_taxonomy", "link_taxonomys",
    "link_taxonomies", "eligibility", "eligibilitys", "eligibilities", "accessibility_for_disabilities",
}


class SourceProblem(Exception):
    """The source as a whole cannot be read (a damaged zip, a missing folder)."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


@dataclass
class RawTable:
    """One CSV file as read: normalised header and rows of strings."""

    stem: str
    file: str
    header: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)


@dataclass
class PackageFiles:
    """The files of a folder or zip: name -> bytes, plus a label for messages. `open(name)` reads a file as a
    stream instead (a large import reads its files a piece at a time)."""

    label: str
    members: dict[str, Callable[[], bytes]]
    opener: Callable[[str], BinaryIO] | None = None

    def open(self, name: str) -> BinaryIO:
        if self.opener is None:
            return io.BytesIO(self.members[name]())
        return self.opener(name)


def open_package(path: Path) -> PackageFiles:
    path = Path(path)
    if not path.exists():
        raise SourceProblem(Problem(ERROR, path.name, None, None,
                                    f"there is no file or folder at {path}. Check the path.", code="missing"))
    if path.is_dir():
        members: dict[str, Callable[[], bytes]] = {}
        for child in sorted(path.iterdir()):
            if child.is_file():
                members[child.name] = child.read_bytes
        return PackageFiles(path.name, members, lambda name: (path / name).open("rb"))
    try:
        archive = zipfile.ZipFile(path)
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise SourceProblem(
            Problem(ERROR, path.name, None, None,
                    f"this is not a complete zip file ({exc}); it may have been cut off while downloading or "
                    "copying. Download or copy it again. Nothing was changed.", code="zip")
        ) from None
    # Use the shallowest folder inside the zip that holds the package (zips often wrap a folder).
    candidates = [n for n in names if n.lower().endswith((".csv", "datapackage.json")) and "__MACOSX" not in n]
    depth = min((n.count("/") for n in candidates), default=0)
    prefix = ""
    if depth:
        first = sorted(n for n in candidates if n.count("/") == depth)[0]
        prefix = posixpath.dirname(first) + "/"

    def reader(name: str) -> Callable[[], bytes]:
        def read() -> bytes:
            try:
                return archive.read(name)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise SourceProblem(
                    Problem(ERROR, f"{path.name}/{name}", None, None,
                            f"this file inside the zip is damaged ({exc}); the zip may have been cut off while "
                            "downloading. Download it again. Nothing was changed.", code="zip")
                ) from None
        return read

    members = {n[len(prefix):]: reader(n) for n in names if n.startswith(prefix) and "/" not in n[len(prefix):]}
    return PackageFiles(path.name, members, lambda name: archive.open(prefix + name))


def _declared_encodings(descriptor: dict) -> dict[str, str]:
    """file name -> the encoding datapackage.json declares for it (Frictionless `encoding`)."""
    found: dict[str, str] = {}
    for resource in descriptor.get("resources", []):
        if isinstance(resource, dict) and isinstance(resource.get("path"), str) \
                and isinstance(resource.get("encoding"), str):
            found[posixpath.basename(resource["path"])] = resource["encoding"]
    return found


def _descriptor(files: PackageFiles, problems: list[Problem], encodings: dict[str, str]) -> dict[str, str]:
    """file name -> table name from datapackage.json (empty when absent or unusable); fills `encodings`."""
    name = next((n for n in files.members if n.lower() == "datapackage.json"), None)
    if name is None:
        problems.append(Problem(WARNING, files.label, None, None,
                                "there is no datapackage.json; the CSV files were recognised by their names.",
                                code="no-descriptor"))
        return {}
    data = files.members[name]()
    try:
        descriptor = json.loads(decode_utf8(data, name))
    except TextProblem as exc:
        problems.append(exc.problem)
        return {}
    except (json.JSONDecodeError, RecursionError) as exc:
        sample = data[:60].decode("utf-8", "replace").strip()
        if LINK_PLACEHOLDER.fullmatch(sample):
            # A symbolic link stored as text (git on Windows, some zips): the descriptor is elsewhere.
            problems.append(Problem(WARNING, name, 1, None,
                                    f"datapackage.json only holds the path “{sample}” (a link that was copied as "
                                    "text), not a descriptor; the CSV files were recognised by their names.",
                                    code="linked-descriptor"))
            return {}
        line = getattr(exc, "lineno", None)
        problems.append(Problem(ERROR, name, line, None,
                                f"datapackage.json is not valid JSON (it starts “{sample}”), so ketdir cannot tell "
                                "which file holds which table or how to read them. The package is damaged or "
                                "incomplete: download or export it again (or delete datapackage.json to have "
                                "the CSV files recognised by their names).", code="bad-descriptor"))
        return {}
    if isinstance(descriptor, dict):
        encodings.update(_declared_encodings(descriptor))
    mapping: dict[str, str] = {}
    for resource in descriptor.get("resources", []) if isinstance(descriptor, dict) else []:
        if not isinstance(resource, dict):
            continue
        res_path = resource.get("path")
        if isinstance(res_path, list):
            res_path = res_path[0] if res_path else None
        if isinstance(res_path, str) and isinstance(resource.get("name"), str):
            mapping[posixpath.basename(res_path)] = resource["name"].strip().lower()
    return mapping


def read_raw_tables(files: PackageFiles, problems: list[Problem], encoding: str | None = None
                    ) -> tuple[dict[str, RawTable], str]:
    """Every CSV file of the package, keyed by its table stem ("services", "regular_schedules" ...),
    and the content hash of the package (names and bytes of its CSV and JSON files). HSDS says UTF-8; a file
    in another encoding is read in the one `encoding` names, the descriptor declares, or detection finds (with
    a warning saying so)."""
    declared: dict[str, str] = {}
    by_descriptor = _descriptor(files, problems, declared)
    raw: dict[str, RawTable] = {}
    digest = hashlib.sha256()
    for name in sorted(files.members):
        if not name.lower().endswith((".csv", ".json")):
            continue
        data = files.members[name]()
        digest.update(name.encode() + b"\0" + data + b"\0")
        if not name.lower().endswith(".csv"):
            continue
        stem = by_descriptor.get(name) or Path(name).stem
        stem = stem.strip().lower()
        try:
            decoded = detect_encoding(data, name, encoding or _usable(declared.get(name)))
            del data
            if decoded.note is not None:
                problems.append(decoded.note)
            header, rows = read_csv_text(decoded.text, name)
            del decoded
        except TextProblem as exc:
            problems.append(exc.problem)
            continue
        norm = [normalise_header(h) for h in header]
        table = RawTable(stem, name, norm)
        width = len(norm)
        numbers = [number for number, _cells in rows]
        cells_list = [cells for _number, cells in rows]
        del rows
        if cells_list and max(map(len, cells_list)) > width:
            for number, cells in zip(numbers, cells_list):
                if len(cells) > width and any(c.strip() for c in cells[width:]):
                    problems.append(Problem(WARNING, name, number, None,
                                            f"this row has {len(cells)} cells but the header has {width}; the extra "
                                            "cells were ignored. Check for a stray delimiter.", code="extra-cells"))
        table.rows = [dict(zip(norm, cells)) for cells in cells_list]
        table.numbers = numbers
        if stem in raw:
            problems.append(Problem(ERROR, name, None, None,
                                    f"two files hold the same table ({raw[stem].file} and {name}); keep one.",
                                    code="duplicate-table"))
            continue
        raw[stem] = table
    return raw, digest.hexdigest()


def _usable(encoding: str | None) -> str | None:
    """A declared encoding Python knows; UTF-8 is left to detection (which also accepts a BOM)."""
    if not encoding or encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        return None
    try:
        codecs.lookup(encoding)
    except LookupError:
        return None
    return encoding


def is_legacy(raw: dict[str, RawTable]) -> bool:
    if any(stem in LEGACY_STEMS for stem in raw):
        return True
    taxonomy = raw.get("taxonomy") or raw.get("taxonomies")
    has_terms = any(table_for_stem(s) == "taxonomy_term" for s in raw)
    return bool(taxonomy and "vocabulary" in taxonomy.header and not has_terms)


def tables_to_dataset(raw: dict[str, RawTable], dataset: Dataset) -> None:
    """HSDS 3.0 tables into the dataset (values still strings; `validate` coerces them)."""
    for stem, table in raw.items():
        name = table_for_stem(stem)
        if name is None:
            if stem in NOT_KEPT_STEMS:
                dataset.problems.append(Problem(WARNING, table.file, None, None,
                                                f"ketdir does not keep {NOT_KEPT_STEMS[stem].replace('_', ' ')} "
                                                "records; this file was read past.", code="not-kept"))
            else:
                dataset.problems.append(Problem(WARNING, table.file, None, None,
                                                "this is not an HSDS table ketdir knows; it was ignored.",
                                                code="unknown-file"))
            continue
        target = dataset.table(name)
        target.files.append(table.file)
        target.columns.update(h for h in table.header if h)
        file = table.file
        target.rows.extend(table.rows)
        target.where.extend([Where(file, number) for number in table.numbers])


def read_datapackage(path: Path, *, source: str | None = None, encoding: str | None = None) -> Dataset:
    """Read a folder or zip. Problems that stop reading are in `dataset.problems` as errors."""
    path = Path(path)
    dataset = Dataset(source=source or "", path=str(path), format="datapackage")
    try:
        files = open_package(path)
        raw, dataset.content_hash = read_raw_tables(files, dataset.problems, encoding)
    except SourceProblem as exc:
        dataset.problems.append(exc.problem)
        dataset.source = dataset.source or path.stem
        return dataset
    dataset.source = dataset.source or _package_name(files) or path.stem
    if is_legacy(raw):
        from ketdir.interop.read_legacy import legacy_tables_to_dataset

        dataset.format = "legacy"
        legacy_tables_to_dataset(raw, dataset)
    else:
        tables_to_dataset(raw, dataset)
    _check_services_file(dataset)
    if not any(t.rows for t in dataset.tables.values()) and not dataset.errors:
        dataset.problems.append(Problem(ERROR, files.label, None, None,
                                        "no HSDS tables were found (expected files such as services.csv and "
                                        "organizations.csv). Choose the folder or zip of an HSDS export.",
                                        code="empty"))
    return dataset


def _check_services_file(dataset: Dataset) -> None:
    """A services file with no rows while other files point at services: the export was cut short. One clear
    error, rather than one broken link for every row that points at a service."""
    services = dataset.tables.get("service")
    if services is None or services.rows or not services.files:
        return
    pointing = sorted({t.files[0] for t in dataset.tables.values()
                       if t.files and any(r.get("service_id") for r in t.rows)})
    if pointing:
        dataset.problems.append(Problem(
            ERROR, services.files[0], None, None,
            f"this file has no rows (only its header), but {', '.join(pointing)} refer to services it should hold: "
            "the export is incomplete. Export or download it again.",
            code="empty-services"))


def _package_name(files: PackageFiles) -> str | None:
    name = next((n for n in files.members if n.lower() == "datapackage.json"), None)
    if name is None:
        return None
    try:
        descriptor = json.loads(files.members[name]().decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return None
    value = descriptor.get("name") if isinstance(descriptor, dict) else None
    return value if isinstance(value, str) and value.strip() else None
