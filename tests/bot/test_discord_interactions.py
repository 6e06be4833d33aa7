"""Interactions as Discord runs them: private failures, buttons that answer in time, pages in
place, votes acknowledged, validation before the cooldown, outlet autocomplete.

The real bot against the Discord stand-in (see tests/discord_standin/README.md), which keeps a
public defer's visibility for the first followup and refuses answers after 3 s.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlite_utils import Database

from bot.client import NewsdeskBot
from bot.desk import Desk
from bot.querylog import QueryLog, open_reader, queries
from retrieval.archive import Archive
from tests.bot.test_discord_bot import (  # noqa: F401
    archive,
    ask,
    bot_on,
    button_ids,
    log_path,
    make_settings,
    more_button,
    rows,
    running,
)
from tests.bot.running import running_bot
from tests.discord_standin import FakeDiscord, SentMessage
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

STORM = "What did the storm do in Lumen Bay?"


class BrokenDesk(Desk):
    """Fails on demand: questions containing "explode", and every More page."""

    def ask(self, question: str, **kwargs):  # type: ignore[override]
        if "explode" in question:
            raise RuntimeError("index file vanished")
        return super().ask(question, **kwargs)

    def more(self, *args, **kwargs):  # type: ignore[override]
        raise RuntimeError("passages file vanished")


def _current(fake: FakeDiscord, message: SentMessage) -> SentMessage:
    """The latest recorded state of ``message`` (after edits)."""
    return [m for m in fake.messages if m.message_id == message.message_id][-1]


# -- failures are private -----------------------------------------------------------------


@pytest_asyncio.fixture
async def broken(fake_discord: FakeDiscord, archive: Archive, log_path: Path) -> AsyncIterator[NewsdeskBot]:
    async with running_bot(fake_discord, BrokenDesk(archive, QueryLog.open(log_path)), make_settings(fake_discord)) as bot:
        yield bot


async def test_a_failure_after_the_public_defer_is_private_and_removes_the_thinking_message(
    fake_discord: FakeDiscord, broken: NewsdeskBot
) -> None:
    fake = fake_discord
    interaction, apology = await ask(fake, "please explode")
    assert interaction.callbacks[0].type == 5  # the public "thinking…" came first
    assert "Sorry, something went wrong" in apology.content
    assert apology.ephemeral  # Discord would have shown it to the channel without the delete
    [thinking] = fake.deleted_messages
    assert int(thinking["id"]) != int(apology.message_id)
    assert not [m for m in fake.messages if m.interaction_id == interaction.id and not m.ephemeral]
    fake.assert_no_violations()


async def test_a_failing_more_button_answers_privately_instead_of_thinking_forever(
    fake_discord: FakeDiscord, broken: NewsdeskBot
) -> None:
    fake = fake_discord
    _, message = await ask(fake, STORM)
    more_id = more_button(message)
    apology = await fake.wait_for_interaction_message(await fake.click_button(message, more_id), timeout=60)
    assert apology.ephemeral and "Sorry, something went wrong" in apology.content
    fake.assert_no_violations()


async def test_a_command_the_bot_no_longer_has_says_to_reload_not_to_try_again(
    fake_discord: FakeDiscord, running: NewsdeskBot, caplog: pytest.LogCaptureFixture
) -> None:
    # Discord keeps offering a removed or renamed command for a while after an update (and
    # for an hour when published globally); "try again in a moment" never helped.
    fake = fake_discord
    fake.registered_commands_only = False  # an old version of the bot registered it
    reply = await fake.wait_for_interaction_message(await fake.send_interaction("summary", {"topic": "storm"}), timeout=60)
    assert reply.ephemeral and "Reload Discord" in reply.content and "Sorry" not in reply.content
    assert "newsdesk sync" in caplog.text and "Traceback" not in caplog.text
    fake.assert_no_violations()


# -- validation before the cooldown, rejected questions logged ------------------------------


async def test_a_typo_costs_no_cooldown_and_the_rejected_question_is_logged_with_its_reason(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    async with bot_on(fake, archive, log_path, cooldown_seconds=60):
        _, hint = await ask(fake, STORM, since="2021-02-30")
        assert hint.ephemeral and "no such day" in hint.content
        _, outlet_hint = await ask(fake, STORM, outlet="Nowhere Times")
        assert outlet_hint.ephemeral and "no outlet matches" in outlet_hint.content and "Valley Post" in outlet_hint.content
        _, answer = await ask(fake, STORM, since="2021-02-01")
        assert answer.embeds, answer.content  # not "you're asking quickly"
        await fake.wait_for(lambda: len(rows(log_path)) == 3, what="the three questions logged")
    bad_date, bad_outlet, asked = sorted(rows(log_path), key=lambda r: (r["rejected"] is None, r["id"]))
    assert bad_date["question"] == STORM and bad_date["answered"] == 0
    assert bad_date["reason"] == "invalid_filter" and "since must be a date" in bad_date["rejected"]
    assert bad_outlet["reason"] == "unknown_outlet" and "Nowhere Times" in bad_outlet["rejected"]
    assert bad_outlet["filters"] == '{"outlet": "Nowhere Times"}'  # what it was asked with, for /querylog
    assert asked["rejected"] is None and asked["answered"] == 1
    db = open_reader(log_path)
    assert queries.unanswered(db) == []  # a typo is not a gap in the archive
    db.close()


async def test_each_refused_question_is_logged_once_with_the_one_line_the_member_saw(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    # A desk that loads the archive on first use: the outlet can be checked only then, after
    # the public "thinking…" (the desk refuses it), while a bad date is refused where it was typed.
    async with running_bot(fake, Desk(lambda: archive, QueryLog.open(log_path)), make_settings(fake)):
        _, outlet_hint = await ask(fake, STORM, outlet="Nowhere Times")
        _, date_hint = await ask(fake, STORM, since="2021-02-30")
        long_question = "why " * 300
        sent = await fake.send_message(f"<@{fake.bot_user.id}> {long_question}")
        long_hint = await fake.wait_for_message(
            lambda m: m.reference is not None and int(m.reference["message_id"]) == int(sent["id"]), timeout=10
        )
        _, answer = await ask(fake, STORM)
        assert answer.embeds, answer.content
        # Refusals are logged after the reply: once the answer's row is in, every refusal's is.
        await fake.wait_for(lambda: any(r["rejected"] is None for r in rows(log_path)), what="the answer logged")
    refused = {r["reason"]: r for r in rows(log_path) if r["rejected"] is not None}  # written off the loop: any order
    assert sorted(refused) == ["invalid_filter", "invalid_question", "unknown_outlet"]
    for reason, hint in (("unknown_outlet", outlet_hint), ("invalid_filter", date_hint), ("invalid_question", long_hint)):
        assert "\n" not in hint.content and refused[reason]["rejected"] in hint.content, (reason, hint.content)
    assert outlet_hint.ephemeral and date_hint.ephemeral
    assert "no outlet matches" in outlet_hint.content and "the limit is 1000" in long_hint.content
    assert len(rows(log_path)) == 4
    fake.assert_no_violations()


# -- votes ----------------------------------------------------------------------------------


async def test_a_vote_is_acknowledged_in_time_while_the_log_is_locked_and_then_recorded(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    _, message = await ask(fake, STORM)
    query_id = rows(log_path)[0]["id"]
    other = sqlite3.connect(log_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. `newsdesk logs purge` holding the write lock
    try:
        click = await fake.click_button(message, f"nd:fb:{query_id}:up")
        # Acknowledged while the lock is still held (accepted: within Discord's deadline).
        response = await fake.wait_for_interaction_response(click, timeout=30)
        assert response.accepted
    finally:
        other.execute("ROLLBACK")
        other.close()
    thanks = await fake.wait_for_interaction_message(click, timeout=60)
    assert thanks.ephemeral and "Recorded" in thanks.content
    votes = list(Database(log_path)["feedback"].rows_where("query_id = ?", [query_id]))
    assert [v["value"] for v in votes] == [1]
    fake.assert_no_violations()


async def test_a_vote_for_a_deleted_question_is_refused_and_said_so(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    _, message = await ask(fake, STORM)
    query_id = rows(log_path)[0]["id"]
    with Database(log_path).conn as conn:
        conn.execute("DELETE FROM queries")
    click = await fake.click_button(message, f"nd:fb:{query_id}:down")
    reply = await fake.wait_for_interaction_message(click, timeout=60)
    assert reply.ephemeral and "no longer in the log" in reply.content
    assert Database(log_path)["feedback"].count == 0
    fake.assert_no_violations()


# -- More pages in place --------------------------------------------------------------------


async def test_more_pages_in_place_and_ends_with_no_more_excerpts(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    _, message = await ask(fake, STORM)
    more_id = more_button(message)
    page = await fake.wait_for_interaction_message(await fake.click_button(message, more_id), timeout=60)
    assert page.ephemeral and page.embeds[0]["description"].startswith("**4.**")
    seen = [page.embeds[0]["description"]]
    for _ in range(5):  # at most 12 excerpts: a few pages
        next_id = next(i for i in button_ids(page) if i.endswith(":next"))
        if _disabled(page, next_id):
            break
        click = await fake.click_button(page.message_id, next_id)
        await fake.wait_for(lambda: click.response is not None and any(
            m.interaction_id == click.id for m in fake.messages), what="the page turned", timeout=10)
        turned = _current(fake, page)
        assert turned.message_id == page.message_id and turned.kind == "interaction_edit"  # the same message
        assert turned.embeds[0]["description"] not in seen
        seen.append(turned.embeds[0]["description"])
        page = turned
    assert len(seen) >= 2
    assert "No more excerpts" in page.content and _disabled(page, next(i for i in button_ids(page) if i.endswith(":next")))
    previous_id = next(i for i in button_ids(page) if i.endswith(":prev"))
    click = await fake.click_button(page.message_id, previous_id)
    await fake.wait_for(lambda: _current(fake, page).embeds[0]["description"] == seen[-2], what="back one page")
    assert not [m for m in fake.messages if m.interaction_id == click.id and m.kind == "followup"]
    fake.assert_no_violations()


def _disabled(message: SentMessage, custom_id: str) -> bool:
    return any(c.get("custom_id") == custom_id and c.get("disabled") for row in message.components for c in row["components"])


# -- autocomplete ---------------------------------------------------------------------------


async def test_outlet_autocomplete_offers_the_archives_outlets(
    fake_discord: FakeDiscord, running: NewsdeskBot
) -> None:
    fake = fake_discord
    interaction = await fake.send_interaction("ask", {"question": STORM, "outlet": "post"}, focused="outlet")
    await fake.wait_for(lambda: interaction.autocomplete_choices is not None, what="autocomplete choices")
    names = [c["name"] for c in interaction.autocomplete_choices]
    assert "Valley Post" in names and all("post" in n.casefold() for n in names)
    fake.assert_no_violations()


@pytest.mark.parametrize("typed", ["", "w"])
async def test_outlet_autocomplete_lists_starts_first(fake_discord: FakeDiscord, running: NewsdeskBot, typed: str) -> None:
    names = running.desk.outlet_names(typed)
    assert names and len(names) <= 25
    starts = [n.casefold().startswith(typed) for n in names]
    assert starts == sorted(starts, reverse=True)
