"""/querylog in Discord: moderators review the log privately; nobody else can."""

from __future__ import annotations

import csv
import dataclasses
import io
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot import charts
from bot.client import NewsdeskBot
from bot.desk import Desk
from bot.querylog import QueryLog, QueryRecord
from bot.settings import Settings
from retrieval.archive import Archive
from retrieval.store import load_or_build
from tests.bot.running import running_bot
from tests.discord_standin import FakeDiscord, Perm
from tests.discord_standin.interactions import NotDeliverable
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def archive() -> Archive:
    return load_or_build(ROOT / "corpus")


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
    return await fake.wait_for_interaction_message(interaction, timeout=10)


async def test_commands_are_synced_with_descriptions(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    group = fake_discord.find_command("querylog", fake_discord.guild.id)
    subcommands = {o["name"]: o for o in group["options"]}
    assert set(subcommands) == {"recent", "search", "unanswered", "stats", "export"}
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
