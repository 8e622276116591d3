"""Harm-information library: topics written from the sourced fact brief, their loader and search."""
from ketdir.harm.library import (
    URGENT_BANNER,
    Library,
    Source,
    Topic,
    TopicError,
    audit_topic,
    find_phone_numbers,
    find_urls,
    load_library,
    load_topic,
    topic_as_text,
)

__all__ = [
    "URGENT_BANNER",
    "Library",
    "Source",
    "Topic",
    "TopicError",
    "audit_topic",
    "find_phone_numbers",
    "find_urls",
    "load_library",
    "load_topic",
    "topic_as_text",
]
