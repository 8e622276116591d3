"""The harm-information library: topic files, their checks, the accuracy guard, search and text."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketdir.harm import confirmed
from ketdir.harm.library import (
    NOT_BREATHING,
    REQUIRED_SECTIONS,
    TOPICS_DIR,
    URGENT_BANNER,
    Library,
    Topic,
    TopicError,
    audit_topic,
    find_phone_numbers,
    find_urls,
    load_library,
    load_topic,
    topic_as_text,
    topic_text_fields,
)
from ketdir.needs import load_need_types

REQUIRED_TOPICS = {
    "ketamine-bladder",
    "k-cramps",
    "ketamine-dependence",
    "mixing-overdose-k-hole",
    "ghb-gbl",
    "chemsex-consent-safety",
    "pep-prep-testing",
    "after-sexual-assault",
    "ketamine-mental-health",
    "accidents-staying-safe",
    # added for issue 15
    "injecting-slamming",
    "crystal-meth-mephedrone",
    "hiv-medicines-poppers",
    "drink-spiking",
    "naloxone",
    "emergency-contraception-pregnancy",
    "young-people-safeguarding",
    "domestic-abuse",
    "sexual-assault-evidence-sarcs",
    "rights-on-arrest-drug-law",
    "uk-nations-differences",
    "needle-exchange",
    "drug-checking",
    "peer-and-family-support",
}

#: The date the sources of the bundled topics were last checked (issue 15 review).
REVIEWED = date(2026, 12, 4)


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


@pytest.fixture(scope="module")
def need_codes() -> frozenset[str]:
    return frozenset(load_need_types().codes)


@pytest.fixture
def topic_copy(tmp_path: Path):
    """Write a changed copy of a real topic into tmp_path; returns its path."""

    def make(change, source: str = "ketamine-bladder.md", name: str | None = None) -> Path:
        text = (TOPICS_DIR / source).read_text(encoding="utf-8")
        new = change(text)
        assert new != text or change is _unchanged, "the change did not apply"
        path = tmp_path / (name or source)
        path.write_text(new, encoding="utf-8")
        return path

    return make


def _unchanged(text: str) -> str:
    return text


def _set_field(text: str, field: str, value: str) -> str:
    return re.sub(rf"(?m)^{field}:.*$", f"{field}: {value}", text, count=1)


def _drop_sources(text: str) -> str:
    return re.sub(r"(?m)^sources:\n(?:  .*\n)+", "", text, count=1)


# --------------------------------------------------------------------------- loading


def test_library_has_the_required_topics(library: Library) -> None:
    ids = {t.id for t in library.topics}
    assert REQUIRED_TOPICS <= ids
    assert len(library.topics) >= 25
    assert len(ids) == len(library.topics)


def test_every_topic_is_complete(library: Library, need_codes: frozenset[str]) -> None:
    for topic in library.topics:
        assert topic.id == topic.path.stem
        assert topic.title and topic.summary and topic.keywords
        assert 1 <= len(topic.summary.splitlines()) <= 2
        assert set(topic.needs) <= need_codes
        assert topic.sources and all(s.name for s in topic.sources)
        assert REVIEWED <= topic.reviewed <= date.today(), topic.id
        for heading in REQUIRED_SECTIONS:
            assert topic.section(heading).strip(), (topic.id, heading)


def test_load_topic_happy_path(topic_copy, need_codes) -> None:
    path = topic_copy(_unchanged)
    topic = load_topic(path, need_codes)
    assert isinstance(topic, Topic)
    assert topic.id == "ketamine-bladder"
    assert topic.title == "Ketamine and the bladder"
    assert topic.needs[0] == "bladder-urology"
    assert topic.urgent is False
    assert "wee" in topic.keywords
    assert topic.sources[0].url == "https://www.talktofrank.com/drug/ketamine"
    assert "check against talktofrank.com" in topic.sources[0].name
    assert topic.reviewed == REVIEWED
    assert topic.path == path
    assert "Blood in the pee" in topic.section("Warning signs")
    assert topic.section("## warning signs") == topic.section("Warning signs")
    assert topic.section("No such heading") == ""


def test_front_matter_forms(tmp_path: Path, need_codes) -> None:
    """Lists as '- item' lines or [a, b], quoted values, folded summary, comments."""
    path = tmp_path / "forms.md"
    path.write_text(
        "---\n"
        "# a comment\n"
        "id: forms\n"
        "title: 'Forms: a test'\n"
        "needs:\n  - advice\n  - harm-reduction\n"
        "summary: >\n  One line\n  folded.\n"
        "urgent: yes\n"
        "keywords: [\"a, b\", c]\n"
        "sources:\n"
        "  - name: Samaritans\n    url: https://www.samaritans.org/how-we-can-help/contact-samaritan/\n"
        "  - name: 'Shout: FAQ'\n    url: https://giveusashout.org/about-us/faq/\n"
        "reviewed: 2026-11-25\n"
        "---\n"
        + "".join(f"## {h}\n\nText for {h}; call 999. If someone is not breathing, the call handler talks "
                  "you through CPR.\n\n" for h in REQUIRED_SECTIONS),
        encoding="utf-8",
    )
    topic = load_topic(path, need_codes)
    assert topic.title == "Forms: a test"
    assert topic.needs == ("advice", "harm-reduction")
    assert topic.summary == "One line folded."
    assert topic.urgent is True
    assert topic.keywords == ("a, b", "c")
    assert [s.url for s in topic.sources] == ["https://www.samaritans.org/how-we-can-help/contact-samaritan/",
                                              "https://giveusashout.org/about-us/faq/"]
    assert topic.sources[1].name == "Shout: FAQ"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (_drop_sources, "sources", "missing"),
        (lambda t: re.sub(r"(?m)^title:.*\n", "", t), "title", "missing"),
        (lambda t: re.sub(r"(?m)^reviewed:.*\n", "", t), "reviewed", "missing"),
        (lambda t: _set_field(t, "title", '""'), "title", "empty"),
        (lambda t: _set_field(t, "needs", "[bladder-urology, drugs]"), "needs", "drugs"),
        (lambda t: _set_field(t, "reviewed", "soon"), "reviewed", "date"),
        (lambda t: _set_field(t, "urgent", "maybe"), "urgent", "true or false"),
        (lambda t: _set_field(t, "id", "Not A Slug"), "id", "slug"),
        (lambda t: t.replace("keywords:", "keywrods:"), "keywrods", "not a known field"),
        (lambda t: re.sub(r"(?m)^    url: .*\n", "", t), "sources", "has no url"),
        (lambda t: t.replace("url: https://patient.info/", "url: patient.info/"), "sources", "http(s)"),
        (lambda t: t.replace("url: https://patient.info/mens-health/prostate-and-urethra-problems/urinary-retention",
                             "url: https://patient.info/"), "sources", "home page"),
        (lambda t: t.replace("url: https://www.talktofrank.com/drug/ketamine", "url: https://www.talktofrank.com"),
         "sources", "home page"),
        (lambda t: _set_field(t, "reviewed", "2999-01-01"), "reviewed", "future"),
        (lambda t: _set_field(t, "urgent", "true"), "body", "not breathing"),
        (lambda t: t.replace("## What helps", "## What else"), "body", "## What helps"),
        (lambda t: t.replace("Leaking\n", "Leaking\n- Rape Crisis on 0808 500 2222\n"), "body", "0808 500 2222"),
        (lambda t: t.replace("Leaking\n", "Leaking\n- FRANK on 0800 77 66 00\n"), "body", "0800 77 66 00"),
        (lambda t: t.replace("Leaking\n", "Leaking\n- Sexual health line 0300 123 7123\n"), "body", "0300 123 7123"),
        (lambda t: t.replace("Leaking\n", "Leaking\n- Call +44 808 500 2222\n"), "body", "+44 808 500 2222"),
        (lambda t: t.replace("in a hurry.", "in a hurry; ring 0808 500 2222."), "summary", "0808 500 2222"),
        (lambda t: t.replace("keywords: [", "keywords: [0300 999 1212, "), "keywords", "0300 999 1212"),
    ],
)
def test_bad_topics_fail_naming_file_and_field(topic_copy, need_codes, change, field, words) -> None:
    path = topic_copy(change)
    with pytest.raises(TopicError) as info:
        load_topic(path, need_codes)
    message = str(info.value)
    assert str(path) in message or path.name in message
    assert f"field '{field}'" in message
    assert words in message


def test_no_source_at_all_fails(topic_copy, need_codes) -> None:
    path = topic_copy(lambda t: _drop_sources(t).replace("reviewed:", "sources: []\nreviewed:"))
    with pytest.raises(TopicError, match=r"ketamine-bladder\.md: field 'sources' is empty"):
        load_topic(path, need_codes)


def test_unconfirmed_number_error_says_where_and_what_to_do(topic_copy, need_codes) -> None:
    path = topic_copy(lambda t: t.replace("Leaking\n", "Leaking\n- Rape Crisis on 0808 500 2222\n"))
    with pytest.raises(TopicError) as info:
        load_topic(path, need_codes)
    message = str(info.value)
    assert "line " in message and "Rape Crisis" in message and "confirmed.py" in message


def test_unreadable_front_matter_is_a_clear_error(tmp_path: Path, need_codes) -> None:
    no_front = tmp_path / "plain.md"
    no_front.write_text("## Warning signs\n", encoding="utf-8")
    with pytest.raises(TopicError, match="plain.md: the front matter is missing"):
        load_topic(no_front, need_codes)
    unclosed = tmp_path / "unclosed.md"
    unclosed.write_text("---\nid: unclosed\n", encoding="utf-8")
    with pytest.raises(TopicError, match="unclosed.md: the front matter is not closed"):
        load_topic(unclosed, need_codes)
    garbled = tmp_path / "garbled.md"
    garbled.write_text("---\nthis is not a field\n---\n", encoding="utf-8")
    with pytest.raises(TopicError, match=r"garbled.md: line 2"):
        load_topic(garbled, need_codes)


def test_library_rejects_duplicate_ids(topic_copy, tmp_path: Path) -> None:
    topic_copy(_unchanged)
    topic_copy(_unchanged, name="copy.md")
    with pytest.raises(TopicError, match="field 'id'"):
        load_library(tmp_path)


def test_library_from_directory_and_cache(topic_copy, tmp_path: Path) -> None:
    topic_copy(_unchanged)
    small = load_library(tmp_path)
    assert [t.id for t in small.topics] == ["ketamine-bladder"]
    assert load_library() is load_library()
    assert small.get("ketamine-bladder") is small.topics[0]
    assert small.get("nope") is None


# --------------------------------------------------------------------------- coverage


def test_every_need_type_has_a_topic(library: Library) -> None:
    for need in load_need_types().all:
        assert library.for_needs([need.code]), f"no harm topic for need type {need.code}"


def test_for_needs_puts_the_most_specific_first(library: Library) -> None:
    assert library.for_needs(["bladder-urology"])[0].id == "ketamine-bladder"
    assert library.for_needs(["chemsex"])[0].id == "chemsex-consent-safety"
    assert library.for_needs(["sexual-violence"])[0].id == "after-sexual-assault"
    assert library.for_needs(["urgent-care"])[0].id == "mixing-overdose-k-hole"
    both = library.for_needs(["sexual-health", "chemsex"])
    assert both[0].id == "pep-prep-testing"
    assert "chemsex-consent-safety" in [t.id for t in both[:3]]
    assert library.for_needs([]) == []
    assert library.for_needs(["not-a-need"]) == []


def test_peer_support_advice_and_harm_reduction_have_topics_of_their_own(library: Library) -> None:
    """Issue 15: each of these need types leads with a topic about it alone."""
    assert library.for_needs(["peer-support"])[0].id == "peer-and-family-support"
    assert library.for_needs(["advice"])[0].id == "rights-on-arrest-drug-law"
    top = {t.id for t in library.for_needs(["harm-reduction"])[:3]}
    assert top == {"needle-exchange", "drug-checking", "naloxone"}
    for topic_id in ("peer-and-family-support", "rights-on-arrest-drug-law", "needle-exchange", "drug-checking",
                     "naloxone"):
        assert len(library.get(topic_id).needs) == 1, topic_id


# --------------------------------------------------------------------------- accuracy guard


def _all_content(topic: Topic) -> dict[str, str]:
    return topic_text_fields(topic)


def test_every_phone_number_in_the_topics_is_confirmed(library: Library) -> None:
    seen: set[str] = set()
    for topic in library.topics:
        for field, text in _all_content(topic).items():
            for number in find_phone_numbers(text):
                digits = confirmed.normalise_number(number)
                assert digits in confirmed.CONFIRMED_DIGITS, f"{topic.id} {field}: {number}"
                seen.add(digits)
    # The guard is only meaningful if it actually sees the numbers the topics give out.
    assert {"03001236600", "82111", "116123", "85258", "08009995428", "08088021221", "08001111",
            "999", "111", "101", "08082000247", "08000684141", "0800585858", "02032996900", "08088005000",
            "08088010800", "08000271234", "08088021414", "08088010302"} <= seen


def test_every_url_in_the_topics_is_an_allowed_source(library: Library) -> None:
    for topic in library.topics:
        assert audit_topic(topic) == [], topic.id
        for source in topic.sources:
            if source.url:
                assert source.url in confirmed.ALLOWED_URLS, f"{topic.id}: {source.url}"
        for field, text in _all_content(topic).items():
            for url in find_urls(text):
                assert confirmed.is_allowed_url(url), f"{topic.id} {field}: {url}"


def test_no_unconfirmed_number_appears_anywhere_in_the_topic_files() -> None:
    for number in confirmed.UNCONFIRMED_NUMBERS:
        digits = number.digits[1:]  # also catch +44 forms
        pattern = re.compile(r"[\s\-()]*".join(digits))
        for path in TOPICS_DIR.glob("*.md"):
            text = path.read_text(encoding="utf-8")
            assert not pattern.search(text), f"{path.name} contains {number.display}"


def test_confirmed_lists_name_their_sources() -> None:
    for number in confirmed.CONFIRMED_NUMBERS:
        assert number.digits.isdigit() and number.source_ids
        assert confirmed.normalise_number(number.display) == number.digits
    assert not confirmed.CONFIRMED_DIGITS & confirmed.UNCONFIRMED_DIGITS
    ids = [s.source_id for s in confirmed.ALLOWED_SOURCES]
    assert len(ids) == len(set(ids)), "each source id names one page"
    assert {"F1", "F2", "F3", "F4", "S1", "LF1", "N1", "SAM", "SHO", "RC", "111", "NHSD", "SJA"} <= set(ids)
    for number in confirmed.CONFIRMED_NUMBERS:
        assert set(number.source_ids) <= set(ids), number
    for source in confirmed.ALLOWED_SOURCES:
        assert source.url.startswith(("https://", "http://")) and confirmed.is_deep_link(source.url), source
    assert confirmed.is_allowed_url("https://www.talktofrank.com/drug/ketamine/")
    assert confirmed.is_allowed_url("talktofrank.com")
    assert not confirmed.is_allowed_url("https://www.talktofrank.com/made/up/page")
    assert not confirmed.is_allowed_url("https://example.org/")
    assert confirmed.source_ids_for_url("https://www.talktofrank.com/drug/ghb") == ("F2",)


def test_frank_2018_sources_are_marked_for_checking(library: Library) -> None:
    for topic in library.topics:
        for source in topic.sources:
            if re.search(r"talktofrank\.com/(drug|get-help)/|talktofrank\.com/$", source.url):
                assert "check against talktofrank.com" in source.name, (topic.id, source.name)


def test_rape_crisis_is_named_without_a_number(library: Library) -> None:
    topic = library.get("after-sexual-assault")
    services = topic.section("Which services help")
    line = next(line for line in services.splitlines() if "Rape Crisis" in line)
    assert "website" in line and not find_phone_numbers(line)


def test_g_topic_never_advises_stopping_daily_use_abruptly(library: Library) -> None:
    topic = library.get("ghb-gbl")
    text = " ".join(topic_as_text(topic).split()).lower()
    assert "must not stop suddenly" in text and "gradually" in text
    for other in library.topics:
        flat = " ".join(other.body.split()).lower()
        assert "stop g suddenly" not in flat and "stop using g straight away" not in flat


def test_urgent_topics(library: Library) -> None:
    urgent = {t.id for t in library.topics if t.urgent}
    assert {"mixing-overdose-k-hole", "ghb-gbl", "accidents-staying-safe", "after-sexual-assault",
            "ketamine-mental-health", "chemsex-consent-safety", "naloxone", "drink-spiking",
            "injecting-slamming", "sexual-assault-evidence-sarcs"} <= urgent
    assert {"pep-prep-testing", "ketamine-bladder"}.isdisjoint(urgent)
    assert "999" in URGENT_BANNER and "recovery position" in URGENT_BANNER
    assert all(confirmed.is_confirmed_number(n) for n in find_phone_numbers(URGENT_BANNER))


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def test_not_breathing_means_999_and_cpr_in_the_banner_and_every_urgent_topic(library: Library) -> None:
    assert NOT_BREATHING in URGENT_BANNER
    assert "not breathing" in NOT_BREATHING and "999" in NOT_BREATHING and "CPR" in NOT_BREATHING
    assert "call handler" in NOT_BREATHING
    for topic in library.topics:
        if not topic.urgent:
            continue
        urgent = _flat(topic.section("Get help urgently"))
        assert "not breathing" in urgent and "999" in urgent and "cpr" in urgent, topic.id
        assert "call handler will talk you through cpr" in urgent, topic.id
        # The banner heads the topic wherever it is shown as text (CLI, clipboard, slip).
        text = _flat(topic_as_text(topic))
        assert text.index(_flat("URGENT: " + URGENT_BANNER)) < text.index(_flat(topic.summary)[:40]), topic.id
        # Both CPR sources are cited, so the instruction is traceable.
        urls = {s.url for s in topic.sources}
        assert {"https://digital.nhs.uk/blog/transformation-blog/2020/from-the-frontline-good-systems-save-lives",
                "https://www.sja.org.uk/get-advice/first-aid-advice/unresponsive-casualty/how-to-do-cpr-on-an-adult/"
                } <= urls, topic.id


def test_every_source_is_a_deep_link_to_an_allowed_page(library: Library) -> None:
    for topic in library.topics:
        assert topic.sources, topic.id
        for source in topic.sources:
            assert source.url, (topic.id, source.name)
            assert confirmed.is_deep_link(source.url), (topic.id, source.url)
            assert source.url in confirmed.ALLOWED_URLS, (topic.id, source.url)
    for home in ("https://www.samaritans.org/", "https://www.talktofrank.com", "https://galop.org.uk",
                 "http://www.nhs.uk/index.html", "talktofrank.com", "", "ftp://x.org/file"):
        assert not confirmed.is_deep_link(home), home
    assert confirmed.is_deep_link("https://londonfriend.org.uk/?p=1639")
    assert confirmed.is_deep_link("https://www.talktofrank.com/drug/ketamine")


def test_every_topic_has_a_real_review_date(library: Library) -> None:
    for topic in library.topics:
        assert isinstance(topic.reviewed, date) and topic.reviewed <= date.today(), topic.id
        assert topic.reviewed_text.startswith("Reviewed ") and str(topic.reviewed.year) in topic.reviewed_text
        assert topic_as_text(topic).rstrip().endswith(topic.reviewed_text)


def test_content_sources_doc_covers_every_topic_and_source(library: Library) -> None:
    doc = (TOPICS_DIR.parents[2] / "docs" / "content-sources.md").read_text(encoding="utf-8")
    for topic in library.topics:
        assert f"`{topic.id}`" in doc, topic.id
    for source in confirmed.ALLOWED_SOURCES:
        assert source.url in doc, source.source_id


# --------------------------------------------------------------------------- issue 15 corrections


def test_childline_is_for_anyone_under_19(library: Library) -> None:
    for topic in library.topics:
        for line in topic.body.splitlines():
            if "Childline" in line or "0800 1111" in line:
                assert "under 16" not in line.lower() and "under-16" not in line.lower(), (topic.id, line)
    assert "under 19" in confirmed.confirmed_number("0800 1111").service


def test_havens_and_sarcs(library: Library) -> None:
    topic = library.get("after-sexual-assault")
    text = _flat(topic.body + " " + topic.summary)
    assert "within about 7 days" in text
    assert "past 12 months" not in text
    assert "don't have to talk to the police" in text or "don't have to report" in text
    assert "48 sarcs" in text
    assert "sexual-assault-evidence-sarcs" in {t.id for t in library.topics}
    evidence = _flat(library.get("sexual-assault-evidence-sarcs").body)
    assert "don't have to talk to the police" in evidence
    assert "wash" in evidence and "you can still go" in evidence


def test_g_topic_covers_every_depressant_withdrawal_and_dosing(library: Library) -> None:
    text = _flat(topic_as_text(library.get("ghb-gbl")))
    for word in ("alcohol", "ketamine", "benzodiazepines", "opioids", "sleeping pills"):
        assert word in text, word
    assert "withdrawal can start within hours" in text
    assert "confused" in text and "seeing or hearing things" in text and "call 999 or go to a&e" in text
    assert "millilitres" in text and ("syringe" in text and "pipette" in text)
    assert "gbl is stronger than ghb" in text
    assert "note the time" in text and "at least two hours" in text


def test_cannot_pee_is_an_emergency(library: Library) -> None:
    urgent = _flat(library.get("ketamine-bladder").section("Get help urgently"))
    assert "can't pee at all" in urgent and "a&e" in urgent and "999" in urgent
    services = _flat(library.get("ketamine-bladder").section("Which services help"))
    assert "going to the gp earlier is better" not in services


def test_softened_claims_and_dropped_citations(library: Library) -> None:
    dependence = _flat(library.get("ketamine-dependence").body)
    assert "frank says ketamine doesn't cause physical withdrawal" not in dependence
    assert "shaking" in dependence
    for topic in library.topics:
        body = _flat(topic.body)
        assert "not to enforce drug laws" not in body, topic.id
        assert "ibuprofen may irritate the bladder" not in body, topic.id
        names = " ".join(s.name for s in topic.sources)
        assert "Anderson" not in names and "Western Journal" not in names, topic.id
    cramps = library.get("k-cramps")
    assert "Clinical Practice and Cases in Emergency Medicine" in " ".join(s.name for s in cramps.sources)
    assert "never take more than the packet says" in _flat(cramps.body)
    police = _flat(library.get("police-law-help").body)
    assert "don't usually come" in police and "may attend in some cases" in police


def test_111_is_given_per_nation(library: Library) -> None:
    nations = _flat(library.get("uk-nations-differences").body)
    assert "nhs 111 wales" in nations and "nhs 24 on 111" in nations
    assert "northern ireland: there is no 111 service" in nations and "gp out-of-hours" in nations
    mental = _flat(library.get("ketamine-mental-health").section("Get help urgently"))
    assert "choose the mental health option" in mental and "option 2" not in mental
    assert "nhs 24" in mental and "northern ireland" in mental


# --------------------------------------------------------------------------- phone and URL finders


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call FRANK on 0300 123 6600 or text 82111.", ["0300 123 6600", "82111"]),
        ("Samaritans (116 123) and Shout (text SHOUT to 85258)", ["116 123", "85258"]),
        ("Call 999, NHS 111 or the police on 101.", ["999", "111", "101"]),
        ("Childline 0800 1111", ["0800 1111"]),
        ("+44 808 500 2222", ["+44 808 500 2222"]),
        ("0808-500-2222", ["0808-500-2222"]),
        ("ring 123 4567", ["123 4567"]),
        ("within 72 hours, 28-day course, 24/7, 2pm to 6pm, 8.6%, 82%, 16 or over", []),
        ("since October 2020; reviewed 2026-11-25 at 14:00", []),
        ("about 9 in every 100 people; 56 Dean Street", []),
        ("see https://westjem.com/?p=22279 or email help@galop.org.uk", []),
    ],
)
def test_find_phone_numbers(text: str, expected: list[str]) -> None:
    assert find_phone_numbers(text) == expected


def test_find_urls() -> None:
    text = ("Read https://www.talktofrank.com/drug/ketamine, then (www.example.org/x). "
            "Check against talktofrank.com. Email help@galop.org.uk, e.g. today.")
    assert find_urls(text) == ["https://www.talktofrank.com/drug/ketamine", "www.example.org/x",
                               "talktofrank.com"]


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("ket cramps", "k-cramps"),
        ("K-cramps", "k-cramps"),
        ("G", "ghb-gbl"),
        ("gbl", "ghb-gbl"),
        ("wee", "ketamine-bladder"),
        ("blood in pee", "ketamine-bladder"),
        ("ket bladder", "ketamine-bladder"),
        ("k hole", "mixing-overdose-k-hole"),
        ("k-hole", "mixing-overdose-k-hole"),
        ("pep", "pep-prep-testing"),
        ("PrEP", "pep-prep-testing"),
        ("chems", "chemsex-consent-safety"),
        ("raped", "after-sexual-assault"),
        ("suicidal", "ketamine-mental-health"),
        ("drowning", "accidents-staying-safe"),
        ("cutting down", "ketamine-dependence"),
        ("arrested", "rights-on-arrest-drug-law"),
        ("scared to call ambulance police", "police-law-help"),
        ("slamming", "injecting-slamming"),
        ("tina", "crystal-meth-mephedrone"),
        ("meph", "crystal-meth-mephedrone"),
        ("ritonavir", "hiv-medicines-poppers"),
        ("poppers viagra", "hiv-medicines-poppers"),
        ("spiked", "drink-spiking"),
        ("naloxone", "naloxone"),
        ("morning after pill", "emergency-contraception-pregnancy"),
        ("childline", "young-people-safeguarding"),
        ("domestic abuse", "domestic-abuse"),
        ("sarc evidence", "sexual-assault-evidence-sarcs"),
        ("northern ireland", "uk-nations-differences"),
        ("needle exchange", "needle-exchange"),
        ("wedinos", "drug-checking"),
        ("peer support", "peer-and-family-support"),
        ("bladdr", "ketamine-bladder"),
    ],
)
def test_search_understands_slang(library: Library, query: str, first: str) -> None:
    results = library.search(query)
    assert results and results[0].id == first, [t.id for t in results]


def test_search_ranks_title_above_keywords_above_summary_above_body(tmp_path: Path, need_codes) -> None:
    def write(name: str, title: str, keywords: str, summary: str, body: str) -> None:
        (tmp_path / f"{name}.md").write_text(
            f"---\nid: {name}\ntitle: {title}\nneeds: [advice]\nsummary: {summary}\nurgent: false\n"
            f"keywords: [{keywords}]\nsources:\n  - name: Samaritans\n"
            "    url: https://www.samaritans.org/how-we-can-help/contact-samaritan/\n"
            "reviewed: 2026-11-25\n---\n"
            + "".join(f"## {h}\n\n{body}\n\n" for h in REQUIRED_SECTIONS),
            encoding="utf-8",
        )

    write("in-body", "Alpha", "one", "Nothing here.", "The word zebra is in the body.")
    write("in-summary", "Beta", "two", "A zebra summary.", "Plain body.")
    write("in-keywords", "Gamma", "zebra", "Nothing here.", "Plain body.")
    write("in-title", "Zebra crossings", "three", "Nothing here.", "Plain body.")
    lib = load_library(tmp_path, need_codes)
    assert [t.id for t in lib.search("zebra")] == ["in-title", "in-keywords", "in-summary", "in-body"]
    assert [t.id for t in lib.search("zebras crossing")][:1] == ["in-title"]


@pytest.mark.parametrize(
    "query",
    ['"NEAR(*', "NEAR(", "*", '"', "'; DROP TABLE topic; --", "a AND OR NOT", "k*", "(((", "\\", "%_",
     "\x00", "\u202e", "😀 ket", "ＫＥＴ", "é" * 5000, " ", "", "- - -", "[a-z]+", "$^", "ket" * 2000],
)
def test_search_never_raises(library: Library, query: str) -> None:
    results = library.search(query)
    assert isinstance(results, list)


def test_search_odd_inputs(library: Library) -> None:
    assert library.search("") == []
    assert library.search("   ") == []
    assert library.search(None) == []  # type: ignore[arg-type]
    assert library.search("ＫＥＴ ｃｒａｍｐｓ")[0].id == "k-cramps"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_search_never_raises_on_any_text(text: str) -> None:
    assert isinstance(load_library().search(text), list)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_finders_never_raise(text: str) -> None:
    assert isinstance(find_phone_numbers(text), list)
    assert isinstance(find_urls(text), list)


_FRONT_LINES = st.sampled_from([
    "id: x", "id: [a, b]", "title: T", "title:", "needs: [advice]", "needs:", "  - advice", "  - name: n",
    "    url: https://www.samaritans.org/", "    url: ftp://x", "summary: |", "  line", "urgent: true",
    "urgent: [x]", "keywords: [k]", "keywords: [", "sources:", "reviewed: 2026-11-25", "reviewed: [2026]",
    "- stray", "  indented", "\tid: tab", "# comment", "", ": nothing", "sources: [a]", "sources: x",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRONT_LINES, max_size=14), st.text(max_size=40))
def test_load_topic_only_ever_raises_topic_error(lines: list[str], body: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.md"
        path.write_text("---\n" + "\n".join(lines) + "\n---\n" + body, encoding="utf-8")
        try:
            load_topic(path, frozenset(load_need_types().codes))
        except TopicError as exc:
            assert "x.md" in str(exc)


# --------------------------------------------------------------------------- plain text


def test_topic_as_text(library: Library) -> None:
    topic = library.get("ketamine-bladder")
    text = topic_as_text(topic)
    assert text.startswith("Ketamine and the bladder\n")
    flat = " ".join(text.split())
    for line in topic.summary.splitlines():
        assert line in flat
    assert "Warning signs" in text and "Which services help" in text
    for source in topic.sources:
        assert " ".join(source.name.split()) in flat
        assert source.url in text
    assert text.rstrip().endswith("Reviewed 4 December 2026")
    assert "**" not in text and "##" not in text
    assert URGENT_BANNER.split(".")[0] not in flat  # not an urgent topic


def test_topic_as_text_urgent_banner_and_width(library: Library) -> None:
    topic = library.get("mixing-overdose-k-hole")
    for width in (40, 80, 100):
        text = topic_as_text(topic, width=width)
        flat = " ".join(text.split())
        assert " ".join(URGENT_BANNER.split()) in flat
        assert flat.index("Call 999 now") < flat.index(topic.summary.splitlines()[0][:30])
        for line in text.splitlines():
            assert len(line) <= width or "://" in line, line
