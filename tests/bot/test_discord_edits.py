"""A question asked by mention, then edited or deleted: the answer follows the question.

Members fix a typo by editing, or take a question back by deleting it. The real bot against
the Discord stand-in, whose ``edit_message`` / ``delete_message`` send MESSAGE_UPDATE /
MESSAGE_DELETE as Discord does when a member edits or deletes.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from bot.client import NewsdeskBot
from bot.desk import Desk
from bot.querylog import QueryLog
from retrieval.archive import Archive
from tests.bot.test_discord_bot import archive, log_path, make_settings, rows, running, start_bot  # noqa: F401
from tests.discord_standin import FakeDiscord, SentMessage
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

TYPO = "Where will the Lumen Bay fish markt go?"
FIXED = "Why did engineers open the spillway of the Orin dam?"


def _replies_to(fake: FakeDiscord, sent: dict) -> list[SentMessage]:
    return [m for m in fake.messages if m.kind == "channel" and m.reference and int(m.reference["message_id"]) == int(sent["id"])]


async def _answered(fake: FakeDiscord, sent: dict) -> SentMessage:
    await fake.wait_for(lambda: _replies_to(fake, sent), timeout=10, what="the bot's reply")
    return _replies_to(fake, sent)[0]


def _shown(fake: FakeDiscord, reply: SentMessage) -> str:
    """What the reply shows now (after any edit of it)."""
    stored = fake.message_store[reply.message_id]
    return stored["content"] + "".join((e.get("title") or "") + (e.get("description") or "") for e in stored["embeds"])


async def test_an_edited_question_is_answered_again_in_the_same_reply_without_a_cooldown(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    # A typo is fixed within seconds: the fix replaces the answer, it is not a second question.
    bot = await start_bot(fake, Desk(archive, QueryLog.open(log_path)), make_settings(fake, cooldown_seconds=60))
    try:
        sent = await fake.send_message(f"<@{fake.bot_user.id}> {TYPO}")
        reply = await _answered(fake, sent)
        await fake.edit_message(sent, f"<@{fake.bot_user.id}> {FIXED}")
        await fake.wait_for(lambda: FIXED in _shown(fake, reply), timeout=10, what="the reply to show the new answer")
        assert "the reservoir had risen" in _shown(fake, reply) and TYPO not in _shown(fake, reply)
        assert len(_replies_to(fake, sent)) == 1  # the same reply, not a second one
        assert [r["question"] for r in rows(log_path)] == [TYPO, FIXED]
        fake.assert_no_violations()
        fake.assert_nothing_pings()
    finally:
        await bot.close()


async def test_only_the_first_edit_is_free_later_edits_wait_for_the_cooldown(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    bot = await start_bot(fake, Desk(archive, QueryLog.open(log_path)), make_settings(fake, cooldown_seconds=60))
    try:
        sent = await fake.send_message(f"<@{fake.bot_user.id}> {TYPO}")
        reply = await _answered(fake, sent)
        await fake.edit_message(sent, f"<@{fake.bot_user.id}> {FIXED}")  # the typo fixed: free
        await fake.wait_for(lambda: FIXED in _shown(fake, reply), what="the fixed question's answer")
        third = "Who is Tomas Vell?"
        await fake.edit_message(sent, f"<@{fake.bot_user.id}> {third}")  # one more search: not free
        await fake.wait_for(lambda: "asking quickly" in _shown(fake, reply) or "wait" in _shown(fake, reply).lower(),
                            what="the cooldown in the same reply")
        assert len(_replies_to(fake, sent)) == 1
        assert [r["question"] for r in rows(log_path)] == [TYPO, FIXED]  # no third search
        fake.assert_no_violations()
    finally:
        await bot.close()


async def test_an_edit_that_leaves_the_question_as_it_was_is_not_answered_again(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    sent = await fake.send_message(f"<@{fake.bot_user.id}> {FIXED}")
    reply = await _answered(fake, sent)
    await fake.edit_message(sent, f"<@{fake.bot_user.id}>  {FIXED} ")  # spaces only
    later = await fake.send_message(f"<@{fake.bot_user.id}> {TYPO}")
    await _answered(fake, later)  # by then the bot has long seen the edit
    assert [m for m in fake.messages if m.message_id == reply.message_id] == [reply]
    assert [r["question"] for r in rows(log_path)] == [FIXED, TYPO]


async def test_a_message_edited_to_mention_the_bot_is_answered(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    sent = await fake.send_message(FIXED)  # forgot to mention the bot
    other = await fake.send_message(f"<@{fake.bot_user.id}> {TYPO}")
    await _answered(fake, other)  # by then the bot has long seen the first message
    assert not _replies_to(fake, sent)
    await fake.edit_message(sent, f"<@{fake.bot_user.id}> {FIXED}")
    assert "the reservoir had risen" in _shown(fake, await _answered(fake, sent))


async def test_deleting_the_question_takes_its_answer_down(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    sent = await fake.send_message(f"<@{fake.bot_user.id}> {FIXED}")
    reply = await _answered(fake, sent)
    await fake.delete_message(sent)
    await fake.wait_for(lambda: reply.message_id not in fake.message_store, timeout=10, what="the answer deleted")
    fake.assert_no_violations()


async def test_a_question_edited_after_a_moderator_deleted_its_answer_gets_a_new_one(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    sent = await fake.send_message(f"<@{fake.bot_user.id}> {TYPO}")
    await fake.delete_message(await _answered(fake, sent))  # a moderator removes the bot's answer
    await fake.edit_message(sent, f"<@{fake.bot_user.id}> {FIXED}")
    await fake.wait_for(lambda: len(_replies_to(fake, sent)) == 2, timeout=10, what="a new reply")
    assert "the reservoir had risen" in _shown(fake, _replies_to(fake, sent)[1])  # not an apology
    fake.assert_no_violations()


async def test_pinning_a_question_edited_long_ago_brings_no_new_answer_after_a_restart(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    # Discord sends a pin as an update of the message; the bot, restarted, no longer knows
    # the question was answered, and an old edit must not read as a new question.
    fake = fake_discord
    first = await start_bot(fake, Desk(archive, QueryLog.open(log_path)), make_settings(fake))
    sent = await fake.send_message(f"<@{fake.bot_user.id}> {TYPO}")
    await _answered(fake, sent)
    await fake.edit_message(sent, f"<@{fake.bot_user.id}> {FIXED}")
    await fake.wait_for(lambda: len(rows(log_path)) == 2, timeout=10, what="the edit answered")
    await first.close()
    await asyncio.gather(first._test_task, return_exceptions=True)  # type: ignore[attr-defined]
    fake.message_store[int(sent["id"])]["edited_timestamp"] = "2021-04-15T08:00:00+00:00"  # edited long ago
    again = await start_bot(fake, Desk(archive, QueryLog.open(log_path)), make_settings(fake))
    try:
        await fake.pin_message(sent)
        later = await fake.send_message(f"<@{fake.bot_user.id}> {TYPO}")
        await _answered(fake, later)  # by then the bot has long seen the pin
        assert len(_replies_to(fake, sent)) == 1 and len(rows(log_path)) == 3
    finally:
        await again.close()


async def test_a_moderators_purge_of_questions_takes_their_answers_down(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    asked = [await fake.send_message(f"<@{fake.bot_user.id}> {question}") for question in (FIXED, TYPO)]
    answers = [await _answered(fake, sent) for sent in asked]
    await fake.bulk_delete_messages(asked)
    gone = lambda: not any(a.message_id in fake.message_store for a in answers)  # noqa: E731
    await fake.wait_for(gone, timeout=10, what="both answers deleted")
    fake.assert_no_violations()


class HeldDesk(Desk):
    """Answers only once ``go`` is set, so a test can act while a question is being answered."""

    go = threading.Event()

    def ask(self, *args, **kwargs):  # type: ignore[override]
        self.go.wait(10)
        return super().ask(*args, **kwargs)


async def test_a_question_deleted_while_it_is_answered_gets_no_reply(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    desk = HeldDesk(archive, QueryLog.open(log_path))
    desk.go = threading.Event()
    bot = await start_bot(fake, desk, make_settings(fake))
    try:
        sent = await fake.send_message(f"<@{fake.bot_user.id}> {FIXED}")
        await fake.wait_for(lambda: any(r.route.endswith("/typing") for r in fake.requests), timeout=10, what="typing")
        await fake.delete_message(sent)
        asking = bot.get_cog("Ask")
        await fake.wait_for(lambda: int(sent["id"]) not in asking.replies, timeout=30, what="the bot sees the delete")
        desk.go.set()
        await fake.wait_for(lambda: len(rows(log_path)) == 1, timeout=10, what="the question logged")
        await asyncio.sleep(0.3)
        assert not [m for m in fake.messages if m.kind == "channel"]  # no answer, no apology
        fake.assert_no_violations()
    finally:
        desk.go.set()
        await bot.close()


async def test_a_question_edited_while_it_is_answered_gets_the_new_answer_not_a_cooldown(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    desk = HeldDesk(archive, QueryLog.open(log_path))
    desk.go = threading.Event()
    bot = await start_bot(fake, desk, make_settings(fake, cooldown_seconds=60))
    try:
        sent = await fake.send_message(f"<@{fake.bot_user.id}> {TYPO}")
        await fake.wait_for(lambda: any(r.route.endswith("/typing") for r in fake.requests), timeout=10, what="typing")
        await fake.edit_message(sent, f"<@{fake.bot_user.id}> {FIXED}")  # the typo fixed before the answer came
        asking = bot.get_cog("Ask")
        await fake.wait_for(lambda: asking.replies.current(int(sent["id"]), FIXED), timeout=30, what="the bot sees the edit")
        desk.go.set()
        reply = await _answered(fake, sent)
        await fake.wait_for(lambda: FIXED in _shown(fake, reply), timeout=10, what="the fixed question's answer")
        assert "asking quickly" not in _shown(fake, reply) and len(_replies_to(fake, sent)) == 1
    finally:
        desk.go.set()
        await bot.close()
