"""/archive in Discord: moderators add (after a private preview), list and remove articles."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlite_utils import Database

from bot.client import NewsdeskBot
from bot.desk import Desk, load_archive
from bot.querylog import QueryLog
from bot.render_text import truncate
from bot.settings import Settings
from tests.bot.running import running_bot
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.local_web import LocalWeb, serve
from tests.paths import HTML_DIR, ROOT

PIER_QUESTION = "Why was the Harbour Town pier closed?"


@pytest.fixture
def web() -> Iterator[LocalWeb]:
    with serve() as server:
        yield server


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord, tmp_path: Path, web: LocalWeb) -> AsyncIterator[NewsdeskBot]:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
    settings = Settings(
        corpus_dir=corpus, db_path=tmp_path / "log.db", discord_token=fake_discord.token,
        guild_id=fake_discord.guild.id, cooldown_seconds=0, semantic=False, watch_seconds=0,
        fetch_private_hosts=(web.base.removeprefix("http://"),),  # the test pages: this machine, this port
        archive_guilds=(fake_discord.guild.id,),  # the operator's server: its moderators change the archive
    )
    desk = Desk(load_archive(corpus, semantic=False), QueryLog.open(settings.db_path))
    async with running_bot(fake_discord, desk, settings) as instance:
        yield instance


async def command(fake: FakeDiscord, name: str, options: dict, user=None):
    interaction = await fake.send_interaction(f"archive {name}", options, user=user or fake.moderator)
    return await fake.wait_for_interaction_message(interaction, timeout=60)


async def press(fake: FakeDiscord, preview, label: str):
    """The moderator presses the preview's button ``label``; the message it leaves."""
    button = next(c["custom_id"] for row in preview.components for c in row["components"] if c["label"] == label)
    return await fake.wait_for_interaction_message(await fake.click_button(preview, button, user=fake.moderator), timeout=60)


def actions(bot: NewsdeskBot) -> list[dict]:
    return list(Database(bot.settings.db_path)["archive_actions"].rows)


async def test_add_shows_a_private_preview_and_adds_on_confirmation(fake_discord: FakeDiscord, bot: NewsdeskBot, web: LocalWeb) -> None:
    url = web.add("/pier", (HTML_DIR / "article.html").read_bytes())
    preview = await command(fake_discord, "add", {"url": url})
    assert preview.ephemeral
    embed = preview.embeds[0]
    assert embed["title"] == "Harbour Town council votes to rebuild the old pier"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Outlet"] == "The Coastal Ledger" and fields["Published"] == "2024-03-05"
    assert embed["description"].startswith("The Harbour Town council voted on Tuesday")
    assert not list(bot.settings.corpus_dir.glob("the-coastal*"))  # nothing written yet
    assert not bot.desk.ask(PIER_QUESTION).answer.answered

    done = await press(fake_discord, preview, "Add")
    assert done.content.startswith("Added: `coastal-ledger-2024-03-05-harbour-town-council-votes") and "searchable now" in done.content
    assert bot.desk.ask(PIER_QUESTION).answer.answered  # no restart, no wait
    (row,) = actions(bot)
    assert row["action"] == "add" and row["user_id"] == str(fake_discord.moderator.id)
    assert row["url"] == "https://ledger.example.org/news/2024/03/05/pier-rebuild" and row["done_at"]


