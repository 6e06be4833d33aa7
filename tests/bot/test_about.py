"""/help and /ping (private, at once, not logged), the presence, and where the commands are
offered (installed to servers only; /querylog and /archive in servers only), through the stand-in."""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlite_utils import Database

from bot.client import NewsdeskBot
from bot.desk import Desk
from bot.querylog import QueryLog
from retrieval.store.saved import load_or_build
from tests.bot.test_discord_bot import make_settings, start_bot
from tests.discord_standin import FakeDiscord, NotDeliverable
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.paths import FIXTURE_CORPUS

GUILD_INSTALL = 0  # integration type: installed to a server
GUILD, BOT_DM = 0, 1  # interaction contexts


@pytest_asyncio.fixture
async def newsdesk(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[NewsdeskBot]:
    desk = Desk(load_or_build(FIXTURE_CORPUS, tmp_path / "index"), QueryLog.open(tmp_path / "log.db"))
    bot = await start_bot(fake_discord, desk, make_settings(fake_discord, log_user_ids="none"))
    try:
        yield bot
    finally:
        await bot.close()


def _logged(tmp_path: Path) -> list[dict]:
    return list(Database(tmp_path / "log.db")["queries"].rows)


async def test_help_says_what_the_bot_does_how_to_ask_and_what_is_logged(
    fake_discord: FakeDiscord, newsdesk: NewsdeskBot, tmp_path: Path
) -> None:
    fake = fake_discord
    message = await fake.wait_for_interaction_message(await fake.send_interaction("help"))
    assert message.ephemeral and len(message.embeds) == 1
    embed = message.embeds[0]
    assert "news archive" in embed["description"]
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert list(fields) == ["How to ask", "Commands", "Privacy"]
    assert "`/ask`" in fields["How to ask"] and "mention me" in fields["How to ask"]
    for command in ("/ask", "/help", "/ping", "/querylog", "/archive recent"):
        assert f"`{command}" in fields["Commands"]
    assert "add and remove" not in fields["Commands"]  # not one of the operator's servers
    assert "without anything that says who asked" in fields["Privacy"]  # NEWSDESK_LOG_USER_IDS=none
    assert _logged(tmp_path) == []
    fake.assert_no_violations()
    fake.assert_nothing_pings()


async def test_help_in_the_operators_server_lists_archive_changes(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    settings = make_settings(fake, archive_guilds=(fake.guild.id,))
    bot = await start_bot(fake, Desk(load_or_build(FIXTURE_CORPUS, tmp_path / "index"), None), settings)
    try:
        message = await fake.wait_for_interaction_message(await fake.send_interaction("help"))
        commands = next(f["value"] for f in message.embeds[0]["fields"] if f["name"] == "Commands")
        assert "add and remove articles" in commands and "with your user id" in message.embeds[0]["fields"][2]["value"]
    finally:
        await bot.close()


async def test_ping_gives_the_gateway_latency_privately(fake_discord: FakeDiscord, newsdesk: NewsdeskBot, tmp_path: Path) -> None:
    fake = fake_discord
    await fake.wait_for(lambda: math.isfinite(newsdesk.latency), what="a heartbeat acknowledged")
    message = await fake.wait_for_interaction_message(await fake.send_interaction("ping"))
    assert message.ephemeral and re.fullmatch(r"Pong: gateway latency \d+ ms\.", message.content), message.content
    assert _logged(tmp_path) == []
    fake.assert_no_violations()


async def test_presence_and_where_the_commands_are_offered(fake_discord: FakeDiscord, newsdesk: NewsdeskBot) -> None:
    fake = fake_discord
    presence = fake.identify_payloads[0]["presence"]
    assert presence["game"]["type"] == 3 and presence["game"]["name"].startswith("the news archive")  # Watching ...
    synced = {command["name"]: command for command in fake.synced_commands(fake.guild)}
    assert set(synced) == {"ask", "help", "ping", "querylog", "archive", "watch", "lateanswers"}
    for name, command in synced.items():
        assert command["integration_types"] == [GUILD_INSTALL], name  # no user installs
        expected = [GUILD] if name in ("querylog", "archive", "watch") else [GUILD, BOT_DM]
        assert sorted(command["contexts"]) == expected, name

    await newsdesk.tree.sync()  # published globally, as `newsdesk sync --global` does: DMs get them
    dm = fake.dm_channel(fake.member)
    message = await fake.wait_for_interaction_message(await fake.send_interaction("help", channel=dm))
    assert message.ephemeral and message.embeds
    with pytest.raises(NotDeliverable, match="not offered"):
        await fake.send_interaction("querylog stats", channel=dm)
    with pytest.raises(NotDeliverable, match="not offered"):  # a watch belongs to a server
        await fake.send_interaction("watch list", channel=dm)
    fake.assert_no_violations()
