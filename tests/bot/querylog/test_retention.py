"""Deleting from the log: the retention policy (purge) and a user's request (forget)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlite_utils import Database

from bot.querylog import QueryLog, QueryRecord
from bot.querylog.records import Removed
from bot.querylog.retention import forget_user, purge_older_than
from retrieval.answer.filters import parse_duration

SECRET = "moderator test secret"


def add(log: QueryLog, question: str, answered: bool = True, when: str = "2024-05-01T12:00:00.000Z", **kw: object) -> int:
    return log.record(QueryRecord(question, answered, asked_at=when, **kw))  # type: ignore[arg-type]


@pytest.fixture
def qlog() -> QueryLog:
    return QueryLog(Database(memory=True))


def test_purge_removes_old_questions_and_their_feedback_only(qlog: QueryLog) -> None:
    now = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)
    old = add(qlog, "old", when="2024-02-01T00:00:00.000Z")
    new = add(qlog, "new", when="2024-05-30T00:00:00.000Z")
    qlog.record_feedback(old, 1, 1)
    qlog.record_feedback(new, 1, -1)
    assert purge_older_than(qlog.db, 90, now, dry_run=True) == Removed(1, 1)
    assert qlog.db["queries"].count == 2
    removed = purge_older_than(qlog.db, parse_duration("90d"), now)
    assert (removed.queries, removed.feedback, removed.total) == (1, 1, 2)
    assert [r["question"] for r in qlog.db["queries"].rows] == ["new"]
    assert [r["query_id"] for r in qlog.db["feedback"].rows] == [new]


@pytest.mark.parametrize("mode", ["plain", "hashed"])
def test_forget_removes_a_users_questions_and_feedback(mode: str) -> None:
    log = QueryLog(Database(memory=True), user_ids=mode, secret=SECRET)
    mine = add(log, "mine", user_id=111)
    theirs = add(log, "theirs", user_id=222)
    log.record_feedback(mine, 222, 1)  # someone else's vote on my question
    log.record_feedback(theirs, 111, -1)  # my vote on their question
    log.record_feedback(theirs, 333, 1)
    removed = forget_user(log.db, log, "111")
    assert (removed.queries, removed.feedback) == (1, 2)
    assert [r["question"] for r in log.db["queries"].rows] == ["theirs"]
    assert [r["value"] for r in log.db["feedback"].rows] == [1]
    assert forget_user(log.db, log, 111).total == 0


def test_forget_in_hashed_mode_also_finds_rows_logged_before_the_switch() -> None:
    db = Database(memory=True)
    add(QueryLog(db, user_ids="plain"), "before", user_id=111)
    hashed = QueryLog(db, user_ids="hashed", secret=SECRET)
    add(hashed, "after", user_id=111)
    add(hashed, "other", user_id=222)
    assert forget_user(db, hashed.user_key, 111).queries == 2
    assert [r["question"] for r in db["queries"].rows] == ["other"]
