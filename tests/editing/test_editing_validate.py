"""validate_draft: per-field messages, usable as someone types."""
from __future__ import annotations

import pytest
from edit_helpers import good_draft

from ketdir.editing import PhoneDraft, WeeklyHours, errors_by_field, validate_draft


def errors(**kw) -> dict[str, str]:
    return errors_by_field(validate_draft(good_draft(**kw)))


def test_a_good_draft_has_no_errors():
    assert validate_draft(good_draft()) == []


def test_name_is_required():
    assert errors(name="  ") == {"name": "Enter the service's name."}


@pytest.mark.parametrize("email, ok", [
    ("clinic@example.org", True), ("a.b+c@nhs.net", True), ("", True),
    ("clinic@", False), ("clinic example.org", False), ("clinic@example", False), ("@example.org", False),
])
def test_email(email, ok):
    found = errors(email=email)
    assert ("email" not in found) == ok
    if not ok:
        assert "not an email address" in found["email"]


@pytest.mark.parametrize("url, message", [
    ("https://example.org", None), ("http://example.org/a?b=c", None), ("", None),
    ("example.org", "Start the website with https://"),
    ("ftp://example.org", "http:// or https://"),
    ("javascript:alert(1)", "http:// or https://"),
    ("https://", "not a web address"),
    ("not a website", "not a web address"),
])
def test_url(url, message):
    found = errors(url=url)
    if message is None:
        assert "url" not in found
    else:
        assert message in found["url"]


@pytest.mark.parametrize("number, ok", [
    ("020 3123 4567", True), ("116 123", True), ("999", True), ("85258", True), ("+44 300 123 6600", True),
    ("0207 946", False), ("12345", False), ("", False), ("020 7946 0123", False),
])
def test_phones(number, ok):
    found = errors(phones=[PhoneDraft(number)])
    assert ("phones[0].number" not in found) == ok


def test_drama_numbers_are_allowed_on_demo_records_only():
    assert "phones[0].number" in errors(phones=[PhoneDraft("020 7946 0123")])
    assert "phones[0].number" not in errors(phones=[PhoneDraft("020 7946 0123")], is_demo=True)


def test_second_phone_is_named_by_position():
    found = errors(phones=[PhoneDraft("0300 123 6600"), PhoneDraft("0207")])
    assert list(found) == ["phones[1].number"]


@pytest.mark.parametrize("postcode, message", [
    ("SE1 7TP", None), ("se17tp", None), ("", "Enter the postcode"), ("SE1 7T", "not a UK postcode"),
    ("SE99 1AA", "does not know the postcode district SE99"),
])
def test_postcode(postcode, message):
    found = errors(postal_code=postcode)
    if message is None:
        assert "postal_code" not in found
    else:
        assert message in found["postal_code"]


def test_no_address_at_all_is_fine_for_a_phone_line():
    assert errors(address_1="", city="", postal_code="") == {}


def test_partial_address_needs_street_and_town():
    found = errors(address_1="", city="")
    assert set(found) == {"address_1", "city"}


def test_coordinates():
    assert "latitude" in errors(latitude=48.85, longitude=2.35)
    assert "latitude" in errors(latitude=51.5, longitude=None)
    assert errors(latitude=51.47, longitude=-0.11) == {}


@pytest.mark.parametrize("low, high, field", [
    (-1, None, "minimum_age"), (121, None, "minimum_age"), (None, 200, "maximum_age"),
    (30, 18, "maximum_age"), (16.5, None, "minimum_age"),
])
def test_ages(low, high, field):
    assert field in errors(minimum_age=low, maximum_age=high)


def test_ages_in_range_are_fine():
    assert errors(minimum_age=0, maximum_age=120) == {}
    assert errors(minimum_age=18, maximum_age=18) == {}


def test_at_least_one_need_type():
    assert "at least one need type" in errors(needs=[])["needs"]
    assert "Unknown need type: cheese" in errors(needs=["cheese"])["needs"]


def test_hours():
    found = errors(hours=[WeeklyHours((), "9", "5pm"), WeeklyHours(("MO",), "25:00", "")])
    assert set(found) == {"hours[0].days", "hours[1].opens", "hours[1].closes"}
    assert errors(hours=[WeeklyHours(("SA", "SU"), "9am", "5.30pm")]) == {}


def test_some_way_to_contact():
    found = errors(phones=[], email="", url="", address_1="", city="", postal_code="")
    assert list(found) == ["contact"]


def test_status_and_bank_holidays():
    assert set(errors(status="maybe", bank_holidays="sometimes")) == {"status", "bank_holidays"}
