"""Copy as plain text: short enough for one or two SMS, in GSM-7, the important lines kept."""
from __future__ import annotations

import datetime as dt

from ketdir import hours
from ketdir.referral.handover import (
    DEMO_SMS,
    case_note_text,
    compact_text,
    is_gsm7,
    short_url,
    sms_count,
    to_gsm,
)
from ketdir.store.detail import PhoneLine, ServiceDetail

TUESDAY = dt.date(2026, 11, 3)
WEEKDAYS = [{"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"}]


def detail(name="Riverside Bladder Clinic", **changes) -> ServiceDetail:
    values = dict(
        id=name, name=name, organization="Riverside NHS Trust",
        application_process="Self-referral by phone, or ask your GP. Bring a list of your medicines.",
        phones=[PhoneLine("020 7946 0101", "voice", None, True)],
        address_lines=["1 Example Street", "London"], postcode="SE1 7EH",
        url="https://www.example.org/bladder/", hours=hours.from_schedules(WEEKDAYS),
    )
    values.update(changes)
    return ServiceDetail(**values)


def test_sms_segments_are_counted_as_phones_count_them():
    assert sms_count("a" * 160) == sms_count("a" * 160) and sms_count("a" * 160).segments == 1
    assert sms_count("a" * 161).segments == 2
    assert sms_count("a" * 306).segments == 2 and sms_count("a" * 307).segments == 3
    assert sms_count("[" * 80).characters == 160, "extension characters take two"
    assert sms_count("a" * 69 + "–").encoding == "UCS-2"
    assert sms_count("a" * 70 + "–").segments == 2, "one en dash halves what fits"
    assert sms_count("").segments == 0


def test_text_is_made_gsm7():
    assert to_gsm("09:00–17:00 · “Drop in” — it’s free…") == '09:00-17:00 - "Drop in" - it\'s free...'
    assert to_gsm("Caffè Ŵales £5 €") == "Caffè Wales £5 €"
    assert is_gsm7(to_gsm("Ystafell ŵyl 🙂"))


def test_one_service_fits_one_text_with_name_phone_address_and_todays_hours():
    handover = compact_text(detail(), TUESDAY)
    assert handover.text.splitlines() == [
        "Riverside Bladder Clinic",
        "Tel 020 7946 0101",
        "1 Example Street, London SE1 7EH",
        "Today 09:00-17:00",
        "Refer: Self-referral by phone, or ask your GP.",
        "example.org/bladder",
    ]
    assert handover.sms.encoding == "GSM-7"
    assert handover.sms.segments == 1 and handover.fits and handover.dropped == ()


def test_demo_and_unverified_numbers_are_never_dropped():
    d = detail(is_demo=True, phones=[PhoneLine("07700 900123", "text", None, False)])
    text = compact_text(d, TUESDAY, max_segments=1).text
    assert DEMO_SMS in text
    assert "Tel 07700 900123 (text) (unverified - check)" in text


def test_closed_today_and_bank_holidays():
    sunday = dt.date(2026, 11, 8)
    assert "Today closed" in compact_text(detail(), sunday).text
    christmas = dt.date(2026, 12, 25)
    assert "Today closed (Christmas Day)" in compact_text(detail(), christmas).text
    assert "Hours: phone to check" in compact_text(detail(hours=hours.from_schedules([])), TUESDAY).text


def test_a_long_shortlist_drops_less_important_lines_to_fit_two_texts():
    services = [detail(f"Service number {i} with a long name", url=f"https://example.org/services/{i}/details")
                for i in range(1, 4)]
    handover = compact_text(services, TUESDAY, max_segments=2)
    assert handover.sms.segments <= 2 and handover.fits
    assert handover.sms.characters <= 306
    assert "website" in handover.dropped
    lines = handover.text.splitlines()
    assert lines[0] == "1) Service number 1 with a long name"
    assert all(f"{i}) Service number {i}" in handover.text for i in (1, 2, 3))
    assert handover.text.count("Tel 020 7946 0101") == 3, "every phone number stays"
    assert "example.org" not in handover.text


def test_when_it_cannot_fit_it_says_so_and_keeps_names_and_numbers():
    services = [detail(f"Service {i}") for i in range(12)]
    handover = compact_text(services, TUESDAY, max_segments=2)
    assert not handover.fits and handover.sms.segments > 2
    assert handover.text.count("Tel ") == 12
    assert "texts" in handover.describe() and "left out" in handover.describe()


def test_case_note_is_the_full_referral_of_each_service():
    text = case_note_text([detail(), detail("Chem Line")], TUESDAY, dt.datetime(2026, 11, 3, 10, 0))
    assert text.count("How to refer: Self-referral by phone") == 2
    assert "Riverside Bladder Clinic — Riverside NHS Trust" in text and "\n\nChem Line" in text


def test_short_url():
    assert short_url("https://www.example.org/a/") == "example.org/a"
    assert short_url("http://nhs.uk") == "nhs.uk"
