"""/ask, mention-to-ask, and what the More / 👍 / 👎 buttons do.

Every action goes through the desk (``self.bot.desk``): the cog turns Discord input into a
desk call run in a small worker pool, and the result into a reply (see :mod:`bot.reply`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.ask.cooldown import UserCooldown, cooldown_message
from bot.cogs.ask.views import answer_view
from bot.desk import Asked, LogNotOpen
from bot.querylog import QueryLogError
from bot.reply import NO_MENTIONS, answer_embed, no_answer_message
from retrieval.answer import QuestionError

if TYPE_CHECKING:
    from bot.client import NewsdeskBot

log = logging.getLogger(__name__)
T = TypeVar("T")

# Excerpts kept ready behind the first page for the More button.
SPARE_RESULTS = 6
SEARCH_WORKERS = 2

_MENTION_RE = re.compile(r"<@!?(\d+)>")
MENTION_HINT = "Ask me a question after the mention, e.g. *@newsdesk Did Iran send troops to Iraq?* \u2014 or use `/ask`."
MENTION_APOLOGY = "Sorry, something went wrong while answering. Please try again in a moment."
NOT_IN_LOG = "That answer is no longer in the log, so I can't page through it. Ask again with `/ask`."


def reply_for(asked: Asked) -> dict[str, Any]:
    """The message for an answer: the embed and its buttons, or the plain refusal."""
    answer = asked.answer
    if not answer.answered:
        corrected = answer.query is not None and answer.query.corrections
        searched = answer.searched_for if corrected else ()
        return {"content": no_answer_message(answer.question, answer.reason, searched)}
    total = len(answer.results) + len(answer.more)
    next_start = len(answer.results) if answer.more else None
    view = answer_view(asked.query_id, next_start)
    return {"embed": answer_embed(answer, total_available=total), **({"view": view} if view else {})}


class AskCog(commands.Cog, name="Ask"):
    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self.cooldown = UserCooldown(bot.settings.cooldown_seconds)
        self.executor = ThreadPoolExecutor(max_workers=SEARCH_WORKERS, thread_name_prefix="newsdesk-search")

    async def cog_unload(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def _in_worker(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # Searches run in a small pool of their own: the event loop never waits on them, and
        # few busy threads leave it most of the GIL to acknowledge new interactions in time.
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(function, *args, **kwargs))

    async def _ask(self, question: str, **kwargs: Any) -> Asked:
        return await self._in_worker(self.bot.desk.ask, question, more=SPARE_RESULTS, **kwargs)

    @app_commands.command(name="ask")
    @app_commands.describe(
        question="What you want to know, e.g. Did Iran send troops to Iraq?",
        outlet="Only articles from this outlet (e.g. DW)",
        since="Only articles published on or after this date (YYYY-MM-DD)",
        until="Only articles published on or before this date (YYYY-MM-DD)",
    )
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, 1000],
        outlet: app_commands.Range[str, 1, 100] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> None:
        """Ask the news archive a question and get cited excerpts."""
        wait = self.cooldown.retry_after(interaction.user.id)
        if wait:
            await interaction.response.send_message(cooldown_message(wait), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        # Bad input is answered at once (privately, by the bot's error handler), before the
        # public "thinking…" message.
        filters = self.bot.desk.validate(question, outlet, since, until)
        await interaction.response.defer(thinking=True)
        asked = await self._ask(
            question,
            interface="discord",
            user_id=interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            filters=filters,
        )
        await interaction.followup.send(**reply_for(asked), allowed_mentions=NO_MENTIONS)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer ``@newsdesk question`` in a channel, as a reply to the message."""
        me = self.bot.user
        if me is None or message.author.bot or me not in message.mentions:
            return
        question = _MENTION_RE.sub(lambda m: "" if int(m[1]) == me.id else m[0], message.content).strip()
        try:
            await self._answer_mention(message, question)
        except Exception:
            # A listener's error must not take the bot down; the member gets an apology.
            log.exception("answering a mention failed (message %s)", message.id)
            try:
                await message.reply(MENTION_APOLOGY, mention_author=False, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException:
                log.exception("could not send the apology either")

    async def _answer_mention(self, message: discord.Message, question: str) -> None:
        async def reply(**kwargs: Any) -> None:
            await message.reply(mention_author=False, allowed_mentions=NO_MENTIONS, **kwargs)

        if not question:
            await reply(content=MENTION_HINT)
            return
        wait = self.cooldown.retry_after(message.author.id)
        if wait:
            await reply(content=cooldown_message(wait))
            return
        async with message.channel.typing():
            try:
                asked = await self._ask(
                    question,
                    interface="discord",
                    user_id=message.author.id,
                    guild_id=message.guild.id if message.guild else None,
                    channel_id=message.channel.id,
                )
            except QuestionError as exc:
                await reply(content=str(exc))
                return
        await reply(**reply_for(asked))

    async def show_more(self, interaction: discord.Interaction, query_id: int, start: int) -> None:
        """The More button: the next excerpts, privately, with a More button of their own."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        page = await self._in_worker(self.bot.desk.more, query_id, start, self.bot.settings.results)
        if page is None:
            await interaction.followup.send(NOT_IN_LOG, ephemeral=True)
            return
        if not page.excerpts:
            await interaction.followup.send("There are no more excerpts for this question.", ephemeral=True)
            return
        embed = answer_embed(page.answer, page.excerpts, first_number=start + 1)
        view = answer_view(query_id, page.next_start)
        await interaction.followup.send(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS, **({"view": view} if view else {})
        )

    async def record_vote(self, interaction: discord.Interaction, query_id: int, value: int) -> None:
        """👍 / 👎: recorded through the desk, thanked privately."""
        try:
            await self._in_worker(self.bot.desk.vote, query_id, interaction.user.id, value)
        except LogNotOpen:
            await interaction.response.send_message("Feedback can't be recorded right now, sorry.", ephemeral=True)
            return
        except QueryLogError:
            log.exception("could not record feedback on query %s", query_id)
            await interaction.response.send_message("Sorry, I couldn't record that. Please try again.", ephemeral=True)
            return
        thanks = "Thanks \u2014 glad it helped." if value > 0 else "Thanks \u2014 noted; moderators will review this one."
        await interaction.response.send_message(thanks, ephemeral=True)
