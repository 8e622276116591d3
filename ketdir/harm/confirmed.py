"""What harm-information topics may cite: confirmed phone numbers and allowed sources.

Both lists come from the project's harm-facts source brief; each entry names the brief's source id
(F1, S1, ...) so a reviewer can trace it. A topic may show a phone number only if it is listed in
CONFIRMED_NUMBERS, and may link only to a URL in ALLOWED_SOURCES (or name a domain listed there).
To add a number or a source, check it on the official site first, then add it here with its id.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ConfirmedNumber:
    digits: str  # normalised: digits only, UK numbers starting 0 (never +44)
    display: str  # how topics write it
    service: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class UnconfirmedNumber:
    digits: str
    display: str
    service: str
    reason: str


@dataclass(frozen=True)
class AllowedSource:
    source_id: str  # the brief's id, e.g. "F1"
    title: str  # what the brief says the source is
    url: str | None  # None where the brief gives no address (cite by name only)


CONFIRMED_NUMBERS: tuple[ConfirmedNumber, ...] = (
    ConfirmedNumber("03001236600", "0300 123 6600", "FRANK helpline (24/7)", ("F4",)),
    ConfirmedNumber("82111", "82111", "FRANK text service", ("F4",)),
    ConfirmedNumber("03001231099", "0300 123 1099", "FRANK textphone", ("F4",)),
    ConfirmedNumber("116123", "116 123", "Samaritans (free, 24 hours)", ("SAM",)),
    ConfirmedNumber("85258", "85258", "Shout (text SHOUT, 24/7)", ("SHO",)),
    ConfirmedNumber("111", "111", "NHS 111 (free, 24/7)", ("111",)),
    ConfirmedNumber("08009995428", "0800 999 5428", "Galop (LGBT+ abuse and violence)", ("GA", "GAL")),
    ConfirmedNumber("08088021221", "0808 802 1221", "THT Direct (Terrence Higgins Trust)", ("SH",)),
    ConfirmedNumber("08001111", "0800 1111", "Childline (under 16s)", ("RC",)),
    ConfirmedNumber("999", "999", "Emergency services", ("N1",)),
    ConfirmedNumber("101", "101", "Police non-emergency", ("N1",)),
)

#: Numbers the brief names but no source confirmed (or that are known to be wrong). They must never
#: appear in a topic; the directory data may hold them with verified = false.
UNCONFIRMED_NUMBERS: tuple[UnconfirmedNumber, ...] = (
    UnconfirmedNumber("08085002222", "0808 500 2222", "Rape Crisis 24/7 Support Line",
                      "not confirmed: name Rape Crisis and tell people to check the number on its website"),
    UnconfirmedNumber("03001237123", "0300 123 7123", "National Sexual Health Helpline", "not confirmed"),
    UnconfirmedNumber("03009991212", "0300 999 1212", "Narcotics Anonymous", "not confirmed"),
    UnconfirmedNumber("0800776600", "0800 77 66 00", "FRANK (old number)",
                      "FRANK's old number: never use; the current line is 0300 123 6600"),
)

CONFIRMED_DIGITS: frozenset[str] = frozenset(n.digits for n in CONFIRMED_NUMBERS)
UNCONFIRMED_DIGITS: frozenset[str] = frozenset(n.digits for n in UNCONFIRMED_NUMBERS)

# Where the brief names only a site and a page title, the URL is the site's home page; the page
# title goes in the topic's source name. FRANK's drug pages follow the site's /drug/<name> pattern.
ALLOWED_SOURCES: tuple[AllowedSource, ...] = (
    AllowedSource("F1", "FRANK: ketamine (2018 text)", "https://www.talktofrank.com/drug/ketamine"),
    AllowedSource("F2", "FRANK: GHB/GBL (2018 text)", "https://www.talktofrank.com/drug/ghb"),
    AllowedSource("F3", "FRANK: help a friend (2018 text)",
                  "https://www.talktofrank.com/get-help/worried-about-a-friend"),
    AllowedSource("F3", "FRANK: drug-driving (2018 text)", "https://www.talktofrank.com/"),
    AllowedSource("F4", "FRANK: contact page", "https://www.talktofrank.com/contact-frank"),
    AllowedSource("T", "TripSit combination chart and drug data", "https://github.com/TripSit/drugs"),
    AllowedSource("S1", "Substance Misuse Resources: Ketamine and your bladder",
                  "https://www.substancemisuseresources.co.uk/"),
    AllowedSource("B", "Remedy (BNSSG ICB): ketamine bladder GP pathway (draft)",
                  "https://remedy.bnssg.icb.nhs.uk/"),
    AllowedSource("G", "Global Drug Survey: Ketamine & the bladder", "https://www.globaldrugsurvey.com/"),
    AllowedSource("GDS2", "Global Drug Survey 2018 ketamine dependence (PMC article)",
                  "https://pmc.ncbi.nlm.nih.gov/articles/PMC11760648/"),
    AllowedSource("U1", "Urostomy Association: Beyond the high", "https://www.urostomyassociation.org.uk/"),
    AllowedSource("U2", "Urostomy Association: Inside the ketamine bladder crisis",
                  "https://www.urostomyassociation.org.uk/"),
    AllowedSource("A", "Anderson et al. 2022, Health Psychology Research", None),
    AllowedSource("K", "Kutscher & Greene 2022, J Gen Intern Med",
                  "https://doi.org/10.1007/s11606-021-07297-0"),
    AllowedSource("L", "Leeds Teaching Hospitals: blood in the urine", "https://www.leedsth.nhs.uk/"),
    AllowedSource("P", "Patient.info: urinary retention", "https://patient.info/"),
    AllowedSource("WJ", "Western Journal of Emergency Medicine case report", "https://westjem.com/?p=22279"),
    AllowedSource("SE", "Al-Nowfal & Al-Abed 2016, case report", "https://doi.org/10.2147/IMCRJ.S100648"),
    AllowedSource("C1", "Crew: dissociatives leaflet", "https://www.crew.scot/"),
    AllowedSource("C2", "Crew: withdrawal", "https://www.crew.scot/"),
    AllowedSource("LF1", "London Friend: emergency advice", "https://londonfriend.org.uk/"),
    AllowedSource("LF2", "London Friend: chemsex and consent", "https://londonfriend.org.uk/"),
    AllowedSource("LF3", "London Friend: chemsex and sexual health", "https://londonfriend.org.uk/"),
    AllowedSource("H", "LGBT Hero: saferchems help", "https://lgbthero.org.uk/"),
    AllowedSource("DS", "David Stuart: chemsex first aid (IDPC, 2019)", "https://idpc.net/"),
    AllowedSource("GA", "Galop: chemsex and consent; user agreement", "https://galop.org.uk/"),
    AllowedSource("GAL", "Galop: helpline launch (2023)", "https://galop.org.uk/"),
    AllowedSource("N1", "NHS Let's Talk About It: sexual assault, consent and the law",
                  "https://www.letstalkaboutit.nhs.uk/"),
    AllowedSource("N2", "NHS North London drug and alcohol service: chemsex",
                  "https://drugandalcohol.northlondonmentalhealth.nhs.uk/"),
    AllowedSource("WY", "We Are With You: chemsex advice", "https://www.wearewithyou.org.uk/"),
    AllowedSource("BR", "Brighton Sexual Health: PEP", "https://brightonsexualhealth.com/"),
    AllowedSource("SH", "SH:24: what is PEP", "https://sh24.org.uk/"),
    AllowedSource("LG", "Lewisham and Greenwich NHS Trust: PrEP and PEP",
                  "https://www.lewishamandgreenwich.nhs.uk/"),
    AllowedSource("DI", "Do It London: PrEP", "https://doitlondon.org/"),
    AllowedSource("HW", "HACW NHS: STI and HIV", "https://hacw.nhs.uk/"),
    AllowedSource("RE", "Release: GHB and GBL harm reduction", "https://www.release.org.uk/"),
    AllowedSource("DS2", "56 Dean Street: what is chemsex", "https://dean.st/"),
    AllowedSource("DS2", "Positive East: chemsex", "https://positiveeast.org.uk/"),
    AllowedSource("STI", "Sexually Transmitted Infections (BMJ) 92 Suppl 1 A42.3", "https://sti.bmj.com/"),
    AllowedSource("SU", "Surrey Drug and Alcohol Care: ketamine", "https://surreydrugandalcohol.com/"),
    AllowedSource("W111", "NHS 111 Wales: drug misuse", "https://111.wales.nhs.uk/"),
    AllowedSource("111", "North East Ambulance Service: NHS 111", "https://www.neas.nhs.uk/"),
    AllowedSource("SAM", "Samaritans: contact a Samaritan", "https://www.samaritans.org/"),
    AllowedSource("SHO", "Shout: FAQ", "https://giveusashout.org/"),
    AllowedSource("RC", "24/7 Sexual Abuse Support (Rape Crisis): FAQs",
                  "https://247sexualabusesupport.org.uk/"),
)


def _url_key(url: str) -> str:
    """Compare URLs ignoring scheme/host case and a trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    key = f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"
    if parts.query:
        key += "?" + parts.query
    return key


