"""Check exported data against the HSDS 3.0 JSON schemas (copied to data/hsds/schema/).

The schemas refer to each other by file name ("phone.json"); they are registered under one base URI
so those references resolve offline. Formats (uuid, email, date-time …) are checked where jsonschema
can check them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from ketdir.paths import data_dir

BASE = "https://ketdir.invalid/hsds/schema/"


@dataclass(frozen=True)
class SchemaProblem:
    item: str  # e.g. "service 3 (id …)"
    path: str  # where in the object, e.g. "phones[0].number"
    message: str

    def __str__(self) -> str:
        return f"{self.item}: {self.path or '(object)'}: {self.message}"


def _schema_dir() -> Path:
    return data_dir() / "hsds" / "schema"


@lru_cache(maxsize=None)
def _validator(name: str):
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = []
    for path in sorted(_schema_dir().glob("*.json")):
        if path.name == "openapi.json":
            continue
        contents = json.loads(path.read_text(encoding="utf-8"))
        contents = {**contents, "$id": BASE + path.name}
        resources.append((BASE + path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    registry = Registry().with_resources(resources)
    root = registry.contents(BASE + f"{name}.json")
    return Draft202012Validator(root, registry=registry, format_checker=FormatChecker())


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def check_objects(name: str, objects: Iterable[dict[str, Any]], limit: int = 200) -> list[SchemaProblem]:
    """Problems of HSDS objects of one kind ("service", "phone" …) against its schema."""
    validator = _validator(name)
    problems: list[SchemaProblem] = []
    for number, obj in enumerate(objects, start=1):
        for error in validator.iter_errors(obj):
            ident = obj.get("id") if isinstance(obj, dict) else None
            problems.append(SchemaProblem(f"{name} {number}" + (f" ({ident})" if ident else ""),
                                          _path(error.absolute_path), error.message))
            if len(problems) >= limit:
                return problems
    return problems


def check_json_file(path: Path, limit: int = 200) -> list[SchemaProblem]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    items = data if isinstance(data, list) else [data]
    return check_objects("service", items, limit)


def check_datapackage(path: Path, limit: int = 200) -> list[SchemaProblem]:
    """Each CSV row, typed as the datapackage says, against its table's schema (no nesting)."""
    from ketdir.interop.read_datapackage import open_package
    from ketdir.interop.textfiles import decode_utf8, read_csv_text

    files = open_package(Path(path))
    descriptor = json.loads(files.members["datapackage.json"]().decode("utf-8"))
    problems: list[SchemaProblem] = []
    for resource in descriptor.get("resources", []):
        declared = [f["name"] for f in resource.get("schema", {}).get("fields", [])]
        types = {f["name"]: f.get("type", "string") for f in resource.get("schema", {}).get("fields", [])}
        schema = json.loads((_schema_dir() / f"{resource['name']}.json").read_text(encoding="utf-8"))
        required = set(schema.get("required", []))
        header, rows = read_csv_text(decode_utf8(files.members[resource["path"]](), resource["path"]), resource["path"])
        where = resource["path"]
        twice = sorted({name for name in declared if declared.count(name) > 1})
        if twice:
            problems.append(SchemaProblem(where, "datapackage.json", f"fields declared twice: {', '.join(twice)}"))
        if header != declared:
            problems.append(SchemaProblem(where, "header", f"the columns ({', '.join(header)}) are not the fields "
                                                            f"declared ({', '.join(declared)})"))
        extra = sorted(set(header) - set(schema.get("properties", {})))
        if extra:
            problems.append(SchemaProblem(where, "header", f"columns HSDS 3.0 does not have: {', '.join(extra)}"))
        objects = []
        for number, cells in rows:
            obj: dict[str, Any] = {}
            for name, cell in zip(header, cells):
                if cell == "" and name in required:
                    problems.append(SchemaProblem(f"{where} row {number}", name, "required, but empty"))
                if cell == "":
                    continue
                kind = types.get(name, "string")
                if kind == "number":
                    value: Any = float(cell)
                    obj[name] = int(value) if value.is_integer() else value
                elif kind == "integer":
                    obj[name] = int(cell)
                else:
                    obj[name] = cell
            objects.append(obj)
        for problem in check_objects(resource["name"], objects, limit - len(problems)):
            problems.append(SchemaProblem(f"{resource['path']} {problem.item}", problem.path, problem.message))
        if len(problems) >= limit:
            break
    return problems
