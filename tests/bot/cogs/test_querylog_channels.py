"""/querylog shows a moderator only the questions of channels they can read there.

Every subcommand: questions asked in a channel the member cannot view (or whose history they
cannot read) are left out, and the reply counts them without showing their text. Questions
from channels that no longer exist are shown only to members who manage the server.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import pytest_asyncio

from bot.desk import Desk
from bot.querylog import QueryLog, QueryRecord
from bot.settings import Settings
from retrieval.archive import Archive
from retrieval.store.saved import load_or_build
from tests.bot.running import running_bot
from tests.discord_standin import FakeDiscord, Perm
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

ROOT = Path(__file__).resolve().parents[3]
OPEN = "Who won the election in Oslo?"
BOARD = "Is the board selling the paper?"
NO_HISTORY = "When does the archive close?"
GONE = "What happened to the old channel?"
GONE_CHANNEL = 990_000_000_000_000_001


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    return load_or_build(ROOT / "corpus", tmp_path_factory.mktemp("index"))  # not the checkout's corpus/.index


@pytest_asyncio.fixture
async def world(fake_discord: FakeDiscord, archive: Archive, tmp_path: Path) -> AsyncIterator[SimpleNamespace]:
    """#general (everyone), #board (hidden from @everyone), #archive-desk (visible, but its
    history is not readable by @everyone), and a channel deleted since its question."""
    fake = fake_discord
    board = fake.guild.add_channel("board")
    board.overwrite(fake.guild.role("@everyone"), deny=Perm.VIEW_CHANNEL)
    # Another moderator, let into #board by an overwrite for them alone.
    insider = fake.add_user("sam")
    fake.guild.add_member(insider, roles=[fake.moderator_role])
    board.overwrite(insider, allow=Perm.VIEW_CHANNEL)
    # A moderator who manages the server (not an administrator): also sees gone channels.
    manager = fake.add_user("maya")
    managers = fake.guild.add_role("Managers", Perm.VIEW_CHANNEL | Perm.MANAGE_MESSAGES | Perm.MANAGE_GUILD)
    fake.guild.add_member(manager, roles=[managers])
    desk_channel = fake.guild.add_channel("archive-desk")
    desk_channel.overwrite(fake.guild.role("@everyone"), deny=Perm.READ_MESSAGE_HISTORY)
    querylog = QueryLog.open(tmp_path / "log.db")
    for question, channel in ((OPEN, fake.channel.id), (BOARD, board.id), (NO_HISTORY, desk_channel.id), (GONE, GONE_CHANNEL)):
        querylog.record(QueryRecord(question, False, "discord", fake.member.id, fake.guild.id, channel, scores=[]))
    settings = Settings(discord_token=fake.token, guild_id=fake.guild.id, cooldown_seconds=0, watch_seconds=0)
    async with running_bot(fake, Desk(archive, querylog), settings) as instance:
        yield SimpleNamespace(fake=fake, board=board, insider=insider, manager=manager, bot=instance)


async def run(fake: FakeDiscord, command: str, options: dict, user: object) -> object:
    interaction = await fake.send_interaction(f"querylog {command}", options, user=user)
    return await fake.wait_for_interaction_message(interaction, timeout=60)


def shown(message: object) -> str:
    """Everything the reply shows: text, embeds, and the attached CSV."""
    parts = [message.content or ""]  # type: ignore[attr-defined]
    for embed in message.embeds:  # type: ignore[attr-defined]
        parts += [embed.get("title", ""), embed.get("description", "")]
        parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
    for file in message.files:  # type: ignore[attr-defined]
        if file.filename.endswith(".csv"):
            parts += [row["question"] for row in csv.DictReader(io.StringIO(file.data.decode("utf-8")))]
    return "\n".join(parts)


COMMANDS = [
    ("recent", {}),
    ("search", {"text": "?"}),
    ("unanswered", {"days": 30}),
    ("export", {"days": 30}),
]


@pytest.mark.parametrize(("command", "options"), COMMANDS)
async def test_a_moderator_sees_only_questions_from_channels_they_can_read(
    world: SimpleNamespace, command: str, options: dict
) -> None:
    fake = world.fake
    message = await run(fake, command, options, fake.moderator)
    text = shown(message)
    assert OPEN in text
    for hidden in (BOARD, NO_HISTORY, GONE):
        assert hidden not in text
    assert "3 question(s) from channels you cannot read" in message.content  # type: ignore[attr-defined]
    assert message.ephemeral  # type: ignore[attr-defined]
    fake.assert_no_violations()


async def test_stats_count_only_questions_from_channels_they_can_read(world: SimpleNamespace) -> None:
    fake = world.fake
    message = await run(fake, "stats", {"days": 30}, fake.moderator)
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}  # type: ignore[attr-defined]
    assert fields["Questions"] == "1"
    assert BOARD not in fields["Top questions"] and OPEN in fields["Top questions"]
    assert f"<#{world.board.id}>" not in fields["Busiest channels"]
    assert "3 question(s) from channels you cannot read" in message.content  # type: ignore[attr-defined]


@pytest.mark.parametrize(("command", "options"), COMMANDS)
async def test_the_owner_sees_every_question_and_no_note(world: SimpleNamespace, command: str, options: dict) -> None:
    fake = world.fake
    message = await run(fake, command, options, fake.owner)
    text = shown(message)
    for question in (OPEN, BOARD, NO_HISTORY, GONE):
        assert question in text
    assert "cannot read" not in (message.content or "")  # type: ignore[attr-defined]


async def test_a_moderator_let_into_the_channel_sees_its_questions(world: SimpleNamespace) -> None:
    message = await run(world.fake, "recent", {}, world.insider)
    text = shown(message)
    assert OPEN in text and BOARD in text and NO_HISTORY not in text
    assert "2 question(s) from channels you cannot read" in message.content  # type: ignore[attr-defined]


async def test_a_server_manager_also_sees_questions_from_channels_gone_since(world: SimpleNamespace) -> None:
    message = await run(world.fake, "recent", {}, world.manager)
    text = shown(message)
    assert OPEN in text and GONE in text and BOARD not in text and NO_HISTORY not in text
    assert "2 question(s) from channels you cannot read" in message.content  # type: ignore[attr-defined]
