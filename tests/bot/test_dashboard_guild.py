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
