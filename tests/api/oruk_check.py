"""The checks the Open Referral UK validator makes of a publisher's API, against the profile's schemas kept in
tests/fixtures/oruk (see its NOTICE.md): `/` against api_details.json; every list endpoint, page by page,
against the response schema its OpenAPI document gives (the `$ref`s to the profile's published schema URLs
resolved to the local copies), with the page fields agreeing from page to page; every item endpoint with the
ids the lists gave. Formats are checked too (uuid, email, date, and uri and date-time as RFC 3986/3339 say).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.api.api_data import ORUK

SCHEMA_BASE = "https://raw.githubusercontent.com/tpximpact/OpenReferralApi/refs/heads/main/OpenReferralApi/Schemas/V3.0-UK/"
DOCUMENT_URI = "urn:ketdir:served-openapi"
LISTS = ("/services", "/service_at_locations", "/organizations", "/taxonomies", "/taxonomy_terms")
PAGE_FIELDS = ("total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

FORMATS = FormatChecker()


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(URI.match(value))


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(DATE_TIME.match(value))


def profile_registry(document: dict[str, Any]) -> Registry:
    """The profile's schemas under the URLs the OpenAPI document names them by, and the document itself."""
    resources = [(DOCUMENT_URI, Resource(contents=document, specification=DRAFT202012))]
    for path in ORUK.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((SCHEMA_BASE + path.name, Resource(contents=schema, specification=DRAFT202012)))
    return Registry().with_resources(resources)


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass
class Profile:
    """Validators for the responses the served OpenAPI document describes."""

    document: dict[str, Any]
    registry: Registry = field(init=False)

    def __post_init__(self) -> None:
        self.registry = profile_registry(self.document)

    def validator(self, path: str, status: str = "200") -> Draft202012Validator:
        ref = f"{DOCUMENT_URI}#/" + _pointer("paths", path, "get", "responses", status, "content",
                                             "application/json", "schema")
        return Draft202012Validator({"$ref": ref}, registry=self.registry, format_checker=FORMATS)

    def errors(self, path: str, body: Any, status: str = "200") -> list[str]:
        return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
                for e in self.validator(path, status).iter_errors(body)]

    def item_errors(self, schema_file: str, body: Any) -> list[str]:
        """Against one of the profile's schemas directly (e.g. each organisation of a page)."""
        validator = Draft202012Validator({"$ref": SCHEMA_BASE + schema_file}, registry=self.registry,
                                         format_checker=FORMATS)
        return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(body)]


def page_problems(page: dict[str, Any], number: int, per_page: int, total: int | None) -> list[str]:
    """Do the page fields agree with each other, with the request, and with the first page's total?"""
    problems = [f"no {f}" for f in PAGE_FIELDS if f not in page]
    if problems:
        return problems
    expected_pages = -(-page["total_items"] // per_page)
    expected_size = max(0, min(per_page, page["total_items"] - (number - 1) * per_page))
    checks = {
        "total_items the same on every page": total is None or page["total_items"] == total,
        "total_pages = ceil(total_items / per_page)": page["total_pages"] == expected_pages,
        "page_number is the page asked for": page["page_number"] == number,
        "size = the number of contents": page["size"] == len(page["contents"]),
        "size is what is left for this page": page["size"] == expected_size,
        "first_page only on page 1": page["first_page"] == (number == 1),
        "last_page from the last page on": page["last_page"] == (number >= expected_pages),
        "empty when no contents": page["empty"] == (not page["contents"]),
    }
    return [f"page {number}: {what}" for what, ok in checks.items() if not ok]
