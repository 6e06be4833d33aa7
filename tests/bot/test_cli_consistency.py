"""The CLI's options mean the same everywhere, and what the archive holds is visible."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.desk import Desk, EmptyArchive
from bot.querylog import QueryLog, QueryRecord
from bot.settings import load_settings
from retrieval.archive import Archive
from retrieval.answer.filters import FilterError, Filters
from tests.paths import FIXTURE_CORPUS


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    monkeypatch.setenv("NEWSDESK_CORPUS", str(corpus))
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "log.db"))
    monkeypatch.setenv("NEWSDESK_SEMANTIC", "0")
    monkeypatch.setenv("COLUMNS", "160")
    return corpus


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_outlets_lists_each_outlet_with_its_articles_and_dates(env: Path) -> None:
    result = run("outlets")
    assert result.exit_code == 0, result.output
    rows = [line.split("  ") for line in result.stdout.splitlines()]
    cells = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    assert cells[0] == ["OUTLET", "ARTICLES", "FIRST", "LAST"]
    assert cells[1:4] == [
        ["Harbour Wire", "4", "2021-02-22", "2021-05-10"],
        ["Valley Post", "2", "2021-02-24", "2021-04-15"],
        ["City Ledger", "1", "2022-01-20", "2022-01-20"],
    ]
    assert cells[4] == ["3 outlet(s), 7 article(s)"]
    as_json = json.loads(run("outlets", "--json").stdout)
    assert as_json[0] == {"outlet": "Harbour Wire", "articles": 4, "first": "2021-02-22", "last": "2021-05-10"}


def test_an_unknown_outlet_lists_the_known_ones(env: Path) -> None:
    result = run("ask", "Did the ferries to Corvo Island resume?", "--outlet", "Reuters")
    assert result.exit_code == 2
    assert "no outlet matches 'Reuters'; known outlets: City Ledger, Harbour Wire, Valley Post" in result.output
    ok = run("ask", "Did the ferries to Corvo Island resume?", "--outlet", "harbour")
    assert ok.exit_code == 0 and "Corvo Island" in ok.stdout


def test_an_unknown_outlet_asked_on_the_command_line_is_logged_once(env: Path) -> None:
    result = run("ask", "Did the ferries  to Corvo Island resume?", "--outlet", "Reuters")
    assert result.exit_code == 2
    [line] = [line for line in result.output.splitlines() if "no outlet matches" in line]
    [row] = QueryLog.open(env.parent / "log.db").db["queries"].rows
    assert (row["reason"], row["interface"], row["filters"]) == ("unknown_outlet", "cli", '{"outlet": "Reuters"}')
    assert row["rejected"] in line and row["question"] == "Did the ferries  to Corvo Island resume?"


def test_an_empty_corpus_says_it_is_empty_not_no_answer(env: Path) -> None:
    for article in env.glob("*.md"):
        article.unlink()
    result = run("ask", "Did the ferries to Corvo Island resume?")
    assert result.exit_code == 1
    assert "The archive is empty" in result.output and str(env) in result.output
    assert "No answer" not in result.output
    assert "the archive is empty" in run("outlets").output


def test_the_desk_tells_every_interface_the_archive_is_empty() -> None:
    desk = Desk(Archive.build([]), QueryLog.open(":memory:"))
    with pytest.raises(EmptyArchive, match="The archive is empty"):
        desk.ask("Did the ferries to Corvo Island resume?", interface="discord")


def test_the_desk_names_the_known_outlets(env: Path) -> None:
    desk = Desk.from_settings(load_settings(), open_log=False)
    with pytest.raises(FilterError, match="known outlets: City Ledger, Harbour Wire, Valley Post"):
        desk.ask("Did the ferries to Corvo Island resume?", filters=Filters(outlet="Nowhere Times"))


@pytest.mark.parametrize(
    "command",
    [
        ["ask", "Did the ferries resume?"],
        ["logs", "recent"],
        ["logs", "unanswered"],
        ["logs", "search", "ferries"],
        ["logs", "stats"],
        ["logs", "export"],
    ],
)
def test_a_reversed_date_range_is_an_error_everywhere(env: Path, command: list[str]) -> None:
    run("ask", "Did the ferries to Corvo Island resume?")  # so the log exists
    result = run(*command, "--since", "2022-01-01", "--until", "2021-01-01")
    assert result.exit_code == 2
    assert "is after --until (2021-01-01): swap them" in result.output


def test_recent_and_unanswered_show_a_questions_filters(env: Path) -> None:
    log = QueryLog.open(env.parent / "log.db")
    log.record(QueryRecord("Did the ferries to Corvo Island resume?", True, filters={"outlet": "Harbour Wire"}))
    log.record(QueryRecord("tram strike?", False, filters={"since": "2021-06-01", "until": "2021-12-31"}))
    log.record(QueryRecord("no filters here?", False))
    recent = run("logs", "recent")
    assert recent.exit_code == 0, recent.output
    header, *lines = recent.stdout.splitlines()
    assert "FILTERS" in header.split()
    assert "published 2021-06-01 to 2021-12-31" in lines[1] and "tram strike?" in lines[1]
    assert "from Harbour Wire" in lines[2]
    unanswered = run("logs", "unanswered").stdout
    assert "published 2021-06-01 to 2021-12-31" in unanswered and "from Harbour Wire" not in unanswered


def test_the_echo_of_a_long_refused_question_is_cut_short(env: Path) -> None:
    question = "Tell me about the zebra migration across the northern glacier " * 12
    result = run("ask", question)
    assert result.exit_code == 0
    first = result.stdout.splitlines()[0]
    assert first.startswith("No answer in the archive for: Tell me about the zebra")
    assert first.endswith("\u2026") and len(first) < 200


def test_outlets_never_print_control_characters_from_a_corpus_file(env: Path) -> None:
    (env / "escape.md").write_text(
        "---\nid: escape\ntitle: Harbour news\nsource: Esc \x1b]0;owned\x07 Wire\npublished: 2021-01-01\n"
        "author:\nurl:\n---\nThe harbour of Lumen Bay closed after the storm.\n"
    )
    result = CliRunner().invoke(main, ["outlets"], color=True)  # nothing stripped on the way
    assert result.exit_code == 0, result.output
    assert "Esc ?]0;owned? Wire" in result.stdout and "\x1b" not in result.stdout and "\x07" not in result.stdout
