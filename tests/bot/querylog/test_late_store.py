"""Late answers in the query log: once per question, settings honoured, shown in the reviews."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.cogs.querylog_commands import _line
from bot.querylog import QueryLog, QueryRecord, queries
from bot.querylog.late_store import LateStore
from bot.querylog.retention import forget_user, purge_older_than

MEMBER = 123456789012345678


@pytest.fixture
def qlog() -> QueryLog:
    return QueryLog.open(":memory:", user_ids="none")


def refused(log: QueryLog, question: str = "Why was the pier closed?", guild: int = 1) -> int:
    return log.record(QueryRecord(question, False, "discord", MEMBER, guild, 2, reason="not_covered"))


def test_a_question_is_answered_late_once_and_the_reviews_say_so(qlog: QueryLog) -> None:
    store = LateStore(qlog)
    query_id = refused(qlog)
    assert store.wait(query_id, ["pier", "close"], user_id=MEMBER, guild_id=1)
    assert [w.query_id for w in store.waiting(10, ("discord",))] == [query_id]
    assert store.claim(query_id, "ledger-pier", "ledger-pier#0")
    assert not store.claim(query_id, "ledger-pier", "ledger-pier#0")  # never twice
    assert store.waiting(10, ("discord",)) == []
    store.delivered(query_id, "reply")
    (logged,) = queries.recent(qlog.db)
    assert logged.answered_text() == "late" and "answered late" in logged.reason_text()
    assert "ledger-pier" in _line(logged)  # /querylog's line
    assert store.answer_of(query_id)["delivered"] == "reply"  # type: ignore[index]


def test_off_for_a_member_or_a_server_and_forget_leave_nothing_waiting(qlog: QueryLog) -> None:
    store = LateStore(qlog)
    first = refused(qlog)
    assert store.wait(first, ["pier"], user_id=MEMBER, guild_id=1)
    store.set_member(MEMBER, "off")  # what waited goes, and nothing new waits
    assert store.waiting(10, ("discord",)) == [] and not store.wait(refused(qlog), ["pier"], user_id=MEMBER, guild_id=1)
    store.set_member(MEMBER, "ping")
    other = refused(qlog, guild=9)
    assert store.wait(other, ["pier"], user_id=MEMBER, guild_id=9)
    assert store.waiting(10, ("discord",))[0].notify == str(MEMBER)  # kept only because they asked for a ping
    store.set_server(9, False)
    assert store.waiting(10, ("discord",)) == [] and not store.server_on(9)
    store.set_server(9, True)
    assert store.wait(other, ["pier"], user_id=MEMBER, guild_id=9)
    forget_user(qlog.db, qlog, MEMBER)  # none: the questions name nobody, the keyed hash finds the row
    assert store.waiting(10, ("discord",)) == [] and store.member_setting(MEMBER) == "on"


def test_a_purged_question_is_not_answered_later(qlog: QueryLog) -> None:
    store = LateStore(qlog)
    query_id = refused(qlog)
    store.wait(query_id, ["pier"], user_id=None, guild_id=1)
    purge_older_than(qlog.db, 1, now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2))  # asked 2 days before
    assert store.waiting(10, ("discord",)) == [] and not store.claim(query_id, "a", "a#0")
