"""Late answers in Discord: the replies to questions the archive could not answer, once articles
that answer them arrive, and ``/lateanswers`` to turn them off (a member, or a server).

Guarantees: a late answer goes where the question was asked, as a reply to its message when
that still exists, else as a plain message that names the question; it says it is a late
answer; it pings nobody (``allowed_mentions`` none) unless the member chose ``ping``, and then
only them; how it went is recorded in the log (``late_answers.delivered``). A server outside
NEWSDESK_GUILDS gets none. ``/lateanswers`` answers privately, at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import interaction_is_moderator
from bot.desk import Asked, Desk, LogNotOpen
from bot.desk.late import LateAnswer
from bot.failures import report_failure
from bot.reply import NO_MENTIONS, answer_embed, late_line

if TYPE_CHECKING:
    from bot.client import NewsdeskBot

log = logging.getLogger(__name__)

MEMBER_WORDS = {
    "on": "Late answers are **on** for you: when articles arrive that answer a question of yours "
          "the archive could not, I reply to it there (without pinging you).",
    "ping": "Late answers are **on** for you, **with a ping**: I mention you in the late reply.",
    "off": "Late answers are **off** for you: your unanswered questions are not answered later "
           "(those waiting were dropped).",
}
SERVER_WORDS = {True: "Late answers are **on** in this server.", False: "Late answers are **off** in this server: "
                "no question asked here is answered later (those waiting were dropped)."}
ONLY_MODERATORS = "Only moderators can turn late answers on or off for the server; nothing was changed."
NO_LOG = "Late answers need the query log, which is not open here; nothing was changed."


async def remember_message(desk: Desk, asked: Asked | None, message: discord.abc.Snowflake) -> None:
    """A question the archive could not answer waits for a late answer: it will reply to
    ``message`` (the member's question, or the bot's refusal of a /ask)."""
    if asked is not None and asked.query_id is not None and not asked.answer.answered:
        await asyncio.to_thread(desk.late_reply_to, asked.query_id, message.id)


class LateAnswers(commands.Cog):
    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        bot.arrivals.deliver("late", self.post)

    @app_commands.command(name="lateanswers")
    @app_commands.describe(
        me="Your own questions: on (a reply, no ping), ping (a reply that mentions you) or off",
        server="Moderators: late answers in this server, on or off",
    )
    async def lateanswers(
        self,
        interaction: discord.Interaction,
        me: Literal["on", "ping", "off"] | None = None,
        server: Literal["on", "off"] | None = None,
    ) -> None:
        """Late answers: replies to your unanswered questions when articles that answer them arrive."""
        try:
            if server is not None and not interaction_is_moderator(interaction, self.bot.moderator_roles):
                await interaction.response.send_message(ONLY_MODERATORS, ephemeral=True, allowed_mentions=NO_MENTIONS)
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            lines = await asyncio.to_thread(self._settings, interaction, me, server)
            await interaction.followup.send("\n".join(lines), ephemeral=True, allowed_mentions=NO_MENTIONS)
        except LogNotOpen:
            await interaction.followup.send(NO_LOG, ephemeral=True, allowed_mentions=NO_MENTIONS)
        except Exception as exc:
            await report_failure(interaction, exc, "/lateanswers")

    def _settings(self, interaction: discord.Interaction, me: str | None, server: str | None) -> list[str]:
        desk = self.bot.desk
        lines = [MEMBER_WORDS[desk.late_setting(interaction.user.id, me)]]
        if interaction.guild_id is not None:
            on = desk.late_server(interaction.guild_id, None if server is None else server == "on")
            lines.append(SERVER_WORDS[on])
        return lines

    async def post(self, found: list[LateAnswer]) -> None:
        """Deliver each late answer (see the module's guarantees); one that fails does not stop the rest."""
        for late in found:
            try:
                how = await self._deliver(late)
            except discord.HTTPException as exc:
                how = f"failed: {exc.text or exc.status}"
                log.warning("late answer to question %s not delivered: %s", late.query_id, how)
            await asyncio.to_thread(self.bot.desk.late_delivered, late.query_id, how)

    async def _deliver(self, late: LateAnswer) -> str:
        waiting = late.waiting
        if waiting.channel_id is None:
            return "failed: the channel was not logged"
        guild_id = int(waiting.guild_id) if waiting.guild_id else None
        if not self.bot.serves(guild_id, f"a late answer (question {late.query_id})"):
            return "failed: server not served"
        channel = self.bot.get_channel(int(waiting.channel_id)) or await self.bot.fetch_channel(int(waiting.channel_id))
        ping = waiting.notify
        mentions = discord.AllowedMentions(users=[discord.Object(int(ping))]) if ping else NO_MENTIONS
        prefix = f"<@{ping}> " if ping else ""
        embed = answer_embed(late.answer)
        original = await _still_there(channel, waiting.message_id)
        if original is not None:
            await original.reply(
                prefix + late_line(waiting.asked_at), embed=embed, allowed_mentions=mentions, mention_author=False
            )
            return "reply"
        await channel.send(  # type: ignore[union-attr]
            prefix + late_line(waiting.asked_at, waiting.question), embed=embed, allowed_mentions=mentions,
        )
        return "message"


async def _still_there(channel: discord.abc.Messageable, message_id: str | None) -> discord.Message | None:
    """The question's message (or its refusal), if it still exists and the bot may read it."""
    if not message_id:
        return None
    try:
        return await channel.fetch_message(int(message_id))
    except (discord.NotFound, discord.Forbidden) as exc:  # deleted, or the history is not readable
        log.info("message %s is gone or unreadable (%s): a plain message names the question", message_id, exc.status)
        return None


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(LateAnswers(bot))