async def test_an_archive_that_cannot_be_updated_after_add_still_confirms_and_logs_the_add(
    fake_discord: FakeDiscord, bot: NewsdeskBot, web: LocalWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    (cog,) = [c for c in bot.cogs.values() if c.__class__.__name__ == "ArchiveCog"]

    async def failing_check() -> bool:
        raise PermissionError(13, "Permission denied", str(bot.settings.corpus_dir))

    monkeypatch.setattr(cog.live, "check", failing_check)
    preview = await command(fake_discord, "add", {"url": web.add("/pier", (HTML_DIR / "article.html").read_bytes())})
    done = await press(fake_discord, preview, "Add")
    assert done.content.startswith("Added: `coastal-ledger-2024-03-05-harbour-town-council-votes")
    assert "not searchable yet" in done.content and "searchable now" not in done.content
    assert [row["action"] for row in actions(bot)] == ["add"]  # who added it is logged all the same


async def test_a_changed_page_already_in_the_archive_names_the_overwrite_option_readably(
    fake_discord: FakeDiscord, bot: NewsdeskBot, web: LocalWeb
) -> None:
    page = (HTML_DIR / "article.html").read_bytes()
    url = web.add("/pier", page)
    preview = await command(fake_discord, "add", {"url": url})
    await press(fake_discord, preview, "Add")
    web.add("/pier", page.replace(b"Opponents had argued", b"Update: work starts in May. Opponents had argued"))
    reply = await command(fake_discord, "add", {"url": url})
    assert reply.content.endswith("its text has changed since: pass overwrite:True to replace it")


async def test_cancel_adds_nothing(fake_discord: FakeDiscord, bot: NewsdeskBot, web: LocalWeb) -> None:
    preview = await command(fake_discord, "add", {"url": web.add("/pier", (HTML_DIR / "article.html").read_bytes())})
    done = await press(fake_discord, preview, "Cancel")
    assert done.content == "Not added."
    assert len(list(bot.settings.corpus_dir.glob("*.md"))) == 5 and actions(bot) == []


async def test_a_page_that_cannot_be_fetched_is_one_private_line(fake_discord: FakeDiscord, bot: NewsdeskBot, web: LocalWeb) -> None:
    missing = web.url("/missing")
    reply = await command(fake_discord, "add", {"url": missing})
    assert reply.ephemeral and reply.content == f"{missing} answered HTTP 404 Not Found"


async def test_members_cannot_use_archive_commands(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    # Discord hides /archive from them (Manage Messages); an admin who allows one anyway
    # still gets the bot's own refusal.
    fake_discord.permit_command("archive", fake_discord.member)
    reply = await command(fake_discord, "recent", {}, user=fake_discord.member)
    assert reply.ephemeral and "Only moderators" in reply.content


async def test_recent_lists_the_latest_and_remove_takes_one_out(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    corpus = bot.settings.corpus_dir
    newest = max(corpus.glob("*.md"), key=lambda p: p.name)
    newest.touch()  # the file changed last
    listing = await command(fake_discord, "recent", {"count": 3})
    lines = listing.embeds[0]["description"].split("\n")
    assert len(lines) == 3 and lines[0].startswith(f"`{newest.stem}`")

    question = "What did Fabius say about the P5?"
    article_id = "middle-east-eye-2014-08-20-calls-for-iran-to-join-west"
    assert bot.desk.ask(question).answer.results[0].article_id == article_id
    reply = await command(fake_discord, "remove", {"id": article_id})
    assert reply.content.startswith(f"Removed `{article_id}`") and ".removed/" in reply.content
    assert (corpus / ".removed" / f"{article_id}.md").is_file() and not (corpus / f"{article_id}.md").exists()
    answer = bot.desk.ask(question).answer
    assert all(r.article_id != article_id for r in answer.results)
    assert [(r["action"], r["article_id"]) for r in actions(bot)] == [("remove", article_id)]

    unknown = await command(fake_discord, "remove", {"id": "no-such-article"})
    assert "no article with id 'no-such-article'" in unknown.content


async def test_what_the_page_lacks_is_asked_for_with_the_command_options(fake_discord: FakeDiscord, bot: NewsdeskBot, web: LocalWeb) -> None:
    url = web.add("/flood", (HTML_DIR / "bare.html").read_bytes())
    reply = await command(fake_discord, "add", {"url": url})
    assert reply.content == f'no title found in {url}; pass title:"Article title"'  # a missing date is no refusal
    preview = await command(fake_discord, "add", {"url": url, "title": "River floods the old quarter", "published": "2024-05-02"})
    assert preview.embeds[0]["title"] == "River floods the old quarter"
    assert "no publication date found; used published:2024-05-02" in preview.embeds[0]["footer"]["text"]


async def test_a_page_on_an_internal_address_is_refused_privately_without_a_request(fake_discord: FakeDiscord, bot: NewsdeskBot, web: LocalWeb) -> None:
    web.add("/pier", (HTML_DIR / "article.html").read_bytes())
    internal = web.url("/pier").replace("127.0.0.1", "localhost")  # only 127.0.0.1 itself is allowed here
    reply = await command(fake_discord, "add", {"url": internal})
    assert reply.ephemeral and reply.content.startswith(f"{internal}: localhost resolves to ")
    assert "a loopback address; newsdesk fetches only public web addresses" in reply.content and "\n" not in reply.content
    assert web.requests == [] and actions(bot) == []


async def test_an_expired_preview_loses_its_buttons_and_says_so(
    fake_discord: FakeDiscord, bot: NewsdeskBot, web: LocalWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past the preview's time Add / Cancel answer nothing ("This interaction failed" in
    # Discord), so they must not stay on the message.
    # The extension is loaded by name (discord.py keeps it off its package's attributes).
    monkeypatch.setattr(sys.modules["bot.cogs.archive_commands"], "PREVIEW_SECONDS", 0.3)
    preview = await command(fake_discord, "add", {"url": web.add("/pier", (HTML_DIR / "article.html").read_bytes())})
    assert preview.components

    def expired(message) -> bool:
        return message.kind == "interaction_edit" and message.message["id"] == preview.message["id"]

    edited = await fake_discord.wait_for_message(expired, timeout=5)
    assert edited.message["components"] == []
    assert "expired" in edited.message["content"] and "/archive add" in edited.message["content"]
    assert edited.message["embeds"]  # the moderator still sees what they previewed
    fake_discord.assert_no_violations()
    assert len(list(bot.settings.corpus_dir.glob("*.md"))) == 5 and actions(bot) == []


@pytest.mark.parametrize(
    ("name", "options", "expected"),
    [
        # (escaped: it renders as typed)
        ("add", {"url": "http://[::1"}, "http://\\[::1 is not a web address (http:// or https://)"),
        ("remove", {"id": "a" * 300}, f"no article with id '{'a' * 300}' in the corpus (see /archive recent for ids)"),
        # Discord lets an option hold 6000 characters; quoted whole, the reply was refused (an apology instead).
        ("remove", {"id": "a" * 1990}, truncate(f"no article with id '{'a' * 1990}' in the corpus (see /archive recent for ids)", 2000)),
    ],
)
async def test_odd_input_to_archive_commands_is_one_clear_private_line(
    fake_discord: FakeDiscord, bot: NewsdeskBot, name: str, options: dict, expected: str
) -> None:
    # An unclosed IPv6 bracket, an id longer than a file name may be: each was "something went wrong".
    reply = await command(fake_discord, name, options)
    assert reply.ephemeral and reply.content == expected
    assert len(list(bot.settings.corpus_dir.glob("*.md"))) == 5 and actions(bot) == []


async def test_a_feed_poll_that_cannot_record_what_it_saw_says_so_in_recent_and_warns_once(
    fake_discord: FakeDiscord, tmp_path: Path, web: LocalWeb, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".index"))
    index = tmp_path / "index"
    (corpus / ".feeds.json").mkdir(parents=True)  # cannot be replaced by a file: what the poll saw is not recorded
    page = (HTML_DIR / "article.html").read_bytes()
    links = [web.add("/pier", page), web.add("/pier-again", page)]  # two entries, one poll
    items = "".join(f"<item><title>Pier</title><link>{link}</link></item>" for link in links)
    feed = web.add("/rss", f'<rss version="2.0"><channel><title>L</title>{items}</channel></rss>'.encode(), Content_Type="application/rss+xml")
    settings = Settings(
        corpus_dir=corpus, index_path=index, db_path=tmp_path / "log.db", discord_token=fake_discord.token,
        guild_id=fake_discord.guild.id, cooldown_seconds=0, semantic=False, watch_seconds=0,
        fetch_private=True, feeds=(feed,),
    )
    desk = Desk(load_archive(corpus, index, semantic=False), QueryLog.open(settings.db_path))
    caplog.set_level("WARNING")
    async with running_bot(fake_discord, desk, settings) as bot:
        live = bot.get_cog("ArchiveCog").live
        # The first poll starts at once; its new page makes the archive reload.
        await fake_discord.wait_for(lambda: live.reloads, timeout=60, what="the archive reloaded after the poll")
        assert bot.desk.ask(PIER_QUESTION).answer.answered
        listing = await command(fake_discord, "recent", {"count": 3})
    shown = [field["value"] for field in listing.embeds[0].get("fields", [])]
    assert len(shown) == 1 and "feeds.json" in shown[0] and "fetched again" in shown[0]
    assert "make the corpus folder writable" in shown[0] and "\n" not in shown[0]  # how to fix it, on one line
    assert "seen in .feeds.json (" in shown[0] and str(corpus) not in shown[0]  # not the server's path
    unsaved = [r for r in caplog.records if "feeds.json" in r.getMessage() and "unreadable" not in r.getMessage()]
    assert [r.levelname for r in unsaved] == ["WARNING"]


async def test_a_page_already_in_the_archive_is_named_by_its_article_not_the_servers_path(
    fake_discord: FakeDiscord, bot: NewsdeskBot, web: LocalWeb
) -> None:
    # Moderators see the article (its file in the corpus, its title), never where the
    # server keeps the corpus (/home/bot/... told them nothing they could act on).
    url = web.add("/pier", (HTML_DIR / "article.html").read_bytes())
    await press(fake_discord, await command(fake_discord, "add", {"url": url}), "Add")
    (added,) = bot.settings.corpus_dir.glob("coastal-ledger-*.md")
    reply = await command(fake_discord, "add", {"url": url})
    shown = reply.content.replace("\\", "")  # as Discord renders it (the escapes gone)
    assert reply.ephemeral and str(bot.settings.corpus_dir) not in shown
    assert f'is already in the corpus as {added.name}, "Harbour Town council votes to rebuild the old pier"' in shown
    assert shown.endswith("unchanged")


async def test_a_removal_that_fails_names_no_server_path(fake_discord: FakeDiscord, bot: NewsdeskBot) -> None:
    corpus = bot.settings.corpus_dir
    (corpus / ".removed").write_text("not a folder")  # the kept-files folder cannot be made
    article_id = "middle-east-eye-2014-08-20-calls-for-iran-to-join-west"
    reply = await command(fake_discord, "remove", {"id": article_id})
    shown = reply.content.replace("\\", "")
    assert reply.ephemeral and str(corpus) not in shown
    assert shown.startswith(f"cannot move {article_id}.md into .removed (")
    assert (corpus / f"{article_id}.md").is_file() and actions(bot) == []


async def test_a_site_that_trickles_its_headers_fails_at_the_deadline_in_the_fetch_threads(
    fake_discord: FakeDiscord, bot: NewsdeskBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrieval.ingest.fetch import FetchLimits
    from retrieval.library import core as library_core
    from tests.trickle_web import trickling

    limits = FetchLimits(timeout=5.0, deadline=1.0, allow_private=True)  # bytes in time; the deadline ends it
    cog = bot.get_cog("ArchiveCog")
    monkeypatch.setattr(cog, "library", dataclasses.replace(cog.library, limits=limits))  # the bot's settings, made at start
    threads: list[str] = []
    real_fetch = library_core.fetch

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real_fetch(*args, **kwargs)

    monkeypatch.setattr(library_core, "fetch", spy)
    with trickling() as slow:
        url = slow.url("/news/slow")
        reply = await command(fake_discord, "add", {"url": url})
    assert reply.ephemeral and reply.content == (
        f"{url} did not finish within the 1 s deadline for a whole fetch (connect, headers and body); "
        "the site is too slow, try again later"
    )
    assert threads and all(name.startswith("newsdesk-fetch") for name in threads)  # not the default executor
    assert len(list(bot.settings.corpus_dir.glob("*.md"))) == 5 and actions(bot) == []


async def test_an_add_that_fails_unexpectedly_is_one_private_apology_and_logged(
    fake_discord: FakeDiscord, bot: NewsdeskBot, web: LocalWeb, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Was: discord.py's own "Ignoring exception in view" and a press that seemed to do nothing.
    (cog,) = [c for c in bot.cogs.values() if c.__class__.__name__ == "ArchiveCog"]

    def disk_full(library: object, preview: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(type(cog.library), "add_previewed", disk_full)  # a frozen Library: its class
    preview = await command(fake_discord, "add", {"url": web.add("/pier", (HTML_DIR / "article.html").read_bytes())})
    sorry = await press(fake_discord, preview, "Add")
    assert sorry.ephemeral and sorry.content.startswith("Sorry, something went wrong")
    failure = next(r for r in caplog.records if "the Add button failed" in r.getMessage())
    assert failure.exc_info and "No space left" in str(failure.exc_info[1])
    assert actions(bot) == []
    fake_discord.assert_nothing_pings()
