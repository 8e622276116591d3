"""Search that understands a caller (issue 14), on SQLite and PostgreSQL: emergencies first, a person's own words
never come back empty, nation-aware national lines, harm topics led by the drug and situation words."""
import datetime as dt

import pytest

from ketdir.search import Query, search
from tests.caller_directory import CALLER_RECORDS
from tests.factories import build

AT = dt.datetime(2026, 12, 1, 14, 0)  # a Tuesday afternoon


@pytest.fixture(scope="module")
def session(directory_url):  # once on SQLite, once on the PostgreSQL test server
    directory = build(directory_url, CALLER_RECORDS)
    with directory.session() as s:
        yield s
    directory.close()


def ask(session, text, near=None, **kw):
    return search(session, Query(text=text, near=near, at=AT, **kw))


def needs_in(hits, n=5):
    return {code for hit in hits[:n] for code in hit.needs}


# ------------------------------------------------------------------ emergencies first

def test_friend_wont_wake_after_g_and_k_is_an_emergency_with_999_first(session):
    res = ask(session, "friend wont wake up after g and k", near="Manchester")
    assert res.emergency is not None
    assert [s.id for s in res.emergency.situations] == ["not-waking"]
    steps = " ".join(res.emergency.what_to_do)
    assert res.emergency.what_to_do[0].startswith("Call 999 now")
    assert "recovery position" in steps and "CPR" in steps and "G, ketamine" in steps
    assert res.national[0].name == "Emergency services (999)"
    assert res.national[1].name == "NHS 111"  # the urgent-care lines next
    assert res.local[0].name == "Manchester Royal Emergency Department"
    assert res.harm_topics[0] == "mixing-overdose-k-hole"  # G + ketamine: the mixing and overdose topic
    emergency_reading = next(r for r in res.readings if r.kind == "emergency")
    assert emergency_reading.term == "wont wake" and emergency_reading.need == "urgent-care"
    assert not any(r.term == "friend" for r in res.readings)  # not "peer support"


def test_cant_wake_him_is_read_as_an_emergency_not_as_can(session):
    res = ask(session, "cant wake him")
    assert res.emergency is not None
    assert not any(r.kind == "spelling" for r in res.readings)
    assert res.local and "urgent-care" in res.local[0].needs
    assert res.national[0].phone == "999"


def test_undoing_the_emergency_reading_takes_the_emergency_away(session):
    res = ask(session, "cant wake him", ignore_readings=frozenset({"cant wake"}))
    assert res.emergency is None
    assert not res.national or res.national[0].phone != "999"


def test_an_ordinary_search_is_no_emergency_and_999_is_not_pushed_first(session):
    res = ask(session, "hiv exposure last night", near="Manchester")
    assert res.emergency is None
    phones = [h.phone for h in res.national]
    assert phones and phones[0] != "999"
    assert "999" not in phones or phones[-1] == "999"


# ------------------------------------------------------------------ a person's words never come back empty

@pytest.mark.parametrize("text,near,need", [
    ("burning when i wee", "Manchester", "bladder-urology"),
    ("hiv exposure last night", "Manchester", "sexual-health"),
    ("drink spiked", "Manchester", "sexual-violence"),
    ("sore bladder", "Manchester", "bladder-urology"),
    ("ket daily blood peeing belly pain", "LS6", "bladder-urology"),
    ("ket daily", "LS6", "drug-treatment"),
    ("ket daily", None, "drug-treatment"),
    ("GUM", "Manchester", "sexual-health"),
    ("clap", None, "sexual-health"),
    ("the drip", None, "sexual-health"),
])
def test_caller_words_find_the_need(session, text, near, need):
    res = ask(session, text, near=near)
    assert res.local, text
    assert need in needs_in(res.local), (text, [h.name for h in res.local[:5]])


def test_relaxed_results_rank_by_how_much_they_match_and_say_which_words(session):
    res = ask(session, "ket daily blood peeing belly pain", near="LS6")
    assert res.relaxed and "some of them" in res.message
    first = res.local[0]
    assert first.name == "Leeds Urology Department"  # ketamine + blood + bladder, more than the others
    assert {"ket", "blood", "peeing"} <= set(first.matched)
    assert "daily" not in first.matched  # filler words only rank
    assert all(h.matched for h in res.local)
    assert not any("daily" in reason for reason in first.why)  # why it matched names only the words that did


