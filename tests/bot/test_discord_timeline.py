"""/ask ... timeline:true through the Discord stand-in: one excerpt per article, oldest first,
cited, within Discord's limits (what does not fit is counted and said), refused as /ask
refuses, filters respected, logged like any question."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from bot.client import NewsdeskBot
from bot.desk import Desk
from bot.querylog import QueryLog
from tests.bot.test_discord_bot import (  # noqa: F401  (pytest fixtures among them)
    _long_archive,
    archive,
    ask,
    button_ids,
    log_path,
    make_settings,
    rows,
    running,
    start_bot,
)
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

STORM = "What did the storm do in Lumen Bay?"
DATE_RE = re.compile(r"^\*\*(\d{4}-\d{2}-\d{2})\*\* \u00b7 ", re.MULTILINE)


def _entries(description: str) -> list[str]:
    return description.split("\n\n")


async def test_a_timeline_lists_one_cited_excerpt_per_article_oldest_first_and_is_logged(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    fake = fake_discord
    interaction, message = await ask(fake, STORM, timeline=True)
    assert interaction.callbacks[0].type == 5  # deferred publicly, as /ask is
    assert not message.ephemeral
    embed = message.embeds[0]
    assert embed["title"] == STORM
    dates = DATE_RE.findall(embed["description"])
    assert len(dates) >= 4 and dates == sorted(dates) and dates[0] == "2021-02-22"
    entries = _entries(embed["description"])
    assert len(entries) == len(dates)
    citations = [entry.splitlines()[-1] for entry in entries]
    assert all(c.startswith("\u2014 *") for c in citations)
    assert len(set(citations)) == len(citations), "one excerpt per article"
    assert "*Harbour Wire*, [Ferries return to Corvo Island as Lumen Bay breakwater holds]" in embed["description"]
    assert embed["footer"]["text"].startswith(f"Timeline \u00b7 {len(dates)} articles, oldest first")
    assert "more not shown" not in embed["footer"]["text"]
    ids = button_ids(message)
    assert not [i for i in ids if i.startswith("nd:more:")] and len(ids) == 2  # 👍 and 👎
    fake.assert_no_violations()
    fake.assert_nothing_pings()

    [row] = rows(log_path)
    assert row["answered"] == 1 and row["question"] == STORM and row["interface"] == "discord"
    logged = json.loads(row["article_ids"])
    assert len(logged) == len(dates) and logged[0] == "harbour-wire-2021-02-22-storm-closes-lumen-bay-port"


async def test_an_off_topic_timeline_is_refused_as_ask_refuses_it(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    question = "What is the weather in Oslo tomorrow?"
    _, timeline = await ask(fake_discord, question, timeline=True)
    _, answer = await ask(fake_discord, question)
    assert not timeline.embeds and timeline.content == answer.content
    assert "found nothing in the news archive" in timeline.content
    assert [(r["answered"], r["reason"]) for r in rows(log_path)] == [(0, "not_covered")] * 2


async def test_a_timeline_respects_the_filters_and_a_bad_one_is_a_private_hint(
    fake_discord: FakeDiscord, running: NewsdeskBot, log_path: Path
) -> None:
    _, message = await ask(fake_discord, STORM, timeline=True, outlet="Valley Post")
    description = message.embeds[0]["description"]
    assert "*Valley Post*" in description and "*Harbour Wire*" not in description
    _, hint = await ask(fake_discord, STORM, timeline=True, since="last week")
    assert hint.ephemeral and "2014-08-20" in hint.content
    # A refusal is logged after the member has it.
    await fake_discord.wait_for(lambda: len(rows(log_path)) == 2, what="both questions logged")
    logged = rows(log_path)
    assert json.loads(logged[0]["filters"]) == {"outlet": "Valley Post"}
    assert logged[1]["reason"] == "invalid_filter"


async def test_articles_beyond_the_cap_are_counted_and_said(
    fake_discord: FakeDiscord, running: NewsdeskBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The running bot's cog module (loading the extension may import it anew).
    monkeypatch.setattr(sys.modules["bot.cogs.ask.cog"], "TIMELINE_SHOWN", 2)
    _, message = await ask(fake_discord, STORM, timeline=True)
    embed = message.embeds[0]
    dates = DATE_RE.findall(embed["description"])
    assert len(dates) == 2 and dates == sorted(dates)
    assert re.search(r"Timeline \u00b7 2 articles, oldest first \u00b7 \d+ more not shown", embed["footer"]["text"])


async def test_a_long_timeline_stays_within_discords_limits_and_says_what_it_left_out(
    fake_discord: FakeDiscord, log_path: Path
) -> None:
    fake = fake_discord
    bot = await start_bot(fake, Desk(_long_archive(), QueryLog.open(log_path)), make_settings(fake))
    try:
        _, message = await ask(fake, "Did Iranian advisers meet Iraqi commanders to plan the defence?", timeline=True)
        embed = message.embeds[0]
        assert len(embed["description"]) <= 4096
        total = len(embed.get("title", "")) + len(embed["description"]) + len(embed["footer"]["text"])
        assert total <= 6000
        assert embed["description"].count("**") % 2 == 0
        dates = DATE_RE.findall(embed["description"])
        assert len(dates) >= 3 and dates == sorted(dates)
        shown = int(re.search(r"Timeline \u00b7 (\d+) articles", embed["footer"]["text"]).group(1))
        more = int(re.search(r"(\d+) more not shown", embed["footer"]["text"]).group(1))
        assert shown == len(dates) and shown + more == 30
        fake.assert_no_violations()
        fake.assert_nothing_pings()
    finally:
        await bot.close()
