"""Moderator queries over the log: what a moderator sees from recent, search, stats and the rest."""

from __future__ import annotations

import datetime as dt
import inspect
import io
import tracemalloc
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot import review
from bot.querylog import QueryLog, QueryRecord, open_database

SECRET = "moderator test secret"


def at(day: int, hour: int = 12) -> str:
    return f"2024-05-{day:02d}T{hour:02d}:00:00.000Z"


@pytest.fixture
def qlog() -> QueryLog:
    return QueryLog(Database(memory=True))


def add(log: QueryLog, question: str, answered: bool = True, when: str = at(1), **kw: object) -> int:
    return log.record(QueryRecord(question, answered, asked_at=when, **kw))  # type: ignore[arg-type]


def questions(found: list[review.LoggedQuery]) -> list[str]:
    return [q.question for q in found]


# --- recent, search, unanswered -------------------------------------------------------------


def test_recent_lists_newest_first_and_respects_count(qlog: QueryLog) -> None:
    for day in (2, 1, 3):
        add(qlog, f"question of day {day}", when=at(day))
    assert questions(review.recent(qlog.db, 2)) == ["question of day 3", "question of day 2"]


def test_since_and_until_dates_are_whole_utc_days(qlog: QueryLog) -> None:
    add(qlog, "early", when="2024-05-01T00:00:00.000Z")
    add(qlog, "late", when="2024-05-02T23:59:59.999Z")
    add(qlog, "after", when="2024-05-03T00:00:00.000Z")
    found = review.recent(qlog.db, 10, since=dt.date(2024, 5, 1), until=dt.date(2024, 5, 2))
    assert questions(found) == ["late", "early"]
    instant = dt.datetime(2024, 5, 2, 12, tzinfo=dt.timezone.utc)
    assert questions(review.recent(qlog.db, 10, since=instant)) == ["after", "late"]


def test_recent_shows_feedback_counts(qlog: QueryLog) -> None:
    query_id = add(qlog, "rated")
    qlog.record_feedback(query_id, 1, 1)
    qlog.record_feedback(query_id, 2, 1)
    qlog.record_feedback(query_id, 3, -1)
    (only,) = review.recent(qlog.db, 1)
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
    assert sorted(questions(review.search(qlog.db, text, 50))) == sorted(expected)
    assert qlog.db["queries"].count == len(SEARCH_LOG)  # the table survives


def test_search_rejects_empty_text(qlog: QueryLog) -> None:
    with pytest.raises(review.ReviewError, match="empty"):
        review.search(qlog.db, "  ")


def test_unanswered_lists_only_unanswered_in_the_period(qlog: QueryLog) -> None:
    add(qlog, "answered one", True, at(3))
    add(qlog, "old refusal", False, at(1))
    add(qlog, "new refusal", False, at(3))
    assert questions(review.unanswered(qlog.db)) == ["new refusal", "old refusal"]
    assert questions(review.unanswered(qlog.db, since=dt.date(2024, 5, 2))) == ["new refusal"]


def test_unanswered_days_counts_back_from_now(qlog: QueryLog) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    add(qlog, "yesterday", False, review._utc(now - dt.timedelta(days=1)))
    add(qlog, "last month", False, review._utc(now - dt.timedelta(days=30)))
    assert questions(review.unanswered(qlog.db, days=7)) == ["yesterday"]


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
    stats = review.stats(crafted.db)
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
    stats = review.stats(crafted.db, since=dt.date(2024, 5, 2))
    assert (stats.questions, stats.answered, stats.distinct_users) == (3, 1, 1)
    assert (stats.thumbs_up, stats.thumbs_down) == (0, 0)  # the feedback was on day-1 questions
    assert [d.day for d in stats.per_day] == ["2024-05-02"]
    assert stats.since == "2024-05-02" and stats.until is None


def test_stats_of_an_empty_log(qlog: QueryLog) -> None:
    stats = review.stats(qlog.db)
    assert stats.questions == 0 and stats.answered_share is None and stats.top_questions == []
    assert stats.to_json()["answered_share"] is None


# --- export --------------------------------------------------------------------------------


