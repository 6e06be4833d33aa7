"""The guild dashboard's copy of the log, refreshed in place: it follows the columns the log gains."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.dashboard_guild import GuildCopy
from bot.querylog import QueryLog, QueryRecord

OURS, THEIRS = 5, 9


def test_a_refresh_carries_over_the_columns_a_migration_added_with_their_values(tmp_path: Path) -> None:
    source = tmp_path / "newsdesk.db"
    log = QueryLog.open(source)
    ours = log.record(QueryRecord("our question", True, "discord", 1, OURS, 10))
    theirs = log.record(QueryRecord("their question", True, "discord", 2, THEIRS, 20))
    log.record_feedback(ours, 3, 1)
    log.record_feedback(theirs, 4, -1)
    log.db.close()
    (tmp_path / "served").mkdir()
    copy = GuildCopy.create(source, tmp_path / "served", OURS)
    # Opened before the migration and kept, as Datasette keeps its connections.
    page = sqlite3.connect(f"file:{copy.path}?mode=ro", uri=True)
    try:
        assert page.execute("SELECT question FROM queries").fetchall() == [("our question",)]
        migration = sqlite3.connect(source)
        with migration:
            migration.execute('ALTER TABLE "queries" ADD COLUMN "language" TEXT')
            migration.execute("UPDATE queries SET language = 'en-ours' WHERE id = ?", (ours,))
            migration.execute("UPDATE queries SET language = 'de-theirs' WHERE id = ?", (theirs,))
            migration.execute('ALTER TABLE "feedback" ADD COLUMN "weight" INTEGER NOT NULL DEFAULT 2')
        migration.close()
        assert copy.refresh()
        assert page.execute("SELECT question, language FROM queries").fetchall() == [("our question", "en-ours")]
        assert page.execute("SELECT query_id, weight FROM feedback").fetchall() == [(ours, 2)]
        assert not copy.refresh()  # nothing new since
    finally:
        page.close()
        copy.close()
    for file in tmp_path.joinpath("served").iterdir():  # the copy, its write-ahead and shared-memory files
        assert b"their" not in file.read_bytes() and b"de-theirs" not in file.read_bytes(), file


def test_a_copy_left_by_a_killed_dashboard_is_removed_at_the_next_start(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from bot.dashboard_guild import COPY_PREFIX, mark_owner, remove_stale_copies

    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # a dashboard that was killed: its process is gone, its folder is not
    stale = tmp_path / f"{COPY_PREFIX}killed"
    stale.mkdir()
    mark_owner(stale, finished.pid)
    (stale / "newsdesk.db").write_text("server 5's questions")
    running = tmp_path / f"{COPY_PREFIX}running"
    running.mkdir()
    mark_owner(running, os.getpid())
    other = tmp_path / "someone-elses-folder"
    other.mkdir()
    mark_owner(other, finished.pid)
    assert remove_stale_copies(tmp_path) == 1
    assert not stale.exists()  # purge and forget could never reach it there
    assert running.is_dir() and other.is_dir()


def _busy_server(source: Path, questions: int) -> QueryLog:
    log = QueryLog.open(source)
    rows = [(f"2026-05-01T10:00:{n % 60:02d}.{n % 1000:03d}Z", str(OURS), f"our question {n}") for n in range(questions)]
    with log.db.conn:
        log.db.conn.executemany(
            "INSERT INTO queries (asked_at, interface, guild_id, channel_id, question, answered) VALUES (?, 'discord', ?, '10', ?, 1)",
            rows,
        )
    log.db.conn.executemany("INSERT INTO feedback (query_id, user_id, value, given_at) VALUES (?, ?, 1, 'x')", [(n, f"u{n}") for n in range(1, 200)])
    log.db.conn.commit()
    return log


def test_a_refresh_writes_what_changed_not_the_whole_server_again(tmp_path: Path) -> None:
    # A busy server's dashboard refreshes every 30 s: it must not rewrite every question each time.
    source = tmp_path / "newsdesk.db"
    log = _busy_server(source, 5000)
    (tmp_path / "served").mkdir()
    copy = GuildCopy.create(source, tmp_path / "served", OURS)
    page = sqlite3.connect(f"file:{copy.path}?mode=ro", uri=True)
    try:
        before = copy._conn.total_changes
        newest = log.record(QueryRecord("a new question", True, "discord", 1, OURS, 10))
        log.record_feedback(7, 3, -1)
        log.db.conn.execute("UPDATE feedback SET value = -1 WHERE query_id = 8")  # a vote changed
        log.db.conn.commit()
        assert copy.refresh()
        assert copy._conn.total_changes - before < 10  # rows written: a handful, not 5000
        assert page.execute("SELECT count(*) FROM queries").fetchone() == (5001,)
        assert page.execute("SELECT question FROM queries WHERE id = ?", (newest,)).fetchone() == ("a new question",)
        assert page.execute("SELECT value FROM feedback WHERE query_id IN (7, 8) ORDER BY query_id, value").fetchall() == [(-1,), (1,), (-1,)]
        # Forgotten, then its id taken by the next question: the copy has the new one only.
        log.db.conn.execute("DELETE FROM queries WHERE id = ?", (newest,))
        log.db.conn.commit()
        log.record(QueryRecord("asked after the forget", True, "discord", 1, OURS, 10, asked_at="2026-12-01T00:00:00.000Z"))
        assert copy.refresh()
        assert page.execute("SELECT question FROM queries WHERE id = ?", (newest,)).fetchall() == [("asked after the forget",)]
        assert not copy.refresh()
    finally:
        page.close()
        copy.close()
