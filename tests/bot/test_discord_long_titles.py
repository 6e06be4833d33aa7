"""Articles with very long (or spoofing) titles and outlet names, as members and moderators see them in Discord.

A citation is there to say where the excerpt comes from: a 600-character title must not crowd
the excerpt (the answer) out of the reply, nor be cut inside its link; a moderator's listing
must show every article asked for, or say how many more there are. A right-to-left override
in a title must not turn the rest of the line around (a date 2020-01-01 shown as 10-10-0202).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.client import NewsdeskBot
from bot.desk import Desk, load_archive
from bot.querylog import QueryLog
from bot.settings import Settings
from tests.bot.running import running_bot
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.paths import ROOT

WORDS = "harbour council pier gulls ferry timetable storm breakwater lantern market".split()
LONG_TITLE = " ".join(WORDS[i % len(WORDS)] for i in range(90)).capitalize() + " @everyone"  # ~600 characters
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
SPOOFING_TITLE = "Pelican census \u202eraey tsal\u202c results \u2067\u202e"  # one override left open
LONG_OUTLET = "The " + " ".join(["Very Long Coastal Ledger And Gazette"] * 6)
FIRST_SENTENCE = "Pelicans from Zanzibar nested on the harbour wall for the first time since the storm of 1998."
URL = "https://ledger.example.org/pelicans"
ARTICLES = 12


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord, tmp_path: Path) -> AsyncIterator[NewsdeskBot]:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
    body = f"{FIRST_SENTENCE} Fishermen counted forty nests by the lantern.\n\nThe council said the wall stays closed."
    (corpus / "spoof.md").write_text(
        f"---\nid: spoof\ntitle: {SPOOFING_TITLE}\nsource: Gazette \u202eebuT\npublished: 2020-01-01\n"
        f"author:\nurl:\n---\nThe pelican census counted ninety birds by the spoofed lighthouse.\n",
        encoding="utf-8",
    )
    for n in range(ARTICLES):
        (corpus / f"long-{n:02}.md").write_text(
            f"---\nid: long-{n:02}\ntitle: {LONG_TITLE} {n}\nsource: {LONG_OUTLET}\npublished: 2020-01-{n + 1:02}\n"
            f"author:\nurl: {URL}/{n}\n---\n{body}\n",
            encoding="utf-8",
        )
    settings = Settings(corpus_dir=corpus, db_path=tmp_path / "log.db", discord_token=fake_discord.token,
                        guild_id=fake_discord.guild.id, cooldown_seconds=0, semantic=False, watch_seconds=0)
    desk = Desk(load_archive(corpus, semantic=False), QueryLog.open(settings.db_path))
    async with running_bot(fake_discord, desk, settings) as instance:
        yield instance


async def test_a_long_title_leaves_the_excerpt_whole_and_its_link_closed(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    asked = await fake_discord.send_interaction("ask", {"question": "Where did the pelicans from Zanzibar nest?"})
    reply = await fake_discord.wait_for_interaction_message(asked, timeout=60)
    description = reply.embeds[0]["description"]
    first = description.split("\n\n")[0]
    assert "harbour wall for the first time since the storm" in first.replace("**", "")
    assert re.search(rf"\]\({re.escape(URL)}/\d+\)", first)  # the title's link is whole
    citation = first.split("\n")[-1]
    assert len(citation) < 400 and "\u2026" in citation  # title and outlet cut, visibly
    fake_discord.assert_no_violations()
    fake_discord.assert_nothing_pings()


async def test_archive_recent_lists_every_article_or_says_how_many_more(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    asked = await fake_discord.send_interaction("archive recent", {"count": 25}, user=fake_discord.moderator)
    reply = await fake_discord.wait_for_interaction_message(asked, timeout=60)
    lines = reply.embeds[0]["description"].split("\n")
    listed = [line for line in lines if line.startswith("`")]
    assert all(re.search(r"(\d{4}-\d\d-\d\d|date unknown)$", line) for line in listed)  # no line cut short
    more = re.fullmatch(r"\u2026 and (\d+) more", lines[-1])
    total = ARTICLES + 1 + len(list((ROOT / "corpus").glob("*.md")))
    assert len(listed) + (int(more.group(1)) if more else 0) == total
    assert len(listed) >= 10
    fake_discord.assert_no_violations()


async def test_direction_overrides_in_quoted_text_do_not_turn_the_line_around(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    asked = await fake_discord.send_interaction("ask", {"question": "How many birds did the \u202espoofed pelican census count?"})
    reply = await fake_discord.wait_for_interaction_message(asked, timeout=60)
    embed = reply.embeds[0]
    assert "spoofed lighthouse" in embed["description"].replace("**", "")
    assert "Pelican census raey tsal results" in embed["description"]  # the text itself is kept
    assert not BIDI_CONTROLS.search(embed["description"] + embed["title"] + embed["footer"]["text"])
    listing = await fake_discord.send_interaction("archive recent", {"count": 25}, user=fake_discord.moderator)
    assert not BIDI_CONTROLS.search((await fake_discord.wait_for_interaction_message(listing, timeout=60)).embeds[0]["description"])
