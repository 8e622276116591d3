"""Tests for ketdir.hours: open now, next change, bank holidays, DST, parsing, codes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ketdir import hours as H
from ketdir.hours import (
    LONDON,
    DateRule,
    DayHours,
    Hours,
    Interval,
    Status,
    WeeklyRule,
    bank_holiday,
    decode,
    encode,
    from_schedules,
    next_change,
    open_at,
    parse_problems,
    parse_time,
    status,
    week,
)

UTC = timezone.utc
WEEKDAYS = "MO,TU,WE,TH,FR"


def iv(a: str, b: str) -> Interval:
    return Interval(parse_time(a), parse_time(b))


def weekly(days, a: str, b: str, **kw) -> tuple[WeeklyRule, ...]:
    return tuple(WeeklyRule(d, iv(a, b), **kw) for d in days)


def office(**kw) -> Hours:
    """Monday to Friday, 09:00–17:00."""
    return Hours(weekly=weekly(range(5), "09:00", "17:00"), **kw)


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


# --------------------------------------------------------------------------- parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9", time(9)),
        ("09:00", time(9)),
        ("09:00:00", time(9)),
        ("17:30:15", time(17, 30, 15)),
        ("9am", time(9)),
        ("9 AM", time(9)),
        ("5.30pm", time(17, 30)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("0930", time(9, 30)),
        ("noon", time(12)),
        ("midnight", time(0)),
        ("24:00", time(0)),
        ("24:00:00", time(0)),
        (" 08:15 ", time(8, 15)),
    ],
)
def test_parse_time_accepts(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["", "25:00", "24:30", "9:60", "13pm", "0am", "nine", "09:00-17:00", "9:0", None])
def test_parse_time_rejects_with_clear_message(text):
    with pytest.raises(ValueError, match="time"):
        parse_time(text)


# --------------------------------------------------------------------------- from_schedules


def test_from_schedules_dicts_objects_and_orm_rows_agree():
    rows = [{"freq": "WEEKLY", "byday": WEEKDAYS, "opens_at": "09:00", "closes_at": "17:00:00"}]
    objs = [SimpleNamespace(freq=None, byday="MO,TU,WE,TH,FR", opens_at="09:00:00", closes_at="17:00")]
    from ketdir.store.models import Schedule

    orm = [Schedule(freq="WEEKLY", byday="MO,TU,WE,TH,FR", opens_at="09:00", closes_at="17:00")]
    assert from_schedules(rows) == from_schedules(objs) == from_schedules(orm) == office()
    assert parse_problems(rows) == parse_problems(objs) == parse_problems(orm) == []


def test_from_schedules_is_independent_of_row_order():
    rows = [
        {"byday": "SA", "opens_at": "10:00", "closes_at": "14:00"},
        {"byday": "MO,WE", "opens_at": "09:00", "closes_at": "12:00"},
        {"byday": "MO", "opens_at": "13:00", "closes_at": "17:00"},
        {"valid_from": "2026-12-24", "valid_to": "2026-12-24", "opens_at": "10:00", "closes_at": "14:00"},
    ]
    a = from_schedules(rows)
    b = from_schedules(list(reversed(rows)))
    assert a == b and hash(a) == hash(b) and encode(a) == encode(b)


def test_from_schedules_date_rows_become_exceptions_and_merge():
    rows = [
        {"byday": WEEKDAYS, "opens_at": "09:00", "closes_at": "17:00"},
        {"valid_from": date(2026, 12, 24), "valid_to": date(2026, 12, 24), "opens_at": "10:00", "closes_at": "12:00"},
        {"valid_from": "2026-12-24", "valid_to": "2026-12-24", "opens_at": "13:00", "closes_at": "15:00"},
        {"valid_from": "2026-12-31", "valid_to": "2027-01-01", "opens_at": None, "closes_at": ""},
    ]
    h = from_schedules(rows, bank_holidays="open", nation="sct")
    assert h.nation == "SCT" and h.bank_holidays == "open"
    assert h.exceptions == (
        DateRule(date(2026, 12, 24), date(2026, 12, 24), (iv("10:00", "12:00"), iv("13:00", "15:00"))),
        DateRule(date(2026, 12, 31), date(2027, 1, 1), ()),
    )
    assert h.exceptions[1].closed


def test_from_schedules_defaults_for_missing_service_fields():
    h = from_schedules([{"byday": "MO", "opens_at": "9", "closes_at": "5pm"}], bank_holidays=None, nation=None)
    assert h == Hours(weekly=weekly([0], "09:00", "17:00"))


def test_from_schedules_byday_spellings_and_daily():
    a = from_schedules([{"byday": "Mon, tue,WEDNESDAY", "opens_at": "09:00", "closes_at": "17:00"}])
    b = from_schedules([{"byday": "MO-WE", "opens_at": "09:00", "closes_at": "17:00"}])
    assert a == b == Hours(weekly=weekly(range(3), "09:00", "17:00"))
    daily = from_schedules([{"freq": "DAILY", "opens_at": "08:00", "closes_at": "20:00"}])
    assert daily == Hours(weekly=weekly(range(7), "08:00", "20:00"))


def test_unreadable_rows_are_skipped_and_reported():
    good = {"id": "ok", "byday": "MO", "opens_at": "09:00", "closes_at": "17:00"}
    bad = [
        {"id": "s-time", "byday": "TU", "opens_at": "9:00", "closes_at": "25:00"},
        {"id": "s-day", "byday": "XX", "opens_at": "09:00", "closes_at": "17:00"},
        {"id": "s-monthly", "freq": "MONTHLY", "byday": "1MO", "opens_at": "09:00", "closes_at": "17:00"},
        {"id": "s-fortnight", "freq": "WEEKLY", "interval": 2, "byday": "WE",
         "opens_at": "09:00", "closes_at": "17:00"},
        {"id": "s-half", "byday": "TH", "opens_at": "09:00"},
        {"id": "s-nodays", "opens_at": "09:00", "closes_at": "17:00"},
        {"id": "s-text", "description": "Mon-Fri 9 till 5"},
        {"id": "s-dates", "valid_from": "2026-12-31", "valid_to": "2026-12-01"},
        {"id": "s-baddate", "valid_from": "31/12/2026", "valid_to": "2026-12-31"},
        {"id": "s-notimes", "byday": "FR"},
    ]
    h = from_schedules([good, *bad])
    assert h == Hours(weekly=weekly([0], "09:00", "17:00"))
    problems = parse_problems([good, *bad])
    assert len(problems) == len(bad)
    for row, message in zip(bad, problems):
        assert row["id"] in message and message.endswith("skipped.")
    joined = "\n".join(problems)
    for fragment in ("25:00", "'XX'", "monthly", "every 2 weeks", "no closing time", "no days",
                     "only a description", "after valid_to", "YYYY-MM-DD", "no opening and closing times"):
        assert fragment in joined


def test_problem_rows_without_id_are_numbered():
    assert parse_problems([{"byday": "MO", "opens_at": "x", "closes_at": "17:00"}]) == [
        "Schedule 1: opens at: Can't read 'x' as a time of day; use the 24-hour clock, e.g. 09:00 or 17:30.; skipped."
    ]


# --------------------------------------------------------------------------- several intervals a day


def test_several_intervals_a_day():
    h = Hours(weekly=weekly(range(5), "09:00", "12:00") + weekly(range(5), "13:00", "17:00"))
    wed = (2026, 6, 10)
    assert open_at(h, datetime(*wed, 11, 59))
    assert not open_at(h, datetime(*wed, 12, 30))
    s = status(h, datetime(*wed, 12, 30))
    assert s == Status(False, True, london(*wed, 13, 0), "Closed · opens 13:00")
    assert status(h, datetime(*wed, 11, 30)).text == "Open · closes in 30 min"
    assert status(h, datetime(*wed, 13, 0)).text == "Open · closes 17:00"
    assert status(h, datetime(*wed, 17, 0)).text == "Closed · opens Thu 09:00"
    assert status(h, datetime(*wed, 8, 0)).text == "Closed · opens 09:00"
    assert week(h, date(*wed))[2].text() == "09:00–12:00, 13:00–17:00"



def test_touching_sessions_merge_into_one():
    h = Hours(weekly=weekly([0], "09:00", "12:00") + weekly([0], "12:00", "17:00"))
    s = status(h, datetime(2026, 6, 8, 10))
    assert s.next_change == london(2026, 6, 8, 17) and s.text == "Open · closes 17:00"


# --------------------------------------------------------------------------- overnight


def test_overnight_session():
    h = Hours(weekly=weekly([4], "22:00", "06:00"))  # Friday night
    assert open_at(h, datetime(2026, 6, 13, 3, 0))  # Saturday 03:00
    assert not open_at(h, datetime(2026, 6, 13, 6, 0))
    assert not open_at(h, datetime(2026, 6, 12, 21, 59))
    assert not open_at(h, datetime(2026, 6, 11, 23, 0))  # Thursday night
    assert status(h, datetime(2026, 6, 13, 5, 20)).text == "Open · closes in 40 min"
    assert status(h, datetime(2026, 6, 13, 5, 20, 30)).text == "Open · closes in 40 min"
    s = status(h, datetime(2026, 6, 12, 23, 0))
    assert s.text == "Open · closes 06:00" and s.next_change == london(2026, 6, 13, 6)
    assert status(h, datetime(2026, 6, 13, 7)).text == "Closed · opens Fri 22:00"
    assert status(h, datetime(2026, 6, 12, 10)).text == "Closed · opens 22:00"
    days = week(h, date(2026, 6, 13))
    assert days[4].text() == "22:00–06:00 (overnight)" and days[5].text() == "Closed"


def test_overnight_session_runs_into_a_bank_holiday():
    # Thursday 24 Dec 2026 22:00 – Christmas morning 06:00: the session started before the holiday.
    h = Hours(weekly=weekly([3], "22:00", "06:00"))
    assert open_at(h, datetime(2026, 12, 25, 5, 0))
    assert not open_at(h, datetime(2026, 12, 25, 6, 0))


def test_open_until_midnight():
    h = Hours(weekly=weekly([0], "18:00", "00:00"))
    assert open_at(h, datetime(2026, 6, 8, 23, 59, 59)) and not open_at(h, datetime(2026, 6, 9, 0, 0))
    assert status(h, datetime(2026, 6, 8, 19)).text == "Open · closes midnight"
    assert week(h, date(2026, 6, 8))[0].text() == "18:00–midnight"
    # 23:59 in the data means midnight
    assert from_schedules([{"byday": "MO", "opens_at": "18:00", "closes_at": "23:59"}]) == h


def test_closing_days_ahead_names_the_day():
    h = Hours(weekly=weekly(range(5), "00:00", "00:00"))  # 24 hours, Monday to Friday
    assert status(h, datetime(2026, 6, 11, 10)).text == "Open · closes Fri midnight"  # Thursday
    assert status(h, datetime(2026, 6, 12, 10)).text == "Open · closes midnight"  # Friday
    assert status(h, datetime(2026, 6, 8, 10)).next_change == london(2026, 6, 13, 0)
    assert status(h, datetime(2026, 6, 13, 10)).text == "Closed · opens Mon 00:00"


# --------------------------------------------------------------------------- 24 hours


@pytest.mark.parametrize("closes", ["00:00", "23:59", "24:00", "23:59:59"])
def test_open_24_hours(closes):
    h = from_schedules([{"byday": "MO,TU,WE,TH,FR,SA,SU", "opens_at": "00:00", "closes_at": closes}])
    assert h.always_open and h.known
    assert open_at(h, datetime(2026, 12, 25, 3))  # bank holidays irrelevant
    s = status(h, datetime(2026, 12, 25, 10))
    assert s == Status(True, True, None, "Open 24 hours")
    assert next_change(h, datetime(2026, 12, 25, 10)) is None
    days = week(h, date(2026, 12, 25))
    assert [d.text() for d in days] == ["Open 24 hours"] * 7
    assert days[4].note == "Christmas Day — open as usual"


def test_24_hours_with_a_closure_is_not_always_open():
    h = Hours(weekly=weekly(range(7), "00:00", "00:00"),
              exceptions=(DateRule(date(2026, 12, 25), date(2026, 12, 25)),))
    assert not h.always_open
    assert not open_at(h, datetime(2026, 12, 25, 12)) and open_at(h, datetime(2026, 12, 26, 12))
    assert open_at(h, datetime(2026, 12, 28, 12))  # bank holidays still irrelevant
    s = status(h, datetime(2026, 12, 24, 12))
    assert s.text == "Open · closes midnight" and s.next_change == london(2026, 12, 25)
    assert status(h, datetime(2026, 12, 22, 12)).text == "Open · closes Thu midnight"
    assert status(h, datetime(2026, 12, 25, 12)).text == "Closed today (special hours) · opens Sat 00:00"
    assert status(h, datetime(2026, 12, 27, 12)).text == "Open 24 hours"  # no change in the next 14 days


# --------------------------------------------------------------------------- bank holidays


def test_bank_holiday_data_2026_2027():
    # Checked against the holidays package (and gov.uk) for 2026/2027.
    all_nations = ("ENG", "WLS", "SCT", "NIR")
    for n in all_nations:
        assert bank_holiday(date(2026, 12, 25), n) == "Christmas Day"
        assert bank_holiday(date(2026, 12, 28), n) == "Boxing Day (observed)"  # Boxing Day is a Saturday
        assert bank_holiday(date(2026, 4, 3), n) == "Good Friday"
        assert bank_holiday(date(2026, 12, 29), n) is None
    # Easter Monday: not in Scotland
    for n in ("ENG", "WLS", "NIR"):
        assert bank_holiday(date(2026, 4, 6), n) == "Easter Monday"
        assert bank_holiday(date(2027, 3, 29), n) == "Easter Monday"
    assert bank_holiday(date(2026, 4, 6), "SCT") is None
    # St Andrew's Day (Monday 30 Nov 2026), 2 January: Scotland only
    assert bank_holiday(date(2026, 11, 30), "SCT") == "Saint Andrew's Day"
    assert bank_holiday(date(2026, 1, 2), "SCT") == "New Year Holiday"
    assert bank_holiday(date(2027, 1, 4), "SCT") == "New Year Holiday (observed)"  # 2 Jan 2027 is a Saturday
    for n in ("ENG", "WLS", "NIR"):
        assert bank_holiday(date(2026, 11, 30), n) is None
        assert bank_holiday(date(2026, 1, 2), n) is None
    # Scotland's summer bank holiday is the first Monday in August; elsewhere the last.
    assert bank_holiday(date(2026, 8, 3), "SCT") == "Summer Bank Holiday"
    assert bank_holiday(date(2026, 8, 31), "SCT") is None
    assert bank_holiday(date(2026, 8, 31), "ENG") == "Late Summer Bank Holiday"
    # St Patrick's Day and the Battle of the Boyne: Northern Ireland only
    assert bank_holiday(date(2026, 3, 17), "NIR") == "Saint Patrick's Day"
    assert bank_holiday(date(2027, 7, 12), "NIR") == "Battle of the Boyne"  # a Monday
    assert bank_holiday(date(2026, 7, 13), "NIR") == "Battle of the Boyne (observed)"  # 12 July 2026 is a Sunday
    for n in ("ENG", "WLS", "SCT"):
        assert bank_holiday(date(2026, 3, 17), n) is None
        assert bank_holiday(date(2027, 7, 12), n) is None
    # 2027: Christmas Day and Boxing Day fall at the weekend; both substitute days are Monday and Tuesday.
    assert bank_holiday(date(2027, 12, 27), "ENG") == "Christmas Day (observed)"
    assert bank_holiday(date(2027, 12, 28), "ENG") == "Boxing Day (observed)"
    # a datetime is accepted too
    assert bank_holiday(datetime(2026, 12, 25, 10), "ENG") == "Christmas Day"


def test_bank_holiday_rejects_unknown_nation():
    with pytest.raises(ValueError, match="ENG"):
        bank_holiday(date(2026, 1, 1), "UK")
    with pytest.raises(ValueError):
        Hours(nation="GB")
    with pytest.raises(ValueError):
        Hours(bank_holidays="sometimes")


def test_christmas_day_closes_a_weekday_service():
    h = office()
    t = datetime(2026, 12, 25, 10)  # Friday
    assert not open_at(h, t)
    s = status(h, t)
    # Boxing Day is Saturday, Monday 28th is the substitute day: next open Tuesday 29th.
    assert s == Status(
        False, True, london(2026, 12, 29, 9), "Closed today (bank holiday: Christmas Day) · opens Tue 09:00"
    )
    assert status(h, datetime(2026, 12, 28, 10)).text == (
        "Closed today (bank holiday: Boxing Day (observed)) · opens Tue 09:00"
    )
    assert open_at(h, datetime(2026, 12, 24, 10))
    assert status(h, datetime(2026, 12, 24, 18)).text == "Closed · opens Tue 09:00"
    # with bank_holidays="open" the weekly hours apply
    assert open_at(office(bank_holidays="open"), t)
    assert status(office(bank_holidays="open"), t).text == "Open · closes 17:00"


@pytest.mark.parametrize(
    ("day", "open_in"),
    [
        (date(2026, 11, 30), {"ENG", "WLS", "NIR"}),  # St Andrew's Day
        (date(2026, 3, 17), {"ENG", "WLS", "SCT"}),  # St Patrick's Day
        (date(2027, 7, 12), {"ENG", "WLS", "SCT"}),  # Battle of the Boyne
        (date(2026, 1, 2), {"ENG", "WLS", "NIR"}),  # 2 January
        (date(2026, 4, 6), {"SCT"}),  # Easter Monday
        (date(2026, 12, 28), set()),  # Boxing Day substitute
    ],
)
def test_bank_holidays_differ_per_nation(day, open_in):
    for nation in ("ENG", "WLS", "SCT", "NIR"):
        h = office(nation=nation)
        assert open_at(h, datetime.combine(day, time(10))) == (nation in open_in), nation


def test_date_rule_on_a_bank_holiday_wins():
    h = office(exceptions=(DateRule(date(2026, 12, 28), date(2026, 12, 28), (iv("10:00", "14:00"),)),))
    assert open_at(h, datetime(2026, 12, 28, 11)) and not open_at(h, datetime(2026, 12, 28, 15))
    assert week(h, date(2026, 12, 28))[0].note == "Special hours"
    assert week(h, date(2026, 12, 28))[0].bank_holiday == "Boxing Day (observed)"


# --------------------------------------------------------------------------- date exceptions


def test_date_rule_overrides_weekly_hours():
    h = office(exceptions=(DateRule(date(2026, 12, 24), date(2026, 12, 24), (iv("10:00", "14:00"),)),))
    assert not open_at(h, datetime(2026, 12, 24, 9, 30))  # Thursday, normally open
    assert open_at(h, datetime(2026, 12, 24, 13))
    assert not open_at(h, datetime(2026, 12, 24, 15))  # normally open until 17:00
    assert open_at(h, datetime(2026, 12, 23, 15))
    assert status(h, datetime(2026, 12, 24, 12)).text == "Open · closes 14:00"
    assert status(h, datetime(2026, 12, 24, 9)).text == "Closed · opens 10:00"
    day = week(h, date(2026, 12, 24))[3]
    assert day.text() == "10:00–14:00" and day.note == "Special hours" and day.is_today


def test_empty_date_rule_means_closed():
    h = office(exceptions=(DateRule(date(2026, 8, 10), date(2026, 8, 14)),))  # closed for a week
    assert not open_at(h, datetime(2026, 8, 12, 10))
    assert open_at(h, datetime(2026, 8, 17, 10))
    s = status(h, datetime(2026, 8, 12, 10))
    assert s.text == "Closed today (special hours) · opens Mon 09:00"
    assert s.next_change == london(2026, 8, 17, 9)
    assert [d.text() for d in week(h, date(2026, 8, 12))][:5] == ["Closed"] * 5


def test_only_closures_means_hours_not_known():
    h = Hours(exceptions=(DateRule(date(2026, 12, 24), date(2026, 12, 26)),))
    assert not h.known
    assert status(h, datetime(2026, 6, 1, 12)).text == "Hours not known"
    assert Hours(exceptions=(DateRule(date(2026, 12, 24), date(2026, 12, 24), (iv("10:00", "12:00"),)),)).known


def test_seasonal_weekly_rules():
    rows = [
        {"byday": WEEKDAYS, "opens_at": "09:00", "closes_at": "17:00"},
        {"byday": "SA", "opens_at": "10:00", "closes_at": "14:00",
         "valid_from": "2026-06-01", "valid_to": "2026-08-31"},
    ]
    h = from_schedules(rows)
    assert WeeklyRule(5, iv("10:00", "14:00"), date(2026, 6, 1), date(2026, 8, 31)) in h.weekly
    assert open_at(h, datetime(2026, 7, 4, 11))  # a Saturday in summer
    assert not open_at(h, datetime(2026, 9, 5, 11))  # a Saturday in September
    assert not open_at(h, datetime(2026, 5, 30, 11))
    # Monday 31 Aug 2026 is the late summer bank holiday in England
    assert status(h, datetime(2026, 8, 29, 15)).text == "Closed · opens Tue 09:00"
    assert week(h, date(2026, 7, 4))[5].text() == "10:00–14:00"
    assert week(h, date(2026, 9, 5))[5].text() == "Closed"
    # one-sided range: from a date onwards
    later = from_schedules([{"byday": "SU", "opens_at": "12:00", "closes_at": "16:00", "valid_from": "2026-10-01"}])
    assert not open_at(later, datetime(2026, 9, 27, 13)) and open_at(later, datetime(2026, 10, 4, 13))


def test_seasonal_closing_next_change_skips_out_of_season_days():
    h = Hours(weekly=weekly([0], "09:00", "17:00", valid_from=date(2026, 9, 1)))
    s = status(h, datetime(2026, 8, 27, 12))
    assert s.text == "Closed · opens Mon 7 Sep 09:00" and s.next_change == london(2026, 9, 7, 9)
    assert status(h, datetime(2026, 6, 1, 12)).text == "Closed · not open in the next 2 weeks"
    assert status(h, datetime(2026, 6, 1, 12)).next_change is None


# --------------------------------------------------------------------------- DST


def test_clocks_go_forward_local_hours_stay_local():
    h = Hours(weekly=weekly(range(7), "09:00", "17:00"))
    # Saturday 28 Mar 2026 is GMT, Monday 30 Mar is BST: 09:00 local both sides.
    assert open_at(h, datetime(2026, 3, 28, 9, 0, tzinfo=UTC))
    assert open_at(h, datetime(2026, 3, 30, 8, 30, tzinfo=UTC))  # 09:30 BST
    assert not open_at(h, datetime(2026, 3, 30, 7, 30, tzinfo=UTC))  # 08:30 BST
    assert open_at(h, datetime(2026, 3, 30, 8, 0, tzinfo=UTC))  # 09:00 BST
    s = status(h, datetime(2026, 3, 28, 18))
    nc = s.next_change
    assert nc == london(2026, 3, 29, 9) and nc.utcoffset() == timedelta(hours=1)
    assert nc.astimezone(UTC) == datetime(2026, 3, 29, 8, tzinfo=UTC)
    assert status(h, datetime(2026, 3, 29, 12)).next_change.astimezone(UTC) == datetime(2026, 3, 29, 16, tzinfo=UTC)


def test_clocks_go_back_local_hours_stay_local():
    h = office()
    s = status(h, datetime(2026, 10, 23, 18))  # Friday (BST) -> Monday (GMT)
    assert s.text == "Closed · opens Mon 09:00"
    assert s.next_change == london(2026, 10, 26, 9)
    assert s.next_change.utcoffset() == timedelta(0)
    assert s.next_change.astimezone(UTC) == datetime(2026, 10, 26, 9, tzinfo=UTC)
    assert next_change(h, datetime(2026, 10, 23, 16, 0, tzinfo=UTC)) == london(2026, 10, 26, 9)


def test_aware_utc_input_is_converted():
    h = office()
    t = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # 09:30 BST, a Wednesday
    assert open_at(h, t)
    assert not open_at(h, datetime(2026, 7, 1, 8, 30))  # naive = local 08:30
    assert status(h, t).text == "Open · closes 17:00"
    assert status(h, datetime(2026, 7, 1, 16, 30, tzinfo=UTC)).text == "Closed · opens Thu 09:00"  # 17:30 BST
    assert open_at(h, datetime(2026, 1, 7, 9, 30, tzinfo=UTC))  # GMT in winter
    assert not open_at(h, datetime(2026, 7, 1, 16, 30, tzinfo=UTC))


def test_minutes_to_close_count_real_time_across_the_change():
    h = Hours(weekly=weekly([6], "00:00", "02:30"))
    t = datetime(2026, 3, 29, 0, 45)  # 00:45 GMT; 02:30 BST is 01:30 UTC: 45 real minutes later
    s = status(h, t)
    assert s.text == "Open · closes in 45 min"
    assert s.next_change.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_opening_inside_the_spring_gap_happens_at_the_jump():
    h = Hours(weekly=weekly([6], "01:30", "03:00"))
    s = status(h, datetime(2026, 3, 29, 0, 30))
    assert s.next_change.astimezone(UTC) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 02:00 BST
    assert open_at(h, s.next_change)


def test_autumn_overlap_next_change_is_after_now():
    h = Hours(weekly=weekly([6], "00:00", "01:30"))
    first = datetime(2026, 10, 25, 0, 15, tzinfo=UTC)  # 01:15 BST
    second = datetime(2026, 10, 25, 1, 15, tzinfo=UTC)  # 01:15 GMT, the repeated hour
    assert next_change(h, first).astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert next_change(h, second).astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


# --------------------------------------------------------------------------- unknown hours


def test_unknown_hours():
    h = from_schedules([])
    assert h == Hours() and not h.known and not h.always_open
    assert not open_at(h, datetime(2026, 6, 1, 12))
    assert status(h, datetime(2026, 6, 1, 12)) == Status(False, False, None, "Hours not known")
    assert next_change(h, datetime(2026, 6, 1, 12)) is None
    days = week(h, date(2026, 12, 23))
    assert all(not d.known and d.text() == "Hours not known" for d in days)
    assert days[4].bank_holiday == "Christmas Day"


# --------------------------------------------------------------------------- week


def test_week_christmas():
    days = week(office(), date(2026, 12, 25))
    assert [d.day for d in days] == [date(2026, 12, 21) + timedelta(days=i) for i in range(7)]
    assert [d.weekday_label for d in days] == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
    ]
    assert [d.is_today for d in days] == [False, False, False, False, True, False, False]
    assert [d.text() for d in days] == ["09:00–17:00"] * 4 + ["Closed"] * 3
    assert days[4].bank_holiday == "Christmas Day" and days[4].note == "Christmas Day — closed"
    assert days[5].bank_holiday == "Boxing Day" and days[5].note is None  # closed on Saturdays anyway
    assert days[0].bank_holiday is None and days[0].note is None
    assert days[0].intervals == (iv("09:00", "17:00"),)


def test_week_accepts_a_datetime_and_sunday():
    days = week(office(), datetime(2026, 6, 14, 23, 30, tzinfo=UTC))  # Monday 00:30 BST
    assert days[0].day == date(2026, 6, 15) and days[0].is_today


def test_day_hours_text():
    def day(*ivs):
        return DayHours(date(2026, 6, 1), "Monday", tuple(ivs), False, None, None)

    assert day().text() == "Closed"
    assert day(iv("09:00", "17:00"), iv("18:00", "21:00")).text() == "09:00–17:00, 18:00–21:00"
    assert day(iv("00:00", "00:00")).text() == "Open 24 hours"
    assert day(iv("22:00", "06:00")).text() == "22:00–06:00 (overnight)"
    assert day(iv("09:00:30", "17:00:45")).text() == "09:00–17:00"


# --------------------------------------------------------------------------- encode / decode


def test_encode_example():
    h = office(exceptions=(DateRule(date(2026, 12, 24), date(2026, 12, 24), (iv("10:00", "14:00"),)),))
    code = encode(h)
    assert code == "ENG|c|01234:0900-1700|x:2026-12-24..2026-12-24=1000-1400"
    assert decode(code) == h
    # the per-day long form decodes to the same hours
    assert decode("ENG|c|0:0900-1700;1:0900-1700;2:0900-1700;3:0900-1700;4:0900-1700"
                  "|x:2026-12-24..2026-12-24=1000-1400") == h
    assert encode(Hours()) == "ENG|c|"
    assert encode(Hours(weekly=weekly([5], "22:00", "06:00", valid_from=date(2026, 6, 1)), nation="NIR",
                        bank_holidays="open")) == "NIR|o|5:2200-0600@2026-06-01.."
    closed = Hours(exceptions=(DateRule(date(2026, 12, 25), date(2026, 12, 26)),))
    assert encode(closed) == "ENG|c||x:2026-12-25..2026-12-26="


@pytest.mark.parametrize("code", ["", "ENG", "ENG|x|", "XYZ|c|", "ENG|c|7:0900-1700", "ENG|c|0:9-17",
                                  "ENG|c|0:0900", "ENG|c||2026-12-24..2026-12-24=", "ENG|c||x:2026-12-24=",
                                  "ENG|c||x:2026-12-25..2026-12-24=", "ENG|c|0:0900-1700@2026-13-01.."])
def test_decode_rejects_bad_codes(code):
    with pytest.raises(ValueError, match="opening-hours code"):
        decode(code)


_times = st.builds(time, st.integers(0, 23), st.integers(0, 59), st.sampled_from([0, 0, 0, 30, 59]))
_intervals = st.builds(Interval, _times, _times)
_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@st.composite
def _weekly_rules(draw):
    vf = draw(st.none() | _dates)
    vt = draw(st.none() | _dates)
    if vf and vt and vf > vt:
        vf, vt = vt, vf
    return WeeklyRule(draw(st.integers(0, 6)), draw(_intervals), vf, vt)


@st.composite
def _date_rules(draw):
    a, b = sorted([draw(_dates), draw(_dates)])
    return DateRule(a, b, tuple(draw(st.lists(_intervals, max_size=3))))


_hours = st.builds(
    Hours,
    weekly=st.lists(_weekly_rules(), max_size=10).map(tuple),
    exceptions=st.lists(_date_rules(), max_size=4).map(tuple),
    bank_holidays=st.sampled_from(["closed", "open"]),
    nation=st.sampled_from(["ENG", "WLS", "SCT", "NIR"]),
)


@given(_hours)
def test_encode_decode_round_trip(h):
    code = encode(h)
    assert decode(code) == h
    assert encode(decode(code)) == code


@given(_hours, st.randoms())
def test_encode_is_independent_of_rule_order(h, rnd):
    weekly_rules, exceptions = list(h.weekly), list(h.exceptions)
    rnd.shuffle(weekly_rules)
    rnd.shuffle(exceptions)
    shuffled = Hours(tuple(weekly_rules), tuple(exceptions), h.bank_holidays, h.nation)
    assert shuffled == h and encode(shuffled) == encode(h)


# --------------------------------------------------------------------------- consistency properties

_summer = st.datetimes(min_value=datetime(2026, 5, 1), max_value=datetime(2026, 9, 1))  # clear of clock changes
_summer_hours = st.builds(
    Hours,
    weekly=st.lists(st.builds(WeeklyRule, st.integers(0, 6), _intervals), max_size=8).map(tuple),
    exceptions=st.lists(
        st.builds(lambda d, n, ivs: DateRule(d, d + timedelta(days=n), tuple(ivs)),
                  st.dates(date(2026, 5, 1), date(2026, 9, 10)), st.integers(0, 3), st.lists(_intervals, max_size=2)),
        max_size=2).map(tuple),
    bank_holidays=st.sampled_from(["closed", "open"]),
    nation=st.sampled_from(["ENG", "SCT"]),
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(_summer_hours, _summer)
def test_status_agrees_with_open_at(h, t):
    s = status(h, t)
    assert s.is_open == open_at(h, t)
    assert s.known == h.known
    if s.next_change is not None:
        change = s.next_change
        assert change > t.replace(tzinfo=LONDON)
        assert change <= t.replace(tzinfo=LONDON) + timedelta(days=16)
        assert open_at(h, change) != s.is_open
        assert open_at(h, change - timedelta(seconds=1)) == s.is_open
        assert next_change(h, t) == change
        # no change in between: sample the middle
        middle = t + (change.replace(tzinfo=None) - t) / 2
        assume(middle.replace(microsecond=0) > t)
        assert open_at(h, middle.replace(microsecond=0)) == s.is_open


@given(_summer_hours, _summer)
def test_aware_and_naive_inputs_agree(h, t):
    aware = t.replace(tzinfo=LONDON).astimezone(UTC)
    assert open_at(h, aware) == open_at(h, t)
    assert status(h, aware) == status(h, t)


def test_compile_cache_is_shared_between_equal_hours():
    a = office()
    b = decode(encode(a))
    assert a is not b and a == b and hash(a) == hash(b)
    assert H._compile(a) is H._compile(b)


def test_hours_pickle_and_copy_keep_equality():
    import copy
    import pickle

    h = decode("SCT|o|01234:0900-1700;5:2200-0600@2026-06-01..2026-08-31|x:2026-12-24..2026-12-24=1000-1400")
    hash(h)  # fills the cached hash, which must not travel in the pickle
    p = pickle.loads(pickle.dumps(h))
    assert p == h and hash(p) == hash(h) and "_hash" not in pickle.loads(pickle.dumps(h)).__dict__
    assert copy.deepcopy(h) == h
    assert decode(encode(h)) is decode(encode(h))  # decoded codes are cached and shared


# --------------------------------------------------------------------------- local times the clocks skip or repeat

SPRING_2027 = date(2027, 3, 28)  # 01:00 GMT → 02:00 BST: 01:00–01:59 never show
AUTUMN_2027 = date(2027, 10, 31)  # 02:00 BST → 01:00 GMT: 01:00–01:59 show twice


def test_a_skipped_local_time_is_read_as_the_same_time_after_the_change():
    early_hours = Hours(weekly=weekly([6], "00:00", "02:00"))  # a Sunday night service
    skipped = datetime(2027, 3, 28, 1, 30)  # does not exist in the UK
    assert H.skipped_or_repeated(skipped) == "skipped"
    assert H.in_london(skipped) == london(2027, 3, 28, 2, 30) and H.in_london(skipped).utcoffset() == timedelta(hours=1)
    # every answer describes 02:30 BST: closed, and never "closes in -30 min"
    assert not open_at(early_hours, skipped)
    s = status(early_hours, skipped)
    assert not s.is_open and s.text == "Closed · opens Sun 4 Apr 00:00" and s.next_change > H.in_london(skipped)
    assert status(early_hours, datetime(2027, 3, 28, 0, 45)).text == "Open · closes in 15 min"  # 00:45 GMT


def test_a_repeated_local_time_is_the_first_one_and_counts_real_minutes():
    until_quarter_to_two = Hours(weekly=weekly([6], "00:00", "01:45"))
    repeated = datetime(2027, 10, 31, 1, 30)
    assert H.skipped_or_repeated(repeated) == "repeated"
    assert H.in_london(repeated).utcoffset() == timedelta(hours=1)  # BST, the first 01:30
    assert status(until_quarter_to_two, repeated).text == "Open · closes in 15 min"
    second = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 01:30 GMT, the second time round
    assert status(until_quarter_to_two, second).text == "Open · closes in 15 min"
    assert open_at(until_quarter_to_two, second) and open_at(until_quarter_to_two, repeated)
    assert H.skipped_or_repeated(datetime(2027, 10, 31, 2, 30)) is None


@pytest.mark.parametrize("day", [SPRING_2027, AUTUMN_2027])
def test_around_both_changes_open_and_the_next_change_agree_and_are_never_in_the_past(day):
    services = [Hours(weekly=weekly([6], a, b)) for a, b in
                [("00:00", "02:00"), ("01:00", "01:45"), ("01:30", "03:00"), ("00:00", "01:30"), ("02:00", "04:00")]]
    services.append(Hours(weekly=weekly([5], "22:00", "03:00")))  # Saturday night into Sunday
    wall_times = [datetime.combine(day, time()) + timedelta(minutes=m) for m in range(0, 4 * 60, 5)]
    instants = [datetime.combine(day, time(), tzinfo=UTC) - timedelta(hours=1) + timedelta(minutes=m)
                for m in range(0, 5 * 60, 5)]
    for hours in services:
        for t in wall_times + instants:
            s = status(hours, t)
            assert s.is_open == open_at(hours, t), (hours, t)
            assert s.next_change is None or s.next_change > H.in_london(t), (hours, t, s)
            assert "-" not in s.text.split("in ")[-1], (hours, t, s.text)
