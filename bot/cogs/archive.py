"""The live archive in the running bot: background tasks that follow the corpus and poll feeds.

Started when the cog loads and cancelled when it unloads (the bot closing). See
:mod:`bot.live` for what the tasks guarantee.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from discord.ext import commands

from bot.live import LiveArchive

if TYPE_CHECKING:
    from bot.client import NewsdeskBot

log = logging.getLogger(__name__)


class ArchiveCog(commands.Cog):
    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self.live = LiveArchive(bot.desk, bot.settings)
        self.tasks: list[asyncio.Task] = []

    async def cog_load(self) -> None:
        settings = self.bot.settings
        if settings.watch_seconds > 0:
            await self.live.start_watching()
            self.tasks.append(asyncio.create_task(self.live.watch(), name="newsdesk-live-archive"))
            log.info("following %s for changes every %g s", settings.corpus_dir, settings.watch_seconds)
        if settings.feeds:
            self.tasks.append(asyncio.create_task(self.live.poll_feeds(), name="newsdesk-feeds"))
            log.info("polling %d feed(s) every %g min", len(settings.feeds), settings.feed_minutes)

    async def cog_unload(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(ArchiveCog(bot))
