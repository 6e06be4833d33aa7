"""`newsdesk logs`: what a moderator sees on the command line, and the errors they get."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlite_utils import Database

import bot.querylog.schema
from bot import charts
from bot.logs_cli import logs
from bot.logs_cli import period as logs_period
from bot.logs_render import render_table
from bot.querylog import QueryLog, QueryRecord, open_database
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SECRET = "cli test secret"
LONG = "How did the Iraqi army, the Popular Mobilisation Forces and the Kurdish Peshmerga " * 3


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    path = tmp_path / "log.db"
    monkeypatch.setenv("NEWSDESK_DB", str(path))
    monkeypatch.setenv("COLUMNS", "100")
    for name in ("NEWSDESK_LOG_USER_IDS", "NEWSDESK_HASH_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return path


def fill(path: Path, **log_kwargs: object) -> QueryLog:
    log = QueryLog.open(path, **log_kwargs)
    add = log.record
    q1 = add(QueryRecord("What did Iran offer Iraq?", True, "discord", 111, 5, 10, asked_at="2024-05-01T09:00:00.000Z"))
    add(QueryRecord("weather in Oslo", False, "discord", 222, 5, 11, asked_at="2024-05-01T10:00:00.000Z"))
    add(QueryRecord(LONG, True, "cli", asked_at="2024-05-02T09:00:00.000Z"))
    add(QueryRecord("100% sure? x'; DROP TABLE queries; --", False, "cli", asked_at="2024-05-02T10:00:00.000Z"))
    add(QueryRecord("=HYPERLINK(\"http://evil.example\")", False, "discord", 111, 5, 10, asked_at="2024-05-03T10:00:00.000Z"))
    log.record_feedback(q1, 222, 1)
    log.record_feedback(q1, 333, -1)
    return log


def run(*args: str, obj: Settings | None = None) -> Result:
    return CliRunner().invoke(logs, list(args), obj=obj)


def table_questions(output: str) -> list[str]:
    return [line.split("  ")[-1] for line in output.splitlines()[1:]]


# --- listings ------------------------------------------------------------------------------


def test_recent_is_a_table_newest_first_cut_to_the_terminal(db_path: Path) -> None:
    fill(db_path)
    result = run("recent")
    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.splitlines()
    assert header.split() == ["ID", "ASKED", "(UTC)", "WHERE", "USER", "ANSWERED", "+/-", "QUESTION"]
    assert [line.split()[0] for line in lines] == ["5", "4", "3", "2", "1"]
    assert all(len(line) <= 100 for line in lines)
    assert any(line.endswith("\u2026") for line in lines)  # the long question, truncated
    assert "#10" in lines[-1] and "1/1" in lines[-1] and "yes" in lines[-1]


def test_recent_count_and_the_settings_of_the_newsdesk_group(db_path: Path) -> None:
    fill(db_path)
    result = run("recent", "2", obj=Settings(db_path=db_path))
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 3


def test_control_characters_in_questions_do_not_reach_the_terminal(db_path: Path) -> None:
    QueryLog.open(db_path).record(QueryRecord("evil \x1b[2J\x1b]0;pwned\x07 question\nsecond line", True))
    result = run("recent")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert len(result.stdout.splitlines()) == 2


def test_search_text_from_a_terminal_that_is_not_utf8_is_one_line(db_path: Path) -> None:
    fill(db_path)
    result = run("search", "Z\udcfcrich")  # "Zürich" typed in a Latin-1 terminal
    assert result.exit_code == 2, result.exception
    assert "not UTF-8" in result.output and "0xfc" in result.output and "Traceback" not in result.output


def test_line_breaks_of_every_kind_keep_each_question_on_its_line(db_path: Path) -> None:
    broken = "Iran\ntroops\r\n# h\u2028> q\u2029\x85\v\f end"  # the table leaves the question 20 columns
    log = QueryLog.open(db_path)
    log.record(QueryRecord(broken, False, filters={"outlet": "Valley\u2028Post"}))
    log.record(QueryRecord(broken, False))
    header, *lines = run("recent").stdout.splitlines()
    assert len(lines) == 2 and "FILTERS" in header
    assert all(line.endswith("  Iran troops # h > q end") for line in lines)
    assert "from Valley Post" in lines[1]
    assert "  2x     0/2       Iran troops # h > q end" in run("stats").stdout.splitlines()


def test_json_and_csv_outputs(db_path: Path) -> None:
    fill(db_path)
    data = json.loads(run("recent", "--json").stdout)
    assert [d["id"] for d in data] == [5, 4, 3, 2, 1]
    assert data[-1]["answered"] is True and data[-1]["thumbs_down"] == 1 and data[-1]["user_id"] == "111"
    rows = list(csv.DictReader(io.StringIO(run("unanswered", "--csv").stdout)))
    assert [r["id"] for r in rows] == ["5", "4", "2"]
    assert rows[0]["question"].startswith("'=HYPERLINK")
    result = run("recent", "--json", "--csv")
    assert result.exit_code == 2 and "choose one of --json and --csv" in result.output


def test_search_treats_sql_and_wildcards_as_text(db_path: Path) -> None:
    fill(db_path)
    for text in ("%", "'; DROP TABLE queries; --", "100% SURE"):
        result = run("search", text, "--json")
        assert result.exit_code == 0, result.output
        assert [d["id"] for d in json.loads(result.stdout)] == [4]
    assert "no questions contain '_'" in run("search", "_").stdout
    assert Database(db_path)["queries"].count == 5


def test_unanswered_lists_only_unanswered(db_path: Path) -> None:
    fill(db_path)
    result = run("unanswered")
    assert table_questions(result.stdout)[1:] == ["100% sure? x'; DROP TABLE queries; --", "weather in Oslo"]
    assert all(" no " in line for line in result.stdout.splitlines()[1:])


def test_unanswered_and_search_say_when_more_are_left_out(db_path: Path) -> None:
    fill(db_path)
    shown = run("unanswered", "-n", "2")
    assert len(table_questions(shown.stdout)) == 2
    assert shown.stderr.strip() == "the newest 2 of 3; -n 3 lists them all"
    assert run("search", "iraq", "-n", "1").stderr.strip() == "the newest 1 of 2; -n 2 lists them all"
    # All shown, or output for scripts: nothing more is said.
    assert run("unanswered").stderr == "" and run("unanswered", "-n", "2", "--json").stderr == ""


def test_since_and_until(db_path: Path) -> None:
    fill(db_path)
    data = json.loads(run("recent", "--since", "2024-05-02", "--until", "2024-05-02", "--json").stdout)
    assert [d["id"] for d in data] == [4, 3]
    assert json.loads(run("recent", "--since", "7d", "--json").stdout) == []  # the log is from 2024
    result = run("recent", "--since", "last tuesday")
    assert result.exit_code == 2 and "--since" in result.output and "7d" in result.output


# --- stats ---------------------------------------------------------------------------------


def test_stats_table_and_json(db_path: Path) -> None:
    fill(db_path)
    text = run("stats").stdout
    assert "questions       5" in text and "answered        2 (40%)" in text
    assert "distinct users  2" in text and "1 up, 1 down" in text
    assert "2024-05-01      2 asked      1 answered" in text
    assert "#10 (server 5)  2" in text
    data = json.loads(run("stats", "--json", "--since", "2024-05-02").stdout)
    assert (data["questions"], data["answered"], data["thumbs_up"]) == (3, 1, 0)
    rows = list(csv.reader(io.StringIO(run("stats", "--csv").stdout)))
    assert rows[0] == ["section", "key", "count", "detail"] and ["summary", "questions", "5", ""] in rows


@pytest.mark.parametrize(
    ("since", "until", "shown_since", "shown_until", "questions", "period"),
    [
        (None, "2024-05-01", None, "2024-05-01", 2, "until 2024-05-01"),
        ("2024-05-01", "2024-05-02", "2024-05-01", "2024-05-02", 4, "2024-05-01 to 2024-05-02"),
        ("2024-05-02", "2024-05-02", "2024-05-02", "2024-05-02", 2, "2024-05-02"),
        (None, "2024-05-02T09:30:00Z", None, "2024-05-02T09:30:00.000Z", 3, "until 2024-05-02 09:30"),
    ],
)
def test_stats_give_the_period_asked_for_as_the_chart_does(
    db_path: Path, since: str | None, until: str, shown_since: str | None, shown_until: str, questions: int, period: str
) -> None:
    fill(db_path)
    bounds = [*(["--since", since] if since else []), "--until", until]
    data = json.loads(run("stats", "--json", *bounds).stdout)
    assert (data["since"], data["until"], data["questions"]) == (shown_since, shown_until, questions)  # the day asked, inclusive
    assert run("stats", *bounds).stdout.splitlines()[0] == f"Questions, {period} (UTC)"
    figure = charts.build_figure(charts.chart_data(Database(db_path), *logs_period(since, until)))
    assert figure.get_suptitle() == f"newsdesk questions, {period} (UTC)"


# --- export --------------------------------------------------------------------------------


def test_export_csv_to_stdout(db_path: Path) -> None:
    fill(db_path)
    result = run("export")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5"]  # oldest first
    assert rows[0]["user_id"] == "111" and rows[0]["thumbs_up"] == "1"
    lines = [json.loads(line) for line in run("export", "--json", "--since", "2024-05-03").stdout.splitlines()]
    assert [d["id"] for d in lines] == [5]


def test_exports_and_script_listings_carry_each_questions_filters(db_path: Path) -> None:
    log = QueryLog.open(db_path)
    log.record(QueryRecord("Did Iran pledge help?", False, filters={"outlet": "DW", "since": "2014-06-01"}))
    log.record(QueryRecord("no filters?", True))
    [filtered, plain] = list(csv.DictReader(io.StringIO(run("export", "--csv").stdout)))
    assert json.loads(filtered["filters"]) == {"outlet": "DW", "since": "2014-06-01"} and plain["filters"] == ""
    lines = [json.loads(line) for line in run("export", "--json").stdout.splitlines()]
    assert [d["filters"] for d in lines] == [{"outlet": "DW", "since": "2014-06-01"}, {}]
    assert [d["filters"] for d in json.loads(run("recent", "--json").stdout)] == [{}, {"outlet": "DW", "since": "2014-06-01"}]
    newest, oldest = list(csv.DictReader(io.StringIO(run("recent", "--csv").stdout)))
    assert newest["filters"] == "" and json.loads(oldest["filters"])["outlet"] == "DW"


def test_export_to_a_private_file(db_path: Path, tmp_path: Path) -> None:
    fill(db_path)
    target = tmp_path / "export.csv"
    result = run("export", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert "exported 5 question(s) to" in result.stderr
    assert len(target.read_text().splitlines()) == 6
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export")] == []


def test_export_of_a_large_log_streams(db_path: Path, tmp_path: Path) -> None:
    db = open_database(db_path)
    rows = 50_000
    with db.conn:
        db.conn.executemany(
            "INSERT INTO queries (asked_at, interface, question, answered) VALUES ('2024-05-01', 'cli', ?, 0)",
            ((f"{LONG} #{i}",) for i in range(rows)),
        )
    target = tmp_path / "big.csv"
    tracemalloc.start()
    try:
        result = run("export", "-o", str(target))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    size = target.stat().st_size
    assert size > 10_000_000
    assert peak < size / 20


# --- purge and forget ----------------------------------------------------------------------


def test_purge_reports_and_removes(db_path: Path) -> None:
    log = fill(db_path)
    log.record(QueryRecord("today", True))
    dry = run("purge", "--older-than", "90d", "--dry-run")
    assert dry.stdout.startswith("would remove 5 question(s) and 2 feedback row(s) asked before ")
    result = run("purge", "--older-than", "90d")
    assert result.exit_code == 0
    assert result.stdout.startswith("removed 5 question(s) and 2 feedback row(s)")
    db = Database(db_path)
    assert [r["question"] for r in db["queries"].rows] == ["today"] and db["feedback"].count == 0
    bad = run("purge", "--older-than", "ninety days")
    assert bad.exit_code == 2 and "12h, 90d, 2w" in bad.output


@pytest.mark.parametrize("mode", ["plain", "hashed"])
def test_forget_reports_and_removes_a_user(db_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.setenv("NEWSDESK_LOG_USER_IDS", mode)
    monkeypatch.setenv("NEWSDESK_HASH_SECRET", SECRET)
    fill(db_path, user_ids=mode, secret=SECRET)
    result = run("forget", "111")
    assert result.exit_code == 0, result.output
    # Two questions, the two votes on the first one.
    assert result.stdout.strip() == "removed 2 question(s) and 2 feedback row(s) for user 111"
    db = Database(db_path)
    assert db.execute("SELECT count(*) FROM queries WHERE channel_id = '10'").fetchone()[0] == 0
    assert db["queries"].count == 3
    again = run("forget", "111")  # nothing left: 111 was never a Discord id (a test's)
    assert again.exit_code == 2 and "111 cannot be a Discord user id" in again.output
    assert run("forget", "123456789012345678").stdout.startswith("removed 0 question(s)")


@pytest.mark.parametrize("given", ["<@111>", "<@!111>", " 111 "])
def test_forget_takes_a_pasted_mention_as_the_users_id(db_path: Path, given: str) -> None:
    fill(db_path)
    result = run("forget", given)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "removed 2 question(s) and 2 feedback row(s) for user 111"


@pytest.mark.parametrize("given", ["@alice", "alice", "11l", "h:5f2c1a…", ""])
def test_forget_refuses_what_is_not_a_user_id_instead_of_removing_nothing(db_path: Path, given: str) -> None:
    fill(db_path)
    result = run("forget", given)
    assert result.exit_code == 2
    assert "Discord user id" in result.output and "removed" not in result.output
    assert Database(db_path)["queries"].count == 5


def test_forget_takes_the_whole_hashed_key_a_listing_shows(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_LOG_USER_IDS", "hashed")
    monkeypatch.setenv("NEWSDESK_HASH_SECRET", SECRET)
    fill(db_path, user_ids="hashed", secret=SECRET)
    key = json.loads(run("recent", "--json").stdout)[-1]["user_id"]
    result = run("forget", key)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("removed 2 question(s) and 2 feedback row(s)")


def test_the_table_shows_a_whole_discord_user_id_that_forget_takes(db_path: Path) -> None:
    log = QueryLog.open(db_path)
    log.record(QueryRecord("What did the council decide?", True, "discord", 123456789012345678, 5, 10))
    table = run("recent").stdout
    assert "123456789012345678" in table  # not cut to "12345678901…": forget needs all of it
    assert run("forget", "123456789012345678").stdout.startswith("removed 1 question(s)")


def test_forget_explains_none_mode(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_LOG_USER_IDS", "none")
    fill(db_path, user_ids="none")
    result = run("forget", "111")
    assert result.exit_code == 0 and "cannot be tied to a user" in result.stderr


# --- errors --------------------------------------------------------------------------------


def test_a_missing_log_is_one_line_and_is_not_created(db_path: Path) -> None:
    result = run("recent")
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: NEWSDESK_DB points to {db_path}, which does not exist yet: ask a question first "
        "(newsdesk ask ...), or set NEWSDESK_DB to the bot's log"
    )
    assert not db_path.exists()


def test_a_locked_log_is_a_clear_error(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(db_path)
    monkeypatch.setattr(bot.querylog.schema, "BUSY_TIMEOUT_MS", 50)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run("purge", "--older-than", "1d")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1
    assert "is locked by another process" in result.output
    assert Database(db_path)["queries"].count == 5


def test_logs_does_not_import_discord() -> None:
    code = "import sys, bot.logs_cli, bot.dashboard; print('discord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_render_table_aligns_columns() -> None:
    text = render_table(("A", "LONG HEADER", "TEXT"), [("1", "x", "hello"), ("22", "yy", "world")], width=80)
    assert text.splitlines() == ["A   LONG HEADER  TEXT", "1   x            hello", "22  yy           world"]


def test_stats_chart_writes_a_png_beside_the_figures(db_path: Path, tmp_path: Path) -> None:
    fill(db_path)
    result = run("stats", "--since", "2024-05-01", "--until", "2024-05-03", "--chart", str(tmp_path / "stats.png"))
    assert result.exit_code == 0, result.output
    assert "questions       5" in result.stdout  # the figures are still printed
    assert "chart written to" in result.stderr
    png = (tmp_path / "stats.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) < 8_000_000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".stats.png")]  # no temporary left


@pytest.mark.parametrize(
    ("name", "message"), [("stats.txt", "name the file with .png"), ("missing/stats.png", "does not exist")]
)
def test_stats_chart_bad_path_is_refused_before_writing(db_path: Path, tmp_path: Path, name: str, message: str) -> None:
    fill(db_path)
    result = run("stats", "--chart", str(tmp_path / name))
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / name).exists()


def test_stats_and_its_chart_count_the_same_questions_while_the_bot_logs(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import charts

    log = fill(db_path)
    charted: list[int] = []
    real = charts.chart_data

    def asked_meanwhile(*args: object, **kwargs: object) -> charts.ChartData:
        log.record(QueryRecord("asked while the stats were read", True, asked_at="2024-05-03T11:00:00.000Z"))
        data = real(*args, **kwargs)  # type: ignore[arg-type]
        charted.append(data.questions)
        return data

    monkeypatch.setattr(charts, "chart_data", asked_meanwhile)
    result = run("stats", "--json", "--chart", str(tmp_path / "stats.png"))
    assert result.exit_code == 0, result.output
    assert charted == [json.loads(result.stdout)["questions"]] == [5]


# --- why a question went unanswered --------------------------------------------------------


def fill_reasons(path: Path) -> None:
    log = QueryLog.open(path)
    log.record(QueryRecord("Who won the Oslo chess open?", False, reason="not_covered", asked_at="2024-05-01T09:00:00.000Z"))
    log.record(QueryRecord("did iran send troops", False, reason="not_covered", filters={"outlet": "dw"},
                           asked_at="2024-05-01T10:00:00.000Z"))
    log.record(QueryRecord("Quelle est la position du conseil?", False, reason="not_english", asked_at="2024-05-01T11:00:00.000Z"))
    log.record(QueryRecord("What did Iran offer Iraq?", True, asked_at="2024-05-01T12:00:00.000Z"))


def test_unanswered_says_why_and_tells_a_filter_from_a_gap_in_the_archive(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # whole questions
    fill_reasons(db_path)
    listing = run("unanswered")
    header, *lines = listing.stdout.splitlines()
    assert "WHY NOT" in header and "FILTERS" in header
    why = {line.split("  ")[-1]: line for line in lines}
    assert "not English" in why["Quelle est la position du conseil?"]
    assert "none under its filter" in why["did iran send troops"] and "from dw" in why["did iran send troops"]
    assert "not covered" in why["Who won the Oslo chess open?"]
    listed = json.loads(run("unanswered", "--json").stdout)
    assert [(d["reason"], d["filters"]) for d in listed] == [
        ("not_english", {}), ("not_covered", {"outlet": "dw"}), ("not_covered", {}),
    ]
    assert json.loads(run("recent", "--json").stdout)[0]["reason"] is None  # answered


def test_the_export_carries_the_reason(db_path: Path) -> None:
    fill_reasons(db_path)
    rows = list(csv.DictReader(io.StringIO(run("export").stdout)))
    assert [r["reason"] for r in rows] == ["not_covered", "not_covered", "not_english", ""]
    assert json.loads(rows[1]["filters"]) == {"outlet": "dw"}
    lines = [json.loads(line) for line in run("export", "--json").stdout.splitlines()]
    assert [d["reason"] for d in lines] == ["not_covered", "not_covered", "not_english", None]


# --- the log's place, forget and purge confirmation, shorthand -----------------------------


def test_logs_path_names_the_log_and_where_its_place_comes_from(db_path: Path) -> None:
    result = run("path")
    assert result.exit_code == 0 and result.stdout == f"{db_path}\n"
    assert "set by NEWSDESK_DB" in result.stderr and "not created yet" in result.stderr


def test_without_newsdesk_db_the_log_is_beside_the_corpus_wherever_the_command_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "news" / "corpus"
    corpus.mkdir(parents=True)
    monkeypatch.setenv("NEWSDESK_CORPUS", str(corpus))
    monkeypatch.delenv("NEWSDESK_DB")
    seen = []
    for folder in (tmp_path, corpus, tmp_path / "elsewhere"):
        folder.mkdir(exist_ok=True)
        monkeypatch.chdir(folder)
        result = run("path")
        seen.append(result.stdout.strip())
        assert "the default: beside the corpus folder" in result.stderr
    assert seen == [str(tmp_path / "news" / "newsdesk.db")] * 3


def test_an_older_log_in_the_current_folder_is_pointed_out_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot import settings as settings_module

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    monkeypatch.setenv("NEWSDESK_CORPUS", str(corpus))
    monkeypatch.delenv("NEWSDESK_DB")
    old = tmp_path / "work" / "newsdesk.db"
    old.parent.mkdir()
    old.write_bytes(b"")
    monkeypatch.chdir(old.parent)
    monkeypatch.setattr(settings_module, "_POINTED_OUT", set())
    with caplog.at_level("WARNING", logger="bot.settings"):
        settings_module.load_settings()
        settings_module.load_settings()
    [line] = [r.getMessage() for r in caplog.records]
    assert f"the query log is {tmp_path / 'newsdesk.db'}" in line and f"NEWSDESK_DB={old}" in line


def test_forget_says_a_short_number_cannot_be_a_discord_id(db_path: Path) -> None:
    fill(db_path)
    result = run("forget", "42")
    assert result.exit_code == 2
    assert "42 cannot be a Discord user id: those have 17 to 20 digits" in result.output
    assert "removed 0" not in result.output and Database(db_path)["queries"].count == 5


@pytest.mark.parametrize("command", [["forget", "111"], ["purge", "--older-than", "1d"]])
def test_forget_and_purge_ask_first_at_a_terminal(db_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    fill(db_path)
    monkeypatch.setattr("bot.logs_forget.interactive", lambda: True)
    declined = CliRunner().invoke(logs, command, input="n\n")
    assert declined.exit_code == 1 and "This removes" in declined.stderr and "Continue?" in declined.stderr
    assert "nothing removed" in declined.stderr and Database(db_path)["queries"].count == 5
    dry = CliRunner().invoke(logs, [*command, "--dry-run"])
    assert dry.exit_code == 0 and dry.stdout.startswith("would remove") and "Continue?" not in dry.output
    agreed = CliRunner().invoke(logs, command, input="y\n")
    assert agreed.exit_code == 0 and agreed.stdout.startswith("removed ")
    assert Database(db_path)["queries"].count < 5


@pytest.mark.parametrize("command", [["forget", "111"], ["purge", "--older-than", "1d"]])
def test_a_dry_run_says_what_would_go_and_changes_nothing(db_path: Path, command: list[str]) -> None:
    fill(db_path).db.close()
    dry = run(*command, "--dry-run")
    assert dry.exit_code == 0 and dry.stdout.startswith("would remove ") and " 0 question(s)" not in dry.stdout
    db = Database(db_path)
    assert db["queries"].count == 5 and db["feedback"].count == 2
    db.close()
    real = run(*command, "--yes")
    assert real.stdout.startswith("removed ") and real.stdout.split()[1:6] == dry.stdout.split()[2:7]


def test_yes_does_not_ask(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(db_path)
    monkeypatch.setattr("bot.logs_forget.interactive", lambda: True)
    result = CliRunner().invoke(logs, ["purge", "--older-than", "1d", "--yes"])
    assert result.exit_code == 0 and "Continue?" not in result.output
    assert result.stdout.startswith("removed 5 question(s)")


def test_top_questions_group_chat_shorthand_with_its_words(db_path: Path) -> None:
    log = QueryLog.open(db_path)
    log.record(QueryRecord("how many ppl fled ramadi", False, asked_at="2024-05-01T09:00:00.000Z"))
    log.record(QueryRecord("How many people fled Ramadi?", False, asked_at="2024-05-01T10:00:00.000Z"))
    figures = json.loads(run("stats", "--json").stdout)
    assert [(t["count"], t["question"]) for t in figures["top_questions"]] == [(2, "How many people fled Ramadi?")]
