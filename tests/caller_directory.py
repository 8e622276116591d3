"""A small directory for the caller journeys (issue 14): services in Manchester, Leeds, Belfast and Glasgow,
and national lines with their coverage by nation (one service_area row per nation; none: the whole UK)."""
from __future__ import annotations

from tests.factories import ALWAYS, record

MANCHESTER = (53.4808, -2.2426)
LEEDS_LS6 = (53.8190, -1.5760)
BELFAST = (54.5973, -5.9301)
GLASGOW = (55.8642, -4.2518)


def _near(centre: tuple[float, float], step: int) -> dict:
    return {"lat": centre[0] + 0.004 * step, "lon": centre[1] + 0.003 * step}


CALLER_RECORDS = [
    record("Manchester Royal Emergency Department", needs=["urgent-care"], hours=ALWAYS, **_near(MANCHESTER, 3),
           description="Accident and emergency department, open all day and night."),
    record("Manchester Ketamine Bladder Clinic", needs=["bladder-urology"], **_near(MANCHESTER, 1),
           description="Urology clinic for people whose bladder was hurt by ketamine: blood in urine, pain, "
                       "needing to go often."),
    record("Manchester Sexual Health Centre", needs=["sexual-health"], **_near(MANCHESTER, 2),
           description="STI and HIV testing, PEP after a risk, PrEP, vaccinations and contraception."),
    record("Manchester Drug and Alcohol Service", needs=["drug-treatment", "harm-reduction"], **_near(MANCHESTER, 1),
           description="Key workers, detox and harm reduction for ketamine, G, cocaine and alcohol."),
    record("Manchester Chemsex Support", needs=["chemsex", "sexual-health"], **_near(MANCHESTER, 2),
           description="Non-judgemental support for people using G, crystal meth and mephedrone during sex."),
    record("Manchester Crisis Cafe", needs=["mental-health"], **_near(MANCHESTER, 4),
           description="A calm place in the evening for anyone in a mental health crisis."),
    record("Manchester Family Support Group", needs=["peer-support"], **_near(MANCHESTER, 5),
           description="Monthly group for parents, partners and friends of people who use drugs."),
    record("Manchester Sexual Assault Referral Centre", needs=["sexual-violence", "urgent-care"], hours=ALWAYS,
           **_near(MANCHESTER, 6), description="Forensic examination, advocacy and counselling after rape or "
                                               "sexual assault, with or without the police."),
    record("Manchester Advice Centre", needs=["advice"], **_near(MANCHESTER, 2),
           description="Housing, benefits, debt and legal advice, including after an arrest."),
    record("Manchester Health Centre", needs=["physical-health"], **_near(MANCHESTER, 4),
           description="GP practice seeing people with K-cramps, liver problems and other physical harms."),
    record("Leeds Drug Service", needs=["drug-treatment", "harm-reduction"], **_near(LEEDS_LS6, 2),
           description="Drug and alcohol service with ketamine clinics and needle exchange."),
    record("Leeds Urology Department", needs=["bladder-urology"], **_near(LEEDS_LS6, 3),
           description="Hospital urology department with a ketamine bladder clinic, for blood in urine "
                       "and bladder pain."),
    record("Leeds Health Centre", needs=["physical-health"], **_near(LEEDS_LS6, 1),
           description="GP practice."),
    record("Belfast Emergency Department", needs=["urgent-care"], hours=ALWAYS, nation="NIR",
           **_near(BELFAST, 1), description="Accident and emergency department."),
    record("Belfast Sexual Health Clinic", needs=["sexual-health"], nation="NIR", **_near(BELFAST, 2),
           description="STI testing, PEP and PrEP."),
    record("Glasgow Sandyford Sexual Health", needs=["sexual-health"], nation="SCT", **_near(GLASGOW, 1),
           description="STI testing, PEP and PrEP."),
    # national lines
    record("Emergency services (999)", needs=["urgent-care", "sexual-violence"], national=True, hours=ALWAYS,
           phone="999", description="Ambulance, police and fire, for life-threatening emergencies."),
    record("NHS 111", needs=["urgent-care", "mental-health", "physical-health"], national=True, hours=ALWAYS,
           phone="111", nations=["England", {"name": "Wales", "description": "NHS 111 Wales"},
                                  {"name": "Scotland", "description": "NHS 24 on 111"}],
           description="Urgent medical advice when it is not a 999 emergency."),
    record("Samaritans", needs=["mental-health"], national=True, hours=ALWAYS, phone="116 123",
           description="Someone to talk to, day or night, whatever you are going through."),
    record("FRANK", needs=["drug-treatment", "harm-reduction"], national=True, hours=ALWAYS, phone="0300 123 6600",
           description="Confidential drugs advice, including ketamine and G."),
    record("Sexual Health Line", needs=["sexual-health"], national=True, phone="0300 123 7123",
           description="Advice about STIs, HIV, PEP and where to get tested."),
    record("Scotland Abuse Line", needs=["sexual-violence", "advice"], national=True, phone="0800 027 1234",
           nations=["Scotland"], description="Support for anyone affected by abuse in Scotland."),
    record("Northern Ireland Abuse Line", needs=["sexual-violence", "advice"], national=True,
           phone="0808 802 1414", nations=["Northern Ireland"],
           description="Support for anyone affected by abuse in Northern Ireland."),
]
