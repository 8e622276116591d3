"""The plain-text referral a helpline worker copies."""
from __future__ import annotations

import datetime as dt

from ketdir import hours
from ketdir.referral.text import referral_text
from ketdir.store.detail import PhoneLine, ServiceDetail

TUESDAY = dt.date(2026, 11, 3)
AT = dt.datetime(2026, 11, 3, 10, 0)
WEEKDAYS = [{"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"}]


def detail(**changes) -> ServiceDetail:
    values = dict(
        id="s1", name="Riverside Bladder Clinic", organization="Riverside NHS Trust",
        application_process="Self-referral by phone, or ask your GP.",
        phones=[PhoneLine("020 7946 0101", "voice", None, True)],
        address_lines=["1 Example Street", "London"], postcode="SE1 7EH",
        url="https://example.org/bladder", assured_date=dt.date(2026, 10, 1), is_stale=False,
        hours=hours.from_schedules(WEEKDAYS),
    )
    values.update(changes)
    return ServiceDetail(**values)


def test_a_referral_has_name_phone_address_hours_how_and_website():
    text = referral_text(detail(), TUESDAY, AT)
    assert text.splitlines() == [
        "Riverside Bladder Clinic — Riverside NHS Trust",
        "Phone: 020 7946 0101",
        "Address: 1 Example Street, London SE1 7EH",
        "Today, Tuesday 3 November: 09:00–17:00 (Open · closes 17:00)",
        "How to refer: Self-referral by phone, or ask your GP.",
        "Website: https://example.org/bladder",
        "Last checked: 1 October 2026",
    ]


def test_unverified_numbers_and_demo_records_are_flagged():
    text = referral_text(detail(is_demo=True, phones=[
        PhoneLine("020 7946 0101", "voice", "Reception", True),
        PhoneLine("07700 900123", "text", None, False),
    ]), TUESDAY, AT)
    lines = text.splitlines()
    assert lines[1].startswith("DEMO — not a real service")
    assert "Phone: 020 7946 0101 (Reception)" in lines
    assert "Phone: 07700 900123 (text) — unverified — check before giving out" in lines


def test_closed_today_unknown_hours_national_and_stale():
    sunday = dt.date(2026, 11, 8)
    text = referral_text(detail(), sunday, dt.datetime(2026, 11, 8, 12, 0))
    assert "Today, Sunday 8 November: Closed (Closed · opens Mon 09:00)" in text

    text = referral_text(detail(hours=hours.from_schedules([]), address_lines=[], postcode="", is_national=True,
                                service_area="England", is_stale=True, assured_date=dt.date(2024, 5, 1),
                                phones=[]), TUESDAY, AT)
    assert "hours not known — phone to check" in text
    assert "Covers: England (phone or online)" in text
    assert "Phone: none listed" in text
    assert "Last checked: 1 May 2024 (over a year ago — details may have changed)" in text


def test_a_bank_holiday_is_named():
    christmas = dt.date(2026, 12, 25)
    text = referral_text(detail(), christmas, dt.datetime(2026, 12, 25, 11, 0))
    today = next(line for line in text.splitlines() if line.startswith("Today"))
    assert "Friday 25 December" in today and "Christmas Day" in today
