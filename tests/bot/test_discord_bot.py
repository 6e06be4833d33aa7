"""The real newsdesk bot, unmodified, against the local Discord stand-in (over real sockets).

See tests/discord_standin/README.md for the stand-in. Each test starts the bot with the
bundled corpus and a query log in a temporary file, then plays a member in Discord.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
import re
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import discord
import pytest
import pytest_asyncio
from sqlite_utils import Database

from bot.client import NewsdeskBot
from bot.desk import Desk
from bot.querylog import QueryLog
from bot.settings import Settings
from retrieval.archive import Archive
from retrieval.store.saved import load_or_build
from retrieval.corpus import Article
from tests.bot.running import running_bot
from tests.discord_standin import FakeDiscord, SentMessage
from tests.paths import FIXTURE_CORPUS
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

ROOT = Path(__file__).resolve().parents[2]
MENTION_RE = re.compile(r"@(everyone|here)|<@[!&]?\d+>")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    # Invented articles; the questions are written for these tests. The index is saved
    # outside the repository.
    return load_or_build(FIXTURE_CORPUS, tmp_path_factory.mktemp("index"))


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "log.db"


def make_settings(fake: FakeDiscord, **changes: object) -> Settings:
    base = Settings(discord_token=fake.token, guild_id=fake.guild.id, cooldown_seconds=0, results=3)
    return dataclasses.replace(base, **changes)


@pytest_asyncio.fixture
async def running(fake_discord: FakeDiscord, archive: Archive, log_path: Path) -> AsyncIterator[NewsdeskBot]:
    # As Desk.from_settings makes it: the log at the settings' db_path.
    async with bot_on(fake_discord, archive, log_path, db_path=log_path) as bot:
        yield bot


async def start_bot(fake: FakeDiscord, desk: Desk, settings: Settings) -> NewsdeskBot:
    bot = NewsdeskBot(desk=desk, settings=settings, **fake.client_kwargs())
    bot._test_task = asyncio.create_task(bot.start(fake.token))  # type: ignore[attr-defined]
    await asyncio.wait_for(bot.wait_until_ready(), 60)
    return bot


def bot_on(fake: FakeDiscord, archive: Archive, log_path: Path, **changes: object) -> AbstractAsyncContextManager[NewsdeskBot]:
    """For an ``async with``: the bot on ``archive``, logging to ``log_path``, with ``changes`` to the test settings."""
    return running_bot(fake, Desk(archive, QueryLog.open(log_path)), make_settings(fake, **changes))


def rows(log_path: Path) -> list[dict]:
    return list(Database(log_path)["queries"].rows_where(order_by="id"))


def button_ids(message: SentMessage) -> list[str]:
    return [c["custom_id"] for row in message.components for c in row["components"] if "custom_id" in c]


def more_button(message: SentMessage) -> str:
    """The custom id of the More button under an answer."""
    return next(i for i in button_ids(message) if i.startswith("nd:more:"))


async def ask(fake: FakeDiscord, question: str, user=None, **options: str) -> tuple[object, SentMessage]:
    interaction = await fake.send_interaction("ask", {"question": question, **options}, user=user)
    return interaction, await fake.wait_for_interaction_message(interaction, timeout=60)


# -- login, sync, /ask ----------------------------------------------------------------


async def test_login_sync_and_ask_is_deferred_then_answered_with_citations_and_logged(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    ask_command = fake.find_command("ask", fake.guild.id)
    assert ask_command is not None
    assert ask_command["description"] == "Ask the news archive a question and get cited excerpts."
    assert {o["name"] for o in ask_command["options"]} == {"question", "outlet", "since", "until", "timeline"}
    assert all(o["description"] for o in ask_command["options"])

    interaction, message = await ask(fake, "Why did engineers open the spillway of the Orin dam?")
    assert interaction.callbacks[0].type == 5  # deferred first ("newsdesk is thinking…")
    assert message.kind in ("followup", "interaction_edit")
    embed = message.embeds[0]
    assert embed["title"] == "Why did engineers open the spillway of the Orin dam?"
    first = embed["description"].split("\n\n")[0]
    assert first.startswith("**1.** ") and "the reservoir had risen to within a metre" in first
    assert "*Valley Post*, [Engineers open Orin dam spillway after record rain](https://valley-post.example/orin-dam-spillway), 2021-04-15" in first
    assert re.search(r"searched \d+ passages", embed["footer"]["text"])
    fake.assert_no_violations()
    fake.assert_nothing_pings()

    [row] = rows(log_path)
    assert row["interface"] == "discord" and row["answered"] == 1
    assert (row["user_id"], row["guild_id"], row["channel_id"]) == (
        str(fake.member.id), str(fake.guild.id), str(fake.channel.id)
    )
    assert json.loads(row["article_ids"])[0] == "valley-post-2021-04-15-orin-dam-spillway"


async def test_filters_narrow_the_answer(fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path) -> None:
    _, message = await ask(fake_discord, "What did the storm do in Lumen Bay?", outlet="Valley Post", since="2021-02-01")
    description = message.embeds[0]["description"]
    assert "*Valley Post*" in description and "*Harbour Wire*" not in description
    assert json.loads(rows(log_path)[0]["filters"]) == {"outlet": "Valley Post", "since": "2021-02-01"}


async def test_bad_date_filter_is_a_private_hint(fake_discord: FakeDiscord, running: NewsdeskBot) -> None:
    interaction, message = await ask(fake_discord, "Did the ferries resume?", since="last week")
    assert message.ephemeral and "2014-08-20" in message.content


# -- mentions, More, feedback ---------------------------------------------------------


async def test_mention_to_ask_replies_to_the_message(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    sent = await fake.send_message(f"<@{fake.bot_user.id}> Where will the Lumen Bay fish market move?")
    reply = await fake.wait_for_message(lambda m: m.kind == "channel" and m.reference is not None, timeout=60)
    assert int(reply.reference["message_id"]) == int(sent["id"])
    assert "old rope works" in reply.embeds[0]["description"]
    assert "2021-05-10" in reply.embeds[0]["description"]
    fake.assert_nothing_pings()
    assert rows(log_path)[0]["question"] == "Where will the Lumen Bay fish market move?"


async def test_more_shows_the_next_excerpts_and_feedback_is_recorded(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    _, message = await ask(fake, "What did the storm do in Lumen Bay?")
    ids = button_ids(message)
    query_id = rows(log_path)[0]["id"]
    more_id = next(i for i in ids if i.startswith("nd:more:"))
    assert more_id == f"nd:more:{query_id}:3"

    click = await fake.click_button(message, more_id)
    more = await fake.wait_for_interaction_message(click, timeout=60)
    assert more.ephemeral
    description = more.embeds[0]["description"]
    assert description.startswith("**4.**")
    first_page = message.embeds[0]["description"]
    assert not set(re.findall(r"\*\*\d\.\*\* (.{40})", description)) & set(re.findall(r"\*\*\d\.\*\* (.{40})", first_page))

    up = await fake.click_button(message, f"nd:fb:{query_id}:up")
    await fake.wait_for_interaction_message(up)
    down = await fake.click_button(message, f"nd:fb:{query_id}:down", user=fake.moderator)
    thanks = await fake.wait_for_interaction_message(down)
    assert thanks.ephemeral
    votes = {r["user_id"]: r["value"] for r in Database(log_path)["feedback"].rows_where("query_id = ?", [query_id])}
    assert votes == {str(fake.member.id): 1, str(fake.moderator.id): -1}
    fake.assert_no_violations()


async def test_more_keeps_the_filters_of_the_question(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    _, message = await ask(fake, "What did the storm do in Lumen Bay?", outlet="Harbour Wire")
    more_id = more_button(message)
    more = await fake.wait_for_interaction_message(await fake.click_button(message, more_id), timeout=60)
    sources = re.findall(r"\u2014 \*([^*]+)\*", more.embeds[0]["description"])
    assert sources and set(sources) == {"Harbour Wire"}


async def test_more_on_a_purged_question_says_so_privately(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    _, message = await ask(fake, "What did the storm do in Lumen Bay?")
    more_id = more_button(message)
    with Database(log_path).conn as conn:
        conn.execute("DELETE FROM queries")
    reply = await fake.wait_for_interaction_message(await fake.click_button(message, more_id), timeout=60)
    assert reply.ephemeral and "no longer in the log" in reply.content
    fake.assert_no_violations()


async def test_more_on_a_damaged_log_gives_the_reason_privately_not_an_apology(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    import os
    import sqlite3

    from bot.failures import APOLOGY

    fake = fake_discord
    _, message = await ask(fake, "What did the storm do in Lumen Bay?")
    more_id = more_button(message)
    with sqlite3.connect(log_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything into the file, then damage it
    conn.close()
    with log_path.open("r+b") as damaged:
        damaged.seek(4096)  # past the first page: the tables' rows, not the file's header
        damaged.write(os.urandom(log_path.stat().st_size - 4096))
    reply = await fake.wait_for_interaction_message(await fake.click_button(message, more_id), timeout=60)
    assert reply.ephemeral and reply.content != APOLOGY
    assert reply.content.startswith("The query log can't be used right now: ") and "\n" not in reply.content
    assert "log.db: database disk image is malformed" in reply.content  # which file, and what is wrong with it
    assert str(log_path.parent) not in reply.content.replace("\\", "")  # by its name, not where the server keeps it
    fake.assert_no_violations()


async def test_the_buttons_of_an_answer_work_after_the_bot_restarts(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    async with bot_on(fake, archive, log_path):
        _, message = await ask(fake, "What did the storm do in Lumen Bay?")

    async with bot_on(fake, archive, log_path):
        ids = button_ids(message)
        more = await fake.wait_for_interaction_message(
            await fake.click_button(message, next(i for i in ids if i.startswith("nd:more:"))), timeout=10
        )
        assert more.ephemeral and more.embeds[0]["description"].startswith("**4.**")
        next_id = next(i for i in button_ids(more) if i.endswith(":next"))
        turned = await fake.click_button(more, next_id)
        await fake.wait_for(lambda: fake.interactions[turned.id].response is not None, timeout=60)
        vote = await fake.click_button(message, next(i for i in ids if i.endswith(":up")))
        thanks = await fake.wait_for_interaction_message(vote, timeout=60)
        assert thanks.ephemeral and thanks.content.startswith("\N{THUMBS UP SIGN} Recorded")
        fake.assert_no_violations()


# -- refusal, cooldown, hostile input ---------------------------------------------------


async def test_off_topic_question_is_refused_plainly_and_logged_unanswered(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    _, message = await ask(fake_discord, "What is the weather in Oslo tomorrow?")
    assert "found nothing in the news archive" in message.content and "rephras" in message.content
    assert not message.embeds
    [row] = rows(log_path)
    assert row["answered"] == 0 and row["question"] == "What is the weather in Oslo tomorrow?"


async def test_cooldown_tells_the_member_when_to_ask_again(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord
    async with bot_on(fake, archive, log_path, cooldown_seconds=60):
        await ask(fake, "Why did engineers open the spillway of the Orin dam?")
        _, second = await ask(fake, "Who is Tomas Vell?")
        assert second.ephemeral and "ask again <t:" in second.content and ":R>" in second.content
        _, other = await ask(fake, "Who is Tomas Vell?", user=fake.moderator)  # someone else is not held up
        assert other.embeds
        sent = await fake.send_message(f"<@{fake.bot_user.id}> Who is Tomas Vell?")  # mentions share the cooldown
        reply = await fake.wait_for_message(
            lambda m: m.reference is not None and int(m.reference["message_id"]) == int(sent["id"])
        )
        assert "ask again" in reply.content
    assert [r["question"] for r in rows(log_path)] == ["Why did engineers open the spillway of the Orin dam?", "Who is Tomas Vell?"]


async def test_everyone_and_markdown_in_a_question_neither_ping_nor_break(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    question = f"@everyone **Did the ferries** to `Corvo Island` resume? <@{fake.moderator.id}> ||@here|| [Corvo](https://evil.example)"
    _, answered = await ask(fake, question)
    _, refused = await ask(fake, "@everyone @here ~~weather~~ in __Oslo__")
    await fake.send_message(f"<@{fake.bot_user.id}> @everyone what about **Corvo Island**?")
    await fake.wait_for_message(lambda m: m.kind == "channel" and m.reference is not None, timeout=60)
    fake.assert_nothing_pings()
    for message in fake.messages:
        if message.kind != "interaction_edit":  # edits of a deferred reply keep its mentions
            assert message.payload["allowed_mentions"]["parse"] == []
        visible = message.content + "".join(e.get("title", "") + e.get("description", "") for e in message.embeds)
        assert not MENTION_RE.search(visible)
    assert answered.embeds[0]["title"].startswith("@\u200beveryone \\*\\*Did the ferries\\*\\*")
    assert "\\[Corvo\\](https://evil.example)" in answered.embeds[0]["title"]  # a literal, not a link
    assert "\\~\\~weather\\~\\~" in refused.content
    assert rows(log_path)[0]["question"] == question  # the log keeps what was asked, unescaped


# -- Discord's limits -------------------------------------------------------------------


def _long_archive() -> Archive:
    sentence = "Iranian advisers met Iraqi commanders near the front to plan the defence of the city"
    articles = [
        Article(
            id=f"long-{n}",
            title=f"{'A very long headline about Iran and Iraq ' * 6}{n}"[:250],
            source=f"Outlet {n} " + "with a long name " * 5,
            published=dt.date(2014, 1, 1) + dt.timedelta(days=n),
            url=f"https://news.example/{'path/' * 40}{n}",
            body="\n\n".join(
                [f"{sentence} number {n}, " + " ".join(f"detail{n}x{i}" for i in range(40)) + "."]
                + [f"Markets, football and the weather filled page {p} of edition {n} " * 5 + "." for p in range(3)]
            ),
        )
        for n in range(30)
    ]
    return Archive.build(articles)


async def test_stand_in_enforces_limits_and_a_long_answer_stays_within_them(
    fake_discord: FakeDiscord, log_path: Path
) -> None:
    fake = fake_discord
    settings = make_settings(fake, results=12)
    async with running_bot(fake, Desk(_long_archive(), QueryLog.open(log_path), results=12), settings) as bot:
        # The stand-in really rejects what Discord would reject.
        channel = bot.get_channel(fake.channel.id)
        with pytest.raises(discord.HTTPException, match="4096|BASE_TYPE_MAX_LENGTH"):
            await channel.send(embed=discord.Embed(description="x" * 4097))
        with pytest.raises(discord.HTTPException):
            await channel.send("x" * 2001)
        with pytest.raises(discord.HTTPException):
            await channel.send(embeds=[discord.Embed(description="x" * 4000), discord.Embed(description="y" * 2500)])
        assert len(fake.violations) == 3
        fake.violations.clear()

        _, message = await ask(fake, "Did Iranian advisers meet Iraqi commanders to plan the defence?")
        embed = message.embeds[0]
        assert len(embed["description"]) <= 4096
        total = len(embed.get("title", "")) + len(embed["description"]) + len(embed["footer"]["text"])
        assert total <= 6000
        assert embed["description"].count("**") % 2 == 0
        assert len(re.findall(r"\*\*\d+\.\*\*", embed["description"])) >= 3
        fake.assert_no_violations()


class HeldDesk(Desk):
    """A desk whose searches wait in their worker thread until the test lets them go.

    As each search starts it notes, under the asker's user id, ``seen()`` (e.g. what the stand-in
    shows at that moment). No clock is involved: a search is as slow as the test makes it.
    """

    def __init__(self, *args, seen: Callable[[], object] = lambda: None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.release = threading.Event()
        self.started: dict[object, object] = {}
        self._seen = seen

    def ask(self, question, **kwargs):  # type: ignore[no-untyped-def, override]
        self.started[kwargs.get("user_id")] = self._seen()
        if not self.release.wait(timeout=120):  # generous: only a broken test waits this long
            raise TimeoutError("the test never let the search go")
        return super().ask(question, **kwargs)


async def test_slow_search_is_deferred_before_it_runs_and_does_not_block_others(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path
) -> None:
    fake = fake_discord

    def acknowledged() -> set[int]:  # read from a search's worker thread; list() copies at once
        return {iid for iid, inter in list(fake.interactions.items()) if inter.acknowledged}

    desk = HeldDesk(archive, QueryLog.open(log_path), seen=acknowledged)
    bot = await start_bot(fake, desk, make_settings(fake))
    try:
        first = await fake.send_interaction("ask", {"question": "Why did engineers open the spillway of the Orin dam?"})
        second = await fake.send_interaction("ask", {"question": "Who is Tomas Vell?"}, user=fake.moderator)
        # Both searches run at once in worker threads, held until released below: one does not
        # wait for the other (a single worker would leave the second unstarted and time out here).
        await fake.wait_for(lambda: len(desk.started) == 2, timeout=60, what="both searches running at once")
        # Each was deferred before its search started (the stand-in's 3 s rule still holds too).
        assert first.id in desk.started[fake.member.id]
        assert second.id in desk.started[fake.moderator.id]
        for interaction in (first, second):
            response = await fake.wait_for_interaction_response(interaction, timeout=60)
            assert response.type == 5 and response.accepted
        assert not [m for m in fake.messages if m.interaction_id in (first.id, second.id)]  # no answer yet
        desk.release.set()
        for interaction in (first, second):
            message = await fake.wait_for_interaction_message(interaction, timeout=60)
            assert message.embeds
        fake.assert_no_violations()
    finally:
        desk.release.set()  # a failed test leaves no search thread waiting
        await bot.close()


# -- resilience -------------------------------------------------------------------------


async def test_gateway_closed_4000_resumes_and_answers_what_came_meanwhile(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    await fake.close_gateway(code=4000)
    interaction = await fake.send_interaction("ask", {"question": "Why did engineers open the spillway of the Orin dam?"})
    await fake.wait_for_resume()
    message = await fake.wait_for_interaction_message(interaction, timeout=60)
    assert "reservoir had risen" in message.embeds[0]["description"]
    assert fake.resume_count >= 1 and fake.identify_count == 1
    fake.assert_no_violations()
    assert len(rows(log_path)) == 1


async def test_two_hundred_questions_at_once_are_each_acknowledged_answered_once_and_logged(
    archive: Archive, log_path: Path
) -> None:
    # Correctness of a burst only. How fast 200 simultaneous /ask are acknowledged depends on
    # the machine's load: benchmarks/bench_burst.py measures it (p50/p95/max, loop lag) beside
    # a baseline in the same process. So this stand-in gives each interaction as long as its
    # token lives, not 3 s, and the test asserts nothing about wall-clock time.
    questions = ("Did the ferries to Corvo Island resume?", "Who is Tomas Vell?", "What is the weather in Oslo?")
    async with FakeDiscord(interaction_deadline=15 * 60) as fake:
        users = [fake.add_user(f"member{n}") for n in range(200)]
        for user in users:
            fake.guild.add_member(user)
        async with bot_on(fake, archive, log_path, cooldown_seconds=10):
            interactions = await asyncio.gather(
                *(fake.send_interaction("ask", {"question": questions[n % 3]}, user=u) for n, u in enumerate(users))
            )
            await asyncio.gather(*(fake.wait_for_interaction_message(i, timeout=120) for i in interactions))
            await fake.wait_for(lambda: len(rows(log_path)) == 200, timeout=60, what="200 questions logged")
            for n, interaction in enumerate(interactions):
                # Acknowledged once: one initial response, accepted, a public "thinking..." deferral.
                [callback] = interaction.callbacks
                assert callback.accepted and callback.type == 5 and not (callback.data or {}).get("flags")
                # Answered once, publicly, with the answer to its own question (not a neighbour's).
                [answer] = [m for m in fake.messages if m.interaction_id == interaction.id]
                assert answer.kind in ("followup", "interaction_edit") and not answer.ephemeral
                shown = answer.embeds[0]["title"] if answer.embeds else answer.content
                assert questions[n % 3].split("?")[0] in shown.replace("\\", ""), (n, shown)
            fake.assert_no_violations()  # no double response, no unknown route, no limit broken
            fake.assert_nothing_pings()
    logged = rows(log_path)
    assert len(logged) == 200
    asked = {str(u.id): questions[n % 3] for n, u in enumerate(users)}
    assert {r["user_id"]: r["question"] for r in logged} == asked  # each member once, with their question


class BrokenDesk(Desk):
    def ask(self, question: str, **kwargs):  # type: ignore[override]
        if "explode" in question:
            raise RuntimeError("index file vanished")
        return super().ask(question, **kwargs)


async def test_an_exception_is_logged_the_member_gets_an_apology_and_the_bot_keeps_running(
    fake_discord: FakeDiscord, archive: Archive, log_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_discord
    async with running_bot(fake, BrokenDesk(archive, QueryLog.open(log_path)), make_settings(fake)):
        with caplog.at_level(logging.ERROR):
            _, apology = await ask(fake, "please explode")
        assert "Sorry, something went wrong" in apology.content
        failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
        assert failure.exc_info and "index file vanished" in str(failure.exc_info[1])

        await fake.send_message(f"<@{fake.bot_user.id}> explode again")
        sorry = await fake.wait_for_message(lambda m: m.kind == "channel" and "Sorry" in m.content, timeout=60)
        assert sorry.reference is not None

        _, fine = await ask(fake, "Why did engineers open the spillway of the Orin dam?")
        assert fine.embeds


async def test_without_the_message_content_intent_the_bot_runs_slash_only(
    archive: Archive, log_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.runner import run_bot

    async with FakeDiscord(privileged_intents=()) as fake:
        settings = make_settings(fake)
        with caplog.at_level(logging.WARNING):
            task = asyncio.create_task(run_bot(settings, Desk(archive, QueryLog.open(log_path)), fake.client_kwargs))
            try:
                await fake.wait_until_ready()
                _, message = await ask(fake, "Why did engineers open the spillway of the Orin dam?")
                assert message.embeds
                assert fake.identify_payloads[-1]["intents"] & (1 << 15) == 0
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        assert any("Message Content intent" in r.getMessage() for r in caplog.records)
