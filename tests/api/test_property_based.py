"""A property-based run of the served OpenAPI document against a real server on loopback (schemathesis): for
every operation, requests generated from the document's parameters, valid and not, must get no 5xx, a status
the document lists, JSON, a body that matches the document's schema for that status, and an answer within the
time limit (no hang). The document's `$ref`s to the profile's schemas are read from tests/fixtures/oruk.

Left out: schemathesis's `positive_data_acceptance`, which expects a 2xx for every value the document allows;
the profile gives `postcode` and `modified_after` as plain strings, and a place that is not a place or a date
that is not a date is a 400 here by design (tests/api/test_bad_input.py)."""
from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from ketdir.api.openapi import SCHEMAS, served_document
from tests.api.api_data import ORUK

REQUEST_TIMEOUT_S = 10  # a request that takes longer has hung: the test fails


def bundled(node: Any) -> Any:
    """The document with each `$ref` to a profile schema replaced by the schema itself (no network)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMAS):
            return json.loads((ORUK / ref[len(SCHEMAS):]).read_text(encoding="utf-8"))
        return {k: bundled(v) for k, v in node.items()}
    if isinstance(node, list):
        return [bundled(v) for v in node]
    return node


schema = schemathesis.openapi.from_dict(bundled(served_document("http://127.0.0.1", title="test",
                                                                 include_demo=False)))


@schema.parametrize()
@settings(max_examples=50, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_no_schema_violation_no_hang(case, server_url):
    case.call_and_validate(base_url=server_url, timeout=REQUEST_TIMEOUT_S,
                           excluded_checks=[positive_data_acceptance])
