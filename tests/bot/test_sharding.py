"""Sharding: the bot opens the gateway connections Discord recommends (an AutoShardedBot), and
a gateway close discord.py does not recover from (4011 sharding required, ...) stops it with one
line, not a traceback: at start-up (IDENTIFY refused) and while it runs (a real process).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import discord
import pytest

from bot.client import NewsdeskBot
from bot.desk import Desk
from bot.runner import StartupError, run_bot
from bot.settings import Settings
from retrieval.store.saved import load_or_build
from tests.bot.test_discord_bot import make_settings, start_bot
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.paths import FIXTURE_CORPUS

QUESTION = "Why did engineers open the spillway of the Orin dam?"


async def test_the_bot_opens_the_shards_discord_recommends(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    bot = await start_bot(fake, Desk(load_or_build(FIXTURE_CORPUS, tmp_path / "index"), None), make_settings(fake))
    try:
        assert isinstance(bot, discord.AutoShardedClient)
        assert any(r.route == "/gateway/bot" for r in fake.requests)  # asked Discord how many
        assert [p["shard"] for p in fake.identify_payloads] == [[0, 1]] and bot.shard_count == 1
        answer = await fake.wait_for_interaction_message(await fake.send_interaction("ask", {"question": QUESTION}))
        assert answer.embeds
    finally:
        await bot.close()
    fake.assert_no_violations()


def _settings(fake: FakeDiscord, tmp_path: Path) -> Settings:
    return Settings(corpus_dir=FIXTURE_CORPUS, index_path=tmp_path / "index", db_path=tmp_path / "log.db",
                    discord_token=fake.token, semantic=False, watch_seconds=0)


async def test_sharding_required_at_identify_is_one_line(tmp_path: Path) -> None:
    async with FakeDiscord() as fake:
        fake.shards_required = 2  # Discord's refusal of a connection past 2,500 servers
        with pytest.raises(StartupError) as stopped:
            await run_bot(_settings(fake, tmp_path), client_options=fake.client_kwargs)
        assert [p["shard"] for p in fake.identify_payloads] == []  # refused before READY
        assert fake.identify_count == 0
    message = str(stopped.value)
    assert message.startswith("Discord requires sharding (4011)") and "\n" not in message


@pytest.mark.parametrize("code, says", [(4011, "Discord requires sharding (4011)"),
                                        (4013, "Discord refused the bot's intents (4013"),
                                        (4004, "Discord rejected DISCORD_TOKEN (4004")])
async def test_a_fatal_close_while_running_stops_the_bot_with_one_line(
    fake_discord: FakeDiscord, tmp_path: Path, code: int, says: str
) -> None:
    fake = fake_discord
    task = asyncio.create_task(run_bot(_settings(fake, tmp_path), client_options=fake.client_kwargs))
    try:
        await fake.wait_until_ready()
        await fake.close_gateway(code, "gone")
        with pytest.raises(StartupError) as stopped:
            await asyncio.wait_for(task, 60)
    finally:
        task.cancel()
    assert str(stopped.value).startswith(says) and "\n" not in str(stopped.value)
    assert fake.identify_count == 1 and fake.resume_count == 0  # not reconnected


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process")
async def test_a_running_process_closed_with_4011_exits_1_with_one_line(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    from tests.bot.test_graceful_stop import start_process

    fake = fake_discord
    bot = await start_process(fake, tmp_path, slow_seconds=0)
    await fake.close_gateway(4011, "Sharding required.")
    try:
        code = await bot.exit_code()
    except asyncio.TimeoutError:
        raise AssertionError("the bot did not stop:\n" + "\n".join(bot.lines)) from None
    assert code == 1, "\n".join(bot.lines)
    assert bot.lines[-1].startswith("Error: Discord requires sharding (4011)"), "\n".join(bot.lines)
    assert not bot.said("Traceback"), "\n".join(bot.lines)
