"""In Discord: an empty archive says so, and an unknown outlet lists the known ones."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.client import NewsdeskBot
from bot.desk import Desk
from bot.querylog import QueryLog
from retrieval.archive import Archive
from retrieval.store.saved import load_or_build
from tests.bot.test_discord_bot import ask, make_settings, rows, start_bot
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.paths import FIXTURE_CORPUS


async def _bot(fake: FakeDiscord, archive: Archive, log_path: Path) -> NewsdeskBot:
    return await start_bot(fake, Desk(archive, QueryLog.open(log_path)), make_settings(fake))


@pytest_asyncio.fixture
async def empty(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[NewsdeskBot]:
    bot = await _bot(fake_discord, Archive.build([]), tmp_path / "log.db")
    try:
        yield bot
    finally:
        await bot.close()


async def test_an_empty_archive_says_it_is_empty_not_no_answer(fake_discord: FakeDiscord, empty: NewsdeskBot) -> None:
    fake = fake_discord
    _, message = await ask(fake, "Did the ferries to Corvo Island resume?")
    assert "The archive is empty" in message.content and "found nothing" not in message.content
    sent = await fake.send_message(f"<@{fake.bot_user.id}> Did the ferries to Corvo Island resume?")
    reply = await fake.wait_for_message(
        lambda m: m.reference is not None and int(m.reference["message_id"]) == int(sent["id"]), timeout=10
    )
    assert "The archive is empty" in reply.content
    fake.assert_no_violations()


async def test_an_unknown_outlet_lists_the_known_ones(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    archive = load_or_build(FIXTURE_CORPUS, tmp_path / "index")
    bot = await _bot(fake_discord, archive, tmp_path / "log.db")
    try:
        _, message = await ask(fake_discord, "Did the ferries to Corvo Island resume?", outlet="Reuters")
        # The refusal is logged off the event loop, possibly just after the reply is sent.
        await fake_discord.wait_for(lambda: len(rows(tmp_path / "log.db")) == 1, what="the refusal logged")
    finally:
        await bot.close()
    assert "no outlet matches 'Reuters'; known outlets: City Ledger, Harbour Wire, Valley Post" in message.content
    [row] = rows(tmp_path / "log.db")  # logged as refused before any search, not as unanswered
    assert "no outlet matches" in (row["rejected"] or "")
    fake_discord.assert_no_violations()


async def test_an_unknown_outlet_among_long_outlet_names_still_gets_its_one_private_message(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    # Outlet names taken from pages can be long; twenty of them listed were over 2000
    # characters, Discord refused the message and the member saw "This interaction failed".
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(25):
        outlet = f"Regional Outlet {n:02d}, " + "the independent voice of the valley and its people " * 3
        (corpus / f"outlet-{n:02d}.md").write_text(
            f"---\nid: outlet-{n:02d}\ntitle: Ferries return {n}\nsource: {outlet.strip()}\npublished: 2021-03-02\n---\n"
            "The ferries to Corvo Island resumed on Monday after the storm.\n",
            encoding="utf-8",
        )
    bot = await _bot(fake_discord, load_or_build(corpus, tmp_path / "index"), tmp_path / "log.db")
    try:
        _, message = await ask(fake_discord, "Did the ferries to Corvo Island resume?", outlet="Reuters")
    finally:
        await bot.close()
    assert message.ephemeral and message.content.startswith("no outlet matches 'Reuters'; known outlets: Regional Outlet 00")
    assert len(message.content) <= 2000
    fake_discord.assert_no_violations()
