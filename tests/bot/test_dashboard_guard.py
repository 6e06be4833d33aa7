"""`newsdesk dashboard` as an attacker meets it: other host names, formulas in CSV, memory-hungry
SQL, a killed parent; and `--guild`, which serves one server's questions only."""

from __future__ import annotations

import base64
import csv
import hashlib
import http.client
import importlib.util
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# The guard is a Datasette plugin: without the dashboard extra there is nothing to test.
pytest.importorskip("datasette", reason="datasette is not installed (pip install -e '.[dashboard]')")

from bot.dashboard import HASH_ENV  # noqa: E402
from bot.querylog import QueryLog, QueryRecord  # noqa: E402
from bot.querylog.datasette_plugins.newsdesk_guard import guard_csv, host_allowed  # noqa: E402
from bot.querylog.retention import forget_user  # noqa: E402
from tests.bot.dashboards import free_port, stop, write_log  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FORMULA = '=HYPERLINK("http://evil.example","click")'
OURS, THEIRS = 5, 9


# The dashboards here have a password (one cheap to check); every request logs in with it.
PASSWORD = "guard test password"
_SALT = "guardsalt"
CHEAP_HASH = "pbkdf2_sha256$1000${}${}".format(
    _SALT, base64.b64encode(hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), _SALT.encode(), 1000)).decode()
)
BASIC = "Basic " + base64.b64encode(f"moderator:{PASSWORD}".encode()).decode()


def get(port: int, path: str, host: str | None = None, timeout: float = 20) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{port}")
        connection.putheader("Authorization", BASIC)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("guard") / "newsdesk.db"
    log = QueryLog.open(path)
    log.record(QueryRecord(FORMULA, False, "discord", 1, OURS, 10, asked_at="2024-05-01T09:00:00.000Z"))
    theirs = log.record(QueryRecord("their secret question", False, "discord", 2, THEIRS, 20))
    log.record_feedback(theirs, 2, -1)
    log.record_archive_action(2, "add", "their-article", "Their article")
    log.db.close()
    return path


def start(log_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    if importlib.util.find_spec("datasette") is None:
        pytest.skip("datasette is not installed (pip install -e '.[dashboard]')")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != HASH_ENV}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.dashboard", "--port", str(port), *args],
        cwd=log_path.parent,
        env={**env, "NEWSDESK_DB": str(log_path), HASH_ENV: CHEAP_HASH},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the dashboard exited with code {process.returncode}")
        try:
            get(port, "/-/versions.json", timeout=2)
            return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("the dashboard did not start")


@pytest.fixture(scope="module")
def served(log_path: Path) -> Iterator[int]:
    process, port = start(log_path)
    try:
        yield port
    finally:
        stop(process)


def test_another_host_name_is_refused(served: int) -> None:
    status, body = get(served, "/newsdesk/queries.json", host="attacker.example")
    assert status == 421 and b"their secret" not in body
    assert get(served, "/newsdesk/queries.json", host=f"attacker.example:{served}")[0] == 421
    for host in (f"127.0.0.1:{served}", f"localhost:{served}", "localhost"):
        status, body = get(served, "/newsdesk/queries.json?_shape=array", host=host)
        assert status == 200 and b"their secret" in body, host


def test_csv_downloads_carry_the_formula_guard(served: int) -> None:
    for path in ("/newsdesk/queries.csv?_stream=on", "/newsdesk/recent.csv", "/newsdesk/queries.csv?_dl=1"):
        status, body = get(served, path)
        assert status == 200, path
        questions = [row["question"] for row in csv.DictReader(io.StringIO(body.decode("utf-8")))]
        assert "'" + FORMULA in questions and FORMULA not in questions, path


