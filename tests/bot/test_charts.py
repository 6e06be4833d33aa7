"""The stats chart: a PNG for an empty log, one day and 90 days, titled and labelled, small enough
for Discord, with the figures the log holds (checked on the Figure's texts and data, not pixels)."""

from __future__ import annotations

import datetime as dt
import struct

import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bot import charts
from bot.querylog import QueryLog, QueryRecord

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DISCORD_LIMIT = 8_000_000  # bytes: Discord's smallest attachment limit (8 MiB), rounded down
START = dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc)


def stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def log() -> QueryLog:
    return QueryLog.open(":memory:")


def fill_days(log: QueryLog, days: int) -> None:
    """Day n gets n % 5 + 1 questions; every third is unanswered; votes on answered ones."""
    for n in range(days):
        for k in range(n % 5 + 1):
            answered = (n + k) % 3 != 0
            question = "Who won the Oslo chess open?" if not answered and k % 2 else f"What did Iran offer Iraq on day {n}?"
            qid = log.record(QueryRecord(question, answered, asked_at=stamp(START + dt.timedelta(days=n, hours=k))))
            if answered and k == 1:
                log.record_feedback(qid, 7, 1 if n % 4 else -1)


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    return width, height


def texts(figure: Figure) -> dict[str, list[str]]:
    """The axis labels passed to matplotlib, per panel title (a twin axis joins its panel)."""
    def place(ax: Axes) -> tuple[int, ...]:
        return ax.get_subplotspec().get_geometry()

    titles = {place(ax): ax.get_title(loc="left") for ax in figure.axes if ax.get_title(loc="left")}
    found: dict[str, list[str]] = {}
    for ax in figure.axes:
        found.setdefault(titles[place(ax)], []).extend(label for label in (ax.get_xlabel(), ax.get_ylabel()) if label)
    return found


