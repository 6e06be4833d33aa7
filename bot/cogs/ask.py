"""/ask, mention-to-ask, and the More / 👍 / 👎 buttons under an answer."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.desk import Asked
from bot.querylog import QueryLogError
from bot.reply import NO_MENTIONS, answer_embed, escape, no_answer_message
from retrieval.answer import QuestionError, validate_question
from retrieval.filters import FilterError, Filters

if TYPE_CHECKING:
    from bot.client import NewsdeskBot

log = logging.getLogger(__name__)
T = TypeVar("T")

# Excerpts kept ready behind the first page for the More button.
SPARE_RESULTS = 6
SEARCH_WORKERS = 2
MAX_RESULTS = 12


class UserCooldown:
    """One question per ``seconds`` per member, shared by /ask and mentions."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._next: dict[int, float] = {}

    def retry_after(self, user_id: int) -> float:
        """Seconds until ``user_id`` may ask again (0 = now); starts a new wait when 0."""
        if self.seconds <= 0:
            return 0.0
        now = time.monotonic()
        wait = self._next.get(user_id, 0.0) - now
        if wait > 0:
            return wait
        self._next[user_id] = now + self.seconds
        if len(self._next) > 10_000:  # forget members whose wait is long over
            self._next = {u: t for u, t in self._next.items() if t > now}
        return 0.0


def cooldown_message(wait: float) -> str:
    when = discord.utils.utcnow() + dt.timedelta(seconds=wait)
    return (
        f"You're asking quickly \u2014 you can ask again {discord.utils.format_dt(when, 'R')} "
        f"(in {max(1, round(wait))} s)."
    )


