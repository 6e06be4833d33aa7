"""The live archive: the running bot answers from articles added while it runs (issue 10)."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.client import NewsdeskBot
from bot.desk import Desk, load_archive
from bot.live import LiveArchive
from bot.settings import Settings, SettingsError, load_settings
from retrieval.ingest.pages import ingest_file
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.local_web import serve
from tests.paths import HTML_DIR, ROOT

PIER_QUESTION = "Why was the Harbour Town pier closed?"
PIER_URL = "https://ledger.example.org/news/2024/03/05/pier-rebuild"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns(".index"))
    return folder


def desk_for(corpus: Path, **changes: object) -> tuple[Desk, Settings]:
    settings = dataclasses.replace(Settings(corpus_dir=corpus, semantic=False), **changes)
    return Desk(load_archive(corpus, semantic=False), None), settings


def answered(desk: Desk, question: str) -> bool:
    return desk.ask(question).answer.answered


async def test_added_changed_and_removed_files_are_followed(corpus: Path) -> None:
    desk, settings = desk_for(corpus)
    live = LiveArchive(desk, settings)
    await live.start_watching()
    assert not await live.check()  # nothing changed
    assert not answered(desk, PIER_QUESTION)

    added = ingest_file(HTML_DIR / "article.html", corpus).path
    assert await live.check() and answered(desk, PIER_QUESTION)
    top = desk.ask(PIER_QUESTION).answer.results[0]
    assert top.url == PIER_URL

    keeper = "Who is the lighthouse keeper Ingrid Solberg?"
    assert not answered(desk, keeper)
    added.write_text(added.read_text(encoding="utf-8") + "\nThe lighthouse keeper, Ingrid Solberg, welcomed the vote.\n", encoding="utf-8")
    assert await live.check() and answered(desk, keeper)

    added.unlink()
    assert await live.check() and not answered(desk, PIER_QUESTION)
    assert live.reloads == 3


async def test_feeds_are_polled_and_their_pages_become_searchable(corpus: Path) -> None:
    with serve() as web:
        page = web.add("/pier", (HTML_DIR / "article.html").read_bytes())
        rss = f'<rss version="2.0"><channel><title>L</title><item><title>Pier</title><link>{page}</link></item></channel></rss>'
        feed = web.add("/rss", rss.encode(), Content_Type="application/rss+xml")
        desk, settings = desk_for(corpus, feeds=(feed,), fetch_private=True)  # a local test site
        live = LiveArchive(desk, settings)
        await live.start_watching()
        assert await asyncio.to_thread(live.poll_feeds_once) == 1
        assert await asyncio.to_thread(live.poll_feeds_once) == 0  # seen: not fetched again
    assert await live.check() and answered(desk, PIER_QUESTION)


async def test_with_watching_off_a_feed_s_new_pages_are_searchable_after_its_poll(corpus: Path) -> None:
    with serve() as web:  # NEWSDESK_WATCH_SECONDS=0: no look at the folder but the feeds' own
        page = web.add("/pier", (HTML_DIR / "article.html").read_bytes())
        rss = f'<rss version="2.0"><channel><title>L</title><item><title>Pier</title><link>{page}</link></item></channel></rss>'
        feed = web.add("/rss", rss.encode(), Content_Type="application/rss+xml")
        desk, settings = desk_for(corpus, feeds=(feed,), fetch_private=True, watch_seconds=0)
        polling = asyncio.create_task(LiveArchive(desk, settings).poll_feeds())
        try:
            deadline = asyncio.get_running_loop().time() + 60  # the first poll runs at once; a busy machine is slow
            while not answered(desk, PIER_QUESTION) and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
        finally:
            polling.cancel()
            await asyncio.gather(polling, return_exceptions=True)
    assert answered(desk, PIER_QUESTION)


async def test_a_feed_problem_is_kept_until_a_poll_records_its_entries_again(corpus: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    (corpus / ".feeds.json").mkdir(parents=True)  # in the way of the file: nothing seen can be recorded
    with serve() as web:
        page = web.add("/pier", (HTML_DIR / "article.html").read_bytes())
        rss = f'<rss version="2.0"><channel><title>L</title><item><title>Pier</title><link>{page}</link></item></channel></rss>'
        feed = web.add("/rss", rss.encode(), Content_Type="application/rss+xml")
        desk, settings = desk_for(corpus, feeds=(feed,), fetch_private=True, index_path=index)
        live = LiveArchive(desk, settings)
        assert await asyncio.to_thread(live.poll_feeds_once) == 1
        assert live.feed_problem and "feeds.json" in live.feed_problem
        assert await asyncio.to_thread(live.poll_feeds_once) == 0  # the same entry, skipped as known
        assert live.feed_problem  # still not recorded
        (corpus / ".feeds.json").rmdir()  # fixed
        assert await asyncio.to_thread(live.poll_feeds_once) == 0
        assert live.feed_problem is None and (corpus / ".feeds.json").is_file()


def test_feed_settings_are_checked() -> None:
    settings = load_settings({"NEWSDESK_FEEDS": "https://a.example/rss, https://b.example/atom", "NEWSDESK_FEED_MINUTES": "15"}, None)
    assert settings.feeds == ("https://a.example/rss", "https://b.example/atom") and settings.feed_minutes == 15
    with pytest.raises(SettingsError, match="NEWSDESK_FEEDS: 'a.example/rss' is not a web address"):
        load_settings({"NEWSDESK_FEEDS": "a.example/rss"}, None)
    with pytest.raises(SettingsError, match="NEWSDESK_FEED_MINUTES='0.1' must be at least 1"):
        load_settings({"NEWSDESK_FEED_MINUTES": "0.1"}, None)


async def test_the_running_bot_answers_from_an_article_ingested_meanwhile(fake_discord: FakeDiscord, corpus: Path) -> None:
    desk, settings = desk_for(corpus, watch_seconds=0.2)
    settings = dataclasses.replace(settings, discord_token=fake_discord.token, guild_id=fake_discord.guild.id, cooldown_seconds=0)
    bot = NewsdeskBot(desk=desk, settings=settings, **fake_discord.client_kwargs())
    task = asyncio.create_task(bot.start(fake_discord.token))
    try:
        await asyncio.wait_for(bot.wait_until_ready(), 60)
        interaction = await fake_discord.send_interaction("ask", {"question": PIER_QUESTION})
        before = await fake_discord.wait_for_interaction_message(interaction, timeout=60)
        assert not before.embeds or "Harbour Town" not in str(before.embeds[0])

        await asyncio.to_thread(ingest_file, HTML_DIR / "article.html", corpus)
        await fake_discord.wait_for(lambda: answered(desk, PIER_QUESTION), timeout=60, what="the new article searchable")
        interaction = await fake_discord.send_interaction("ask", {"question": PIER_QUESTION})
        after = await fake_discord.wait_for_interaction_message(interaction, timeout=60)
        description = after.embeds[0]["description"]
        assert f"[Harbour Town council votes to rebuild the old pier]({PIER_URL})" in description
    finally:
        await bot.close()
        task.cancel()
