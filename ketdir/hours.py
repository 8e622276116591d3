"""Opening hours: open now, next change, the week's hours, UK bank holidays.

No Qt. Everything is local wall-clock time in Europe/London: a service that
opens at 09:00 opens at 09:00 GMT in winter and 09:00 BST in summer.

Model
-----
* ``WeeklyRule``: one session on one weekday (``closes <= opens`` runs past
  midnight; ``00:00–00:00`` is all day). A rule may be limited to a date
  range (seasonal hours); the range applies to the day the session *starts*.
* ``DateRule``: exceptions. On the dates it covers it replaces the weekly
  hours; no intervals means closed. Overlapping date rules are combined.
* Bank holidays (per nation, from the ``holidays`` package): with
  ``bank_holidays="closed"`` no weekly session *starts* on a holiday (a
  session that began the evening before still runs to its end); a date
  rule covering the holiday still applies. Services open 24 hours every day
  ignore bank holidays.
* Weekly rows are a union, as in HSDS: every schedule row adds sessions.

A session belongs to the day it starts on; an overnight session spills into
the next morning. ``open_at`` is the hot path (called for thousands of
services per keystroke): the per-weekday sessions are precomputed once per
distinct ``Hours`` value (``_compile`` is an LRU cache; ``Hours`` is frozen
and hashable).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import holidays as _holidays_pkg

__all__ = [
    "LONDON",
    "NATIONS",
    "in_london",
    "skipped_or_repeated",
    "Interval",
    "WeeklyRule",
    "DateRule",
    "Hours",
    "Status",
    "DayHours",
    "from_schedules",
    "parse_problems",
    "open_at",
    "status",
    "next_change",
    "week",
    "bank_holiday",
    "encode",
    "decode",
    "parse_time",
]

LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc
NATIONS = ("ENG", "WLS", "SCT", "NIR")
BANK_HOLIDAY_POLICIES = ("closed", "open")
SEARCH_DAYS = 14  # how far status()/next_change() look ahead

_DAY = 86_400
_MIDNIGHT = time(0, 0)
_ALMOST_MIDNIGHT = 23 * 3600 + 59 * 60  # a closing time of 23:59 means midnight
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- value types


def _hm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


@dataclass(frozen=True)
class Interval:
    """One opening session in local time.

    ``closes <= opens`` means it runs past midnight into the next day;
    ``opens == closes == 00:00`` means all day (24 hours).
    """

    opens: time
    closes: time

    def __post_init__(self) -> None:
        for name in ("opens", "closes"):
            t = getattr(self, name)
            if not isinstance(t, time):
                raise TypeError(f"Interval.{name} must be a datetime.time, not {type(t).__name__}")
            if t.microsecond or t.tzinfo is not None:
                object.__setattr__(self, name, t.replace(microsecond=0, tzinfo=None))

    @property
    def all_day(self) -> bool:
        a, b = _span(self)
        return a == 0 and b >= _DAY

    @property
    def overnight(self) -> bool:
        """True if the session runs past midnight (but not an all-day session)."""
        return self.closes <= self.opens and not self.all_day and self.closes != _MIDNIGHT

    def text(self) -> str:
        if self.all_day:
            return "Open 24 hours"
        closes = "midnight" if _span(self)[1] == _DAY else _hm(self.closes)
        label = f"{_hm(self.opens)}–{closes}"
        return f"{label} (overnight)" if self.overnight else label


@dataclass(frozen=True)
class WeeklyRule:
    """A session on a weekday (0 = Monday), optionally only between two dates (inclusive)."""

    weekday: int
    interval: Interval
    valid_from: date | None = None
    valid_to: date | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.weekday, int) and 0 <= self.weekday <= 6):
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday!r}")
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise ValueError(f"valid_from {self.valid_from} is after valid_to {self.valid_to}")

    @property
    def seasonal(self) -> bool:
        return self.valid_from is not None or self.valid_to is not None


def _interval_key(iv: Interval) -> tuple[time, time]:
    return (iv.opens, iv.closes)


@dataclass(frozen=True)
class DateRule:
    """Hours for the dates start..end (inclusive), replacing the weekly hours. Empty = closed."""

    start: date
    end: date
    intervals: tuple[Interval, ...] = ()

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"DateRule starts {self.start} after it ends {self.end}")
        object.__setattr__(self, "intervals", tuple(sorted(set(self.intervals), key=_interval_key)))

    @property
    def closed(self) -> bool:
        return not self.intervals


def _weekly_key(r: WeeklyRule) -> tuple:
    return (r.weekday, r.interval.opens, r.interval.closes, r.valid_from or date.min, r.valid_to or date.max,
            r.valid_from is None, r.valid_to is None)


def _exception_key(r: DateRule) -> tuple:
    return (r.start, r.end, tuple(_interval_key(i) for i in r.intervals))


@dataclass(frozen=True)
class Hours:
    """A service's opening hours. Rules are kept sorted and de-duplicated, so equal hours compare equal."""

    weekly: tuple[WeeklyRule, ...] = ()
    exceptions: tuple[DateRule, ...] = ()
    bank_holidays: str = "closed"  # "closed" | "open" (weekly hours apply as usual)
    nation: str = "ENG"

    def __post_init__(self) -> None:
        if self.bank_holidays not in BANK_HOLIDAY_POLICIES:
            raise ValueError(f"bank_holidays must be 'closed' or 'open', not {self.bank_holidays!r}")
        if self.nation not in NATIONS:
            raise ValueError(f"nation must be one of {', '.join(NATIONS)}, not {self.nation!r}")
        object.__setattr__(self, "weekly", tuple(sorted(set(self.weekly), key=_weekly_key)))
        object.__setattr__(self, "exceptions", tuple(sorted(set(self.exceptions), key=_exception_key)))

    # The hash is cached (open_at looks Hours up in an LRU cache thousands of times per
    # keystroke); it is left out of pickles because str hashes differ between processes.
    def __hash__(self) -> int:
        try:
            return self.__dict__["_hash"]
        except KeyError:
            h = hash((self.weekly, self.exceptions, self.bank_holidays, self.nation))
            object.__setattr__(self, "_hash", h)
            return h

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    @property
    def known(self) -> bool:
        """False when no opening hours are given.

        Exceptions that only close (e.g. "closed 24–26 December") say nothing about when the
        service is open, so on their own they do not make the hours known.
        """
        return _compile(self).known

    @property
    def always_open(self) -> bool:
        """Open 24 hours, 7 days a week, with no exceptions."""
        return _compile(self).always


