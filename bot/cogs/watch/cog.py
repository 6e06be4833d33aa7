"""/watch add, list, stop, resume, and posting what the watches find: Discord code only.

What a watch is, when it fires and its limits are decided beside this cog, without Discord
(:mod:`bot.watch_firing`, and the desk's watch methods); this module turns commands into desk
calls, and what the watch check finds when articles arrive (the hook :mod:`bot.arrivals`) into
messages. Guarantees: every reply to a command is private; every
command reaches only the watches of the server it is used in (a member their own; a moderator
every one of the server's); nothing the bot posts pings anyone. A post Discord refuses (a DM
the member closed, 50007; a channel the bot may no longer post in, or gone) pauses the watch
and is logged, never raised; the member resumes it with ``/watch resume`` or ``/watch add``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import interaction_is_moderator
from bot.cogs.ask.cog import ASK_OPTIONS
from bot.cogs.watch.messages import list_embed, paused_notice, post_embed, quoted
from bot.desk import Watch, WatchError
from bot.failures import send_private
from bot.querylog import QueryLogError
from bot.reply import NO_MENTIONS
from bot.watch_firing import Firing, Post, WatchCheck, limits_of

if TYPE_CHECKING:
    from bot.client import NewsdeskBot

log = logging.getLogger(__name__)

FILTERS = ("outlet", "since", "until")  # /ask's, described as /ask describes them
DELIVERIES = [app_commands.Choice(name="in this channel", value="channel"),
              app_commands.Choice(name="by DM to me", value="dm")]
NOT_YOURS = "There is no watch #{id} of yours in this server{state}: `/watch list` shows them."
CANNOT_POST_HERE = ("I can't post in this channel (I need Send Messages and Embed Links here): "
                    "choose `deliver: by DM to me`, or add the watch in another channel.")
# Discord's codes for a message it will not take: a DM the member closed, no access, no permission, gone.
REFUSED_CODES = {50007: "Discord refused the DM (the member does not accept DMs from this server's members)",
                 50001: "the bot can no longer see the channel", 50013: "the bot may no longer post in the channel",
                 10003: "the channel no longer exists"}


@app_commands.guild_only()
class WatchCog(
    commands.GroupCog, name="Watch", group_name="watch",
    group_description="Saved questions: each new article that answers one is posted",
):
    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self.limits = limits_of(bot.settings)

    # -- firing ----------------------------------------------------------------------

    async def cog_load(self) -> None:
        # When articles arrive (a feed poll, /archive add, files copied in), the desk runs the
        # watch check in a worker thread and this cog posts what it found (bot.arrivals).
        self.bot.desk.on_arrival(WatchCheck(self.limits))
        self.bot.arrivals.deliver(WatchCheck.name, self.post)

    async def post(self, firings: Sequence[Firing]) -> None:
        """Post each finding where its watch posts; a refusal pauses the watch (never raises)."""
        refused: set[int] = set()
        for firing in firings:
            if firing.watch.id in refused:
                continue
            if isinstance(firing, Post):
                sent = await self._send(firing.watch, embed=post_embed(firing))
            else:
                notice = paused_notice(firing.watch, firing.reason, self._server(firing.watch))
                sent = await self._send(firing.watch, content=notice)
            if not sent:
                refused.add(firing.watch.id)

    def _server(self, watch: Watch) -> str | None:
        guild = self.bot.get_guild(int(watch.guild_id)) if watch.guild_id else None
        return guild.name if guild is not None else None

    async def _send(self, watch: Watch, **message: object) -> bool:
        """Send ``message`` where ``watch`` posts; False when Discord refused it (a refusal that will
        last pauses the watch, saying why)."""
        try:
            if watch.delivery == "dm":
                member = int(watch.deliver_to or 0)
                user = self.bot.get_user(member) or await self.bot.fetch_user(member)
                await user.send(allowed_mentions=NO_MENTIONS, **message)  # type: ignore[arg-type]
            else:
                where = int(watch.channel_id or 0)
                channel = self.bot.get_channel(where) or await self.bot.fetch_channel(where)
                await channel.send(allowed_mentions=NO_MENTIONS, **message)  # type: ignore[union-attr]
            return True
        except discord.HTTPException as exc:
            why = REFUSED_CODES.get(exc.code)
            if why is None:
                log.error("watch %s: the post was not sent (%s %s); it is not tried again", watch.id, exc.status, exc.text)
                return False
            log.warning("watch %s paused: %s (Discord error %s)", watch.id, why, exc.code)
        try:
            await asyncio.to_thread(self.bot.desk.pause_watch, watch.id, why)
        except QueryLogError as exc:
            log.error("watch %s could not be paused (%s); its next posts will be refused too", watch.id, exc)
        return False

    # -- commands ----------------------------------------------------------------------

    def _who(self, interaction: discord.Interaction) -> dict[str, Any]:
        return {"interface": "discord", "user_id": interaction.user.id, "guild_id": interaction.guild_id,
                "channel_id": interaction.channel_id}

    def _owner(self, interaction: discord.Interaction) -> int | None:
        """Whose watches the member may see and change: their own; a moderator's, everyone's in the server (None)."""
        return None if interaction_is_moderator(interaction, self.bot.moderator_roles) else interaction.user.id

    @app_commands.command(name="add", description="Watch a question: each new article that answers it is posted")
    @app_commands.describe(
        question="What you are waiting to know, e.g. How much did the storm damage cost?",
        deliver="Where the articles are posted: in this channel (default) or by DM to you",
        **{name: ASK_OPTIONS[name] for name in FILTERS},
    )
    @app_commands.choices(deliver=DELIVERIES)
    async def add(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 1000],
        deliver: app_commands.Choice[str] | None = None, outlet: app_commands.Range[str, 1, 100] | None = None,
        since: str | None = None, until: str | None = None,
    ) -> None:
        desk = self.bot.desk
        checked = desk.validate(question, outlet, since, until)  # a bad one: one private line (bot.failures)
        delivery = deliver.value if deliver else "channel"
        if delivery == "channel" and not _may_post(interaction):
            await send_private(interaction, CANNOT_POST_HERE)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        who = self._who(interaction)
        watch = await asyncio.to_thread(desk.watch_again, checked.question, filters=checked.filters, delivery=delivery, **who)
        if watch is not None:
            text = f"Watch #{watch.id} {quoted(watch.question)} is running again{_where(watch)}."
        else:
            watch, already = await asyncio.to_thread(
                desk.watch, checked.question, filters=checked.filters, delivery=delivery, limits=self.limits, **who
            )
            now = (f" {already} article(s) answer it already (`/ask` shows them); only new ones are posted."
                   if already else " Nothing answers it yet.")
            text = (f"Watching #{watch.id} {quoted(watch.question)}: each new article that answers it is posted"
                    f"{_where(watch)}.{now} `/watch stop {watch.id}` stops it.")
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="list", description="Your watches in this server (a moderator sees all), running and paused")
    async def list_watches(self, interaction: discord.Interaction) -> None:
        owner = self._owner(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)  # the log may be busy: acknowledge first
        watches = await asyncio.to_thread(self.bot.desk.watches, guild_id=interaction.guild_id, user_id=owner)
        embed = list_embed(watches, everyone=owner is None)
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="stop", description="Stop a watch (its number in /watch list)")
    @app_commands.describe(number="The watch's number, as /watch list shows it")
    async def stop(self, interaction: discord.Interaction, number: app_commands.Range[int, 1]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await asyncio.to_thread(self.bot.desk.stop_watch, number, guild_id=interaction.guild_id, user_id=self._owner(interaction))
        except WatchError:
            await send_private(interaction, NOT_YOURS.format(id=number, state=""))
            return
        await send_private(interaction, f"Stopped watch #{number}.")

    @app_commands.command(name="resume", description="Resume a paused watch (its number in /watch list)")
    @app_commands.describe(number="The watch's number, as /watch list shows it")
    async def resume(self, interaction: discord.Interaction, number: app_commands.Range[int, 1]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            watch = await asyncio.to_thread(
                self.bot.desk.resume_watch, number, guild_id=interaction.guild_id, user_id=self._owner(interaction)
            )
        except WatchError:
            await send_private(interaction, NOT_YOURS.format(id=number, state=" that is paused"))
            return
        await send_private(interaction, f"Watch #{watch.id} {quoted(watch.question)} is running again{_where(watch)}.")


def _may_post(interaction: discord.Interaction) -> bool:
    """Whether the bot may post a watch's embeds where the command was used."""
    allowed = interaction.app_permissions
    thread = isinstance(interaction.channel, discord.Thread)
    return (allowed.send_messages_in_threads if thread else allowed.send_messages) and allowed.embed_links


def _where(watch: Watch) -> str:
    return " by DM" if watch.delivery == "dm" else f" in <#{watch.channel_id}>" if watch.channel_id else ""