def test_a_memory_hungry_query_is_refused_before_it_allocates(served: int) -> None:
    # Refused by the length limit before 900 MB is made (no wall-clock claim: CI is busy).
    status, body = get(served, "/newsdesk.json?sql=select+length(randomblob(900000000))")
    assert status >= 400 and b"too big" in body


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        pytest.skip("no /proc children list on this system")
    return [int(child) for child in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_guild_serves_one_server_and_datasette_stops_when_the_dashboard_is_killed(log_path: Path) -> None:
    process, port = start(log_path, "--guild", str(OURS))
    try:
        status, body = get(port, "/newsdesk.json?sql=select+question,guild_id+from+queries&_shape=array")
        assert status == 200 and [row["guild_id"] for row in json.loads(body)] == [str(OURS)]
        status, body = get(port, "/newsdesk/feedback.json?_shape=array")
        assert status == 200 and json.loads(body) == []  # the vote was on the other server's question
        status, body = get(port, "/newsdesk.json?sql=select+count(*)+as+n+from+archive_actions&_shape=array")
        assert status == 200 and json.loads(body) == [{"n": 0}]
        [child] = _children(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 15
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child)
    finally:
        stop(process)


def _served_files(process: subprocess.Popen[bytes]) -> list[Path]:
    """The database Datasette serves (from its command line) and its -wal/-shm files."""
    [child] = _children(process.pid)
    served = Path(next(arg for arg in Path(f"/proc/{child}/cmdline").read_bytes().decode().split("\0") if arg.endswith(".db")))
    return [path for path in (served, Path(f"{served}-wal"), Path(f"{served}-shm")) if path.exists()]


def _questions_once(port: int, until: list[str]) -> list[str]:
    """The served questions once they are ``until`` (or after a generous minute), checking on
    the way that no other server's question is ever served."""
    sql = "/newsdesk.json?sql=select+question,guild_id+from+queries+order+by+id&_shape=array"
    deadline = time.monotonic() + 60
    while True:
        status, body = get(port, sql)
        assert status == 200 and b"their" not in body
        questions = [row["question"] for row in json.loads(body)]
        if questions == until or time.monotonic() > deadline:
            return questions
        time.sleep(0.2)


def test_guild_shows_new_questions_of_that_server_only(tmp_path: Path) -> None:
    path = tmp_path / "newsdesk.db"
    write_log(path, QueryRecord("our first question", True, "discord", 1, OURS, 10),
              QueryRecord("their first question", True, "discord", 2, THEIRS, 20))
    process, port = start(path, "--guild", str(OURS), "--refresh", "1")
    try:
        served = _served_files(process)
        assert path.resolve() not in served  # a private copy, never the log itself
        log = QueryLog.open(path)  # the bot keeps writing while the dashboard runs
        ours = log.record(QueryRecord("our newer question", False, "discord", 3, OURS, 10))
        log.record(QueryRecord("their newer secret", False, "discord", 4, THEIRS, 20))
        log.record_feedback(ours, 3, 1)
        log.db.close()
        assert _questions_once(port, until=["our first question", "our newer question"]) == ["our first question", "our newer question"]
        status, body = get(port, "/newsdesk/feedback.json?_shape=array")
        assert status == 200 and [(row["query_id"], row["value"]) for row in json.loads(body)] == [(ours, 1)]
        # A member's request to be forgotten reaches the dashboard too.
        log = QueryLog.open(path)
        forget_user(log.db, log, 1)
        log.db.close()
        assert _questions_once(port, until=["our newer question"]) == ["our newer question"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(b"our first" in f.read_bytes() for f in _served_files(process)):
            time.sleep(0.2)  # the write-ahead file is emptied once no reader holds it
        for file in _served_files(process):  # not in free pages, nor in the write-ahead file
            content = file.read_bytes()
            assert b"their" not in content and b"our first" not in content, file
    finally:
        stop(process)


def _migrate_adding_a_column(path: Path, values: dict[int, str]) -> None:
    """What a migration does while the dashboard runs: a new column, then values in it, in one
    transaction as bot.querylog.schema.migrate runs each migration (Python's sqlite3 would
    commit the ALTER TABLE on its own)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute('ALTER TABLE "queries" ADD COLUMN "language" TEXT')
    conn.executemany("UPDATE queries SET language = ? WHERE id = ?", [(v, k) for k, v in values.items()])
    conn.execute("COMMIT")
    conn.close()


def test_guild_shows_a_column_a_migration_adds_while_it_runs(tmp_path: Path) -> None:
    path = tmp_path / "newsdesk.db"
    ours, theirs = write_log(path, QueryRecord("our question", True, "discord", 1, OURS, 10),
                             QueryRecord("their question", True, "discord", 2, THEIRS, 20))
    process, port = start(path, "--guild", str(OURS), "--refresh", "1")
    try:
        sql = "/newsdesk.json?sql=select+question,language+from+queries&_shape=array"
        assert get(port, sql)[0] == 400  # no such column yet
        _migrate_adding_a_column(path, {ours: "en-ours", theirs: "de-theirs"})
        deadline = time.monotonic() + 60
        while (answer := get(port, sql))[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        status, body = answer
        assert status == 200 and json.loads(body) == [{"question": "our question", "language": "en-ours"}]
        for file in _served_files(process):
            assert b"their" not in file.read_bytes() and b"de-theirs" not in file.read_bytes(), file
    finally:
        stop(process)


def test_refresh_without_guild_is_refused(log_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.dashboard", "--refresh", "5", "--print-metadata"],
        cwd=log_path.parent,
        env={**os.environ, "NEWSDESK_DB": str(log_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "--refresh only applies with --guild" in result.stderr


def test_host_rules() -> None:
    local = frozenset({"localhost", "127.0.0.1", "::1"})
    assert host_allowed("[::1]:8001", local) and host_allowed("LOCALHOST:8001", local)
    assert not host_allowed("evil.example", local) and not host_allowed("10.0.0.5:8001", local)
    assert host_allowed("10.0.0.5:8001", local, any_address=True)
    assert not host_allowed("evil.example:8001", local, any_address=True)
    assert not host_allowed("", local)


def test_guard_csv_keeps_numbers_and_guards_text() -> None:
    body = 'id,question,value\r\n1,"=1+2",-1\r\n2,"@SUM(A1)\nsecond line",3.5\r\n'.encode()
    rows = list(csv.reader(io.StringIO(guard_csv(body).decode(), newline="")))
    assert rows[1] == ["1", "'=1+2", "-1"] and rows[2] == ["2", "'@SUM(A1)\nsecond line", "3.5"]
