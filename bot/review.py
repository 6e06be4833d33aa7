"""Moderator review of the query log: the queries behind ``newsdesk logs`` and ``/querylog``.

Small typed functions over a sqlite_utils :class:`Database`; every value reaches SQL as a
bound parameter. Times in the log are UTC ISO strings (``2024-05-01T12:00:00.000Z``), so
the filters compare strings: a ``date`` means that whole UTC day, a ``datetime`` an
instant (``since`` inclusive, ``until`` exclusive).

Give these functions a connection of their own (``open_database(path)``) rather than the
one a running :class:`~bot.querylog.QueryLog` writes through from other threads: SQLite
then serialises readers and writers itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from sqlite_utils import Database

from bot.querylog import QueryLog
from retrieval.analyzer import default_analyzer

log = logging.getLogger(__name__)

Bound = dt.date | dt.datetime | None

_DURATION_RE = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}

# Thumbs per query, as correlated subqueries so a query without feedback still shows 0.
_SELECT = """
SELECT q.id, q.asked_at, q.interface, q.user_id, q.guild_id, q.channel_id, q.question,
       q.answered, q.result_count, q.article_ids, q.filters, q.top_score, q.latency_ms,
       (SELECT count(*) FROM feedback f WHERE f.query_id = q.id AND f.value > 0) AS thumbs_up,
       (SELECT count(*) FROM feedback f WHERE f.query_id = q.id AND f.value < 0) AS thumbs_down
FROM queries q
"""

EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "asked_at",
    "interface",
    "user_id",
    "guild_id",
    "channel_id",
    "question",
    "answered",
    "result_count",
    "article_ids",
    "filters",
    "top_score",
    "latency_ms",
    "thumbs_up",
    "thumbs_down",
)


class ReviewError(ValueError):
    """A bad argument to a review query (a duration, a count); the message says what is wrong."""


def parse_duration(text: str) -> dt.timedelta:
    """``"12h"``, ``"90d"``, ``"2w"`` -> timedelta. Raises ReviewError for anything else."""
    match = _DURATION_RE.match(text or "")
    if not match:
        raise ReviewError(f"{text!r} is not a duration: use a number and h, d or w (e.g. 12h, 90d, 2w)")
    amount = int(match.group(1))
    if amount <= 0:
        raise ReviewError(f"{text!r}: a duration must be more than zero")
    return amount * _UNITS[match.group(2).lower()]


def _utc(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


def _lower(since: Bound) -> str | None:
    if since is None:
        return None
    if isinstance(since, dt.datetime):
        return _utc(since)
    return since.isoformat()  # "2024-05-01" sorts before every time on that day


def _upper(until: Bound) -> str | None:
    if until is None:
        return None
    if isinstance(until, dt.datetime):
        return _utc(until)
    return (until + dt.timedelta(days=1)).isoformat()  # the whole day is included


def since_days(days: float | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """The instant ``days`` ago (None for no limit)."""
    if days is None:
        return None
    if days <= 0:
        raise ReviewError(f"days must be more than zero, not {days}")
    return (now or dt.datetime.now(dt.timezone.utc)) - dt.timedelta(days=days)


def _where(since: Bound, until: Bound, *extra: str) -> tuple[str, list[Any]]:
    clauses, params = list(extra), []
    if (low := _lower(since)) is not None:
        clauses.append("q.asked_at >= ?")
        params.append(low)
    if (high := _upper(until)) is not None:
        clauses.append("q.asked_at < ?")
        params.append(high)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _json(text: str | None, kind: type) -> Any:
    """A JSON column, or an empty ``kind`` when it is missing or not what it should be."""
    try:
        value = json.loads(text) if text else kind()
    except ValueError:
        return kind()
    return value if isinstance(value, kind) else kind()


@dataclass(frozen=True)
class LoggedQuery:
    """One logged question, as a moderator sees it."""

    id: int
    asked_at: str
    interface: str
    user_id: str | None
    guild_id: str | None
    channel_id: str | None
    question: str
    answered: bool
    result_count: int
    article_ids: list[str]
    filters: dict[str, str]
    top_score: float | None
    latency_ms: float | None
    thumbs_up: int
    thumbs_down: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LoggedQuery:
        articles = _json(row["article_ids"], list)
        filters = _json(row.get("filters"), dict)
        return cls(
            id=row["id"],
            asked_at=row["asked_at"],
            interface=row["interface"],
            user_id=row["user_id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            question=row["question"],
            answered=bool(row["answered"]),
            result_count=row["result_count"] or 0,
            article_ids=articles,
            filters=filters,
            top_score=row["top_score"],
            latency_ms=row["latency_ms"],
            thumbs_up=row["thumbs_up"],
            thumbs_down=row["thumbs_down"],
        )

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EXPORT_COLUMNS}

    def to_row(self) -> dict[str, Any]:
        """The export's flat form (as :func:`iter_export_rows` yields): JSON text, answered 0/1."""
        return {
            **self.to_json(),
            "answered": int(self.answered),
            "article_ids": json.dumps(self.article_ids),
            "filters": json.dumps(self.filters) if self.filters else None,
        }


