"""/help (what the bot does, its commands, how to ask, what is logged) and /ping (gateway latency).

Both answer privately, at once, and do no other work: they are how a member or an operator
checks that the bot is there. Neither is logged in the query log.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import may_change_archive
from bot.reply import NO_MENTIONS

if TYPE_CHECKING:
    from bot.client import NewsdeskBot

log = logging.getLogger(__name__)

# What the log keeps about who asked, by NEWSDESK_LOG_USER_IDS.
WHO_IS_LOGGED = {
    "plain": "with your user id",
    "hashed": "with a keyed hash of your user id, not the id itself",
    "none": "without anything that says who asked",
}

HELP_INTRO = (
    "**newsdesk** answers questions from a news archive: it finds the passages that answer "
    "yours and quotes them, each cited with its outlet, date and a link to the article. "
    "It does not write answers of its own, and says so when the archive has none."
)
HOW_TO_ASK = (
    "\u2022 `/ask` with your question, e.g. *Did Iran send troops to Iraq?* \u2014 `outlet`, "
    "`since` and `until` (YYYY-MM-DD) narrow the search.\n"
    "\u2022 Or mention me with the question in a channel, or send it to me in a DM.\n"
    "\u2022 **More** shows further excerpts privately; \N{THUMBS UP SIGN}/\N{THUMBS DOWN SIGN} "
    "tell the moderators whether an answer helped."
)


def command_lines(archive_changes: bool) -> str:
    """The commands, one line each (moderators' ones marked)."""
    archive = ("`/archive` \u2014 moderators: recent additions; add and remove articles"
               if archive_changes else "`/archive recent` \u2014 moderators: the articles added last")
    return "\n".join((
        "`/ask` \u2014 ask the archive a question",
        "`/help` \u2014 this message",
        "`/lateanswers` \u2014 replies to your unanswered questions when articles that answer them arrive: "
        "on (the default), with a ping, or off",
        "`/ping` \u2014 check that I am connected (gateway latency)",
        "`/watch` \u2014 save a question: each new article that answers it is posted here or by DM",
        "`/querylog` \u2014 moderators: what was asked here, unanswered questions, feedback",
        archive,
    ))


def privacy_line(log_user_ids: str) -> str:
    who = WHO_IS_LOGGED.get(log_user_ids, WHO_IS_LOGGED["plain"])
    return (f"Questions are logged {who}, with the articles that answered them, for the moderators and "
            "the bot's operator to review answers and fill gaps in the archive.")


def help_embed(log_user_ids: str, *, archive_changes: bool) -> discord.Embed:
    embed = discord.Embed(title="newsdesk help", description=HELP_INTRO)
    embed.add_field(name="How to ask", value=HOW_TO_ASK, inline=False)
    embed.add_field(name="Commands", value=command_lines(archive_changes), inline=False)
    embed.add_field(name="Privacy", value=privacy_line(log_user_ids), inline=False)
    return embed


def latency_text(seconds: float, shard_id: int | None, shard_count: int | None) -> str:
    """'Pong: gateway latency 42 ms' (and the shard when there are several)."""
    if math.isnan(seconds) or math.isinf(seconds):
        measured = "gateway latency not measured yet (connected a moment ago)"
    else:
        measured = f"gateway latency {round(seconds * 1000)} ms"
    shard = f" (shard {shard_id} of {shard_count})" if shard_count and shard_count > 1 and shard_id is not None else ""
    return f"Pong: {measured}{shard}."


class AboutCog(commands.Cog, name="About"):
    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What newsdesk does, its commands and how to ask")
    async def help(self, interaction: discord.Interaction) -> None:
        archive_changes = may_change_archive(interaction.guild_id, self.bot.settings.archive_guilds)
        embed = help_embed(self.bot.settings.log_user_ids, archive_changes=archive_changes)
        await interaction.response.send_message(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="ping", description="Check that newsdesk is connected (gateway latency)")
    async def ping(self, interaction: discord.Interaction) -> None:
        shard_id = interaction.guild.shard_id if interaction.guild is not None else 0
        shard = self.bot.get_shard(shard_id)
        seconds = shard.latency if shard is not None else self.bot.latency
        text = latency_text(seconds, shard_id, self.bot.shard_count)
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(AboutCog(bot))
