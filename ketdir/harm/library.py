"""Harm-information topics: Markdown files with front matter, their loader, checks, search and text.

No Qt here. A topic file looks like::

    ---
    id: ketamine-bladder
    title: Ketamine and the bladder
    needs: [bladder-urology, physical-health]
    summary: |
      First line.
      Second line.
    urgent: false
    keywords: [ket, wee]
    sources:
      - name: FRANK — Ketamine (2018 text; check against talktofrank.com)
        url: https://www.talktofrank.com/drug/ketamine
    reviewed: 2026-11-25
    ---
    ## Warning signs
    ...

The front matter is a small YAML subset parsed here (no PyYAML dependency).
"""
from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from ketdir.harm import confirmed
from ketdir.paths import PROJECT_ROOT

TOPICS_DIR = Path(__file__).resolve().parent / "topics"

REQUIRED_FIELDS = ("id", "title", "needs", "summary", "urgent", "keywords", "sources", "reviewed")
REQUIRED_SECTIONS = ("Warning signs", "What helps", "Get help urgently", "Which services help")

#: What to do when someone is not breathing: 999 call handlers talk the caller through CPR (sources:
#: NHS Digital on 999 call handling [NHSD]; St John Ambulance CPR [SJA]). Every urgent topic says it.
NOT_BREATHING = "If someone is not breathing, call 999: the call handler will talk you through CPR."

#: Heads every topic marked `urgent: true` (sources: London Friend emergency advice [LF1]; FRANK
#: worried about a friend [F3]; NHSD and SJA for CPR).
URGENT_BANNER = (
    "Call 999 now if someone can't be woken, is struggling to breathe, or is having a seizure. "
    + NOT_BREATHING + " If they are unconscious but breathing, lie them on their side in the recovery "
    "position. Stay with them and tell the ambulance crew what they have taken."
)

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


class TopicError(ValueError):
    """A topic file is unreadable or breaks a content rule; the message names the file and field."""


@dataclass(frozen=True)
class Source:
    name: str
    url: str  # the page that supports the claims (a deep link, never a home page)


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    needs: tuple[str, ...]
    summary: str
    urgent: bool
    keywords: tuple[str, ...]
    sources: tuple[Source, ...]
    reviewed: date
    body: str
    path: Path

    def section(self, heading: str) -> str:
        """The Markdown under `## heading` (case-insensitive, '## ' optional); '' if absent."""
        return _sections(self.body).get(_heading_key(heading), "")

    @property
    def section_headings(self) -> tuple[str, ...]:
        return tuple(m.group(1).strip() for m in _HEADING_RE.finditer(self.body))

    @property
    def reviewed_text(self) -> str:
        return f"Reviewed {format_date(self.reviewed)}"


