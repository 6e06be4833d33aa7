"""Which messages ask the bot, how their question reads, and what the replies never do.

The real bot against the Discord stand-in, which derives mentions from the text and adds the
replied-to author to a reply's mentions (Discord's reply ping), as Discord does.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.client import NewsdeskBot
from tests.bot.test_discord_bot import archive, ask, log_path, make_settings, rows, running, start_bot  # noqa: F401
from tests.discord_standin import FakeDiscord, SentMessage
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

SUPPRESS_EMBEDS = 1 << 2
# discord.Intents: guilds, guild_messages, direct_messages, message_content
GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT = 1 << 0, 1 << 9, 1 << 12, 1 << 15


async def _reply_to(fake: FakeDiscord, sent: dict) -> SentMessage:
    return await fake.wait_for_message(
        lambda m: m.kind == "channel" and m.reference is not None and int(m.reference["message_id"]) == int(sent["id"]),
        timeout=10,
    )


async def _answer_message(fake: FakeDiscord) -> tuple[dict, SentMessage]:
    """A question by mention and the bot's answer to it."""
    sent = await fake.send_message(f"<@{fake.bot_user.id}> Where will the Lumen Bay fish market move?")
    return sent, await _reply_to(fake, sent)


async def test_a_reply_that_only_thanks_the_bot_gets_no_reply_and_is_not_logged(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    _, answer = await _answer_message(fake)
    thanks = await fake.send_message("thanks!", reply_to=answer.message)
    # A question sent after it is answered; by then the bot has long seen the thanks.
    follow_up = await fake.send_message(f"<@{fake.bot_user.id}> Who is Tomas Vell?")
    await _reply_to(fake, follow_up)
    assert not [m for m in fake.messages if m.reference and int(m.reference["message_id"]) == int(thanks["id"])]
    assert [r["question"] for r in rows(log_path)] == [
        "Where will the Lumen Bay fish market move?", "Who is Tomas Vell?"
    ]


async def test_a_reply_that_asks_a_question_is_answered(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    _, answer = await _answer_message(fake)
    for text in ("and why did engineers open the Orin dam spillway?", "Who is Tomas Vell"):
        sent = await fake.send_message(text, reply_to=answer.message)
        await _reply_to(fake, sent)
    assert [r["question"] for r in rows(log_path)][1:] == [
        "and why did engineers open the Orin dam spillway?", "Who is Tomas Vell"
    ]
    fake.assert_nothing_pings()


async def test_a_mention_of_the_bots_own_role_asks(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    role = fake.guild.role(fake.bot_user.username)
    sent = await fake.send_message(f"<@&{role.id}> Where will the Lumen Bay fish market move?")
    reply = await _reply_to(fake, sent)
    assert "old rope works" in reply.embeds[0]["description"]
    assert rows(log_path)[0]["question"] == "Where will the Lumen Bay fish market move?"
    # Another role's mention is not for the bot.
    await fake.send_message(f"<@&{fake.moderator_role.id}> can someone look at this?")
    await asyncio.sleep(0.3)
    assert len(rows(log_path)) == 1


async def test_mentions_inside_a_question_show_names_not_ids(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    sent = await fake.send_message(
        f"<@{fake.bot_user.id}> what did <@{fake.moderator.id}> post in <#{fake.channel.id}> about Corvo Island?"
    )
    reply = await _reply_to(fake, sent)
    question = rows(log_path)[0]["question"]
    member = fake.guild.members[fake.moderator.id]
    shown_as = member.nick or fake.moderator.global_name or fake.moderator.username  # as Discord shows them
    assert question == f"what did @{shown_as} post in #{fake.channel.name} about Corvo Island?"
    shown = reply.content + "".join(e.get("title", "") for e in reply.embeds)
    assert str(fake.moderator.id) not in shown
    fake.assert_nothing_pings()


async def test_links_a_member_typed_are_not_previewed_in_the_refusal(
    fake_discord: FakeDiscord, running: NewsdeskBot
) -> None:
    fake = fake_discord
    _, refusal = await ask(fake, "What is the weather in Oslo, see https://weather.example/oslo tomorrow?")
    assert "found nothing" in refusal.content and "weather.example" in refusal.content
    assert refusal.payload["flags"] & SUPPRESS_EMBEDS
    sent = await fake.send_message(f"<@{fake.bot_user.id}> weather in Oslo https://weather.example/oslo ?")
    reply = await _reply_to(fake, sent)
    assert "found nothing" in reply.content and reply.payload["flags"] & SUPPRESS_EMBEDS


async def test_the_bot_asks_only_for_the_intents_it_uses(fake_discord: FakeDiscord, running: NewsdeskBot) -> None:
    assert fake_discord.identify_payloads[-1]["intents"] == GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT


async def test_a_question_sent_in_a_dm_is_answered_there_and_logged_without_a_server(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    # Was: no reply at all (the bot did not ask Discord for DMs); a DM needs no mention.
    fake = fake_discord
    dm = fake.dm_channel(fake.member)
    sent = await fake.send_message("Where will the Lumen Bay fish market move?", channel=dm)
    reply = await _reply_to(fake, sent)
    assert reply.channel_id == dm.id and "old rope works" in reply.embeds[0]["description"]
    [row] = rows(log_path)
    assert row["guild_id"] is None and row["channel_id"] == str(dm.id)  # no server's /querylog lists it
    fake.assert_no_violations()


async def test_a_dm_that_asks_nothing_gets_a_hint_and_is_not_logged(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    sent = await fake.send_message("thanks!", channel=fake.dm_channel(fake.member))
    hint = await _reply_to(fake, sent)
    assert "`/ask`" in hint.content and "mention" not in hint.content and not hint.embeds
    assert rows(log_path) == []
