"""A button under an answer reaches only its own question, in the server and channel it was asked in.

Log ids are reused: once the newest question is forgotten (``newsdesk logs forget``), SQLite
gives the next question its id. The buttons of an answer sent before must not then page
through, or vote on, that other question, least of all one asked in another server or in a channel the member cannot read.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.querylog import QueryLog, open_database
from bot.querylog.retention import forget_user
from retrieval.archive import Archive
from tests.bot.cogs.test_querylog_servers import started
from tests.bot.test_discord_bot import archive, button_ids, log_path, more_button  # noqa: F401
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

MINE = "What did the storm do in Lumen Bay?"
THEIRS = "What damage did the storm cause in Lumen Bay harbour?"


async def _ask(fake: FakeDiscord, question: str, **where: object):
    interaction = await fake.send_interaction("ask", {"question": question}, **where)
    return await fake.wait_for_interaction_message(interaction, timeout=60)


@pytest.mark.parametrize("elsewhere", ["another server", "a private channel"])
async def test_an_old_answers_buttons_never_reach_a_question_asked_elsewhere(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path, elsewhere: str
) -> None:
    fake = fake_discord
    if elsewhere == "another server":
        rival = fake.add_user("rival")
        asker, channel = rival, fake.add_guild("Other Newsroom", owner=rival).add_channel("newsroom")
    else:  # the moderators' channel, which the member cannot read
        asker, channel = fake.moderator, fake.mod_channel
    querylog = QueryLog.open(log_path)
    async with started(fake, archive, querylog):
        mine = await _ask(fake, MINE)
        forget_user(open_database(log_path), querylog, fake.member.id)
        theirs = await _ask(fake, THEIRS, user=asker, channel=channel)
        assert more_button(mine).split(":")[2] == more_button(theirs).split(":")[2]  # the id was reused

        more = await fake.wait_for_interaction_message(await fake.click_button(mine, more_button(mine)), timeout=60)
        assert more.ephemeral and "no longer in the log" in more.content and not more.embeds
        up = next(i for i in button_ids(mine) if i.endswith(":up"))
        vote = await fake.wait_for_interaction_message(await fake.click_button(mine, up), timeout=60)
        assert "no longer in the log" in vote.content
        assert not list(Database(log_path)["feedback"].rows)
        fake.assert_no_violations()