@dataclass(frozen=True)
class Status:
    is_open: bool
    known: bool
    next_change: datetime | None  # aware, Europe/London
    text: str


@dataclass(frozen=True)
class DayHours:
    day: date
    weekday_label: str
    intervals: tuple[Interval, ...]
    is_today: bool
    bank_holiday: str | None
    note: str | None  # e.g. "Christmas Day — closed", "Special hours"
    known: bool = True

    def text(self) -> str:
        if not self.known:
            return "Hours not known"
        if not self.intervals:
            return "Closed"
        if any(iv.all_day for iv in self.intervals):
            return "Open 24 hours"
        return ", ".join(iv.text() for iv in self.intervals)


# --------------------------------------------------------------------------- bank holidays


def _check_nation(nation: str) -> str:
    if nation not in NATIONS:
        raise ValueError(f"nation must be one of {', '.join(NATIONS)}, not {nation!r}")
    return nation


@functools.lru_cache(maxsize=256)
def _holiday_table(nation: str, year: int) -> dict[date, str]:
    return dict(_holidays_pkg.UK(subdiv=nation, years=year).items())


def bank_holiday(d: date, nation: str) -> str | None:
    """The bank holiday's name on date ``d`` in ``nation`` ("ENG", "WLS", "SCT", "NIR"), or None."""
    _check_nation(nation)
    if isinstance(d, datetime):
        d = d.date()
    return _holiday_table(nation, d.year).get(d)


# --------------------------------------------------------------------------- compiled form

_Seg = tuple  # (start_second, end_second, Interval); end may exceed 86400 (runs past midnight)


