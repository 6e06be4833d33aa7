"""SQL functions the log's queries use, registered on every connection that reads the log.

``newsdesk_casefold(text)`` folds case for all of Unicode (SQLite's ``lower()`` folds A-Z
only). ``newsdesk_question_key(question)`` is the one definition of "the same question":
its sorted, unique index terms (the analyzer's, so "Iran's offers to Iraq?" and "Iran offer
to Iraq" share a key), or its lowercased words when it has no index terms. ``logs stats``,
``/querylog stats`` and the dashboard's "Top questions" all group by it.

The dashboard's Datasette loads :mod:`bot.querylog.datasette_plugins.newsdesk_functions`,
which calls :func:`register_functions` on its connections, so its canned SQL can use them.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Callable

from retrieval.text.analyzer import default_analyzer

log = logging.getLogger(__name__)

KEY_SEPARATOR = " "
QUESTION_KEY_CACHE = 16384  # distinct questions remembered; well under a few MB


def question_key(question: str, analyzer: Callable[[str], list[str]] | None = None) -> tuple[str, ...]:
    """Group key: the question's sorted unique index terms (its lowercased words if it has none)."""
    terms = sorted(set((analyzer or default_analyzer())(question)))
    return tuple(terms) if terms else tuple(question.lower().split())


@functools.lru_cache(maxsize=QUESTION_KEY_CACHE)
def _question_key_text(question: str | None) -> str | None:
    # Cached: a log repeats its popular questions, and grouping a period calls this per row.
    return None if question is None else KEY_SEPARATOR.join(question_key(question))


def _casefold(text: str | None) -> str | None:
    return None if text is None else text.casefold()


def register_functions(conn: sqlite3.Connection) -> None:
    """Add the log's SQL functions to ``conn`` (idempotent)."""
    conn.create_function("newsdesk_casefold", 1, _casefold, deterministic=True)
    conn.create_function("newsdesk_question_key", 1, _question_key_text, deterministic=True)
