"""Privacy of the log on disk: anonymous votes under `none`, what forget removes, file modes."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from bot.logs_cli import logs
from bot.querylog import QueryLog, QueryRecord, open_database
from bot.querylog import retention
from bot.querylog.retention import forget_user
from bot.querylog.writer import vote_key_path

SECRET = "privacy test secret"
VOTER = 123456789012345678


def _votes(db: Database) -> list[str]:
    return [row["user_id"] for row in db["feedback"].rows]


def test_anonymous_votes_cannot_be_recomputed_from_a_member_list(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    log = QueryLog.open(path, user_ids="none")
    query_id = log.record(QueryRecord("q", True, "discord", VOTER, 5, 10))
    log.record_feedback(query_id, VOTER, 1)
    [stored] = _votes(log.db)
    # What anyone with the log and the member list could compute before:
    assert stored != "anon:" + hashlib.sha256(f"{query_id}:{VOTER}".encode()).hexdigest()[:24]
    assert str(VOTER) not in stored
    key = vote_key_path(path)
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().strip() not in str(list(log.db["feedback"].rows))
    # The key is made once: the same person's later vote replaces theirs, after a restart too.
    log.db.close()
    again = QueryLog.open(path, user_ids="none")
    again.record_feedback(query_id, VOTER, -1)
    assert [row["value"] for row in again.db["feedback"].rows] == [-1]


def test_none_keeps_no_dm_channel_but_keeps_server_channels() -> None:
    log = QueryLog(Database(memory=True), user_ids="none")
    log.record(QueryRecord("in a DM", True, "discord", VOTER, None, 987654321))
    log.record(QueryRecord("in a server", True, "discord", VOTER, 5, 10))
    assert [(r["guild_id"], r["channel_id"]) for r in log.db["queries"].rows] == [(None, None), ("5", "10")]
    plain = QueryLog(Database(memory=True))
    plain.record(QueryRecord("in a DM", True, "discord", VOTER, None, 987654321))
    assert [r["channel_id"] for r in plain.db["queries"].rows] == ["987654321"]


def test_forget_under_none_removes_what_a_hashed_period_stored_and_the_votes(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    db = open_database(path)
    hashed = QueryLog(db, user_ids="hashed", secret=SECRET)
    mine = hashed.record(QueryRecord("asked while hashed", True, user_id=VOTER))
    hashed.record_feedback(mine, VOTER, 1)
    none = QueryLog(db, user_ids="none", secret=SECRET)
    other = none.record(QueryRecord("someone else's", True, user_id=42))
    none.record_feedback(other, VOTER, -1)  # my anonymous vote
    none.record_feedback(other, 42, 1)
    # An unkeyed vote from an older newsdesk:
    db.execute(
        "INSERT INTO feedback (query_id, user_id, value, given_at) VALUES (?, ?, 1, 'x')",
        [mine, "anon:" + hashlib.sha256(f"{mine}:{VOTER}".encode()).hexdigest()[:24]],
    )
    db.conn.commit()
    assert forget_user(db, none, VOTER, dry_run=True).total == 4
    removed = forget_user(db, none, str(VOTER))
    assert (removed.queries, removed.feedback) == (1, 3)
    assert [r["question"] for r in db["queries"].rows] == ["someone else's"]
    assert [r["value"] for r in db["feedback"].rows] == [1]  # 42's vote stays


def test_new_log_files_are_private(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        path = tmp_path / "log.db"
        log = QueryLog.open(path)
        log.record(QueryRecord("q", True))
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    finally:
        os.umask(previous)
    assert modes == {"log.db": 0o600, "log.db-wal": 0o600, "log.db-shm": 0o600}


def _held_reader(path: Path) -> sqlite3.Connection:
    """Another reader (an export, the dashboard) in the middle of a read: it holds the WAL."""
    reader = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM queries").fetchone()
    return reader


def _wal_holds(path: Path, text: str) -> bool:
    wal = path.with_name(path.name + "-wal")
    return wal.exists() and text.encode() in wal.read_bytes()


@pytest.fixture
def secret_log(tmp_path: Path) -> Path:
    path = tmp_path / "log.db"
    log = QueryLog.open(path)
    log.db.execute("PRAGMA wal_autocheckpoint = 0")  # keep the question in the WAL, as a busy bot does
    log.record(QueryRecord("my very private question", True, user_id=111))
    log.db.close()
    return path


def test_forget_waits_for_a_reader_that_closes(secret_log: Path) -> None:
    reader = _held_reader(secret_log)
    threading.Timer(0.3, reader.close).start()
    db = open_database(secret_log)
    removed = forget_user(db, QueryLog(db), "111")
    assert removed.queries == 1 and not removed.in_wal
    assert not _wal_holds(secret_log, "my very private question")


def test_forget_tells_the_truth_when_a_reader_keeps_the_wal(
    secret_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "CHECKPOINT_WAIT", 0.3)
    monkeypatch.setenv("NEWSDESK_DB", str(secret_log))
    monkeypatch.chdir(secret_log.parent)
    reader = _held_reader(secret_log)
    try:
        result = CliRunner().invoke(logs, ["forget", "111"])
        assert result.exit_code == 0, result.output
        assert "removed 1 question(s)" in result.stdout
        assert "still in the write-ahead log" in result.stderr and "run this command again" in result.stderr
    finally:
        reader.close()
    again = CliRunner().invoke(logs, ["forget", "111"])
    assert "write-ahead" not in again.output
    assert not _wal_holds(secret_log, "my very private question")


def test_an_in_memory_log_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    log = QueryLog.open(":memory:", user_ids="none")
    log.record_feedback(log.record(QueryRecord("q", True, user_id=1)), 1, 1)
    assert list(tmp_path.iterdir()) == []
