"""`newsdesk dashboard`: canned queries, the login, the chart page, and a real browser on it."""

from __future__ import annotations

import contextlib
import http.cookiejar
import importlib.util
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.dashboard import HASH_ENV, build_metadata, dashboard
from bot.querylog import Named, QueryLog, QueryRecord
from tests.bot.dashboards import plugins_restored, serving, status

UNANSWERED = "Who won the 2014 Oslo chess open?"
ANSWERED = "What did Iran offer Iraq?"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PASSWORD = "correct horse battery staple"


def make_hash(password: str = PASSWORD) -> str:
    utils = pytest.importorskip("datasette_auth_passwords.utils", reason="pip install -e '.[dashboard]'")
    return str(utils.hash_password(password, iterations=1000))  # few iterations: a fast test


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "newsdesk.db"
    monkeypatch.setenv("NEWSDESK_DB", str(path))
    monkeypatch.delenv(HASH_ENV, raising=False)
    log = QueryLog.open(path)
    first = log.record(QueryRecord(ANSWERED, True, "discord", 1, 5, 10, asked_at="2024-05-01T09:00:00.000Z"))
    log.record(QueryRecord(UNANSWERED, False, "discord", 2, 5, 10, asked_at="2024-05-01T10:00:00.000Z"))
    log.record(QueryRecord("what did iran offer iraq? ", True, "cli", asked_at="2024-05-02T10:00:00.000Z"))
    log.record_feedback(first, 3, -1)
    log.db.close()
    return path


def test_metadata_names_the_database_and_holds_the_canned_queries() -> None:
    metadata = build_metadata("newsdesk")
    queries = metadata["databases"]["newsdesk"]["queries"]
    assert {"recent", "unanswered", "top_questions", "negative_feedback"} <= set(queries)
    assert "No login" in metadata["description"] and "allow" not in metadata
    assert metadata["databases"]["newsdesk"]["tables"]["_migrations"]["hidden"] is True


def test_with_a_login_only_the_moderator_sees_anything_and_the_hash_stays_out_of_the_file() -> None:
    metadata = build_metadata("newsdesk", login=True)
    assert metadata["allow"] == {"id": "moderator"}
    account = metadata["plugins"]["datasette-auth-passwords"]
    assert account == {"moderator_password_hash": {"$env": HASH_ENV}}


def test_print_metadata(db_path: Path) -> None:
    result = CliRunner().invoke(dashboard, ["--print-metadata"])
    assert result.exit_code == 0
    metadata = json.loads(result.stdout)
    assert "unanswered" in metadata["databases"]["newsdesk"]["queries"]
    # No password: only the browser that opened the one-time link sees anything.
    assert metadata["allow"] == {"id": "moderator"} and "one-time link" in metadata["description"]
    assert "datasette-auth-passwords" not in metadata["plugins"]


def test_without_datasette_the_error_names_the_extra(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "datasette" else real(name, *a))
    result = CliRunner().invoke(dashboard, [])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: Datasette is not installed: install the dashboard extra with pip install -e '.[dashboard]'"
    )


def test_a_missing_log_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("datasette") is None:  # then the missing extra is the one-line error
        pytest.skip("datasette is not installed (pip install -e '.[dashboard]')")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "nothing.db"))
    result = CliRunner().invoke(dashboard, [])
    assert result.exit_code == 1 and "does not exist yet" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_binding_beyond_localhost_without_a_password_is_refused_with_the_fix(db_path: Path) -> None:
    result = CliRunner().invoke(dashboard, ["--host", "0.0.0.0", "--print-metadata"])
    assert result.exit_code == 2
    assert "no dashboard password is set" in result.output
    assert "newsdesk dashboard hash-password" in result.output and HASH_ENV in result.output
    assert "allow" not in result.stdout  # nothing printed, nothing served