def _secs(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _span(iv: Interval) -> tuple[int, int]:
    a, b = _secs(iv.opens), _secs(iv.closes)
    if b <= a:
        b += _DAY
    elif b >= _ALMOST_MIDNIGHT:
        b = _DAY
    return a, b


@functools.lru_cache(maxsize=4096)
def _seg(iv: Interval) -> _Seg:
    a, b = _span(iv)
    return (a, b, iv)


@dataclass(frozen=True, slots=True)
class _Compiled:
    known: bool
    always: bool
    weekly24: bool
    bank_closed: bool
    nation: str
    plain: tuple[tuple[_Seg, ...], ...]  # per weekday, rules with no date range
    seasonal: tuple[tuple[tuple[date, date, _Seg], ...], ...]  # per weekday
    exceptions: tuple[tuple[date, date, tuple[_Seg, ...]], ...]
    overnight: bool  # any session runs past midnight


@functools.lru_cache(maxsize=16_384)
def _compile(hours: Hours) -> _Compiled:
    plain: list[list[_Seg]] = [[] for _ in range(7)]
    seasonal: list[list[tuple[date, date, _Seg]]] = [[] for _ in range(7)]
    for rule in hours.weekly:
        seg = _seg(rule.interval)
        if rule.seasonal:
            seasonal[rule.weekday].append((rule.valid_from or date.min, rule.valid_to or date.max, seg))
        else:
            plain[rule.weekday].append(seg)
    exceptions = tuple((r.start, r.end, tuple(_seg(iv) for iv in r.intervals)) for r in hours.exceptions)
    weekly24 = all(any(a == 0 and b >= _DAY for a, b, _ in day) for day in plain)
    all_segs = [s for day in plain for s in day] + [s for day in seasonal for *_, s in day]
    all_segs += [s for *_, segs in exceptions for s in segs]
    return _Compiled(
        known=bool(hours.weekly) or any(r.intervals for r in hours.exceptions),
        always=weekly24 and not exceptions,
        weekly24=weekly24,
        bank_closed=hours.bank_holidays == "closed" and not weekly24,
        nation=hours.nation,
        plain=tuple(tuple(day) for day in plain),
        seasonal=tuple(tuple(day) for day in seasonal),
        exceptions=exceptions,
        overnight=any(b > _DAY for _, b, _ in all_segs),
    )


def _weekly_sessions(c: _Compiled, d: date) -> tuple[_Seg, ...]:
    wd = d.weekday()
    segs = c.plain[wd]
    seas = c.seasonal[wd]
    if seas:
        extra = tuple(seg for vf, vt, seg in seas if vf <= d <= vt)
        if extra:
            segs = segs + extra
    return segs


def _exception_sessions(c: _Compiled, d: date) -> tuple[_Seg, ...] | None:
    hit: tuple[_Seg, ...] | None = None
    for start, end, segs in c.exceptions:
        if start > d:
            break
        if d <= end:
            hit = segs if hit is None else hit + segs
    return hit


def _sessions(c: _Compiled, d: date) -> tuple[_Seg, ...]:
    """Sessions that start on date d (the hot path: no allocation in the common case)."""
    if c.exceptions:
        hit = _exception_sessions(c, d)
        if hit is not None:
            return hit
    segs = _weekly_sessions(c, d) if c.seasonal[d.weekday()] else c.plain[d.weekday()]
    if segs and c.bank_closed and d in _holiday_table(c.nation, d.year):
        return ()
    return segs


def _explain(c: _Compiled, d: date) -> tuple[tuple[_Seg, ...], str | None, tuple[_Seg, ...]]:
    """(sessions, reason, usual weekly sessions); reason is "special", "holiday" or None."""
    usual = _weekly_sessions(c, d)
    hit = _exception_sessions(c, d) if c.exceptions else None
    if hit is not None:
        return tuple(sorted(hit, key=lambda s: (s[0], s[1]))), "special", usual
    if usual and c.bank_closed and d in _holiday_table(c.nation, d.year):
        return (), "holiday", usual
    return tuple(sorted(usual, key=lambda s: (s[0], s[1]))), None, usual


# --------------------------------------------------------------------------- time conversion


def in_london(t: datetime) -> datetime:
    """The moment t as an aware Europe/London time: the one reading of local times that everything uses.

    A naive t is a London wall-clock time. One the clocks skip (01:30 on the last Sunday of March) is read
    as that long after the change, 02:30 BST; one that happens twice (01:30 on the last Sunday of October)
    is the first, BST. So "open?", "closes in …" and the next change always describe the same instant.
    """
    if not isinstance(t, datetime):
        raise TypeError(f"expected a datetime, not {type(t).__name__}")
    if t.tzinfo is None:
        t = t.replace(tzinfo=LONDON, fold=0)
    return t.astimezone(UTC).astimezone(LONDON)


def skipped_or_repeated(t: datetime) -> str | None:
    """For a naive London wall-clock time: "skipped" in the spring gap, "repeated" in the autumn hour."""
    if t.tzinfo is not None:
        return None
    first, second = t.replace(tzinfo=LONDON, fold=0), t.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    return "repeated" if first.utcoffset() > second.utcoffset() else "skipped"


def _wall(t: datetime) -> datetime:
    """Naive Europe/London wall-clock time for t (read as in_london does)."""
    return in_london(t).replace(tzinfo=None)


def _as_utc(t: datetime) -> datetime:
    return in_london(t).astimezone(UTC)


def _aware(wall: datetime, after_utc: datetime) -> datetime:
    """The instant (aware, London) when the wall clock reaches ``wall``, after ``after_utc``.

    In the spring gap (clocks jump 01:00 GMT → 02:00 BST) a wall time that never shows is
    reached at the jump; in the autumn overlap the first occurrence after ``after_utc`` wins.
    """
    first = wall.replace(tzinfo=LONDON, fold=0).astimezone(UTC)
    back = first.astimezone(LONDON)
    if back.replace(tzinfo=None) != wall:  # a wall time in the spring gap
        lo = int(wall.replace(tzinfo=LONDON, fold=1).astimezone(UTC).timestamp())
        hi = int(first.timestamp())
        while lo < hi:
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, LONDON).replace(tzinfo=None) >= wall:
                hi = mid
            else:
                lo = mid + 1
        return datetime.fromtimestamp(lo, LONDON)
    if first <= after_utc:
        second = wall.replace(tzinfo=LONDON, fold=1).astimezone(UTC)
        if second > after_utc:
            return second.astimezone(LONDON)
    return back


