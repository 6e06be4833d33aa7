"""The real newsdesk bot under rules the Discord stand-in enforces like Discord does.

Rate limits (429 and retry), and the bot's own channel permissions. A test marked
``xfail(strict=True)`` names a bot bug the stand-in found: it turns into a failure
(XPASS) the moment the bot is fixed, so the marker must then go.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlite_utils import Database

from bot.client import NewsdeskBot
from bot.desk import Desk
from bot.querylog import QueryLog
from bot.settings import Settings
from retrieval.archive import Archive
from retrieval.store.saved import load_or_build
from tests.discord_standin import FakeDiscord, FakeChannel, Perm, SentMessage
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "What is al-Hashd al-Shaabi?"
ANSWER_TEXT = "Popular Mobilization Forces"  # in the bundled corpus's answer to QUESTION
SUPPRESS_EMBEDS = 1 << 2


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    return load_or_build(ROOT / "corpus", tmp_path_factory.mktemp("index"))  # not the checkout's corpus/.index


@pytest_asyncio.fixture
async def newsdesk(fake_discord: FakeDiscord, archive: Archive, tmp_path: Path) -> AsyncIterator[NewsdeskBot]:
    """The bot, started after the test's world changes (the stand-in sends no GUILD_UPDATE)."""
    fake = fake_discord
    settings = dataclasses.replace(Settings(discord_token=fake.token, guild_id=fake.guild.id), cooldown_seconds=0, results=3)
    bot = NewsdeskBot(desk=Desk(archive, QueryLog.open(tmp_path / "log.db")), settings=settings, **fake.client_kwargs())
    task = asyncio.create_task(bot.start(fake.token))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 60)
        yield bot
    finally:
        await bot.close()
        await asyncio.gather(task, return_exceptions=True)


def _answer_shown(message: SentMessage) -> bool:
    return ANSWER_TEXT in message.content + "".join(e.get("description") or "" for e in message.embeds)


async def test_mentions_are_answered_while_discord_rate_limits_the_bot(fake_discord: FakeDiscord, newsdesk: NewsdeskBot) -> None:
    fake = fake_discord
    fake.set_global_rate_limit(3, per=0.3)  # four mentions at once mean four "typing" calls and four replies
    for _ in range(4):
        await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}")
    await fake.wait_for(lambda: len([m for m in fake.messages if m.kind == "channel" and _answer_shown(m)]) == 4,
                        what="four answers")
    assert fake.rate_limited, "eight requests at once should trip a global limit of three"
    fake.assert_no_violations()
    fake.assert_nothing_pings()


def _channel_denying_the_bot(fake: FakeDiscord, name: str, permission: int) -> FakeChannel:
    channel = fake.guild.add_channel(name)
    channel.overwrite(fake.guild.role(fake.bot_user.username), deny=permission)
    return channel


@pytest.fixture
def channel_without_embed_links(fake_discord: FakeDiscord) -> FakeChannel:
    return _channel_denying_the_bot(fake_discord, "no-embeds", Perm.EMBED_LINKS)


async def test_a_mention_where_the_bot_may_not_embed_still_gets_the_answer(
    fake_discord: FakeDiscord, channel_without_embed_links: FakeChannel, newsdesk: NewsdeskBot
) -> None:
    fake = fake_discord
    question = await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}", channel=channel_without_embed_links)
    reply = await fake.wait_for_message(lambda m: m.kind == "channel" and m.reference is not None, timeout=60)
    assert int(reply.reference["message_id"]) == int(question["id"])
    assert _answer_shown(reply) and not reply.embeds  # plain text: Discord would refuse an embed here
    assert len(reply.content) <= 2000 and reply.content.startswith("**") and "**1.**" in reply.content
    assert reply.payload["flags"] & SUPPRESS_EMBEDS  # its article links show no previews either
    fake.assert_no_violations()
    fake.assert_nothing_pings()


@pytest.fixture
def channel_without_send_messages(fake_discord: FakeDiscord) -> FakeChannel:
    return _channel_denying_the_bot(fake_discord, "announcements", Perm.SEND_MESSAGES)


async def test_a_mention_where_the_bot_may_not_post_is_told_privately_how_to_ask(
    fake_discord: FakeDiscord, channel_without_send_messages: FakeChannel, newsdesk: NewsdeskBot, tmp_path: Path
) -> None:
    # Was: searched, logged as answered, and two refused posts (the answer, then the apology).
    fake = fake_discord
    await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}", channel=channel_without_send_messages)
    dm = fake.dm_channel(fake.member)
    told = await fake.wait_for_message(lambda m: m.channel_id == dm.id, timeout=60)
    assert f"<#{channel_without_send_messages.id}>" in told.content and "`/ask`" in told.content
    assert "Send Messages" in told.content and "\n" not in told.content
    assert not [m for m in fake.messages if m.channel_id == channel_without_send_messages.id]
    assert not list(Database(tmp_path / "log.db")["queries"].rows)  # nobody saw an answer
    fake.assert_no_violations()
    fake.assert_nothing_pings()


