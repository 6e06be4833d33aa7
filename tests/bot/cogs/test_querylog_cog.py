"""/querylog in Discord: moderators review the log privately; nobody else can."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot import charts
from bot.client import NewsdeskBot
from bot.cogs.querylog_commands import LINE_FILTERS_CHARS, LINE_QUESTION_CHARS, filters_shown
from bot.desk import Desk
from bot.querylog import QueryLog, QueryRecord
from bot.querylog.records import LoggedQuery
from bot.settings import Settings
from retrieval.archive import Archive
from retrieval.store.saved import load_or_build
from tests.bot.running import running_bot
from tests.discord_standin import FakeDiscord, Perm
from tests.discord_standin.interactions import NotDeliverable
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    return load_or_build(ROOT / "corpus", tmp_path_factory.mktemp("index"))  # not the checkout's corpus/.index


def seed(log: QueryLog, fake: FakeDiscord) -> None:
    where = {"guild_id": fake.guild.id, "channel_id": fake.channel.id, "interface": "discord"}
    answered = log.record(QueryRecord("Did Iran send troops to Iraq?", True, user_id=fake.member.id, scores=[7.0], **where))
    log.record(QueryRecord("What is the weather in Oslo?", False, user_id=fake.member.id, **where))
    log.record(QueryRecord("50% of '; DROP TABLE queries; --", False, user_id=fake.moderator.id, **where))
    log.record(QueryRecord("did iran send troops to iraq", True, user_id=fake.moderator.id, scores=[6.5], **where))
    log.record_feedback(answered, fake.member.id, 1)
    log.record_feedback(answered, fake.moderator.id, -1)


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord, archive: Archive, tmp_path: Path) -> AsyncIterator[NewsdeskBot]:
    fake = fake_discord
    editors = fake.guild.add_role("Editors", Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES)
    fake.editor = fake.add_user("eddie")  # type: ignore[attr-defined]
    fake.guild.add_member(fake.editor, roles=[editors])  # type: ignore[attr-defined]
    # Without Manage Messages Discord hides /querylog; the server admin lets Editors use it.
    fake.permit_command("querylog", editors)
    querylog = QueryLog.open(tmp_path / "log.db")
    seed(querylog, fake)
    settings = Settings(discord_token=fake.token, guild_id=fake.guild.id, cooldown_seconds=0, moderator_roles=("Editors",))
    async with running_bot(fake, Desk(archive, querylog), settings) as instance:
        yield instance


async def run(fake: FakeDiscord, command: str, options: dict | None = None, user=None):
    interaction = await fake.send_interaction(f"querylog {command}", options or {}, user=user or fake.moderator)
    return await fake.wait_for_interaction_message(interaction, timeout=60)


async def test_commands_are_synced_with_descriptions(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    group = fake_discord.find_command("querylog", fake_discord.guild.id)
    subcommands = {o["name"]: o for o in group["options"]}
    assert set(subcommands) == {"recent", "search", "unanswered", "stats", "export", "forget"}
    assert all(o["description"] for o in subcommands.values())


async def test_a_member_without_manage_messages_is_not_even_offered_querylog(
    fake_discord: FakeDiscord, bot: NewsdeskBot
) -> None:
    group = fake_discord.find_command("querylog", fake_discord.guild.id)
    assert int(group["default_member_permissions"]) == Perm.MANAGE_MESSAGES
    with pytest.raises(NotDeliverable, match="default_member_permissions"):
        await fake_discord.send_interaction("querylog recent", {}, user=fake_discord.member)


@pytest.mark.parametrize("command", ["recent", "unanswered", "stats", "export"])
async def test_members_without_the_role_or_permission_are_refused_privately(
    fake_discord: FakeDiscord, bot: NewsdeskBot, command: str
) -> None:
    # An admin let this member use the command anyway; the bot's own check still refuses.
    fake_discord.permit_command("querylog", fake_discord.member)
    message = await run(fake_discord, command, user=fake_discord.member)
    assert message.ephemeral
    assert "Only moderators" in message.content
    assert not message.embeds and not message.attachments


async def test_recent_for_a_moderator_is_private_and_newest_first(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    message = await run(fake_discord, "recent", {"count": 10})
    assert message.ephemeral
    lines = message.embeds[0]["description"].splitlines()
    assert len(lines) == 4
    assert "did iran send troops to iraq" in lines[0] and "Did Iran send troops to Iraq?" in lines[3]
    assert f"<#{fake_discord.channel.id}>" in lines[0]
    fake_discord.assert_no_violations()
    fake_discord.assert_nothing_pings()


async def test_a_configured_moderator_role_is_enough(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    message = await run(fake_discord, "unanswered", {"days": 30}, user=fake_discord.editor)  # type: ignore[attr-defined]
    description = message.embeds[0]["description"]
    assert "weather in Oslo" in description and "send troops" not in description


async def test_search_treats_sql_and_wildcards_as_text(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    literal = await run(fake_discord, "search", {"text": "'; DROP TABLE queries; --"})
    assert "DROP TABLE" in literal.embeds[0]["description"]
    percent = await run(fake_discord, "search", {"text": "%"})
    assert len(percent.embeds[0]["description"].splitlines()) == 1  # only the question with a real %
    still_there = await run(fake_discord, "recent")
    assert len(still_there.embeds[0]["description"].splitlines()) == 4


async def test_stats_show_volume_share_feedback_and_grouped_questions(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    embed = (await run(fake_discord, "stats", {"days": 7})).embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Questions"] == "4"
    assert fields["Answered"] == "2 (50%)"
    assert "\N{THUMBS UP SIGN} 1" in fields["Feedback"] and "\N{THUMBS DOWN SIGN} 1" in fields["Feedback"]
    assert fields["Top questions"].splitlines()[0].startswith("2\u00d7 ")  # two wordings, one question
    assert f"<#{fake_discord.channel.id}>: 4" in fields["Busiest channels"]
    assert all(len(v) <= 1024 for v in fields.values())


async def test_stats_attach_the_chart_shown_in_the_embed(
    fake_discord: FakeDiscord, bot: NewsdeskBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn_on: list[threading.Thread] = []
    real = charts.chart_png

    def recording(*args: object, **kwargs: object) -> bytes:
        drawn_on.append(threading.current_thread())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(charts, "chart_png", recording)
    message = await run(fake_discord, "stats", {"days": 7})
    assert drawn_on and drawn_on[0] is not threading.main_thread()  # never on the event loop
    assert message.ephemeral
    [attachment] = message.files
    assert attachment.filename == "querylog-stats.png"
    assert attachment.data.startswith(b"\x89PNG\r\n\x1a\n") and len(attachment.data) < 8_000_000
    assert message.embeds[0]["image"]["url"] == "attachment://querylog-stats.png"
    fake_discord.assert_no_violations()


async def test_export_attaches_the_log_as_csv(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    message = await run(fake_discord, "export", {"days": 30})
    assert message.ephemeral
    [attachment] = message.files
    assert attachment.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(attachment.data.decode("utf-8"))))
    assert [r["question"] for r in rows][0] == "Did Iran send troops to Iraq?"
    assert len(rows) == 4
    assert {"asked_at", "answered", "thumbs_up", "thumbs_down"} <= set(rows[0])


async def ask_as_member(fake: FakeDiscord, question: str, **filters: str) -> None:
    interaction = await fake.send_interaction("ask", {"question": question, **filters}, user=fake.member)
    await fake.wait_for_interaction_message(interaction, timeout=60)


async def test_recent_shows_the_filters_a_question_was_asked_with(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    # Why was it unanswered? The moderator sees that the asker kept to one outlet and a range.
    await ask_as_member(fake_discord, "Did Iran pledge to help Iraq?", outlet="DW", since="2014-06-01", until="2014-12-31")
    await ask_as_member(fake_discord, "Did Iran offer help to Iraq?")
    message = await run(fake_discord, "recent", {"count": 2})
    assert message.ephemeral
    unfiltered, filtered = message.embeds[0]["description"].splitlines()
    assert "Did Iran offer help to Iraq?" in unfiltered
    assert "Did Iran pledge to help Iraq?" in filtered
    assert filtered.endswith(" \u00b7 *from DW, published 2014-06-01 to 2014-12-31*")
    assert "\u00b7" not in unfiltered and "from DW" not in unfiltered and "published" not in unfiltered
    fake_discord.assert_no_violations()


async def test_a_hostile_outlet_shows_escaped_and_the_listing_stays_in_limits(
    fake_discord: FakeDiscord, bot: NewsdeskBot, tmp_path: Path
) -> None:
    # Refused (no such outlet), and logged with the outlet as typed: it is listed too.
    hostile = "@everyone `x` **big** " + "y" * 78  # 100: the most /ask takes
    for _ in range(30):
        await ask_as_member(fake_discord, "What did Iran offer Iraq? " + "z" * 60, outlet=hostile)
    description = (await run(fake_discord, "recent", {"count": 50})).embeds[0]["description"]
    assert len(description) <= 4096
    assert description.splitlines()[-1].startswith("\u2026 and ")  # cut at whole lines, as before
    first = description.splitlines()[0]
    assert "from @\u200beveryone \\`x\\` \\*\\*big\\*\\*" in first
    assert "@everyone" not in description
    fake_discord.assert_no_violations()
    fake_discord.assert_nothing_pings()


async def test_export_has_each_questions_filters(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    await ask_as_member(fake_discord, "Did Iran pledge to help Iraq?", outlet="DW", since="2014-06-01")
    [attachment] = (await run(fake_discord, "export", {"days": 30})).files
    rows = list(csv.DictReader(io.StringIO(attachment.data.decode("utf-8"))))
    assert json.loads(rows[-1]["filters"]) == {"outlet": "DW", "since": "2014-06-01"}
    assert rows[0]["filters"] == ""  # asked without filters


# Line breaks of every kind a question or an outlet can carry (asked on the CLI, or logged by
# another version); each would start a new line in a listing, here a heading and a quote.
BROKEN = "Did Iran\nsend troops?\r\n# Heading\u2028> quote\u2029@everyone\x85\v\f end"


async def test_a_question_with_line_breaks_is_listed_on_one_line(
    fake_discord: FakeDiscord, bot: NewsdeskBot, tmp_path: Path
) -> None:
    where = {"guild_id": fake_discord.guild.id, "channel_id": fake_discord.channel.id, "interface": "discord"}
    log = QueryLog.open(tmp_path / "log.db")
    log.record(QueryRecord(BROKEN + " long" * 40, False, filters={"outlet": "Valley\u2028# Post"}, **where))
    lines = (await run(fake_discord, "recent", {"count": 10})).embeds[0]["description"].splitlines()
    assert len(lines) == 5  # the four seeded, and this one: one line each
    question = lines[0].split(" \u2014 ", 1)[1].split(" \u00b7 ")[0]
    assert question.startswith("Did Iran send troops? \\# Heading \\> quote @\u200beveryone end long long")
    assert question.endswith("\u2026") and len(question) <= LINE_QUESTION_CHARS  # still cut as before
    assert lines[0].endswith(" \u00b7 *from Valley \\# Post*")
    fields = {f["name"]: f["value"] for f in (await run(fake_discord, "stats", {"days": 7})).embeds[0]["fields"]}
    assert len(fields["Top questions"].splitlines()) == 4  # three groups seeded, and this one
    assert "Did Iran send troops? \\# Heading" in fields["Top questions"]
    fake_discord.assert_no_violations()
    fake_discord.assert_nothing_pings()


# -- the filters' formatter -------------------------------------------------------------


def logged(filters: dict) -> LoggedQuery:
    return LoggedQuery(1, "2026-01-02T03:04:05Z", "discord", None, None, None, "q?", False, 0, [], filters, None, None, 0, 0)


@pytest.mark.parametrize(
    ("filters", "shown"),
    [
        ({}, ""),
        ({"outlet": "DW", "since": "2014-06-01", "until": "2014-12-31"}, "from DW, published 2014-06-01 to 2014-12-31"),
        ({"until": "2014-12-31"}, "published until 2014-12-31"),
        ({"outlet": "Valley\nPost"}, "from Valley Post"),  # typed on the command line: still one line
        ({"since": "last week"}, '{"since": "last week"}'),  # not valid filters: shown as stored
        ({"outlet": 7}, '{"outlet": 7}'),
    ],
)
def test_filters_text_is_one_line_for_people(filters: dict, shown: str) -> None:
    assert logged(filters).filters_text() == shown


def test_a_hostile_outlet_is_shown_escaped_short_and_on_one_line() -> None:
    hostile = "@everyone `rm -rf` **loud** <@123> ||x|| [link](https://evil.example)\n# head " + "w" * 200
    line = filters_shown(logged({"outlet": hostile, "since": "2014-06-01"}))
    assert line.startswith(" \u00b7 *from @\u200beveryone \\`rm -rf\\` \\*\\*loud\\*\\* \\<@\u200b123\\>")
    inner = line[len(" \u00b7 *") : -1]
    assert line.endswith("\u2026*") and len(inner) <= LINE_FILTERS_CHARS and "\n" not in line
    # Every markdown character the asker typed is escaped: only the italics' own stars are bare.
    assert not re.search(r"(?<!\\)[*`|\[\]<>#_~]", inner)
    assert "@everyone" not in line and "<@1" not in line
    assert filters_shown(logged({})) == ""


async def test_an_export_over_discords_limit_is_refused_without_building_it_whole(
    fake_discord: FakeDiscord, bot: NewsdeskBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import tracemalloc

    from bot.querylog import queries
    from bot.querylog.records import write_csv

    querylog = bot.desk.querylog
    assert querylog is not None
    where = (str(fake_discord.guild.id), str(fake_discord.channel.id))
    with querylog.db.conn:
        querylog.db.conn.executemany(
            "INSERT INTO queries (asked_at, interface, guild_id, channel_id, question, answered) VALUES (?, 'discord', ?, ?, ?, 0)",
            ((queries.utc_text(queries.since_days(1)), *where, f"what happened in the flooded valley, day {n}? " * 3) for n in range(20_000)),
        )

    class Size:
        bytes = 0

        def write(self, text: str) -> int:
            self.bytes += len(text.encode("utf-8"))
            return len(text)

    whole = Size()
    write_csv(queries.iter_export_rows(querylog.db, guild=fake_discord.guild.id), whole)
    # The module the bot loaded the cog from (discord.py loads extensions afresh).
    monkeypatch.setattr(sys.modules[type(bot.get_cog("QueryLog")).__module__], "MAX_EXPORT_BYTES", 64 * 1024)
    tracemalloc.start()
    try:
        message = await run(fake_discord, "export", {"days": 30})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message.ephemeral and not message.files
    assert "over Discord's limit" in message.content and "newsdesk logs export" in message.content
    # The bot stopped at the limit: it never held the whole export (here over 4 MB) in memory.
    assert whole.bytes > 4_000_000
    assert peak < whole.bytes / 4, (peak, whole.bytes)


def channel_log(fake: FakeDiscord, bot: NewsdeskBot) -> tuple[QueryLog, dict[str, object]]:
    """The bot's query log, and where a question asked in the test channel is logged from."""
    querylog = bot.desk.querylog
    assert querylog is not None
    return querylog, {"guild_id": fake.guild.id, "channel_id": fake.channel.id, "interface": "discord"}


