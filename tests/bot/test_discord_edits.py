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
from tests.bot.test_discord_bot import archive, bot_on, log_path, make_settings, rows, running, start_bot  # noqa: F401
from tests.discord_standin import FakeDiscord, SentMessage
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

TYPO = "Where will the Lumen Bay fish markt go?"
FIXED = "Why did engineers open the spillway of the Orin dam?"


async def _mention(fake: FakeDiscord, question: str) -> dict:
    """``question`` asked by mentioning the bot in the channel: the message sent."""
    return await fake.send_message(f"<@{fake.bot_user.id}> {question}")


async def _edit(fake: FakeDiscord, sent: dict, question: str) -> None:
    """The member edits ``sent`` to ask ``question`` instead (still mentioning the bot)."""
    await fake.edit_message(sent, f"<@{fake.bot_user.id}> {question}")


def _replies_to(fake: FakeDiscord, sent: dict) -> list[SentMessage]:
    return [m for m in fake.messages if m.kind == "channel" and m.reference and int(m.reference["message_id"]) == int(sent["id"])]


async def _answered(fake: FakeDiscord, sent: dict) -> SentMessage:
    await fake.wait_for(lambda: _replies_to(fake, sent), timeout=10, what="the bot's reply")
    return _replies_to(fake, sent)[0]


def _shown(fake: FakeDiscord, reply: SentMessage) -> str:
    """What the reply shows now (after any edit of it)."""
    stored = fake.message_store[reply.message_id]
    return stored["content"] + "".join((e.get("title") or "") + (e.get("description") or "") for e in stored["embeds"])


async def _typo_then_fixed(fake: FakeDiscord) -> tuple[dict, SentMessage]:
    """TYPO asked and answered, then edited to FIXED at once (the typo fixed): the question, and
    its reply once that shows FIXED's answer."""
    sent = await _mention(fake, TYPO)
    reply = await _answered(fake, sent)
    await _edit(fake, sent, FIXED)
    await fake.wait_for(lambda: FIXED in _shown(fake, reply), what="the reply to show the fixed question's answer")
    return sent, reply


async def test_an_edited_question_is_answered_again_in_the_same_reply_without_a_cooldown(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    # A typo is fixed within seconds: the fix replaces the answer, it is not a second question.
    async with bot_on(fake, archive, log_path, cooldown_seconds=60):
        sent, reply = await _typo_then_fixed(fake)
        assert "the reservoir had risen" in _shown(fake, reply) and TYPO not in _shown(fake, reply)
        assert len(_replies_to(fake, sent)) == 1  # the same reply, not a second one
        assert [r["question"] for r in rows(log_path)] == [TYPO, FIXED]
        fake.assert_no_violations()
        fake.assert_nothing_pings()


async def test_only_the_first_edit_is_free_later_edits_wait_for_the_cooldown(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    async with bot_on(fake, archive, log_path, cooldown_seconds=60):
        sent, reply = await _typo_then_fixed(fake)  # the typo fixed: free
        third = "Who is Tomas Vell?"
        await _edit(fake, sent, third)  # one more search: not free
        await fake.wait_for(lambda: "asking quickly" in _shown(fake, reply) or "wait" in _shown(fake, reply).lower(),
                            what="the cooldown in the same reply")
        assert len(_replies_to(fake, sent)) == 1
        assert [r["question"] for r in rows(log_path)] == [TYPO, FIXED]  # no third search
        fake.assert_no_violations()


async def test_an_edit_that_leaves_the_question_as_it_was_is_not_answered_again(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    sent = await _mention(fake, FIXED)
    reply = await _answered(fake, sent)
    await fake.edit_message(sent, f"<@{fake.bot_user.id}>  {FIXED} ")  # spaces only
    later = await _mention(fake, TYPO)
    await _answered(fake, later)  # by then the bot has long seen the edit
    assert [m for m in fake.messages if m.message_id == reply.message_id] == [reply]
    assert [r["question"] for r in rows(log_path)] == [FIXED, TYPO]


async def test_a_message_edited_to_mention_the_bot_is_answered(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    sent = await fake.send_message(FIXED)  # forgot to mention the bot
    other = await _mention(fake, TYPO)
    await _answered(fake, other)  # by then the bot has long seen the first message
    assert not _replies_to(fake, sent)
    await _edit(fake, sent, FIXED)
    assert "the reservoir had risen" in _shown(fake, await _answered(fake, sent))


async def test_deleting_the_question_takes_its_answer_down(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    sent = await _mention(fake, FIXED)
    reply = await _answered(fake, sent)
    await fake.delete_message(sent)
    await fake.wait_for(lambda: reply.message_id not in fake.message_store, timeout=10, what="the answer deleted")
    fake.assert_no_violations()


async def test_a_question_edited_after_a_moderator_deleted_its_answer_gets_a_new_one(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    sent = await _mention(fake, TYPO)
    await fake.delete_message(await _answered(fake, sent))  # a moderator removes the bot's answer
    await _edit(fake, sent, FIXED)
    await fake.wait_for(lambda: len(_replies_to(fake, sent)) == 2, timeout=10, what="a new reply")
    assert "the reservoir had risen" in _shown(fake, _replies_to(fake, sent)[1])  # not an apology
    fake.assert_no_violations()


async def test_pinning_a_question_edited_long_ago_brings_no_new_answer_after_a_restart(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    # Discord sends a pin as an update of the message; the bot, restarted, no longer knows
    # the question was answered, and an old edit must not read as a new question.
    fake = fake_discord
    async with bot_on(fake, archive, log_path):
        sent = await _mention(fake, TYPO)
        await _answered(fake, sent)
        await _edit(fake, sent, FIXED)
        await fake.wait_for(lambda: len(rows(log_path)) == 2, timeout=10, what="the edit answered")
    fake.message_store[int(sent["id"])]["edited_timestamp"] = "2021-04-15T08:00:00+00:00"  # edited long ago
    async with bot_on(fake, archive, log_path):
        await fake.pin_message(sent)
        later = await _mention(fake, TYPO)
        await _answered(fake, later)  # by then the bot has long seen the pin
        assert len(_replies_to(fake, sent)) == 1 and len(rows(log_path)) == 3


async def test_a_moderators_purge_of_questions_takes_their_answers_down(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    asked = [await _mention(fake, question) for question in (FIXED, TYPO)]
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
        sent = await _mention(fake, FIXED)
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
        sent = await _mention(fake, TYPO)
        await fake.wait_for(lambda: any(r.route.endswith("/typing") for r in fake.requests), timeout=10, what="typing")
        await _edit(fake, sent, FIXED)  # the typo fixed before the answer came
        asking = bot.get_cog("Ask")
        await fake.wait_for(lambda: asking.replies.current(int(sent["id"]), FIXED), timeout=30, what="the bot sees the edit")
        desk.go.set()
        reply = await _answered(fake, sent)
        await fake.wait_for(lambda: FIXED in _shown(fake, reply), timeout=10, what="the fixed question's answer")
        assert "asking quickly" not in _shown(fake, reply) and len(_replies_to(fake, sent)) == 1
    finally:
        desk.go.set()
        await bot.close()
