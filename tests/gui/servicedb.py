"""A small directory for GUI tests, built straight from the models and indexed with refresh_all."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ketdir.needs import TAXONOMY_NAME, need_types
from ketdir.store.engine import Directory, open_directory
from ketdir.store.index import refresh_all
from ketdir.store.models import (
    Address,
    Attribute,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
    stable_id,
)

WEEKDAYS = "MO,TU,WE,TH,FR"
# Tuesday 3 November 2026, 10:00 in London: the tests' fixed "now".
NOW = dt.datetime(2026, 11, 3, 10, 0)


@dataclass
class Spec:
    name: str
    needs: tuple[str, ...] = ()
    postcode: str | None = None
    lat: float | None = None
    lon: float | None = None
    phone: str = "020 7946 0000"
    phone_verified: bool = True
    hours: tuple[tuple[str, str, str], ...] = ((WEEKDAYS, "09:00", "17:00"),)
    description: str = ""
    national: bool = False
    demo: bool = False
    assured: dt.date | None = dt.date(2026, 10, 1)
    application_process: str = "Self-referral: phone or drop in."
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return stable_id("guitest", self.name)


SE1_LAT, SE1_LON = 51.4988, -0.1137

SERVICES = [
    Spec("Riverside Bladder Clinic", ("bladder-urology", "physical-health"), "SE1 7EH", 51.4989, -0.1183,
         phone="020 7946 0101", description="Specialist clinic for ketamine bladder damage (ketamine uropathy)."),
    Spec("Borough Drug and Alcohol Service", ("drug-treatment", "harm-reduction"), "SE1 1YP", 51.5030, -0.0920,
         phone="020 7946 0202", hours=(("MO,TU,WE,TH,FR,SA", "10:00", "20:00"),),
         description="Key workers, detox planning and needle exchange. Ketamine support groups weekly."),
    Spec("Camden Recovery Hub", ("drug-treatment", "peer-support"), "NW1 2BU", 51.5390, -0.1426,
         phone="020 7946 0303", phone_verified=False,
         description="Recovery groups and one-to-one support for drug and alcohol use."),
    Spec("Salford Bladder Service", ("bladder-urology",), "M5 4WT", 53.4875, -2.2901, phone="0161 496 0404",
         description="Urology clinic that sees people with ketamine bladder problems."),
    Spec("Evening Sexual Health Clinic", ("sexual-health", "chemsex"), "SE11 4AA", 51.4890, -0.1100,
         phone="020 7946 0505", hours=(("TU,TH", "17:00", "21:00"),),
         description="Walk-in STI testing, PEP and PrEP, with a chemsex support worker."),
    Spec("Lambeth Chemsex Service", ("chemsex", "sexual-health"), "SE11 5AA", 51.4860, -0.1180,
         phone="020 7946 0606", assured=dt.date(2024, 6, 2),
         description="Support for people using chems during sex. Non-judgemental."),
    Spec("Demo Outreach Van", ("harm-reduction",), "SE1 8XX", 51.5040, -0.1130, phone="020 7946 0707",
         demo=True, description="A training record for practising referrals."),
    Spec("Chemsex Support Line", ("chemsex",), national=True, phone="0300 123 0808",
         hours=(("MO,TU,WE,TH,FR,SA,SU", "00:00", "00:00"),),
         description="Confidential national helpline about chemsex and chems."),
]


def _ensure_needs(session) -> dict[str, str]:
    ids = {}
    for need in need_types().all:
        term_id = stable_id("need", need.code)
        session.merge(TaxonomyTerm(id=term_id, code=need.code, name=need.label, description=need.description,
                                   taxonomy=TAXONOMY_NAME))
        ids[need.code] = term_id
    return ids


def add_service(session, spec: Spec, need_ids: dict[str, str]) -> None:
    org = Organization(id=stable_id("guitest-org", spec.name), name=f"{spec.name.split()[0]} Health Trust")
    service = Service(
        id=spec.id,
        organization=org,
        name=spec.name,
        description=spec.description,
        url="https://example.org/" + spec.name.lower().replace(" ", "-"),
        status="active",
        application_process=spec.application_process,
        fees_description="Free (NHS)",
        assured_date=spec.assured,
        is_demo=spec.demo,
        nation="ENG",
        **spec.extra,
    )
    session.add(service)
    service.phones.append(Phone(number=spec.phone, type="voice", verified=spec.phone_verified))
    for byday, opens, closes in spec.hours:
        service.schedules.append(Schedule(freq="WEEKLY", byday=byday, opens_at=opens, closes_at=closes))
    service.languages.append(Language(name="English", code="en"))
    if spec.national:
        service.service_areas.append(ServiceArea(name="United Kingdom"))
    else:
        location = Location(id=stable_id("guitest-loc", spec.name), name=spec.name,
                            latitude=spec.lat, longitude=spec.lon)
        location.addresses.append(Address(address_1="1 Example Street", city="London" if spec.lat
                                          and spec.lat < 52 else "Salford", postal_code=spec.postcode or ""))
        session.add(location)
        service.service_at_locations.append(ServiceAtLocation(location=location))
    for code in spec.needs:
        session.add(Attribute(link_id=spec.id, link_entity="service", taxonomy_term_id=need_ids[code]))


def build_db(path: Path, specs: list[Spec] | None = None) -> Directory:
    directory = open_directory(path, create=True)
    with directory.session() as session, session.begin():
        need_ids = _ensure_needs(session)
        session.flush()
        for spec in SERVICES if specs is None else specs:
            add_service(session, spec, need_ids)
        session.flush()
        refresh_all(session)
    return directory
