"""Late answers end to end through the stand-in: a question the archive could not answer is
answered once, late, when a feed brings an article that answers it (issue 25)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.client import NewsdeskBot
from bot.desk import Desk, load_archive
from bot.querylog import QueryLog, open_database
from bot.querylog.retention import forget_user
from bot.settings import Settings
from retrieval.library import FetchBusy
from tests.bot.running import running_bot
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.local_web import LocalWeb, serve
from tests.paths import HTML_DIR, ROOT

PIER_QUESTION = "Why was the Harbour Town pier closed?"
PIER_URL = "https://ledger.example.org/news/2024/03/05/pier-rebuild"
EMPTY_FEED = '<rss version="2.0"><channel><title>L</title></channel></rss>'


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serve() as server:
        yield server


def settings_for(fake: FakeDiscord, tmp_path: Path, feed: str, user_ids: str = "plain") -> Settings:
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
    return Settings(
        corpus_dir=corpus, db_path=tmp_path / "log.db", discord_token=fake.token, guild_id=fake.guild.id,
        cooldown_seconds=0, semantic=False, watch_seconds=0, feeds=(feed,), feed_minutes=24 * 60,
        fetch_private_hosts=(feed.removeprefix("http://").split("/")[0],), log_user_ids=user_ids,  # the test site
    )


def desk_for(settings: Settings) -> Desk:
    return Desk(load_archive(settings.corpus_dir, semantic=False), QueryLog.open(settings.db_path, user_ids=settings.log_user_ids))


def late_messages(fake: FakeDiscord) -> list:
    return [m for m in fake.messages if m.kind == "channel" and "Late answer" in m.content]


def rows(settings: Settings, table: str) -> list[dict]:
    return list(Database(settings.db_path)[table].rows)


async def ask(fake: FakeDiscord, user=None):
    interaction = await fake.send_interaction("ask", {"question": PIER_QUESTION}, user=user)
    return await fake.wait_for_interaction_message(interaction, timeout=60)


async def poll(bot: NewsdeskBot) -> None:
    """A feed poll now, as the bot runs one every NEWSDESK_FEED_MINUTES (its own first poll, at
    start, may be the one that finds the new entry: then this one finds nothing new)."""
    assert await poll_once(bot) in (0, 1)


async def poll_once(bot: NewsdeskBot) -> int:
    """A poll now; while the bot's own first poll (at start) is still under way, once it is done."""
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        try:
            return await bot.get_cog("ArchiveCog").live.poll_once()
        except FetchBusy:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)


async def _fired(bot: NewsdeskBot, before: int) -> None:
    while bot.arrivals.fired == before:
        await asyncio.sleep(0.02)