# --------------------------------------------------------------------------- queries


def open_at(hours: Hours, t: datetime) -> bool:
    """Is the service open at t? Naive t is Europe/London local time; aware t is converted."""
    c = _compile(hours)
    if c.always:
        return True
    if not c.known:
        return False
    t = in_london(t)
    s = t.hour * 3600 + t.minute * 60 + t.second
    d = t.date()
    for a, b, _ in _sessions(c, d):
        if a <= s < b:
            return True
    if c.overnight:
        s += _DAY
        for a, b, _ in _sessions(c, d - timedelta(days=1)):
            if a <= s < b:
                return True
    return False


def _scan(c: _Compiled, wall: datetime) -> tuple[bool, datetime | None]:
    """(open now?, wall time of the next change within SEARCH_DAYS, or None)."""
    today = wall.date()
    d0 = today - timedelta(days=1)
    spans: list[tuple[int, int]] = []
    for i in range(SEARCH_DAYS + 3):  # yesterday (its overnight spill) .. today + 15
        base = i * _DAY
        for a, b, _ in _sessions(c, d0 + timedelta(days=i)):
            spans.append((base + a, base + b))
    spans.sort()
    limit = (SEARCH_DAYS + 2) * _DAY  # start of today + 15: everything before it is fully known
    cur = _DAY + wall.hour * 3600 + wall.minute * 60 + wall.second
    is_open, change = False, None
    i, n = 0, len(spans)
    while i < n:
        st, en = spans[i]
        i += 1
        while i < n and spans[i][0] <= en:  # merge touching / overlapping sessions
            en = max(en, spans[i][1])
            i += 1
        if en <= cur:
            continue
        if st <= cur:
            is_open, change = True, en
        else:
            change = st
        break
    if change is None or change > limit:
        return is_open, None
    return is_open, datetime.combine(d0, _MIDNIGHT) + timedelta(seconds=change)