def test_export_rows_have_every_column_oldest_first(crafted: QueryLog) -> None:
    rows = review.iter_export_rows(crafted.db)
    assert inspect.isgenerator(rows)
    rows = list(rows)
    assert [r["question"] for r in rows][:2] == ["What did Iran offer Iraq?", "Iran offer to Iraq"]
    assert tuple(rows[0]) == review.EXPORT_COLUMNS
    assert (rows[0]["thumbs_up"], rows[2]["thumbs_down"]) == (2, 1)


def test_write_csv_neutralises_formulas(qlog: QueryLog) -> None:
    add(qlog, '=HYPERLINK("http://evil.example","click")')
    add(qlog, "-1 degrees in Oslo?")
    out = io.StringIO()
    assert review.write_csv(review.iter_export_rows(qlog.db), out) == 2
    lines = out.getvalue().splitlines()
    assert lines[0] == ",".join(review.EXPORT_COLUMNS)
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
        written = review.write_csv(review.iter_export_rows(db), sink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == rows
    assert sink.size > 10_000_000  # the data really is large...
    assert peak < sink.size / 20  # ...and was never all in memory at once


# --- purge and forget ----------------------------------------------------------------------


def test_purge_removes_old_questions_and_their_feedback_only(qlog: QueryLog) -> None:
    now = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)
    old = add(qlog, "old", when="2024-02-01T00:00:00.000Z")
    new = add(qlog, "new", when="2024-05-30T00:00:00.000Z")
    qlog.record_feedback(old, 1, 1)
    qlog.record_feedback(new, 1, -1)
    assert review.purge_older_than(qlog.db, 90, now, dry_run=True) == review.Removed(1, 1)
    assert qlog.db["queries"].count == 2
    removed = review.purge_older_than(qlog.db, review.parse_duration("90d"), now)
    assert (removed.queries, removed.feedback, removed.total) == (1, 1, 2)
    assert [r["question"] for r in qlog.db["queries"].rows] == ["new"]
    assert [r["query_id"] for r in qlog.db["feedback"].rows] == [new]


@pytest.mark.parametrize("mode", ["plain", "hashed"])
def test_forget_removes_a_users_questions_and_feedback(mode: str) -> None:
    log = QueryLog(Database(memory=True), user_ids=mode, secret=SECRET)
    mine = add(log, "mine", user_id=111)
    theirs = add(log, "theirs", user_id=222)
    log.record_feedback(mine, 222, 1)  # someone else's vote on my question
    log.record_feedback(theirs, 111, -1)  # my vote on their question
    log.record_feedback(theirs, 333, 1)
    removed = review.forget_user(log.db, log, "111")
    assert (removed.queries, removed.feedback) == (1, 2)
    assert [r["question"] for r in log.db["queries"].rows] == ["theirs"]
    assert [r["value"] for r in log.db["feedback"].rows] == [1]
    assert review.forget_user(log.db, log, 111).total == 0


def test_forget_in_hashed_mode_also_finds_rows_logged_before_the_switch() -> None:
    db = Database(memory=True)
    add(QueryLog(db, user_ids="plain"), "before", user_id=111)
    hashed = QueryLog(db, user_ids="hashed", secret=SECRET)
    add(hashed, "after", user_id=111)
    add(hashed, "other", user_id=222)
    assert review.forget_user(db, hashed.user_key, 111).queries == 2
    assert [r["question"] for r in db["queries"].rows] == ["other"]


# --- durations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90d", dt.timedelta(days=90)), ("12h", dt.timedelta(hours=12)), ("2w", dt.timedelta(weeks=2)), (" 7D ", dt.timedelta(days=7))],
)
def test_parse_duration(text: str, expected: dt.timedelta) -> None:
    assert review.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "90", "d", "0d", "-1d", "1.5d", "3m", "90 days"])
def test_parse_duration_rejects_nonsense(text: str) -> None:
    with pytest.raises(review.ReviewError):
        review.parse_duration(text)


def test_stats_days_counts_back_from_now(qlog: QueryLog) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    add(qlog, "recent one", True, review._utc(now - dt.timedelta(hours=3)))
    add(qlog, "old one", True, review._utc(now - dt.timedelta(days=40)))
    stats = review.stats(qlog.db, days=30)
    assert stats.questions == 1 and stats.since and stats.since < review._utc(now)
