"""SQL functions the log's queries use, registered on every connection that reads the log.

``newsdesk_casefold(text)`` folds case for all of Unicode (SQLite's ``lower()`` folds A-Z
only). ``newsdesk_question_key(question)`` is the one definition of "the same question":
its sorted, unique index terms (the analyzer's, so "Iran's offers to Iraq?" and "Iran offer
to Iraq" share a key) after chat shorthand is written out as the search does ("how many ppl
fled ramadi" and "How many people fled Ramadi?" share one), or its lowercased words when it
has no index terms. ``logs stats``,
``/querylog stats`` and the dashboard's "Top questions" all group by it.
``newsdesk_filters_text(filters)`` and ``newsdesk_reason_text(reason, filters, answered)``
give the dashboard the listings' words for a question's filters and why it got no answer;
``newsdesk_local_time(time, zone)`` a logged UTC time to the minute in an IANA zone, the zone
named (``2024-05-01 11:00 CEST``; an unknown zone gives UTC).

Both are bounded, since the dashboard's SQL box lets anyone with access call them on any
string: ``newsdesk_question_key`` reads at most :data:`MAX_KEY_INPUT_CHARS` characters
(twice the longest question the bot takes; a longer string is keyed by its beginning) and
remembers only strings that short, so one call takes milliseconds whatever it is given.
``fts3_tokenizer``, SQLite's function that hands out (and with two arguments installs) a
tokenizer's memory address, is replaced by one that refuses on every connection given
these functions.

The dashboard's Datasette loads :mod:`bot.querylog.datasette_plugins.newsdesk_functions`,
which calls :func:`register_functions` on its connections, so its canned SQL can use them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import sqlite3
import zoneinfo
from collections.abc import Callable

from bot.querylog.records import describe_filters, one_line, reason_text
from retrieval.text.analyzer import default_analyzer
from retrieval.text.shorthand import expand, load_shorthand

log = logging.getLogger(__name__)

KEY_SEPARATOR = " "
QUESTION_KEY_CACHE = 16384  # distinct questions remembered; at most MAX_KEY_INPUT_CHARS each
MAX_KEY_INPUT_CHARS = 2000  # twice retrieval's MAX_QUESTION_CHARS: no logged question is longer
MAX_FILTERS_CHARS = 4096  # logged filters are a few dozen characters
DISABLED_FUNCTIONS = (("fts3_tokenizer", 1), ("fts3_tokenizer", 2))


def question_key(question: str, analyzer: Callable[[str], list[str]] | None = None) -> tuple[str, ...]:
    """Group key: the sorted unique index terms of the question as searched, chat shorthand
    written out as the search does ("ppl" is "people"); its lowercased words if it has none."""
    searched = expand(question, load_shorthand())
    terms = sorted(set((analyzer or default_analyzer())(searched)))
    return tuple(terms) if terms else tuple(question.lower().split())


@functools.lru_cache(maxsize=QUESTION_KEY_CACHE)
def _cached_key_text(question: str) -> str:
    # Cached: a log repeats its popular questions, and grouping a period calls this per row.
    return KEY_SEPARATOR.join(question_key(question))


def question_key_text(question: str | bytes | float | None) -> str | None:
    """``newsdesk_question_key``: the key as one string; a string longer than any question is
    keyed by its first MAX_KEY_INPUT_CHARS characters and never cached."""
    if question is None:
        return None
    if isinstance(question, bytes):
        question = question[: MAX_KEY_INPUT_CHARS * 4].decode("utf-8", "replace")
    elif not isinstance(question, str):
        question = str(question)
    if len(question) > MAX_KEY_INPUT_CHARS:
        return KEY_SEPARATOR.join(question_key(question[:MAX_KEY_INPUT_CHARS]))
    return _cached_key_text(question)


def filters_text(filters: str | None) -> str:
    """``newsdesk_filters_text(filters)``: logged filters (JSON) for people, "" for none."""
    if not filters or not isinstance(filters, str):
        return ""
    if len(filters) > MAX_FILTERS_CHARS:
        return "(filters too long to show)"
    try:
        data = json.loads(filters)
    except ValueError:
        return one_line(filters[:200])
    return describe_filters(data) if isinstance(data, dict) else one_line(filters[:200])


def reason_words(reason: str | None, filters: str | None, answered: int | None) -> str:
    """``newsdesk_reason_text(reason, filters, answered)``: why a question got no answer, for people."""
    return reason_text(reason if isinstance(reason, str) else None, bool(filters and filters != "{}"), bool(answered))


MAX_TIME_CHARS = 40  # a logged time has 24
MAX_ZONE_CHARS = 64


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    return zoneinfo.ZoneInfo(name)  # a name that is no zone raises (and is not cached)


def local_time(moment: str | None, zone: str | None) -> str | None:
    """``newsdesk_local_time(time, zone)``: ``2024-05-01 11:00 CEST``; the text as it was when
    it is not a time, UTC when ``zone`` is not a known zone."""
    if not isinstance(moment, str) or len(moment) > MAX_TIME_CHARS:
        return None
    try:
        when = dt.datetime.fromisoformat(moment)
    except ValueError:
        return moment
    try:
        where = _zone(zone) if isinstance(zone, str) and len(zone) <= MAX_ZONE_CHARS else dt.timezone.utc
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        where = dt.timezone.utc
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(where).strftime("%Y-%m-%d %H:%M %Z")


def _disabled(*args: object) -> None:
    raise sqlite3.NotSupportedError("fts3_tokenizer is disabled on the query log")


def _casefold(text: str | None) -> str | None:
    return None if text is None else text.casefold()


def register_functions(conn: sqlite3.Connection) -> None:
    """Add the log's SQL functions to ``conn`` (idempotent)."""
    conn.create_function("newsdesk_casefold", 1, _casefold, deterministic=True)
    conn.create_function("newsdesk_question_key", 1, question_key_text, deterministic=True)
    conn.create_function("newsdesk_filters_text", 1, filters_text, deterministic=True)
    conn.create_function("newsdesk_reason_text", 3, reason_words, deterministic=True)
    conn.create_function("newsdesk_local_time", 2, local_time, deterministic=True)
    for name, arity in DISABLED_FUNCTIONS:
        conn.create_function(name, arity, _disabled)
