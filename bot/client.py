"""The Discord bot: a ``commands.AutoShardedBot`` that takes its dependencies as keyword arguments.

It opens as many gateway connections (shards) as Discord recommends at start-up (``GET /gateway/bot``):
one below 2,500 servers; past that Discord refuses a single connection (close code 4011).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.arrivals import ArrivalHook
from bot.checks import NOT_SERVED_COMMAND, ModeratorRoles, allowed_guild
from bot.desk import Desk
from bot.failures import APOLOGY, report_failure
from bot.live import warm_up_soon
from bot.reply import NO_MENTIONS
from bot.settings import Settings

log = logging.getLogger(__name__)

COGS = ("bot.cogs.ask", "bot.cogs.querylog_commands", "bot.cogs.archive_commands", "bot.cogs.about", "bot.cogs.watch", "bot.cogs.late")
# Shown under the bot's name in the member list.
PRESENCE = discord.Activity(type=discord.ActivityType.watching, name="the news archive \u00b7 /help")
# Installed to servers only (no user installs); its commands work in servers and in a DM with
# the bot, never in other people's DMs or group DMs (/querylog and /archive: servers only).
INSTALLS = app_commands.AppInstallationType(guild=True, user=False)
CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=False)
# How long a graceful stop (SIGTERM, SIGINT) waits for the answers in flight before it closes.
DRAIN_SECONDS = 10.0
# The private line for a command that arrives while the bot is stopping.
STOPPING = "newsdesk is restarting; please ask again in a minute."
__all__ = ["APOLOGY", "COGS", "NewsdeskBot", "make_intents"]


def make_intents(message_content: bool = True) -> discord.Intents:
    """Only what the bot uses: servers (roles, channels), their messages (mentions), DMs
    (questions sent to the bot) and, when enabled, message content (privileged: the text of
    mentions; a DM's text comes without it). Slash commands and buttons need no intent."""
    return discord.Intents(guilds=True, guild_messages=True, dm_messages=True, message_content=message_content)


class NewsdeskTree(app_commands.CommandTree):
    """A command from a server outside ``NEWSDESK_GUILDS`` gets one private line and does nothing
    (the bot is leaving it; see :meth:`NewsdeskBot.serves`); while the bot stops, a command gets one private line. Every
    command it runs is work in flight that a graceful stop waits for."""

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        command = getattr(interaction.command, "qualified_name", "?")
        bot: NewsdeskBot = self.client  # type: ignore[assignment]
        if not bot.serves(interaction.guild_id, f"/{command}"):
            await interaction.response.send_message(NOT_SERVED_COMMAND, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return False
        if not bot.begin_work(f"/{command}"):
            await interaction.response.send_message(STOPPING, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return False
        return True


def servers_only(tree: app_commands.CommandTree) -> None:
    """A server-only command (``guild_only``) is offered in servers alone. discord.py merges a
    command's contexts into the tree's field by field, so ``guild_only`` (guild=True, the rest
    unset) would take the tree's DM context too and Discord would offer it in DMs: the DM and
    private-channel contexts are switched off explicitly."""
    for command in tree.get_commands():
        if getattr(command, "guild_only", False):
            command.allowed_contexts = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)


class NewsdeskBot(commands.AutoShardedBot):
    def __init__(
        self,
        *,
        desk: Desk,
        settings: Settings,
        message_content: bool = True,
        cogs: tuple[str, ...] = COGS,
        sync_guild: bool = True,
        warm_up: bool = True,
        **options: Any,
    ) -> None:
        """``sync_guild``: publish the commands to NEWSDESK_GUILD_ID at start-up (off for a global sync).
        ``warm_up``: warm the desk's archive up in the background at start-up (off to only publish commands)."""
        # A text bot: discord.py's warnings that voice needs PyNaCl and davey are noise here.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=make_intents(message_content),
            allowed_mentions=NO_MENTIONS,
            help_command=None,
            tree_cls=NewsdeskTree,
            activity=PRESENCE,
            allowed_installs=INSTALLS,
            allowed_contexts=CONTEXTS,
            **options,
        )
        self.desk = desk
        self.settings = settings
        # "New articles arrived": the live archive fires it, the cogs deliver what its checks find.
        self.arrivals = ArrivalHook(desk)
        self.moderator_roles = ModeratorRoles(settings.moderator_roles)
        self.initial_extensions = cogs
        self.sync_guild = sync_guild
        self.warm_up_at_start = warm_up
        self.warm_up_task: asyncio.Task[None] | None = None
        self.tree.on_error = self.on_app_command_error
        # A graceful stop: no new work once ``stopping``; the tasks answering meanwhile are waited for.
        self.stopping = False
        self.in_flight: set[asyncio.Task[Any]] = set()
        self._stop_task: asyncio.Task[None] | None = None

    def begin_work(self, what: str) -> bool:
        """Count the current task (a command, a question by mention) as work in flight that a
        graceful stop waits for; False (and nothing counted) once the bot is stopping."""
        if self.stopping:
            log.info("not started while stopping: %s", what)
            return False
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)
        return True

    def request_stop(self, reason: str = "asked to stop") -> None:
        """Stop gracefully (for SIGTERM and SIGINT); asked a second time, close at once."""
        if self._stop_task is None:
            self._stop_task = asyncio.ensure_future(self.stop_gracefully(reason))
        else:
            log.warning("%s again: closing without waiting for the answers in flight", reason)
            asyncio.ensure_future(self.close())

    async def stop_gracefully(self, reason: str = "asked to stop", drain_seconds: float = DRAIN_SECONDS) -> None:
        """Take no new questions, let those in flight finish (at most ``drain_seconds``), then close
        the gateway and the client."""
        self.stopping = True
        pending = {task for task in self.in_flight if not task.done()}
        log.info("%s: taking no new questions; waiting up to %g s for %d in flight", reason, drain_seconds, len(pending))
        if pending:
            _, late = await asyncio.wait(pending, timeout=drain_seconds)
            if late:
                log.warning("%d answer(s) still running after %g s; closing without them", len(late), drain_seconds)
        await self.close()
        log.info("stopped: gateway closed")

    def serves(self, guild_id: int | None, what: str) -> bool:
        """Whether ``NEWSDESK_GUILDS`` lets the bot act on ``what`` (a command, a mention, a
        button) from server ``guild_id`` (None: a DM, always served); a refusal is logged."""
        if allowed_guild(guild_id, self.settings.guilds):
            return True
        log.warning("ignored %s from server %s, which is not in NEWSDESK_GUILDS", what, guild_id)
        return False

    async def setup_hook(self) -> None:
        for extension in self.initial_extensions:
            await self.load_extension(extension)
        servers_only(self.tree)
        archive = self.desk.loaded_archive
        if self.warm_up_at_start and archive is not None:
            # In a worker thread, while the bot connects: the first member to ask does not
            # pay for the speller and the word lists (readiness does not wait for them).
            self.warm_up_task = warm_up_soon(archive, "start-up")
        if self.settings.guild_id and self.sync_guild:
            await self._sync_development_guild(self.settings.guild_id)

    async def _sync_development_guild(self, guild_id: int) -> None:
        """Publish the commands to NEWSDESK_GUILD_ID (instant: the fast loop for development).

        Not once they are published globally: that server would list every command twice.
        """
        if await self.tree.fetch_commands():
            log.warning(
                "slash commands are published globally, so they are not copied to NEWSDESK_GUILD_ID=%s "
                "(that server would list each twice); update them with `newsdesk sync --global`", guild_id
            )
            return
        guild = discord.Object(id=guild_id)
        self.tree.copy_global_to(guild=guild)
        synced = await self.tree.sync(guild=guild)
        log.info("synced %d commands to guild %s", len(synced), guild_id)

    async def close(self) -> None:
        if self.warm_up_task is not None:
            self.warm_up_task.cancel()
        await super().close()

    async def on_message(self, message: discord.Message, /) -> None:
        # No prefix commands: mentions are questions, handled by the Ask cog's listener.
        return None

    async def on_ready(self) -> None:
        log.info("logged in as %s (%s); %s", self.user, getattr(self.user, "id", "?"), self.desk.summary())
        for guild in list(self.guilds):
            await self._welcome(guild)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self._welcome(guild)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        await self._welcome(guild)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.moderator_roles.forget(guild.id)

    async def _welcome(self, guild: discord.Guild) -> None:
        """Leave a server outside NEWSDESK_GUILDS; otherwise resolve its moderator role names."""
        if not allowed_guild(guild.id, self.settings.guilds):
            log.warning("leaving server %s (%s): it is not in NEWSDESK_GUILDS", guild.id, guild.name)
            try:
                await guild.leave()
            except discord.HTTPException:
                log.exception("could not leave server %s; its commands are ignored", guild.id)
            return
        self.moderator_roles.resolve(guild)

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """One place that maps command errors to private replies (see bot.failures)."""
        name = getattr(interaction.command, "qualified_name", "?")
        await report_failure(interaction, error, f"command {name!r}")

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("unhandled error in %s", event_method)

