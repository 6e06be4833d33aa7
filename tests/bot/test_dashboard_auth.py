"""The dashboard's login as an attacker and a moderator meet it: throttling, the Basic header,
the cookie, the password tool; and the SQL functions' bounds. In process (Datasette's ASGI
app through httpx), with a cheap hash so nothing here depends on the machine's speed."""

from __future__ import annotations

import asyncio
import base64
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datasette", reason="pip install -e '.[dashboard]'")
import httpx  # noqa: E402
from datasette.app import Datasette  # noqa: E402
from datasette.utils import baseconv  # noqa: E402

from bot import dashboard_auth, dashboard_gate  # noqa: E402
from bot.dashboard import HASH_ENV, build_metadata  # noqa: E402
from bot.querylog import QueryRecord  # noqa: E402
from bot.querylog import functions  # noqa: E402
from bot.querylog.datasette_plugins import newsdesk_guard  # noqa: E402
from tests.bot.dashboards import client, site_fixture, write_log  # noqa: E402

PASSWORD = "correct horse battery staple"
QUESTION = "Who won the 2014 Oslo chess open?"


def cheap_hash(password: str = PASSWORD) -> str:
    """A hash in the dashboard's format with few iterations: the tests count hashes, not time."""
    salt = "testsalt"
    digest = __import__("hashlib").pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000)
    return f"pbkdf2_sha256$1000${salt}${base64.b64encode(digest).decode()}"


site = site_fixture(login=True)  # the plugins as `newsdesk dashboard` registers them with a password


@pytest.fixture
def datasette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: Any) -> Datasette:
    path = tmp_path / "newsdesk.db"
    write_log(path, QueryRecord(QUESTION, False, "discord", 2, 5, 10, asked_at="2024-05-01T10:00:00.000Z"))
    monkeypatch.setenv(HASH_ENV, cheap_hash())
    return Datasette([str(path)], metadata=build_metadata("newsdesk", login=True))


