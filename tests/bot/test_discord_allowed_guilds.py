"""``NEWSDESK_GUILDS`` gates everything from a server outside it, not only slash commands.

The bot leaves such a server, but while it is still there (the leave failed, or the list was
set after it had served that server) a mention there gets no reply and is not logged, and a
button under an old answer there gets one private line and does nothing. DMs still work.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlite_utils import Database

from bot.querylog import QueryLog
from retrieval.archive import Archive
from tests.bot.cogs.test_querylog_servers import started
from tests.bot.test_discord_bot import archive, button_ids, log_path  # noqa: F401
from tests.discord_standin import FakeChannel, FakeDiscord, FakeGuild, FakeUser
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

EPHEMERAL = 1 << 6
QUESTION = "What did the storm do in Lumen Bay?"


def questions(path: Path) -> list[str]:
    return [row["question"] for row in Database(path)["queries"].rows]


def unlisted_server(fake: FakeDiscord) -> tuple[FakeUser, FakeGuild, FakeChannel]:
    """A server the bot is in but NEWSDESK_GUILDS leaves out, whose leave fails (so the bot stays
    there): its owner, the server, and its newsroom channel."""
    rival = fake.add_user("rival")
    stranger = fake.add_guild("Strangers", owner=rival)
    newsroom = stranger.add_channel("newsroom")
    fake.refuse_leave.add(stranger.id)
    return rival, stranger, newsroom


async def test_mentions_and_buttons_in_a_server_outside_the_list_are_not_answered(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    rival, _, newsroom = unlisted_server(fake)
    querylog = QueryLog.open(log_path)
    # Before NEWSDESK_GUILDS was set, the bot answered there: that answer keeps its buttons.
    async with started(fake, archive, querylog):
        interaction = await fake.send_interaction("ask", {"question": QUESTION}, user=rival, channel=newsroom)
        old_answer = await fake.wait_for_interaction_message(interaction, timeout=60)
    async with started(fake, archive, querylog, guilds=(fake.guild.id,)):
        await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}", author=rival, channel=newsroom)
        up = next(i for i in button_ids(old_answer) if i.endswith(":up"))
        press = await fake.wait_for_interaction_message(await fake.click_button(old_answer, up, user=rival), timeout=60)
        assert press.ephemeral and "\n" not in press.content and "NEWSDESK_GUILDS" not in press.content
        assert "not serve this server" in press.content and not press.components
        # A question in a listed server, asked after, is answered: the first was seen and dropped.
        allowed = await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}")
        await fake.wait_for_message(lambda m: m.reference is not None and int(m.reference["message_id"]) == int(allowed["id"]), timeout=60)
        await asyncio.sleep(0.2)
        public = [m for m in fake.channel_history(newsroom) if not int(m.get("flags") or 0) & EPHEMERAL]
        assert [int(m["author"]["id"]) for m in public].count(fake.bot_user.id) == 1  # only the old answer
        assert questions(log_path) == [QUESTION, QUESTION]  # the old one and the listed server's
        assert not list(Database(log_path)["feedback"].rows)
        assert fake.left_guilds == []  # the leave was refused: the bot is still there
        fake.assert_no_violations()


async def test_a_dm_from_a_member_of_another_server_is_still_answered(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    rival = fake.add_user("rival")
    fake.add_guild("Strangers", owner=rival)
    async with started(fake, archive, QueryLog.open(log_path), guilds=(fake.guild.id,)):
        sent = await fake.send_message(QUESTION, author=rival, channel=fake.dm_channel(rival))
        await fake.wait_for_message(lambda m: m.reference is not None and int(m.reference["message_id"]) == int(sent["id"]), timeout=60)
        assert questions(log_path) == [QUESTION]


async def test_a_command_in_a_server_outside_the_list_gets_one_private_line_and_does_nothing(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    from bot.checks import NOT_SERVED_COMMAND

    fake = fake_discord
    rival, stranger, newsroom = unlisted_server(fake)
    async with started(fake, archive, QueryLog.open(log_path), guilds=(fake.guild.id,)):
        await fake.wait_for(lambda: stranger.id in fake.refuse_leave and any(
            r.method == "DELETE" and str(stranger.id) in r.path for r in fake.requests), what="the leave tried")
        interaction = await fake.send_interaction("ask", {"question": QUESTION}, user=rival, channel=newsroom)
        reply = await fake.wait_for_interaction_message(interaction)
        assert reply.ephemeral and reply.content == NOT_SERVED_COMMAND  # acknowledged: no "did not respond"
        assert [c.type for c in interaction.callbacks] == [4]
        assert questions(log_path) == []
        fake.assert_no_violations()
