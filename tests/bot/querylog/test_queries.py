"""Moderator queries over the log: what a moderator sees from recent, search, stats and export."""

from __future__ import annotations

import datetime as dt
import inspect
import io
import tracemalloc
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.querylog import QueryLog, QueryRecord, open_database
from bot.querylog import open_reader, queries
from bot.querylog.canned import CANNED_QUERIES
from bot.querylog.records import EXPORT_COLUMNS, LoggedQuery, write_csv
from bot.querylog.schema import utc_text

SECRET = "moderator test secret"


def at(day: int, hour: int = 12) -> str:
    return f"2024-05-{day:02d}T{hour:02d}:00:00.000Z"


@pytest.fixture
def qlog() -> QueryLog:
    return QueryLog(Database(memory=True))


def add(log: QueryLog, question: str, answered: bool = True, when: str = at(1), **kw: object) -> int:
    return log.record(QueryRecord(question, answered, asked_at=when, **kw))  # type: ignore[arg-type]


def questions(found: list[LoggedQuery]) -> list[str]:
    return [q.question for q in found]


# --- recent, search, unanswered -------------------------------------------------------------


def test_recent_lists_newest_first_and_respects_count(qlog: QueryLog) -> None:
    for day in (2, 1, 3):
        add(qlog, f"question of day {day}", when=at(day))
    assert questions(queries.recent(qlog.db, 2)) == ["question of day 3", "question of day 2"]


def test_since_and_until_dates_are_whole_utc_days(qlog: QueryLog) -> None:
    add(qlog, "early", when="2024-05-01T00:00:00.000Z")
    add(qlog, "late", when="2024-05-02T23:59:59.999Z")
    add(qlog, "after", when="2024-05-03T00:00:00.000Z")
    found = queries.recent(qlog.db, 10, since=dt.date(2024, 5, 1), until=dt.date(2024, 5, 2))
    assert questions(found) == ["late", "early"]
    instant = dt.datetime(2024, 5, 2, 12, tzinfo=dt.timezone.utc)
    assert questions(queries.recent(qlog.db, 10, since=instant)) == ["after", "late"]


def test_recent_shows_feedback_counts(qlog: QueryLog) -> None:
    query_id = add(qlog, "rated")
    qlog.record_feedback(query_id, 1, 1)
    qlog.record_feedback(query_id, 2, 1)
    qlog.record_feedback(query_id, 3, -1)
    (only,) = queries.recent(qlog.db, 1)
    assert (only.thumbs_up, only.thumbs_down) == (2, 1)


SEARCH_LOG = [
    "Is Iran 100% behind the militias?",
    "Is Iran 1000 times stronger?",
    "what does snake_case mean",
    "what does snakeXcase mean",
    "Who is O'Brien?",
    "Who is OBrien?",
    "x'; DROP TABLE queries; --",
    'say "hello"',
    "back\\slash",
    "Where is Ürümqi?",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%", ["Is Iran 100% behind the militias?"]),
        ("0%", ["Is Iran 100% behind the militias?"]),
        ("_", ["what does snake_case mean"]),
        ("'", ["Who is O'Brien?", "x'; DROP TABLE queries; --"]),
        ("'; DROP TABLE queries; --", ["x'; DROP TABLE queries; --"]),
        ('"', ['say "hello"']),
        ("\\", ["back\\slash"]),
        ("IRAN", ["Is Iran 100% behind the militias?", "Is Iran 1000 times stronger?"]),
        ("ürümqi", ["Where is Ürümqi?"]),
    ],
)
def test_search_matches_text_literally_and_case_insensitively(qlog: QueryLog, text: str, expected: list[str]) -> None:
    for number, question in enumerate(SEARCH_LOG):
        add(qlog, question, when=at(1, number))
    assert sorted(questions(queries.search(qlog.db, text, 50))) == sorted(expected)
    assert qlog.db["queries"].count == len(SEARCH_LOG)  # the table survives


def test_search_rejects_empty_text(qlog: QueryLog) -> None:
    with pytest.raises(queries.ReviewError, match="empty"):
        queries.search(qlog.db, "  ")


