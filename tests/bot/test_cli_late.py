"""Late answers on the command line: ``newsdesk ingest`` says which logged questions its new
articles now answer, and answers those asked on the command line once (issue 25)."""

from __future__ import annotations

import os

from click.testing import CliRunner
from sqlite_utils import Database

from bot.cli import main
from bot.desk import Desk
from bot.settings import load_settings
from tests.paths import HTML_DIR

PIER_QUESTION = "Why was the Harbour Town pier closed?"
PIER_ARTICLE = "coastal-ledger-2024-03-05"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_ingest_answers_a_question_the_archive_could_not_answer_once() -> None:
    refused = run("ask", PIER_QUESTION)
    assert "late answer" not in refused.lower()
    # The same question asked in Discord: the running bot answers it there, not the command line.
    desk = Desk.from_settings(load_settings())
    in_discord = desk.ask(PIER_QUESTION, interface="discord", user_id=123456789012345678, guild_id=1, channel_id=2)
    assert not in_discord.answer.answered
    db = Database(os.environ["NEWSDESK_DB"])
    assert [(r["answered"], r["reason"]) for r in db["queries"].rows] == [(0, "not_covered")] * 2

    added = run("ingest", str(HTML_DIR / "article.html"))
    lines = [line for line in added.splitlines() if line.startswith("late answer:")]
    assert len(lines) == 2
    here, there = sorted(lines, key=lambda line: "Discord" in line)
    assert here.startswith("late answer: question 1 ") and PIER_ARTICLE in here and PIER_QUESTION in here
    assert "in Discord: the running bot replies there" in there and "question 2 " in there
    assert "ledger.example.org" in added or "Coastal Ledger" in added  # the excerpt's citation
    late = list(db["late_answers"].rows)
    assert [(r["query_id"], r["article_id"].startswith(PIER_ARTICLE)) for r in late] == [(1, True)]

    again = run("ingest", "--overwrite", str(HTML_DIR / "article.html"))
    assert "late answer: question 1 " not in again  # answered once
    assert "late" in run("logs", "recent")  # the moderators' listing says it was answered late
