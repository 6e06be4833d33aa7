"""Without the Message Content intent the bot starts a second client (slash-only); the first,
refused by Discord, must leave nothing running: one feed poll, one writer to the corpus."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import threading
from pathlib import Path

from bot.desk import Desk, load_archive
from bot.querylog import QueryLog
from bot.runner import run_bot
from bot.settings import Settings
from tests.discord_standin import FakeDiscord
from tests.local_web import serve
from tests.paths import HTML_DIR, ROOT

PIER_QUESTION = "Why was the Harbour Town pier closed?"  # answered by HTML_DIR/article.html only


async def test_after_the_intent_fallback_the_feeds_are_polled_by_one_client_only(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
    release = threading.Event()
    with serve() as web:
        page = web.add("/pier", (HTML_DIR / "article.html").read_bytes())
        rss = f'<rss version="2.0"><channel><title>L</title><item><title>Pier</title><link>{page}</link></item></channel></rss>'

        def held_feed() -> bytes:  # every poll waits here until the test has seen who polls
            release.wait(60)
            return rss.encode()

        feed = web.add("/rss", held_feed, Content_Type="application/rss+xml")
        desk = Desk(load_archive(corpus, semantic=False), QueryLog.open(tmp_path / "log.db"))
        async with FakeDiscord(privileged_intents=()) as fake:  # Message Content not enabled
            settings = dataclasses.replace(
                Settings(discord_token=fake.token, guild_id=fake.guild.id, corpus_dir=corpus, semantic=False),
                feeds=(feed,), fetch_private=True, watch_seconds=0,
            )
            task = asyncio.create_task(run_bot(settings, desk, fake.client_kwargs))
            try:
                await fake.wait_until_ready()  # the second client, after 4014 closed the first
                await fake.wait_for(lambda: "/rss" in web.pages(), what="the feed polled")
                release.set()
                await fake.wait_for(lambda: desk.ask(PIER_QUESTION).answer.answered, timeout=60, what="the page searchable")
                assert web.pages().count("/rss") == 1  # was 2: the refused client's poll ran on beside the second's
            finally:
                release.set()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
