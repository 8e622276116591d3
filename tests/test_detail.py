"""load_service_detail: one service, everything the detail pane and a referral need, as plain data."""
from __future__ import annotations

import datetime as dt

import pytest

from ketdir.needs import TAXONOMY_NAME
from ketdir.store.detail import PhoneLine, ServiceDetail, load_service_detail
from ketdir.store.engine import open_directory
from ketdir.store.models import (
    Accessibility,
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)

TODAY = dt.date(2026, 11, 3)


@pytest.fixture
def directory(db_url):  # on SQLite and on the PostgreSQL test server
    directory = open_directory(db_url, create=True)
    with directory.session() as s, s.begin():
        bladder = TaxonomyTerm(id="t-bladder", code="bladder-urology", name="Bladder & urology",
                               taxonomy=TAXONOMY_NAME)
        chemsex = TaxonomyTerm(id="t-chemsex", code="chemsex", name="Chemsex support", taxonomy=TAXONOMY_NAME)
        foreign = TaxonomyTerm(id="t-esd", code="drug-treatment", name="Other taxonomy", taxonomy="esdServiceType")
        s.add_all([bladder, chemsex, foreign])
        s.flush()
        org = Organization(id="org", name="Riverside NHS Trust", website="https://trust.example.org",
                           email="info@trust.example.org")
        clinic = Service(id="clinic", organization=org, name="Riverside Bladder Clinic",
                         description="Ketamine bladder clinic.", eligibility_description="Adults who use ketamine.",
                         minimum_age=18, application_process="GP referral or self-referral by phone.",
                         fees_description="Free on the NHS", assured_date=dt.date(2026, 10, 1),
                         interpretation_services="Telephone interpreters on request", alert="Closed 24 December",
                         source_url="https://trust.example.org/bladder", bank_holidays="closed", nation="ENG")
        s.add(clinic)
        clinic.phones += [Phone(id="p1", number="020 7946 0101", type="voice", description="Appointments"),
                          Phone(id="p2", number="07700 900123", type="text", verified=False)]
        clinic.schedules.append(Schedule(freq="WEEKLY", byday="MO,TU,WE,TH,FR", opens_at="09:00", closes_at="17:00"))
        clinic.languages += [Language(name="English", code="en"), Language(name="Polish", code="pl")]
        clinic.cost_options.append(CostOption(option="Prescriptions", amount=0))
        location = Location(id="loc", name="Riverside", latitude=51.4989, longitude=-0.1183,
                            transportation="Waterloo station, 5 minutes")
        location.addresses.append(Address(address_1="Westminster Bridge Road", address_2="Block C",
                                          city="London", postal_code="SE1 7EH"))
        location.accessibility.append(Accessibility(description="Step-free access", details="Lift to all floors"))
        s.add(location)
        clinic.service_at_locations.append(ServiceAtLocation(location=location))
        s.flush()
        s.add(Phone(id="p3", number="020 7946 0999", location_id="loc"))  # the site's switchboard
        s.add(Phone(id="p4", number="020 7946 0101", location_id="loc"))  # duplicate of the service's number
        s.add_all([Attribute(link_id="clinic", taxonomy_term_id="t-bladder"),
                   Attribute(link_id="clinic", taxonomy_term_id="t-esd")])

        line = Service(id="line", name="Chemsex Support Line", description="National helpline",
                       assured_date=dt.date(2025, 6, 1), is_demo=True)
        line.phones.append(Phone(number="0300 123 0808"))
        line.service_areas.append(ServiceArea(name="England"))
        line.schedules.append(Schedule(freq="WEEKLY", byday="MO,TU,WE,TH,FR,SA,SU", opens_at="00:00",
                                       closes_at="00:00"))
        s.add(line)
        s.add(Attribute(link_id="line", taxonomy_term_id="t-chemsex"))
    yield directory
    directory.close()


