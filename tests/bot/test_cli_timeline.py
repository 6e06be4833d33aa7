"""`newsdesk ask --timeline`: each article's best excerpt, oldest first, cited, in text and JSON; logged."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlite_utils import Database

from bot.cli import main
from tests.paths import FIXTURE_CORPUS

STORM = "What did the storm do in Lumen Bay?"
DATE_LINE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}|date unknown) {2}\S", re.MULTILINE)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    monkeypatch.setenv("NEWSDESK_CORPUS", str(corpus))
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "log.db"))
    monkeypatch.setenv("NEWSDESK_SEMANTIC", "0")
    monkeypatch.delenv("NEWSDESK_INDEX", raising=False)
    return tmp_path / "log.db"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_a_timeline_prints_each_articles_excerpt_after_its_date_oldest_first(env: Path) -> None:
    result = run("ask", "--timeline", STORM)
    assert result.exit_code == 0, result.output
    dates = DATE_LINE_RE.findall(result.stdout)
    assert len(dates) >= 4 and dates == sorted(dates) and dates[0] == "2021-02-22"
    citations = [line.strip() for line in result.stdout.splitlines() if line.startswith("   \u2014 ")]
    assert len(citations) == len(dates) == len(set(citations)), "one cited excerpt per article"
    assert "\u2014 Valley Post, \u201cCoastal storm reaches the Sella valley\u201d, 2021-02-24" in citations
    assert f"(timeline: {len(dates)} articles, oldest first" in result.stdout


def test_the_json_timeline_keeps_the_answer_contract(env: Path) -> None:
    result = run("ask", "--timeline", "--json", STORM)
    data = json.loads(result.stdout)
    assert data["timeline"] is True and data["answered"] is True and data["left_out"] == 0
    published = [r["published"] for r in data["results"]]
    assert published == sorted(published) and len({r["article_id"] for r in data["results"]}) == len(published)
    assert {"question", "results", "searched_for", "reason", "message", "corrections", "passages_searched"} <= data.keys()


def test_a_limit_lists_fewer_and_says_how_many_more(env: Path) -> None:
    data = json.loads(run("ask", "--timeline", "--json", "-n", "2", STORM).stdout)
    assert len(data["results"]) == 2 and data["left_out"] >= 2
    text = run("ask", "--timeline", "-n", "2", STORM).stdout
    assert f"{data['left_out']} more not listed: narrow with --since, --until or --outlet" in text


def test_an_off_topic_timeline_is_refused_as_ask_refuses_it_and_logged(env: Path) -> None:
    question = "Who won the football cup final last night?"
    timeline = run("ask", "--timeline", question)
    answer = run("ask", question)
    assert timeline.exit_code == 0 and timeline.stdout == answer.stdout
    assert json.loads(run("ask", "--timeline", "--json", question).stdout)["reason"] == "not_covered"
    logged = list(Database(env)["queries"].rows_where(order_by="id"))
    assert [(r["answered"], r["reason"]) for r in logged] == [(0, "not_covered")] * 3


def test_filters_narrow_the_timeline_and_are_logged(env: Path) -> None:
    data = json.loads(run("ask", "--timeline", "--json", "--since", "2021-03-01", "--until", "2021-03-31", STORM).stdout)
    assert data["results"] and all("2021-03-01" <= r["published"] <= "2021-03-31" for r in data["results"])
    [row] = Database(env)["queries"].rows_where()
    assert row["answered"] == 1 and json.loads(row["filters"]) == {"since": "2021-03-01", "until": "2021-03-31"}
    assert json.loads(row["article_ids"]) == [r["article_id"] for r in data["results"]]
    bad = run("ask", "--timeline", "--outlet", "Reuters", STORM)
    assert bad.exit_code == 2 and "known outlets" in bad.output
