"""The log's migrations under concurrency and crashes, and logs from other newsdesk versions."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.querylog import MIGRATIONS, QueryLog, QueryLogError, QueryRecord, open_database, open_reader
from tests.paths import ROOT

# Each process opens the log (migrating it if new) and logs one question.
_ASK = textwrap.dedent(
    """
    import sys
    from bot.querylog import QueryLog, QueryRecord
    print("ready", flush=True)
    sys.stdin.readline()  # all start together
    QueryLog.open(sys.argv[1]).record(QueryRecord(sys.argv[2], True))
    """
)


def _python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_twenty_processes_opening_a_new_log_together_all_log_their_question(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    processes = [_python(_ASK, str(path), f"question {n}") for n in range(20)]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    failures = []
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in processes:
        _, err = process.communicate(timeout=120)
        if process.returncode:
            failures.append(err.strip().splitlines()[-1])
    assert failures == []
    with sqlite3.connect(path) as conn:
        questions = {row[0] for row in conn.execute("SELECT question FROM queries")}
        migrations = [row[0] for row in conn.execute("SELECT name FROM _migrations ORDER BY name")]
    assert questions == {f"question {n}" for n in range(20)}
    assert migrations == [name for name, _ in MIGRATIONS]


# Opens a log whose first migration stops after its DDL, before its record: killed there.
_STALL = textwrap.dedent(
    """
    import sys, time
    from bot.querylog import schema
    name, apply = schema.MIGRATIONS[{number}]

    def stalled(db):
        apply(db)
        print("ready", flush=True)
        time.sleep(60)

    schema.MIGRATIONS[{number}] = (name, stalled)
    schema.open_database(sys.argv[1])
    """
)


@pytest.mark.parametrize("number", [0, 2])
def test_a_process_killed_mid_migration_leaves_a_log_that_opens(tmp_path: Path, number: int) -> None:
    path = tmp_path / "log.db"
    if number:
        # An existing log with questions, stopped half-way through a later migration.
        with sqlite3.connect(path) as conn:
            conn.execute('CREATE TABLE "_migrations" ("name" TEXT PRIMARY KEY, "applied_at" TEXT)')
            for name, apply in MIGRATIONS[:number]:
                conn.execute("INSERT INTO _migrations VALUES (?, '')", (name,))
            conn.commit()
            db = __import__("sqlite_utils").Database(conn)
            for name, apply in MIGRATIONS[:number]:
                apply(db)
            conn.execute("INSERT INTO queries (asked_at, interface, question, answered) VALUES ('x', 'cli', 'old', 1)")
            conn.commit()
    process = _python(_STALL.format(number=number), str(path))
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready", process.stderr.read() if process.stderr else ""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)

    querylog = QueryLog.open(path)
    querylog.record(QueryRecord("after the crash", True))
    questions = [row["question"] for row in querylog.db["queries"].rows]
    assert questions == (["old"] if number else []) + ["after the crash"]
    assert [row["name"] for row in querylog.db["_migrations"].rows] == [name for name, _ in MIGRATIONS]


def _add_future_migration(path: Path, version: str | None) -> None:
    open_database(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO _migrations (name, applied_at, newsdesk_version) VALUES ('9999_future', '', ?)", (version,)
        )


def test_a_log_from_a_newer_newsdesk_says_which_version_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _add_future_migration(path, "7.2.0")
    for opener in (QueryLog.open, open_reader):
        with pytest.raises(QueryLogError, match=r"newer newsdesk.*9999_future.*install newsdesk 7\.2\.0 or later"):
            opener(path)


def test_an_unknown_migration_without_a_version_still_says_newer(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    _add_future_migration(path, None)
    with pytest.raises(QueryLogError, match="install a newer newsdesk"):
        QueryLog.open(path)


def test_migrations_keep_the_log_in_one_transaction_of_the_writer(tmp_path: Path) -> None:
    # After migrating, the writer's connection is back to Python's usual transactions.
    db = open_database(tmp_path / "log.db")
    assert db.conn.isolation_level == ""
    assert not db.conn.in_transaction
