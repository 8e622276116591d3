"""Pick the right reader for a path: datapackage, HSDS JSON, legacy ORUK, or spreadsheet."""
from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

from ketdir.interop.dataset import ERROR, Dataset, Problem
from ketdir.interop.read_spreadsheet import SPREADSHEET_SUFFIXES, ColumnMapping

FORMATS = ("auto", "datapackage", "json", "legacy", "spreadsheet")


def detect_format(path: Path) -> str:
    """What a path most likely holds. Legacy data in a package is recognised by the package reader."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        if any(path.glob("*.csv")) or (path / "datapackage.json").exists():
            return "datapackage"
        if any(path.glob("*.json")):
            return "json"
        return "datapackage"
    if suffix == ".zip" or (path.is_file() and zipfile.is_zipfile(path) and suffix not in (".xlsx", ".xlsm")):
        return "datapackage"
    if suffix == ".json":
        return "json"
    if suffix in SPREADSHEET_SUFFIXES:
        return "spreadsheet"
    return "spreadsheet"


def _json_is_legacy(path: Path) -> bool:
    from ketdir.interop.read_json import looks_legacy

    try:
        if path.is_dir():
            first = next(iter(sorted(path.glob("*.json"))), None)
            if first is None:
                return False
            path = first
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return False  # the JSON reader reports the problem precisely
    return looks_legacy(document)


def read_any(path: Path | str, fmt: str = "auto", *, mapping: ColumnMapping | None = None,
             source: str | None = None, encoding: str | None = None, rows: str = "stop") -> Dataset:
    """Read a path into a Dataset (problems found while reading are in dataset.problems). `encoding` overrides
    detection for CSV files (a datapackage's or a spreadsheet's); `rows` is what a spreadsheet's failing rows do
    (read_spreadsheet.ROW_CHOICES)."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if not path.exists():
        dataset = Dataset(source=source or path.stem, path=str(path), format=fmt)
        dataset.problems.append(Problem(ERROR, path.name, None, None,
                                        f"there is no file or folder at {path}. Check the path.", code="missing"))
        return dataset
    if fmt == "auto":
        fmt = detect_format(path)
        if fmt == "json" and _json_is_legacy(path):
            fmt = "legacy"
    if mapping is not None and fmt != "spreadsheet":
        fmt = "spreadsheet" if path.suffix.lower() in SPREADSHEET_SUFFIXES else fmt
    if fmt == "datapackage":
        from ketdir.interop.read_datapackage import read_datapackage

        return read_datapackage(path, source=source, encoding=encoding)
    if fmt == "json":
        from ketdir.interop.read_json import read_json

        return read_json(path, source=source)
    if fmt == "legacy":
        from ketdir.interop.read_legacy import read_legacy

        return read_legacy(path, source=source, encoding=encoding)
    from ketdir.interop.read_spreadsheet import read_spreadsheet

    if encoding:
        mapping = dataclasses.replace(mapping or ColumnMapping(), encoding=encoding)
    return read_spreadsheet(path, mapping, source=source, rows=rows)
