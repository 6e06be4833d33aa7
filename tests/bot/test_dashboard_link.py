"""A dashboard without a password: the one-time link (as Datasette's ``--root``), so nobody
else on the machine can read the log through it. In process, then as `newsdesk dashboard` runs."""

from __future__ import annotations

import http.cookiejar
import os
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datasette", reason="pip install -e '.[dashboard]'")
from datasette.app import Datasette  # noqa: E402

from bot import dashboard_auth  # noqa: E402
from bot.dashboard import HASH_ENV, TOKEN_ENV, build_metadata  # noqa: E402
from bot.querylog import QueryRecord  # noqa: E402
from tests.bot.dashboards import client, site_fixture, serving, status, write_log  # noqa: E402

QUESTION = "Who won the 2014 Oslo chess open?"
TOKEN = "t" * 43


site = site_fixture(login=True)  # the login pages serve the one-time link too


@pytest.fixture
def datasette(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: Any) -> Datasette:
    path = tmp_path / "newsdesk.db"
    write_log(path, QueryRecord(QUESTION, False, "discord", 2, 5, 10, asked_at="2024-05-01T10:00:00.000Z"))
    monkeypatch.delenv(HASH_ENV, raising=False)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    assert dashboard_auth.arm_token_from_environment()
    assert TOKEN_ENV not in os.environ  # nothing Datasette starts inherits it
    return Datasette([str(path)], metadata=build_metadata("newsdesk", link=True))


async def test_without_the_link_nothing_of_the_log_is_readable(datasette: Datasette) -> None:
    async with client(datasette) as other_user:
        for page in ("/newsdesk/unanswered.json", "/newsdesk/queries.json", "/newsdesk.json?sql=select+question+from+queries",
                     "/-/newsdesk/chart.png", "/newsdesk/question.json?id=1"):
            answer = await other_user.get(page)
            assert answer.status_code == 403 and QUESTION not in answer.text, page
        home = await other_user.get("/")
        assert home.status_code == 302 and home.headers["location"] == "/-/login"
        login = await other_user.get("/-/login")
        assert "one-time link" in login.text and 'type="password"' not in login.text


async def test_the_link_logs_one_browser_in_once(datasette: Datasette) -> None:
    async with client(datasette) as moderator:
        opened = await moderator.get(f"/-/auth-token?token={TOKEN}")
        assert opened.status_code == 302 and opened.headers["location"] == "/"
        cookie = opened.headers["set-cookie"]
        assert cookie.startswith("ds_actor=") and "HttpOnly" in cookie and "Max-Age=43200" in cookie
        rows = await moderator.get("/newsdesk/unanswered.json?_shape=array")
        assert rows.status_code == 200 and [r["question"] for r in rows.json()] == [QUESTION]
    async with client(datasette, "127.0.0.1") as second:  # the same link again: spent
        again = await second.get(f"/-/auth-token?token={TOKEN}")
        assert again.status_code == 403 and "was used already" in again.text and "set-cookie" not in again.headers
        assert (await second.get("/newsdesk/unanswered.json")).status_code == 403


async def test_wrong_links_are_refused_and_throttled_and_do_not_spend_the_right_one(datasette: Datasette) -> None:
    async with client(datasette, "203.0.113.5") as guesser:
        for n in range(dashboard_auth.FAILURES_PER_CLIENT):
            assert (await guesser.get(f"/-/auth-token?token=guess{n}")).status_code == 403
        throttled = await guesser.get(f"/-/auth-token?token={TOKEN}")
        assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1
    async with client(datasette) as moderator:
        assert (await moderator.get(f"/-/auth-token?token={TOKEN}")).status_code == 302


def test_newsdesk_dashboard_prints_the_link_and_only_it_opens_the_log(tmp_path: Path) -> None:
    path = tmp_path / "newsdesk.db"
    write_log(path, QueryRecord(QUESTION, False, "discord", 2, 5, 10, asked_at="2024-05-01T10:00:00.000Z"))
    stderr = tmp_path / "dashboard.stderr"
    with serving(path, stderr) as (url, process):  # no password: the one-time link
        link = re.search(rf"{re.escape(url)}/-/auth-token\?token=[A-Za-z0-9_-]{{40,}}", stderr.read_text())
        assert link, stderr.read_text()
        assert link.group(0).split("=")[1] not in " ".join(process.args)  # type: ignore[arg-type]
        table = f"{url}/newsdesk/unanswered.json?_shape=array"
        assert status(table) == 403 and status(f"{url}/-/auth-token?token=not-it") == 403
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        browser.open(link.group(0), timeout=10).close()
        with browser.open(table, timeout=10) as response:
            assert QUESTION in response.read().decode()
        assert status(link.group(0)) == 403  # once
