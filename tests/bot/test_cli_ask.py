"""`newsdesk ask`: readable and JSON answers, logged, with clear errors for bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from bot.cli import main
from bot.querylog import MIGRATIONS
from tests import unprivileged
from tests.paths import FIXTURE_CORPUS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)  # invented articles, questions written for these tests
    values = {"NEWSDESK_CORPUS": str(corpus), "NEWSDESK_DB": str(tmp_path / "log.db")}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("NEWSDESK_INDEX", raising=False)
    return values


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_ask_prints_numbered_cited_excerpts(env: dict[str, str]) -> None:
    result = run("ask", "Why did engineers open the spillway of the Orin dam?")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1. ")
    assert "the reservoir had risen to within a metre of the crest" in result.output
    assert "Valley Post, \u201cEngineers open Orin dam spillway after record rain\u201d, 2021-04-15" in result.output


def test_matched_terms_are_emphasised_on_a_terminal(env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["ask", "Why did engineers open the spillway of the Orin dam?"], color=True)
    assert "\x1b[1m" in result.output  # bold
    bold_words = {part.split("\x1b[0m")[0].lower() for part in result.output.split("\x1b[33m\x1b[1m")[1:]}
    assert {"spillway", "dam"} <= bold_words


def test_no_color_keeps_a_terminal_free_of_colours(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # https://no-color.org
    result = CliRunner().invoke(main, ["ask", "Why did engineers open the spillway of the Orin dam?"], color=True)
    assert result.exit_code == 0 and "spillway" in result.stdout
    assert "\x1b" not in result.stdout


def test_a_misspelt_question_is_corrected_and_says_what_was_searched(env: dict[str, str]) -> None:
    question = "Why did engineers open the spilway of the Orin dam?"
    result = run("ask", question, "-n", "1")
    assert result.exit_code == 0, result.output
    assert "searched for: engineers, open, spillway, orin, dam" in result.output
    assert "spillway of the Orin dam" in result.output  # the article's words, found despite the typo
    data = json.loads(run("ask", question, "--json").output)
    assert data["searched_for"] == ["engineers", "open", "spillway", "orin", "dam"]


def test_json_is_exactly_one_object_with_the_contract(env: dict[str, str]) -> None:
    result = run("ask", "What did the council of Varn approve?", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)  # fails if anything else is printed
    assert data["question"] == "What did the council of Varn approve?"
    assert data["answered"] is True
    first = data["results"][0]
    assert set(first) == {"article_id", "title", "source", "published", "url", "excerpt", "score", "matched_terms"}
    assert first["published"] == "2022-01-20"
    assert first["url"] is None or first["url"].startswith("http")
    assert isinstance(first["score"], float) and first["matched_terms"]
    assert "**" not in first["excerpt"] and "\x1b" not in first["excerpt"]


def test_json_says_why_a_question_was_not_answered_as_the_text_does(env: dict[str, str]) -> None:
    question = "What is the weather in Oslo tomorrow?"
    data = json.loads(run("ask", question, "--json").output)
    assert data["answered"] is False and data["results"] == []
    assert data["reason"] == "not_covered"
    assert data["message"] and data["message"] in run("ask", question).output  # "nothing on: weather, oslo..."
    assert "oslo" in data["message"]
    foreign = json.loads(run("ask", "Warum wurde der Damm geöffnet?", "--json").output)
    assert foreign["reason"] == "not_english" and "English" in foreign["message"]
    answered = json.loads(run("ask", "What did the council of Varn approve?", "--json").output)
    assert answered["reason"] is None and answered["message"] is None


def test_json_lists_the_spelling_corrections_and_the_passages_searched(env: dict[str, str]) -> None:
    question = "Why did engineers open the spilway of the Orin dam?"
    data = json.loads(run("ask", question, "--json", "-n", "1").output)
    assert data["corrections"] == [{"typed": "spilway", "searched": "spillway"}]
    text = run("ask", question, "-n", "1").output
    assert f"from {data['passages_searched']} passages searched" in text
    assert json.loads(run("ask", "What did the council of Varn approve?", "--json").output)["corrections"] == []


def test_every_question_is_logged_with_what_was_answered(env: dict[str, str]) -> None:
    run("ask", "Where will the Lumen Bay fish market move?")
    run("ask", "What is the weather in Oslo tomorrow?")
    rows = list(Database(env["NEWSDESK_DB"])["queries"].rows_where(order_by="id"))
    assert [r["answered"] for r in rows] == [1, 0]
    answered, refused = rows
    assert answered["interface"] == "cli" and answered["user_id"] is None
    assert answered["asked_at"].endswith("Z")
    assert json.loads(answered["article_ids"])[0] == "harbour-wire-2021-05-10-fish-market-moves"
    assert len(json.loads(answered["passage_ids"])) == len(json.loads(answered["scores"])) == answered["result_count"]
    assert answered["top_score"] == json.loads(answered["scores"])[0] > 0
    assert answered["latency_ms"] > 0
    assert refused["question"] == "What is the weather in Oslo tomorrow?"
    assert json.loads(refused["article_ids"]) == [] and refused["top_score"] is None
    assert answered["reason"] is None and refused["reason"] == "not_covered"


def test_a_question_in_another_language_is_told_the_archive_is_in_english_and_logged(env: dict[str, str]) -> None:
    result = run("ask", "Quelle est la position du conseil municipal sur le tramway ?")
    assert "The archive is in English" in result.output
    (row,) = Database(env["NEWSDESK_DB"])["queries"].rows
    assert row["answered"] == 0 and row["reason"] == "not_english"


def test_log_is_wal_with_recorded_migrations(env: dict[str, str]) -> None:
    run("ask", "Why did engineers open the spillway of the Orin dam?")
    db = Database(env["NEWSDESK_DB"])
    assert db.journal_mode == "wal"
    # Every migration, in order, recorded once (the list grows; its order never changes).
    assert [r["name"] for r in db["_migrations"].rows] == [name for name, _ in MIGRATIONS]
    assert [name for name, _ in MIGRATIONS][:4] == ["0001_queries", "0002_feedback", "0003_filters", "0004_reason"]


def test_unanswerable_question_says_so_and_suggests_rephrasing(env: dict[str, str]) -> None:
    result = run("ask", "the and of to")
    assert result.exit_code == 0
    assert "No answer in the archive" in result.output and "rephras" in result.output
    data = json.loads(run("ask", "the and of to", "--json").output)
    assert data.pop("passages_searched") > 0
    assert data == {
        "question": "the and of to", "answered": False, "results": [], "searched_for": [], "reason": "no_terms",
        "message": "The question has no searchable words.", "corrections": [], "filters": None,
    }


def test_a_refusal_under_a_filter_names_it_and_counts_the_passages_it_left(env: dict[str, str]) -> None:
    question = "Why did engineers open the spillway of the Orin dam?"
    whole = json.loads(run("ask", question, "--json").stdout)
    result = run("ask", question, "--outlet", "harbour")
    assert result.exit_code == 0
    filtered = json.loads(run("ask", question, "--outlet", "harbour", "--json").stdout)
    assert whole["answered"] and not filtered["answered"]
    assert filtered["filters"] == {"outlet": "harbour"} and whole["filters"] is None
    # The footer's count: the passages the filter left, not the whole archive.
    assert 0 < filtered["passages_searched"] < whole["passages_searched"]
    expected = (
        f"Nothing from harbour matches enough of the question (the filter leaves "
        f"{filtered['passages_searched']} of {whole['passages_searched']} passages)."
    )
    assert filtered["message"] == expected and expected in " ".join(result.stdout.split())
    answered = run("ask", "Lumen Bay harbour news", "--outlet", "harbour")
    assert f"from {filtered['passages_searched']} passages searched" in " ".join(answered.stdout.split())


@pytest.mark.parametrize(
    ("question", "message"),
    [("", "The question is empty"), ("   ", "The question is empty"), ("a" * 5000, "the limit is 1000")],
)
def test_bad_questions_get_a_one_line_error(env: dict[str, str], question: str, message: str) -> None:
    result = run("ask", question)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--since", "last week"], "--since must be a date like 2014-08-20, not 'last week'"),
        (["--since", "2015-01-01", "--until", "2014-01-01"], "--since (2015-01-01) is after --until (2014-01-01)"),
    ],
)
def test_bad_filters_get_a_one_line_error_and_nothing_is_logged(
    env: dict[str, str], options: list[str], message: str
) -> None:
    result = run("ask", "Did the ferries resume?", *options)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not Path(env["NEWSDESK_DB"]).exists() or Database(env["NEWSDESK_DB"])["queries"].count == 0


def test_filters_narrow_the_answer_and_are_logged(env: dict[str, str]) -> None:
    result = run("ask", "Lumen Bay harbour news", "--json", "--outlet", "harbour", "--until", "2021-12-31")
    sources = {r["source"] for r in json.loads(result.stdout)["results"]}
    assert result.exit_code == 0 and sources == {"Harbour Wire"}
    [row] = Database(env["NEWSDESK_DB"])["queries"].rows
    assert json.loads(row["filters"]) == {"outlet": "harbour", "until": "2021-12-31"}


def test_malformed_corpus_file_is_named_and_the_rest_still_answer(env: dict[str, str]) -> None:
    bad = Path(env["NEWSDESK_CORPUS"]) / "broken.md"
    bad.write_text("---\nid: broken\ntitle: Broken\nsource: X\npublished: 2014-13-45\n---\nBody.\n")
    result = run("ask", "Why did engineers open the spillway of the Orin dam?")
    assert result.exit_code == 0
    assert "reservoir had risen" in result.stdout
    assert "broken.md" in result.stderr and "not a date" in result.stderr


def test_missing_corpus_folder_is_a_clear_error(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_CORPUS", "/nonexistent/corpus")
    result = run("ask", "Did the ferries resume?")
    assert result.exit_code == 1
    assert "NEWSDESK_CORPUS" in result.output and "Traceback" not in result.output


def test_a_file_given_as_the_corpus_folder_says_it_is_not_a_folder(env: dict[str, str], tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    article = next(Path(env["NEWSDESK_CORPUS"]).glob("*.md"))
    monkeypatch.setenv("NEWSDESK_CORPUS", str(article))
    result = run("ask", "Did the ferries resume?")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: corpus folder {article} is a file, not a folder; set NEWSDESK_CORPUS to a folder of article files"
    )


def test_an_unreadable_corpus_folder_is_one_line() -> None:
    with unprivileged.shared_folder() as folder:
        corpus = folder / "corpus"
        shutil.copytree(FIXTURE_CORPUS, corpus)
        corpus.chmod(0o000)  # root made it: the unprivileged user cannot open it
        done = unprivileged.run(
            "-m", "bot.cli", "ask", "Did the ferries resume?", cwd=folder,
            env={"NEWSDESK_CORPUS": str(corpus), "NEWSDESK_DB": str(folder / "log.db"), "NEWSDESK_SEMANTIC": "0"},
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and f"corpus folder {corpus} cannot be read" in lines[0], done.stderr
        assert "NEWSDESK_CORPUS" in lines[0]


def test_an_index_that_cannot_be_saved_is_one_warning_line_saying_where_to_put_it() -> None:
    # A corpus folder the user may read but not write (a shared copy): every question would
    # rebuild the index; the user is told why, once per command, and how to fix it.
    with unprivileged.shared_folder() as folder:
        corpus = folder / "corpus"
        shutil.copytree(FIXTURE_CORPUS, corpus)  # made by root: read-only for the user
        done = unprivileged.run(
            "-m", "bot.cli", "ask", "Did the ferries to Corvo Island resume?", cwd=folder,
            env={"NEWSDESK_CORPUS": str(corpus), "NEWSDESK_DB": str(folder / "log.db"), "NEWSDESK_SEMANTIC": "0"},
        )
        assert done.returncode == 0 and "Corvo" in done.stdout, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert "could not save the index" in lines[0] and "NEWSDESK_INDEX" in lines[0]


@pytest.mark.parametrize("under", ["", "sub"])
def test_an_index_setting_naming_a_file_is_one_warning_line(env: dict[str, str], tmp_path: Path, under: str) -> None:
    # NEWSDESK_INDEX=~/notes.txt (a file, not a folder): "unreadable" then "could not save", the same problem twice.
    in_the_way = tmp_path / "notes.txt"
    in_the_way.write_text("my notes\n", encoding="utf-8")
    index = in_the_way / under if under else in_the_way
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "Why did engineers open the spillway of the Orin dam?"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**env, "PATH": "", "PYTHONPATH": str(ROOT), "NEWSDESK_SEMANTIC": "0", "NEWSDESK_INDEX": str(index)},
    )
    assert done.returncode == 0 and "reservoir had risen" in done.stdout, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"{in_the_way} is a file, not a folder" in lines[0] and "NEWSDESK_INDEX" in lines[0]
    assert in_the_way.read_text(encoding="utf-8") == "my notes\n"  # left as it was


def test_unwritable_log_still_answers_and_warns(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_DB", "/nonexistent/folder/log.db")
    result = run("ask", "Why did engineers open the spillway of the Orin dam?")
    assert result.exit_code == 0
    assert "reservoir had risen" in result.stdout
    assert "not logged" in result.stderr


def test_a_log_that_cannot_be_created_is_one_warning_line_saying_why(env: dict[str, str], tmp_path: Path) -> None:
    # A subprocess: the command's own logging set-up decides what reaches the terminal.
    missing = tmp_path / "no-such-folder" / "log.db"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "ask", "Why did engineers open the spillway of the Orin dam?"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**env, "PATH": "", "PYTHONPATH": str(ROOT), "NEWSDESK_DB": str(missing), "NEWSDESK_SEMANTIC": "0"},
    )
    assert done.returncode == 0 and "reservoir had risen" in done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # not the same failure twice
    assert lines[0].startswith("warning: the question was not logged")
    assert "does not exist" in lines[0] and "NEWSDESK_DB" in lines[0]  # why, and what to fix


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device that is always full)")
def test_output_to_a_full_disk_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "ask", "Why did engineers open the spillway of the Orin dam?"],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=tmp_path, timeout=120,
            env={**env, "PATH": "", "PYTHONPATH": str(ROOT), "NEWSDESK_SEMANTIC": "0"},
        )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == ["Error: cannot write the output: No space left on device"]


def test_settings_come_from_dotenv(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSDESK_DB")
    (tmp_path / ".env").write_text(f"NEWSDESK_DB={tmp_path / 'from-dotenv.db'}\n")
    run("ask", "Why did engineers open the spillway of the Orin dam?")
    assert Database(tmp_path / "from-dotenv.db")["queries"].count == 1


def test_ask_does_not_import_discord(env: dict[str, str]) -> None:
    code = (
        "import sys; from bot.cli import main\n"
        "try:\n    main(['ask', 'Why did engineers open the spillway of the Orin dam?'])\n"
        "except SystemExit:\n    pass\n"
        "print('discord' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env={**env, "PATH": ""})
    assert "reservoir had risen" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize("option", ["--outlet", "--since", "--until"])
def test_an_empty_filter_is_an_error_not_ignored(env: dict[str, str], option: str) -> None:
    # `--outlet "$OUTLET"` with the variable unset: the answer would silently cover every outlet.
    result = run("ask", "Did the ferries resume?", option, " ")
    assert result.exit_code == 2
    assert f"{option} is empty" in result.output and "Traceback" not in result.output


def test_the_number_of_excerpts_defaults_to_the_setting_as_the_help_says(env: dict[str, str],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    assert "NEWSDESK_RESULTS" in run("ask", "--help").output
    monkeypatch.setenv("NEWSDESK_RESULTS", "1")
    data = json.loads(run("ask", "Where will the Lumen Bay fish market move?", "--json").output)
    assert len(data["results"]) == 1


@pytest.mark.parametrize("value", ["21", "0"])
def test_a_number_of_excerpts_outside_the_range_of_n_is_refused_in_one_line(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    # NEWSDESK_RESULTS=50 gave more excerpts than `-n` allows, and the reply in Discord not the 50 asked for.
    monkeypatch.setenv("NEWSDESK_RESULTS", value)
    result = run("ask", "Where will the Lumen Bay fish market move?")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: NEWSDESK_RESULTS={value!r} must be from 1 to 20"]


@pytest.mark.parametrize("typed", [["Ferries to Z\udcfcrich?"], ["Ferries?", "--outlet", "Harbour \udcfc"]])
def test_a_question_in_a_terminal_that_is_not_utf8_is_one_line(env: dict[str, str], typed: list[str]) -> None:
    # "Zürich" typed in a Latin-1 terminal: Python hands the undecodable byte on as a lone surrogate.
    result = run("ask", *typed)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not UTF-8" in lines[0] and "0xfc" in lines[0], result.stderr


def test_a_question_typed_without_quotes_is_asked_as_typed(env: dict[str, str]) -> None:
    result = run("ask", "Why", "did", "engineers", "open", "the", "Orin", "dam", "spillway?", "-n", "1")
    assert result.exit_code == 0, result.output
    assert "reservoir had risen" in result.stdout
    row = next(Database(env["NEWSDESK_DB"])["queries"].rows)
    assert row["question"] == "Why did engineers open the Orin dam spillway?"
    assert "Missing argument 'QUESTION...'" in run("ask").output


def test_a_question_starting_with_a_dash_says_to_put_it_after_two_dashes(env: dict[str, str]) -> None:
    result = run("ask", "-5 degrees at the Orin dam?")
    assert result.exit_code == 2
    assert "newsdesk ask -- " in result.output  # the fix, spelled out
    assert run("ask", "--", "-5 degrees at the Orin dam?").exit_code == 0
    assert "--'" not in run("ask", "--jsn", "Orin dam?").output  # a mistyped option gets no such hint


def test_no_log_answers_without_recording_anything(env: dict[str, str]) -> None:
    result = run("ask", "--no-log", "Why did engineers open the spillway of the Orin dam?")
    assert result.exit_code == 0 and "reservoir had risen" in result.stdout
    assert "not logged" not in result.output
    assert not Path(env["NEWSDESK_DB"]).exists()