async def test_unanswered_and_search_say_how_many_there_are_beyond_what_is_shown(
    fake_discord: FakeDiscord, bot: NewsdeskBot
) -> None:
    import re

    querylog, where = channel_log(fake_discord, bot)
    for n in range(118):  # with the two seeded, 120 unanswered: more than one reply lists
        querylog.record(QueryRecord(f"Who won the regional chess open in round {n}?", False, **where))
    stats = (await run(fake_discord, "stats", {"days": 30})).embeds[0]
    fields = {f["name"]: f["value"] for f in stats["fields"]}
    unanswered = int(fields["Questions"]) - int(fields["Answered"].split()[0]) - int(fields["Refused"])
    assert unanswered == 120
    for command, options in (("unanswered", {"days": 30}), ("search", {"text": "chess open"})):
        embed = (await run(fake_discord, command, options)).embeds[0]
        lines = embed["description"].splitlines()
        shown = len(lines) - 1
        [left] = re.findall(r"\u2026 and (\d+) more", lines[-1])
        # The listing adds up with /querylog stats: shown + "and N more" is every one of them.
        assert shown + int(left) == (120 if command == "unanswered" else 118), (command, lines[-1])
        assert str(120 if command == "unanswered" else 118) in embed["title"]


async def test_the_stats_embed_and_its_chart_count_the_same_questions_while_the_bot_logs(
    fake_discord: FakeDiscord, bot: NewsdeskBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    querylog, where = channel_log(fake_discord, bot)
    charted: list[int] = []
    real = charts.chart_data

    def asked_meanwhile(*args: object, **kwargs: object) -> charts.ChartData:
        # A member's question is logged between the embed's figures and the chart's.
        querylog.record(QueryRecord("Asked while the moderator's stats were being read", True, **where))
        data = real(*args, **kwargs)  # type: ignore[arg-type]
        charted.append(data.questions)
        return data

    monkeypatch.setattr(charts, "chart_data", asked_meanwhile)
    embed = (await run(fake_discord, "stats", {"days": 7})).embeds[0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert charted == [int(fields["Questions"])]


async def test_stats_top_questions_are_whole_lines_and_the_rest_are_counted(
    fake_discord: FakeDiscord, bot: NewsdeskBot
) -> None:
    querylog, where = channel_log(fake_discord, bot)
    topics = "harbour ferry bridge council budget tunnel election reservoir museum stadium".split()
    for n, topic in enumerate(topics):
        for _ in range(n + 2):  # each asked more often than the seeded ones
            querylog.record(QueryRecord(f"What did the regional {topic} committee decide about the long delayed plans for the {topic} this year?", True, **where))
    embed = (await run(fake_discord, "stats", {"days": 7})).embeds[0]
    lines = {f["name"]: f["value"] for f in embed["fields"]}["Top questions"].splitlines()
    # Each line a whole question with its figures, never one cut off mid-way...
    assert all(line.endswith("answered)") for line in lines[:-1]), lines
    # ...and the last says how many of the ten top questions did not fit.
    assert lines[-1] == f"\u2026 and {10 - (len(lines) - 1)} more", lines[-1]