@pytest.fixture
def hashes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password check, by the name of the thread it ran in."""
    calls: list[str] = []
    real = dashboard_gate.verify_password

    def counted(password: str, encoded: str) -> bool:
        calls.append(threading.current_thread().name)
        return real(password, encoded)

    monkeypatch.setattr(dashboard_gate, "verify_password", counted)
    return calls


def basic(user: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def log_in(http: httpx.AsyncClient, password: str, user: str = "moderator") -> httpx.Response:
    form = await http.get("/-/login")
    token = re.search(r'name="csrftoken" value="([^"]+)"', form.text)
    assert token, form.text
    return await http.post("/-/login", data={"csrftoken": token.group(1), "username": user, "password": password})


async def test_the_login_page_names_the_user_and_the_password_tool_is_gone(datasette: Datasette) -> None:
    async with client(datasette) as http:
        page = await http.get("/-/login")
        assert page.status_code == 200
        assert "Log in as <strong>moderator</strong>" in page.text and 'value="moderator"' in page.text
        tool = await http.post("/-/password-tool", data={"password": "x"})
        assert tool.status_code in (403, 404) and "hashed" not in tool.text.lower()
        assert (await http.get("/-/password-tool")).status_code in (403, 404)
        assert (await http.get("/newsdesk/unanswered.json")).status_code == 403


async def test_a_login_gives_an_httponly_expiring_cookie_that_opens_the_log(datasette: Datasette, hashes: list[str]) -> None:
    async with client(datasette) as http:
        answer = await log_in(http, PASSWORD)
        assert answer.status_code == 302
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("ds_actor=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Max-Age=43200" in cookie and "Secure" not in cookie  # plain http on loopback
        signed = datasette.unsign(http.cookies["ds_actor"], "actor")
        assert signed["a"] == {"id": "moderator"} and signed["e"]
        rows = await http.get("/newsdesk/unanswered.json?_shape=array")
        assert rows.status_code == 200 and [r["question"] for r in rows.json()] == [QUESTION]
    assert len(hashes) == 1 and all(name.startswith("newsdesk-password") for name in hashes)


async def test_over_https_the_cookie_is_secure(datasette: Datasette) -> None:
    async with client(datasette, scheme="https") as http:
        answer = await log_in(http, PASSWORD)
    assert answer.status_code == 302 and "Secure" in answer.headers["set-cookie"]


async def test_an_expired_cookie_opens_nothing(datasette: Datasette) -> None:
    stale = datasette.sign({"a": {"id": "moderator"}, "e": baseconv.base62.encode(1_000_000)}, "actor")
    async with client(datasette) as http:
        http.cookies.set("ds_actor", stale)
        assert (await http.get("/newsdesk/unanswered.json")).status_code == 403


async def test_the_sixth_wrong_password_is_refused_before_hashing_and_other_addresses_are_not(
    datasette: Datasette, hashes: list[str]
) -> None:
    async with client(datasette, "203.0.113.7") as attacker:
        for _ in range(dashboard_auth.FAILURES_PER_CLIENT):
            answer = await log_in(attacker, "not the password")
            assert answer.status_code == 200 and "Invalid username or password" in answer.text
        assert len(hashes) == dashboard_auth.FAILURES_PER_CLIENT
        for _ in range(20):
            answer = await log_in(attacker, PASSWORD)  # even the right one waits
            assert answer.status_code == 429 and "Too many failed logins from your address" in answer.text
            assert int(answer.headers["retry-after"]) >= 1
        assert len(hashes) == dashboard_auth.FAILURES_PER_CLIENT  # no hashing for any of them
        assert "ds_actor" not in attacker.cookies
    async with client(datasette, "198.51.100.9") as moderator:
        assert (await log_in(moderator, PASSWORD)).status_code == 302


async def test_attempts_arriving_together_are_counted_before_any_is_checked(datasette: Datasette, hashes: list[str]) -> None:
    wrong = basic("moderator", "not the password")
    async with client(datasette, "203.0.113.8") as attacker:
        answers = await asyncio.gather(*(attacker.get("/newsdesk.json", headers=wrong) for _ in range(40)))
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [401] * dashboard_auth.FAILURES_PER_CLIENT + [429] * (40 - dashboard_auth.FAILURES_PER_CLIENT)
    assert len(hashes) == dashboard_auth.FAILURES_PER_CLIENT


async def test_the_user_name_is_throttled_across_addresses(datasette: Datasette, hashes: list[str]) -> None:
    for number in range(dashboard_auth.FAILURES_PER_USER):
        async with client(datasette, f"192.0.2.{number + 1}") as http:
            assert (await http.get("/newsdesk.json", headers=basic("moderator", "wrong"))).status_code == 401
    async with client(datasette, "192.0.2.200") as http:
        answer = await http.get("/newsdesk.json", headers=basic("moderator", PASSWORD))
    assert answer.status_code == 429 and "for moderator" in answer.text
    assert len(hashes) == dashboard_auth.FAILURES_PER_USER


@pytest.mark.parametrize(
    "header",
    ["Basic", "Basic !!!notbase64", "Basic " + base64.b64encode(b"no colon here").decode(), "Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "basic " + "A" * 9000],
)
async def test_a_malformed_basic_header_is_a_401_saying_so(datasette: Datasette, hashes: list[str], header: str) -> None:
    async with client(datasette) as http:
        answer = await http.get("/newsdesk.json", headers={"authorization": header})
    assert answer.status_code == 401 and "Basic" in answer.headers["www-authenticate"]
    assert answer.text.startswith("401 Unauthorized:") and "/-/login" in answer.text and "Traceback" not in answer.text
    assert hashes == []


async def test_a_basic_header_logs_in_hashing_once_off_the_event_loop(datasette: Datasette, hashes: list[str]) -> None:
    async with client(datasette) as http:
        for _ in range(5):
            answer = await http.get("/newsdesk/unanswered.json?_shape=array", headers=basic("moderator", PASSWORD))
            assert answer.status_code == 200 and [r["question"] for r in answer.json()] == [QUESTION]
        wrong = await http.get("/newsdesk.json", headers=basic("moderator", "wrong"))
        assert wrong.status_code == 401 and "the user is moderator" in wrong.text
        nobody = await http.get("/newsdesk.json", headers=basic("admin", PASSWORD))
        assert nobody.status_code == 401
    assert len(hashes) == 2 and all(name.startswith("newsdesk-password") for name in hashes)  # not for 'admin'


async def test_a_logged_in_page_is_served_while_a_password_is_being_checked(
    datasette: Datasette, monkeypatch: pytest.MonkeyPatch
) -> None:
    entered, release = threading.Event(), threading.Event()

    def slow(password: str, encoded: str) -> bool:
        entered.set()
        release.wait(120)
        return False

    async with client(datasette) as moderator:
        assert (await log_in(moderator, PASSWORD)).status_code == 302
        monkeypatch.setattr(dashboard_gate, "verify_password", slow)
        async with client(datasette, "203.0.113.9") as attacker:
            attempt = asyncio.ensure_future(attacker.get("/newsdesk.json", headers=basic("moderator", "guess")))
            while not entered.is_set():  # the check has started, in its thread
                await asyncio.sleep(0.01)
            try:
                page = await moderator.get("/newsdesk/unanswered.json?_shape=array")
                assert page.status_code == 200 and not attempt.done()
            finally:
                release.set()
            assert (await attempt).status_code == 401


def test_the_throttle_forgets_after_its_window() -> None:
    now = [1000.0]
    throttle = dashboard_gate.Throttle(2, window=60, clock=lambda: now[0])
    throttle.count("a")
    throttle.count("a")
    assert throttle.wait("a") == 60 and throttle.wait("b") == 0
    now[0] += 30
    assert throttle.wait("a") == 30
    now[0] += 30
    assert throttle.wait("a") == 0
    throttle.count("a")
    throttle.forgive("a")
    assert throttle.wait("a") == 0


def test_an_ipv6_client_counts_by_its_64() -> None:
    assert dashboard_auth.client_key({"client": ("2001:db8:1:2::5", 1)}) == dashboard_auth.client_key({"client": ("2001:db8:1:2:ffff::9", 1)})
    assert dashboard_auth.client_key({"client": ("::ffff:192.0.2.1", 1)}) == "192.0.2.1"
    assert dashboard_auth.client_key({}) == "unknown"


# --- the SQL functions ---------------------------------------------------------------------


def test_the_question_key_of_a_huge_string_reads_its_start_and_is_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = functions.question_key
    monkeypatch.setattr(functions, "question_key", lambda text, analyzer=None: seen.append(len(text)) or real(text))
    conn = sqlite3.connect(":memory:")
    functions.register_functions(conn)
    huge = "Iran offered Iraq " * 300_000  # 5.4 MB
    before = functions._cached_key_text.cache_info().currsize
    (key,) = conn.execute("SELECT newsdesk_question_key(?)", (huge,)).fetchone()
    assert key == functions.question_key_text(huge[: functions.MAX_KEY_INPUT_CHARS])
    assert seen[0] == functions.MAX_KEY_INPUT_CHARS
    assert functions._cached_key_text.cache_info().currsize - before <= 1  # the short one only
    (blob,) = conn.execute("SELECT newsdesk_question_key(zeroblob(5000000))").fetchone()
    assert isinstance(blob, str) and max(seen) <= functions.MAX_KEY_INPUT_CHARS


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the refusal, reported by sqlite3
def test_fts3_tokenizer_cannot_be_called() -> None:
    conn = sqlite3.connect(":memory:")
    functions.register_functions(conn)
    for sql in ("SELECT fts3_tokenizer('simple')", "SELECT fts3_tokenizer('x', x'0000000000000000')"):
        with pytest.raises(sqlite3.Error):
            conn.execute(sql).fetchone()
    guarded = sqlite3.connect(":memory:")
    newsdesk_guard.prepare_connection(guarded)
    with pytest.raises(sqlite3.DatabaseError, match="not authorized to use function: fts3_tokenizer"):
        guarded.execute("SELECT fts3_tokenizer('simple')")


async def test_the_dashboards_sql_box_refuses_fts3_tokenizer(datasette: Datasette) -> None:
    async with client(datasette) as http:
        assert (await log_in(http, PASSWORD)).status_code == 302
        answer = await http.get("/newsdesk.json", params={"sql": "select hex(fts3_tokenizer('simple')) as p"})
    assert answer.status_code == 400 and "not authorized" in answer.text
