"""Emergencies in a caller's own words (ketdir.search.emergency, data/emergency.json): every situation of issue 14,
in any word order, with typos, missing apostrophes and in the third person; and ordinary phrases that only
look alike, which must never raise the alarm."""
import json

import pytest

from ketdir.paths import data_dir
from ketdir.search.emergency import SignsError, Signs, load_signs, recognise

# (words as typed, the situation that must be recognised)
EMERGENCIES = [
    # not waking / unconscious / unresponsive
    ("friend wont wake up after g and k", "not-waking"),
    ("after g and k my friend won't wake up", "not-waking"),
    ("cant wake him", "not-waking"),
    ("can't wake her up", "not-waking"),
    ("my mate isnt waking up", "not-waking"),
    ("he is not responding", "not-waking"),
    ("she's unconcious", "not-waking"),
    ("hes unconscious on the floor", "not-waking"),
    ("boyfriend unresponsive after chems", "not-waking"),
    ("we cant get him to wake up", "not-waking"),
    ("passed out and we cant rouse her", "not-waking"),
    ("wont wake up", "not-waking"),
    # not breathing / breathing strangely
    ("not breathing", "not-breathing"),
    ("hes not breathing properly", "not-breathing"),
    ("she isn't breathing", "not-breathing"),
    ("breathing funny after g", "not-breathing"),
    ("his breathing is really slow and shallow", "not-breathing"),
    ("weird snoring breathing cant wake", "not-breathing"),
    ("lips going blue", "not-breathing"),
    ("his lips are blue", "not-breathing"),
    ("struggling to breathe after mcat", "not-breathing"),
    ("brething strange after k", "not-breathing"),
    ("choking on sick", "not-breathing"),
    # fitting / seizure
    ("my friend is fitting", "fitting"),
    ("shes having a fit", "fitting"),
    ("mate having fits after g", "fitting"),
    ("he's had a seizure", "fitting"),
    ("siezure after gbl", "fitting"),
    ("convulsing on the floor", "fitting"),
    # overdose / gone under / G'd out
    ("overdosed on g", "overdose"),
    ("i think hes overdosed", "overdose"),
    ("my mate has gone under", "overdose"),
    ("hes G'd out", "overdose"),
    ("she's gd out on the sofa", "overdose"),
    ("think he took too much g", "overdose"),
    ("he might have overdosed", "overdose"),
    ("friend od on ket", "overdose"),
    ("overdose right now what do i do", "overdose"),
    # collapsed
    ("collapsed in the toilets", "collapsed"),
    ("my mate just collapsed", "collapsed"),
    ("she colapsed at the party", "collapsed"),
    # chest pain
    ("chest pain after coke", "chest-pain"),
    ("hes got chest pains after tina", "chest-pain"),
    ("pain in his chest after meph", "chest-pain"),
    ("tight chest and heart racing", "chest-pain"),
    # can't pee at all
    ("cant pee at all", "cant-pee"),
    ("can't wee at all and bladder is full", "cant-pee"),
    ("havent peed for 12 hours", "cant-pee"),
    ("he cant piss anything out", "cant-pee"),
    ("nothing comes out when i try to pee", "cant-pee"),
    # suicidal with a plan or the means
    ("he has pills and wants to die", "suicidal-plan"),
    ("says hes going to kill himself tonight", "suicidal-plan"),
    ("suicidal and has a rope", "suicidal-plan"),
    ("shes on the bridge and wants to end it", "suicidal-plan"),
    ("suicidle, saved up tablets", "suicidal-plan"),
    # attacked or assaulted now
    ("someone is attacking me", "attacked-now"),
    ("being attacked right now", "attacked-now"),
    ("hes hitting her", "attacked-now"),
    ("my partner is beating me up now", "attacked-now"),
    ("someone trying to get in the flat", "attacked-now"),
    ("mate got stabbed", "attacked-now"),
    # spiked and unwell
    ("think my drink was spiked, feel really dizzy", "spiked-unwell"),
    ("friend got spiked and is being sick", "spiked-unwell"),
    ("shes been drugged and cant stand", "spiked-unwell"),
    ("spiked at the club, now confused and cant walk", "spiked-unwell"),
]