async def test_a_mention_in_a_channel_the_bot_has_not_cached_is_answered_there(
    fake_discord: FakeDiscord, newsdesk: NewsdeskBot
) -> None:
    # Made after the bot connected, with no event telling it: discord.py's PartialMessageable
    # says the bot has no permissions there, and the answer lost its embed; the bot fetches the channel.
    fake = fake_discord
    unseen = fake.guild.add_channel("made-meanwhile")
    question = await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}", channel=unseen)
    reply = await fake.wait_for_message(lambda m: m.reference is not None, timeout=60)
    assert int(reply.reference["message_id"]) == int(question["id"]) and _answer_shown(reply)
    assert reply.embeds and "**1.**" not in reply.content  # the answer's embed, not its plain-text form
    fake.assert_no_violations()


def _logged_questions(tmp_path: Path) -> list[dict]:
    return list(Database(tmp_path / "log.db")["queries"].rows)


@pytest.fixture
def channel_without_history(fake_discord: FakeDiscord) -> FakeChannel:
    return _channel_denying_the_bot(fake_discord, "no-history", Perm.READ_MESSAGE_HISTORY)


async def test_a_mention_where_the_bot_may_not_read_history_is_answered_with_a_plain_message(
    fake_discord: FakeDiscord, channel_without_history: FakeChannel, newsdesk: NewsdeskBot, tmp_path: Path
) -> None:
    # Was: a reply, which Discord refuses without Read Message History (403), then a refused
    # apology, and the question logged as answered.
    fake = fake_discord
    await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}", channel=channel_without_history)
    answer = await fake.wait_for_message(lambda m: m.channel_id == channel_without_history.id, timeout=60)
    assert answer.kind == "channel" and answer.reference is None and _answer_shown(answer)
    assert [row["answered"] for row in _logged_questions(tmp_path)] == [1]
    fake.assert_no_violations()
    fake.assert_nothing_pings()


def _refused_posts(fake: FakeDiscord, channel: FakeChannel) -> list[str]:
    return [v.detail for v in fake.violations if v.request is not None and str(channel.id) in v.request.path]


async def test_a_mention_in_an_uncached_channel_without_history_gets_a_plain_message_at_once(
    fake_discord: FakeDiscord, newsdesk: NewsdeskBot, tmp_path: Path
) -> None:
    # Made after the bot connected: its permissions are read from the fetched channel, so the
    # answer is a plain message from the start (was: a reply Discord refused, then the message).
    fake = fake_discord
    unseen = _channel_denying_the_bot(fake, "unseen-no-history", Perm.READ_MESSAGE_HISTORY)
    await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}", channel=unseen)
    answer = await fake.wait_for_message(lambda m: m.channel_id == unseen.id, timeout=60)
    assert answer.reference is None and _answer_shown(answer) and answer.embeds
    assert _refused_posts(fake, unseen) == []
    assert [row["answered"] for row in _logged_questions(tmp_path)] == [1]
    fake.assert_nothing_pings()


@pytest.fixture
def channel_closing_later(fake_discord: FakeDiscord) -> FakeChannel:
    return fake_discord.guild.add_channel("closing-later")  # made before the bot connects: cached


async def test_an_answer_discord_refuses_is_not_logged_as_answered(
    fake_discord: FakeDiscord, channel_closing_later: FakeChannel, newsdesk: NewsdeskBot, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Closed to the bot after it cached the channel, with no CHANNEL_UPDATE yet (a change a
    # moment ago): the reply and the plain message are both refused; no apology is tried (it
    # would be refused too), and the searched question leaves the log.
    fake = fake_discord
    closed = channel_closing_later
    closed.overwrite(fake.guild.role(fake.bot_user.username), deny=Perm.SEND_MESSAGES)
    question = await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}", channel=closed)
    await fake.wait_for(lambda: any(f"message {question['id']} not answered" in r.getMessage() for r in caplog.records),
                        timeout=60, what="the bot giving up")
    assert len(_refused_posts(fake, closed)) == 2  # the reply, then the plain message
    assert not [m for m in fake.messages if m.channel_id == closed.id]
    assert _logged_questions(tmp_path) == []
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.fixture
def threads(fake_discord: FakeDiscord) -> tuple[FakeChannel, FakeChannel]:
    """A thread the bot may post in, and one whose channel denies it Send Messages in Threads."""
    fake = fake_discord
    open_thread = fake.guild.add_thread("budget talk", fake.channel, owner=fake.member)
    closed_parent = _channel_denying_the_bot(fake, "threads-closed", Perm.SEND_MESSAGES_IN_THREADS)
    return open_thread, fake.guild.add_thread("closed talk", closed_parent, owner=fake.member)


async def test_mentions_in_threads(
    fake_discord: FakeDiscord, threads: tuple[FakeChannel, FakeChannel], newsdesk: NewsdeskBot, tmp_path: Path
) -> None:
    fake = fake_discord
    open_thread, closed_thread = threads
    question = await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}", channel=open_thread)
    reply = await fake.wait_for_message(lambda m: m.channel_id == open_thread.id, timeout=60)
    assert int(reply.reference["message_id"]) == int(question["id"]) and _answer_shown(reply)
    await fake.send_message(f"<@{fake.bot_user.id}> {QUESTION}", channel=closed_thread)
    dm = fake.dm_channel(fake.member)
    told = await fake.wait_for_message(lambda m: m.channel_id == dm.id, timeout=60)
    assert f"<#{closed_thread.id}>" in told.content and "Send Messages in Threads" in told.content
    assert not [m for m in fake.messages if m.channel_id == closed_thread.id]
    assert len(_logged_questions(tmp_path)) == 1
    fake.assert_no_violations()
    fake.assert_nothing_pings()
