"""Safe rich text for the detail and harm panes.

Everything from data is either escaped (plain text) or cleaned with nh3 (text that holds HTML), and
the finished page is cleaned once more: only http(s):, tel: and mailto: links survive, no images,
no scripts, no styles, no relative links (which Qt would resolve to local files).
"""
from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3

SAFE_SCHEMES = frozenset({"http", "https", "tel", "mailto"})
DATA_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a"})
PAGE_TAGS = DATA_TAGS | frozenset({"h2", "h3", "h4", "div", "span", "table", "tr", "td", "th", "small", "hr"})
PAGE_ATTRIBUTES = {
    "*": {"class"},
    "a": {"href", "title"},
    "table": {"width", "cellpadding", "cellspacing"},
    "td": {"width", "valign", "colspan"},
    "th": {"width", "valign", "align"},
}
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_TAG = re.compile(r"<[a-zA-Z/!]")
_DEAD_ANCHOR = re.compile(r"<a(?![^>]*\shref=)[^>]*>(.*?)</a>", re.S)


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s)/tel/mailto link, else None."""
    if not url:
        return None
    url = url.strip()
    if _CONTROL.search(url.replace(" ", "")) or "\\" in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in SAFE_SCHEMES:
        return None
    if scheme in ("http", "https") and not parts.netloc:
        return None
    if scheme in ("tel", "mailto") and not (parts.path or parts.netloc):
        return None
    return url


def _drop_dead_anchors(html_text: str) -> str:
    """<a> whose link was removed becomes plain text (Qt would still treat it as a link)."""
    return _DEAD_ANCHOR.sub(r"\1", html_text)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "href":
        return safe_url(value)
    return value


def clean_data(text: str | None) -> str:
    """Text from the directory as safe HTML: HTML is cleaned, plain text is escaped into paragraphs."""
    text = (text or "").strip()
    if not text:
        return ""
    if _TAG.search(text):
        return _drop_dead_anchors(nh3.clean(
            text,
            tags=set(DATA_TAGS),
            attributes={"a": {"href"}},
            url_schemes=set(SAFE_SCHEMES),
            attribute_filter=_attribute_filter,
            link_rel=None,
            strip_comments=True,
        ))
    return plain(text)


def inline_text(text: str | None) -> str:
    """Text that may hold stray markup, as safe inline HTML with every tag removed."""
    text = (text or "").strip()
    if not _TAG.search(text):
        return esc(text)
    return nh3.clean(text, tags=set(), clean_content_tags={"script", "style"}, strip_comments=True)


def plain(text: str | None) -> str:
    """Plain text as HTML paragraphs (blank lines) and line breaks."""
    text = (text or "").strip()
    if not text:
        return ""
    paragraphs = re.split(r"\n\s*\n", text)
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def esc(text: object) -> str:
    return html.escape(str(text or ""), quote=True)


def link(url: str | None, text: str | None = None) -> str:
    """An anchor if the URL is safe; otherwise just the (escaped) text."""
    label = esc(text if text is not None else url)
    url = safe_url(url)
    if url is None:
        return label
    return f'<a href="{esc(url)}">{label}</a>'


def clean_page(page: str) -> str:
    """The last line of defence over a whole page."""
    return _drop_dead_anchors(nh3.clean(
        page,
        tags=set(PAGE_TAGS),
        attributes={k: set(v) for k, v in PAGE_ATTRIBUTES.items()},
        url_schemes=set(SAFE_SCHEMES),
        attribute_filter=_attribute_filter,
        link_rel=None,
        strip_comments=True,
    ))
