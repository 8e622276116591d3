"""search(session, Query) -> Results: the one search used by the window, the CLI and the benchmarks."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from ketdir import hours as hours_mod
from ketdir.freshness import is_stale
from ketdir.geo import Gazetteer, Place, default_gazetteer
from ketdir.needs import need_types
from ketdir.search.cache import IndexCache, index_cache
from ketdir.search.retrieve import Candidate, Filters, Found, retriever_for
from ketdir.search.synonyms import synonyms
from ketdir.search.text_query import TextPlan, plan_text
from ketdir.search.types import Hit, OpenState, Query, Results
from ketdir.store.search_index import search_index

NATIONAL_LIMIT = 15  # national lines shown in their own group
FEW = 3  # fewer results than this: try the spelling fallback


def now_london() -> dt.datetime:
    return dt.datetime.now(hours_mod.LONDON)


def _local_time(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return now_london()
    if at.tzinfo is None:
        return at.replace(tzinfo=hours_mod.LONDON)
    return at.astimezone(hours_mod.LONDON)


def search(session: Session, query: Query, *, gazetteer: Gazetteer | None = None) -> Results:
    at = _local_time(query.at)
    results = Results(query=query)
    place, search_local = _resolve_place(query, results, gazetteer)
    results.place = place
    cache = index_cache(session)
    needs = need_types()
    plan = plan_text(query.text, synonyms(), needs, query.ignore_readings)
    if query.text.strip() and plan.empty:
        results.message = "Your search has no letters or numbers in it, so every service is shown."
    retriever = retriever_for(session, _filters(query, cache, at, session.connection()), cache.rings, cache.reads)

    expanded: dict[int, list] = {}  # plan groups -> with long prefixes read as words (one lookup per search)

    def expand(groups: list) -> list:
        if id(groups) not in expanded:
            expanded[id(groups)] = retriever.index.expand_prefixes(session.connection(), groups, cache.words_beginning)
        return expanded[id(groups)]

    def run(groups: list, mode: str) -> tuple[Found, Found]:
        groups = expand(groups)
        local = Found()
        if search_local:
            if place is not None:
                local = retriever.near(groups, mode, place, query.radius_miles, query.limit)
            elif groups:
                local = retriever.ranked(groups, mode, False, query.limit)
            else:
                local = retriever.browse(False, query.limit)
        national = Found()
        if query.include_national:
            if groups:
                national = retriever.ranked(groups, mode, True, NATIONAL_LIMIT)
                if not national.candidates and mode == "all" and len(groups) > 1:
                    # A national line that covers part of the need ("ket" in "ket bladder") is still worth showing.
                    national = retriever.ranked(groups, "any", True, NATIONAL_LIMIT)
            else:
                national = retriever.browse(True, NATIONAL_LIMIT)
        return local, national

    local, national = run(plan.groups, "all")
    mode = "all"
    if plan.groups and local.total + national.total < FEW:
        corrected = _with_spelling(session, cache, plan, query)
        if corrected is not None:
            c_local, c_national = run(corrected.groups, "all")
            if c_local.total + c_national.total > local.total + national.total:
                local, national, plan = c_local, c_national, corrected
                results.used_fuzzy = True
        if local.total + national.total == 0 and len(plan.groups) > 1:
            local, national = run(plan.groups, "any")
            mode = "any"
            if local.total + national.total:
                results.message = "No service matched every word, so these match some of them."
    results.readings = plan.readings
    results.total_local = local.total
    results.total_is_estimate = not local.exact
    results.total_is_minimum = local.minimum
    if query.with_counts and search_local:
        results.need_counts, results.need_counts_at_least = retriever.need_counts(
            expand(plan.groups), mode, place, query.radius_miles)
    hits = _hits(session, cache, local.candidates[: query.limit] + national.candidates[:NATIONAL_LIMIT], plan, at)
    results.local = [h for h in hits if not h.is_national]
    results.national = [h for h in hits if h.is_national]
    return results


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


def _with_spelling(session: Session, cache: IndexCache, plan: TextPlan, query: Query) -> TextPlan | None:
    vocabulary = cache.vocabulary(session)
    corrections = {}
    for group in plan.groups:
        if group.prefixes == [group.typed] and not group.phrases:
            fixed = vocabulary.correct(group.typed)
            if fixed:
                corrections[group.typed] = fixed
    if not corrections:
        return None
    return plan_text(query.text, synonyms(), need_types(), query.ignore_readings, corrections)


def _hits(session, cache: IndexCache, candidates: list[Candidate], plan: TextPlan, at) -> list[Hit]:
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
            why=why(name, org, codes, cand, open_state),
            score=-cand.rank,
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

    def __call__(self, name: str, org: str, codes: tuple[str, ...], cand: Candidate, open_state) -> tuple[str, ...]:
        reasons = []
        lowered = f"{name} {org}".lower()
        for typed, need_codes, words in self.groups:
            need = next((c for c in codes if c in need_codes), None)
            if need is not None:
                reasons.append(f"{self.label(need)} service")
            elif any(w in lowered for w in words):
                reasons.append(f"name matches “{typed}”")
            else:
                reasons.append(f"description mentions “{typed}”")
        if cand.distance is not None:
            reasons.append(f"{cand.distance:.1f} miles away")
        if open_state.is_open:
            reasons.append("open now")
        return tuple(dict.fromkeys(reasons))
