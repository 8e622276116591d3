"""Generate a realistic synthetic ketdir directory for the benchmarks.

    python bench/generate.py --services 100000 --out bench/out/100k.db [--seed 1]

Services are spread over the real UK postcode districts in data/gazetteer/uk_outcodes.csv, weighted by
the population of nearby towns (data/gazetteer/gb_places.csv), so cities get more services than the
countryside. About 3% are national or regional phone/online lines with no location. Every need type
is used; names, descriptions, organisations (one organisation runs several services), phones, weekly
opening hours (about 40 common patterns plus variants, bank-holiday policy, a few date exceptions),
ages, fees and languages are drawn from word lists. The same seed gives the same directory.

Every record is synthetic and marked as such: `is_demo` is set on every service, phone numbers come
from Ofcom's ranges reserved for drama (they ring nowhere), and the dataset metadata says "synthetic".

Speed: HSDS rows are written in batches of 5,000 services inside one transaction, as plain executemany
of the INSERT SQLAlchemy would emit (values already in SQLite's storage form; see _Writer); ids are
time-ordered so indexes are appended to. The search rows (and through the triggers the FTS5 index)
are then built by the real `ketdir.store.index.refresh_all`, followed by the FTS optimize that
`ketdir build-db` runs, so the benchmark measures the index the application builds. The file is built
beside the target and moved into place when complete.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import operator
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import file_size_mb, human_seconds, peak_rss_mb
from ketdir.needs import need_types
from ketdir.paths import data_dir
from ketdir.store.engine import open_directory, set_meta
from ketdir.store.index import refresh_all
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
)
from ketdir.store.records import LANGUAGE_NAMES, ensure_need_taxonomy, need_term_id

BATCH = 5000
NATIONAL_SHARE = 0.03
LONDON_AREAS = {"E", "EC", "N", "NW", "SE", "SW", "W", "WC"}
LONDON_TRUSTS = {"E": "East London", "EC": "Central London", "WC": "Central London", "N": "North London",
                 "NW": "North West London", "SE": "South East London", "SW": "South West London", "W": "West London"}
TODAY = dt.date(2026, 11, 25)

# ---------------------------------------------------------------------------------------- places


@dataclass
class District:
    outcode: str
    area: str
    lat: float
    lon: float
    town: str  # the town its services are named after ("Birmingham")
    local: str  # the nearest place, for neighbourhood names ("Acocks Green")
    nation: str
    weight: float = 1.0


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dx = (lon2 - lon1) * 111.32 * math.cos(math.radians((lat1 + lat2) / 2))
    dy = (lat2 - lat1) * 110.57
    return math.hypot(dx, dy)


class _Grid:
    """Points bucketed in 0.1° cells, for 'what is within r km' without numpy."""

    CELL = 0.1

    def __init__(self, points: list[tuple[float, float]]):
        self.points = points
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, (lat, lon) in enumerate(points):
            self.cells[self._cell(lat, lon)].append(i)

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        return int(math.floor(lat / self.CELL)), int(math.floor(lon / self.CELL))

    def within(self, lat: float, lon: float, km: float) -> list[tuple[float, int]]:
        reach_lat = int(km / 11.0) + 1
        reach_lon = int(km / (11.1 * max(0.3, math.cos(math.radians(lat))))) + 1
        ci, cj = self._cell(lat, lon)
        found = []
        for i in range(ci - reach_lat, ci + reach_lat + 1):
            for j in range(cj - reach_lon, cj + reach_lon + 1):
                for k in self.cells.get((i, j), ()):
                    d = _km(lat, lon, *self.points[k])
                    if d <= km:
                        found.append((d, k))
        found.sort()
        return found


def _area(outcode: str) -> str:
    return "".join(ch for ch in outcode if ch.isalpha())[:2] if not outcode[1:2].isdigit() else outcode[:1]


def load_districts(gazetteer: Path | None = None) -> list[District]:
    """Real postcode districts with a town name, a nation and a weight (nearby population)."""
    gazetteer = gazetteer or data_dir() / "gazetteer"
    outcodes: list[tuple[str, float, float]] = []
    with (gazetteer / "uk_outcodes.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                lat, lon = float(row["latitude"]), float(row["longitude"])
            except (TypeError, ValueError):
                continue
            if 49.8 <= lat <= 61.0 and -8.7 <= lon <= 2.0:  # drops non-geographic outcodes (0,0 etc.)
                outcodes.append((row["outcode"].strip().upper(), lat, lon))
    places: list[tuple[str, str, float, float, int]] = []
    with (gazetteer / "gb_places.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                places.append((row["name"], row["nation"], float(row["latitude"]), float(row["longitude"]),
                               int(float(row["population"] or 0))))
            except (TypeError, ValueError):
                continue
    outcode_grid = _Grid([(lat, lon) for _, lat, lon in outcodes])
    place_grid = _Grid([(p[2], p[3]) for p in places])

    # Each town's population is shared among the districts around it (wider for bigger towns).
    attributed = [0.0] * len(outcodes)
    for _, _, lat, lon, pop in places:
        radius = min(12.0, max(2.0, 2.5 * math.sqrt(pop / 50_000)))
        near = outcode_grid.within(lat, lon, radius) or outcode_grid.within(lat, lon, 40.0)[:1]
        for _, k in near:
            attributed[k] += pop / len(near)

    districts = []
    for k, (outcode, lat, lon) in enumerate(outcodes):
        area = _area(outcode)
        # The town a district's services are named after: the strongest pull (population / distance²),
        # so a city district takes the city's name and a market town keeps its own.
        nearby = place_grid.within(lat, lon, 12.0) or place_grid.within(lat, lon, 80.0)[:1]
        _, i = max(nearby, key=lambda di: places[di[1]][4] / (di[0] + 1.0) ** 2)
        name, nation = places[i][0], places[i][1]
        local = places[nearby[0][1]][0]
        if area in LONDON_AREAS:
            name, nation = "London", "ENG"
        if area == "BT":
            nation = "NIR"
        districts.append(District(outcode, area, lat, lon, name, local, nation, weight=4_000 + attributed[k]))
    return districts


# ---------------------------------------------------------------------------------------- word lists

SUBSTANCES = ["ketamine", "cocaine", "alcohol", "cannabis", "heroin", "crack", "benzodiazepines", "spice",
              "nitrous oxide", "MDMA", "mephedrone", "prescription painkillers", "amphetamine", "GHB"]
BRAND_A = ["Bridgeway", "Harbour", "Beacon", "Horizon", "Compass", "Lantern", "Cedar", "Willow", "Northstar",
           "Riverside", "Phoenix", "Anchor", "Meadow", "Haven", "Pathway", "Summit", "Waypoint", "Kestrel",
           "Hillside", "Wayfarer", "Keystone", "Lighthouse", "Open Door", "Second Chance", "Turnaround",
           "Fresh Start", "Steps", "Elm Tree", "Blue Sky", "Milestone", "Clearwater", "Foxglove", "Kingfisher",
           "Heartwood", "Rowan", "Skylark", "Signpost", "Tideway", "Greenway", "Oakleaf"]
BRAND_B = ["Recovery", "Health", "Partnership", "Project", "Trust", "Collective", "Network", "Foundation",
           "Alliance", "Community Services", "Care", "Support"]
CHARITY_WORDS = ["Arches", "Lifeline", "Turning Tide", "Open Arms", "Safe Space", "New Leaf", "Kindred",
                 "Common Ground", "Stepping Stones", "Threshold", "Sanctuary", "Junction", "Bluebell",
                 "Lighthouse", "Crossroads", "Wellspring", "Hope Street", "Footprints", "Mosaic", "Tandem"]
SAINTS = ["Mary", "Thomas", "George", "James", "Luke", "Peter", "Anne", "Helen", "Margaret", "Bartholomew"]
STREETS = ["High Street", "Station Road", "Church Street", "Victoria Road", "Park Road", "King Street",
           "Queen Street", "Market Street", "London Road", "Mill Lane", "North Street", "Albert Road",
           "York Road", "Castle Street", "Bridge Street", "New Road", "Grove Road", "Chapel Street",
           "Manor Road", "Hospital Road", "Union Street", "Cross Street", "Wellington Road", "Green Lane",
           "Duke Street", "Broad Street", "Princes Street", "Mount Pleasant", "Canal Street", "Regent Street"]
BUILDINGS = ["Unit 4", "First floor", "Ground floor", "Suite 2", "Level 2, Outpatients", "Rear entrance",
             "The Old Library", "Community Hub", "Health Centre", "Annexe B"]
ACCESS_NOTES = ["Step-free access", "Accessible toilet", "Hearing loop at reception", "Lift to all floors",
                "Ground-floor consulting rooms", "Parking for Blue Badge holders", "Quiet waiting room",
                "Assistance dogs welcome"]
LANGUAGE_WEIGHTS = [("pl", 6), ("ur", 4), ("pa", 3), ("bn", 3), ("ar", 3), ("ro", 3), ("so", 2), ("pt", 2),
                    ("lt", 2), ("es", 2), ("tr", 1), ("zh", 1), ("fr", 1), ("bsl", 3)]
SERVICE_AREAS = {  # regional/national coverage -> bank-holiday nation
    "United Kingdom": "ENG", "England": "ENG", "England and Wales": "ENG", "Scotland": "SCT", "Wales": "WLS",
    "Northern Ireland": "NIR", "Greater London": "ENG", "North West England": "ENG",
    "Yorkshire and the Humber": "ENG", "West Midlands": "ENG", "South West England": "ENG",
    "North East England": "ENG", "East of England": "ENG", "South East England": "ENG",
}
# Ofcom numbers reserved for drama: realistic, and they ring nowhere.
AREA_PHONES = {"E": "020 7946 0", "EC": "020 7946 0", "N": "020 7946 0", "NW": "020 7946 0", "SE": "020 7946 0",
               "SW": "020 7946 0", "W": "020 7946 0", "WC": "020 7946 0", "B": "0121 496 0", "BS": "0117 496 0",
               "EH": "0131 496 0", "G": "0141 496 0", "LS": "0113 496 0", "L": "0151 496 0",
               "M": "0161 496 0", "NG": "0115 496 0", "RG": "0118 496 0", "S": "0114 496 0",
               "NE": "0191 498 0", "BT": "028 9649 6", "CF": "029 2018 0"}
OTHER_PHONE = "01632 960"
MOBILE_PHONE = "07700 900"
NATIONAL_PHONES = ["0808 157 0", "0306 999 0"]


# ---------------------------------------------------------------------------------------- opening hours

WD = "MO,TU,WE,TH,FR"
ALL = "MO,TU,WE,TH,FR,SA,SU"
# Each pattern: list of (days, opens, closes). closes <= opens runs past midnight; 00:00-00:00 is 24 hours.
PATTERNS: dict[str, list[list[tuple[str, str, str]]]] = {
    "office": [
        [(WD, "09:00", "17:00")],
        [("MO,TU,WE,FR", "09:00", "17:00"), ("TH", "09:00", "19:30")],
        [(WD, "08:30", "16:30")],
        [("MO,TU,WE,TH", "09:00", "17:00"), ("FR", "09:00", "16:30")],
        [(WD, "10:00", "16:00")],
        [(WD, "09:00", "17:00"), ("SA", "10:00", "13:00")],
        [("MO,WE,FR", "09:30", "16:30")],
        [(WD, "09:00", "12:30"), (WD, "13:30", "17:00")],
        [("TU,WE,TH,FR,SA", "10:00", "18:00")],
        [("MO,TU,TH,FR", "09:00", "17:00"), ("WE", "12:00", "20:00")],
    ],
    "clinic": [
        [(WD, "08:30", "18:00"), ("SA", "09:00", "12:00")],
        [(WD, "09:00", "19:00")],
        [("MO,WE", "13:00", "19:00"), ("TU,TH", "09:00", "13:00"), ("FR", "09:00", "16:00")],
        [("MO,TU,WE,TH", "08:00", "19:30"), ("FR", "08:00", "16:00")],
        [("TU", "17:00", "20:00"), ("TH", "17:30", "20:00")],
        [("WE", "13:00", "16:30")],
        [("MO", "09:00", "12:30"), ("TH", "13:30", "17:00")],
        [(WD, "09:00", "12:00"), ("MO,TU,TH", "13:30", "18:30")],
    ],
    "pharmacy": [
        [(WD, "09:00", "18:00"), ("SA", "09:00", "17:30")],
        [("MO,TU,WE,TH,FR,SA", "08:00", "22:00"), ("SU", "10:00", "16:00")],
        [("MO,TU,WE,TH,FR,SA", "07:00", "23:00"), ("SU", "10:00", "17:00")],
        [(WD, "08:30", "18:30"), ("SA", "09:00", "13:00")],
        [(WD, "09:00", "13:00"), (WD, "14:00", "18:00"), ("SA", "09:00", "13:00")],
    ],
    "gp": [
        [(WD, "08:00", "18:30")],
        [(WD, "08:00", "18:30"), ("TU", "18:30", "20:00")],
        [(WD, "08:30", "13:00"), (WD, "14:00", "18:00")],
        [(WD, "08:00", "18:30"), ("SA", "08:30", "12:00")],
    ],
    "crisis": [
        [(ALL, "18:00", "23:00")],
        [("FR,SA", "18:00", "02:00")],
        [(ALL, "00:00", "00:00")],
        [(ALL, "17:00", "00:00")],
        [(WD, "20:00", "08:00"), ("SA,SU", "18:00", "08:00")],
        [(ALL, "08:00", "22:00")],
    ],
    "group": [
        [("TU", "19:00", "20:30")],
        [("TU", "18:30", "20:00"), ("SA", "11:00", "12:30")],
        [("WE", "12:00", "15:00")],
        [("SU", "14:00", "16:00")],
        [("MO,TH", "18:00", "19:30")],
        [("FR", "10:30", "12:00")],
    ],
    "urgent": [
        [(ALL, "00:00", "00:00")],
        [(ALL, "08:00", "20:00")],
        [(WD, "08:00", "20:00"), ("SA,SU", "09:00", "17:00")],
        [(ALL, "07:00", "22:00")],
    ],
    "helpline": [
        [(ALL, "00:00", "00:00")],
        [(WD, "09:00", "21:00"), ("SA,SU", "10:00", "16:00")],
        [(WD, "10:00", "16:00")],
        [(ALL, "18:00", "00:00")],
        [(WD, "09:00", "17:00"), ("MO,WE", "18:00", "20:00")],
    ],
}
EXCEPTIONS = [  # (from, to, opens, closes, note); no times = closed
    ("2026-12-24", "2027-01-02", None, None, "Closed over Christmas and New Year"),
    ("2026-12-01", "2026-12-01", None, None, "Closed for staff training"),
    ("2026-12-02", "2026-12-02", None, None, "Closed for staff training"),
    ("2026-11-18", "2026-11-18", None, None, "Closed for staff training"),
    ("2027-01-14", "2027-01-14", None, None, "Closed for staff training"),
    ("2026-11-30", "2026-12-04", None, None, "Closed for refurbishment"),
    ("2026-12-24", "2026-12-24", "09:00", "13:00", "Christmas Eve: mornings only"),
    ("2026-12-31", "2026-12-31", "09:00", "15:00", "New Year's Eve: closes early"),
    ("2026-12-01", "2026-12-01", "12:00", "16:00", "Afternoon only on this date"),
    ("2027-02-11", "2027-02-12", None, None, "Closed: team away days"),
]


# ---------------------------------------------------------------------------------------- archetypes


@dataclass
class Archetype:
    key: str
    weight: float
    needs: tuple[str, ...]
    optional: tuple[tuple[str, float], ...]
    names: tuple[str, ...]
    opening: tuple[str, ...]  # first sentence templates
    pool: tuple[str, ...]  # further sentences, 2-3 drawn
    hours: str
    org: str  # brand | nhs | local | pharmacy | gp
    ages: tuple[tuple[float | None, float | None, float], ...] = ((None, None, 1.0),)
    free: float = 1.0
    national: bool = False


def _subs(rng: random.Random, k: int, always: tuple[str, ...] = ()) -> str:
    picked = list(always) + [s for s in rng.sample(SUBSTANCES, k + len(always)) if s not in always]
    picked = picked[:k + len(always)]
    return ", ".join(picked[:-1]) + " or " + picked[-1] if len(picked) > 1 else picked[0]


ARCHETYPES: list[Archetype] = [
    Archetype(
        "drug-service", 16, ("drug-treatment", "harm-reduction"),
        (("advice", 0.2), ("mental-health", 0.15), ("peer-support", 0.25)),
        ("{town} Drug and Alcohol Service", "{brand} {town}", "{town} Recovery Service", "{brand} {town} Hub",
         "{town} Community Drug Team", "{town} Substance Misuse Service", "{brand} {district} Recovery Hub"),
        ("Free, confidential support in {town} for adults worried about their use of {subs}.",
         "Community drug and alcohol service for {town}: one-to-one support with a key worker, groups and "
         "clinical treatment for {subs}.",
         "We help people in {town} cut down or stop using {subs}, whatever their goal."),
        ("You can refer yourself by phone or drop in; you don't need a GP referral.",
         "A key worker will agree a recovery plan with you and meet you regularly.",
         "We offer specialist help for ketamine use, including bladder screening and referral to urology.",
         "Needle exchange and naloxone are available at reception with no appointment.",
         "Detox can be arranged in the community or at an inpatient unit.",
         "Opioid substitution treatment (methadone and buprenorphine) is prescribed by our clinical team.",
         "Evening groups run for people in work.",
         "We work closely with the local sexual health clinic and mental health teams.",
         "Family members can get support in their own right.",
         "Our recovery café is open to anyone in recovery.",
         "Cocaine and crack users are welcome at our stimulant clinic.",
         "Outreach workers visit hostels and the street."),
        "office", "brand", ((18, None, 0.85), (16, None, 0.1), (None, None, 0.05)), 0.98,
    ),
    Archetype(
        "young-people", 5, ("drug-treatment", "harm-reduction"), (("mental-health", 0.3), ("sexual-health", 0.15)),
        ("{town} Young People's Drug Service", "{brand} Young People {town}", "{town} Youth Substance Service",
         "Under 25s Drug and Alcohol Team, {town}"),
        ("Confidential help for young people in {town} worried about drugs or alcohol, including {subs}.",
         "A service for young people up to 25 who use {subs} or are affected by someone else's use."),
        ("We can meet you at school, college, home or somewhere you choose.",
         "Young people can refer themselves; parents and carers can also get advice.",
         "We offer harm reduction advice on ketamine, cannabis, nitrous oxide and vapes.",
         "We will not tell your parents unless you are at serious risk.",
         "Sessions can be online or by text if you prefer.",
         "We support young people at risk of exploitation and county lines."),
        "office", "brand", ((11, 24, 0.4), (13, 25, 0.4), (10, 18, 0.2)),
    ),
    Archetype(
        "alcohol-service", 4, ("drug-treatment",), (("peer-support", 0.3), ("harm-reduction", 0.2)),
        ("{town} Alcohol Service", "{brand} Alcohol Team {town}", "{town} Alcohol Liaison Service"),
        ("Support in {town} for people who want to drink less or stop drinking alcohol.",
         "Alcohol treatment and aftercare for adults in {town}, including help with {subs}."),
        ("Medically assisted alcohol detox can be arranged at home or in hospital.",
         "We run a weekly recovery group and can link you to mutual aid meetings.",
         "Hospital alcohol liaison nurses see patients on the wards and in A&E.",
         "Relapse prevention and aftercare are part of every plan."),
        "office", "nhs", ((18, None, 1.0),),
    ),
    Archetype(
        "needle-exchange", 8, ("harm-reduction",), (("drug-treatment", 0.1),),
        ("{pharmacy} Pharmacy, {street}", "{pharmacy} Pharmacy {town}", "{town} Needle Exchange",
         "{pharmacy} Chemist, {district}"),
        ("Pharmacy needle and syringe exchange in {town}: clean injecting equipment, no questions asked.",
         "Community pharmacy offering needle exchange, naloxone and safer injecting advice in {town}."),
        ("Ask at the counter for a needle exchange pack; you don't need to give your name.",
         "Used needles can be returned here in a sharps bin.",
         "Naloxone kits and training are available for people who use opioids and their friends.",
         "We also supervise methadone and buprenorphine doses.",
         "Foil, citric and water for injections are available.",
         "Free condoms and lubricant are available on request."),
        "pharmacy", "pharmacy", ((16, None, 0.7), (18, None, 0.3)),
    ),
    Archetype(
        "bladder-clinic", 3, ("bladder-urology", "physical-health"), (("drug-treatment", 0.1),),
        ("{hospital} Urology Clinic", "Ketamine Bladder Clinic, {hospital}", "{town} Urology Outpatients",
         "{hospital} Ketamine Uropathy Service"),
        ("Specialist urology clinic at {hospital} for bladder and kidney problems, including ketamine uropathy.",
         "Assessment and treatment of ketamine bladder damage (ketamine uropathy) for people from {town} and "
         "the surrounding area."),
        ("Symptoms include needing to wee often and urgently, pain when weeing, blood in your urine and "
         "incontinence.",
         "Stopping ketamine is the most important step; we work with drug services to help you cut down.",
         "Referral is usually through your GP or drug service, and some clinics accept self-referrals.",
         "Tests may include a urine test, ultrasound scan and cystoscopy.",
         "We treat cystitis, urinary retention and kidney problems caused by ketamine.",
         "Pain relief and bladder medicines are prescribed by the team."),
        "clinic", "nhs", ((16, None, 0.6), (18, None, 0.4)),
    ),
    Archetype(
        "continence", 2, ("bladder-urology",), (("physical-health", 0.5),),
        ("{town} Bladder and Bowel Service", "{town} Continence Service", "{brand} Continence Clinic {town}"),
        ("Community continence service for {town}: help with leaking, urgency and bladder pain.",
         "Nurse-led bladder and bowel clinic in {town} for people of any age with continence problems."),
        ("We can assess urinary symptoms caused by ketamine and refer to urology.",
         "Bladder retraining, pelvic floor exercises and continence products are provided.",
         "You can ask your GP, district nurse or drug service to refer you.",
         "Home visits are possible if you can't get to the clinic."),
        "clinic", "nhs", ((None, None, 0.5), (18, None, 0.5)),
    ),
    Archetype(
        "gp", 9, ("physical-health",), (("mental-health", 0.2), ("sexual-health", 0.1)),
        ("{street} Medical Practice", "{street} Surgery", "{district} Health Centre", "{town} Family Practice",
         "The {street} Group Practice"),
        ("NHS GP practice in {town}, registering patients who live in the practice area.",
         "General practice serving {district} and {town}: GP and nurse appointments, prescriptions and referrals."),
        ("You can talk to a GP in confidence about drug or alcohol use, including ketamine.",
         "Our GPs can check for ketamine bladder damage, K-cramps (abdominal pain) and liver problems.",
         "Book by phone, online or through the NHS App.",
         "People without a fixed address can register.",
         "Health checks, vaccinations and long-term condition reviews are offered.",
         "Interpreters can be booked for appointments."),
        "gp", "gp",
    ),
    Archetype(
        "sexual-health", 8, ("sexual-health",), (("harm-reduction", 0.1), ("chemsex", 0.1)),
        ("{town} Sexual Health Clinic", "{hospital} GUM Clinic", "{town} Centre for Sexual Health",
         "{district} Sexual Health Service", "{town} Integrated Sexual Health"),
        ("NHS sexual health clinic in {town}: STI and HIV testing, PEP, PrEP and contraception.",
         "Free, confidential sexual health service for {town}: testing and treatment for STIs including "
         "chlamydia, gonorrhoea and syphilis."),
        ("PEP after a possible HIV exposure is available at walk-in sessions; come as soon as possible, "
         "ideally within 24 hours.",
         "PrEP to prevent HIV is free; book a PrEP appointment online.",
         "Order free home STI test kits online.",
         "Mpox and hepatitis vaccinations are offered to gay and bisexual men.",
         "Emergency contraception and the coil are available.",
         "Our health advisers support people who use drugs during sex (chemsex).",
         "Walk-in sessions fill up early, so please arrive before the clinic opens.",
         "Under-16s can be seen confidentially."),
        "clinic", "nhs", ((13, None, 0.5), (None, None, 0.3), (16, None, 0.2)),
    ),
    Archetype(
        "chemsex", 2.5, ("chemsex", "sexual-health", "harm-reduction"), (("mental-health", 0.5), ("drug-treatment", 0.4)),
        ("{town} Chemsex Support", "{brand} Chemsex Service {town}", "{town} PnP Support Clinic",
         "{hospital} Chemsex Clinic"),
        ("Non-judgemental support in {town} for gay, bisexual and queer men who use drugs during sex.",
         "Specialist chemsex service for {town}: help with G (GHB/GBL), crystal meth (Tina) and mephedrone."),
        ("Harm reduction advice on dosing G, avoiding overdose and safer slamming.",
         "We can help you cut down or stop, with one-to-one sessions and peer groups.",
         "Sexual health screening, PEP and PrEP are available at the same visit.",
         "Counsellors who understand chemsex offer talking therapy.",
         "We talk about consent and staying safe at chill-outs.",
         "Ketamine, mephedrone and crystal meth users are all welcome."),
        "clinic", "brand", ((18, None, 1.0),),
    ),
    Archetype(
        "lgbt", 1.5, ("sexual-health", "mental-health", "peer-support"), (("chemsex", 0.5),),
        ("{town} LGBT+ Centre", "{town} LGBTQ+ Health and Wellbeing", "{charity} LGBT+ {town}"),
        ("Community centre in {town} run by and for LGBTQ+ people.",
         "Health and wellbeing support for lesbian, gay, bisexual and trans people in {town}."),
        ("Free rapid HIV testing and condoms are available at drop-in.",
         "Peer support groups meet weekly, including a chemsex recovery group.",
         "Counselling from LGBTQ+ counsellors, low cost or free.",
         "We can support you to report hate crime.",
         "Trans and non-binary support group meets monthly."),
        "office", "local", ((16, None, 0.5), (18, None, 0.5)), 0.9,
    ),
    Archetype(
        "sexual-violence", 3, ("sexual-violence",), (("mental-health", 0.5), ("urgent-care", 0.2)),
        ("{town} Rape Crisis", "{town} Sexual Assault Referral Centre (SARC)", "{charity} {town} ISVA Service",
         "{town} Sexual Violence Support"),
        ("Support for anyone in {town} who has been raped, sexually assaulted or abused, whenever it happened.",
         "Sexual assault referral centre for {town}: forensic medical examination, emergency contraception and "
         "PEP, with or without reporting to the police."),
        ("An independent sexual violence adviser (ISVA) can support you through the police and courts.",
         "If you think your drink was spiked, or you were assaulted while using drugs, it was not your fault.",
         "Specialist counselling is free and confidential.",
         "You can self-refer; you do not have to report to the police.",
         "Forensic evidence can be stored while you decide whether to report.",
         "Support is available for men, women and non-binary people."),
        "office", "local", ((13, None, 0.4), (16, None, 0.3), (None, None, 0.3)),
    ),
    Archetype(
        "crisis", 4, ("mental-health",), (("urgent-care", 0.4), ("peer-support", 0.2)),
        ("{town} Crisis Café", "{town} Safe Haven", "{town} Crisis House", "{district} Mental Health Crisis Team",
         "{brand} Sanctuary {town}"),
        ("Somewhere safe to go in {town} when you are in a mental health crisis and need to talk.",
         "Out-of-hours mental health crisis support for adults in {town}."),
        ("No referral needed: walk in, or phone first if you prefer.",
         "Staff and peer workers will listen and help you make a plan to stay safe.",
         "If you have taken drugs such as ketamine or alcohol you can still come, as long as you are safe.",
         "The crisis team can visit you at home.",
         "Support for anxiety, panic, low mood and thoughts of suicide.",
         "If your life is at immediate risk, call 999."),
        "crisis", "nhs", ((18, None, 0.8), (16, None, 0.2)),
    ),
    Archetype(
        "talking-therapies", 3, ("mental-health",), (("peer-support", 0.1),),
        ("{town} Talking Therapies", "{brand} Wellbeing {town}", "{town} Counselling Service",
         "{district} Psychological Therapies"),
        ("Free NHS talking therapies in {town} for anxiety, depression and stress.",
         "Counselling and psychological support for adults in {town}."),
        ("You can refer yourself online; you don't need to see your GP first.",
         "Therapies include CBT, counselling and guided self-help.",
         "We can see people who use drugs, and work alongside drug services.",
         "Appointments by phone, video or in person.",
         "Evening appointments are available for people in work."),
        "office", "nhs", ((18, None, 0.7), (16, None, 0.3)),
    ),
    Archetype(
        "peer-group", 6, ("peer-support",), (("drug-treatment", 0.5), ("mental-health", 0.1)),
        ("{town} Recovery Group", "{charity} Peer Support Group {town}", "{district} Mutual Aid Meeting",
         "{town} SMART Recovery Meeting", "{town} Ketamine Peer Support Group"),
        ("A peer support group in {town} for people recovering from drug or alcohol use, run by people with "
         "lived experience.",
         "Weekly mutual aid meeting in {town} for anyone who wants to stop or cut down {subs}."),
        ("Just turn up: no referral, no fees and no need to speak.",
         "Meetings are held in a community centre near the station.",
         "People using ketamine, cocaine, alcohol and other drugs are all welcome.",
         "Tea, coffee and a friendly welcome.",
         "Online meetings run on other evenings.",
         "Recovery coaches can meet you before your first group."),
        "group", "local", ((18, None, 0.9), (None, None, 0.1)),
    ),
    Archetype(
        "family", 2.5, ("peer-support",), (("advice", 0.2), ("mental-health", 0.2)),
        ("{town} Family Support Group", "{charity} Families {town}", "{town} Carers of Drug Users"),
        ("Support for parents, partners and family members in {town} affected by someone's drug or alcohol use.",
         "A group for families and friends in {town} worried about a loved one's use of {subs}."),
        ("Meet others who understand, in confidence.",
         "One-to-one support and bereavement support are available.",
         "We can explain what ketamine, chemsex and other drug use involve.",
         "Kinship carers and grandparents are welcome."),
        "group", "local", ((18, None, 1.0),),
    ),
    Archetype(
        "rehab", 2, ("drug-treatment",), (("mental-health", 0.3), ("peer-support", 0.3)),
        ("{charity} House", "{town} Residential Rehabilitation", "{brand} Detox Unit {town}",
         "{town} Inpatient Detox Service"),
        ("Residential rehab near {town} for adults recovering from dependence on {subs}.",
         "Medically managed inpatient detox and stabilisation for people from {town} and beyond."),
        ("Places are funded by your local drug service or paid privately.",
         "Programmes last 12 weeks, followed by aftercare and move-on housing.",
         "A doctor supervises detox from alcohol, benzodiazepines, opioids and GHB/GBL.",
         "Ketamine dependence is treated, with bladder care from our nurses.",
         "Family visits at weekends."),
        "urgent", "brand", ((18, None, 1.0),), 0.5,
    ),
    Archetype(
        "urgent-care", 3, ("urgent-care", "physical-health"), (),
        ("{town} Urgent Treatment Centre", "{hospital} Emergency Department (A&E)", "{town} Walk-in Centre",
         "{town} Minor Injuries Unit"),
        ("Urgent treatment centre in {town} for injuries and illnesses that need attention today.",
         "Accident and emergency department at {hospital}: open 24 hours for serious illness and injury."),
        ("For overdose, unconsciousness, chest pain or a seizure call 999.",
         "If someone has taken G and won't wake up, put them in the recovery position and call 999.",
         "Walk in or book a time through NHS 111.",
         "Mental health liaison staff work in the department.",
         "Drug and alcohol liaison nurses can see you before you leave."),
        "urgent", "nhs",
    ),
    Archetype(
        "advice", 6, ("advice",), (("mental-health", 0.1),),
        ("{town} Advice Centre", "{town} Law Centre", "{town} Housing Options", "{charity} Housing Advice {town}",
         "{town} Debt and Benefits Advice"),
        ("Free, independent advice in {town} on housing, benefits, debt and legal problems.",
         "Housing advice for people in {town} who are homeless or at risk of losing their home."),
        ("Advisers can help if you have been arrested or charged with a drug offence.",
         "We help with benefit claims, appeals and debt.",
         "Emergency accommodation can be arranged for people sleeping rough.",
         "Appointments by phone, video or at drop-in.",
         "Solicitors give free legal advice at evening clinics."),
        "office", "local", ((None, None, 0.3), (18, None, 0.7)),
    ),
    Archetype(
        "homeless", 2.5, ("advice", "harm-reduction", "physical-health"), (("drug-treatment", 0.3),),
        ("{town} Day Centre", "{charity} Drop-in {town}", "{town} Street Outreach Team", "{town} Homeless Health Team"),
        ("Day centre in {town} for people who are homeless or vulnerably housed: food, showers and support.",
         "Street outreach in {town} for people sleeping rough."),
        ("A nurse runs a health clinic with wound care and blood-borne virus testing.",
         "Needle exchange and naloxone are available.",
         "Housing and benefits advisers are on site.",
         "We can help you register with a GP and get into drug treatment."),
        "office", "local", ((18, None, 0.8), (None, None, 0.2)),
    ),
    Archetype(
        "liver", 1, ("physical-health", "harm-reduction"), (("drug-treatment", 0.2),),
        ("{hospital} Liver Clinic", "{town} Hepatitis C Service", "{town} BBV Testing Clinic"),
        ("Testing and treatment for hepatitis B and C and liver problems, for people in {town}.",
         "Blood-borne virus testing clinic in {town} with same-day results."),
        ("Hepatitis C treatment is tablets for 8 to 12 weeks and cures most people.",
         "Fibroscans check your liver without a needle.",
         "We run outreach clinics at drug services and pharmacies.",
         "Hepatitis B vaccination is offered."),
        "clinic", "nhs", ((18, None, 1.0),),
    ),
    Archetype(
        "drug-checking", 0.5, ("harm-reduction",), (("drug-treatment", 0.2),),
        ("{town} Drug Checking Service", "{charity} Test Your Drugs {town}"),
        ("Drug checking in {town}: find out what is really in your pills and powders.",
         "Confidential drug testing service in {town} with harm reduction advice."),
        ("Results come with advice from a harm reduction worker.",
         "Ketamine, MDMA and cocaine samples are often cut with other drugs.",
         "No names, no police."),
        "group", "local", ((18, None, 1.0),),
    ),
    Archetype(
        "women", 1, ("drug-treatment", "sexual-violence", "peer-support"), (("mental-health", 0.5),),
        ("{town} Women's Centre", "{charity} Women's Service {town}"),
        ("A women-only service in {town} for women affected by drug or alcohol use, violence or abuse.",
         "Support for women in {town} using drugs, including those who sell sex."),
        ("Creche available during groups.",
         "Specialist support after domestic abuse or sexual violence.",
         "Sexual health nurse drop-in every week."),
        "office", "local", ((18, None, 0.8), (16, None, 0.2)),
    ),
]

NATIONAL_ARCHETYPES: list[Archetype] = [
    Archetype("line-drugs", 3, ("drug-treatment", "harm-reduction"), (("advice", 0.2),),
              ("{charity} Drugs Helpline", "{brand} Drug and Alcohol Line ({area})", "{area} Drugs Information Line"),
              ("Confidential phone and web chat advice about drugs for people in {area}, including {subs}.",),
              ("Friends and family can call too.", "We can tell you about drug services near you.",
               "Text and web chat are available."), "helpline", "brand"),
    Archetype("line-mental", 3, ("mental-health",), (("urgent-care", 0.3),),
              ("{charity} Listening Line", "{area} Mental Health Helpline", "{brand} Crisis Text Line"),
              ("Free, confidential emotional support by phone or text for anyone in {area} who is struggling.",),
              ("You don't have to be suicidal to call.", "If a life is at immediate risk, call 999."),
              "helpline", "local"),
    Archetype("line-sexual-health", 2, ("sexual-health",), (("chemsex", 0.3),),
              ("{area} Sexual Health Line", "{charity} HIV and PrEP Advice Line"),
              ("Advice about STIs, HIV, PEP and PrEP for people across {area}.",),
              ("Order free home STI and HIV test kits.", "We can tell you where to get PEP urgently."),
              "helpline", "local"),
    Archetype("line-chemsex", 1, ("chemsex", "harm-reduction"), (("sexual-health", 0.5),),
              ("{charity} Chemsex Support Line", "{area} Chemsex Web Chat"),
              ("Online and phone support for men across {area} who use G, crystal meth or mephedrone during sex.",),
              ("Non-judgemental advice on G dosing and overdose.",), "helpline", "local"),
    Archetype("line-sv", 1.5, ("sexual-violence",), (("mental-health", 0.4),),
              ("{area} Rape Crisis Helpline", "{charity} Sexual Violence Support Line"),
              ("Confidential support for anyone in {area} affected by rape, sexual assault or spiking.",),
              ("You don't need to give your name.",), "helpline", "local"),
    Archetype("line-bladder", 0.5, ("bladder-urology",), (("physical-health", 0.5),),
              ("{charity} Bladder Health Line", "{area} Continence Advice Line"),
              ("Nurse advice on bladder problems, including ketamine uropathy, for people across {area}.",),
              ("We can explain tests and treatments and how to ask for a referral.",), "helpline", "local"),
    Archetype("line-family", 1, ("peer-support",), (("advice", 0.3),),
              ("{charity} Family Support Line", "{area} Families Helpline"),
              ("Support for families and friends in {area} affected by a loved one's drug or alcohol use.",),
              ("Call, email or join an online group.",), "helpline", "local"),
    Archetype("line-advice", 1.5, ("advice",), (),
              ("{area} Housing Helpline", "{charity} Legal Advice Line", "{area} Benefits Advice Line"),
              ("Free advice on housing, homelessness, benefits and legal problems for people in {area}.",),
              ("Callback service if lines are busy.",), "helpline", "local"),
]

CLOSERS = ("Please phone before your first visit if you can.", "Interpreters are available on request.",
           "We are a non-judgemental, confidential service.", "Information is available in easy read.",
           "Appointments can be face to face, by phone or video.", "")

PHARMACY_NAMES = ["Well", "Allied", "Rowan", "Parkside", "Station", "Village", "Central", "Cohens", "Lloyd's",
                  "Green Cross", "Avicenna", "Bridge", "Manor", "Northway", "Kingsway", "Greenlight"]


# ---------------------------------------------------------------------------------------- generator


class Generator:
    def __init__(self, seed: int, districts: list[District], services: int, national_share: float = NATIONAL_SHARE):
        self.rng = random.Random(seed)
        self.national_share = national_share
        self.districts = districts
        cum = 0.0
        self.cum_weights = []
        for d in districts:
            cum += d.weight
            self.cum_weights.append(cum)
        self.arch_cum = list(_cumulative(a.weight for a in ARCHETYPES))
        self.nat_cum = list(_cumulative(a.weight for a in NATIONAL_ARCHETYPES))
        self.lang_cum = list(_cumulative(w for _, w in LANGUAGE_WEIGHTS))
        n_brands = min(len(BRAND_A) * len(BRAND_B), 25 + services // 4000)
        brands = [f"{a} {b}" for a in BRAND_A for b in BRAND_B]
        random.Random(seed + 1).shuffle(brands)
        self.brands = brands[:n_brands]
        self.orgs: dict[str, str] = {}  # org key -> id
        self.new_orgs: list[dict] = []
        self.needs_known = set(need_types().codes)
        self.need_terms = {code: need_term_id(code) for code in self.needs_known}
        self.stats = defaultdict(int)
        self.counter = 0x019AB0000000  # ~ Nov 2025 in Unix milliseconds, as a v7 timestamp would be

    # ids: time-ordered UUIDs (version 7 layout: a 48-bit counter standing in for the timestamp, then
    # seeded random bits). Deterministic for a seed, and they arrive in key order, so every primary-key and
    # foreign-key index is appended to rather than split at random: with random UUID4s the 1M build spent
    # most of its insert time re-reading index pages that no longer fit in the cache.
    def uid(self) -> str:
        self.counter += 1
        t = "%012x" % self.counter
        h = "%016x" % self.rng.getrandbits(64)
        return f"{t[:8]}-{t[8:]}-7{h[:3]}-a{h[3:6]}-{h[6:16]}{t[-2:]}"

    def org_id(self, key: str, name: str, description: str | None = None, website: str | None = None) -> str:
        found = self.orgs.get(key)
        if found:
            return found
        oid = self.uid()
        self.orgs[key] = oid
        self.new_orgs.append(dict(id=oid, name=name, alternate_name=None, description=description,
                                  email=None, website=website))
        return oid

    def phone(self, area: str | None, national: bool = False) -> str:
        r = self.rng
        if national:
            return r.choice(NATIONAL_PHONES) + f"{r.randrange(1000):03d}"
        if r.random() < 0.08:
            return MOBILE_PHONE + f"{r.randrange(1000):03d}"
        return AREA_PHONES.get(area or "", OTHER_PHONE) + f"{r.randrange(1000):03d}"

    def hours(self, family: str) -> tuple[list[tuple[str, str, str]], str, list[tuple] | None]:
        r = self.rng
        base = r.choice(PATTERNS[family])
        rules = [list(rule) for rule in base]
        always = all(o == "00:00" and c == "00:00" for _, o, c in rules)
        if not always:
            roll = r.random()
            if roll < 0.2:  # shift the whole day by half an hour
                delta = r.choice((-30, 30))
                rules = [[d, _shift(o, delta), _shift(c, delta)] for d, o, c in rules]
            elif roll < 0.3 and family in ("office", "clinic", "gp"):  # a late clinic one weekday
                rules.append([r.choice(("MO", "TU", "WE", "TH")), "17:00", r.choice(("19:00", "20:00", "20:30"))])
            elif roll < 0.38:  # one day fewer
                days = rules[0][0].split(",")
                if len(days) > 1:
                    days.remove(r.choice(days))
                    rules[0][0] = ",".join(days)
            elif roll < 0.45 and family in ("office", "clinic", "gp"):  # Saturday mornings
                if not any("SA" in d for d, _, _ in rules):
                    rules.append(["SA", "10:00", "13:00"])
        if always or family == "urgent":
            bank = "open"
        else:
            bank = "open" if r.random() < (0.5 if family in ("crisis", "helpline", "pharmacy") else 0.08) else "closed"
        exceptions = None
        if r.random() < 0.05:
            exceptions = [r.choice(EXCEPTIONS)]
            if r.random() < 0.2:
                exceptions.append(r.choice(EXCEPTIONS))
        return [tuple(x) for x in rules], bank, exceptions

    def pick_needs(self, arch: Archetype) -> list[str]:
        needs = list(arch.needs)
        for code, p in arch.optional:
            if self.rng.random() < p:
                needs.append(code)
        return [n for n in dict.fromkeys(needs) if n in self.needs_known]

    def ages(self, arch: Archetype) -> tuple[float | None, float | None]:
        r = self.rng.random()
        acc = 0.0
        for lo, hi, p in arch.ages:
            acc += p
            if r < acc:
                return lo, hi
        return arch.ages[-1][0], arch.ages[-1][1]

    def languages(self, nation: str) -> list[str]:
        r = self.rng
        langs = ["en"]
        if nation == "WLS" and r.random() < 0.6:
            langs.append("cy")
        if nation == "SCT" and r.random() < 0.03:
            langs.append("gd")
        if r.random() < 0.2:
            for _ in range(r.choice((1, 1, 2))):
                code = r.choices(LANGUAGE_WEIGHTS, cum_weights=self.lang_cum)[0][0]
                if code not in langs:
                    langs.append(code)
        return langs

    def service(self, i: int, rows: dict[str, list[dict]]) -> None:
        r = self.rng
        national = r.random() < self.national_share  # the same draws whatever the share: same seed, same places
        arch = (r.choices(NATIONAL_ARCHETYPES, cum_weights=self.nat_cum) if national
                else r.choices(ARCHETYPES, cum_weights=self.arch_cum))[0]
        district = None if national else r.choices(self.districts, cum_weights=self.cum_weights)[0]
        sid = self.uid()
        brand = r.choice(self.brands)
        charity = r.choice(CHARITY_WORDS)
        street = r.choice(STREETS)
        if national:
            area = r.choice(list(SERVICE_AREAS))
            nation = SERVICE_AREAS[area]
            town = area
            area_code = None
        else:
            area = None
            nation = district.nation
            town = district.town
            area_code = district.area
        hospital = r.choice((f"{town} General Hospital", f"{town} Royal Infirmary", f"St {r.choice(SAINTS)}'s Hospital",
                             f"{town} University Hospital", f"{town} Community Hospital"))
        slots = dict(town=town, brand=brand, charity=charity, street=street,
                     district=district.local if district else town, hospital=hospital,
                     pharmacy=r.choice(PHARMACY_NAMES), area=area or town)
        name = r.choice(arch.names).format(**slots)
        sentences = [r.choice(arch.opening).format(subs=_subs(r, r.choice((2, 3))), **slots)]
        k = min(len(arch.pool), r.choice((1, 2, 2, 3, 3, 4)))
        sentences += r.sample(arch.pool, k)
        closer = r.choice(CLOSERS)
        if closer:
            sentences.append(closer)
        description = " ".join(sentences)

        # organisation: national brands run many services, NHS trusts run several per postcode area,
        # local charities one to a few.
        if arch.org == "brand":
            org = self.org_id(f"brand/{brand}", brand, f"{brand} runs drug, alcohol and health services across the UK.",
                              f"https://{brand.lower().replace(' ', '')}.example.org")
        elif arch.org == "nhs":
            base = LONDON_TRUSTS.get(area_code, town)
            org_name = {"SCT": f"NHS {base}", "WLS": f"{base} University Health Board",
                        "NIR": f"{base} Health and Social Care Trust"}.get(nation, f"{base} NHS Foundation Trust")
            org = self.org_id(f"nhs/{org_name}", org_name, "NHS provider of hospital and community health services.")
        elif arch.org == "pharmacy":
            chain = slots["pharmacy"]
            org = self.org_id(f"pharmacy/{chain}", f"{chain} Pharmacy Group")
        elif arch.org == "gp":
            org = self.org_id(f"gp/{sid}", name)
        else:
            key = f"local/{charity}/{town}"
            org = self.org_id(key, f"{charity} {town}" if not national else f"{charity}",
                              f"A charity working with people in {town}.")
        lo, hi = self.ages(arch)
        free = r.random() < arch.free
        assured = TODAY - dt.timedelta(days=int(r.expovariate(1 / 200)))
        rules, bank, exceptions = self.hours(arch.hours)
        rows["service"].append(dict(
            id=sid, organization_id=org, name=name, alternate_name=None, description=description,
            url=f"https://{brand.lower().replace(' ', '')}.example.org/services/{i}", email=None, status="active",
            interpretation_services="Interpreters available on request" if r.random() < 0.3 else None,
            application_process=r.choice(("Self-referral by phone or drop-in.", "Referral from a GP or key worker.",
                                          "Self-referral online or by phone.", "Walk in, no appointment needed.")),
            fees_description="Free" if free else r.choice(("£850 per week; funded places available",
                                                            "£45 per session", "Sliding scale fees")),
            eligibility_description=None, minimum_age=lo, maximum_age=hi, assured_date=assured.isoformat(),
            assurer_email=None, alert=None, last_modified=None, is_demo=1, source_url=None,
            bank_holidays=bank, nation=nation, version=1,
        ))
        for code in self.pick_needs(arch):
            rows["attribute"].append(dict(id=self.uid(), link_id=sid, taxonomy_term_id=self.need_terms[code],
                                          link_type="need", link_entity="service", value=None, label=None))
            self.stats[code] += 1
        if free:
            rows["cost_option"].append(dict(id=self.uid(), service_id=sid, valid_from=None, valid_to=None,
                                            option="Free", currency="GBP", amount=0.0, amount_description=None))
        else:
            rows["cost_option"].append(dict(id=self.uid(), service_id=sid, valid_from=None, valid_to=None,
                                            option="Fee", currency="GBP", amount=float(r.choice((45, 120, 850))),
                                            amount_description=None))
        n_phones = 1 if r.random() < 0.75 else 2
        for j in range(n_phones):
            rows["phone"].append(dict(
                id=self.uid(), location_id=None, service_id=sid, organization_id=None, contact_id=None,
                service_at_location_id=None, number=self.phone(area_code, national and j == 0),
                extension=None, type="voice" if j == 0 else r.choice(("text", "voice", "fax")),
                description=None if j == 0 else "Text or second line", verified=int(r.random() > 0.03),
            ))
        for code in self.languages(nation):
            rows["language"].append(dict(id=self.uid(), service_id=sid, location_id=None, phone_id=None,
                                         name=LANGUAGE_NAMES.get(code, code), code=code, note=None))
        if national:
            rows["service_area"].append(dict(id=self.uid(), service_id=sid, service_at_location_id=None, name=area,
                                             description=None, extent=None, extent_type=None, uri=None))
        else:
            loc_id = self.uid()
            lat = district.lat + r.gauss(0, 0.008)
            lon = district.lon + r.gauss(0, 0.012)
            rows["location"].append(dict(
                id=loc_id, organization_id=org, location_type="physical", url=None, name=name, alternate_name=None,
                description=None, transportation=None, latitude=round(lat, 6), longitude=round(lon, 6)))
            letters = "ABDEFGHJLNPQRSTUWXYZ"
            postcode = f"{district.outcode} {r.randrange(1, 10)}{r.choice(letters)}{r.choice(letters)}"
            rows["address"].append(dict(
                id=self.uid(), location_id=loc_id, attention=None,
                address_1=f"{r.randrange(1, 240)} {street}",
                address_2=r.choice(BUILDINGS) if r.random() < 0.3 else None,
                city=town, region=None, state_province=None, postal_code=postcode, country="GB",
                address_type="physical"))
            rows["service_at_location"].append(dict(id=self.uid(), service_id=sid, location_id=loc_id,
                                                    description=None))
            for note in r.sample(ACCESS_NOTES, r.choice((0, 1, 1, 2, 3))):
                rows["accessibility"].append(dict(id=self.uid(), location_id=loc_id, description=note,
                                                  details=None, url=None))
        for j, (days, opens, closes) in enumerate(rules):
            rows["schedule"].append(_schedule(self.uid(), sid, byday=days, opens=opens, closes=closes, freq="WEEKLY",
                                              description="Appointments and drop-in" if j == 0 and r.random() < 0.1 else None))
        for start, end, opens, closes, note in exceptions or ():
            rows["schedule"].append(_schedule(self.uid(), sid, valid_from=start, valid_to=end, opens=opens, closes=closes,
                                              description=note))
        self.stats["national" if national else "local"] += 1
        self.stats["arch:" + arch.key] += 1


def _schedule(sid_row: str, service_id: str, *, byday=None, opens=None, closes=None, freq=None, valid_from=None,
              valid_to=None, description=None) -> dict:
    return dict(id=sid_row, service_id=service_id, location_id=None, service_at_location_id=None,
                valid_from=valid_from, valid_to=valid_to, dtstart=None, timezone=None, until=None, count=None,
                wkst=None, freq=freq, interval=1 if freq else None, byday=byday, byweekno=None, bymonthday=None,
                byyearday=None, description=description, opens_at=opens, closes_at=closes, schedule_link=None,
                attending_type=None, notes=None)


def _shift(hhmm: str, minutes: int) -> str:
    if hhmm == "00:00":
        return hhmm
    h, m = map(int, hhmm.split(":"))
    total = max(0, min(23 * 60 + 30, h * 60 + m + minutes))
    return f"{total // 60:02d}:{total % 60:02d}"


def _cumulative(weights):
    acc = 0.0
    for w in weights:
        acc += w
        yield acc


TABLES = [  # parents first
    ("organization", Organization), ("service", Service), ("location", Location), ("address", Address),
    ("service_at_location", ServiceAtLocation), ("accessibility", Accessibility), ("phone", Phone),
    ("schedule", Schedule), ("attribute", Attribute), ("service_area", ServiceArea), ("language", Language),
    ("cost_option", CostOption),
]


class _Writer:
    """Plain executemany of the INSERT SQLAlchemy would emit, on the session's own connection (and so in
    its transaction). Rows hold SQLite storage values already (dates as ISO text, booleans as 0/1), so
    SQLAlchemy's per-value processing, about half the insert time at 1M services, is skipped."""

    def __init__(self, session):
        self.cursor = session.connection().connection.dbapi_connection.cursor()
        self.sql: dict[str, tuple[str, operator.itemgetter]] = {}

    def write(self, model, rows: list[dict]) -> None:
        table = model.__table__
        if table.name not in self.sql:
            cols = [c.name for c in table.columns]
            missing = set(cols) ^ set(rows[0])
            if missing:
                raise RuntimeError(f"generator rows for {table.name} do not match its columns: {sorted(missing)}")
            sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            self.sql[table.name] = (sql, operator.itemgetter(*cols))
        sql, getter = self.sql[table.name]
        self.cursor.executemany(sql, map(getter, rows))