def next_change(hours: Hours, t: datetime) -> datetime | None:
    """When the service next opens or closes after t (aware, Europe/London), looking 14 days ahead."""
    c = _compile(hours)
    if c.always or not c.known:
        return None
    _, change = _scan(c, _wall(t))
    return None if change is None else _aware(change, _as_utc(t))


def _day_label(d: date, today: date) -> str:
    if d == today:
        return ""
    if 0 < (d - today).days <= 6:
        return f"{_DAY_ABBR[d.weekday()]} "
    return f"{_DAY_ABBR[d.weekday()]} {d.day} {_MONTH_ABBR[d.month - 1]} "


def status(hours: Hours, t: datetime) -> Status:
    """Open or closed at t, when that changes, and a short British English summary."""
    c = _compile(hours)
    if not c.known:
        return Status(False, False, None, "Hours not known")
    if c.always:
        return Status(True, True, None, "Open 24 hours")
    wall = _wall(t)
    now_utc = _as_utc(t)
    today = wall.date()
    is_open, change_wall = _scan(c, wall)
    change = None if change_wall is None else _aware(change_wall, now_utc)
    if is_open:
        if change is None:
            text = "Open 24 hours"
        else:
            minutes = math.ceil((change.astimezone(UTC) - now_utc).total_seconds() / 60)
            if minutes < 60:
                text = f"Open · closes in {minutes} min"
            else:
                local = change.replace(tzinfo=None)
                if local.time() == _MIDNIGHT:
                    day, clock = local.date() - timedelta(days=1), "midnight"
                else:
                    day, clock = local.date(), _hm(local.time())
                if day == today or (day == today + timedelta(days=1) and minutes < 24 * 60):
                    text = f"Open · closes {clock}"
                else:
                    text = f"Open · closes {_day_label(day, today)}{clock}"
        return Status(True, True, change, text)

    head = "Closed"
    sessions, reason, usual = _explain(c, today)
    if not sessions and usual:
        if reason == "holiday":
            head = f"Closed today (bank holiday: {_holiday_table(c.nation, today.year)[today]})"
        elif reason == "special":
            head = "Closed today (special hours)"
    if change is None:
        return Status(False, True, None, f"{head} · not open in the next {SEARCH_DAYS // 7} weeks")
    local = change.replace(tzinfo=None)
    return Status(False, True, change, f"{head} · opens {_day_label(local.date(), today)}{_hm(local.time())}")


def week(hours: Hours, today: date) -> list[DayHours]:
    """Monday to Sunday of today's week: each day's sessions, bank holidays named, today flagged."""
    if isinstance(today, datetime):
        today = _wall(today).date()
    c = _compile(hours)
    monday = today - timedelta(days=today.weekday())
    days: list[DayHours] = []
    for i in range(7):
        d = monday + timedelta(days=i)
        holiday = _holiday_table(hours.nation, d.year).get(d)
        if not c.known:
            days.append(DayHours(d, _DAY_NAMES[i], (), d == today, holiday, None, known=False))
            continue
        sessions, reason, _ = _explain(c, d)
        intervals = tuple(iv for _, _, iv in sessions)
        note = None
        if reason == "special":
            note = "Special hours"
        elif reason == "holiday":
            note = f"{holiday} — closed"
        elif holiday and intervals:
            note = f"{holiday} — open as usual"
        days.append(DayHours(d, _DAY_NAMES[i], intervals, d == today, holiday, note))
    return days


# --------------------------------------------------------------------------- parsing

_TIME_RE = re.compile(
    r"^(?P<h>\d{1,2})(?:[:.](?P<m>\d{2})(?::(?P<s>\d{2}))?)?\s*(?P<ampm>[ap]\.?m\.?)?$", re.IGNORECASE
)
_COMPACT_RE = re.compile(r"^(?P<h>\d{1,2})(?P<m>\d{2})$")