def test_unanswered_lists_only_unanswered_in_the_period(qlog: QueryLog) -> None:
    add(qlog, "answered one", True, at(3))
    add(qlog, "old refusal", False, at(1))
    add(qlog, "new refusal", False, at(3))
    assert questions(queries.unanswered(qlog.db)) == ["new refusal", "old refusal"]
    assert questions(queries.unanswered(qlog.db, since=dt.date(2024, 5, 2))) == ["new refusal"]


def test_unanswered_days_counts_back_from_now(qlog: QueryLog) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    add(qlog, "yesterday", False, utc_text(now - dt.timedelta(days=1)))
    add(qlog, "last month", False, utc_text(now - dt.timedelta(days=30)))
    assert questions(queries.unanswered(qlog.db, since=queries.since_days(7))) == ["yesterday"]


# --- stats ---------------------------------------------------------------------------------


@pytest.fixture
def crafted(qlog: QueryLog) -> QueryLog:
    """Two days, three users, two channels; one question asked three ways."""
    q1 = add(qlog, "What did Iran offer Iraq?", True, at(1, 9), user_id=1, channel_id=10, guild_id=5)
    add(qlog, "Iran offer to Iraq", True, at(1, 10), user_id=2, channel_id=10, guild_id=5)
    q3 = add(qlog, "weather in Oslo", False, at(1, 11), user_id=1, channel_id=11, guild_id=5)
    add(qlog, "Mosul dam", True, at(2, 9), user_id=3, channel_id=10, guild_id=5)
    add(qlog, "Iran's offers to Iraq?", False, at(2, 10), user_id=3, channel_id=11, guild_id=5)
    add(qlog, "asked on the command line", False, at(2, 11))
    qlog.record_feedback(q1, 7, 1)
    qlog.record_feedback(q1, 8, 1)
    qlog.record_feedback(q3, 7, -1)
    return qlog


def test_stats_figures_on_a_crafted_log(crafted: QueryLog) -> None:
    stats = queries.stats(crafted.db)
    assert (stats.questions, stats.answered) == (6, 3)
    assert stats.answered_share == pytest.approx(0.5)
    assert stats.distinct_users == 3
    assert (stats.thumbs_up, stats.thumbs_down) == (2, 1)
    assert [(d.day, d.questions, d.answered) for d in stats.per_day] == [("2024-05-01", 3, 2), ("2024-05-02", 3, 1)]
    top = stats.top_questions[0]
    assert top.terms == ("iran", "iraq", "offer")
    assert (top.count, top.answered) == (3, 2)
    assert top.question == "Iran's offers to Iraq?"  # the most recent wording
    assert top.last_asked == at(2, 10)
    assert len(stats.top_questions) == 4
    assert [(c.channel_id, c.questions) for c in stats.busiest_channels] == [("10", 3), ("11", 2)]


def test_stats_period_filters_every_figure(crafted: QueryLog) -> None:
    stats = queries.stats(crafted.db, since=dt.date(2024, 5, 2))
    assert (stats.questions, stats.answered, stats.distinct_users) == (3, 1, 1)
    assert (stats.thumbs_up, stats.thumbs_down) == (0, 0)  # the feedback was on day-1 questions
    assert [d.day for d in stats.per_day] == ["2024-05-02"]
    assert stats.since == "2024-05-02" and stats.until is None


def test_stats_of_an_empty_log(qlog: QueryLog) -> None:
    stats = queries.stats(qlog.db)
    assert stats.questions == 0 and stats.answered_share is None and stats.top_questions == []
    assert stats.to_json()["answered_share"] is None


# --- export --------------------------------------------------------------------------------


def test_export_rows_have_every_column_oldest_first(crafted: QueryLog) -> None:
    rows = queries.iter_export_rows(crafted.db)
    assert inspect.isgenerator(rows)
    rows = list(rows)
    assert [r["question"] for r in rows][:2] == ["What did Iran offer Iraq?", "Iran offer to Iraq"]
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert (rows[0]["thumbs_up"], rows[2]["thumbs_down"]) == (2, 1)


