"""Watches in the log: scoped to their server, reported once, paused and resumed, owners as the privacy setting says."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.querylog import QueryLog, WatchRecord
from bot.querylog.schema import utc_now

SERVER, OTHER = 111111111111111111, 222222222222222222
ALICE = 333333333333333333


def _log(tmp_path: Path, mode: str = "plain") -> QueryLog:
    return QueryLog.open(tmp_path / "log.db", user_ids=mode, secret="s" * 32 if mode == "hashed" else None)


def test_a_server_never_sees_stops_or_resumes_another_servers_watch(tmp_path: Path) -> None:
    querylog = _log(tmp_path)
    watch = querylog.add_watch(WatchRecord("storm damage?", "discord", ALICE, SERVER, 5, delivery="channel"))
    assert [w["id"] for w in querylog.watches(guild_id=SERVER)] == [watch["id"]]
    assert querylog.watches(guild_id=OTHER) == [] and querylog.watches() == []
    assert not querylog.stop_watch(watch["id"], guild_id=OTHER)
    assert querylog.pause_watch(watch["id"], "too many posts")
    assert not querylog.resume_watch(watch["id"], guild_id=OTHER)
    assert querylog.delivering_watches() == []  # paused: it does not post
    assert querylog.resume_watch(watch["id"], guild_id=SERVER)
    assert [w["id"] for w in querylog.delivering_watches()] == [watch["id"]]
    assert not querylog.stop_watch(watch["id"], guild_id=SERVER, owner="someone else")
    assert querylog.stop_watch(watch["id"], guild_id=SERVER, owner=querylog.owner_key(ALICE))
    assert querylog.delivering_watches() == [] and querylog.watches(guild_id=SERVER) == []


def test_each_article_is_reported_once_and_counted_per_day(tmp_path: Path) -> None:
    querylog = _log(tmp_path)
    watch = querylog.add_watch(WatchRecord("q?", "discord", ALICE, SERVER, 5, already=["old"], delivery="channel"))
    start = utc_now()
    assert querylog.report_watch(watch["id"], ["old", "a", "b", "a"]) == ["a", "b"]
    assert querylog.report_watch(watch["id"], ["a", "b"]) == []
    assert _log(tmp_path).report_watch(watch["id"], ["b", "c"]) == ["c"], "a new connection (a restart) too"
    assert querylog.reported_since(watch["id"], start) == 3  # "old" was met, not reported


@pytest.mark.parametrize("mode", ["plain", "hashed", "none"])
def test_the_owner_is_stored_as_the_privacy_setting_says_and_a_dm_watch_keeps_its_address(tmp_path: Path, mode: str) -> None:
    querylog = _log(tmp_path, mode)
    querylog.add_watch(WatchRecord("in channel?", "discord", ALICE, SERVER, 5, delivery="channel"))
    querylog.add_watch(WatchRecord("by dm?", "discord", ALICE, SERVER, 5, delivery="dm"))
    rows = list(Database(tmp_path / "log.db")["watches"].rows)
    owners = {row["user_id"] for row in rows}
    assert owners == {querylog.owner_key(ALICE)} and None not in owners
    assert (str(ALICE) in owners) == (mode == "plain")
    assert [row["deliver_to"] for row in rows] == [None, str(ALICE)]
    assert len(querylog.watches(guild_id=SERVER, owner=querylog.owner_key(ALICE))) == 2
