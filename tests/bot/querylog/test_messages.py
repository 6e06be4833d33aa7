"""What a person sees when the log cannot be used: one line that says what to fix."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import retrieval.store.atomic
from bot.cli import main
from bot.querylog import QueryLog, QueryLogError, QueryRecord, open_database
from tests import unprivileged
from tests.paths import ROOT


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "log.db"))
    return tmp_path / "log.db"


def _logged(path: Path) -> Path:
    log = QueryLog.open(path)
    log.record(QueryRecord("what did the council decide?", True))
    log.db.close()
    return path


def test_a_folder_given_as_newsdesk_db_says_so(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = env.parent / "logs"
    folder.mkdir()
    monkeypatch.setenv("NEWSDESK_DB", str(folder))
    for args in (["logs", "recent"], ["logs", "purge", "--older-than", "1d"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1
        assert f"{folder}, which is a folder" in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_export_onto_a_full_disk_is_one_line_and_leaves_nothing(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _logged(env)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(retrieval.store.atomic.os, "fsync", full)
    out = env.parent / "export.csv"
    result = CliRunner().invoke(main, ["logs", "export", "-o", str(out)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: cannot write {out}: No space left on device; nothing was exported"
    assert sorted(p.name for p in env.parent.iterdir() if "export" in p.name) == []


def test_export_accepts_csv_and_refuses_two_formats(env: Path) -> None:
    _logged(env)
    result = CliRunner().invoke(main, ["logs", "export", "--csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("id,asked_at")
    assert "what did the council decide?" in result.stdout
    both = CliRunner().invoke(main, ["logs", "export", "--csv", "--json"])
    assert both.exit_code == 2 and "choose one of --json and --csv" in both.output


# -- with file permissions (run as an unprivileged user when the tests run as root) --------

_ASK_LOG = "import sys\nfrom bot.cli import main\nmain(sys.argv[1:])"


def _cli(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return unprivileged.run("-c", _ASK_LOG, *args, env={"NEWSDESK_DB": str(folder / "log.db")}, cwd=folder)


def test_a_read_only_log_says_it_cannot_be_written() -> None:
    with unprivileged.shared_folder() as folder:
        path = _logged(folder / "log.db")
        unprivileged.give(path)
        path.chmod(0o444)
        result = _cli(folder, "logs", "purge", "--older-than", "1d")
        assert result.returncode == 1
        assert "cannot write query log" in result.stderr and "read-only" in result.stderr
        assert "could not read" not in result.stderr
        assert "Traceback" not in result.stderr


_CRASH_WITH_SHM = textwrap.dedent(
    """
    import os, sys
    from bot.querylog import QueryLog, QueryRecord
    log = QueryLog.open(sys.argv[1])
    log.record(QueryRecord("before the read-only period", True))
    os.kill(os.getpid(), 9)  # leaves the -wal and -shm files behind
    """
)


def test_a_stale_read_only_shm_file_no_longer_blocks_writes() -> None:
    with unprivileged.shared_folder() as folder:
        path = folder / "log.db"
        crashed = unprivileged.run("-c", _CRASH_WITH_SHM, str(path))
        assert crashed.returncode == -signal.SIGKILL, crashed.stderr
        shm = folder / "log.db-shm"
        assert shm.exists()
        shm.chmod(0o444)
        result = unprivileged.run(
            "-c",
            "import sys\nfrom bot.querylog import QueryLog, QueryRecord\n"
            "QueryLog.open(sys.argv[1]).record(QueryRecord('after', True))",
            str(path),
        )
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(path) as conn:
            questions = [row[0] for row in conn.execute("SELECT question FROM queries ORDER BY id")]
        assert questions == ["before the read-only period", "after"]


def test_export_into_an_unwritable_folder_is_one_line() -> None:
    with unprivileged.shared_folder() as folder:
        unprivileged.give(_logged(folder / "log.db"))
        locked = folder / "locked"
        locked.mkdir()
        unprivileged.give(locked)
        locked.chmod(0o555)
        result = _cli(folder, "logs", "export", "-o", str(locked / "out.csv"))
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"Error: cannot write {locked / 'out.csv'}: Permission denied; nothing was exported"
        ]


def test_asking_with_a_read_only_log_answers_and_warns_it_cannot_write() -> None:
    with unprivileged.shared_folder() as folder:
        path = _logged(folder / "log.db")
        unprivileged.give(path)
        path.chmod(0o444)
        corpus = str(ROOT / "tests" / "fixtures" / "archive")
        index = str(folder / "index")
        result = unprivileged.run(
            "-c", _ASK_LOG, "ask", "Did the ferries to Corvo Island resume?",
            env={"NEWSDESK_DB": str(path), "NEWSDESK_CORPUS": corpus, "NEWSDESK_INDEX": index, "NEWSDESK_SEMANTIC": "0"},
            cwd=folder,
        )
        assert result.returncode == 0, result.stderr
        assert "Corvo Island" in result.stdout
        assert f"not logged (cannot write query log {path}: it is read-only" in result.stderr


def test_a_full_disk_says_so_and_not_to_check_newsdesk_db(env: Path) -> None:
    log = QueryLog.open(_logged(env))
    (pages,) = log.db.execute("PRAGMA page_count").fetchone()
    log.db.execute(f"PRAGMA max_page_count = {pages}")  # what SQLite meets when the disk fills
    with pytest.raises(QueryLogError) as caught:
        log.record(QueryRecord("what did the council decide? " * 400, True))
    message = str(caught.value)
    assert f"cannot write to query log {env}: the disk holding it is full" in message
    assert "free some space" in message and "NEWSDESK_DB" not in message
    assert "\n" not in message