def test_write_csv_neutralises_formulas(qlog: QueryLog) -> None:
    add(qlog, '=HYPERLINK("http://evil.example","click")')
    add(qlog, "-1 degrees in Oslo?")
    out = io.StringIO()
    assert write_csv(queries.iter_export_rows(qlog.db), out) == 2
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(EXPORT_COLUMNS)
    assert "'=HYPERLINK" in lines[1] and ",'-1 degrees in Oslo?," in lines[2]


class _Sink:
    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        return len(text)


def test_export_streams_a_large_log_in_bounded_memory(tmp_path: Path) -> None:
    db = open_database(tmp_path / "big.db")
    rows, question = 50_000, "How did the Iraqi army and its allies retake the strategic dam? " * 3
    with db.conn:
        db.conn.executemany(
            "INSERT INTO queries (asked_at, interface, question, answered) VALUES (?, 'cli', ?, 1)",
            ((at(1 + i % 28), f"{question} #{i}") for i in range(rows)),
        )
    sink = _Sink()
    tracemalloc.start()
    try:
        written = write_csv(queries.iter_export_rows(db), sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == rows
    assert sink.size > 10_000_000  # the data really is large...
    assert peak < sink.size / 20  # ...and was never all in memory at once


def test_stats_days_counts_back_from_now(qlog: QueryLog) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    add(qlog, "recent one", True, utc_text(now - dt.timedelta(hours=3)))
    add(qlog, "old one", True, utc_text(now - dt.timedelta(days=40)))
    stats = queries.stats(qlog.db, since=queries.since_days(30))
    assert stats.questions == 1 and stats.since and stats.since < utc_text(now)


# --- the dashboard's canned queries --------------------------------------------------------


def canned(db: Database, name: str, **params: str) -> list[dict]:
    return list(db.query(CANNED_QUERIES[name][2], {"days": "", **params}))


@pytest.fixture
def crafted_file(tmp_path: Path) -> Path:
    """The crafted log in a file, so the canned queries run as the dashboard runs them: read-only."""
    path = tmp_path / "log.db"
    log = QueryLog.open(path)
    q1 = add(log, "What did Iran offer Iraq?", True, at(1, 9), user_id=1, channel_id=10)
    add(log, "Who won the 2014 Oslo chess open?", False, at(1, 10), user_id=2, channel_id=10)
    add(log, "Iran's offers to Iraq?", True, at(1, 11), user_id=3, channel_id=11)
    add(log, "what did iran offer iraq? ", True, at(2, 10))
    add(log, "Mosul dam", False, at(2, 11))
    log.record_feedback(q1, 3, -1)
    log.db.close()
    return path


def test_canned_queries_answer_what_moderators_ask(crafted_file: Path) -> None:
    db = open_reader(crafted_file)
    assert [r["question"] for r in canned(db, "unanswered")] == ["Mosul dam", "Who won the 2014 Oslo chess open?"]
    assert [r["id"] for r in canned(db, "recent")] == [5, 4, 3, 2, 1]
    assert [r["question"] for r in canned(db, "negative_feedback")] == ["What did Iran offer Iraq?"]
    assert [r["question"] for r in canned(db, "search", text="OSLO")] == ["Who won the 2014 Oslo chess open?"]
    assert canned(db, "search", text="%") == []
    top = canned(db, "top_questions")[0]
    # Three wordings of one question, grouped as `logs stats` groups them; the latest shown.
    assert (top["times_asked"], top["answered"], top["latest_wording"]) == (3, 3, "what did iran offer iraq? ")


def test_dashboard_top_questions_are_the_groups_of_stats(crafted_file: Path) -> None:
    db = open_reader(crafted_file)
    dashboard = [(r["times_asked"], r["answered"], r["latest_wording"]) for r in canned(db, "top_questions")]
    stats = [(t.count, t.answered, t.question) for t in queries.stats(db).top_questions]
    assert dashboard == stats
    assert len(stats) == 3


def test_the_reader_cannot_write_and_never_creates_a_log(crafted_file: Path, tmp_path: Path) -> None:
    import sqlite3

    from bot.querylog import QueryLogError

    db = open_reader(crafted_file)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM queries")
    with pytest.raises(QueryLogError, match="does not exist yet"):
        open_reader(tmp_path / "nothing.db")
    assert not (tmp_path / "nothing.db").exists()


# --- what stats says about refused questions and unrecorded users ------------------------------


def test_stats_count_refused_questions_apart(qlog: QueryLog) -> None:
    from bot.cogs.querylog_commands import stats_embed
    from bot.logs_render import render_stats

    add(qlog, "Mosul dam", True)
    add(qlog, "weather in Oslo", False, reason="not_covered")
    add(qlog, "Mosul dam since last week", False, reason="bad_date", rejected="since: not a date")
    stats = queries.stats(qlog.db)
    # Answered + unanswered (as listed) + refused add up to the questions asked.
    assert (stats.questions, stats.answered, stats.refused) == (3, 1, 1)
    assert len(queries.unanswered(qlog.db)) == stats.questions - stats.answered - stats.refused
    assert "  refused         1 (a bad filter or too long: not searched)" in render_stats(stats).splitlines()
    fields = {f.name: f.value for f in stats_embed(stats, 30).fields}
    assert fields["Refused"] == "1"
    assert stats.to_json()["refused"] == 1


def test_distinct_users_are_not_recorded_under_none(qlog: QueryLog) -> None:
    from bot.cogs.querylog_commands import stats_embed
    from bot.logs_render import render_stats, stats_csv_rows

    anonymous = QueryLog(qlog.db, user_ids="none")
    for user in (1, 2, 3):
        anonymous.record(QueryRecord("Mosul dam", True, "discord", user_id=user, guild_id=5, channel_id=9))
    stats = queries.stats(qlog.db)
    # Not "0 distinct users" for three members: the log does not say who asked.
    assert stats.distinct_users is None
    assert "  distinct users  not recorded" in render_stats(stats).splitlines()
    assert {f.name: f.value for f in stats_embed(stats, 30).fields}["Distinct users"] == "not recorded"
    assert next(r for r in stats_csv_rows(stats) if r["key"] == "distinct_users")["count"] == ""
    # Once ids are stored again, those are counted.
    add(qlog, "Mosul dam", True, user_id=7)
    assert queries.stats(qlog.db).distinct_users == 1


def test_listings_tell_a_refused_question_from_an_unanswered_one(qlog: QueryLog) -> None:
    from bot.cogs.querylog_commands import list_embed
    from bot.logs_render import queries_table

    add(qlog, "weather in Oslo", False, at(1, 10), reason="not_covered")
    add(qlog, "Oslo since last week", False, at(1, 11), reason="invalid_filter", rejected="since: not a date")
    found = queries.recent(qlog.db)
    assert [q.refused for q in found] == [True, False]
    table = queries_table(found, width=120).splitlines()
    assert "refused" in table[1] and "Oslo since last week" in table[1]
    assert " no " in table[2] and "refused" not in table[2]
    lines = (list_embed("Newest", found, "none").description or "").splitlines()
    assert "\N{NO ENTRY SIGN}" in lines[0] and "\u274c" not in lines[0]
    assert "\u274c" in lines[1]


def test_the_dashboard_listings_tell_a_refused_question_from_an_unanswered_one(qlog: QueryLog) -> None:
    add(qlog, "weather in Oslo", False, at(1, 10), reason="not_covered")
    add(qlog, "Oslo since last week", False, at(1, 11), reason="invalid_filter", rejected="since: not a date")
    add(qlog, "Oslo chess open", True, at(1, 12))
    cli = {q.question: q.answered_text() for q in queries.recent(qlog.db)}
    assert cli == {"Oslo chess open": "yes", "Oslo since last week": "refused", "weather in Oslo": "no"}
    # The dashboard's pages say what `newsdesk logs` and /querylog say, question by question.
    for name, params in (("recent", {}), ("search", {"text": "oslo"})):
        assert {r["question"]: r["answered"] for r in canned(qlog.db, name, **params)} == cli