def parse_time(text: str) -> time:
    """Read a time of day.

    Accepts "9", "09:00", "09:00:00", "9am", "5.30pm", "0900", "noon", and "24:00"
    (midnight at the end of the day, returned as 00:00).
    """
    if isinstance(text, time):
        return text.replace(microsecond=0, tzinfo=None)
    if not isinstance(text, str):
        raise ValueError(f"Can't read {text!r} as a time of day; use the 24-hour clock, e.g. 09:00 or 17:30.")
    s = text.strip().lower()
    if s in ("noon", "midday"):
        return time(12, 0)
    if s == "midnight":
        return _MIDNIGHT
    m = _TIME_RE.match(s) or _COMPACT_RE.match(s)
    if m is None:
        raise ValueError(f"Can't read {text!r} as a time of day; use the 24-hour clock, e.g. 09:00 or 17:30.")
    groups = m.groupdict()
    h = int(groups["h"])
    mi = int(groups.get("m") or 0)
    se = int(groups.get("s") or 0)
    ampm = (groups.get("ampm") or "").replace(".", "")
    if ampm:
        if not 1 <= h <= 12:
            raise ValueError(f"{text!r} is not a valid time: with am/pm the hour must be 1 to 12.")
        h = h % 12 + (12 if ampm == "pm" else 0)
    if mi > 59 or se > 59:
        raise ValueError(f"{text!r} is not a valid time: minutes and seconds must be 00 to 59.")
    if h == 24 and mi == 0 and se == 0:
        return _MIDNIGHT
    if h > 23:
        raise ValueError(f"{text!r} is not a valid time: hours must be 00 to 23 (or 24:00 for midnight).")
    return time(h, mi, se)


_BYDAY = {
    "MO": 0, "MON": 0, "MONDAY": 0,
    "TU": 1, "TUE": 1, "TUES": 1, "TUESDAY": 1,
    "WE": 2, "WED": 2, "WEDNESDAY": 2,
    "TH": 3, "THU": 3, "THUR": 3, "THURS": 3, "THURSDAY": 3,
    "FR": 4, "FRI": 4, "FRIDAY": 4,
    "SA": 5, "SAT": 5, "SATURDAY": 5,
    "SU": 6, "SUN": 6, "SUNDAY": 6,
}  # fmt: skip
_MONTHLY_DAY_RE = re.compile(r"^[+-]?\d+[A-Z]{2}$")


class _RowProblem(ValueError):
    pass


def _get(row: Any, name: str) -> Any:
    if isinstance(row, dict):
        value = row.get(name)
    else:
        value = getattr(row, name, None)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _parse_days(byday: str) -> list[int]:
    days: list[int] = []
    for token in re.split(r"[,\s;]+", byday.upper()):
        if not token:
            continue
        if _MONTHLY_DAY_RE.match(token):
            raise _RowProblem(f"day {token!r} (a day of the month) can't be used for weekly hours")
        if "-" in token:  # a range such as MO-FR
            first, _, last = token.partition("-")
            if first not in _BYDAY or last not in _BYDAY:
                raise _RowProblem(f"days {token!r} are not days of the week (use MO,TU,WE,TH,FR,SA,SU)")
            a, b = _BYDAY[first], _BYDAY[last]
            days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
            continue
        if token not in _BYDAY:
            raise _RowProblem(f"day {token!r} is not a day of the week (use MO,TU,WE,TH,FR,SA,SU)")
        days.append(_BYDAY[token])
    if not days:
        raise _RowProblem("no days of the week given")
    return sorted(set(days))


