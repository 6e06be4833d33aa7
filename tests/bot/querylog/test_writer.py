"""The query log keeps every question: privacy modes, concurrency, crashes and a locked database."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

import bot.querylog.schema
from bot.cli import main
from bot.desk import Desk, load_archive
from bot.querylog import QueryLog, QueryRecord, open_database
from bot.settings import BUNDLED_CORPUS

ROOT = Path(__file__).resolve().parents[3]
ANSWERABLE = "What did Kurdish and Iraqi forces recapture with US air support?"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    db_path = tmp_path / "log.db"
    monkeypatch.setenv("NEWSDESK_DB", str(db_path))
    for name in ("NEWSDESK_LOG_USER_IDS", "NEWSDESK_HASH_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return db_path


def _user_ids(db: Database) -> list[str | None]:
    return [row["user_id"] for row in db["queries"].rows_where(order_by="id")]


# --- privacy -----------------------------------------------------------------------------


def test_plain_stores_the_user_id() -> None:
    log = QueryLog(Database(memory=True), user_ids="plain")
    log.record(QueryRecord("q", True, user_id=123456789012345678))
    assert _user_ids(log.db) == ["123456789012345678"]


def test_none_stores_no_user_id_even_for_feedback() -> None:
    log = QueryLog(Database(memory=True), user_ids="none")
    query_id = log.record(QueryRecord("q", True, user_id=42))
    log.record_feedback(query_id, 42, -1)
    assert _user_ids(log.db) == [None]
    # The vote is kept under a per-question digest, never the id (checked per column: the
    # time or the digest may contain the digits "42" by chance).
    [vote] = log.db["feedback"].rows
    assert vote["user_id"].startswith("anon:") and vote["user_id"] != "anon:42"


def test_none_still_counts_one_vote_per_person() -> None:
    log = QueryLog(Database(memory=True), user_ids="none")
    query_id = log.record(QueryRecord("q", True, user_id=42))
    log.record_feedback(query_id, 42, 1)
    log.record_feedback(query_id, 43, -1)
    log.record_feedback(query_id, 42, -1)  # a changed mind replaces the first vote
    assert sorted(r["value"] for r in log.db["feedback"].rows) == [-1, -1]


def test_hashed_is_stable_per_user_distinct_between_users_and_never_the_raw_id() -> None:
    log = QueryLog(Database(memory=True), user_ids="hashed", secret="a long random secret")
    for user in (111111111111, 111111111111, 222222222222):
        log.record(QueryRecord("q", True, user_id=user))
    first, again, other = _user_ids(log.db)
    assert first == again and first != other
    assert all(key and key.startswith("h:") for key in (first, other))
    dump = "\n".join(log.db.iterdump())
    assert "111111111111" not in dump and "222222222222" not in dump
    # Distinct users can still be counted.
    assert log.db.execute("SELECT count(DISTINCT user_id) FROM queries").fetchone()[0] == 2


def test_hashed_keys_depend_on_the_secret() -> None:
    one = QueryLog(Database(memory=True), user_ids="hashed", secret="secret one")
    two = QueryLog(Database(memory=True), user_ids="hashed", secret="secret two")
    assert one.user_key(7) != two.user_key(7)


def test_hashed_without_a_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        QueryLog(Database(memory=True), user_ids="hashed")


# --- concurrency -------------------------------------------------------------------------


def test_1000_questions_from_threads_and_the_event_loop_are_all_logged_once(tmp_path: Path) -> None:
    querylog = QueryLog(open_database(tmp_path / "log.db"))
    desk = Desk(load_archive(BUNDLED_CORPUS, tmp_path / "index"), querylog)
    threads, per_thread, from_loop = 8, 75, 400  # 8 * 75 + 400 = 1,000
    start = threading.Barrier(threads + 1)
    ids: list[int | None] = []
    ids_lock = threading.Lock()

    def ask(question: str) -> int | None:
        asked = desk.ask(question, interface="discord", user_id=hash(question) % 50)
        assert asked.log_error is None
        return asked.query_id

    def worker(number: int) -> None:
        start.wait()
        for i in range(per_thread):
            query_id = ask(f"Iran military equipment offer, thread {number} question {i}")
            with ids_lock:
                ids.append(query_id)

    async def event_loop_side() -> list[int | None]:
        start.wait()
        return await asyncio.gather(
            *(asyncio.to_thread(ask, f"Mosul dam recapture, loop question {i}") for i in range(from_loop))
        )

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    loop_ids = asyncio.run(event_loop_side())
    for thread in workers:
        thread.join()
    ids.extend(loop_ids)

    expected = {f"Iran military equipment offer, thread {n} question {i}" for n in range(threads) for i in range(per_thread)}
    expected |= {f"Mosul dam recapture, loop question {i}" for i in range(from_loop)}
    check = Database(tmp_path / "log.db")  # a fresh connection: committed rows only
    rows = list(check.query("SELECT id, question FROM queries"))
    assert len(rows) == 1000
    assert {row["question"] for row in rows} == expected  # none lost, none duplicated
    assert len({row["id"] for row in rows}) == 1000
    assert sorted(ids) == sorted(row["id"] for row in rows)


# --- crash safety ------------------------------------------------------------------------

_ANSWER_THEN_HANG = """
import sys, time
from bot.desk import Desk
from bot.settings import load_settings
asked = Desk.from_settings(load_settings(dotenv_path=None)).ask(sys.argv[1])
print(f"answered {asked.query_id} {asked.log_error}", flush=True)
time.sleep(120)
"""


def test_an_answered_question_survives_sigkill_right_after_answering(env: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", _ANSWER_THEN_HANG, ANSWERABLE],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    word, query_id, error = line.split()
    assert (word, error) == ("answered", "None")
    with sqlite3.connect(env) as conn:
        row = conn.execute("SELECT question, answered FROM queries WHERE id = ?", (int(query_id),)).fetchone()
    assert row == (ANSWERABLE, 1)


# --- a locked log ------------------------------------------------------------------------


@pytest.fixture
def locked(env: Path, monkeypatch: pytest.MonkeyPatch):
    """The log exists, and another connection holds its write lock."""
    monkeypatch.setattr(bot.querylog.schema, "BUSY_TIMEOUT_MS", 50)
    open_database(env).close()
    holder = sqlite3.connect(env, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield env
    holder.execute("ROLLBACK")
    holder.close()


def test_desk_still_answers_when_the_log_is_locked_and_says_why(locked: Path) -> None:
    from bot.settings import load_settings

    asked = Desk.from_settings(load_settings(dotenv_path=None)).ask(ANSWERABLE)
    assert asked.answer.answered and asked.answer.results
    assert asked.query_id is None
    assert asked.log_error and "locked" in asked.log_error


def test_cli_prints_the_answer_and_a_warning_when_the_log_is_locked(locked: Path) -> None:
    result = CliRunner().invoke(main, ["ask", ANSWERABLE])
    assert result.exit_code == 0
    assert result.stdout.startswith("1. ") and "strategic dam" in result.stdout
    assert "warning: the question was not logged" in result.stderr
    assert "locked" in result.stderr