@pytest.mark.parametrize("how", ["option", "environment"])
def test_with_a_password_binding_beyond_localhost_is_allowed(db_path: Path, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    args = ["--host", "0.0.0.0", "--print-metadata"]
    if how == "option":
        args += ["--password-hash", make_hash()]
    else:
        monkeypatch.setenv(HASH_ENV, make_hash())
    result = CliRunner().invoke(dashboard, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["allow"] == {"id": "moderator"}


def test_the_hash_in_dotenv_as_the_readme_says(db_path: Path) -> None:
    (db_path.parent / ".env").write_text(f"{HASH_ENV}='{make_hash()}'\n", encoding="utf-8")  # cwd is tmp_path
    result = CliRunner().invoke(dashboard, ["--host", "0.0.0.0", "--print-metadata"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["allow"] == {"id": "moderator"}


def test_a_mangled_hash_says_to_quote_it(db_path: Path) -> None:
    # What a shell leaves of an unquoted hash: "$480000" and the rest expanded to nothing.
    result = CliRunner().invoke(dashboard, ["--password-hash", "pbkdf2_sha256", "--print-metadata"])
    assert result.exit_code == 2 and "single quotes" in result.output


def test_hash_password_prints_a_hash_that_logs_in() -> None:
    utils = pytest.importorskip("datasette_auth_passwords.utils")
    result = CliRunner().invoke(dashboard, ["hash-password", "--stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    hashed = result.stdout.strip()
    assert utils.verify_password(PASSWORD, hashed) and not utils.verify_password("wrong", hashed)
    assert PASSWORD not in result.output and HASH_ENV in result.stderr
    prompted = CliRunner().invoke(dashboard, ["hash-password"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert prompted.exit_code == 0 and utils.verify_password(PASSWORD, prompted.stdout.strip().splitlines()[-1])


def test_hash_password_refuses_a_short_password() -> None:
    pytest.importorskip("datasette_auth_passwords")
    result = CliRunner().invoke(dashboard, ["hash-password", "--stdin"], input="short\n")
    assert result.exit_code == 1 and "too short" in result.output


@pytest.fixture
def site() -> Iterator[object]:
    """Datasette's plugin manager with the dashboard's pages, restored afterwards."""
    with plugins_restored():
        from bot import dashboard_site

        yield dashboard_site


async def test_without_a_password_the_home_page_shows_the_chart_and_offers_no_login(db_path: Path, site) -> None:  # type: ignore[no-untyped-def]
    from datasette.app import Datasette

    site.register(login=False)
    datasette = Datasette([str(db_path)], metadata=build_metadata("newsdesk"))
    home = await datasette.client.get("/?days=90")
    assert home.status_code == 200
    assert 'id="newsdesk-chart"' in home.text and 'src="/-/newsdesk/chart.png?days=90"' in home.text
    assert 'href="/newsdesk/unanswered?days=90">Unanswered questions</a>' in home.text  # the pages open on its period
    assert "Log in" not in home.text and "/-/login" not in home.text
    chart = await datasette.client.get("/-/newsdesk/chart.png?days=all")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG") and len(chart.content) < 8_000_000


# --- a real browser ------------------------------------------------------------------------


@contextlib.contextmanager
def _serving(db_path: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`newsdesk dashboard` with a password on ``db_path``, on a free localhost port: its URL and stderr."""
    stderr = tmp_path / "dashboard.stderr"
    with serving(db_path, stderr, password_hash=make_hash()) as (url, _):
        yield url, stderr


@pytest.fixture
def served(db_path: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`newsdesk dashboard` with a password, on a free localhost port; yields its URL and stderr.

    Request it after `browser`, so a missing Chromium skips before a server starts.
    """
    with _serving(db_path, tmp_path) as served_at:
        yield served_at


@pytest.fixture
def browser() -> Iterator[object]:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if missing:
        pytest.skip(f"headless Chromium is not installed ({', '.join(missing)} missing: apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="newsdesk-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        # The network is off: every host name but the dashboard's address fails to resolve,
        # so a page that needed a CDN would show it.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _logged_in(url: str, password: str) -> urllib.request.OpenerDirector:
    """An HTTP client that went through the login form (cookies kept), as a browser does."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{url}/-/login", timeout=10) as response:
        token = re.search(r'name="csrftoken" value="([^"]+)"', response.read().decode()).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"csrftoken": token, "username": "moderator", "password": password}).encode()
    opener.open(f"{url}/-/login", data=form, timeout=10).close()
    return opener


def test_the_served_top_questions_group_rephrasings_like_logs_stats(served: tuple[str, Path]) -> None:
    url, _ = served
    top = f"{url}/newsdesk/top_questions.json?_shape=array"
    assert status(top) == 403  # no login, no log
    with pytest.raises(urllib.error.HTTPError):
        _logged_in(url, "not the password").open(top, timeout=10)
    with _logged_in(url, PASSWORD).open(top, timeout=10) as response:
        rows = json.load(response)
    # Datasette ran the canned SQL with the log's own functions (its plugin registered them).
    assert [(r["times_asked"], r["latest_wording"]) for r in rows] == [(2, "what did iran offer iraq? "), (1, UNANSWERED)]
    with _logged_in(url, PASSWORD).open(f"{url}/-/newsdesk/chart.png?days=all", timeout=30) as response:
        assert response.headers["content-type"] == "image/png" and response.read().startswith(b"\x89PNG")


def test_a_moderator_logs_in_sees_the_chart_and_the_unanswered_question(browser, served: tuple[str, Path]) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    url, stderr = served
    wait = WebDriverWait(browser, 20)
    # Without the password: sent to the login form; the log and the chart are refused.
    browser.get(f"{url}/")
    wait.until(expected_conditions.url_contains("/-/login"))
    browser.get(f"{url}/newsdesk/unanswered")
    assert UNANSWERED not in browser.find_element(By.TAG_NAME, "body").text
    assert status(f"{url}/newsdesk/unanswered.json") == 403 and status(f"{url}/-/newsdesk/chart.png") == 403

    browser.get(f"{url}/-/login")
    browser.find_element(By.NAME, "username").send_keys("moderator")
    browser.find_element(By.NAME, "password").send_keys("not the password")
    browser.find_element(By.CSS_SELECTOR, "form input[type=submit], form button[type=submit]").click()
    # Wait for the answer page itself: the form's page has a body too, until the post returns.
    wait.until(expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "body"), "Invalid username or password"))
    browser.find_element(By.NAME, "username").clear()
    browser.find_element(By.NAME, "username").send_keys("moderator")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form input[type=submit], form button[type=submit]").click()

    # The home page: the chart, drawn by the server, rendered by the browser.
    chart = wait.until(expected_conditions.presence_of_element_located((By.ID, "newsdesk-chart")))
    wait.until(lambda driver: driver.execute_script("return arguments[0].complete", chart))
    assert browser.execute_script("return arguments[0].naturalWidth", chart) == 800
    resources = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(name.startswith(url) for name in resources), resources

    browser.find_element(By.LINK_TEXT, "Unanswered questions").click()
    table = wait.until(expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    assert browser.current_url.endswith("/newsdesk/unanswered")  # the bare home page: all time
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Unanswered questions")
    assert [cell.text for cell in table.find_elements(By.CSS_SELECTOR, "td.col-question")] == [UNANSWERED]
    assert ANSWERED not in table.text
    assert "Log in as moderator" in stderr.read_text()


# --- every moderator page in a real browser, on a busy log -------------------------------------

MODERATOR_PAGES = {
    "recent": ["id", "asked", "asked_in", "question", "answered", "why_not", "filters", "up", "down"],
    "unanswered": ["id", "asked", "asked_in", "question", "why_not", "filters"],
    "top_questions": ["latest_wording", "times_asked", "answered", "last_asked_at"],
    "negative_feedback": ["given", "query_id", "question", "answered", "asked_in", "articles"],
    "search?text=iran": ["id", "asked", "asked_in", "question", "answered", "why_not", "filters", "up", "down"],
    "question?id=7": ["id", "asked", "asked_in", "question", "answered", "why_not", "filters", "refused_with",
                      "articles", "passages", "scores", "latency_ms", "up", "down", "late_answer"],
}


@pytest.fixture
def busy_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path]]:
    """The dashboard with a password on a seeded 400-question log (reasons, filters, votes)."""
    path = tmp_path / "busy" / "newsdesk.db"
    path.parent.mkdir()
    log = QueryLog.open(path)
    wordings = ["What did Iran offer Iraq?", "how many ppl fled ramadi", "Who won the 2014 Oslo chess open?",
                "did iran send troops", "Quelle heure est-il?"]
    for n in range(400):
        question = wordings[n % len(wordings)]
        answered = n % 5 in (0, 1)
        reason = None if answered else ("not_english" if n % 5 == 4 else "not_covered")
        filters = {"outlet": "DW"} if n % 5 == 3 else None
        channel = Named(10 + n % 4, ["ask-the-archive", "newsroom", "world-desk", None][n % 4])  # the last: no name known
        qid = log.record(QueryRecord(question, answered, "discord", 1000 + n % 37, Named(5, "Newsroom"), channel, reason=reason,
                                     filters=filters, asked_at=f"2024-05-{1 + n % 28:02d}T{n % 24:02d}:00:00.000Z"))
        if answered and n % 3 == 0:
            log.record_feedback(qid, 2000 + n, -1 if n % 2 else 1)
    log.db.close()
    monkeypatch.setenv("NEWSDESK_DB", str(path))
    with _serving(path, tmp_path) as served_at:
        yield served_at


def test_every_moderator_page_in_a_browser_shows_its_columns_and_no_sql(browser, busy_served: tuple[str, Path], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    url, _ = busy_served
    wait = WebDriverWait(browser, 30)
    browser.set_window_size(1280, 900)
    browser.get(f"{url}/-/login")
    assert "Log in as moderator" in browser.find_element(By.TAG_NAME, "body").text
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "form input[type=submit]").click()
    headline = wait.until(expected_conditions.visibility_of_element_located((By.ID, "newsdesk-headline")))
    browser.get(f"{url}/?days=all")
    headline = wait.until(expected_conditions.visibility_of_element_located((By.ID, "newsdesk-headline")))
    assert headline.text.split("\n")[:2] == ["400", "questions"] and "people asking" in headline.text
    shots = tmp_path / "screenshots"
    shots.mkdir()
    browser.save_screenshot(str(shots / "home.png"))
    for page, columns in MODERATOR_PAGES.items():
        browser.get(f"{url}/newsdesk/{page}")
        table = wait.until(expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
        assert [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")] == columns, page
        shown = browser.find_element(By.TAG_NAME, "body").text
        assert "SELECT" not in shown and "FROM queries" not in shown and "SELECT" not in browser.title, page
        assert table.find_elements(By.CSS_SELECTOR, "tbody tr"), page
        name = page.split("?")[0]
        browser.save_screenshot(str(shots / f"{name}.png"))
        assert (shots / f"{name}.png").stat().st_size > 10_000
    unanswered = browser.get(f"{url}/newsdesk/unanswered") or browser.find_element(By.TAG_NAME, "body").text
    assert "none under its filter" in unanswered and "not English" in unanswered
    assert "Newsroom \u203a #world-desk" in unanswered and "Newsroom \u203a #13" in unanswered
    if os.environ.get("DASHBOARD_SCREENSHOTS"):  # keep them for a review (a folder the caller names)
        shutil.copytree(shots, os.environ["DASHBOARD_SCREENSHOTS"], dirs_exist_ok=True)
