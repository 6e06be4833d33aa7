"""The bot warms its archive up in the background: at start-up and after each live reload.

The first member to ask (with a typo, say) then finds the speller made; the bot is ready
before the warm-up ends, and a warm-up that fails is logged while the bot answers on.
`newsdesk ask` (one question) never warms up.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.client import NewsdeskBot
from bot.desk import Desk, load_archive
from bot.live import LiveArchive
from bot.runner import sync_commands
from bot.settings import Settings
from retrieval.answer.warm_up import warm_up
from retrieval.archive import Archive
from retrieval.ingest.pages import ingest_file
from retrieval.text.spelling import Speller
from retrieval.store.saved import load_or_build
from tests.discord_standin import FakeDiscord, SentMessage
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.paths import FIXTURE_CORPUS, HTML_DIR, ROOT

TYPO_QUESTION = "Why did engineers open the spilway of the Orin dam?"


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    return load_or_build(FIXTURE_CORPUS, tmp_path / "index")  # a fresh one: no speller yet


async def start(fake: FakeDiscord, archive: Archive) -> NewsdeskBot:
    settings = Settings(discord_token=fake.token, guild_id=fake.guild.id, cooldown_seconds=0, watch_seconds=0)
    bot = NewsdeskBot(desk=Desk(archive, None), settings=settings, **fake.client_kwargs())
    bot._test_task = asyncio.create_task(bot.start(fake.token))  # type: ignore[attr-defined]
    await asyncio.wait_for(bot.wait_until_ready(), 60)
    return bot


async def ask(fake: FakeDiscord, question: str) -> SentMessage:
    interaction = await fake.send_interaction("ask", {"question": question})
    return await fake.wait_for_interaction_message(interaction, timeout=60)


async def test_start_up_warms_the_archive_so_the_first_typo_needs_no_speller_built(
    fake_discord: FakeDiscord, archive: Archive, spellers_made: list[Speller]
) -> None:
    bot = await start(fake_discord, archive)
    try:
        assert bot.warm_up_task is not None
        await asyncio.wait_for(bot.warm_up_task, 30)
        assert len(spellers_made) == 1
        message = await ask(fake_discord, TYPO_QUESTION)
        assert "the reservoir had risen" in message.embeds[0]["description"]
        assert len(spellers_made) == 1  # the member's question used the warm-up's speller
    finally:
        await bot.close()


async def test_the_bot_is_ready_and_answers_while_the_warm_up_is_still_running(
    fake_discord: FakeDiscord, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def slow_warm_up(warmed: Archive) -> tuple[str, ...]:
        assert release.wait(30), "the test never released the warm-up"
        return warm_up(warmed)

    monkeypatch.setattr("bot.live.warm_up", slow_warm_up)
    bot = await start(fake_discord, archive)  # ready although the warm-up is held back
    try:
        message = await ask(fake_discord, "Why did engineers open the spillway of the Orin dam?")
        assert message.embeds and bot.warm_up_task is not None and not bot.warm_up_task.done()
    finally:
        release.set()
        assert bot.warm_up_task is not None
        await asyncio.wait_for(bot.warm_up_task, 30)
        await bot.close()


async def test_a_warm_up_that_fails_is_logged_and_the_bot_still_answers(
    fake_discord: FakeDiscord, archive: Archive, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_archive: Archive) -> tuple[str, ...]:
        raise RuntimeError("the word list is corrupt")

    monkeypatch.setattr("bot.live.warm_up", broken)
    with caplog.at_level(logging.ERROR, logger="bot.live"):
        bot = await start(fake_discord, archive)
        try:
            assert bot.warm_up_task is not None
            await asyncio.wait_for(bot.warm_up_task, 30)  # the task itself never raises
            [failure] = [r for r in caplog.records if r.name == "bot.live"]
            assert "could not warm up the archive after start-up" in failure.getMessage()
            assert failure.exc_info and "the word list is corrupt" in str(failure.exc_info[1])
            message = await ask(fake_discord, TYPO_QUESTION)
            assert "the reservoir had risen" in message.embeds[0]["description"]
        finally:
            await bot.close()


async def _watching(tmp_path: Path, warm_up_delay: float) -> tuple[Path, Desk, LiveArchive]:
    """A copy of the bundled corpus, a desk on it and its live archive, watching; then one page ingested."""
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
    desk = Desk(load_archive(corpus, semantic=False), None)
    live = LiveArchive(desk, Settings(corpus_dir=corpus, semantic=False))
    live.warm_up_delay = warm_up_delay
    await live.start_watching()
    ingest_file(HTML_DIR / "article.html", corpus)
    return corpus, desk, live


async def test_an_archive_swapped_in_by_a_change_is_warmed_up(tmp_path: Path, spellers_made: list[Speller]) -> None:
    _, desk, live = await _watching(tmp_path, 0.0)
    assert await live.check() and live.warming is not None
    await asyncio.wait_for(live.warming, 30)
    assert spellers_made and desk.archive.speller() is spellers_made[-1]  # the new archive's, made by the warm-up
    made = len(spellers_made)
    assert desk.ask("Why was the Harbour Town peir closed?").answer.answered
    assert len(spellers_made) == made


def test_newsdesk_ask_answers_one_question_without_warming_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Archive] = []
    monkeypatch.setattr("bot.live.warm_up", lambda archive: calls.append(archive) or ())
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURE_CORPUS, tmp_path / "corpus")
    monkeypatch.setenv("NEWSDESK_CORPUS", str(tmp_path / "corpus"))
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "log.db"))
    monkeypatch.delenv("NEWSDESK_INDEX", raising=False)
    result = CliRunner().invoke(main, ["ask", TYPO_QUESTION], catch_exceptions=False)
    assert result.exit_code == 0 and "spillway of the Orin dam" in result.output
    assert not calls


async def test_publishing_the_commands_does_not_warm_up(
    fake_discord: FakeDiscord, archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr("bot.live.warm_up", lambda _archive: calls.append("warm") or ())
    settings = Settings(discord_token=fake_discord.token, guild_id=fake_discord.guild.id)
    names = await sync_commands(settings, globally=False, desk=Desk(archive, None), client_options=fake_discord.client_kwargs)
    assert "ask" in names and not calls


async def test_an_archive_replaced_before_its_delay_is_never_warmed_up(
    tmp_path: Path, spellers_made: list[Speller]
) -> None:
    # A bulk ingest swaps the archive every round: only the one that stays in use is warmed.
    corpus, desk, live = await _watching(tmp_path, 0.5)
    assert await live.check()
    first = live.warming
    (corpus / "zz-note.md").write_text(
        "---\ntitle: Harbour note\nsource: Desk\npublished: 2020-01-02\n---\nThe harbour reopened on Friday.\n",
        encoding="utf-8",
    )
    assert await live.check()
    assert first is not None
    await asyncio.gather(first, return_exceptions=True)
    assert first.cancelled() and not spellers_made  # replaced while it waited: nothing built
    assert live.warming is not None
    await asyncio.wait_for(live.warming, 30)
    assert len(spellers_made) == 1  # the archive in use only
    assert desk.archive.speller() is spellers_made[0]
