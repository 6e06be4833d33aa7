"""Deleting from the query log: the retention policy (purge) and a user's request (forget).

Deletes overwrite the freed pages (``secure_delete``) and are checkpointed out of the WAL,
so deleted questions do not linger on disk. A busy log fails before anything is deleted.
When another reader (an export, the dashboard) holds the WAL, the checkpoint is retried for
up to CHECKPOINT_WAIT seconds; if it still cannot finish, the result says so
(``Removed.in_wal``) instead of claiming the text is gone.
``forget`` removes what any setting stored for the user: the raw id, the ``hashed`` key (when
NEWSDESK_HASH_SECRET is set) and the anonymous votes of ``none`` (keyed and the older unkeyed form),
and their watches (owned under any setting, or delivered to them by DM). ``purge`` removes the
watches stopped before its cutoff; a running or paused watch is kept, whatever its age.
Give these functions a writable connection (:func:`~bot.querylog.schema.open_database`).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlite_utils import Database

from bot.querylog.queries import ReviewError
from bot.querylog.records import Removed
from bot.querylog.late_store import asker_key
from bot.querylog.schema import table_columns, utc_text
from bot.querylog.watch_store import anonymous_owner_key
from bot.querylog.writer import QueryLog, anonymous_vote_key, legacy_vote_key

log = logging.getLogger(__name__)

CHECKPOINT_WAIT = 5.0  # seconds to wait for other readers to let the WAL go
CHECKPOINT_PAUSE = 0.05
CHECKPOINT_TRY_MS = 100

UserKey = Callable[[int | str], str | None]
# What late answers keep per question (bot.querylog.late_store).
LATE_TABLES = ("late_wait", "late_answers")


def _delete(
    db: Database,
    query_where: str,
    params: Sequence[Any],
    feedback_where: str = "",
    fparams: Sequence[Any] = (),
    *,
    watches: tuple[str, Sequence[Any]] = ("0", ()),
    dry_run: bool = False,
) -> Removed:
    """Delete the questions ``query_where`` picks with their feedback (and the feedback
    ``feedback_where`` picks), and the watches ``watches`` (a WHERE clause and its values) picks
    with the articles each met."""
    ids = f"SELECT id FROM queries WHERE {query_where}"
    extra = f" OR {feedback_where}" if feedback_where else ""
    feedback_sql = f"FROM feedback WHERE query_id IN ({ids}){extra}"
    watch_where, wparams = watches
    if dry_run:
        (feedback,) = db.execute(f"SELECT count(*) {feedback_sql}", [*params, *fparams]).fetchone()
        (queries,) = db.execute(f"SELECT count(*) FROM queries WHERE {query_where}", list(params)).fetchone()
        (watched,) = db.execute(f"SELECT count(*) FROM watches WHERE {watch_where}", list(wparams)).fetchone()
        return Removed(queries, feedback, watches=watched)
    conn = db.conn
    # Overwrite deleted content instead of leaving it readable in free pages.
    conn.execute("PRAGMA secure_delete = ON")
    with conn:
        # IMMEDIATE takes the write lock up front: a busy log fails before anything is deleted.
        conn.execute("BEGIN IMMEDIATE")
        feedback = conn.execute(f"DELETE {feedback_sql}", [*params, *fparams]).rowcount
        for table in LATE_TABLES:  # a forgotten or purged question is never answered later
            if table_columns(conn, table):
                conn.execute(f"DELETE FROM {table} WHERE query_id IN ({ids})", list(params))
        queries = conn.execute(f"DELETE FROM queries WHERE {query_where}", list(params)).rowcount
        conn.execute(f"DELETE FROM watch_hits WHERE watch_id IN (SELECT id FROM watches WHERE {watch_where})", list(wparams))
        watched = conn.execute(f"DELETE FROM watches WHERE {watch_where}", list(wparams)).rowcount
    return Removed(queries, feedback, in_wal=not checkpoint(conn), watches=watched)


def checkpoint(conn: sqlite3.Connection, wait: float | None = None) -> bool:
    """Copy the WAL into the log and empty it, so deleted text does not linger there.

    A reader holding an older snapshot makes SQLite answer busy (it does not raise): retry
    until ``wait`` seconds (default CHECKPOINT_WAIT) have passed. True when the WAL is empty.
    """
    deadline = time.monotonic() + (CHECKPOINT_WAIT if wait is None else wait)
    # The checkpoint waits on the busy handler itself; keep each try short so `wait` bounds it.
    (saved,) = conn.execute("PRAGMA busy_timeout").fetchone()
    conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_TRY_MS}")
    try:
        while True:
            try:
                busy, _frames, _copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.Error as exc:  # locked by a writer: the same as busy
                log.info("checkpoint after delete: %s", exc)
                busy = 1
            if not busy:
                return True
            if time.monotonic() >= deadline:
                log.warning("deleted rows stay in the write-ahead log until the other readers close")
                return False
            time.sleep(CHECKPOINT_PAUSE)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(saved)}")


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
    """Delete questions asked more than ``age`` (a timedelta or days) ago, with their feedback,
    and the watches stopped that long ago (a watch is kept while it runs, paused or not).

    With ``dry_run`` nothing is deleted; the result says what would be.
    """
    cutoff = retention_cutoff(age, now)
    removed = _delete(db, "asked_at < ?", [cutoff], watches=("stopped_at < ?", [cutoff]), dry_run=dry_run)
    if not dry_run:
        log.info("purged %d questions, %d feedback rows and %d stopped watches from before %s",
                 removed.queries, removed.feedback, removed.watches, cutoff)
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
    candidates = [key_of(raw)]
    if isinstance(querylog_or_user_key, QueryLog):  # rows from an earlier hashed period
        candidates.append(querylog_or_user_key.hashed_key(raw))
    for key in candidates:
        if key is not None and key not in keys:
            keys.append(key)
    return keys


def _anonymous_votes_of(db: Database, querylog: QueryLog, user_id: str) -> str:
    """A clause over ``feedback`` matching the user's anonymous votes (``none``), with the
    SQL function it needs registered on ``db``; '' when there is nothing to match."""
    secret = querylog.vote_secret(create=False)

    def is_theirs(query_id: int, stored: str | None) -> bool:
        if not stored or not stored.startswith("anon:"):
            return False
        if stored == legacy_vote_key(query_id, user_id):
            return True
        return secret is not None and stored == anonymous_vote_key(secret, query_id, user_id)

    db.conn.create_function("newsdesk_vote_of_forgotten", 2, is_theirs, deterministic=True)
    return "newsdesk_vote_of_forgotten(query_id, user_id)"


def forget_user(
    db: Database,
    querylog_or_user_key: QueryLog | UserKey,
    user_id: int | str,
    *,
    guild: int | str | None = None,
    dry_run: bool = False,
) -> Removed:
    """Delete a user's questions, the feedback on them, the feedback the user gave, and their
    watches (those they own, under any setting, and those that DM them). With ``guild``, only
    what belongs to that server: its questions and watches, the votes on its questions."""
    keys = user_keys(querylog_or_user_key, user_id)
    marks = ", ".join("?" for _ in keys)
    votes = f"user_id IN ({marks})"
    owners = list(keys)
    if isinstance(querylog_or_user_key, QueryLog):
        votes = f"({votes} OR {_anonymous_votes_of(db, querylog_or_user_key, keys[0])})"
        secret = querylog_or_user_key.vote_secret(create=False)
        if secret is not None:  # watches made under none
            owners.append(anonymous_owner_key(secret, keys[0]))
    asked, vparams = f"user_id IN ({marks})", list(keys)
    watches = (f"(user_id IN ({', '.join('?' for _ in owners)}) OR deliver_to = ?)", [*owners, keys[0]])
    if guild is not None:  # one server's part only: a command in one server never reaches another's rows
        server = str(guild)
        asked, params = f"{asked} AND guild_id = ?", [*keys, server]
        votes, vparams = f"({votes}) AND query_id IN (SELECT id FROM queries WHERE guild_id = ?)", [*keys, server]
        watches = (f"{watches[0]} AND guild_id = ?", [*watches[1], server])
    else:
        params = list(keys)
    removed = _delete(db, asked, params, votes, vparams, watches=watches, dry_run=dry_run)
    if not dry_run and isinstance(querylog_or_user_key, QueryLog):
        _forget_late(db, querylog_or_user_key, keys[0], guild)
    if not dry_run:
        where = f" in server {guild}" if guild is not None else ""
        log.info("forgot a user%s: %d questions, %d feedback rows and %d watches", where, removed.queries,
                 removed.feedback, removed.watches)
    return removed


def _forget_late(db: Database, querylog: QueryLog, user_id: str, guild: int | str | None = None) -> None:
    """What late answers keep of the user under any privacy setting (``none`` included): their
    questions waiting (found by the keyed hash of who asked) and their own setting; with
    ``guild``, only their questions waiting in that server (the setting is theirs everywhere)."""
    secret = querylog.vote_secret(create=False)
    if secret is None or not table_columns(db.conn, "late_wait"):
        return
    key = asker_key(secret, user_id)
    with db.conn:
        if guild is not None:
            db.conn.execute(
                "DELETE FROM late_wait WHERE asker = ? AND query_id IN (SELECT id FROM queries WHERE guild_id = ?)",
                [key, str(guild)],
            )
            return
        db.conn.execute("DELETE FROM late_wait WHERE asker = ?", [key])
        db.conn.execute("DELETE FROM late_settings WHERE scope = ?", [key])
