"""Each server sees only its own log: /querylog reads, the moderator check, NEWSDESK_GUILDS."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import pytest_asyncio

from bot.checks import ModeratorRoles
from bot.client import NewsdeskBot
from bot.desk import Desk
from bot.querylog import QueryLog, QueryRecord
from bot.settings import Settings
from retrieval.archive import Archive
from retrieval.store.saved import load_or_build
from tests.discord_standin import FakeDiscord, Perm
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

ROOT = Path(__file__).resolve().parents[3]
FIRST = "Which minister resigned over the leaked memo?"
SECOND = "What did the other newsroom ask about Oslo?"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    return load_or_build(ROOT / "corpus", tmp_path_factory.mktemp("index"))  # not the checkout's corpus/.index


async def start(fake: FakeDiscord, archive: Archive, querylog: QueryLog, **settings: object) -> NewsdeskBot:
    values = {"discord_token": fake.token, "cooldown_seconds": 0, "watch_seconds": 0, **settings}
    instance = NewsdeskBot(desk=Desk(archive, querylog), settings=Settings(**values), **fake.client_kwargs())  # type: ignore[arg-type]

    async def setup_hook() -> None:  # the commands in every server, as `newsdesk sync --global` does
        await NewsdeskBot.setup_hook(instance)
        for guild in list(fake.guilds.values()):
            instance.tree.copy_global_to(guild=guild_object(guild.id))
            await instance.tree.sync(guild=guild_object(guild.id))

    instance.setup_hook = setup_hook  # type: ignore[method-assign]
    instance.runner = asyncio.create_task(instance.start(fake.token))  # type: ignore[attr-defined]
    await asyncio.wait_for(instance.wait_until_ready(), 60)
    return instance


def guild_object(guild_id: int) -> object:
    import discord

    return discord.Object(guild_id)


async def stop(instance: NewsdeskBot) -> None:
    await instance.close()
    await asyncio.gather(instance.runner, return_exceptions=True)  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def started(fake: FakeDiscord, archive: Archive, querylog: QueryLog, **settings: object) -> AsyncIterator[NewsdeskBot]:
    """The bot as :func:`start` makes it, stopped when the block ends."""
    instance = await start(fake, archive, querylog, **settings)
    try:
        yield instance
    finally:
        await stop(instance)


@pytest_asyncio.fixture
async def two_servers(fake_discord: FakeDiscord, archive: Archive, tmp_path: Path) -> AsyncIterator[SimpleNamespace]:
    """The stand-in guild and a second server whose owner has every permission there."""
    fake = fake_discord
    rival = fake.add_user("rival")
    other = fake.add_guild("Other Newsroom", owner=rival)
    other_channel = other.add_channel("newsroom")
    querylog = QueryLog.open(tmp_path / "log.db")
    querylog.record(
        QueryRecord(FIRST, False, "discord", fake.member.id, fake.guild.id, fake.channel.id, scores=[])
    )
    mine = querylog.record(QueryRecord(SECOND, False, "discord", rival.id, other.id, other_channel.id))
    querylog.record_feedback(mine, rival.id, 1)
    async with started(fake, archive, querylog) as instance:
        yield SimpleNamespace(fake=fake, rival=rival, other=other, channel=other_channel, bot=instance)


async def run(fake: FakeDiscord, command: str, options: dict, user: object, channel: object) -> object:
    interaction = await fake.send_interaction(f"querylog {command}", options, user=user, channel=channel)
    return await fake.wait_for_interaction_message(interaction, timeout=60)


@pytest.mark.parametrize(
    ("command", "options"),
    [("recent", {}), ("unanswered", {"days": 30}), ("search", {"text": "?"})],
)
async def test_another_servers_owner_sees_only_their_own_questions(
    two_servers: SimpleNamespace, command: str, options: dict
) -> None:
    s = two_servers
    message = await run(s.fake, command, options, s.rival, s.channel)
    text = message.embeds[0]["description"]  # type: ignore[attr-defined]
    assert SECOND in text and FIRST not in text


async def test_export_and_stats_hold_only_this_servers_questions(two_servers: SimpleNamespace) -> None:
    s = two_servers
    export = await run(s.fake, "export", {"days": 30}, s.rival, s.channel)
    rows = list(csv.DictReader(io.StringIO(export.files[0].data.decode("utf-8"))))  # type: ignore[attr-defined]
    assert [row["question"] for row in rows] == [SECOND]
    assert {row["user_id"] for row in rows} == {str(s.rival.id)}
    stats = await run(s.fake, "stats", {"days": 30}, s.rival, s.channel)
    fields = {f["name"]: f["value"] for f in stats.embeds[0]["fields"]}  # type: ignore[attr-defined]
    assert fields["Questions"] == "1" and fields["Distinct users"] == "1"
    assert FIRST not in fields["Top questions"]


async def test_the_moderator_check_reads_this_channels_permissions(two_servers: SimpleNamespace) -> None:
    s = two_servers
    fake = s.fake
    # A moderator whose Manage Messages is taken away in #general by a channel overwrite,
    # whom an admin still lets see the command there.
    fake.channel.overwrite(fake.moderator_role, deny=Perm.MANAGE_MESSAGES)
    fake.permit_command("querylog", fake.moderator)
    message = await run(fake, "recent", {}, fake.moderator, fake.channel)
    assert "Only moderators" in message.content and not message.embeds  # type: ignore[attr-defined]
    allowed = await run(fake, "recent", {}, fake.moderator, fake.mod_channel)
    assert FIRST in allowed.embeds[0]["description"]  # type: ignore[attr-defined]


def _role(role_id: int, name: str) -> SimpleNamespace:
    return SimpleNamespace(id=role_id, name=name)


def test_role_names_are_resolved_once_per_server_then_matched_by_id(caplog: pytest.LogCaptureFixture) -> None:
    roles = ModeratorRoles(["Editors", "42"])
    first = SimpleNamespace(id=1, roles=[_role(10, "editors"), _role(11, "Readers")])
    second = SimpleNamespace(id=2, roles=[_role(20, "Readers")])
    with caplog.at_level(logging.WARNING, logger="bot.checks"):
        roles.resolve(first)
        roles.resolve(second)
    assert "put the ids in the setting" in caplog.text
    assert roles.of(1) == {10, 42} and roles.of(2) == {42}
    # Later renames change nothing: the resolved id stays, a new "Editors" role gets nothing.
    second.roles.append(_role(21, "Editors"))
    first.roles[0].name = "Former editors"
    roles.resolve(second)
    roles.resolve(first)
    assert roles.of(1) == {10, 42} and roles.of(2) == {42}


async def test_a_server_outside_newsdesk_guilds_is_left_at_start_and_on_join(
    fake_discord: FakeDiscord, archive: Archive, tmp_path: Path
) -> None:
    fake = fake_discord
    stranger = fake.add_guild("Strangers")
    late = fake.add_guild("Late arrivals", joined=False)
    async with started(fake, archive, QueryLog.open(tmp_path / "log.db"), guilds=(fake.guild.id,)) as instance:
        await fake.wait_for(lambda: stranger.id in fake.left_guilds, timeout=30, what="the stranger's server left")
        assert fake.left_guilds == [stranger.id]
        await fake.join_guild(late)
        await fake.wait_for(lambda: late.id in fake.left_guilds, timeout=30, what="the late server left")
        assert fake.left_guilds == [stranger.id, late.id]
        assert [g.id for g in instance.guilds] == [fake.guild.id]


async def test_archive_is_hidden_from_members_without_manage_messages(
    fake_discord: FakeDiscord, archive: Archive, tmp_path: Path
) -> None:
    from tests.discord_standin import NotDeliverable

    async with started(fake_discord, archive, QueryLog.open(tmp_path / "log.db")):
        group = fake_discord.find_command("archive", fake_discord.guild.id)
        assert int(group["default_member_permissions"]) == Perm.MANAGE_MESSAGES
        with pytest.raises(NotDeliverable, match="default_member_permissions"):
            await fake_discord.send_interaction("archive recent", {}, user=fake_discord.member)


def test_newsdesk_guilds_setting() -> None:
    from bot.settings import SettingsError, load_settings

    settings = load_settings({"NEWSDESK_GUILDS": "123, 456 123"}, dotenv_path=None)
    assert settings.guilds == (123, 456)
    assert load_settings({}, dotenv_path=None).guilds == ()
    with pytest.raises(SettingsError, match="NEWSDESK_GUILDS.*'my-server'.*server id"):
        load_settings({"NEWSDESK_GUILDS": "my-server"}, dotenv_path=None)


async def test_a_log_that_cannot_be_read_gets_a_reason_not_an_apology(two_servers: SimpleNamespace) -> None:
    import sqlite3

    from bot.failures import APOLOGY

    s = two_servers
    path = s.bot.desk.querylog.path
    with sqlite3.connect(path) as conn:  # as a newer newsdesk would leave it
        conn.execute("INSERT INTO _migrations (name, applied_at, newsdesk_version) VALUES ('9999_future', 'x', '99.0')")
    message = await run(s.fake, "recent", {}, s.rival, s.channel)
    text = message.content  # type: ignore[attr-defined]
    assert text != APOLOGY
    assert "newer newsdesk" in text and "99.0" in text and "\n" not in text
    assert message.ephemeral  # type: ignore[attr-defined]