def format_date(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


# --------------------------------------------------------------------------- phone numbers, URLs

_URL_RE = re.compile(
    r"""(?ix)
    (?<![@\w.\-/])
    (?:
        https?://[^\s<>"'`\])]+
      | www\.[^\s<>"'`\])]+
      | (?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+
        (?:com|org|net|uk|scot|st|info|io|ie)\b
        (?!@)(?:/[^\s<>"'`\])]*)?
    )
    """
)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ISO_DATE_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_TIME_RE = re.compile(r"\b\d{1,2}:\d{2}\b")
_PHONE_RE = re.compile(
    r"""(?x)
    (?<![\w.,/%£$€:@\#+\-])
    (?P<num>
        (?:\+\s?)?
        (?:\(\s?)?\d+(?:\s?\))?
        (?:[ \u00a0\-]\(?\d+\)?)*
    )
    (?![\w%]|[.,]\d|/\d|:\d)
    """
)
_SHORT_CODES = frozenset({"999", "111", "112", "101", "105", "119"})
_PHONE_CONTEXT_RE = re.compile(
    r"(?i)\b(?:call|calling|ring|dial|phone|text|txt|tel|telephone|helpline|number|line)\b[^.\n]{0,12}$"
)


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    """Blank out matches, keeping offsets so positions still point into the original text."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _iter_phone_numbers(text: str) -> Iterator[tuple[str, int]]:
    masked = text
    for pattern in (_URL_RE, _EMAIL_RE, _ISO_DATE_RE, _TIME_RE):
        masked = _mask(masked, pattern)
    for m in _PHONE_RE.finditer(masked):
        raw, start = m.group("num").rstrip(), m.start("num")
        # Brackets belong to the number only when balanced inside it: "(116 123)" -> "116 123".
        if raw.startswith("(") and raw.endswith(")") and raw.count("(") == raw.count(")") == 1:
            raw, start = raw[1:-1].strip(), start + 1
        while raw.endswith(")") and raw.count(")") > raw.count("("):
            raw = raw[:-1].rstrip()
        if raw.startswith("(") and raw.count("(") > raw.count(")"):
            raw, start = raw[1:].lstrip(), start + 1
        digits = confirmed.normalise_number(raw)
        bare = digits.lstrip("+")
        if len(bare) >= 5:
            phone_like = True
        elif bare.startswith("0") and len(bare) >= 4:
            phone_like = True
        elif len(bare) == 3 and bare in _SHORT_CODES:
            phone_like = True
        elif len(bare) in (3, 4) and not re.fullmatch(r"(?:19|20)\d\d", bare):
            phone_like = bool(_PHONE_CONTEXT_RE.search(masked[max(0, m.start() - 30):m.start()]))
        else:
            phone_like = False
        if phone_like:
            yield raw, start


def find_phone_numbers(text: str) -> list[str]:
    """Every phone-number-like string in text, as written (UK numbers, short codes like 999/111/101,
    text-service numbers like 82111). Digits inside URLs, emails, dates and times are ignored."""
    return [raw for raw, _ in _iter_phone_numbers(text or "")]


def find_urls(text: str) -> list[str]:
    """Every web address in text: http(s) URLs, www. addresses and bare domains (not emails)."""
    found = []
    for m in _URL_RE.finditer(text or ""):
        url = m.group(0).rstrip(".,;:!?'\"")
        found.append(url)
    return found


def _phone_problem(raw: str) -> str | None:
    if confirmed.is_confirmed_number(raw):
        return None
    known = confirmed.unconfirmed_number(raw)
    why = f" ({known.service}: {known.reason})" if known else ""
    return (f"contains the phone number '{raw}', which is not a confirmed number{why}; "
            "only numbers listed in ketdir/harm/confirmed.py may appear in topics")


# --------------------------------------------------------------------------- front matter

_KEY_RE = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$")
_ITEM_RE = re.compile(r"^(\s*)-(?:\s+(.*))?$")
_HEADING_RE = re.compile(r"^##[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except (ValueError, OSError):
        return str(path)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _split_inline_list(value: str) -> list[str]:
    inner = value.strip()[1:-1]
    items, current, quote = [], "", ""
    for ch in inner:
        if quote:
            current += ch
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
            current += ch
        elif ch == ",":
            items.append(current)
            current = ""
        else:
            current += ch
    items.append(current)
    return [_unquote(i) for i in items if i.strip()]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _parse_front_matter(lines: list[str], where: str, first_line: int) -> dict[str, object]:
    """Parse `key: value` lines; lists as `- item` or `[a, b]`; lists of mappings; `|`/`>` blocks."""
    data: dict[str, object] = {}
    i = 0

    def fail(offset: int, message: str) -> TopicError:
        return TopicError(f"{where}: line {first_line + offset}: {message}")

    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        if "\t" in line[: _indent(line) + 1]:
            raise fail(i, "use spaces, not tabs, in the front matter")
        if _indent(line):
            raise fail(i, f"unexpected indented line {line.strip()!r}")
        m = _KEY_RE.match(line)
        if not m:
            raise fail(i, f"cannot read {line.strip()!r} (expected 'key: value')")
        key, value = m.group(1), (m.group(2) or "").strip()
        if key in data:
            raise TopicError(f"{where}: field '{key}' is given twice")
        i += 1
        if value in ("|", ">", "|-", ">-", "|+", ">+"):
            block = []
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > 0):
                block.append(lines[i].strip())
                i += 1
            while block and not block[-1]:
                block.pop()
            data[key] = "\n".join(block) if value.startswith("|") else " ".join(b for b in block if b)
        elif value.startswith("["):
            if not value.endswith("]"):
                raise fail(i - 1, f"field '{key}': a list in [brackets] must end with ']'")
            data[key] = _split_inline_list(value)
        elif value:
            data[key] = _unquote(value)
        else:
            # A list (of scalars or of mappings) on the following lines, or an empty value.
            items: list[object] = []
            while i < len(lines):
                line = lines[i]
                if not line.strip() or line.lstrip().startswith("#"):
                    i += 1
                    continue
                im = _ITEM_RE.match(line)
                if not im:
                    if _indent(line) == 0:
                        break
                    raise fail(i, f"field '{key}': expected a '- item' line, got {line.strip()!r}")
                item_indent = len(im.group(1))
                text = (im.group(2) or "").strip()
                i += 1
                km = _KEY_RE.match(text)
                if km and not text.startswith(("http://", "https://")):
                    mapping = {km.group(1): _unquote(km.group(2) or "")}
                    while i < len(lines):
                        sub = lines[i]
                        if not sub.strip():
                            i += 1
                            continue
                        if _indent(sub) <= item_indent or _ITEM_RE.match(sub):
                            break
                        sm = _KEY_RE.match(sub.strip())
                        if not sm:
                            raise fail(i, f"field '{key}': cannot read {sub.strip()!r} (expected 'key: value')")
                        mapping[sm.group(1)] = _unquote(sm.group(2) or "")
                        i += 1
                    items.append(mapping)
                else:
                    items.append(_unquote(text))
            data[key] = items
    return data


def _split_file(text: str, where: str) -> tuple[list[str], str, int]:
    """(front-matter lines, body, line number where the body starts)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise TopicError(f"{where}: the front matter is missing (the file must start with a '---' line)")
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            return lines[1:end], "\n".join(lines[end + 1:]).strip("\n"), end + 2
    raise TopicError(f"{where}: the front matter is not closed (add a '---' line after it)")


def _heading_key(heading: str) -> str:
    return re.sub(r"\s+", " ", heading.strip().lstrip("#").strip()).casefold()


def _sections(body: str) -> dict[str, str]:
    found: dict[str, str] = {}
    matches = list(_HEADING_RE.finditer(body))
    for n, m in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(body)
        found.setdefault(_heading_key(m.group(1)), body[m.end():end].strip("\n").strip())
    return found


# --------------------------------------------------------------------------- loading and checks

def _as_list(value: object) -> list[object]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return []


def load_topic(path: Path, need_codes: set[str] | frozenset[str]) -> Topic:
    """Read and check one topic file; raise TopicError naming the file and the field at fault."""
    path = Path(path)
    where = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicError(f"{where}: cannot read the file ({exc})") from exc
    fm_lines, body, body_line = _split_file(text, where)
    data = _parse_front_matter(fm_lines, where, 2)

    def err(field_name: str, message: str) -> TopicError:
        return TopicError(f"{where}: field '{field_name}' {message}")

    unknown = [k for k in data if k not in REQUIRED_FIELDS]
    if unknown:
        raise err(unknown[0], f"is not a known field (expected: {', '.join(REQUIRED_FIELDS)})")
    for name in REQUIRED_FIELDS:
        if name not in data:
            raise err(name, "is missing")
        value = data[name]
        if value is None or (isinstance(value, (str, list)) and not value):
            raise err(name, "is empty")

    topic_id = data["id"]
    if not isinstance(topic_id, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", topic_id):
        raise err("id", f"must be a slug of lower-case letters, digits and hyphens, got {topic_id!r}")
    title = data["title"]
    if not isinstance(title, str):
        raise err("title", "must be text, not a list")
    summary = data["summary"]
    if not isinstance(summary, str):
        raise err("summary", "must be text, not a list")
    summary_lines = [s.strip() for s in summary.splitlines() if s.strip()]
    if len(summary_lines) > 2:
        raise err("summary", f"must be at most two lines, got {len(summary_lines)}")
    summary = "\n".join(summary_lines)

    needs = tuple(str(n).strip() for n in _as_list(data["needs"]) if str(n).strip())
    if not needs or any(not isinstance(n, str) for n in _as_list(data["needs"])):
        raise err("needs", "must be a list of need-type codes")
    for code in needs:
        if code not in need_codes:
            raise err("needs", f"has the unknown need type {code!r} (known: {', '.join(sorted(need_codes))})")
    if len(set(needs)) != len(needs):
        raise err("needs", "lists a need type twice")

    urgent_raw = data["urgent"]
    if not isinstance(urgent_raw, str) or urgent_raw.lower() not in ("true", "false", "yes", "no"):
        raise err("urgent", f"must be true or false, got {urgent_raw!r}")
    urgent = urgent_raw.lower() in ("true", "yes")

    keywords = tuple(str(k).strip() for k in _as_list(data["keywords"]) if isinstance(k, str) and k.strip())
    if not keywords:
        raise err("keywords", "must be a list of words people use")

    sources: list[Source] = []
    for n, item in enumerate(_as_list(data["sources"]), start=1):
        if not isinstance(item, dict):
            raise err("sources", f"item {n} must have 'name:' and 'url:' lines, got {item!r}")
        extra = set(item) - {"name", "url"}
        if extra:
            raise err("sources", f"item {n} has an unknown key {sorted(extra)[0]!r} (expected name, url)")
        name, url = item.get("name", "").strip(), item.get("url", "").strip()
        if not name:
            raise err("sources", f"item {n} has no name")
        if not url:
            raise err("sources", f"item {n} ({name}) has no url: every source must link to its page")
        if not re.fullmatch(r"https?://[^\s/]+\.[^\s/]+(?:/\S*)?", url):
            raise err("sources", f"item {n} ({name}) has a URL that is not an http(s) web address: {url!r}")
        if not confirmed.is_deep_link(url):
            raise err("sources", f"item {n} ({name}) links to a home page ({url}): link to the page that "
                      "supports the claims")
        sources.append(Source(name, url))

    reviewed_raw = data["reviewed"]
    try:
        reviewed = date.fromisoformat(str(reviewed_raw).strip())
    except ValueError:
        raise err("reviewed", f"must be a date written YYYY-MM-DD, got {reviewed_raw!r}") from None
    if reviewed > date.today():
        raise err("reviewed", f"is in the future ({reviewed.isoformat()}): give the date the sources were checked")

    sections = _sections(body)
    for heading in REQUIRED_SECTIONS:
        if _heading_key(heading) not in sections:
            raise err("body", f"is missing the section '## {heading}'")
        if not sections[_heading_key(heading)]:
            raise err("body", f"has an empty section '## {heading}'")

    if urgent:
        flat = " ".join(sections[_heading_key("Get help urgently")].split()).casefold()
        if not ("not breathing" in flat and "cpr" in flat and "999" in flat):
            raise err("body", "is urgent, so '## Get help urgently' must say what to do if someone is not "
                      f"breathing (call 999; the call handler talks you through CPR): {NOT_BREATHING!r}")

    # Accuracy guard: every phone number shown must be a confirmed one.
    fields_text = {"title": title, "summary": summary, "keywords": "\n".join(keywords),
                   "sources": "\n".join(s.name for s in sources)}
    for name, value in fields_text.items():
        for raw, _ in _iter_phone_numbers(value):
            problem = _phone_problem(raw)
            if problem:
                raise err(name, problem)
    for raw, pos in _iter_phone_numbers(body):
        problem = _phone_problem(raw)
        if problem:
            raise err("body", f"(line {body_line + body[:pos].count(chr(10))}) {problem}")

    return Topic(id=topic_id, title=title, needs=needs, summary=summary, urgent=urgent,
                 keywords=keywords, sources=tuple(sources), reviewed=reviewed, body=body, path=path)


def audit_topic(topic: Topic) -> list[str]:
    """Content problems beyond load_topic's checks: web addresses not in the allowed source list.
    Returns messages naming the file; empty when the topic is clean."""
    where = _display(topic.path)
    problems = []
    for s in topic.sources:
        if s.url and not confirmed.is_allowed_url(s.url):
            problems.append(f"{where}: field 'sources': {s.url} is not in the allowed list "
                            "(ketdir/harm/confirmed.py)")
    for name, text in (("title", topic.title), ("summary", topic.summary),
                       ("keywords", " ".join(topic.keywords)), ("body", topic.body),
                       ("sources", "\n".join(s.name for s in topic.sources))):
        for url in find_urls(text):
            if not confirmed.is_allowed_url(url):
                problems.append(f"{where}: field '{name}': {url} is not in the allowed list "
                                "(ketdir/harm/confirmed.py)")
    return problems


def topic_text_fields(topic: Topic) -> dict[str, str]:
    """All the text a user can see in a topic, by field (for checks and search)."""
    return {"title": topic.title, "summary": topic.summary, "keywords": "\n".join(topic.keywords),
            "body": topic.body, "sources": "\n".join(f"{s.name} {s.url}" for s in topic.sources)}


# --------------------------------------------------------------------------- search

_STOPWORDS = frozenset(
    "a an the and or of to in on for with is are was be been i im i'm my me you your it its "
    "what how do does can about after from at by this that there their they them we us if".split()
)
# Each group: words people use for the same thing. A query word also matches the others.
_SYNONYM_GROUPS = (
    {"ketamine", "ket", "k", "kitkat"},
    {"g", "ghb", "gbl", "gina"},
    {"wee", "pee", "peeing", "weeing", "urine", "urinary", "urinate"},
    {"cramps", "cramp", "belly", "stomach", "tummy", "abdominal", "abdomen"},
    {"chems", "chemsex", "pnp"},
    {"overdose", "od", "overdosed", "overdosing"},
    {"alcohol", "booze", "drink", "drinking"},
    {"benzos", "benzo", "benzodiazepines", "benzodiazepine"},
    {"opioids", "opioid", "opiates", "opiate", "heroin"},
    {"suicide", "suicidal"},
    {"rape", "raped", "assault", "assaulted"},
    {"depression", "depressed"},
    {"anxiety", "anxious", "panic"},
    {"stop", "stopping", "quit", "quitting"},
    {"police", "cops"},
    {"slam", "slamming", "slammed", "inject", "injecting", "injection", "injected"},
    {"tina", "crystal", "meth", "methamphetamine"},
    {"meph", "mephedrone", "mcat", "mkat", "drone"},
    {"naloxone", "prenoxad", "nyxoid", "narcan"},
    {"spiked", "spiking", "spike"},
    {"arrest", "arrested", "custody", "detained"},
    {"pregnant", "pregnancy"},
    {"contraception", "contraceptive"},
    {"poppers", "amyl", "nitrites"},
    {"viagra", "sildenafil", "cialis", "tadalafil"},
    {"ritonavir", "cobicistat", "booster", "boosted"},
    {"scotland", "scottish"},
    {"wales", "welsh", "cymru"},
    {"child", "children", "kid", "kids"},
    {"teen", "teenager", "teenagers"},
)
_SYNONYMS: dict[str, frozenset[str]] = {}
for _group in _SYNONYM_GROUPS:
    for _word in _group:
        _SYNONYMS[_word] = frozenset(_SYNONYMS.get(_word, frozenset()) | (_group - {_word}))

_FIELD_WEIGHTS = (("title", 8.0), ("keywords", 6.0), ("summary", 3.0), ("body", 1.0))
_MAX_QUERY_CHARS = 200
_MAX_QUERY_TOKENS = 12


def normalise_words(text: str) -> str:
    """Lower case, no accents, punctuation to spaces: 'K-Cramps!' -> 'k cramps'."""
    text = unicodedata.normalize("NFKD", str(text)).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _strip_markdown(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\(([^)]*)\)", r"\1", text)
    return re.sub(r"[*_`#>]", " ", text)


@dataclass(frozen=True)
class _Doc:
    fields: dict[str, str]  # normalised text per field, space-padded for phrase search
    tokens: dict[str, frozenset[str]]


def _make_doc(topic: Topic) -> _Doc:
    raw = {"title": topic.title, "keywords": " | ".join(topic.keywords),
           "summary": topic.summary, "body": _strip_markdown(topic.body)}
    fields = {}
    for name, text in raw.items():
        if name == "keywords":
            # "|" keeps a phrase from running across two keywords.
            fields[name] = " " + " | ".join(normalise_words(k) for k in topic.keywords) + " "
        else:
            fields[name] = " " + normalise_words(text) + " "
    tokens = {name: frozenset(re.findall(r"[a-z0-9]+", text)) for name, text in fields.items()}
    return _Doc(fields, tokens)


def _query_tokens(text: str) -> list[str]:
    words = normalise_words(text[:_MAX_QUERY_CHARS]).split()
    kept = [w for w in words if w not in _STOPWORDS] or words
    return list(dict.fromkeys(kept))[:_MAX_QUERY_TOKENS]


def _token_match(token: str, tokens: frozenset[str], extra: frozenset[str]) -> float:
    """How well one query word matches one field: 1 exact, .9 synonym, .7 prefix, .5 fuzzy."""
    if token in tokens:
        return 1.0
    if _SYNONYMS.get(token, frozenset()) & tokens:
        return 0.9
    if len(token) >= 3 and any(t.startswith(token) for t in tokens):
        return 0.7
    if extra & tokens:
        return 0.5
    return 0.0


# --------------------------------------------------------------------------- the library

@dataclass(frozen=True)
class Library:
    topics: tuple[Topic, ...]
    _docs: tuple[_Doc, ...] = field(init=False, repr=False, compare=False)
    _vocabulary: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        docs = tuple(_make_doc(t) for t in self.topics)
        object.__setattr__(self, "_docs", docs)
        vocab: set[str] = set()
        for doc in docs:
            for toks in doc.tokens.values():
                vocab |= toks
        object.__setattr__(self, "_vocabulary", frozenset(vocab))

    def __iter__(self) -> Iterator[Topic]:
        return iter(self.topics)

    def __len__(self) -> int:
        return len(self.topics)

    def get(self, id: str) -> Topic | None:  # noqa: A002 - the documented name
        return next((t for t in self.topics if t.id == id), None)

    def for_needs(self, needs: Iterable[str]) -> list[Topic]:
        """Topics tagged with any of the needs. Most specific first: those matching more of the
        needs, then those whose main (first) need is one of them, then those with fewer tags."""
        wanted = {n for n in (needs or ()) if isinstance(n, str)}
        ranked = []
        for index, topic in enumerate(self.topics):
            overlap = len(wanted.intersection(topic.needs))
            if overlap:
                ranked.append(((-overlap, topic.needs[0] not in wanted, len(topic.needs), index), topic))
        return [t for _, t in sorted(ranked, key=lambda pair: pair[0])]

    def _fuzzy_terms(self, token: str) -> frozenset[str]:
        """Close spellings from the library's own words, for a query word nothing matched."""
        if len(token) < 4:
            return frozenset()
        try:
            from rapidfuzz import fuzz, process
        except ImportError:  # pragma: no cover - rapidfuzz is a declared dependency
            return frozenset()
        hits = process.extract(token, self._vocabulary, scorer=fuzz.ratio, score_cutoff=80, limit=5)
        return frozenset(h[0] for h in hits if len(h[0]) >= 4)

    def search(self, text: str) -> list[Topic]:
        """Topics matching the words of text (slang understood), best first: topics matching more of
        the words come first; then title matches beat keywords, summary, then body. Never raises."""
        return [topic for topic, _ in self.search_matches(text)]

    def search_matches(self, text: str) -> list[tuple[Topic, int]]:
        """As search, with how many of the words each topic matched."""
        if not isinstance(text, str):
            return []
        tokens = _query_tokens(text)
        if not tokens:
            return []
        fuzzy: dict[str, frozenset[str]] = {}
        for token in tokens:
            direct = any(_token_match(token, toks, frozenset()) > 0
                         for doc in self._docs for toks in doc.tokens.values())
            fuzzy[token] = frozenset() if direct else self._fuzzy_terms(token)
        phrase = " " + " ".join(tokens) + " " if len(tokens) > 1 else ""

        ranked = []
        for index, (topic, doc) in enumerate(zip(self.topics, self._docs)):
            matched, score = 0, 0.0
            for token in tokens:
                per_field = [weight * _token_match(token, doc.tokens[name], fuzzy[token])
                             for name, weight in _FIELD_WEIGHTS]
                best = max(per_field)
                if best > 0:
                    matched += 1
                    # The best field decides; other fields that also match add a little.
                    score += best + 0.1 * (sum(per_field) - best)
            if phrase:
                for name, weight in _FIELD_WEIGHTS:
                    if phrase in doc.fields[name]:
                        score += weight * 0.5
                        break
            if matched:
                ranked.append(((-matched, -score, index), topic))
        return [(t, -key[0]) for key, t in sorted(ranked, key=lambda pair: pair[0])]


def load_library(directory: Path | None = None, need_codes: Iterable[str] | None = None) -> Library:
    """Load every topic in directory (default: the bundled topics, loaded once and cached).
    Need codes default to data/need_types.csv. Raises TopicError for the first bad topic."""
    if directory is None and need_codes is None:
        return _default_library()
    return _load(Path(directory) if directory else TOPICS_DIR, need_codes)


def _load(directory: Path, need_codes: Iterable[str] | None) -> Library:
    if need_codes is None:
        from ketdir.needs import load_need_types

        need_codes = load_need_types().codes
    codes = frozenset(need_codes)
    topics = [load_topic(p, codes) for p in sorted(directory.glob("*.md"))]
    seen: dict[str, Topic] = {}
    for topic in topics:
        if topic.id in seen:
            raise TopicError(f"{_display(topic.path)}: field 'id' {topic.id!r} is already used by "
                             f"{_display(seen[topic.id].path)}")
        seen[topic.id] = topic
    return Library(tuple(sorted(topics, key=lambda t: normalise_words(t.title))))


@lru_cache(maxsize=1)
def _default_library() -> Library:
    return _load(TOPICS_DIR, None)


def clear_cache() -> None:
    """Forget the cached default library (e.g. after editing topic files)."""
    _default_library.cache_clear()


# --------------------------------------------------------------------------- plain text

def _inline_plain(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"\1 (\2)", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = text.replace("`", "")
    return text


def _wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first.rstrip()]


def _markdown_to_lines(body: str, width: int) -> list[str]:
    out: list[str] = []
    paragraph: list[str] = []
    item: tuple[str, str, list[str]] | None = None  # (first indent, rest indent, words)

    def flush() -> None:
        nonlocal paragraph, item
        if paragraph:
            out.extend(_wrap(_inline_plain(" ".join(paragraph)), width))
            paragraph = []
        if item:
            out.extend(_wrap(_inline_plain(" ".join(item[2])), width, item[0], item[1]))
            item = None

    for line in body.splitlines():
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.+?)\s*#*\s*$", stripped)
        bullet = re.match(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$", line)
        if not stripped:
            flush()
            if out and out[-1] != "":
                out.append("")
        elif heading:
            flush()
            if out and out[-1] != "":
                out.append("")
            title = _inline_plain(heading.group(2))
            out.append(title)
            out.append(("-" if len(heading.group(1)) <= 2 else "~") * min(len(title), width))
        elif bullet:
            flush()
            indent = " " * len(bullet.group(1).expandtabs(2))
            marker = "-" if bullet.group(2) in "-*+" else bullet.group(2)
            item = (f"{indent}{marker} ", indent + " " * (len(marker) + 1), [bullet.group(3)])
        elif item is not None:
            item[2].append(stripped)
        else:
            paragraph.append(stripped)
    flush()
    while out and out[-1] == "":
        out.pop()
    return out


def topic_as_text(topic: Topic, width: int = 80) -> str:
    """The topic as plain text for the CLI, the clipboard or a printout: title, urgent banner,
    summary, sections, sources and the review date."""
    width = max(int(width), 30)
    lines = [topic.title, "=" * min(len(topic.title), width), ""]
    if topic.urgent:
        lines += _wrap("URGENT: " + URGENT_BANNER, width, "", "        ")
        lines.append("")
    for summary_line in topic.summary.splitlines():
        lines += _wrap(summary_line, width)
    lines.append("")
    lines += _markdown_to_lines(topic.body, width)
    lines += ["", "Sources", "-------"]
    for s in topic.sources:
        lines += _wrap(s.name, width, "- ", "  ")
        if s.url:
            lines.append("  " + s.url)
    lines += ["", topic.reviewed_text]
    return "\n".join(lines) + "\n"
