"""The real newsdesk bot while its world changes and Discord has trouble (through the stand-in).

Threads and forum posts it has not cached, permission changes announced by CHANNEL_UPDATE and
GUILD_ROLE_UPDATE, Discord's 5xx answers, members whose DMs are closed (50007), and Discord's
limit of 5 messages per 5 s in a channel.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.client import NewsdeskBot
from tests.bot.test_discord_rules import (  # noqa: F401  (archive, newsdesk: pytest fixtures)
    QUESTION, _answer_shown, _channel_denying_the_bot, archive, newsdesk,
)
from tests.discord_standin import FakeChannel, FakeDiscord, Perm
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.discord_standin.models import ChannelType

MESSAGES = "POST /channels/{channel_id}/messages"
FOLLOWUP = "POST /webhooks/{application_id}/{token}"


def _logged(tmp_path: Path) -> list[dict]:
    return list(Database(tmp_path / "log.db")["queries"].rows)


async def _mention(fake: FakeDiscord, channel: FakeChannel, question: str = QUESTION) -> dict:
    return await fake.send_message(f"<@{fake.bot_user.id}> {question}", channel=channel)


# -- threads and forum posts ---------------------------------------------------------------


@pytest.fixture
def forum(fake_discord: FakeDiscord) -> FakeChannel:
    return fake_discord.guild.add_channel("ideas", type=ChannelType.GUILD_FORUM)


async def test_a_mention_in_a_forum_post_is_answered_in_the_post(
    fake_discord: FakeDiscord, forum: FakeChannel, newsdesk: NewsdeskBot
) -> None:
    fake = fake_discord
    post = fake.guild.add_thread("What about the militias?", forum, owner=fake.member)
    await fake.announce_channel(post, created=True)
    question = await _mention(fake, post)
    reply = await fake.wait_for_message(lambda m: m.channel_id == post.id, timeout=60)
    assert int(reply.reference["message_id"]) == int(question["id"])
    assert _answer_shown(reply) and reply.embeds
    fake.assert_no_violations()
    fake.assert_nothing_pings()


async def test_threads_and_forum_posts_the_bot_has_not_cached_get_the_whole_answer(
    fake_discord: FakeDiscord, newsdesk: NewsdeskBot
) -> None:
    # Made after the bot connected, with no event: discord.py knows neither the threads nor
    # (for the post) its forum; the bot fetches them to read its permissions.
    fake = fake_discord
    thread = fake.guild.add_thread("late thread", fake.channel, owner=fake.member)
    post = fake.guild.add_thread("late post", fake.guild.add_channel("late-forum", type=ChannelType.GUILD_FORUM))
    for channel in (thread, post):
        question = await _mention(fake, channel)
        reply = await fake.wait_for_message(lambda m, c=channel: m.channel_id == c.id, timeout=60)
        assert int(reply.reference["message_id"]) == int(question["id"])
        assert _answer_shown(reply) and reply.embeds
    fake.assert_no_violations()


async def test_ask_in_a_forum_post_is_answered_there(
    fake_discord: FakeDiscord, forum: FakeChannel, newsdesk: NewsdeskBot
) -> None:
    fake = fake_discord
    post = fake.guild.add_thread("a post", forum, owner=fake.member)
    interaction = await fake.send_interaction("ask", {"question": QUESTION}, channel=post)
    answer = await fake.wait_for_interaction_message(interaction, timeout=60)
    assert _answer_shown(answer) and not answer.ephemeral
    fake.assert_no_violations()


# -- permission changes announced while the bot runs --------------------------------------


@pytest.fixture
def news_room(fake_discord: FakeDiscord) -> FakeChannel:
    return fake_discord.guild.add_channel("news-room")  # cached: it exists when the bot connects


async def test_a_channel_closed_to_the_bot_meanwhile_is_known_from_channel_update(
    fake_discord: FakeDiscord, news_room: FakeChannel, newsdesk: NewsdeskBot, tmp_path: Path
) -> None:
    fake = fake_discord
    news_room.overwrite(fake.guild.role(fake.bot_user.username), deny=Perm.SEND_MESSAGES)
    await fake.announce_channel(news_room)
    await fake.wait_for(lambda: not news_room_perms(newsdesk, news_room).send_messages, what="the update applied")
    await _mention(fake, news_room)
    told = await fake.wait_for_message(lambda m: m.channel_id == fake.dm_channel(fake.member).id, timeout=60)
    assert f"<#{news_room.id}>" in told.content and "Send Messages" in told.content
    assert not [v for v in fake.violations if str(news_room.id) in (v.request.path if v.request else "")]
    assert _logged(tmp_path) == []  # nothing searched: nobody could see an answer
    fake.assert_nothing_pings()


def news_room_perms(bot: NewsdeskBot, channel: FakeChannel):  # type: ignore[no-untyped-def]
    cached = bot.get_channel(channel.id)
    return cached.permissions_for(cached.guild.me)  # type: ignore[union-attr]


async def test_a_role_that_loses_embed_links_is_known_from_guild_role_update(
    fake_discord: FakeDiscord, news_room: FakeChannel, newsdesk: NewsdeskBot
) -> None:
    fake = fake_discord
    for role in (fake.guild.everyone, fake.guild.role(fake.bot_user.username)):  # Embed Links off in the server
        role.permissions &= ~Perm.EMBED_LINKS
        await fake.announce_role(fake.guild, role)
    await fake.wait_for(lambda: not news_room_perms(newsdesk, news_room).embed_links, what="the update applied")
    await _mention(fake, news_room)
    reply = await fake.wait_for_message(lambda m: m.channel_id == news_room.id, timeout=60)
    assert _answer_shown(reply) and not reply.embeds  # plain text, not an embed Discord refuses
    fake.assert_no_violations()


# -- Discord's trouble ---------------------------------------------------------------------


async def test_a_mention_is_answered_once_after_a_502(
    fake_discord: FakeDiscord, news_room: FakeChannel, newsdesk: NewsdeskBot, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.fail_route(MESSAGES, status=502)  # discord.py tries again after a second
    await _mention(fake, news_room)
    await fake.wait_for_message(lambda m: m.channel_id == news_room.id, timeout=60)
    assert len(fake.outage_answers) == 1
    assert len([m for m in fake.messages if m.channel_id == news_room.id]) == 1
    assert [row["answered"] for row in _logged(tmp_path)] == [1]
    fake.assert_no_violations()


async def test_an_answer_lost_to_a_503_leaves_the_log_and_the_bot_goes_on(
    fake_discord: FakeDiscord, news_room: FakeChannel, newsdesk: NewsdeskBot, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_discord
    fake.fail_route(MESSAGES, status=503, times=2)  # the answer, then the apology
    await _mention(fake, news_room)
    await fake.wait_for(lambda: len(fake.outage_answers) == 2, timeout=60, what="the answer and the apology tried")
    await fake.wait_for(lambda: any("could not send the apology" in r.getMessage() for r in caplog.records),
                        timeout=60, what="the bot giving up")
    assert _logged(tmp_path) == []  # nobody saw it
    await _mention(fake, news_room)  # Discord is back
    reply = await fake.wait_for_message(lambda m: m.channel_id == news_room.id, timeout=60)
    assert _answer_shown(reply)
    assert [row["answered"] for row in _logged(tmp_path)] == [1]


async def test_ask_is_answered_once_after_discord_fails_the_answer_once(
    fake_discord: FakeDiscord, newsdesk: NewsdeskBot, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.fail_route(FOLLOWUP, status=503)  # discord.py tries a webhook again after any 5xx
    interaction = await fake.send_interaction("ask", {"question": QUESTION})
    answer = await fake.wait_for_interaction_message(interaction, timeout=60)
    assert _answer_shown(answer) and not answer.ephemeral and len(fake.outage_answers) == 1
    assert [m.kind for m in fake.messages] == ["followup"]
    assert [row["answered"] for row in _logged(tmp_path)] == [1]
    fake.assert_no_violations()


async def test_ask_whose_answer_discord_refuses_gets_a_private_apology_and_leaves_the_log(
    fake_discord: FakeDiscord, newsdesk: NewsdeskBot, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.fail_route(FOLLOWUP, status=401, code=50027)  # Invalid Webhook Token: the public answer is refused
    await fake.send_interaction("ask", {"question": QUESTION})
    sorry = await fake.wait_for_message(lambda m: m.kind == "followup" and m.ephemeral, timeout=60)
    assert "Sorry" in sorry.content and len(fake.outage_answers) == 1
    assert len(fake.deleted_messages) == 1  # the public "thinking…" message is gone
    assert _logged(tmp_path) == []  # nobody was shown the answer
    fake.assert_nothing_pings()


async def test_a_member_whose_dms_are_closed_is_not_told_and_nothing_breaks(
    fake_discord: FakeDiscord, newsdesk: NewsdeskBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_discord
    closed = _channel_denying_the_bot(fake, "read-only", Perm.SEND_MESSAGES)
    fake.close_dms(fake.member)
    caplog.set_level(logging.INFO)
    await _mention(fake, closed)
    dm_path = f"/channels/{fake.dm_channel(fake.member).id}/messages"
    await fake.wait_for(lambda: any(r.path == dm_path and r.status == 403 for r in fake.requests),
                        timeout=60, what="the DM refused")
    refused = next(r for r in fake.requests if r.path == dm_path)
    assert refused.response["code"] == 50007
    await fake.wait_for(lambda: any("could not tell member" in r.getMessage() for r in caplog.records),
                        timeout=60, what="the bot noting it")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert _logged(tmp_path) == [] and not [m for m in fake.messages if m.channel_id in (closed.id,)]
    await _mention(fake, fake.channel)  # the bot goes on
    assert _answer_shown(await fake.wait_for_message(lambda m: m.channel_id == fake.channel.id, timeout=60))


async def test_seven_mentions_in_one_channel_under_discords_5_per_5_s_are_all_answered_once(
    fake_discord: FakeDiscord, news_room: FakeChannel, newsdesk: NewsdeskBot, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.set_rate_limit(MESSAGES, 5, per=5)  # Discord's limit for messages in one channel
    questions = [await _mention(fake, news_room) for _ in range(7)]
    await fake.wait_for(lambda: len([m for m in fake.messages if m.channel_id == news_room.id]) >= 7,
                        timeout=60, what="seven answers")
    answers = [m for m in fake.messages if m.channel_id == news_room.id]
    assert sorted(int(m.reference["message_id"]) for m in answers) == sorted(int(q["id"]) for q in questions)
    assert all(_answer_shown(m) for m in answers)
    assert len(_logged(tmp_path)) == 7
    fake.assert_no_violations()
