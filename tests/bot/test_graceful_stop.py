"""SIGTERM (``docker stop``, ``systemctl stop``) and SIGINT stop the bot gracefully: no new
questions, the answers in flight finish, the gateway is closed, exit 0.

The bot runs as a real process (``tests/bot/standin_process.py``: ``run_bot`` as ``newsdesk
run`` calls it) against the Discord stand-in this test runs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.client import STOPPING, NewsdeskBot
from tests.discord_standin import FakeDiscord
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.paths import FIXTURE_CORPUS, ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

QUESTION = "Why did engineers open the spillway of the Orin dam?"


class Process:
    """The bot's process, with its log lines as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process, self.lines = process, []
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode(errors="replace").rstrip())

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    async def exit_code(self, timeout: float = 60) -> int:
        code = await asyncio.wait_for(self.process.wait(), timeout)
        await self.reader
        return code


async def start_process(fake: FakeDiscord, tmp_path: Path, slow_seconds: float) -> Process:
    ca = tmp_path / "standin-ca.pem"
    ca.write_text(fake.tls.ca_pem)
    env = {
        **os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": fake.token, "NEWSDESK_GUILD_ID": str(fake.guild.id),
        "NEWSDESK_CORPUS": str(FIXTURE_CORPUS), "NEWSDESK_INDEX": str(tmp_path / "index"),
        "NEWSDESK_DB": str(tmp_path / "log.db"), "NEWSDESK_SEMANTIC": "0", "NEWSDESK_WATCH_SECONDS": "0",
        "NEWSDESK_COOLDOWN_SECONDS": "0", "STANDIN_PORT": str(fake.port), "STANDIN_CA": str(ca),
        "STANDIN_SLOW_SECONDS": str(slow_seconds),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bot.standin_process", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    running = Process(process)
    await fake.wait_for(lambda: running.said("logged in as") or process.returncode is not None, timeout=120, what="the bot ready")
    assert process.returncode is None, "\n".join(running.lines)
    return running


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_stop_signal_lets_the_answer_in_flight_finish_refuses_new_questions_and_exits_0(
    fake_discord: FakeDiscord, tmp_path: Path, sig: signal.Signals
) -> None:
    fake = fake_discord
    bot = await start_process(fake, tmp_path, slow_seconds=4)
    connection = fake.connections[-1]
    first = await fake.send_interaction("ask", {"question": QUESTION})
    assert (await fake.wait_for_interaction_response(first)).type == 5  # deferred: the search is running
    bot.process.send_signal(sig)
    await fake.wait_for(lambda: bot.said("taking no new questions"), what="the stop begun")
    second = await fake.send_interaction("ask", {"question": "Who is Tomas Vell?"}, user=fake.moderator)
    refused = await fake.wait_for_interaction_message(second)
    assert refused.ephemeral and refused.content == STOPPING
    answer = await fake.wait_for_interaction_message(first, timeout=60)  # the one in flight is answered
    assert answer.embeds and "reservoir had risen" in answer.embeds[0]["description"]
    assert await bot.exit_code() == 0
    # The bot closed the gateway itself (the stand-in did not), and no new session was opened.
    assert connection not in fake.connections and connection.close_code is None and fake.identify_count == 1
    assert bot.said("stopped: gateway closed") and not bot.said("Traceback"), "\n".join(bot.lines)
    fake.assert_no_violations()


async def test_answers_that_outlast_the_drain_do_not_hold_the_stop(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    # In process: the bounded wait, without waiting 10 s for it.
    from retrieval.store.saved import load_or_build
    from tests.bot.test_discord_bot import HeldDesk, make_settings, start_bot

    fake = fake_discord
    # The search is held until after the stop: the answer outlasts any drain, however fast the machine.
    desk = HeldDesk(load_or_build(FIXTURE_CORPUS, tmp_path / "index"), None)
    bot: NewsdeskBot = await start_bot(fake, desk, make_settings(fake))
    try:
        interaction = await fake.send_interaction("ask", {"question": QUESTION})
        await fake.wait_for_interaction_response(interaction)
        await fake.wait_for(lambda: desk.started, timeout=60, what="the search to start")
        assert len(bot.in_flight) == 1
        await asyncio.wait_for(bot.stop_gracefully("test", drain_seconds=0.1), 60)
        assert bot.is_closed() and bot.stopping
    finally:
        desk.release.set()  # the held search ends; nothing waits for it
        await bot.close()
