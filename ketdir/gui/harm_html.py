"""Harm information beside the service: urgent-help banner, then the topics for the need types in play.

Topics come from ketdir.harm.library when it is installed; until then each need type's description
stands in. Topic bodies are Markdown, turned into HTML here by a small converter that escapes
everything first, and the page is cleaned like every other (gui.html).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from ketdir.gui.html import clean_page, esc, link
from ketdir.needs import need_types

FALLBACK_BANNER = (
    "In an emergency — unconscious, fitting, struggling to breathe, chest pain, or blood in the urine with "
    "severe pain — call 999. For urgent advice that is not an emergency, call NHS 111."
)

NHS_111 = ("For urgent advice that is not an emergency, call NHS 111 (NHS 24 on 111 in Scotland; in Northern "
           "Ireland, your GP or GP out of hours).")

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\*)")


def _inline(text: str) -> str:
    """Escape, then bold, italics and [links](https://...)."""
    out: list[str] = []
    pos = 0
    for m in _LINK.finditer(text):
        out.append(_emphasis(esc(text[pos:m.start()])))
        out.append(link(m.group(2), m.group(1)))
        pos = m.end()
    out.append(_emphasis(esc(text[pos:])))
    return "".join(out)


def _emphasis(escaped: str) -> str:
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    return _ITALIC.sub(r"<i>\1</i>", escaped)


def markdown_html(markdown: str, heading_offset: int = 2) -> str:
    """Headings, paragraphs, bullet and numbered lists, bold, italics and links. Nothing else."""
    html: list[str] = []
    paragraph: list[str] = []
    list_tag: str | None = None

    def flush_paragraph() -> None:
        if paragraph:
            html.append("<p>" + _inline(" ".join(paragraph)) + "</p>")
            paragraph.clear()

    def close_list() -> None:
        nonlocal list_tag
        if list_tag:
            html.append(f"</{list_tag}>")
            list_tag = None

    for raw in (markdown or "").splitlines():
        line = raw.strip()
        if not line:
            flush_paragraph()
            close_list()
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        bullet = re.match(r"^[-*+]\s+(.*)$", line)
        number = re.match(r"^\d+[.)]\s+(.*)$", line)
        if heading:
            flush_paragraph()
            close_list()
            level = min(4, len(heading.group(1)) + heading_offset)
            html.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif bullet or number:
            flush_paragraph()
            tag = "ul" if bullet else "ol"
            if list_tag != tag:
                close_list()
                html.append(f"<{tag}>")
                list_tag = tag
            html.append(f"<li>{_inline((bullet or number).group(1))}</li>")
        else:
            close_list()
            paragraph.append(line)
    flush_paragraph()
    close_list()
    return "".join(html)


@dataclass(frozen=True)
class HarmContent:
    banner: str
    topics: list  # ketdir.harm.library Topic objects (may be empty)
    fallback_needs: tuple[str, ...]  # need codes to describe when there are no topics


def load_harm_content(codes: Iterable[str], lead: Iterable[str] = ()) -> HarmContent:
    """Topics for these need codes from the harm library, or need descriptions until it exists. lead: topic ids
    to put first (the ones the search words point to: ketdir.search.harm_lead)."""
    codes = tuple(dict.fromkeys(codes))
    try:
        from ketdir.harm.library import URGENT_BANNER, load_library
    except ImportError:
        return HarmContent(FALLBACK_BANNER, [], codes)
    try:
        library = load_library()
        first = [t for t in (library.get(i) for i in lead) if t is not None]
        topics = first + [t for t in (library.for_needs(list(codes)) if codes else []) if t not in first]
    except Exception:  # a broken topic file must not take the window down
        topics = []
    banner = str(URGENT_BANNER or FALLBACK_BANNER)
    if "111" not in banner:
        banner += " " + NHS_111
    return HarmContent(banner, topics, () if topics else codes)


def _sources(topic) -> str:
    items = []
    for source in getattr(topic, "sources", ()) or ():
        if isinstance(source, (tuple, list)) and len(source) >= 2:
            name, url = source[0], source[1]
        elif isinstance(source, dict):
            name, url = source.get("name"), source.get("url")
        else:
            name, url = getattr(source, "name", str(source)), getattr(source, "url", None)
        items.append(link(url, name) if url else esc(name))
    return ", ".join(items)


def harm_html(content: HarmContent) -> str:
    parts = [
        '<table width="100%" cellpadding="8"><tr><td class="banner-urgent"><b>Urgent help</b><br>'
        + esc(content.banner) + "</td></tr></table>"
    ]
    if content.topics:
        for topic in content.topics:
            parts.append(f"<h3>{esc(getattr(topic, 'title', ''))}</h3>")
            if getattr(topic, "urgent", False) is True:
                parts.append('<p><span class="warn">&nbsp;⚠ Can be an emergency — see “Get help urgently”&nbsp;</span></p>')
            summary = getattr(topic, "summary", "")
            if summary:
                parts.append(f'<table width="100%" cellpadding="6"><tr><td class="summary">{esc(summary)}</td></tr></table>')
            parts.append(markdown_html(getattr(topic, "body", "") or ""))
            sources = _sources(topic)
            reviewed = getattr(topic, "reviewed_text", None) or (
                f"Reviewed {topic.reviewed}" if getattr(topic, "reviewed", None) else "")
            foot = []
            if sources:
                foot.append("Sources: " + sources)
            if reviewed:
                foot.append(esc(reviewed))
            if foot:
                parts.append('<p class="muted"><small>' + " · ".join(foot) + "</small></p>")
    elif content.fallback_needs:
        needs = need_types()
        for code in content.fallback_needs:
            need = needs.get(code)
            if need is None:
                continue
            parts.append(f"<h3>{esc(need.label)}</h3><p>{esc(need.description)}</p>")
    else:
        parts.append('<p class="muted">Tick a need type, or choose a service, to see harm information '
                     "to talk through.</p>")
    return clean_page("".join(parts))
