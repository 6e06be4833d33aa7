"""Starting the bot: a clear message without a token; explicit global sync."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.desk import Desk
from bot.runner import sync_commands
from bot.settings import Settings
from retrieval.store.saved import load_or_build
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)

ROOT = Path(__file__).resolve().parents[2]

COMMANDS = {"ask", "querylog", "archive", "help", "ping", "watch", "lateanswers"}


@pytest.mark.parametrize("command", [["-m", "bot.cli", "run"], ["-m", "bot"]])
def test_missing_token_is_one_line_saying_what_to_set(tmp_path: Path, command: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, *command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "DISCORD_TOKEN" in lines[0] and ".env" in lines[0]


def test_the_running_bot_logs_each_line_once(tmp_path: Path) -> None:
    # `newsdesk run` up to the connection: what it logs reaches the terminal once, in the
    # bot's own format (not also through the handler the command line set up first).
    code = (
        "import logging, bot.runner\n"
        "def fake_run(settings):\n"
        "    bot.runner.configure_logging(settings.log_level)\n"
        "    logging.getLogger('bot.runner').warning('archive loaded, connecting')\n"
        "bot.runner.main_run = fake_run\n"
        "from bot.cli import main\n"
        "main(['run'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "not-a-real-token"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("archive loaded, connecting") == 1, done.stderr


def test_bad_setting_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSDESK_COOLDOWN_SECONDS": "soon"}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "Iran?"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "NEWSDESK_COOLDOWN_SECONDS" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("level", ["LOUD", "verbose", "20"])
def test_a_log_level_that_is_not_one_is_refused_naming_the_levels(level: str) -> None:
    from bot.settings import SettingsError, load_settings

    with pytest.raises(SettingsError, match=r"NEWSDESK_LOG_LEVEL=.* DEBUG, INFO, WARNING, ERROR"):
        load_settings({"NEWSDESK_LOG_LEVEL": level}, dotenv_path=None)
    assert load_settings({"NEWSDESK_LOG_LEVEL": " debug "}, dotenv_path=None).log_level == "DEBUG"


async def test_global_sync_is_an_explicit_command(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    settings = Settings(discord_token=fake.token, guild_id=None)
    desk = Desk(load_or_build(ROOT / "corpus", tmp_path / "index"), None)
    names = await sync_commands(settings, globally=True, desk=desk, client_options=fake.client_kwargs)
    assert set(names) == COMMANDS
    assert {c["name"] for c in fake.synced_commands()} == COMMANDS
    # Without a guild configured, start-up syncs nothing by itself.
    assert not [r for r in fake.requests if r.route and "/guilds/" in r.route and r.method == "PUT"]


async def test_sync_publishes_the_commands_without_loading_the_archive_or_the_log(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    # Neither exists: loading the archive would fail, and opening the log would create it.
    settings = Settings(
        discord_token=fake.token, guild_id=fake.guild.id, corpus_dir=tmp_path / "no-corpus", db_path=tmp_path / "log.db"
    )
    names = await sync_commands(settings, globally=False, client_options=fake.client_kwargs)
    assert set(names) == COMMANDS
    assert not (tmp_path / "log.db").exists() and not (tmp_path / "no-corpus").exists()


async def test_guild_sync_needs_a_guild(fake_discord: FakeDiscord) -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="NEWSDESK_GUILD_ID"):
        await sync_commands(Settings(discord_token=fake_discord.token), globally=False)


async def test_global_sync_with_a_development_guild_leaves_one_copy_of_each_command(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    settings = Settings(discord_token=fake.token, guild_id=fake.guild.id)
    desk = Desk(load_or_build(ROOT / "corpus", tmp_path / "index"), None)
    await sync_commands(settings, globally=False, desk=desk, client_options=fake.client_kwargs)  # the dev copy
    assert {c["name"] for c in fake.synced_commands(fake.guild)} == COMMANDS
    names = await sync_commands(settings, globally=True, desk=desk, client_options=fake.client_kwargs)
    assert set(names) == COMMANDS
    assert {c["name"] for c in fake.synced_commands()} == COMMANDS
    # The server would otherwise list each command twice: its own copy and the global one.
    assert fake.synced_commands(fake.guild) == []


async def test_once_published_globally_start_up_does_not_copy_the_commands_to_the_guild_again(
    fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from bot.client import NewsdeskBot

    fake = fake_discord
    settings = Settings(discord_token=fake.token, guild_id=fake.guild.id)
    desk = Desk(load_or_build(ROOT / "corpus", tmp_path / "index"), None)
    await sync_commands(settings, globally=True, desk=desk, client_options=fake.client_kwargs)
    bot = NewsdeskBot(desk=desk, settings=settings, **fake.client_kwargs())
    async with bot:
        await bot.login(fake.token)  # start-up's setup_hook: where the guild copy was made
    assert fake.synced_commands(fake.guild) == []
    assert any("published globally" in r.getMessage() for r in caplog.records)


def test_a_missing_corpus_folder_is_one_line_before_any_connection(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "not-a-real-token",
           "NEWSDESK_CORPUS": str(tmp_path / "missing"), "NEWSDESK_DB": str(tmp_path / "log.db")}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "does not exist" in lines[0] and "NEWSDESK_CORPUS" in lines[0]


async def test_discord_out_of_reach_is_one_clear_error(tmp_path: Path) -> None:
    from bot.runner import StartupError, run_bot

    fake = await FakeDiscord().start()
    await fake.close()  # nothing listens on its port any more: the connection is refused
    settings = Settings(corpus_dir=ROOT / "corpus", index_path=tmp_path / "index", db_path=tmp_path / "log.db",
                        discord_token=fake.token, semantic=False, watch_seconds=0)
    with pytest.raises(StartupError, match=r"^cannot reach Discord \(.*\); check this machine's network"):
        await run_bot(settings, client_options=fake.client_kwargs)