def _check_count(count: int) -> int:
    if count < 1:
        raise ReviewError(f"count must be at least 1, not {count}")
    return count


def _list(db: Database, where: str, params: list[Any], count: int) -> list[LoggedQuery]:
    sql = f"{_SELECT}{where} ORDER BY q.asked_at DESC, q.id DESC LIMIT ?"
    return [LoggedQuery.from_row(row) for row in db.query(sql, [*params, _check_count(count)])]


def recent(db: Database, count: int = 20, since: Bound = None, until: Bound = None) -> list[LoggedQuery]:
    """The newest ``count`` questions, newest first."""
    where, params = _where(since, until)
    return _list(db, where, params, count)


def _casefold(text: str | None) -> str | None:
    return None if text is None else text.casefold()


def search(
    db: Database, text: str, count: int = 20, since: Bound = None, until: Bound = None
) -> list[LoggedQuery]:
    """Questions containing ``text``: case-insensitive (Unicode), literal (% _ ' are plain text)."""
    needle = (text or "").strip()
    if not needle:
        raise ReviewError("search text is empty")
    # instr() has no wildcards, and SQLite's own lower() folds ASCII only.
    db.conn.create_function("newsdesk_casefold", 1, _casefold, deterministic=True)
    where, params = _where(since, until, "instr(newsdesk_casefold(q.question), ?) > 0")
    return _list(db, where, [needle.casefold(), *params], count)


def unanswered(
    db: Database,
    days: float | None = None,
    *,
    since: Bound = None,
    until: Bound = None,
    count: int = 50,
) -> list[LoggedQuery]:
    """Questions the archive could not answer, newest first (last ``days`` days, or since/until)."""
    where, params = _where(since_days(days) if days is not None else since, until, "q.answered = 0")
    return _list(db, where, params, count)


@dataclass(frozen=True)
class DayCount:
    day: str
    questions: int
    answered: int


@dataclass(frozen=True)
class TopQuestion:
    """Questions with the same normalised terms; ``question`` is the most recent wording."""

    terms: tuple[str, ...]
    question: str
    count: int
    answered: int
    last_asked: str


@dataclass(frozen=True)
class ChannelCount:
    guild_id: str | None
    channel_id: str
    questions: int


@dataclass(frozen=True)
class Stats:
    since: str | None
    until: str | None
    questions: int
    answered: int
    distinct_users: int
    thumbs_up: int
    thumbs_down: int
    per_day: list[DayCount] = field(default_factory=list)
    top_questions: list[TopQuestion] = field(default_factory=list)
    busiest_channels: list[ChannelCount] = field(default_factory=list)

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.questions if self.questions else None

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "until": self.until,
            "questions": self.questions,
            "answered": self.answered,
            "answered_share": self.answered_share,
            "distinct_users": self.distinct_users,
            "thumbs_up": self.thumbs_up,
            "thumbs_down": self.thumbs_down,
            "per_day": [vars(d) for d in self.per_day],
            "top_questions": [{**vars(t), "terms": list(t.terms)} for t in self.top_questions],
            "busiest_channels": [vars(c) for c in self.busiest_channels],
        }


