"""`newsdesk dashboard`: canned queries, the no-login warning, and a real browser on the page."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.dashboard import build_metadata, dashboard, start_warning
from bot.querylog import QueryLog, QueryRecord

ROOT = Path(__file__).resolve().parents[2]
UNANSWERED = "Who won the 2014 Oslo chess open?"
ANSWERED = "What did Iran offer Iraq?"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "newsdesk.db"
    monkeypatch.setenv("NEWSDESK_DB", str(path))
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
    assert "no login" in metadata["description"]
    assert metadata["databases"]["newsdesk"]["tables"]["_migrations"]["hidden"] is True


def test_print_metadata(db_path: Path) -> None:
    result = CliRunner().invoke(dashboard, ["--print-metadata"])
    assert result.exit_code == 0
    assert "unanswered" in json.loads(result.stdout)["databases"]["newsdesk"]["queries"]


def test_without_datasette_the_error_names_the_extra(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "datasette" else real(name, *a))
    result = CliRunner().invoke(dashboard, [])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: Datasette is not installed: install the dashboard extra with pip install -e '.[dashboard]'"
    )


def test_a_missing_log_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "nothing.db"))
    result = CliRunner().invoke(dashboard, [])
    assert result.exit_code == 1 and "does not exist yet" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_warning_is_louder_off_localhost() -> None:
    local = start_warning("127.0.0.1", 8001)
    assert "no login" in local and "exposes" not in local
    exposed = start_warning("0.0.0.0", 8001)
    assert "no login" in exposed and "exposes the whole query log" in exposed


# --- a real browser ------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the dashboard exited with code {process.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    pytest.fail(f"the dashboard did not answer {url} within {seconds}s")


@pytest.fixture
def served(db_path: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`newsdesk dashboard` on a free localhost port; yields its URL and its stderr file.

    Request it after `browser`, so a missing Chromium skips before a server starts.
    """
    if importlib.util.find_spec("datasette") is None:
        pytest.skip("datasette is not installed (pip install -e '.[dashboard]')")
    port = _free_port()
    stderr = tmp_path / "dashboard.stderr"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.dashboard", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "NEWSDESK_DB": str(db_path)},
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(f"{url}/-/versions.json", process)
        yield url, stderr
    finally:
        process.terminate()  # the dashboard passes SIGTERM on to Datasette
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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


def test_the_served_top_questions_group_rephrasings_like_logs_stats(served: tuple[str, Path]) -> None:
    url, _ = served
    with urllib.request.urlopen(f"{url}/newsdesk/top_questions.json?_shape=array", timeout=10) as response:
        rows = json.load(response)
    # Datasette ran the canned SQL with the log's own functions (its plugin registered them).
    assert [(r["times_asked"], r["latest_wording"]) for r in rows] == [(2, "what did iran offer iraq? "), (1, UNANSWERED)]


def test_a_moderator_sees_the_unanswered_question_in_the_browser(browser, served: tuple[str, Path]) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    url, stderr = served
    browser.get(f"{url}/newsdesk")
    WebDriverWait(browser, 20).until(expected_conditions.presence_of_element_located((By.TAG_NAME, "body")))
    home = browser.find_element(By.TAG_NAME, "body").text
    assert "Unanswered questions" in home and "Negative feedback" in home

    browser.find_element(By.LINK_TEXT, "Unanswered questions").click()
    table = WebDriverWait(browser, 20).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns"))
    )
    assert browser.current_url.endswith("/newsdesk/unanswered")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Unanswered questions")
    cells = [cell.text for cell in table.find_elements(By.CSS_SELECTOR, "td.col-question")]
    assert cells == [UNANSWERED]
    assert ANSWERED not in table.text

    warning = stderr.read_text()
    assert "Datasette has no login of its own" in warning and "127.0.0.1" in warning