def test_a_need_reading_applies_when_the_other_words_match_nothing(session):
    res = ask(session, "zqxv peeing", near="Manchester")
    assert res.local[0].name == "Manchester Ketamine Bladder Clinic"
    assert res.local[0].matched == ("peeing",)


def test_filler_words_only_rank(session):
    res = ask(session, "sexual health really bad", near="Manchester")
    assert {h.name for h in res.local[:2]} >= {"Manchester Sexual Health Centre"}
    assert "sexual-health" in needs_in(res.local, 2)


def test_gum_finds_sexual_health_services_without_gum_in_their_name(session):
    res = ask(session, "GUM", near="Manchester")
    assert "Manchester Sexual Health Centre" in [h.name for h in res.local]


# ------------------------------------------------------------------ national lines by nation, need and urgency

def national_names(res):
    return [h.name for h in res.national]


def test_no_nhs_111_in_northern_ireland_and_what_to_call_instead(session):
    res = ask(session, "urgent medical advice", near="Belfast")
    names = national_names(res)
    assert "NHS 111" not in names
    assert any("GP out of hours" in note and "NHS 111" in note for note in res.coverage_notes)
    assert "Scotland Abuse Line" not in national_names(ask(session, "abuse", near="Belfast"))
    assert "Northern Ireland Abuse Line" in national_names(ask(session, "abuse", near="Belfast"))


def test_lines_for_scotland_and_england(session):
    glasgow = national_names(ask(session, "abuse", near="Glasgow"))
    assert "Scotland Abuse Line" in glasgow and "Northern Ireland Abuse Line" not in glasgow
    assert "NHS 111" in national_names(ask(session, "urgent", near="Glasgow"))
    manchester = national_names(ask(session, "abuse", near="Manchester"))
    assert "Scotland Abuse Line" not in manchester and "Northern Ireland Abuse Line" not in manchester


def test_without_a_place_every_line_shows(session):
    res = ask(session, "")
    assert {"NHS 111", "Scotland Abuse Line", "Northern Ireland Abuse Line"} <= set(national_names(res))
    assert res.coverage_notes == []


def test_national_lines_follow_the_need_types_of_the_words(session):
    res = ask(session, "feeling suicidal")
    assert "Samaritans" in national_names(res)
    assert all("mental-health" in h.needs for h in res.national)
    res = ask(session, "suicidal and a drinking problem")  # two need types: the lines serving them, none other
    assert {"Samaritans", "FRANK"} <= set(national_names(res))
    assert all({"mental-health", "drug-treatment"} & set(h.needs) for h in res.national)


def test_emergency_in_northern_ireland_has_999_and_no_111(session):
    res = ask(session, "shes not breathing", near="Belfast")
    assert res.emergency is not None
    assert res.national[0].phone == "999" and "NHS 111" not in national_names(res)
    assert res.local[0].name == "Belfast Emergency Department"


# ------------------------------------------------------------------ harm topics follow the words

@pytest.mark.parametrize("text,topic", [
    ("friend wont wake up after g and k", "mixing-overdose-k-hole"),
    ("hes gone under on g, cant wake him", "ghb-gbl"),
    ("think my drink was spiked, feel really dizzy", "drink-spiking"),
    ("cant pee at all, using ket every day", "ketamine-bladder"),
    ("ket bladder", "ketamine-bladder"),
])
def test_the_first_harm_topic_follows_the_drug_and_situation_words(session, text, topic):
    assert ask(session, text).harm_topics[0] == topic


def test_many_lines_for_another_nation_do_not_crowd_out_the_ones_for_this_place(db_url):
    """Sixty Scotland-only lines match as well as the two UK-wide ones: near Manchester, search reads past them."""
    from tests.factories import record

    records = [record(f"Scottish Helpline {i}", needs=["mental-health"], national=True, nations=["Scotland"],
                      description="Helpline for Scotland.", phone=f"0800 027 {i:04d}") for i in range(60)]
    records += [record("UK Helpline A", needs=["mental-health"], national=True, description="Helpline.",
                       phone="0800 111 0001"),
                record("UK Helpline B", needs=["mental-health"], national=True, description="Helpline.",
                       phone="0800 111 0002")]
    directory = build(db_url, records)
    try:
        with directory.session() as s:
            res = search(s, Query(text="helpline", near="Manchester", at=AT))
            assert [h.name for h in res.national] == ["UK Helpline A", "UK Helpline B"]
            glasgow = search(s, Query(text="helpline", near="Glasgow", at=AT))
            assert len(glasgow.national) == 15  # all of them cover Scotland: a full group
    finally:
        directory.close()