def _tune(session, bulk: bool) -> None:
    conn = session.connection()
    conn.exec_driver_sql("PRAGMA synchronous = OFF")
    conn.exec_driver_sql("PRAGMA cache_size = -1000000")  # up to ~1 GB of page cache while building
    conn.exec_driver_sql("PRAGMA temp_store = MEMORY")
    if bulk:
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")  # parents are written first; checked afterwards


def generate(n: int, out: Path, seed: int, *, quiet: bool = False, vacuum: bool = False,
             national_share: float = NATIONAL_SHARE) -> dict:
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    t0 = time.perf_counter()
    final = Path(out)
    final.parent.mkdir(parents=True, exist_ok=True)
    out = final.with_name(final.name + ".building")  # moved into place when complete, like `ketdir build-db`
    for p in (out, Path(str(out) + "-wal"), Path(str(out) + "-shm")):
        p.unlink(missing_ok=True)
    districts = load_districts()
    gen = Generator(seed, districts, n, national_share)
    directory = open_directory(out, create=True)
    timings = {}
    with directory.session() as session:
        with session.begin():
            _tune(session, bulk=True)  # before the first write: pysqlite begins the transaction there
            ensure_need_taxonomy(session)
            session.flush()
            writer = _Writer(session)
            rows: dict[str, list[dict]] = defaultdict(list)
            done = 0
            t_gen = t_ins = 0.0
            while done < n:
                a = time.perf_counter()
                for i in range(done, min(n, done + BATCH)):
                    gen.service(i, rows)
                rows["organization"] = gen.new_orgs
                b = time.perf_counter()
                for name, model in TABLES:
                    batch = rows.get(name)
                    if batch:
                        writer.write(model, batch)
                rows = defaultdict(list)
                gen.new_orgs = []
                t_ins += time.perf_counter() - b
                t_gen += b - a
                done = min(n, done + BATCH)
                if not quiet and (done % (BATCH * 20) == 0 or done == n):
                    say(f"  {done:>9,} services  ({human_seconds(time.perf_counter() - t0)})")
            set_meta(session, "source", f"ketdir bench generator (synthetic, seed {seed}, {n} services)")
        timings["generate rows (Python)"] = t_gen
        timings["insert HSDS rows"] = t_ins
        problems = session.connection().exec_driver_sql("PRAGMA foreign_key_check").fetchmany(5)
        if problems:
            raise SystemExit(f"foreign key problems in generated data: {problems}")
        session.connection().exec_driver_sql("PRAGMA foreign_keys = ON")
    a = time.perf_counter()
    with directory.session() as session:
        with session.begin():
            _tune(session, bulk=False)
            docs = refresh_all(session)
    timings["refresh_all (search rows + FTS)"] = time.perf_counter() - a
    a = time.perf_counter()
    with directory.engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
        conn.commit()
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        if vacuum:
            conn.exec_driver_sql("VACUUM")
    timings["FTS optimize + checkpoint" + (" + VACUUM" if vacuum else "")] = time.perf_counter() - a
    directory.close()
    for p in (Path(str(final) + "-wal"), Path(str(final) + "-shm")):
        p.unlink(missing_ok=True)
    os.replace(out, final)
    for p in (Path(str(out) + "-wal"), Path(str(out) + "-shm")):
        p.unlink(missing_ok=True)
    out = final
    elapsed = time.perf_counter() - t0
    report = dict(services=n, docs=docs, organizations=len(gen.orgs), seconds=elapsed,
                  size_mb=file_size_mb(out), peak_rss_mb=peak_rss_mb(), timings=timings, stats=dict(gen.stats))
    say("")
    say(f"{out}: {n:,} services ({gen.stats['national']:,} national/regional lines), {len(gen.orgs):,} organisations, "
        f"{docs:,} search rows")
    for step, secs in timings.items():
        say(f"  {step:<36} {human_seconds(secs)}")
    say(f"  {'total':<36} {human_seconds(elapsed)}")
    say(f"  database size {report['size_mb']:.1f} MB, peak memory {report['peak_rss_mb']:.0f} MB")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a synthetic ketdir directory for benchmarks.")
    parser.add_argument("--services", type=int, required=True, help="number of services (e.g. 10000, 100000, 1000000)")
    parser.add_argument("--out", type=Path, required=True, help="SQLite file to write (replaced if it exists)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same directory)")
    parser.add_argument("--vacuum", action="store_true", help="VACUUM at the end (smaller file, slower)")
    parser.add_argument("--national-share", type=float, default=NATIONAL_SHARE,
                        help=f"share of national/regional lines with no location (default {NATIONAL_SHARE}; 0: every "
                             "service has a location and there are no national lines, as in many imported directories)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.services < 1:
        parser.error("--services must be at least 1")
    if not 0 <= args.national_share <= 1:
        parser.error("--national-share must be between 0 and 1")
    generate(args.services, args.out, args.seed, quiet=args.quiet, vacuum=args.vacuum,
             national_share=args.national_share)
    return 0


if __name__ == "__main__":
    sys.exit(main())
