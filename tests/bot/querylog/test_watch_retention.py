"""logs forget removes a member's watches (under every setting); logs purge removes watches stopped before its cutoff."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.querylog import QueryLog, WatchRecord, retention

SERVER = 111111111111111111
ALICE, BOB = 333333333333333333, 444444444444444444


@pytest.mark.parametrize("mode", ["plain", "hashed", "none"])
def test_forget_removes_the_members_watches_and_what_they_met(tmp_path: Path, mode: str) -> None:
    querylog = QueryLog.open(tmp_path / "log.db", user_ids=mode, secret="s" * 32 if mode == "hashed" else None)
    mine = querylog.add_watch(WatchRecord("storm?", "discord", ALICE, SERVER, 5, already=["a"], delivery="channel"))
    querylog.add_watch(WatchRecord("by dm?", "discord", ALICE, SERVER, 5, delivery="dm"))
    theirs = querylog.add_watch(WatchRecord("tram?", "discord", BOB, SERVER, 5, already=["b"], delivery="channel"))
    querylog.report_watch(mine["id"], ["c"])
    counted = retention.forget_user(querylog.db, querylog, ALICE, dry_run=True)
    assert counted.watches == 2 and len(querylog.watches(guild_id=SERVER)) == 3, "a dry run removes nothing"
    removed = retention.forget_user(querylog.db, querylog, ALICE)
    assert removed.watches == 2 and "2 watch(es)" in removed.counts()
    db = Database(tmp_path / "log.db")
    assert [row["id"] for row in db["watches"].rows] == [theirs["id"]]
    assert {row["watch_id"] for row in db["watch_hits"].rows} == {theirs["id"]}
    assert str(ALICE) not in str(list(db["watches"].rows))


def test_purge_removes_watches_stopped_before_its_cutoff_and_keeps_running_ones(tmp_path: Path) -> None:
    querylog = QueryLog.open(tmp_path / "log.db")
    old_running = querylog.add_watch(WatchRecord("old but running?", "discord", ALICE, SERVER, 5, delivery="channel"))
    stopped = querylog.add_watch(WatchRecord("stopped?", "discord", ALICE, SERVER, 5, already=["a"], delivery="channel"))
    paused = querylog.add_watch(WatchRecord("paused?", "discord", BOB, SERVER, 5, delivery="dm"))
    querylog.stop_watch(stopped["id"], guild_id=SERVER)
    querylog.pause_watch(paused["id"], "too many posts")
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=40)
    assert retention.purge_older_than(querylog.db, 30, now=later - dt.timedelta(days=20)).watches == 0  # stopped too recently
    removed = retention.purge_older_than(querylog.db, 30, now=later)
    assert removed.watches == 1
    kept = {row["id"] for row in Database(tmp_path / "log.db")["watches"].rows}
    assert kept == {old_running["id"], paused["id"]}
    assert list(Database(tmp_path / "log.db")["watch_hits"].rows) == []