def _parse_date(value: Any, name: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _RowProblem(f"{name} {value!r} is not a date (use YYYY-MM-DD)") from None


def _parse_time_field(value: Any, name: str) -> time | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise _RowProblem(f"{name.replace('_', ' ')}: {exc}") from None


def _closing(t: time) -> time:
    """A closing time of 23:59 (or 23:59:xx) means midnight."""
    return _MIDNIGHT if t >= time(23, 59) else t


_Parsed = tuple[list[WeeklyRule], dict[tuple[date, date], list[Interval]], list[str]]


def _parse_rows(schedules: Iterable[Any]) -> _Parsed:
    weekly: list[WeeklyRule] = []
    exceptions: dict[tuple[date, date], list[Interval]] = {}
    problems: list[str] = []
    for n, row in enumerate(schedules or (), start=1):
        ref = _get(row, "id")
        label = f"Schedule {n}" + (f" ({ref})" if ref else "")
        try:
            _parse_row(row, weekly, exceptions)
        except _RowProblem as exc:
            problems.append(f"{label}: {exc}; skipped.")
    return weekly, exceptions, problems


def _parse_row(row: Any, weekly: list[WeeklyRule], exceptions: dict[tuple[date, date], list[Interval]]) -> None:
    freq = (_get(row, "freq") or "").upper()
    byday = _get(row, "byday")
    every = _get(row, "interval")
    opens = _parse_time_field(_get(row, "opens_at"), "opens_at")
    closes = _parse_time_field(_get(row, "closes_at"), "closes_at")
    valid_from = _parse_date(_get(row, "valid_from"), "valid_from")
    valid_to = _parse_date(_get(row, "valid_to"), "valid_to")
    if valid_from and valid_to and valid_from > valid_to:
        raise _RowProblem(f"valid_from {valid_from} is after valid_to {valid_to}")
    if freq not in ("", "WEEKLY", "DAILY"):
        raise _RowProblem(f"repeats {freq.lower()}, which can't be turned into weekly hours")
    try:
        every_n = int(every) if every is not None else 1
    except (TypeError, ValueError):
        raise _RowProblem(f"interval {every!r} is not a whole number") from None
    if every_n > 1:
        raise _RowProblem(f"repeats every {every_n} weeks; which weeks is unknown")
    if (opens is None) != (closes is None):
        missing = "closing" if closes is None else "opening"
        raise _RowProblem(f"has no {missing} time")
    if byday is None and freq == "DAILY":
        byday = "MO,TU,WE,TH,FR,SA,SU"

    if byday is not None:
        days = _parse_days(str(byday))
        if opens is None or closes is None:
            raise _RowProblem("gives days but no opening and closing times")
        iv = Interval(opens, _closing(closes))
        weekly.extend(WeeklyRule(d, iv, valid_from, valid_to) for d in days)
        return
    if valid_from or valid_to:
        key = (valid_from or date.min, valid_to or date.max)
        slot = exceptions.setdefault(key, [])
        if opens is not None and closes is not None:
            slot.append(Interval(opens, _closing(closes)))
        return
    if opens is not None:
        raise _RowProblem("gives times but no days (byday) or dates (valid_from/valid_to)")
    description = _get(row, "description")
    if description:
        raise _RowProblem(f"has only a description ({str(description)[:60]!r}), no days or times")
    raise _RowProblem("is empty (no days, dates or times)")


def from_schedules(
    schedules: Iterable[Any], *, bank_holidays: str | None = "closed", nation: str | None = "ENG"
) -> Hours:
    """Build Hours from HSDS ``schedule`` rows (ORM objects or dicts). Unreadable rows are skipped;
    ``parse_problems`` lists them."""
    weekly, exceptions, _ = _parse_rows(schedules)
    return Hours(
        weekly=tuple(weekly),
        exceptions=tuple(DateRule(s, e, tuple(ivs)) for (s, e), ivs in exceptions.items()),
        bank_holidays=(bank_holidays or "closed").strip().lower(),
        nation=(nation or "ENG").strip().upper(),
    )


def parse_problems(schedules: Iterable[Any]) -> list[str]:
    """Why schedule rows could not be read (empty when all are fine), for data-health checks."""
    return _parse_rows(schedules)[2]


# --------------------------------------------------------------------------- compact code


def _enc_time(t: time) -> str:
    return f"{t.hour:02d}{t.minute:02d}" + (f"{t.second:02d}" if t.second else "")


def _enc_interval(iv: Interval) -> str:
    return f"{_enc_time(iv.opens)}-{_enc_time(iv.closes)}"


def _enc_date(d: date | None) -> str:
    return "" if d is None else d.isoformat()


def encode(hours: Hours) -> str:
    """A compact, deterministic text code: ``NATION|c/o|weekly|x:exceptions``.

    Weekly items are ``<weekday digits>:<HHMM>-<HHMM>[@from..to]`` (0 = Monday), e.g.
    ``01234:0900-1700``; exceptions are ``<start>..<end>=<intervals>`` (empty = closed).
    The exceptions field is left out when there are none.
    """
    groups: dict[tuple, list[int]] = {}
    for r in hours.weekly:
        groups.setdefault((r.interval, r.valid_from, r.valid_to), []).append(r.weekday)
    items = []
    for (iv, vf, vt), days in groups.items():
        item = "".join(str(d) for d in sorted(days)) + ":" + _enc_interval(iv)
        if vf is not None or vt is not None:
            item += f"@{_enc_date(vf)}..{_enc_date(vt)}"
        items.append((min(days), item))
    items.sort()
    parts = [hours.nation, "c" if hours.bank_holidays == "closed" else "o", ";".join(i for _, i in items)]
    if hours.exceptions:
        exc = [f"{r.start.isoformat()}..{r.end.isoformat()}=" + ",".join(_enc_interval(iv) for iv in r.intervals)
               for r in hours.exceptions]
        parts.append("x:" + ";".join(exc))
    return "|".join(parts)


_CODE_TIME_RE = re.compile(r"^(\d{2})(\d{2})(\d{2})?$")


def _dec_time(s: str) -> time:
    m = _CODE_TIME_RE.match(s)
    if not m:
        raise ValueError(f"bad time {s!r}")
    return time(int(m[1]), int(m[2]), int(m[3] or 0))


@functools.lru_cache(maxsize=4096)
def _dec_interval(s: str) -> Interval:
    a, sep, b = s.partition("-")
    if not sep:
        raise ValueError(f"bad interval {s!r}")
    return Interval(_dec_time(a), _dec_time(b))


def _dec_range(s: str) -> tuple[date | None, date | None]:
    a, sep, b = s.partition("..")
    if not sep:
        raise ValueError(f"bad date range {s!r}")
    return (date.fromisoformat(a) if a else None, date.fromisoformat(b) if b else None)


def decode(code: str) -> Hours:
    """The Hours that ``encode`` turned into ``code``. ValueError if the code is not valid.

    Results are cached (Hours are immutable), so decoding the same code again is cheap.
    """
    if not isinstance(code, str):
        raise ValueError(f"Not a valid opening-hours code {code!r}: expected text")
    return _decode(code)


@functools.lru_cache(maxsize=16_384)
def _decode(code: str) -> Hours:
    try:
        parts = code.split("|")
        if len(parts) not in (3, 4):
            raise ValueError("expected 3 or 4 fields separated by '|'")
        nation, policy, weekly_s = parts[:3]
        if policy not in ("c", "o"):
            raise ValueError(f"bank-holiday flag must be 'c' or 'o', not {policy!r}")
        weekly: list[WeeklyRule] = []
        for item in filter(None, weekly_s.split(";")):
            days, sep, rest = item.partition(":")
            if not sep or not days.isdigit():
                raise ValueError(f"bad weekly item {item!r}")
            iv_s, at, rng = rest.partition("@")
            vf, vt = _dec_range(rng) if at else (None, None)
            iv = _dec_interval(iv_s)
            weekly.extend(WeeklyRule(int(d), iv, vf, vt) for d in days)
        exceptions: list[DateRule] = []
        if len(parts) == 4:
            if not parts[3].startswith("x:"):
                raise ValueError("exceptions field must start with 'x:'")
            for item in filter(None, parts[3][2:].split(";")):
                rng, eq, ivs = item.partition("=")
                start, end = _dec_range(rng)
                if not eq or start is None or end is None:
                    raise ValueError(f"bad exception {item!r}")
                exceptions.append(DateRule(start, end, tuple(_dec_interval(s) for s in filter(None, ivs.split(",")))))
        return Hours(tuple(weekly), tuple(exceptions), "closed" if policy == "c" else "open", nation)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(f"Not a valid opening-hours code {code!r}: {exc}") from None
