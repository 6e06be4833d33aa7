"""What an operator expects of a service: plain logs off a terminal, no voice warnings for a
text bot, one line when Discord cannot be reached."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.desk import Desk
from bot.runner import StartupError, configure_logging, sync_commands
from bot.settings import Settings
from tests.discord_standin import FakeDiscord
from tests.paths import ROOT


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_logs_are_plain_off_a_terminal_and_coloured_on_one(root_logging: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    piped = io.StringIO()  # journald, docker logs, a file
    configure_logging("INFO", piped)
    logging.getLogger("bot.test").info("archive loaded, connecting")
    line = piped.getvalue()
    assert "archive loaded, connecting" in line and "INFO" in line and "\x1b[" not in line

    terminal = Terminal()
    configure_logging("INFO", terminal)
    logging.getLogger("bot.test").info("on a terminal")
    assert "\x1b[" in terminal.getvalue()

    monkeypatch.setenv("NO_COLOR", "1")
    no_colour = Terminal()
    configure_logging("INFO", no_colour)
    logging.getLogger("bot.test").info("asked for none")
    assert "\x1b[" not in no_colour.getvalue()


def test_a_text_bot_gives_no_voice_warnings(tmp_path: Path) -> None:
    code = (
        "import logging\n"
        "from bot.runner import configure_logging\n"
        "configure_logging('INFO')\n"
        "from bot.client import NewsdeskBot\n"
        "from bot.desk import Desk\n"
        "from bot.settings import Settings\n"
        "settings = Settings(corpus_dir=__import__('pathlib').Path('corpus'))\n"
        "NewsdeskBot(desk=Desk.from_settings(settings, open_log=False, lazy=True), settings=settings)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "voice" not in done.stderr.lower() and "PyNaCl" not in done.stderr, done.stderr


async def test_sync_with_discord_out_of_reach_is_one_clear_error(tmp_path: Path) -> None:
    fake = await FakeDiscord().start()
    await fake.close()  # nothing listens on its port any more: the connection is refused
    settings = Settings(discord_token=fake.token, guild_id=1, corpus_dir=tmp_path, db_path=tmp_path / "log.db")
    desk = Desk.from_settings(settings, open_log=False, lazy=True)
    for globally in (True, False):
        with pytest.raises(StartupError, match=r"^cannot reach Discord \(.*\); check this machine's network"):
            await sync_commands(settings, globally=globally, desk=desk, client_options=fake.client_kwargs)
