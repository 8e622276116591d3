"""search(session, Query) -> Results: the one search used by the window, the CLI and the benchmarks."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from ketdir import hours as hours_mod
from ketdir.geo import Gazetteer, Place, default_gazetteer, distance_miles, bounding_box
from ketdir.needs import need_types
from ketdir.search.cache import IndexCache, index_cache
from ketdir.search.synonyms import synonyms
from ketdir.search.text_query import TextPlan, plan_text
from ketdir.search.types import Hit, OpenState, Query, Results
from ketdir.store import fts

STALE_AFTER = dt.timedelta(days=365)
NATIONAL_LIMIT = 40
FEW = 3  # fewer results than this: try the spelling fallback


@dataclass
class _Candidate:
    rowid: int
    need_mask: int
    latitude: float | None
    longitude: float | None
    rank: float
    distance: float | None = None


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
    where, params = _filters(query, cache, at)
    need_mask = needs.mask(query.needs)

    def run(match: fts.Match | None, plan: TextPlan) -> tuple[list[_Candidate], list[_Candidate], int, dict[str, int]]:
        local: list[_Candidate] = []
        total = 0
        counts: dict[str, int] = {}
        if search_local:
            local, total, counts = _local(session, match, where, params, need_mask, place, query)
        national: list[_Candidate] = []
        if query.include_national:
            national = _national(session, match, where, params, need_mask)
            if not national and match and len(plan.groups) > 1:
                # A national line that covers part of the need ("ket" in "ket bladder") is still worth showing.
                national = _national(session, fts.Match(plan.groups, "any"), where, params, need_mask)
        return local, national, total, counts

    match = fts.Match(plan.groups, "all") if not plan.empty else None
    local, national, total, counts = run(match, plan)
    if match and total + len(national) < FEW:
        corrected = _with_spelling(session, cache, plan, query)
        if corrected is not None:
            c_local, c_national, c_total, c_counts = run(fts.Match(corrected.groups, "all"), corrected)
            if c_total + len(c_national) > total + len(national):
                local, national, total, counts, plan = c_local, c_national, c_total, c_counts, corrected
                results.used_fuzzy = True
        if total + len(national) == 0 and len(plan.groups) > 1:
            local, national, total, counts = run(fts.Match(plan.groups, "any"), plan)
            if total + len(national):
                results.message = "No service matched every word, so these match some of them."
    results.readings = plan.readings
    results.total_local = total
    results.need_counts = counts if query.with_counts else {}
    hits = _hits(session, cache, [c for c in local[: query.limit]] + national, plan, place, at)
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


def _filters(query: Query, cache: IndexCache, at: dt.datetime) -> tuple[str, dict]:
    """SQL conditions on ketdir_search_doc d (without the need filter, which counts must not see)."""
    where: list[str] = []
    params: dict = {}
    if query.age is not None:
        where.append("(d.minimum_age IS NULL OR d.minimum_age <= :age) AND (d.maximum_age IS NULL OR d.maximum_age >= :age)")
        params["age"] = query.age
    if query.free_only:
        where.append("d.is_free = TRUE")
    if query.language:
        where.append("(' ' || d.languages || ' ') LIKE :lang")
        params["lang"] = f"% {query.language.lower().strip()} %"
    if query.open_now:
        where.append("d.hours_pattern_id IN :open_ids")
        params["open_ids"] = cache.open_pattern_ids(at) or [-1]
    return (" AND ".join(where) or "1=1"), params


def _source(session: Session, match: fts.Match | None) -> tuple[str, str, dict]:
    """FROM/WHERE, rank expression (lower is better) and parameters for the text part of a query."""
    if match:
        return fts.match_source(session.get_bind().dialect.name, match)
    return "FROM ketdir_search_doc d WHERE 1=1", "0", {}


EXPANDING = ("open_ids", "ids")  # list parameters: "IN :ids"


def _sql(statement: str):
    names = [name for name in EXPANDING if f":{name}" in statement]
    return text(statement).bindparams(*(bindparam(name, expanding=True) for name in names))


def _local(session, match, where, params, need_mask, place, query) -> tuple[list[_Candidate], int, dict[str, int]]:
    source, rank, extra = _source(session, match)
    params = {**params, **extra}
    if place is None:
        need_sql = " AND (d.need_mask & :need_mask) != 0" if need_mask else ""
        order = "rank" if match else "d.name"
        rows = session.execute(
            _sql(
                f"SELECT d.rowid, d.need_mask, d.latitude, d.longitude, {rank} AS rank {source} "
                f"AND d.is_national = FALSE AND {where}{need_sql} ORDER BY {order} LIMIT :limit"
            ),
            {**params, "need_mask": need_mask, "limit": query.limit},
        ).all()
        candidates = [_Candidate(*row) for row in rows]
        total = len(candidates)
        counts: dict[str, int] = {}
        if total >= query.limit or query.with_counts:
            masks = session.execute(
                _sql(f"SELECT d.need_mask, count(*) {source} AND d.is_national = FALSE AND {where} GROUP BY d.need_mask"),
                params,
            ).all()
            counts = _count_needs(masks)
            total = sum(n for mask, n in masks if not need_mask or mask & need_mask)
        return candidates, total, counts

    box = ""
    if query.radius_miles is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(place.latitude, place.longitude, query.radius_miles)
        box = " AND d.latitude BETWEEN :min_lat AND :max_lat AND d.longitude BETWEEN :min_lon AND :max_lon"
        params.update(min_lat=min_lat, max_lat=max_lat, min_lon=min_lon, max_lon=max_lon)
    rows = session.execute(
        _sql(
            f"SELECT d.rowid, d.need_mask, d.latitude, d.longitude, {rank} AS rank {source} "
            f"AND d.is_national = FALSE AND d.latitude IS NOT NULL AND {where}{box}"
        ),
        params,
    ).all()
    near: list[_Candidate] = []
    for row in rows:
        cand = _Candidate(*row)
        cand.distance = distance_miles(place.latitude, place.longitude, cand.latitude, cand.longitude)
        if query.radius_miles is None or cand.distance <= query.radius_miles:
            near.append(cand)
    counts = _count_needs([(c.need_mask, 1) for c in near]) if query.with_counts else {}
    if need_mask:
        near = [c for c in near if c.need_mask & need_mask]
    best = min((c.rank for c in near), default=0.0)
    # Strong matches (at least half as relevant as the best) nearest first, then the weaker ones.
    near.sort(key=lambda c: (c.rank > best * 0.5 if best < 0 else False, c.distance))
    return near, len(near), counts


def _national(session, match, where, params, need_mask) -> list[_Candidate]:
    source, rank, extra = _source(session, match)
    need_sql = " AND (d.need_mask & :need_mask) != 0" if need_mask else ""
    rows = session.execute(
        _sql(
            f"SELECT d.rowid, d.need_mask, d.latitude, d.longitude, {rank} AS rank {source} "
            f"AND d.is_national = TRUE AND {where}{need_sql} ORDER BY {'rank' if match else 'd.name'} LIMIT :limit"
        ),
        {**params, **extra, "need_mask": need_mask, "limit": NATIONAL_LIMIT},
    ).all()
    return [_Candidate(*row) for row in rows]


def _count_needs(mask_counts) -> dict[str, int]:
    counts = {}
    for need in need_types().all:
        bit = 1 << need.bit
        counts[need.code] = sum(n for mask, n in mask_counts if mask & bit)
    return counts


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


def _hits(session, cache: IndexCache, candidates: list[_Candidate], plan: TextPlan, place, at) -> list[Hit]:
    if not candidates:
        return []
    by_rowid = {c.rowid: c for c in candidates}
    rows = session.execute(
        _sql(
            "SELECT d.rowid, d.service_id, d.name, d.organization, d.need_mask, d.is_national, d.is_demo, "
            "d.hours_pattern_id, s.assured_date, "
            "EXISTS (SELECT 1 FROM phone p WHERE p.service_id = s.id AND p.verified = FALSE), "
            "(SELECT p.number FROM phone p WHERE p.service_id = s.id ORDER BY p.verified DESC, CASE WHEN p.type = 'voice' THEN 0 ELSE 1 END, p.id LIMIT 1) "
            "FROM ketdir_search_doc d JOIN service s ON s.id = d.service_id "
            "WHERE d.rowid IN :ids"
        ),
        {"ids": list(by_rowid)},
    ).all()
    needs = need_types()
    found = {}
    for rowid, sid, name, org, mask, national, demo, pattern_id, assured, unverified, phone in rows:
        cand = by_rowid[rowid]
        assured_date = _as_date(assured)
        open_state = _open_state(cache.hours(pattern_id), at)
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
            is_stale=assured_date is None or assured_date < (at.date() - STALE_AFTER),
            has_unverified_phone=bool(unverified),
            phone=phone,
            why=_why(plan, name, org, codes, cand, open_state),
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


def _open_state(hours: hours_mod.Hours | None, at: dt.datetime) -> OpenState:
    if hours is None:
        return OpenState(is_open=False, text="Hours not known", known=False)
    st = hours_mod.status(hours, at)
    return OpenState(is_open=st.is_open, text=st.text, known=st.known)


def _why(plan: TextPlan, name: str, org: str, codes: tuple[str, ...], cand: _Candidate, open_state) -> tuple[str, ...]:
    needs = need_types()
    reasons = []
    lowered = f"{name} {org}".lower()
    for group in plan.groups:
        need_codes = [c for c in codes if any(p == (needs.get(c).token,) for p in group.phrases)]
        if need_codes:
            reasons.append(f"{needs.label(need_codes[0])} service")
        elif any(w in lowered for w in [group.typed, *(" ".join(p) for p in group.phrases)]):
            reasons.append(f"name matches “{group.typed}”")
        else:
            reasons.append(f"description mentions “{group.typed}”")
    if cand.distance is not None:
        reasons.append(f"{cand.distance:.1f} miles away")
    if open_state.is_open:
        reasons.append("open now")
    return tuple(dict.fromkeys(reasons))