def test_an_empty_log_still_gives_a_titled_labelled_png(log: QueryLog) -> None:
    data = charts.chart_data(log.db, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert data.questions == 0 and len(data.days) == 31 and not data.has_votes
    figure = charts.build_figure(data)
    assert figure.get_suptitle() == "newsdesk questions, 2026-01-01 to 2026-01-31 (UTC)"
    labels = texts(figure)
    assert labels["Questions per day"] == ["Day (UTC)", "Questions asked", "Answered share (%)"]
    assert labels["Top unanswered questions"] == ["Times asked without an answer"]
    assert "Feedback per day" not in labels  # no votes, no votes panel
    shown = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert "No questions in this period" in shown
    png = charts.render_png(figure)
    assert png_size(png)[0] == 800 and len(png) < DISCORD_LIMIT


def test_an_empty_log_with_no_period_has_no_days(log: QueryLog) -> None:
    png = charts.chart_png(log.db)
    assert png_size(png)[0] == 800


def test_one_day(log: QueryLog) -> None:
    fill_days(log, 1)
    log.record(QueryRecord("late question", True, asked_at="2024-03-01T23:59:59.999Z"))
    data = charts.chart_data(log.db)
    assert [(d.day, d.questions, d.answered) for d in data.days] == [(dt.date(2024, 3, 1), 2, 1)]
    assert data.period == "all time"
    figure = charts.build_figure(data)
    assert figure.get_suptitle() == "newsdesk questions, all time (UTC)"
    assert texts(figure)["Questions per day"] == ["Day (UTC)", "Questions asked", "Answered share (%)"]
    assert len(charts.render_png(figure)) < DISCORD_LIMIT
    # Ticks are days, not the hours matplotlib would pick for a one-day span.
    assert [t.get_text() for t in figure.axes[0].get_xticklabels()] == ["2024-03-01"]
    one_day = charts.chart_data(log.db, dt.date(2024, 3, 1), dt.date(2024, 3, 1))
    assert charts.build_figure(one_day).get_suptitle() == "newsdesk questions, 2024-03-01 (UTC)"


def test_ninety_days_with_votes(log: QueryLog) -> None:
    fill_days(log, 90)
    since, until = dt.date(2024, 3, 1), dt.date(2024, 5, 29)
    data = charts.chart_data(log.db, since, until)
    assert len(data.days) == 90 and data.days[0].day == since and data.days[-1].day == until
    assert data.questions == sum(n % 5 + 1 for n in range(90))
    assert data.has_votes
    assert sum(d.thumbs_up for d in data.days) == sum(1 for n in range(90) if n % 5 >= 1 and (n + 1) % 3 and n % 4)
    assert data.top_unanswered[0].question == "Who won the Oslo chess open?"
    assert data.top_unanswered[0].count > data.top_unanswered[1].count
    figure = charts.build_figure(data)
    labels = texts(figure)
    assert labels["Feedback per day"] == ["Day (UTC)", "Votes on that day's answers"]
    legend = [t.get_text() for ax in figure.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert {"Questions asked", "Answered share", "Thumbs up (helpful)"} <= set(legend)
    png = charts.render_png(figure)
    width, height = png_size(png)
    assert width == 800 and height < 1400 and len(png) < DISCORD_LIMIT


def test_a_days_window_starts_where_asked_even_before_the_first_question(log: QueryLog) -> None:
    fill_days(log, 3)
    data = charts.chart_data(log.db, dt.date(2024, 2, 25), dt.date(2024, 3, 2))
    assert [d.questions for d in data.days] == [0, 0, 0, 0, 0, 1, 2]  # Feb 25 to 29 (a leap year), Mar 1, 2
    assert data.days[-1].day == dt.date(2024, 3, 2)


def test_question_text_is_shown_literally(log: QueryLog) -> None:
    log.record(QueryRecord("Price of $5 and $6 bonds?\nnew line", False, asked_at="2024-03-01T10:00:00.000Z"))
    figure = charts.build_figure(charts.chart_data(log.db))
    shown = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert r"Price of \$5 and \$6 bonds? new line" in shown  # escaped: no math mode, one line
    charts.render_png(figure)  # and it draws


def test_long_questions_are_cut() -> None:
    text = charts.label_text("word " * 50)
    assert len(text) == charts.QUESTION_CHARS and text.endswith("\u2026")


def test_a_refused_question_is_not_called_answered(log: QueryLog) -> None:
    # A question refused before any search (a bad date) is not among the unanswered, but it
    # was not answered either: the chart must not claim every question was.
    log.record(QueryRecord("Who won?", True, asked_at="2024-03-01T10:00:00.000Z"))
    log.record(
        QueryRecord("Who won since last week?", False, reason="bad_date", rejected="since: not a date",
                    asked_at="2024-03-01T11:00:00.000Z")
    )
    figure = charts.build_figure(charts.chart_data(log.db))
    shown = [t.get_text() for ax in figure.axes for t in ax.texts]
    assert "Every question in this period was answered" not in shown
    assert "No unanswered questions (1 refused before any search)" in shown


def test_every_question_answered_is_said_so(log: QueryLog) -> None:
    log.record(QueryRecord("Who won?", True, asked_at="2024-03-01T10:00:00.000Z"))
    figure = charts.build_figure(charts.chart_data(log.db))
    assert "Every question in this period was answered" in [t.get_text() for ax in figure.axes for t in ax.texts]


def test_top_unanswered_tells_a_filtered_question_from_a_gap_in_the_archive(log: QueryLog) -> None:
    # "did iran send troops" asked of DW only is not the archive's gap that the same question
    # asked of everything is: two bars, the filtered one saying so.
    for hour in range(3):
        log.record(QueryRecord("did iran send troops", False, reason="not_covered", filters={"outlet": "dw"},
                               asked_at=f"2024-03-01T1{hour}:00:00.000Z"))
    log.record(QueryRecord("Did Iran send troops?", False, reason="not_covered", asked_at="2024-03-01T15:00:00.000Z"))
    log.record(QueryRecord("Quelle heure est-il?", False, reason="not_english", asked_at="2024-03-01T16:00:00.000Z"))
    data = charts.chart_data(log.db)
    assert [(g.count, g.filters) for g in data.top_unanswered] == [(3, {"outlet": "dw"}), (1, {}), (1, {})]
    shown = [t.get_text() for ax in charts.build_figure(data).axes for t in ax.texts]
    assert "did iran send troops (none under its filter: from dw)" in shown
    assert "Did Iran send troops?" in shown  # a plain gap: no note
    assert "Quelle heure est-il? (not English)" in shown


def test_the_chart_file_is_private_like_the_exports(log: QueryLog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import stat

    log.record(QueryRecord("Who won?", False, asked_at="2024-03-01T10:00:00.000Z"))
    path = tmp_path / "stats.png"
    charts.write_chart(path, log.db)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_partial_days_are_marked_and_the_date_axis_has_no_misleading_offset(log: QueryLog) -> None:
    today = dt.date(2026, 12, 7)
    since = dt.datetime(2026, 11, 7, 14, 30, tzinfo=dt.timezone.utc)  # "the last 30 days" at 14:30
    for n in range(31):
        log.record(QueryRecord("What did Iran offer Iraq?", True, asked_at=stamp(since + dt.timedelta(days=n, minutes=5))))
    data = charts.chart_data(log.db, since, None, today=today)
    assert [d.day for d in data.days if d.partial] == [dt.date(2026, 11, 7), today]  # from 14:30; so far
    figure = charts.build_figure(data)
    labels = [t.get_text() for ax in figure.axes for legend in [ax.get_legend()] if legend for t in legend.get_texts()]
    assert "Partial day (the period starts or ends in it)" in labels
    charts.render_png(figure)  # ticks are made when drawn
    questions = next(ax for ax in figure.axes if ax.get_title(loc="left") == "Questions per day")
    assert questions.xaxis.get_major_formatter().get_offset() == ""  # no "2026-Dec" under November