# Ordinary phrases that only look like an emergency: no banner, ever.
NEAR_MISSES = [
    "wake up early clinic",
    "wont stop using ket",
    "cant stop using ket",
    "i cant wake up in the mornings since using ket",
    "clinic open when i wake up",
    "overdose awareness training",
    "naloxone kit for overdose",
    "what to do if someone overdoses",
    "worried he might overdose",
    "overdosed last year, want counselling",
    "bereaved by overdose support group",
    "signs of overdose leaflet",
    "suicidal thoughts counselling",
    "suicide prevention training",
    "bereaved by suicide",
    "suicidal last year, need talking therapy now",
    "safety plan for suicidal thoughts",
    "breathing exercises for anxiety",
    "anxiety makes it hard to breathe",
    "cant pee properly",
    "cant pee properly for weeks ket bladder",
    "peeing blood",
    "fit and healthy",
    "keep fit classes",
    "fitting in at recovery groups",
    "epilepsy seizure medication review",
    "had a seizure years ago",
    "collapsed last year after g",
    "chest infection",
    "chest binder advice",
    "rapid access chest pain clinic referral",
    "sexual assault last year",
    "assaulted last month, want to report",
    "sexual assault support now",
    "spiked last week want to report it",
    "drink spiking awareness",
    "spiked drink test kit",
    "my bladder is hurting me",
    "k hole",
    "cant move in a k hole",
    "cant sleep on comedown",
    "dont want to be here anymore",
    "ket daily blood peeing belly pain",
    "hiv exposure last night",
    "burning when i wee",
    "lost my job cant pay rent",
    "cant get an appointment",
    "hitting the gym",
    "kicking off with his mum",
    "g withdrawal",
    "want to stop g",
    "chems sex party",
    "woke up somewhere after chems",
    "blacked out last night",
    "GUM clinic",
    "sexual health clinic near me",
]


@pytest.mark.parametrize("text,situation", EMERGENCIES)
def test_emergencies_are_recognised(text, situation):
    emergency = recognise(text)
    assert emergency is not None, text
    assert situation in [s.id for s in emergency.situations], (text, emergency.labels)


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_not_emergencies(text):
    emergency = recognise(text)
    assert emergency is None, (text, emergency and emergency.labels)


def test_every_situation_is_covered_by_the_phrases_above():
    situations = {rule.situation.id for rule in load_signs().rules}
    assert situations == {situation for _, situation in EMERGENCIES}


def test_what_to_do_for_someone_who_cannot_be_woken():
    emergency = recognise("friend wont wake up after g and k")
    steps = emergency.what_to_do
    assert steps[0] == "Call 999 now and ask for an ambulance."
    assert any("recovery position" in s and "breathing" in s for s in steps)
    assert any("not breathing" in s and "CPR" in s for s in steps)
    assert steps[-1] == "Tell the ambulance crew what they have taken (you typed: G, ketamine)."
    assert emergency.taken == ("G", "ketamine")
    assert emergency.headline == "Emergency: call 999 now (can't be woken)"


@pytest.mark.parametrize("text,first_step", [
    ("someone is attacking me", "Call 999 now and ask for the police"),
    ("cant pee at all", "Call 999 or go to A&E now"),
    ("he has pills and wants to die", "Call 999 now if they are in immediate danger"),
    ("chest pain after coke", "Call 999 now and ask for an ambulance: chest pain"),
])
def test_each_kind_of_emergency_says_what_to_do(text, first_step):
    assert recognise(text).what_to_do[0].startswith(first_step)


def test_spans_point_at_the_words_as_search_splits_them():
    from ketdir.search.tokens import words

    text = "after g and k my friend won't wake up"
    (start, end), = recognise(text).spans
    assert words(text)[start:end] == ["wont", "wake"]


def test_harm_topics_follow_what_was_taken_and_what_happened():
    assert recognise("friend wont wake up after g and k").topics[0] == "mixing-overdose-k-hole"
    assert recognise("hes collapsed after g").topics[0] == "ghb-gbl"
    assert recognise("spiked, feel really dizzy after ket").topics[0] == "drink-spiking"
    assert recognise("cant pee at all").topics[0] == "ketamine-bladder"


def test_every_topic_named_by_the_signs_exists():
    from ketdir.harm.library import load_library

    signs = load_signs()
    library = load_library()
    named = {rule.situation.topic for rule in signs.rules} | {t for _, _, t in signs.drugs if t} | {signs.mixing_topic}
    assert all(library.get(topic) is not None for topic in named), named


def test_a_pattern_naming_an_unknown_class_is_refused(tmp_path):
    data = json.loads((data_dir() / "emergency.json").read_text(encoding="utf-8"))
    data["situations"][0]["patterns"].append("NEG SNOOZE")
    with pytest.raises(SignsError, match="SNOOZE"):
        Signs(data)
