"""Publish the directory as an Open Referral UK 3.0 (HSDS-UK 3.0) API: read-only, public data only.

`ketdir serve` runs `web.create_app` under uvicorn. The answers are built by `catalogue.Catalogue` (which owns
its database sessions: one per request), nested by the HSDS export's own `ketdir.interop.export.Tree`, and
checked against the Open Referral UK schemas by the test suite (tests/api/).
"""
