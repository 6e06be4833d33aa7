"""Moderator review of the query log: the queries behind ``newsdesk logs``, ``/querylog``
and the dashboard's canned SQL, built from the same pieces.

Small typed functions over a sqlite_utils :class:`Database` (give them a connection from
:func:`~bot.querylog.reader.open_reader`); every value reaches SQL as a bound parameter.
Times in the log are UTC ISO strings, so the period filters compare strings: a ``date``
means that whole UTC day, a ``datetime`` an instant (``since`` inclusive, ``until`` exclusive).

Every read takes ``guild``: given, it sees only that server's questions (and the votes on
them), never another's. Given a :class:`Viewer` (a server and one member's readable channels
there), it also sees only the questions asked in those channels, and those of channels gone
from the server only if the viewer may see them. One :class:`~bot.querylog.scope.Scope`
builds every WHERE clause (see :mod:`bot.querylog.scope`), so no query can forget the server
or the channels; :func:`withheld` counts what a viewer was not shown.

"Top questions" has one definition, :func:`top_questions_sql`: questions grouped by
``newsdesk_question_key`` (rephrasings together), most asked first, the latest wording shown.
``stats`` and the dashboard's ``top_questions`` canned query (:mod:`bot.querylog.canned`) both run it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from sqlite_utils import Database

from bot.querylog.functions import KEY_SEPARATOR, register_functions
from bot.querylog.records import _json, ChannelCount, Headline, DayCount, DayVotes, LoggedQuery, Stats, TopQuestion
from bot.querylog.schema import utc_text  # noqa: F401  (re-exported)
from bot.querylog.scope import (  # noqa: F401  (re-exported: reviews import them from here)
    Bound,
    Guild,
    ReviewError,
    Scope,
    Viewer,
    bound_text,
    since_days,
    upper_bound,
    where,
)

log = logging.getLogger(__name__)

# -- shared pieces ----------------------------------------------------------------------

# Thumbs per query, as correlated subqueries so a query without feedback still shows 0.
THUMBS = """(SELECT count(*) FROM feedback f WHERE f.query_id = q.id AND f.value > 0) AS thumbs_up,
       (SELECT count(*) FROM feedback f WHERE f.query_id = q.id AND f.value < 0) AS thumbs_down"""
NEWEST_FIRST = "ORDER BY q.asked_at DESC, q.id DESC"
# Searched and not answered; questions refused before any search (a bad filter) are not gaps in the archive.
IS_UNANSWERED = "q.answered = 0 AND q.rejected IS NULL"
IS_REFUSED = "q.rejected IS NOT NULL"
# The dashboard's ANSWERED column, in the words of `newsdesk logs` (LoggedQuery.answered_text).
ANSWERED_TEXT = f"CASE WHEN q.answered THEN 'yes' WHEN {IS_REFUSED} THEN 'refused' ELSE 'no' END AS answered"


def contains(param: str) -> str:
    """The question contains the text in ``param``: any case (Unicode), literally (no wildcards)."""
    return f"instr(newsdesk_casefold(q.question), newsdesk_casefold({param})) > 0"


def top_questions_sql(where: str = "", limit: str = "100", *, by_filters: bool = False) -> str:
    """The one "top questions" query: rephrasings grouped, most asked first, then latest asked.

    ``where`` is a clause over ``q`` (with its WHERE), ``limit`` a number or a parameter.
    ``by_filters``: the same question asked under other filters is another group, and each
    row also has its ``filters`` (JSON, '' for none) and the latest ``reason``.
    """
    # SQLite fills a bare column from the row that gives max(): the latest wording.
    extra = ", coalesce(q.filters, '') AS filters, q.reason AS reason" if by_filters else ""
    return f"""SELECT newsdesk_question_key(q.question) AS terms, q.question AS latest_wording,
       count(*) AS times_asked, sum(q.answered) AS answered, max(q.asked_at) AS last_asked{extra}
FROM queries q{where}
GROUP BY terms{", filters" if by_filters else ""}
ORDER BY times_asked DESC, last_asked DESC
LIMIT {limit}"""


# The late answer a question got (bot.querylog.late_store): its article and when, or NULLs.
LATE = """(SELECT la.answered_at FROM late_answers la WHERE la.query_id = q.id) AS late_at,
       (SELECT la.article_id FROM late_answers la WHERE la.query_id = q.id) AS late_article"""
_SELECT = f"""SELECT q.id, q.asked_at, q.interface, q.user_id, q.guild_id, q.channel_id, q.question,
       q.answered, q.result_count, q.article_ids, q.filters, q.top_score, q.latency_ms,
       {THUMBS},
       q.rejected IS NOT NULL AS refused, q.reason, {LATE}