def test_a_local_service_has_everything_a_referral_needs(directory):
    with directory.session() as s:
        d = load_service_detail(s, "clinic", today=TODAY)
    assert isinstance(d, ServiceDetail)
    assert (d.name, d.organization) == ("Riverside Bladder Clinic", "Riverside NHS Trust")
    assert d.description == "Ketamine bladder clinic."
    assert d.eligibility == "Adults who use ketamine." and d.age_range == "Ages 18 and over"
    assert d.application_process == "GP referral or self-referral by phone."
    assert d.phones == [
        PhoneLine("020 7946 0101", "voice", "Appointments", True),
        PhoneLine("07700 900123", "text", None, False),
        PhoneLine("020 7946 0999", None, None, True),
    ]
    assert d.has_unverified_phone
    assert d.address_lines == ["Westminster Bridge Road", "Block C", "London"] and d.postcode == "SE1 7EH"
    assert d.address == "Westminster Bridge Road, Block C, London SE1 7EH"
    assert (d.latitude, d.longitude) == (51.4989, -0.1183)
    assert d.url == "https://trust.example.org"  # the organisation's, as the service has none
    assert d.email == "info@trust.example.org"
    assert d.is_free and "Free on the NHS" in d.fees
    assert d.languages == ["English", "Polish"]
    assert d.accessibility == ["Step-free access — Lift to all floors"]
    assert d.interpretation_services.startswith("Telephone interpreters")
    assert d.transportation.startswith("Waterloo")
    assert d.alert == "Closed 24 December"
    assert d.needs == ("bladder-urology",)  # only our own taxonomy's terms
    assert not d.is_national and not d.is_demo
    assert d.assured_date == dt.date(2026, 10, 1) and not d.is_stale
    assert d.hours is not None and d.hours.known
    assert d.source_url == "https://trust.example.org/bladder"


def test_a_national_line(directory):
    with directory.session() as s:
        d = load_service_detail(s, "line", today=TODAY)
    assert d.is_national and d.service_area == "England"
    assert d.address == "" and d.postcode == ""
    assert d.is_demo
    assert d.is_stale  # checked 1 June 2025, more than 12 months before 3 November 2026
    assert d.needs == ("chemsex",)
    assert d.hours.always_open


def test_unknown_service_is_none(directory):
    with directory.session() as s:
        assert load_service_detail(s, "nope") is None


def test_detail_outlives_its_session(directory):
    with directory.session() as s:
        d = load_service_detail(s, "clinic", today=TODAY)
    s.close()
    assert d.phones[0].number == "020 7946 0101" and d.hours.known  # plain data, no lazy loads


def test_the_numbers_of_where_it_is_given_and_of_its_organisation_are_shown(db_url):
    directory = open_directory(db_url, create=True)
    try:
        with directory.session() as s, s.begin():
            org = Organization(id="o2", name="Harbour Trust")
            s.add(Service(id="s2", organization=org, name="Harbour Clinic",
                          fees_description="Non-NHS patients are expected to pay for their sessions."))
            s.add(Location(id="l2", name="Harbour House", location_type="physical"))
            s.add(ServiceAtLocation(id="sal2", service_id="s2", location_id="l2"))
            s.flush()
            s.add_all([Phone(id="ph-sal", service_at_location_id="sal2", number="0117 496 0001"),
                       Phone(id="ph-loc", location_id="l2", number="0117 496 0002"),
                       Phone(id="ph-org", organization_id="o2", number="0117 496 0003")])
        with directory.session() as s:
            detail = load_service_detail(s, "s2", TODAY)
    finally:
        directory.close()
    assert [p.number for p in detail.phones] == ["0117 496 0001", "0117 496 0002", "0117 496 0003"]
    assert not detail.is_free  # it names the NHS, but only to say who pays


@pytest.mark.parametrize("fees, free", [
    ("Free on the NHS", True), ("No charge", True), ("Non-NHS patients are expected to pay", False),
    ("Free for NHS patients; private patients pay £50", False), ("£40 per session", False),
    ("Free service. Calls to 0300 numbers cost the same as a landline.", True), ("Freephone line", False),
])
def test_free_means_the_service_is_free(fees, free):
    from ketdir.store.fees import is_free

    assert is_free(fees, []) is free