def question_key(question: str, analyzer: Callable[[str], list[str]] | None = None) -> tuple[str, ...]:
    """Group key: the question's sorted unique index terms (its lowercased words if it has none)."""
    terms = sorted(set((analyzer or default_analyzer())(question)))
    return tuple(terms) if terms else tuple(question.lower().split())


def stats(
    db: Database,
    days: float | None = None,
    *,
    since: Bound = None,
    until: Bound = None,
    top: int = 10,
    channels: int = 5,
) -> Stats:
    """Figures for a period: per day, answered share, top questions, feedback, channels, users."""
    since = since_days(days) if days is not None else since
    where, params = _where(since, until)
    total, answered, users = db.execute(
        f"SELECT count(*), coalesce(sum(q.answered), 0), count(DISTINCT q.user_id) FROM queries q{where}", params
    ).fetchone()
    per_day = [
        DayCount(day, n, a)
        for day, n, a in db.execute(
            f"SELECT substr(q.asked_at, 1, 10) AS day, count(*), sum(q.answered) FROM queries q{where} "
            "GROUP BY day ORDER BY day",
            params,
        )
    ]
    up, down = db.execute(
        "SELECT coalesce(sum(f.value > 0), 0), coalesce(sum(f.value < 0), 0) "
        f"FROM feedback f JOIN queries q ON q.id = f.query_id{where}",
        params,
    ).fetchone()
    channel_where = f"{where} AND" if where else " WHERE"
    busiest = [
        ChannelCount(guild, channel, n)
        for guild, channel, n in db.execute(
            f"SELECT q.guild_id, q.channel_id, count(*) AS n FROM queries q{channel_where} q.channel_id IS NOT NULL "
            "GROUP BY q.guild_id, q.channel_id ORDER BY n DESC, q.channel_id LIMIT ?",
            [*params, channels],
        )
    ]
    # Grouping needs the analyzer, so it happens here; memory grows with distinct groups only.
    groups: dict[tuple[str, ...], list[Any]] = {}
    analyzer = default_analyzer()
    cursor = db.execute(f"SELECT q.question, q.answered, q.asked_at FROM queries q{where} ORDER BY q.asked_at, q.id", params)
    for question, was_answered, asked_at in cursor:
        key = question_key(question, analyzer)
        group = groups.setdefault(key, [question, 0, 0, asked_at])
        group[0], group[3] = question, asked_at  # the latest wording wins
        group[1] += 1
        group[2] += int(was_answered)
    # Most asked first; ties go to the group asked most recently (sorts are stable).
    ranked = sorted(groups.items(), key=lambda item: item[1][3], reverse=True)
    ranked.sort(key=lambda item: item[1][1], reverse=True)
    top_questions = [TopQuestion(key, g[0], g[1], g[2], g[3]) for key, g in ranked[:top]]
    return Stats(
        since=_lower(since),
        until=_upper(until),
        questions=total,
        answered=answered,
        distinct_users=users,
        thumbs_up=up,
        thumbs_down=down,
        per_day=per_day,
        top_questions=top_questions,
        busiest_channels=busiest,
    )


def iter_export_rows(db: Database, since: Bound = None, until: Bound = None) -> Iterator[dict[str, Any]]:
    """Every question in the period, oldest first, one dict (EXPORT_COLUMNS) at a time.

    Iterates the cursor, so exporting a large log never holds it all in memory.
    """
    where, params = _where(since, until)
    cursor = db.execute(f"{_SELECT}{where} ORDER BY q.asked_at, q.id", params)
    try:
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield dict(zip(names, values))
    finally:
        cursor.close()


@dataclass(frozen=True)
class Removed:
    """What a purge or forget deleted."""

    queries: int
    feedback: int

    @property
    def total(self) -> int:
        return self.queries + self.feedback

    def __int__(self) -> int:
        return self.total


