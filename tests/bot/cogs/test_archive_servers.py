"""One archive for every server: only the operator's servers (NEWSDESK_ARCHIVE_GUILDS) change it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.checks import ARCHIVE_BY_OPERATOR
from bot.desk import load_archive
from bot.querylog import QueryLog
from bot.settings import SettingsError, load_settings
from tests.bot.cogs.test_querylog_servers import started
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.paths import ROOT


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder, ignore=shutil.ignore_patterns(".index"))
    return folder


def files(corpus: Path) -> list[str]:
    return sorted(p.name for p in corpus.rglob("*.md"))


async def test_a_strangers_server_cannot_remove_or_add_an_article(fake_discord: FakeDiscord, corpus: Path, tmp_path: Path) -> None:
    fake = fake_discord
    stranger = fake.add_user("stranger")
    theirs = fake.add_guild("Strangers", owner=stranger)  # they own it: every permission there
    channel = theirs.add_channel("newsroom")
    archive = load_archive(corpus, semantic=False)
    article = archive.articles[0]
    before = files(corpus)
    async with started(fake, archive, QueryLog.open(tmp_path / "log.db"), corpus_dir=corpus, semantic=False,
                      archive_guilds=(fake.guild.id,)) as bot:
        for name, options in (("remove", {"id": article.id}), ("add", {"url": "https://news.example/page"})):
            interaction = await fake.send_interaction(f"archive {name}", options, user=stranger, channel=channel)
            reply = await fake.wait_for_interaction_message(interaction)
            assert reply.ephemeral and reply.content == ARCHIVE_BY_OPERATOR and "\n" not in reply.content
        assert files(corpus) == before and any(a.id == article.id for a in bot.desk.loaded_archive.articles)
        assert not [r for r in fake.requests if "news.example" in r.path]  # nothing fetched either
        # The operator's server may (its moderators): the same removal there is made.
        interaction = await fake.send_interaction("archive remove", {"id": article.id}, user=fake.moderator)
        reply = await fake.wait_for_interaction_message(interaction)
        assert reply.ephemeral and reply.content.startswith("Removed")
        assert f".removed/{article.id}.md" in [str(p.relative_to(corpus)) for p in corpus.rglob("*.md")]
        fake.assert_no_violations()


async def test_with_no_archive_servers_even_the_owner_changes_nothing_from_discord(
    fake_discord: FakeDiscord, corpus: Path, tmp_path: Path
) -> None:
    fake = fake_discord
    archive = load_archive(corpus, semantic=False)
    before = files(corpus)
    async with started(fake, archive, QueryLog.open(tmp_path / "log.db"), corpus_dir=corpus, semantic=False):
        interaction = await fake.send_interaction("archive remove", {"id": archive.articles[0].id}, user=fake.owner)
        reply = await fake.wait_for_interaction_message(interaction)
        assert reply.ephemeral and reply.content == ARCHIVE_BY_OPERATOR
        assert files(corpus) == before
        # Listing what is there changes nothing, and stays the moderators'.
        listing = await fake.wait_for_interaction_message(await fake.send_interaction("archive recent", {}, user=fake.moderator))
        assert listing.ephemeral and listing.embeds[0]["title"] == "Added last"
        fake.assert_no_violations()


async def test_in_an_archive_server_a_plain_member_is_still_refused_as_no_moderator(
    fake_discord: FakeDiscord, corpus: Path, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.permit_command("archive", fake.member, guild=fake.guild)  # shown to them, the check still runs
    archive = load_archive(corpus, semantic=False)
    before = files(corpus)
    async with started(fake, archive, QueryLog.open(tmp_path / "log.db"), corpus_dir=corpus, semantic=False,
                      archive_guilds=(fake.guild.id,)):
        interaction = await fake.send_interaction("archive remove", {"id": archive.articles[0].id}, user=fake.member)
        reply = await fake.wait_for_interaction_message(interaction)
        assert reply.ephemeral and reply.content.startswith("Only moderators")
        assert files(corpus) == before


def test_newsdesk_archive_guilds_setting() -> None:
    assert load_settings({}, dotenv_path=None).archive_guilds == ()
    assert load_settings({"NEWSDESK_ARCHIVE_GUILDS": "12, 34"}, dotenv_path=None).archive_guilds == (12, 34)
    both = load_settings({"NEWSDESK_GUILDS": "12 34", "NEWSDESK_ARCHIVE_GUILDS": "12"}, dotenv_path=None)
    assert both.archive_guilds == (12,)
    with pytest.raises(SettingsError, match="NEWSDESK_ARCHIVE_GUILDS: server 56 is not in NEWSDESK_GUILDS"):
        load_settings({"NEWSDESK_GUILDS": "12", "NEWSDESK_ARCHIVE_GUILDS": "56"}, dotenv_path=None)
    with pytest.raises(SettingsError, match="NEWSDESK_ARCHIVE_GUILDS.*'home'.*server id"):
        load_settings({"NEWSDESK_ARCHIVE_GUILDS": "home"}, dotenv_path=None)
