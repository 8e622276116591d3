"""The window never shows a demo (training) record as verified: not in the results list, not in the
detail pane, even when the record carries a recent check date (issue 15). The rule itself lives in
ketdir/store/checked.py; the other paths are tested in tests/test_check_status.py."""
from __future__ import annotations

import datetime as dt

from helpers import choose_result, names, rows, settle, type_into

from ketdir.gui.detail_html import service_html
from ketdir.gui.results_model import Role, badges_for
from ketdir.hours import LONDON
from ketdir.search.types import Hit, OpenState
from ketdir.store.detail import PhoneLine, ServiceDetail

TODAY = dt.date(2026, 11, 3)
AT = dt.datetime(2026, 11, 3, 10, 0, tzinfo=LONDON)


def test_badges_and_detail_page_for_a_fresh_dated_demo():
    hit = Hit(service_id="d", name="Demo", organization="", needs=(), is_national=False, is_demo=True,
              distance_miles=None, open_state=OpenState(True, "Open"), assured_date=dt.date(2026, 10, 30),
              is_stale=False, has_unverified_phone=False, why=())
    assert [(b.kind, b.text) for b in badges_for(hit)] == [("demo", "Demo — not a real service")]
    detail = ServiceDetail(id="d", name="Demo (demo)", is_demo=True, assured_date=dt.date(2026, 10, 30),
                           is_stale=False, phones=[PhoneLine("020 7946 0999")])
    page = service_html(detail, TODAY, AT)
    assert "DEMO" in page and "Verified" not in page and "30 October 2026" not in page
    assert "never checked by a person" in page


def test_window_shows_the_demo_without_a_verified_badge(qtbot, window):
    badges = dict(zip(names(window), rows(window, Role.Badges)))
    assert [b.kind for b in badges["Demo Outreach Van"]] == ["demo"]
    type_into(qtbot, window.search_edit, "demo outreach")
    settle(qtbot, window)
    choose_result(qtbot, window)  # nothing is selected until the person selects
    qtbot.waitUntil(lambda: "DEMO — not a real service" in window.detail_pane.browser.toPlainText())
    text = window.detail_pane.browser.toPlainText()
    assert "Verified" not in text and "✓" not in text
