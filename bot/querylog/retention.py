"""Deleting from the query log: the retention policy (purge) and a user's request (forget).

Deletes overwrite the freed pages (``secure_delete``) and are checkpointed out of the WAL,
so deleted questions do not linger on disk. A busy log fails before anything is deleted.
Give these functions a writable connection (:func:`~bot.querylog.schema.open_database`).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from sqlite_utils import Database

from bot.querylog.queries import ReviewError
from bot.querylog.records import Removed
from bot.querylog.schema import utc_text
from bot.querylog.writer import QueryLog

log = logging.getLogger(__name__)

UserKey = Callable[[int | str], str | None]


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
    return utc_text((now or dt.datetime.now(dt.timezone.utc)) - age)


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


def user_keys(querylog_or_user_key: QueryLog | UserKey, user_id: int | str) -> list[str]:
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
    db: Database, querylog_or_user_key: QueryLog | UserKey, user_id: int | str, *, dry_run: bool = False
) -> Removed:
    """Delete a user's questions, the feedback on them, and the feedback the user gave."""
    keys = user_keys(querylog_or_user_key, user_id)
    marks = ", ".join("?" for _ in keys)
    removed = _delete(db, f"user_id IN ({marks})", keys, f"user_id IN ({marks})", keys, dry_run=dry_run)
    if not dry_run:
        log.info("forgot a user: %d questions and %d feedback rows", removed.queries, removed.feedback)
    return removed