FROM queries q"""

def withheld(total: Callable[[Guild], int], guild: Guild) -> int:
    """How many questions ``total`` counts in the whole server but not for the viewer ``guild``
    (0 when ``guild`` is not a :class:`Viewer`): the count a reply states, never their text."""
    if not isinstance(guild, Viewer):
        return 0
    return total(guild.guild) - total(guild)


def count(db: Database, since: Bound = None, until: Bound = None, *, guild: Guild = None) -> int:
    """How many questions were asked in the period."""
    return _total(db, *where(since, until, guild=guild))


# -- listings ---------------------------------------------------------------------------


def _list(db: Database, where_sql: str, params: list[Any], count: int) -> list[LoggedQuery]:
    if count < 1:
        raise ReviewError(f"count must be at least 1, not {count}")
    register_functions(db.conn)
    sql = f"{_SELECT}{where_sql} {NEWEST_FIRST} LIMIT ?"
    return [LoggedQuery.from_row(row) for row in db.query(sql, [*params, count])]


def recent(
    db: Database, count: int = 20, since: Bound = None, until: Bound = None, *, guild: Guild = None
) -> list[LoggedQuery]:
    """The newest ``count`` questions, newest first."""
    return _list(db, *where(since, until, guild=guild), count)


def _total(db: Database, where_sql: str, params: list[Any]) -> int:
    register_functions(db.conn)
    (total,) = db.execute(f"SELECT count(*) FROM queries q{where_sql}", params).fetchone()
    return int(total)


def _search_where(text: str, since: Bound, until: Bound, guild: Guild) -> tuple[str, list[Any]]:
    needle = (text or "").strip()
    if not needle:
        raise ReviewError("search text is empty")
    where_sql, params = where(since, until, contains("?"), guild=guild)
    return where_sql, [needle, *params]


def search(
    db: Database, text: str, count: int = 20, since: Bound = None, until: Bound = None, *, guild: Guild = None
) -> list[LoggedQuery]:
    """Questions containing ``text``: case-insensitive (Unicode), literal (% _ ' are plain text)."""
    return _list(db, *_search_where(text, since, until, guild), count)


def search_total(db: Database, text: str, since: Bound = None, until: Bound = None, *, guild: Guild = None) -> int:
    """How many questions :func:`search` would find with no limit on their number."""
    return _total(db, *_search_where(text, since, until, guild))


def unanswered(db: Database, *, since: Bound = None, until: Bound = None, count: int = 50, guild: Guild = None) -> list[LoggedQuery]:
    """Questions the archive could not answer in the period, newest first."""
    return _list(db, *where(since, until, IS_UNANSWERED, guild=guild), count)


def unanswered_total(db: Database, *, since: Bound = None, until: Bound = None, guild: Guild = None) -> int:
    """How many questions :func:`unanswered` would list with no limit on their number."""
    return _total(db, *where(since, until, IS_UNANSWERED, guild=guild))


# -- figures ----------------------------------------------------------------------------


def top_questions(
    db: Database,
    since: Bound = None,
    until: Bound = None,
    top: int = 10,
    *extra: str,
    guild: Guild = None,
    by_filters: bool = False,
) -> list[TopQuestion]:
    """The ``top`` most asked questions of the period (see :func:`top_questions_sql`), among
    those matching the ``extra`` clauses over ``q``; with ``by_filters``, one group per filters."""
    register_functions(db.conn)
    where_sql, params = where(since, until, *extra, guild=guild)
    rows = db.execute(top_questions_sql(where_sql, "?", by_filters=by_filters), [*params, top])
    return [
        TopQuestion(
            tuple(key.split(KEY_SEPARATOR)) if key else (),
            wording,
            count,
            answered,
            last,
            filters=_json(rest[0], dict) if rest else {},
            reason=rest[1] if rest else None,
        )
        for key, wording, count, answered, last, *rest in rows
    ]


def top_unanswered(
    db: Database, since: Bound = None, until: Bound = None, top: int = 10, *, guild: Guild = None
) -> list[TopQuestion]:
    """The most asked questions the archive could not answer (rephrasings grouped), one group
    per filters: a question unanswered under an outlet or dates is not a gap in the archive."""
    return top_questions(db, since, until, top, IS_UNANSWERED, guild=guild, by_filters=True)


def _per_asked_day(
    db: Database, columns: str, source: str, since: Bound, until: Bound, guild: Guild = None
) -> list[tuple[Any, ...]]:
    """``columns`` over ``source`` (which names ``q``) per UTC day asked, days with rows only, oldest first."""
    where_sql, params = where(since, until, guild=guild)
    sql = f"SELECT substr(q.asked_at, 1, 10) AS day, {columns} FROM {source}{where_sql} GROUP BY day ORDER BY day"
    return db.execute(sql, params).fetchall()


def per_day(db: Database, since: Bound = None, until: Bound = None, *, guild: Guild = None) -> list[DayCount]:
    """Questions asked and answered per UTC day, for the days with questions, oldest first."""
    rows = _per_asked_day(db, "count(*), coalesce(sum(q.answered), 0)", "queries q", since, until, guild)
    return [DayCount(*row) for row in rows]


def refused(db: Database, since: Bound = None, until: Bound = None, *, guild: Guild = None) -> int:
    """How many questions of the period were refused before any search (a bad filter, too long):
    neither answered nor unanswered."""
    return _total(db, *where(since, until, IS_REFUSED, guild=guild))


def votes_per_day(db: Database, since: Bound = None, until: Bound = None, *, guild: Guild = None) -> list[DayVotes]:
    """👍/👎 per UTC day the question was asked, for the days with votes, oldest first."""
    votes = "coalesce(sum(f.value > 0), 0), coalesce(sum(f.value < 0), 0)"
    rows = _per_asked_day(db, votes, "feedback f JOIN queries q ON q.id = f.query_id", since, until, guild)
    return [DayVotes(*row) for row in rows]


def _channels(db: Database, where_sql: str, params: list[Any], channels: int) -> list[ChannelCount]:
    clause = f"{where_sql} AND" if where_sql else " WHERE"
    # The names of the channel's latest question (SQLite fills bare columns from the max() row).
    sql = (
        f"SELECT q.guild_id, q.channel_id, count(*) AS n, max(q.asked_at), q.guild_name, q.channel_name "
        f"FROM queries q{clause} q.channel_id IS NOT NULL "
        "GROUP BY q.guild_id, q.channel_id ORDER BY n DESC, q.channel_id LIMIT ?"
    )
    rows = db.execute(sql, [*params, channels])
    return [ChannelCount(guild, channel, n, guild_name, channel_name) for guild, channel, n, _, guild_name, channel_name in rows]


def stats(db: Database, *, since: Bound = None, until: Bound = None, top: int = 10, channels: int = 5, guild: Guild = None) -> Stats:
    """Figures for a period: per day, answered share, refused, top questions, feedback, channels, users.

    ``refused`` counts questions refused before any search (a bad filter, too long): they are
    neither answered nor listed as unanswered. ``distinct_users`` is None when no question of
    the period stored who asked (``NEWSDESK_LOG_USER_IDS=none``, the command line).
    """
    glance = headline(db, since, until, guild=guild)
    return Stats(
        since=bound_text(since),
        until=bound_text(until),  # the day asked for, not the exclusive bound the SQL uses
        questions=glance.questions,
        answered=glance.answered,
        # None, not 0, when no question of the period stored who asked (``none``, the CLI).
        distinct_users=glance.people,
        refused=refused(db, since, until, guild=guild),
        thumbs_up=glance.thumbs_up,
        thumbs_down=glance.thumbs_down,
        per_day=per_day(db, since, until, guild=guild),
        top_questions=top_questions(db, since, until, top, guild=guild),
        busiest_channels=_channels(db, *where(since, until, guild=guild), channels),
    )


def headline(db: Database, since: Bound = None, until: Bound = None, *, guild: Guild = None) -> Headline:
    """The period's questions, answered, distinct askers and votes, in two reads."""
    where_sql, params = where(since, until, guild=guild)
    total, answered, people, with_user = db.execute(
        "SELECT count(*), coalesce(sum(q.answered), 0), count(DISTINCT q.user_id), count(q.user_id) "
        f"FROM queries q{where_sql}",
        params,
    ).fetchone()
    up, down = db.execute(
        "SELECT coalesce(sum(f.value > 0), 0), coalesce(sum(f.value < 0), 0) "
        f"FROM feedback f JOIN queries q ON q.id = f.query_id{where_sql}",
        params,
    ).fetchone()
    return Headline(total, answered, people if with_user or not total else None, up, down)


def iter_export_rows(
    db: Database, since: Bound = None, until: Bound = None, *, guild: Guild = None
) -> Iterator[dict[str, Any]]:
    """Every question in the period, oldest first, one dict (EXPORT_COLUMNS) at a time.

    Iterates the cursor, so exporting a large log never holds it all in memory.
    """
    where_sql, params = where(since, until, guild=guild)
    cursor = db.execute(f"{_SELECT}{where_sql} ORDER BY q.asked_at, q.id", params)
    try:
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield dict(zip(names, values))
    finally:
        cursor.close()
