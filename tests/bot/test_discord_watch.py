"""/watch end to end through the stand-in: a watched question is answered by an article that
arrives (a feed on 127.0.0.1, or a file the live archive picks up) and posted once, where its
owner chose, with no ping; never again, also after a restart; another server can neither see
nor stop it; a DM Discord refuses (50007) and a watch that posts too often are paused."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.client import NewsdeskBot
from bot.desk import Desk, load_archive
from bot.querylog import QueryLog
from bot.settings import Settings
from tests.discord_standin import FakeDiscord, FakeInteraction
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.discord_standin.recording import SentMessage
from tests.local_web import serve
from tests.paths import FIXTURE_CORPUS, HTML_DIR, ROOT

PIER = "Why was the Harbour Town pier closed?"
PIER_TITLE = "Harbour Town council votes to rebuild the old pier"
STORM = "What did the storm do in Lumen Bay?"
LATE_STORM = ("harbour-wire-2021-03-02-ferries-return-to-corvo", "harbour-wire-2021-03-15-storm-damage-counted")
EMPTY_FEED = b'<rss version="2.0"><channel><title>Ledger</title></channel></rss>'


def _settings(fake: FakeDiscord, corpus: Path, db: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {"discord_token": fake.token, "cooldown_seconds": 0, "watch_seconds": 0,
                              "fetch_private": True, **changes}
    return dataclasses.replace(Settings(corpus_dir=corpus, db_path=db, semantic=False, index_path=db.parent / "index"), **values)


class Running:
    """The bot against the stand-in, published in every server, started and stopped at will (a restart)."""

    def __init__(self, fake: FakeDiscord, settings: Settings) -> None:
        self.fake, self.settings = fake, settings
        self.bot: NewsdeskBot | None = None
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> NewsdeskBot:
        desk = Desk(load_archive(self.settings.corpus_dir, semantic=False), QueryLog.open(self.settings.db_path))
        bot = NewsdeskBot(desk=desk, settings=self.settings, **self.fake.client_kwargs())
        fake = self.fake

        async def setup_hook() -> None:
            await NewsdeskBot.setup_hook(bot)
            for guild in list(fake.guilds.values()):
                bot.tree.copy_global_to(guild=discord.Object(guild.id))
                await bot.tree.sync(guild=discord.Object(guild.id))

        bot.setup_hook = setup_hook  # type: ignore[method-assign]
        self.bot, self.task = bot, asyncio.create_task(bot.start(fake.token))
        await asyncio.wait_for(bot.wait_until_ready(), 60)
        return bot

    async def stop(self) -> None:
        if self.bot is not None and self.task is not None:
            await self.bot.close()
            await asyncio.gather(self.task, return_exceptions=True)
        self.bot = None

    async def command(self, name: str, options: dict[str, Any] | None = None, **where: Any) -> SentMessage:
        interaction: FakeInteraction = await self.fake.send_interaction(f"watch {name}", options or {}, **where)
        return await self.fake.wait_for_interaction_message(interaction, timeout=60)



@pytest.fixture
async def running(fake_discord: FakeDiscord) -> AsyncIterator[Callable[[Settings], Running]]:
    made: list[Running] = []

    def make(settings: Settings) -> Running:
        made.append(Running(fake_discord, settings))
        return made[-1]

    yield make
    for each in made:
        await each.stop()


def _posts(fake: FakeDiscord, channel_id: int) -> list[SentMessage]:
    return [m for m in fake.messages if m.kind == "channel" and m.channel_id == channel_id]


def _fixture_corpus_without(tmp_path: Path, *later: str) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    for article_id in later:
        (corpus / f"{article_id}.md").rename(tmp_path / f"{article_id}.md")
    return corpus


async def test_a_feed_brings_an_answer_posted_once_in_the_channel_without_a_ping_not_again_after_a_restart(
    fake_discord: FakeDiscord, running: Callable[[Settings], Running], tmp_path: Path
) -> None:
    fake = fake_discord
    rival = fake.add_user("rival")
    other = fake.add_guild("Other Newsroom", owner=rival)
    elsewhere = other.add_channel("newsroom")
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
    with serve() as web:
        page = web.add("/pier", (HTML_DIR / "article.html").read_bytes())
        feed = web.add("/rss", EMPTY_FEED, Content_Type="application/rss+xml")
        bot = running(_settings(fake, corpus, tmp_path / "log.db", feeds=(feed,), feed_minutes=0.01))
        await bot.start()
        added = await bot.command("add", {"question": PIER})
        assert added.ephemeral and "Watching #1" in added.content and "Nothing answers it yet" in added.content

        rss = f'<rss version="2.0"><channel><title>Ledger</title><item><title>Pier</title><link>{page}</link></item></channel></rss>'
        web.add("/rss", rss.encode(), Content_Type="application/rss+xml")  # the next poll brings the article
        post = await fake.wait_for_message(lambda m: m.kind == "channel" and m.channel_id == fake.channel.id, timeout=90)
        embed = post.embeds[0]
        assert PIER_TITLE in embed["description"] and "Watch #1" in embed["footer"]["text"]
        assert post.allowed_mentions == {"parse": []} and not post.pings and not post.ephemeral

        # Another server neither sees nor stops it.
        listed = await bot.command("list", user=rival, channel=elsewhere)
        assert PIER not in str(listed.embeds) and "No watches here" in str(listed.embeds)
        refused = await bot.command("stop", {"number": 1}, user=rival, channel=elsewhere)
        assert "no watch #1 of yours in this server" in refused.content
        mine = await bot.command("list")
        assert PIER in mine.embeds[0]["description"] and "\u25b6" in mine.embeds[0]["description"]

        await bot.stop()  # a restart: the article arrives again (a feed re-publishes it, a copy is changed)
        restarted = await bot.start()
        article_id = next(a.id for a in restarted.desk.archive.articles if a.title == PIER_TITLE)
        await restarted.arrivals.fire([article_id])
        assert len(_posts(fake, fake.channel.id)) == 1, "posted once, never again"
    fake.assert_no_violations()
    fake.assert_nothing_pings()


async def test_by_dm_it_reaches_the_member_and_a_closed_dm_pauses_the_watch(
    fake_discord: FakeDiscord, running: Callable[[Settings], Running], tmp_path: Path
) -> None:
    fake = fake_discord
    bob = fake.add_user("bob")
    fake.guild.add_member(bob)
    fake.close_dms(bob)  # Bob does not accept DMs from this server's members
    corpus = _fixture_corpus_without(tmp_path, *LATE_STORM)
    bot = running(_settings(fake, corpus, tmp_path / "log.db", watch_seconds=0.1))  # the bot follows the folder
    await bot.start()
    assert "by DM" in (await bot.command("add", {"question": STORM, "deliver": "dm"})).content
    assert "by DM" in (await bot.command("add", {"question": STORM, "deliver": "dm"}, user=bob)).content

    for article_id in LATE_STORM:
        (tmp_path / f"{article_id}.md").rename(corpus / f"{article_id}.md")  # copied in: the next look fires the hook
    alice_dm = fake.dm_channel(fake.member).id
    await fake.wait_for(lambda: len(_posts(fake, alice_dm)) == 2, timeout=60, what="two DMs to Alice")
    assert all(not m.pings and m.allowed_mentions == {"parse": []} for m in _posts(fake, alice_dm))
    assert _posts(fake, fake.dm_channel(bob).id) == []
    desk = bot.bot.desk  # type: ignore[union-attr]
    await fake.wait_for(lambda: any(w.paused_at for w in desk.watches(guild_id=fake.guild.id)), timeout=60, what="a pause")
    listed = await bot.command("list", user=bob)
    line = listed.embeds[0]["description"]
    assert "\u23f8" in line and "DM" in line, "Bob's watch is paused, and says why"
    assert bot.bot is not None and not bot.task.done()  # type: ignore[union-attr]
    resumed = await bot.command("resume", {"number": 2}, user=bob)
    assert "running again" in resumed.content
    fake.assert_no_violations()


async def test_a_watch_that_posts_too_often_is_paused_with_a_message_then_resumed_by_adding_it_again(
    fake_discord: FakeDiscord, running: Callable[[Settings], Running], tmp_path: Path
) -> None:
    fake = fake_discord
    corpus = _fixture_corpus_without(tmp_path, *LATE_STORM)
    bot = running(_settings(fake, corpus, tmp_path / "log.db", watch_posts_per_day=1, watch_seconds=0.1))
    await bot.start()
    await bot.command("add", {"question": STORM})
    for article_id in LATE_STORM:
        (tmp_path / f"{article_id}.md").rename(corpus / f"{article_id}.md")  # copied in: the next look fires the hook
    await fake.wait_for(lambda: len(_posts(fake, fake.channel.id)) == 2, timeout=60, what="a post and the pause notice")
    post, notice = _posts(fake, fake.channel.id)
    assert post.embeds and "Watch #1" in post.embeds[0]["footer"]["text"]
    assert "is paused" in notice.content and "/watch resume 1" in notice.content and not notice.pings
    listed = await bot.command("list")
    assert "\u23f8" in listed.embeds[0]["description"] and "24 hours" in listed.embeds[0]["description"]
    again = await bot.command("add", {"question": STORM})
    assert "Watch #1" in again.content and "running again" in again.content
    fake.assert_no_violations()


async def test_a_hostile_question_is_quoted_literally_within_discords_limits(
    fake_discord: FakeDiscord, running: Callable[[Settings], Running], tmp_path: Path
) -> None:
    fake = fake_discord
    corpus = _fixture_corpus_without(tmp_path)
    bot = running(_settings(fake, corpus, tmp_path / "log.db"))
    await bot.start()
    hostile = "@everyone **storm** <@" + str(fake.owner.id) + "> `Lumen Bay` " + "damage " * 140 + "?"
    added = await bot.command("add", {"question": hostile[:1000]})
    listed = await bot.command("list")
    for shown in (added.content, listed.embeds[0]["description"]):
        assert "@everyone" not in shown and "@\u200beveryone" in shown  # never a mention
        assert "\\*\\*storm\\*\\*" in shown and "\\`Lumen Bay\\`" in shown  # markdown stays literal
    assert len(added.content) <= 2000 and "Watching #1" in added.content
    fake.assert_no_violations()
    fake.assert_nothing_pings()
