"""Reviews scoped to one Discord server: every review query, the chart, and `newsdesk logs --guild`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date as dt_date
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


# -- a small server on a bot that a large one shares --------------------------------------


def _work(db: object, review: object) -> int:
    """SQLite's work for ``review(db)``, in steps of its virtual machine (not time: deterministic)."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    conn = db.conn  # type: ignore[attr-defined]
    conn.set_progress_handler(count, 100)
    try:
        review(db)  # type: ignore[operator]
    finally:
        conn.set_progress_handler(None, 100)
    return steps[0]


def _shared_log(theirs: int) -> object:
    from sqlite_utils import Database

    log = QueryLog(Database(memory=True))
    for n in range(20):
        log.record(QueryRecord(f"our question {n}", n % 2 == 0, "discord", 1, OURS, 10, asked_at=f"2024-05-{1 + n:02d}T09:00:00.000Z"))
    rows = [(f"2024-05-{1 + n % 28:02d}T10:{n % 60:02d}:00.000Z", str(THEIRS), f"their question {n}") for n in range(theirs)]
    log.db.conn.executemany(
        "INSERT INTO queries (asked_at, interface, guild_id, channel_id, question, answered) VALUES (?, 'discord', ?, '20', ?, 0)",
        rows,
    )
    return log.db


@pytest.mark.parametrize(
    "review",
    [
        lambda db: queries.recent(db, 15, guild=OURS),
        lambda db: queries.search(db, "question", 50, guild=OURS),
        lambda db: queries.unanswered(db, since=dt_date(2024, 4, 1), guild=OURS),
        lambda db: queries.stats(db, since=dt_date(2024, 4, 1), guild=OURS),
        lambda db: list(queries.iter_export_rows(db, guild=OURS)),
        lambda db: charts.chart_data(db, dt_date(2024, 5, 1), dt_date(2024, 5, 31), guild=OURS),
    ],
    ids=["recent", "search", "unanswered", "stats", "export", "chart"],
)
def test_a_servers_review_does_not_read_through_another_servers_questions(review: object) -> None:
    # /querylog in a small server stays as quick when the server sharing the bot asks 20 times more.
    small, large = _work(_shared_log(500), review), _work(_shared_log(10_000), review)
    assert large < small * 1.5, (small, large)


def test_a_viewer_sees_only_its_readable_channels_and_gone_ones_only_when_allowed(tmp_path: Path) -> None:
    log = QueryLog.open(tmp_path / "channels.db")
    for question, channel in (("open", 10), ("private", 11), ("deleted channel", 12), ("no channel", None)):
        log.record(QueryRecord(question, False, "discord", 1, OURS, channel))
    log.record(QueryRecord("other server", False, "discord", 2, THEIRS, 10))
    db = log.db
    member = queries.Viewer(OURS, readable=frozenset({"10"}), known=frozenset({"10", "11"}))
    manager = queries.Viewer(OURS, readable=frozenset({"10", "11"}), known=frozenset({"10", "11"}), sees_gone=True)
    assert [q.question for q in queries.recent(db, 10, guild=member)] == ["open"]
    assert {q.question for q in queries.recent(db, 10, guild=manager)} == {"open", "private", "deleted channel", "no channel"}
    assert queries.withheld(lambda g: queries.count(db, guild=g), member) == 3
    assert queries.withheld(lambda g: queries.count(db, guild=g), manager) == 0
    assert queries.withheld(lambda g: queries.count(db, guild=g), OURS) == 0  # not a viewer: nothing withheld
    figures = queries.stats(db, guild=member)
    assert figures.questions == 1 and [c.channel_id for c in figures.busiest_channels] == ["10"]