def _bare_host(host: str) -> str:
    host = host.lower().strip().rstrip(".")
    return host[4:] if host.startswith("www.") else host


ALLOWED_URLS: frozenset[str] = frozenset(s.url for s in ALLOWED_SOURCES if s.url)
_ALLOWED_URL_KEYS = {_url_key(u) for u in ALLOWED_URLS}
ALLOWED_DOMAINS: frozenset[str] = frozenset(_bare_host(urlsplit(u).netloc) for u in ALLOWED_URLS)


def normalise_number(text: str) -> str:
    """Digits only, with +44 (and a stray '(0)') turned into the UK leading 0."""
    text = text.strip()
    international = text.startswith("+") or text.startswith("00")
    text = text.replace("(0)", "")
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    if international and digits.startswith("44"):
        return "0" + digits[2:]
    if international:
        return "+" + digits
    return digits


def is_confirmed_number(text: str) -> bool:
    return normalise_number(text) in CONFIRMED_DIGITS


def confirmed_number(text: str) -> ConfirmedNumber | None:
    digits = normalise_number(text)
    return next((n for n in CONFIRMED_NUMBERS if n.digits == digits), None)


def unconfirmed_number(text: str) -> UnconfirmedNumber | None:
    digits = normalise_number(text)
    return next((n for n in UNCONFIRMED_NUMBERS if n.digits == digits), None)


def is_allowed_url(url: str) -> bool:
    """True for a listed http(s) URL, or for a bare domain ("talktofrank.com") of a listed source."""
    url = url.strip()
    if re.match(r"(?i)https?://", url):
        return _url_key(url) in _ALLOWED_URL_KEYS
    host, _, rest = url.partition("/")
    return not rest.strip("/") and _bare_host(host) in ALLOWED_DOMAINS


def source_ids_for_url(url: str) -> tuple[str, ...]:
    """The brief ids whose source lives at this URL (exact URL match)."""
    key = _url_key(url)
    return tuple(dict.fromkeys(s.source_id for s in ALLOWED_SOURCES if s.url and _url_key(s.url) == key))
