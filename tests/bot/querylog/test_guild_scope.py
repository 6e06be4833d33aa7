"""Reviews scoped to one Discord server: every review query, the chart, and `newsdesk logs --guild`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import charts
from bot.logs_cli import logs
from bot.querylog import QueryLog, QueryRecord, queries

OURS, THEIRS = 5, 9


@pytest.fixture
def log_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "log.db"
    monkeypatch.setenv("NEWSDESK_DB", str(path))
    log = QueryLog.open(path)
    ours = log.record(QueryRecord("our question", False, "discord", 1, OURS, 10, asked_at="2024-05-01T09:00:00.000Z"))
    theirs = log.record(QueryRecord("their secret question", False, "discord", 2, THEIRS, 20, asked_at="2024-05-01T10:00:00.000Z"))
    log.record(QueryRecord("asked on the command line", True, "cli", asked_at="2024-05-02T09:00:00.000Z"))
    log.record_feedback(ours, 1, 1)
    log.record_feedback(theirs, 2, -1)
    log.db.close()
    return path


def test_every_review_query_sees_only_the_given_server(log_path: Path) -> None:
    db = QueryLog.open(log_path).db
    assert [q.question for q in queries.recent(db, 10, guild=OURS)] == ["our question"]
    assert [q.question for q in queries.search(db, "question", 10, guild=OURS)] == ["our question"]
    assert [q.question for q in queries.unanswered(db, guild=THEIRS)] == ["their secret question"]
    assert [row["question"] for row in queries.iter_export_rows(db, guild=OURS)] == ["our question"]
    figures = queries.stats(db, guild=OURS)
    assert (figures.questions, figures.thumbs_up, figures.thumbs_down, figures.distinct_users) == (1, 1, 0, 1)
    assert [t.question for t in figures.top_questions] == ["our question"]
    assert [c.channel_id for c in figures.busiest_channels] == ["10"]
    data = charts.chart_data(db, guild=OURS)
    assert data.questions == 1 and [t.question for t in data.top_unanswered] == ["our question"]
    assert sum(d.thumbs_down for d in data.days) == 0
    # Without a server: everything, as before.
    assert len(queries.recent(db, 10)) == 3


def test_logs_commands_filter_by_guild(log_path: Path) -> None:
    runner = CliRunner()
    recent = runner.invoke(logs, ["recent", "--guild", str(OURS), "--json"])
    assert recent.exit_code == 0, recent.output
    assert [q["question"] for q in json.loads(recent.stdout)] == ["our question"]
    export = runner.invoke(logs, ["export", "--guild", str(THEIRS)])
    assert [r["question"] for r in csv.DictReader(io.StringIO(export.stdout))] == ["their secret question"]
    stats = runner.invoke(logs, ["stats", "--guild", str(OURS), "--json"])
    assert json.loads(stats.stdout)["questions"] == 1
    for command in (["unanswered"], ["search", "question"]):
        result = runner.invoke(logs, [*command, "--guild", str(OURS), "--json"])
        assert [q["question"] for q in json.loads(result.stdout)] == ["our question"], command
    bad = runner.invoke(logs, ["recent", "--guild", "abc"])
    assert bad.exit_code == 2 and "--guild" in bad.output
