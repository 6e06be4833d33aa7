"""/querylog stats over a whole period: every question counted, partial days said, UTC names.

Through the Discord stand-in, as a moderator sees it; the same log read by ``newsdesk logs stats``.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.client import NewsdeskBot
from bot.cogs.querylog_commands import per_period_field
from bot.logs_cli import logs
from bot.querylog import QueryLog, QueryRecord, periods
from bot.querylog.records import DayCount, Stats
from bot.querylog.schema import utc_text
from tests.bot.cogs.test_querylog_cog import archive, bot, run  # noqa: F401  (pytest fixtures)
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

SEEDED = 4  # the questions the ``bot`` fixture logs now
CLEAR_OF_MIDNIGHT = dt.timedelta(minutes=2)  # far more than a test here takes, fixtures included


@pytest.fixture(autouse=True)
def clear_of_midnight() -> None:
    """Each test here sees one UTC day from its fixtures' seeding to its last check: too close to
    midnight, it waits (polling the clock, at most CLEAR_OF_MIDNIGHT) for the new day to start.
    Autouse, so it runs before the ``bot`` fixture logs its questions."""
    while True:
        now = dt.datetime.now(dt.timezone.utc)
        midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.timezone.utc)
        if midnight - now > CLEAR_OF_MIDNIGHT:
            return
        time.sleep(min(1.0, (midnight - now).total_seconds() + 0.01))
LINE = re.compile(r"^`(?:week of )?([0-9-]+)` (\d+) asked, (\d+) answered(.*)$")


def add(tmp_path: Path, fake: FakeDiscord, moments: list[dt.datetime]) -> None:
    """A question at each moment (every other one answered), in the server's channel."""
    log = QueryLog.open(tmp_path / "log.db")
    where = {"guild_id": fake.guild.id, "channel_id": fake.channel.id, "interface": "discord"}
    for n, moment in enumerate(moments):
        log.record(QueryRecord(f"question {n}?", n % 2 == 0, asked_at=utc_text(moment), **where))


def per_period(embed: dict) -> tuple[str, list[re.Match[str]]]:
    [(name, value)] = [(f["name"], f["value"]) for f in embed["fields"] if f["name"].startswith("Per ")]
    matches = [LINE.match(line) for line in value.splitlines()]
    assert all(matches), value
    return name, matches  # type: ignore[return-value]


@pytest.mark.parametrize(("days", "every", "unit"), [(90, 1, "Per week"), (3650, 9, "Per year")])
async def test_a_long_period_is_grouped_so_every_question_is_counted(
    fake_discord: FakeDiscord, bot: NewsdeskBot, tmp_path: Path, days: int, every: int, unit: str
) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    add(tmp_path, fake_discord, [now - dt.timedelta(days=d, hours=1) for d in range(1, days - 1, every)])
    embed = (await run(fake_discord, "stats", {"days": days})).embeds[0]
    name, lines = per_period(embed)
    assert name.startswith(unit)
    total = int(next(f["value"] for f in embed["fields"] if f["name"] == "Questions"))
    assert total == SEEDED + len(range(1, days - 1, every))
    assert sum(int(m[2]) for m in lines) == total  # nothing left out, the oldest weeks included
    assert sum(int(m[3]) for m in lines) == int(next(f["value"] for f in embed["fields"] if f["name"] == "Answered").split()[0])
    fake_discord.assert_no_violations()  # within 1024 a field, 6000 an embed


async def test_a_short_period_lists_each_day_and_says_which_are_partial(
    fake_discord: FakeDiscord, bot: NewsdeskBot, tmp_path: Path
) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    first, middle = now - dt.timedelta(days=7) + dt.timedelta(seconds=30), now - dt.timedelta(days=3)
    add(tmp_path, fake_discord, [first, middle])
    name, lines = per_period((await run(fake_discord, "stats", {"days": 7})).embeds[0])
    assert name.startswith("Per day")
    assert [m[1] for m in lines] == [first.date().isoformat(), middle.date().isoformat(), now.date().isoformat()]
    since = now - dt.timedelta(days=7)
    assert f"partial: from {since:%H:}" in lines[0][4]  # the period starts in the middle of its first day
    assert "partial" not in lines[1][4]
    assert "partial: so far" in lines[2][4]  # today is not over


async def test_the_command_line_shows_the_same_figures(
    fake_discord: FakeDiscord, bot: NewsdeskBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    add(tmp_path, fake_discord, [now - dt.timedelta(days=d, hours=2) for d in (1, 1, 2, 5, 20, 40)])
    _, lines = per_period((await run(fake_discord, "stats", {"days": 30})).embeds[0])
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "log.db"))
    monkeypatch.chdir(tmp_path)
    text = CliRunner().invoke(logs, ["stats", "--since", "30d"]).stdout
    cli_days = re.findall(r"^  (\d{4}-\d\d-\d\d) +(\d+) asked +(\d+) answered(.*)$", text, re.MULTILINE)
    assert [(m[1], m[2], m[3]) for m in lines] == [(d, q, a) for d, q, a, _ in cli_days]
    assert len(cli_days) == 5  # the question 40 days ago is outside both
    assert "partial: so far" in cli_days[-1][3] and "partial" not in cli_days[-2][3]


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch):
    """A local time zone whose date is not today's UTC date (ahead after 10:00 UTC, behind before)."""
    zone = "Etc/GMT-14" if dt.datetime.now(dt.timezone.utc).hour >= 10 else "Etc/GMT+12"
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def test_the_export_file_is_named_by_the_utc_date(
    fake_discord: FakeDiscord, bot: NewsdeskBot, far_from_utc: None
) -> None:
    assert dt.date.today() != dt.datetime.now(dt.timezone.utc).date()
    [attachment] = (await run(fake_discord, "export", {"days": 30})).files
    utc_day = dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert attachment.filename == f"newsdesk-queries-{utc_day}-30d.csv"


# -- grouping, where Discord is not needed -------------------------------------------------


def test_weeks_start_on_monday_and_months_keep_their_days() -> None:
    days = [DayCount("2024-01-28", 1, 1), DayCount("2024-01-31", 2, 1), DayCount("2024-02-01", 4, 0)]
    weeks = periods.group(days, "week", dt.date(2024, 1, 1), dt.date(2024, 2, 29))
    assert [(w.label, w.questions, w.answered, w.partial) for w in weeks] == [
        ("week of 2024-01-22", 1, 1, ""), ("week of 2024-01-29", 6, 1, "")
    ]
    months = periods.group(days, "month", dt.datetime(2024, 1, 10, 8, 30), dt.datetime(2024, 2, 3, 12, 0))
    assert [(m.label, m.questions, m.partial) for m in months] == [
        ("2024-01", 3, "partial: from 2024-01-10 08:30"), ("2024-02", 4, "partial: until 2024-02-03 12:00")
    ]


def test_figures_that_do_not_fit_even_by_year_say_how_many_earlier_are_not_shown() -> None:
    years = range(1800, 2027)
    stats = Stats(None, None, len(years), 0, None, 0, 0, per_day=[DayCount(f"{y}-01-01", 1, 0) for y in years])
    name, value = per_period_field(stats)
    lines = value.splitlines()
    assert name == "Per year (UTC)" and len(value) <= 1024
    left_out = int(re.fullmatch(r"\u2026 (\d+) earlier year\(s\) not shown", lines[0])[1])  # type: ignore[index]
    assert left_out + len(lines) - 1 == len(years) and lines[-1].startswith("`2026`")
