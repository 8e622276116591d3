"""One rule decides "verified": a demo (training) record never looks verified, on any path (issue 15).

Paths without Qt are checked here: the CLI's text and JSON, the handover text, the printed slip and the
QR code. The window (results list and detail pane) is checked in tests/gui/test_demo_never_verified.py.
"""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from ketdir.hours import LONDON
from ketdir.referral.qr import contact_payload, vcard
from ketdir.referral.slip import service_parts
from ketdir.referral.text import referral_text
from ketdir.search.render import badges, results_as_dict, results_as_text
from ketdir.search.types import Hit, OpenState, Query, Results
from ketdir.store.checked import DEMO, STALE, UNCHECKED, VERIFIED, check_status, status_of
from ketdir.store.detail import PhoneLine, ServiceDetail

TODAY = dt.date(2026, 12, 4)
NOW = dt.datetime(2026, 12, 4, 10, 30, tzinfo=LONDON)
FRESH = dt.date(2026, 11, 30)  # checked last week: would read "verified" on a real service


def _hit(name: str, *, demo: bool, assured: dt.date | None = FRESH, stale: bool = False) -> Hit:
    return Hit(service_id=f"id-{name}", name=name, organization="", needs=("harm-reduction",), is_national=False,
               is_demo=demo, distance_miles=1.0, open_state=OpenState(True, "Open · closes 17:00"),
               assured_date=assured, is_stale=stale, has_unverified_phone=False, why=())


def _detail(*, demo: bool, assured: dt.date | None = FRESH, stale: bool = False) -> ServiceDetail:
    return ServiceDetail(id="svc", name="Drop-in (demo)" if demo else "Drop-in", is_demo=demo,
                         assured_date=assured, is_stale=stale, phones=[PhoneLine("020 7946 0999")],
                         address_lines=["1 Example Street", "Testtown"], postcode="SE1 7AB")


VERIFIED_WORDS = re.compile(r"(?i)\bverified\b(?!\s*number)|last checked|✓")


@pytest.mark.parametrize(
    ("demo", "assured", "stale", "kind"),
    [
        (True, FRESH, False, DEMO),
        (True, dt.date(2020, 1, 1), True, DEMO),
        (True, None, True, DEMO),
        (False, None, True, UNCHECKED),
        (False, dt.date(2020, 1, 1), True, STALE),
        (False, FRESH, False, VERIFIED),
    ],
)
def test_the_rule(demo, assured, stale, kind) -> None:
    status = check_status(demo, assured, stale)
    assert status.kind == kind
    assert status.is_verified == (kind == VERIFIED)
    if demo:
        assert status.checked_on is None
    assert status_of(_hit("x", demo=demo, assured=assured, stale=stale)) == status
    assert status_of(_detail(demo=demo, assured=assured, stale=stale)) == status


def test_cli_text_and_json_never_call_a_demo_verified() -> None:
    demo, real = _hit("Demo Drop-in", demo=True), _hit("Real Clinic", demo=False)
    assert badges(real) == ["verified 30 Nov 2026"]
    assert not any(VERIFIED_WORDS.search(b) or "checked" in b for b in badges(demo))
    results = Results(query=Query(text="x"), place=None, total_local=2, local=[demo, real], national=[])
    text = results_as_text(results)
    demo_block = text[text.index("Demo Drop-in"):text.index("Real Clinic")]
    assert "DEMO" in demo_block and "verified" not in demo_block.lower()
    data = json.loads(json.dumps(results_as_dict(results), default=str))
    by_name = {h["name"]: h for h in data["local"]}
    assert by_name["Demo Drop-in"]["verified"] is False and by_name["Demo Drop-in"]["check"] == "demo"
    assert by_name["Demo Drop-in"]["assured_date"] is None and by_name["Demo Drop-in"]["status"] == "demo"
    assert by_name["Real Clinic"]["verified"] is True and by_name["Real Clinic"]["check"] == "verified"
    assert by_name["Real Clinic"]["assured_date"] == "2026-11-30"


def test_handover_text_never_calls_a_demo_checked() -> None:
    text = referral_text(_detail(demo=True), TODAY, NOW)
    assert "DEMO" in text and "Last checked: never (training record)" in text
    assert "30 November 2026" not in text
    assert "Last checked: 30 November 2026" in referral_text(_detail(demo=False), TODAY, NOW)


def test_slip_never_calls_a_demo_checked() -> None:
    head, rest = service_parts(_detail(demo=True), TODAY)
    html = head + rest
    assert "DEMO" in html and "never checked by a person" in html
    assert "last checked" not in html.lower() and "30 November 2026" not in html
    head, rest = service_parts(_detail(demo=False), TODAY)
    assert "Details last checked 30 November 2026" in rest


def test_qr_never_calls_a_demo_verified() -> None:
    for payload in (vcard(_detail(demo=True)), contact_payload(_detail(demo=True))):
        assert "DEMO" in payload
        assert not VERIFIED_WORDS.search(payload), payload


def test_no_demo_in_the_bundled_directory_reads_verified() -> None:
    """Every bundled demo harm-reduction record, through the search the CLI and window use."""
    from ketdir.paths import bundled_db
    from ketdir.search import search
    from ketdir.store.engine import open_directory

    directory = open_directory(bundled_db())
    try:
        with directory.session() as session:
            results = search(session, Query(needs=frozenset({"harm-reduction"}), at=NOW, limit=200))
    finally:
        directory.close()
    demos = [h for h in list(results.local) + list(results.national) if h.is_demo]
    assert demos, "the bundled directory has demo harm-reduction services"
    assert any(h.assured_date and not h.is_stale for h in demos), "a fresh-dated demo makes the test bite"
    for hit in demos:
        assert not status_of(hit).is_verified
        assert not any(VERIFIED_WORDS.search(b) for b in badges(hit)), hit.name
    dicts = results_as_dict(results)
    for hit in dicts["local"] + dicts["national"]:
        if hit["is_demo"]:
            assert hit["verified"] is False and hit["assured_date"] is None, hit["name"]