async def test_a_refused_question_is_answered_once_when_a_feed_brings_its_answer(
    fake_discord: FakeDiscord, web: LocalWeb, tmp_path: Path
) -> None:
    fake = fake_discord
    page = web.add("/pier", (HTML_DIR / "article.html").read_bytes())
    feed = web.add("/rss", EMPTY_FEED.encode(), Content_Type="application/rss+xml")
    settings = settings_for(fake, tmp_path, feed)
    bob, carol = fake.add_user("bob"), fake.add_user("carol")
    for user in (bob, carol):
        fake.guild.add_member(user)
    async with running_bot(fake, desk_for(settings), settings) as bot:
        refused = await ask(fake)  # alice
        assert not refused.ephemeral and "Late answer" not in refused.content
        assert [r["answered"] for r in rows(settings, "queries")] == [0]  # refused: the archive has no answer
        pinged = await fake.wait_for_interaction_message(
            await fake.send_interaction("lateanswers", {"me": "ping"}, user=bob), timeout=60)
        assert pinged.ephemeral and "with a ping" in pinged.content
        by_bob = await fake.send_message(f"<@{fake.bot_user.id}> {PIER_QUESTION}", author=bob)
        await fake.wait_for_message(lambda m: (m.reference or {}).get("message_id") == by_bob["id"], timeout=60)
        await ask(fake, user=carol)
        db = open_database(settings.db_path)
        assert forget_user(db, bot.desk.querylog, carol.id).queries == 1  # carol asked the log to forget her
        db.close()
        assert len(rows(settings, "late_wait")) == 2

        rss = f'<rss version="2.0"><channel><title>L</title><item><title>Pier</title><link>{page}</link></item></channel></rss>'
        web.add("/rss", rss.encode(), Content_Type="application/rss+xml")
        await poll(bot)

        late = await fake.wait_for(lambda: len(late_messages(fake)) == 2 and late_messages(fake), timeout=60)
        to_alice = next(m for m in late if m.reference and m.reference["message_id"] == str(refused.message_id))
        to_bob = next(m for m in late if m.reference and m.reference["message_id"] == by_bob["id"])
        for message in (to_alice, to_bob):
            assert message.channel_id == fake.channel.id and not message.ephemeral
            assert PIER_URL in str(message.embeds[0]) and message.embeds[0]["title"].startswith("Why was the Harbour")
        assert to_alice.pings == []  # no ping unless asked for
        assert to_bob.pings == [f"user:{bob.id}"]
        assert not any(str(carol.id) in m.content for m in fake.messages)
        answers = {r["query_id"]: r for r in rows(settings, "late_answers")}
        asked = {r["id"]: r for r in rows(settings, "queries")}
        assert len(answers) == 2
        # How each went is recorded once it is sent (after the message, in a worker thread).
        await fake.wait_for(lambda: [r["delivered"] for r in rows(settings, "late_answers")] == ["reply", "reply"], timeout=60)
        assert {asked[q]["user_id"] for q in answers} == {str(fake.member.id), str(bob.id)}
        assert all(r["article_id"].startswith("coastal-ledger-2024-03-05") for r in answers.values())
        assert rows(settings, "late_wait") == []

        assert await poll_once(bot) == 0  # the same feed again: nothing new
    assert len(late_messages(fake)) == 2

    # After a restart, the article arriving again (rewritten) answers nobody twice.
    async with running_bot(fake, desk_for(settings), settings) as bot:
        assert await poll_once(bot) == 0  # the feed's entry is known: nothing new (and the folder is looked at)
        article = next(settings.corpus_dir.glob("coastal-ledger-2024-03-05*.md"))
        article.write_text(article.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        fired = bot.arrivals.fired
        live = bot.get_cog("ArchiveCog").live
        assert await live.check()
        await asyncio.wait_for(_fired(bot, fired), 60)
    assert len(late_messages(fake)) == 2
    fake.assert_no_violations()


async def test_a_member_who_turned_late_answers_off_and_a_deleted_question(
    fake_discord: FakeDiscord, web: LocalWeb, tmp_path: Path
) -> None:
    fake = fake_discord
    page = web.add("/pier", (HTML_DIR / "article.html").read_bytes())
    feed = web.add("/rss", EMPTY_FEED.encode(), Content_Type="application/rss+xml")
    settings = settings_for(fake, tmp_path, feed, user_ids="none")
    bob = fake.add_user("bob")
    fake.guild.add_member(bob)
    async with running_bot(fake, desk_for(settings), settings) as bot:
        off = await fake.wait_for_interaction_message(
            await fake.send_interaction("lateanswers", {"me": "off"}, user=bob), timeout=60)
        assert "**off** for you" in off.content
        await ask(fake, user=bob)
        by_alice = await fake.send_message(f"<@{fake.bot_user.id}> {PIER_QUESTION}")
        await fake.wait_for_message(lambda m: (m.reference or {}).get("message_id") == by_alice["id"], timeout=60)
        await fake.delete_message(by_alice)  # the question is gone (its answer too): a plain message names it
        waiting = rows(settings, "late_wait")
        assert len(waiting) == 1 and waiting[0]["notify"] is None and str(fake.member.id) not in str(waiting[0])

        rss = f'<rss version="2.0"><channel><title>L</title><item><title>Pier</title><link>{page}</link></item></channel></rss>'
        web.add("/rss", rss.encode(), Content_Type="application/rss+xml")
        await poll(bot)
        late = await fake.wait_for(lambda: late_messages(fake), timeout=60)
        await fake.wait_for(lambda: [r["delivered"] for r in rows(settings, "late_answers")] == ["message"], timeout=60)
    assert len(late) == 1 and late[0].reference is None and PIER_QUESTION in late[0].content
    assert late[0].pings == []
    fake.assert_no_violations()
