"""The OpenAPI document this server publishes: the Open Referral UK 3.0 profile's own (ketdir/api/oruk/), with
the changes listed in ketdir/api/oruk/NOTICE.md, made here at run time so the packaged copy stays as published.
"""
from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any

PROFILE_URL = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md"
VERSION = "HSDS-UK-3.0"
SCHEMAS = "https://raw.githubusercontent.com/tpximpact/OpenReferralApi/refs/heads/main/OpenReferralApi/Schemas/V3.0-UK/"
ERROR_SCHEMA = {
    "type": "object",
    "description": "What was wrong with the request, for people.",
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status."},
        "error": {"type": "string", "description": "Short name of the problem."},
        "message": {"type": "string", "description": "What happened and what to do."},
    },
    "required": ["status", "error", "message"],
}
ERRORS = {
    "400": "The request could not be used (a page, date, flag or place that is not one); the message says why.",
    "404": "There is no published record with that id.",
}


@functools.cache
def profile_document() -> dict[str, Any]:
    """The Open Referral UK 3.0 OpenAPI document, exactly as published (ketdir/api/oruk/open_api.json)."""
    text = resources.files("ketdir.api").joinpath("oruk/open_api.json").read_text(encoding="utf-8")
    return json.loads(text)


def served_document(base_url: str, *, title: str, include_demo: bool) -> dict[str, Any]:
    """The document for this server at `base_url` (no trailing slash)."""
    doc = copy.deepcopy(profile_document())
    doc["openapi"] = "3.1.0"
    description = ("The directory of ketamine, chemsex, sexual-health and support services kept with ketdir, "
                   "published read-only as an Open Referral UK 3.0 (HSDS-UK 3.0) API.")
    if include_demo:
        description += " It includes demo services, which are not real services: see each one's ketdir attributes."
    doc["info"] = {
        "title": title,
        "version": VERSION,
        "summary": "Open Referral UK 3.0 API of a ketdir directory",
        "description": description,
        "license": {"name": "Open Referral UK profile: CC BY-SA 4.0",
                    "url": "https://creativecommons.org/licenses/by-sa/4.0/"},
    }
    doc["servers"] = [{"url": base_url or "/"}]
    doc.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, item in doc["paths"].items():
        operation = item["get"]
        if path == "/organizations":
            operation["responses"]["200"]["content"]["application/json"]["schema"] = {
                "properties": {"contents": {"type": "array", "items": {"$ref": SCHEMAS + "organization_list.json"}}},
                "allOf": [{"$ref": "#/components/schemas/Page"}],
            }
        for status, what in ERRORS.items():
            if status == "404" and "{id}" not in path:
                continue
            if path == "/":
                continue
            operation["responses"][status] = {
                "description": what,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
    return doc
