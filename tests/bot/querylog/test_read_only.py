"""Reviewing a log this user cannot write: a read-only file or folder (a backup, a log owned by
the bot's account), of this newsdesk or of an older one. Reading never needs to write."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from sqlite_utils import Database

from bot.querylog import MIGRATIONS, QueryLog, QueryRecord
from bot.querylog.schema import MIGRATIONS_TABLE
from tests import unprivileged

_CLI = "import sys\nfrom bot.cli import main\nmain(sys.argv[1:])"


def _cli(path: Path, *args: str) -> subprocess.CompletedProcess:
    return unprivileged.run("-c", _CLI, *args, env={"NEWSDESK_DB": str(path)}, cwd=path.parent)


def _current_log(path: Path) -> None:
    log = QueryLog.open(path)
    log.record(QueryRecord("What did the council decide?", True, asked_at="2026-11-02T10:00:00.000Z"))
    log.db.close()


def _old_log(path: Path, migrations: int) -> None:
    """A log written by a newsdesk that knew only the first ``migrations`` migrations."""
    conn = sqlite3.connect(path)
    conn.execute(MIGRATIONS_TABLE)
    for name, apply in MIGRATIONS[:migrations]:
        apply(Database(conn))
        conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, '')", (name,))
    conn.execute(
        "INSERT INTO queries (asked_at, interface, question, answered) "
        "VALUES ('2026-11-01T10:00:00.000Z', 'cli', 'Who won the Oslo chess open?', 0)"
    )
    conn.commit()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()


def _read_only(folder: Path, path: Path, *, whole_folder: bool) -> None:
    for found in folder.iterdir():
        unprivileged.give(found)
    path.chmod(0o444)
    if whole_folder:
        folder.chmod(0o555)


def test_a_log_in_a_read_only_folder_can_be_reviewed() -> None:
    with unprivileged.shared_folder() as folder:
        path = folder / "log.db"
        _current_log(path)
        _read_only(folder, path, whole_folder=True)
        try:
            recent, stats = _cli(path, "logs", "recent"), _cli(path, "logs", "stats")
        finally:
            folder.chmod(0o755)
    assert recent.returncode == 0, recent.stderr
    assert "What did the council decide?" in recent.stdout
    assert stats.returncode == 0, stats.stderr
    assert "  questions       1" in stats.stdout.splitlines()


def test_a_read_only_log_of_an_older_newsdesk_can_be_reviewed_as_it_is() -> None:
    for migrations, whole_folder in ((4, False), (1, True)):
        with unprivileged.shared_folder() as folder:
            path = folder / "log.db"
            _old_log(path, migrations)
            _read_only(folder, path, whole_folder=whole_folder)
            try:
                unanswered = _cli(path, "logs", "unanswered", "--json")
                stats = _cli(path, "logs", "stats")
            finally:
                folder.chmod(0o755)
            # Nothing was written: the log still has only the migrations it had.
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
                assert conn.execute("SELECT count(*) FROM _migrations").fetchone() == (migrations,)
        assert unanswered.returncode == 0, unanswered.stderr
        assert '"question": "Who won the Oslo chess open?"' in unanswered.stdout
        assert stats.returncode == 0, stats.stderr
        assert "  questions       1" in stats.stdout.splitlines()
        assert "  refused         0 (a bad filter or too long: not searched)" in stats.stdout.splitlines()


def test_a_log_in_a_folder_whose_name_holds_uri_characters_can_be_reviewed(tmp_path: Path) -> None:
    from bot.querylog import open_reader, queries

    folder = tmp_path / "logs #2? 100%"
    folder.mkdir()
    _current_log(folder / "log.db")
    assert [q.question for q in queries.recent(open_reader(folder / "log.db"))] == ["What did the council decide?"]


_CRASH = (
    "import os, sys\nfrom bot.querylog import QueryLog, QueryRecord\n"
    "QueryLog.open(sys.argv[1]).record(QueryRecord('asked before the crash', True))\n"
    "os.kill(os.getpid(), 9)"  # leaves the question in the -wal file
)


def test_a_read_only_folder_with_questions_still_in_the_wal_says_what_to_do() -> None:
    with unprivileged.shared_folder() as folder:
        path = folder / "log.db"
        crashed = unprivileged.run("-c", _CRASH, str(path))
        assert crashed.returncode == -9, crashed.stderr
        (folder / "log.db-shm").unlink()
        assert (folder / "log.db-wal").stat().st_size > 0
        folder.chmod(0o555)
        try:
            result = _cli(path, "logs", "recent")
        finally:
            folder.chmod(0o755)
    # Not read as it is (the question in the -wal would be missing), and not "cannot write".
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot read query log {path}: its folder is read-only for this user, and SQLite must create "
        "log.db-shm there to read a log that is open elsewhere or has questions waiting in log.db-wal; "
        "make the folder writable, or copy the log with its -wal file to a writable folder"
    ]
