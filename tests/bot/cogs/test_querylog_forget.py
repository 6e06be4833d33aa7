"""/querylog forget in Discord: a member with Manage Server removes what the log keeps about a
member in that server, after a reply saying what would go; another server's rows stay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import pytest_asyncio
from sqlite_utils import Database

from bot.desk import Desk
from bot.querylog import QueryLog, QueryRecord
from bot.settings import Settings
from retrieval.archive import Archive
from tests.bot.cogs.test_querylog_cog import archive  # noqa: F401  (pytest fixture)
from tests.bot.running import running_bot
from tests.discord_standin import FakeDiscord, Perm
from tests.discord_standin.interactions import NotDeliverable
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

OTHER_SERVER = 4242


@pytest_asyncio.fixture
async def world(fake_discord: FakeDiscord, archive: Archive, tmp_path: Path) -> AsyncIterator[SimpleNamespace]:  # noqa: F811
    fake = fake_discord
    manager = fake.add_user("maya")
    managers = fake.guild.add_role("Managers", Perm.VIEW_CHANNEL | Perm.MANAGE_MESSAGES | Perm.MANAGE_GUILD)
    fake.guild.add_member(manager, roles=[managers])
    path = tmp_path / "log.db"
    log = QueryLog.open(path)
    here = {"interface": "discord", "guild_id": fake.guild.id, "channel_id": fake.channel.id}
    theirs = log.record(QueryRecord("Did Iran send troops to Iraq?", True, user_id=fake.member.id, **here))
    log.record(QueryRecord("What is the weather in Oslo?", False, user_id=fake.member.id, **here))
    others = log.record(QueryRecord("Who won the Oslo open?", False, user_id=fake.moderator.id, **here))
    log.record_feedback(theirs, fake.moderator.id, 1)  # on their question: goes with it
    log.record_feedback(others, fake.member.id, -1)  # their vote on another's question: goes
    elsewhere = log.record(QueryRecord("Their question in another server", False, "discord", fake.member.id, OTHER_SERVER, 77))
    log.record_feedback(elsewhere, fake.member.id, 1)
    settings = Settings(discord_token=fake.token, guild_id=fake.guild.id, cooldown_seconds=0)
    async with running_bot(fake, Desk(archive, log), settings) as bot:
        yield SimpleNamespace(fake=fake, manager=manager, path=path, bot=bot)


async def forget(world: SimpleNamespace, user: object, **options: object) -> object:
    interaction = await world.fake.send_interaction("querylog forget", {"member": world.fake.member, **options}, user=user)
    return await world.fake.wait_for_interaction_message(interaction, timeout=60)


def rows(path: Path) -> tuple[list[tuple], list[tuple]]:
    db = Database(path)
    try:
        asked = sorted((r["guild_id"], r["user_id"], r["question"]) for r in db["queries"].rows)
        votes = sorted((r["query_id"], r["user_id"]) for r in db["feedback"].rows)
        return asked, votes
    finally:
        db.close()


async def test_it_says_what_would_go_then_removes_only_this_servers_rows_of_that_member(world: SimpleNamespace) -> None:
    fake, member = world.fake, world.fake.member
    before = rows(world.path)
    asked = await forget(world, world.manager)
    assert asked.ephemeral
    assert f"This would remove 2 question(s) and 2 feedback row(s) of <@{member.id}> in this server" in asked.content
    assert "confirm: True" in asked.content and rows(world.path) == before  # nothing removed yet

    done = await forget(world, world.manager, confirm=True)
    assert done.ephemeral and done.content.startswith(f"Removed 2 question(s) and 2 feedback row(s) of <@{member.id}>")
    questions, votes = rows(world.path)
    assert questions == [
        (str(fake.guild.id), str(fake.moderator.id), "Who won the Oslo open?"),
        (str(OTHER_SERVER), str(member.id), "Their question in another server"),  # another server keeps its rows
    ]
    assert [user for _, user in votes] == [str(member.id)]  # their vote in the other server only
    again = await forget(world, world.manager)
    assert "keeps nothing about" in again.content
    fake.assert_no_violations()


async def test_a_moderator_without_manage_server_cannot(world: SimpleNamespace) -> None:
    before = rows(world.path)
    refused = await forget(world, world.fake.moderator, confirm=True)
    assert refused.ephemeral and "Manage Server" in refused.content
    assert rows(world.path) == before
    with pytest.raises(NotDeliverable):  # Discord does not even offer /querylog to a member
        await forget(world, world.fake.member, confirm=True)
    assert rows(world.path) == before
