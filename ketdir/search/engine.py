"""search(session, Query) -> Results: the one search used by the window, the CLI and the benchmarks."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import text
from sqlalchemy.orm import Session

from ketdir import hours as hours_mod
from ketdir.freshness import is_stale
from ketdir.geo import Gazetteer, Place, default_gazetteer
from ketdir.needs import need_types
from ketdir.search import national as national_lines
from ketdir.search import relaxed
from ketdir.search.cache import IndexCache, index_cache
from ketdir.search.emergency import recognise
from ketdir.search.harm_lead import lead_topics
from ketdir.search.retrieve import Candidate, Filters, Found, retriever_for, tag_group
from ketdir.search.synonyms import Synonym, synonyms
from ketdir.search.tokens import words
from ketdir.search.text_query import TextPlan, plan_text
from ketdir.search.types import Hit, OpenState, Query, Results
from ketdir.store.search_index import search_index

NATIONAL_LIMIT = 15  # national lines shown in their own group
NATIONAL_READ_MORE = 4  # near a place, lines for other nations left too few: read this many times more
FEW = 3  # fewer results than this: try the spelling fallback, and add those matching part of the words


def now_london() -> dt.datetime:
    return dt.datetime.now(hours_mod.LONDON)


def _local_time(at: dt.datetime | None) -> dt.datetime:
    return now_london() if at is None else hours_mod.in_london(at)  # clock changes read as hours.py does


def search(session: Session, query: Query, *, gazetteer: Gazetteer | None = None) -> Results:
    at = _local_time(query.at)
    results = Results(query=query)
    place, search_local = _resolve_place(query, results, gazetteer)
    results.place = place
    cache = index_cache(session)
    needs = need_types()
    results.emergency = _emergency(query)
    found = _emergency_readings(results.emergency, query.text)
    plan = plan_text(query.text, synonyms(), needs, query.ignore_readings, found=found)
    if query.text.strip() and plan.empty:
        results.message = "Your search has no letters or numbers in it, so every service is shown."
    retriever = retriever_for(session, _filters(query, cache, at, session.connection()), cache.rings, cache.reads)
    lines = cache.national_lines(session) if query.include_national else {}
    nation = national_lines.nation_of(place)
    outside = cache.lines_outside(session, nation) if lines else frozenset()  # lines not covering the nation

    expanded: dict[tuple, list] = {}  # groups -> with long prefixes read as words (one lookup per search)

    def expand(groups: list) -> list:
        key = tuple(id(g) for g in groups)
        if key not in expanded:
            expanded[key] = retriever.index.expand_prefixes(session.connection(), groups, cache.words_beginning)
        return expanded[key]

    def find_local(groups: list, mode: str, limit: int) -> Found:
        if not search_local:
            return Found()
        groups = expand(groups)
        if place is not None:
            return retriever.near(groups, mode, place, query.radius_miles, limit)
        if groups:
            return retriever.ranked(groups, mode, False, limit)
        return retriever.browse(False, limit)

    def find_national(groups: list, mode: str, limit: int = NATIONAL_LIMIT) -> Found:
        if not query.include_national:
            return Found()
        groups = expand(groups)
        found = retriever.ranked(groups, mode, True, limit) if groups else retriever.browse(True, limit)
        if outside and limit == NATIONAL_LIMIT:
            # Too few left once the lines for other nations are out, and there may be more: read further.
            kept = sum(1 for c in found.candidates if c.rowid not in outside)
            more = not found.exact if groups else len(found.candidates) >= limit
            if kept < NATIONAL_LIMIT and more:
                return find_national(groups, mode, NATIONAL_LIMIT * NATIONAL_READ_MORE)
        return found

    # Filler words ("daily", "friend", "last night") are not needed to match: they say little about the service.
    typing = _word_being_typed(query.text)
    key = relaxed.searched_by(plan.groups, typing)
    local, national = find_local(key, "all", query.limit), find_national(key, "all")
    if plan.groups and local.total + national.total < FEW:
        corrected = _with_spelling(session, cache, plan, query, found)
        if corrected is not None:
            c_key = relaxed.searched_by(corrected.groups, typing)
            c_local, c_national = find_local(c_key, "all", query.limit), find_national(c_key, "all")
            # A corrected word is one the index did not know, so as typed it matched nothing: keep the correction
            # even when both find nothing yet (the relaxed tier below then has the right word to go on).
            if c_local.total + c_national.total >= local.total + national.total:
                local, national, plan, key = c_local, c_national, corrected, c_key
                results.used_fuzzy = True
    count_groups, count_mode = key, "all"
    coverage: dict[int, relaxed.Coverage] = {}  # row -> the words it matches, when not every word had to
    if len(plan.groups) > 1:
        scorer = relaxed.CoverageScorer(expand(plan.groups), query.text)
        left_out = [g.typed for g in plan.groups if g not in key and g.typed != typing]
        if len(key) < len(plan.groups):
            for candidate in (*local.candidates, *national.candidates):
                coverage[candidate.rowid] = scorer.matching(key)
            results.relaxed = bool(local.candidates)
            if left_out:  # (a word still being typed is not worth a notice)
                results.message = (f"{_quoted(left_out)} left out of the search (small words like these say "
                                   "little about the service); each result says which words it matches.")
        if len(key) > 1 and search_local and local.total < FEW:
            # The relaxed tier: too few match every word, so add those that match part of them, most of it first.
            matched_all = local.total
            local = _relaxed(session, local, key, scorer, coverage,
                             lambda groups, mode: find_local(groups, mode, query.limit), near=place is not None)
            count_mode = "any"
            if len(local.candidates) > matched_all:
                results.relaxed = True
                results.message = ("Few services matched every word, so those matching some of them follow "
                                   "(each says which)." if matched_all else
                                   "No service matched every word, so these match some of them (each says which).")
        if len(key) > 1 and query.include_national and not national.candidates:
            national = _relaxed(session, national, key, scorer, coverage, find_national, near=False)
    if results.emergency is not None and query.include_national:
        # The emergency lines (999 first) whatever the words matched.
        urgent = retriever.ranked([tag_group(needs.get("urgent-care").token)], "all", True, NATIONAL_LIMIT)
        seen = {c.rowid for c in national.candidates}
        national = Found(national.candidates + [c for c in urgent.candidates if c.rowid not in seen])
    if outside:
        left = [c for c in national.candidates if c.rowid in outside]
        if left:
            results.coverage_notes = national_lines.notes_for((lines[c.rowid] for c in left), nation)
            national = Found([c for c in national.candidates if c.rowid not in outside])
    results.readings = plan.readings
    results.total_local = local.total
    results.total_is_estimate = not local.exact
    results.total_is_minimum = local.minimum
    if query.with_counts and search_local:
        results.need_counts, results.need_counts_at_least = retriever.need_counts(
            expand(count_groups), count_mode, place, query.radius_miles)
    hits = _hits(session, cache, local.candidates[: query.limit] + national.candidates[:NATIONAL_LIMIT], plan, at,
                 coverage)
    results.local = [h for h in hits if not h.is_national]
    wanted = set(query.needs) | {code for r in plan.readings for code in (r.needs or ((r.need,) if r.need else ()))}
    results.national = national_lines.order([h for h in hits if h.is_national], wanted,
                                            results.emergency is not None)[:NATIONAL_LIMIT]
    results.harm_topics = lead_topics(query.text, results.emergency)
    return results


def _relaxed(session, first: Found, key: list, scorer: relaxed.CoverageScorer, coverage: dict, find,
             near: bool) -> Found:
    """The candidates that match every word (first), then those matching any of them, ranked by how much of the
    query they match, then by distance (near a place) or relevance. Fills `coverage` (row -> Coverage)."""
    extra = find(key, "any")
    found, seen, unknown = [], set(), []
    for candidate in (*first.candidates, *extra.candidates):
        if candidate.rowid in seen:
            continue
        seen.add(candidate.rowid)
        found.append(candidate)
        if candidate.rowid not in coverage:
            unknown.append(candidate.rowid)
    for candidate in first.candidates:  # found by matching all of them: no need to read their text
        coverage.setdefault(candidate.rowid, scorer.matching(key))
    coverage.update(relaxed.coverage_of(session, [r for r in unknown if r not in coverage], scorer))

    def order(c: Candidate):
        cover = coverage.get(c.rowid) or relaxed.Coverage(0.0, ())
        # Filler words break ties, but never beat distance: "after" in a description is no reason to go further.
        if near and c.distance is not None:
            return (-cover.score, c.distance, -cover.filler, c.rowid)
        return (-cover.score, -cover.filler, c.rank, c.rowid)

    found.sort(key=order)
    return Found(found, max(first.total, extra.total, len(found)), exact=extra.exact, minimum=extra.minimum)


def _word_being_typed(text: str) -> str | None:
    """The last word, while the person may still be typing it (no space or punctuation after it yet)."""
    typed = words(text, limit=None)
    return typed[-1] if typed and text[-1:].isalnum() else None


def _quoted(terms: list[str]) -> str:
    """"“daily”", "“daily” and “friend”", "“a”, “b” and “c”"."""
    quoted = [f"“{t}”" for t in dict.fromkeys(terms)]
    return quoted[0] + " was" if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1] + " were"


def _emergency(query: Query):
    """The emergency the words describe, unless the person undid that reading."""
    emergency = recognise(query.text) if query.text.strip() else None
    if emergency is None:
        return None
    tokens = words(query.text, limit=None)
    spans = [" ".join(tokens[s:e]) for s, e in emergency.spans]
    if spans and all(span in query.ignore_readings for span in spans):
        return None
    return emergency


def _emergency_readings(emergency, text: str) -> dict[int, Synonym]:
    """The words that showed an emergency as one reading each ("wont wake" → Emergency: can't be woken), pointing
    to urgent care; by the position of their first word (ketdir.search.text_query.plan_text)."""
    if emergency is None:
        return {}
    tokens = words(text, limit=None)
    vocabulary = synonyms()
    found = {}
    for situation, (start, end) in zip(emergency.situations, emergency.spans):
        # The need types of the words inside ("chest pains": physical health too) follow urgent care.
        inside = [vocabulary.match_at(tokens, i) for i in range(start, end)]
        needs = ("urgent-care", *(code for i, syn in zip(range(start, end), inside)
                                  if syn is not None and i + len(syn.term) <= end for code in syn.needs))
        if start not in found:
            # Services are found through the need type alone: the word "emergency" in a description ("in an
            # emergency call 999") says nothing about what a service does.
            found[start] = Synonym(term=tuple(tokens[start:end]), expands_to=(), needs=tuple(dict.fromkeys(needs)),
                                   kind="emergency", meaning=f"Emergency: {situation.label}")
    return found


def _resolve_place(query: Query, results: Results, gazetteer: Gazetteer | None) -> tuple[Place | None, bool]:
    """The place to search near, and whether to search local services at all."""
    if isinstance(query.near, Place):
        return query.near, True
    near = (query.near or "").strip()
    if not near:
        return None, True
    resolution = (gazetteer or default_gazetteer()).resolve(near)
    if resolution.place is not None:
        return resolution.place, True
    if resolution.choices:
        results.place_choices = list(resolution.choices)
        results.place_message = f"“{near}” could be more than one place. Choose one."
    else:
        results.place_message = resolution.message or f"We couldn't find “{near}”. Try a postcode or a town."
        results.place_suggestions = list(resolution.suggestions)
    return None, False


def _filters(query: Query, cache: IndexCache, at: dt.datetime, conn) -> Filters:
    """Conditions that tags cannot express (age, language, open now) as SQL on ketdir_search_doc d."""
    where: list[str] = []
    params: dict = {}
    if query.age is not None:
        where.append("(d.minimum_age IS NULL OR d.minimum_age <= :age) AND (d.maximum_age IS NULL OR d.maximum_age >= :age)")
        params["age"] = query.age
    if query.language:
        where.append("(' ' || d.languages || ' ') LIKE :lang")
        params["lang"] = f"% {query.language.lower().strip()} %"
    if query.open_now:
        minute = at.replace(second=0, microsecond=0)
        condition, more = search_index(conn).id_set(conn, "hours_pattern_id", (cache.generation, minute),
                                     cache.open_pattern_ids(at) or [-1])
        where.append(condition)
        params.update(more)
    return Filters(" AND ".join(where) or "1=1", params, frozenset(query.needs), query.free_only,
                   with_total=query.with_total)


def _with_spelling(session: Session, cache: IndexCache, plan: TextPlan, query: Query,
                   found: dict[int, Synonym]) -> TextPlan | None:
    vocabulary = cache.vocabulary(session)
    corrections = {}
    fillers = relaxed.filler_words()
    for group in plan.groups:
        if group.prefixes == [group.typed] and not group.phrases and group.typed not in fillers:
            # A caller's words first ("depresed" → depressed), then the words services use ("bladdr" → bladder);
            # neither for the start of a word the index holds (typing on).
            fixed = synonyms().correct(group.typed)
            if fixed and vocabulary.has_prefix(group.typed):
                fixed = None
            fixed = fixed or vocabulary.correct(group.typed)
            if fixed:
                corrections[group.typed] = fixed
    if not corrections:
        return None
    return plan_text(query.text, synonyms(), need_types(), query.ignore_readings, corrections, found)


def _hits(session, cache: IndexCache, candidates: list[Candidate], plan: TextPlan, at,
          coverage: dict[int, relaxed.Coverage]) -> list[Hit]:
    if not candidates:
        return []
    by_rowid = {c.rowid: c for c in candidates}
    in_ids, ids = search_index(session.get_bind()).id_list("d.rowid", "ids", by_rowid)
    rows = session.execute(
        text(
            "SELECT d.rowid, d.service_id, d.name, d.organization, d.need_mask, d.is_national, d.is_demo, "
            "d.hours_pattern_id, s.assured_date, "
            "EXISTS (SELECT 1 FROM phone p WHERE p.service_id = s.id AND p.verified = FALSE), "
            "(SELECT p.number FROM phone p WHERE p.service_id = s.id ORDER BY p.verified DESC, CASE WHEN p.type = 'voice' THEN 0 ELSE 1 END, p.id LIMIT 1) "
            "FROM ketdir_search_doc d JOIN service s ON s.id = d.service_id "
            f"WHERE {in_ids}"
        ),
        {"ids": ids},
    ).all()
    needs = need_types()
    why = _Why(plan)
    found = {}
    for rowid, sid, name, org, mask, national, demo, pattern_id, assured, unverified, phone in rows:
        cand = by_rowid[rowid]
        assured_date = _as_date(assured)
        open_state = cache.open_state(pattern_id, at)
        codes = needs.codes_in(mask)
        found[rowid] = Hit(
            service_id=sid,
            name=name,
            organization=org,
            needs=codes,
            is_national=bool(national),
            is_demo=bool(demo),
            distance_miles=cand.distance,
            open_state=open_state,
            assured_date=assured_date,
            is_stale=is_stale(assured_date, at.date()),
            has_unverified_phone=bool(unverified),
            phone=phone,
            why=why(name, org, codes, cand, open_state, coverage.get(rowid)),
            score=-cand.rank,
            matched=coverage[rowid].matched if rowid in coverage else (),
        )
    return [found[c.rowid] for c in candidates if c.rowid in found]


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


class _Why:
    """Why a service matched, in words ("Bladder & urology service", "name matches “ket”", "2.1 miles away",
    "open now"); what depends only on the search is worked out once."""

    def __init__(self, plan: TextPlan) -> None:
        needs = need_types()
        self.groups = []
        for group in plan.groups:
            tokens = {p[0] for p in group.phrases if len(p) == 1}
            need_codes = [n.code for n in needs.all if n.token in tokens]  # need types this group stands for
            words = [group.typed, *(" ".join(p) for p in group.phrases)]
            self.groups.append((group.typed, need_codes, words))
        self.label = needs.label

    def __call__(self, name: str, org: str, codes: tuple[str, ...], cand: Candidate, open_state,
                 cover: relaxed.Coverage | None = None) -> tuple[str, ...]:
        reasons = []
        lowered = f"{name} {org}".lower()
        for typed, need_codes, words in self.groups:
            if cover is not None and typed not in cover.matched:  # not every word matched: only those that did
                continue
            need = next((c for c in codes if c in need_codes), None)
            if need is not None:
                reasons.append(f"{self.label(need)} service")
            elif any(re.search(rf"\b{re.escape(w)}", lowered) for w in words):
                reasons.append(f"name matches “{typed}”")
            else:
                reasons.append(f"description mentions “{typed}”")
        if cand.distance is not None:
            reasons.append(f"{cand.distance:.1f} miles away")
        if open_state.is_open:
            reasons.append("open now")
        return tuple(dict.fromkeys(reasons))