def _delete(
    db: Database,
    query_where: str,
    params: Sequence[Any],
    feedback_where: str = "",
    fparams: Sequence[Any] = (),
    *,
    dry_run: bool = False,
) -> Removed:
    ids = f"SELECT id FROM queries WHERE {query_where}"
    extra = f" OR {feedback_where}" if feedback_where else ""
    feedback_sql = f"FROM feedback WHERE query_id IN ({ids}){extra}"
    if dry_run:
        (feedback,) = db.execute(f"SELECT count(*) {feedback_sql}", [*params, *fparams]).fetchone()
        (queries,) = db.execute(f"SELECT count(*) FROM queries WHERE {query_where}", list(params)).fetchone()
        return Removed(queries, feedback)
    conn = db.conn
    # Overwrite deleted content instead of leaving it readable in free pages.
    conn.execute("PRAGMA secure_delete = ON")
    with conn:
        # IMMEDIATE takes the write lock up front: a busy log fails before anything is deleted.
        conn.execute("BEGIN IMMEDIATE")
        feedback = conn.execute(f"DELETE {feedback_sql}", [*params, *fparams]).rowcount
        queries = conn.execute(f"DELETE FROM queries WHERE {query_where}", list(params)).rowcount
    try:
        # Move the deletion out of the WAL too, so old pages do not linger there.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:  # a reader holding the WAL: a later checkpoint finishes it
        log.info("checkpoint after delete deferred: %s", exc)
    return Removed(queries, feedback)


def retention_cutoff(age: dt.timedelta | float, now: dt.datetime | None = None) -> str:
    """The asked_at before which questions are older than ``age`` (a timedelta or days)."""
    if not isinstance(age, dt.timedelta):
        age = dt.timedelta(days=age)
    if age <= dt.timedelta(0):
        raise ReviewError("the retention period must be more than zero")
    return _utc((now or dt.datetime.now(dt.timezone.utc)) - age)


def purge_older_than(
    db: Database, age: dt.timedelta | float, now: dt.datetime | None = None, *, dry_run: bool = False
) -> Removed:
    """Delete questions asked more than ``age`` (a timedelta or days) ago, with their feedback.

    With ``dry_run`` nothing is deleted; the result says what would be.
    """
    cutoff = retention_cutoff(age, now)
    removed = _delete(db, "asked_at < ?", [cutoff], dry_run=dry_run)
    if not dry_run:
        log.info("purged %d questions and %d feedback rows asked before %s", removed.queries, removed.feedback, cutoff)
    return removed


def user_keys(querylog_or_user_key: QueryLog | Callable[[int | str], str | None], user_id: int | str) -> list[str]:
    """What may be stored for ``user_id``: its key under the current setting and the raw id.

    The raw id is included because rows logged before a switch to ``hashed`` still hold it.
    """
    key_of = querylog_or_user_key.user_key if isinstance(querylog_or_user_key, QueryLog) else querylog_or_user_key
    raw = str(user_id).strip()
    if not raw:
        raise ReviewError("the user id is empty")
    keys = [raw]
    key = key_of(raw)
    if key is not None and key != raw:
        keys.append(key)
    return keys


def forget_user(
    db: Database,
    querylog_or_user_key: QueryLog | Callable[[int | str], str | None],
    user_id: int | str,
    *,
    dry_run: bool = False,
) -> Removed:
    """Delete a user's questions, the feedback on them, and the feedback the user gave."""
    keys = user_keys(querylog_or_user_key, user_id)
    marks = ", ".join("?" for _ in keys)
    removed = _delete(db, f"user_id IN ({marks})", keys, f"user_id IN ({marks})", keys, dry_run=dry_run)
    if not dry_run:
        log.info("forgot a user: %d questions and %d feedback rows", removed.queries, removed.feedback)
    return removed


# Spreadsheets run a cell starting with these as a formula; a question is user input.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """``value`` made inert for spreadsheets: text that would start a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO, columns: Sequence[str] = EXPORT_COLUMNS) -> int:
    """Write a header and ``rows`` as CSV to ``out`` as they come; returns the row count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([csv_safe(row.get(name)) for name in columns])
        count += 1
    return count
