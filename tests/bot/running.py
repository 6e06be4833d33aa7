"""Run the real bot against the Discord stand-in for the length of a ``async with``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from bot.client import NewsdeskBot
from bot.desk import Desk
from bot.settings import Settings
from tests.discord_standin import FakeDiscord


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord, desk: Desk, settings: Settings) -> AsyncIterator[NewsdeskBot]:
    """The bot logged in and ready; closed (and its task awaited) on exit."""
    instance = NewsdeskBot(desk=desk, settings=settings, **fake.client_kwargs())
    task = asyncio.create_task(instance.start(fake.token))
    await asyncio.wait_for(instance.wait_until_ready(), 60)
    try:
        yield instance
    finally:
        await instance.close()
        await asyncio.gather(task, return_exceptions=True)