class MoreButton(discord.ui.DynamicItem[discord.ui.Button], template=r"nd:more:(?P<query>\d+):(?P<start>\d+)"):
    """Shows the next excerpts of a logged question (works after a restart, too)."""

    def __init__(self, query_id: int, start: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="More",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nd:more:{query_id}:{start}",
                disabled=disabled,
            )
        )
        self.query_id = query_id
        self.start = start

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> MoreButton:
        return cls(int(match["query"]), int(match["start"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        cog: AskCog = interaction.client.get_cog("Ask")  # type: ignore[assignment, union-attr]
        await cog.show_more(interaction, self.query_id, self.start)


class FeedbackButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"nd:fb:(?P<query>\d+):(?P<vote>up|down)"
):
    """👍 / 👎 on an answer, recorded against the logged question."""

    def __init__(self, query_id: int, vote: str) -> None:
        super().__init__(
            discord.ui.Button(
                emoji="\N{THUMBS UP SIGN}" if vote == "up" else "\N{THUMBS DOWN SIGN}",
                style=discord.ButtonStyle.secondary,
                custom_id=f"nd:fb:{query_id}:{vote}",
            )
        )
        self.query_id = query_id
        self.vote = vote

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> FeedbackButton:
        return cls(int(match["query"]), match["vote"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        cog: AskCog = interaction.client.get_cog("Ask")  # type: ignore[assignment, union-attr]
        await cog.record_feedback(interaction, self.query_id, 1 if self.vote == "up" else -1)


def answer_view(query_id: int | None, next_start: int | None) -> discord.ui.View | None:
    """Buttons under an answer; none when the question could not be logged."""
    if query_id is None:
        return None
    view = discord.ui.View(timeout=None)
    if next_start is not None:
        view.add_item(MoreButton(query_id, next_start))
    view.add_item(FeedbackButton(query_id, "up"))
    view.add_item(FeedbackButton(query_id, "down"))
    return view


def _filters(outlet: str | None = None, since: str | None = None, until: str | None = None) -> Filters:
    """The /ask options as Filters; a bad value is a QuestionError (a private hint)."""
    try:
        return Filters.parse(outlet, since, until, names=("outlet", "since", "until"))
    except FilterError as exc:
        raise QuestionError(escape(str(exc))) from None


_MENTION_RE = re.compile(r"<@!?(\d+)>")


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

    def _reply_for(self, asked: Asked) -> dict[str, Any]:
        answer = asked.answer
        if not answer.answered:
            return {"content": no_answer_message(answer.question, answer.reason)}
        total = len(answer.results) + len(answer.more)
        next_start = len(answer.results) if answer.more else None
        embed = answer_embed(answer, total_available=total)
        view = answer_view(asked.query_id, next_start)
        return {"embed": embed, **({"view": view} if view else {})}

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
        # Bad input is answered at once (privately), before the public "thinking…" message.
        validate_question(question)
        filters = _filters(outlet, since, until)
        await interaction.response.defer(thinking=True)
        asked = await self._ask(
            question,
            interface="discord",
            user_id=interaction.user.id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            filters=filters,
        )
        await interaction.followup.send(**self._reply_for(asked), allowed_mentions=NO_MENTIONS)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer ``@newsdesk question`` in a channel, as a reply to the message."""
        me = self.bot.user
        if me is None or message.author.bot or me not in message.mentions:
            return
        question = _MENTION_RE.sub(lambda m: "" if int(m[1]) == me.id else m[0], message.content).strip()
        try:
            if not question:
                await message.reply(
                    "Ask me a question after the mention, e.g. *@newsdesk Did Iran send troops to Iraq?* "
                    "\u2014 or use `/ask`.",
                    mention_author=False,
                    allowed_mentions=NO_MENTIONS,
                )
                return
            wait = self.cooldown.retry_after(message.author.id)
            if wait:
                await message.reply(cooldown_message(wait), mention_author=False, allowed_mentions=NO_MENTIONS)
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
                    await message.reply(str(exc), mention_author=False, allowed_mentions=NO_MENTIONS)
                    return
            await message.reply(**self._reply_for(asked), mention_author=False, allowed_mentions=NO_MENTIONS)
        except Exception:
            # A listener's error must not take the bot down; the member gets an apology.
            log.exception("answering a mention failed (message %s)", message.id)
            try:
                await message.reply(
                    "Sorry, something went wrong while answering. Please try again in a moment.",
                    mention_author=False,
                    allowed_mentions=NO_MENTIONS,
                )
            except discord.HTTPException:
                log.exception("could not send the apology either")

    async def show_more(self, interaction: discord.Interaction, query_id: int, start: int) -> None:
        querylog = self.bot.desk.querylog
        row = await self._in_worker(querylog.get, query_id) if querylog else None
        if row is None:
            await interaction.response.send_message(
                "That answer is no longer in the log, so I can't page through it. Ask again with `/ask`.",
                ephemeral=True,
            )
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        page = self.bot.settings.results
        answer = await self._in_worker(
            self.bot.desk.archive.ask,
            row["question"],
            min(start + page, MAX_RESULTS),
            more=1,
            filters=Filters.from_json(row.get("filters")),
        )
        excerpts = list(answer.results[start:])
        if not excerpts:
            await interaction.followup.send("There are no more excerpts for this question.", ephemeral=True)
            return
        total_shown = start + len(excerpts)
        has_more = bool(answer.more) and total_shown < MAX_RESULTS
        embed = answer_embed(answer, excerpts, first_number=start + 1)
        view = answer_view(query_id, total_shown if has_more else None)
        await interaction.followup.send(
            embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS, **({"view": view} if view else {})
        )

    async def record_feedback(self, interaction: discord.Interaction, query_id: int, value: int) -> None:
        querylog = self.bot.desk.querylog
        if querylog is None:
            await interaction.response.send_message("Feedback can't be recorded right now, sorry.", ephemeral=True)
            return
        try:
            await self._in_worker(querylog.record_feedback, query_id, interaction.user.id, value)
        except QueryLogError:
            log.exception("could not record feedback on query %s", query_id)
            await interaction.response.send_message("Sorry, I couldn't record that. Please try again.", ephemeral=True)
            return
        thanks = "Thanks \u2014 glad it helped." if value > 0 else "Thanks \u2014 noted; moderators will review this one."
        await interaction.response.send_message(thanks, ephemeral=True)


async def setup(bot: NewsdeskBot) -> None:
    bot.add_dynamic_items(MoreButton, FeedbackButton)
    await bot.add_cog(AskCog(bot))
