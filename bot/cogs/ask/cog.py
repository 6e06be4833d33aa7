"""/ask (and its timeline:True), mention-to-ask, and what the More / 👍 / 👎 / Previous / Next buttons do.

Every action goes through the desk (``self.bot.desk``): the cog turns Discord input into a
desk call run in a small worker pool, and the result into a reply (see :mod:`bot.reply`).

Guarantees: what was typed is checked before the cooldown starts (a typo costs no wait), and
a refused question is logged with its reason. A question asked by mention and then edited is
answered again in the same reply (no cooldown: it replaces, it does not add); deleted, it
takes its answer down (see :mod:`.replies`). A mention is answered with a reply where the bot
may read the channel's history (Discord refuses a reply without Read Message History), with a
plain message where it may only post, and not at all where it may not post (the member is told
privately); an answer Discord refuses is taken out of the query log. Every button acknowledges within Discord's 3 s
before it does any work, and every failure (command or button) ends in one private message
(see :mod:`bot.failures`), never a "thinking…" left forever or a public apology.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs.ask.cooldown import UserCooldown, cooldown_message
from bot.cogs.ask.mentions import asked_question
from bot.cogs.ask.places import place_of, who_asked, who_of_message
from bot.cogs.ask.posting import NotPosted, Post, Where, post, tell_cannot_post, where_to_answer
from bot.cogs.ask.replies import Replies, as_edit
from bot.cogs.ask.views import answer_view, pager_view
from bot.cogs.late import remember_message
from bot.desk import Asked, Charted, FilterError, Filters, LogNotOpen, Page, QuestionError
from bot.failures import defer_publicly, report_failure, send_private, send_public
from bot.querylog import QueryLogError, UnknownQuery
from bot.reply import NO_MENTIONS, TIMELINE_SHOWN, answer_embed, answer_text, no_answer_message, timeline_embed

if TYPE_CHECKING:
    from bot.client import NewsdeskBot

log = logging.getLogger(__name__)
T = TypeVar("T")

# Excerpts kept ready behind the first page for the More button.
SPARE_RESULTS = 6
SEARCH_WORKERS = 2
# An update whose last edit is older than this is not an edit (a pin, after a restart).
EDIT_IS_NEW_SECONDS = 300

MENTION_HINT = "Ask me a question after the mention, e.g. *@newsdesk Did Iran send troops to Iraq?* \u2014 or use `/ask`."
DM_HINT = "Ask me a question, e.g. *Did Iran send troops to Iraq?* (a question ends with ?) \u2014 or use `/ask`."
MENTION_APOLOGY = "Sorry, something went wrong while answering. Please try again in a moment."

# What Discord shows under each /ask option.
ASK_OPTIONS = {
    "question": "What you want to know, e.g. Did Iran send troops to Iraq?",
    "outlet": "Only articles from this outlet (e.g. DW)",
    "since": "Only articles published on or after this date (YYYY-MM-DD)",
    "until": "Only articles published on or before this date (YYYY-MM-DD)",
    "timeline": "Show the best excerpt of each article on it, oldest first: how the story developed",
}
NOT_IN_LOG = "That answer is no longer in the log, so I can't page through it. Ask again with `/ask`."
NO_MORE = "No more excerpts for this question."
VOTE_GONE = "That answer is no longer in the log, so your vote was not recorded."
VOTE_CLOSED = "Feedback can't be recorded right now, sorry."
VOTE_FAILED = "Sorry, I couldn't record that just now. Please try again in a moment."
VOTE_RECORDED = {1: "\N{THUMBS UP SIGN} Recorded \u2014 thanks, glad it helped.",
                 -1: "\N{THUMBS DOWN SIGN} Recorded \u2014 thanks; moderators will review this one."}


def reply_for(asked: Asked, *, embeds: bool = True) -> dict[str, Any]:
    """The message for an answer: the embed and its buttons (plain text without ``embeds``),
    or the plain refusal. Text that may quote a member's links never shows link previews."""
    answer = asked.answer
    if not answer.answered:
        corrected = answer.query is not None and answer.query.corrections
        searched = answer.searched_for if corrected else ()
        return {"content": no_answer_message(answer.question, answer.reason, searched), "suppress_embeds": True}
    total = len(answer.results) + len(answer.more)
    next_start = len(answer.results) if answer.more else None
    view = answer_view(asked.query_id, next_start)
    buttons = {"view": view} if view else {}
    if not embeds:
        return {"content": answer_text(answer, total_available=total), "suppress_embeds": True, **buttons}
    return {"embed": answer_embed(answer, total_available=total), **buttons}


def timeline_reply(charted: Charted) -> dict[str, Any]:
    """The message for a timeline: its embed and the 👍/👎 buttons, or the plain refusal /ask gives."""
    found = charted.timeline
    if not found.answered:
        return reply_for(Asked(found.answer, charted.query_id))
    view = answer_view(charted.query_id, None)
    return {"embed": timeline_embed(found), **({"view": view} if view else {})}


def page_reply(page: Page, query_id: int, per_page: int) -> dict[str, Any]:
    """A private page of excerpts with Previous / Next; the last page says there are no more."""
    # The public answer shows the first ``per_page`` excerpts; private pages start after them.
    previous = max(page.start - per_page, per_page) if page.start > per_page else None
    return {
        "content": None if page.next_start is not None else NO_MORE,
        "embed": answer_embed(page.answer, page.excerpts, first_number=page.start + 1),
        "view": pager_view(query_id, previous, page.next_start),
    }


class AskCog(commands.Cog, name="Ask"):
    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self.cooldown = UserCooldown(bot.settings.cooldown_seconds)
        self.replies = Replies()
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

    async def _log_refused(
        self, question: str, error: QuestionError | FilterError, filters: Filters | None = None, **who: Any
    ) -> None:
        """The one place a question refused before any search is logged (after the member has
        the refusal): once, whichever check refused it. An empty archive is not logged."""
        # The log is written off the event loop, after the member has their answer.
        await asyncio.to_thread(self.bot.desk.reject, question, error, filters=filters, **who)

    @app_commands.command(name="ask")
    @app_commands.describe(**ASK_OPTIONS)
    async def ask(
        self,
        interaction: discord.Interaction,
        question: app_commands.Range[str, 1, 1000],
        outlet: app_commands.Range[str, 1, 100] | None = None,
        since: str | None = None,
        until: str | None = None,
        timeline: bool = False,
    ) -> None:
        """Ask the news archive a question and get cited excerpts."""
        # Bad input is answered at once, privately, before the cooldown starts and before
        # the public "thinking…" message. The question is validated here, once: the desk and
        # the archive take the checked question as it is.
        who = who_asked(interaction)
        filters: Filters | None = None
        try:
            checked = self.bot.desk.validate(question, outlet, since, until)
            filters = checked.filters
            self.bot.desk.check_outlet(filters)
        except (QuestionError, FilterError) as exc:
            await report_failure(interaction, exc)
            # An outlet that matches none is logged with the filters, for /querylog to show.
            await self._log_refused(question, exc, filters, **who)
            return
        wait = self.cooldown.retry_after(interaction.user.id)
        if wait:
            await interaction.response.send_message(cooldown_message(wait), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await defer_publicly(interaction)
        asked: Asked | None = None
        try:
            if timeline:
                desk = self.bot.desk
                charted = await self._in_worker(desk.timeline, checked.question, limit=TIMELINE_SHOWN, filters=filters, **who)
                reply, query_id = timeline_reply(charted), charted.query_id
            else:
                asked = await self._ask(checked.question, filters=filters, **who)
                reply, query_id = reply_for(asked), asked.query_id
        except (QuestionError, FilterError) as exc:
            # The outlet checked again once the archive is loaded (a lazy desk), or an empty archive.
            await report_failure(interaction, exc)
            await self._log_refused(question, exc, filters, **who)
            return
        try:
            sent = await send_public(interaction, **reply)
        except discord.HTTPException:
            # Logged as answered by the search; nobody was shown it (Discord failed), so it leaves
            # the log; the member gets the private apology of the command's error handler.
            await asyncio.to_thread(self.bot.desk.not_posted, query_id)
            raise
        await remember_message(self.bot.desk, asked, sent)  # a late answer replies to it

    @ask.autocomplete("outlet")
    async def outlet_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The archive's outlets that contain what was typed so far (at most 25)."""
        names = self.bot.desk.outlet_names(current)
        return [app_commands.Choice(name=name[:100], value=name[:100]) for name in names]

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer ``@newsdesk question`` in a channel, as a reply to the message."""
        await self._on_question(message)

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        """An edited question is answered again in the same reply (see :mod:`.replies`)."""
        if _just_edited(payload.message):
            await self._on_question(payload.message)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A deleted question takes its answer (which repeats it) down with it."""
        await self._take_down(payload.message_id)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        for message_id in payload.message_ids:
            await self._take_down(message_id)

    async def _take_down(self, message_id: int) -> None:
        reply = self.replies.withdraw(message_id)
        if reply is None:
            return
        try:
            await reply.delete()
        except discord.HTTPException:
            log.warning("could not delete the answer %s to deleted message %s", reply.id, message_id)

    async def _on_question(self, message: discord.Message) -> None:
        me = self.bot.user
        question = asked_question(message, me) if me is not None else None
        edited = message.id in self.replies  # asked before: this replaces that question
        if question is None or not self._serves(message):
            return
        if not self.bot.begin_work(f"a mention (message {message.id})"):
            return  # stopping: a restarted bot does not see it either; the member can ask again
        if not self.replies.asks(message.id, question):
            return
        where = await where_to_answer(self.bot, message)
        if where.post is Post.NONE:
            await tell_cannot_post(message, where)
            return
        if where.post is Post.PLAIN:
            log.info("message %s: no Read Message History in channel %s, so the answer is a message, not a reply",
                     message.id, message.channel.id)
        try:
            await self._answer_mention(message, question, where, edited=edited)
        except NotPosted as exc:
            log.warning("message %s not answered: %s", message.id, exc)
        except Exception:
            # A listener's error must not take the bot down; the member gets an apology.
            log.exception("answering a mention failed (message %s)", message.id)
            try:
                await post(message, where.post, content=MENTION_APOLOGY)
            except (discord.HTTPException, NotPosted):
                log.exception("could not send the apology either")

    def _serves(self, message: discord.Message) -> bool:
        """A mention in a server outside NEWSDESK_GUILDS gets no reply and is not logged."""
        return self.bot.serves(message.guild.id if message.guild else None, f"a mention (message {message.id})")

    async def _answer_mention(self, message: discord.Message, question: str, where: Where, *, edited: bool = False) -> None:
        async def reply(**kwargs: Any) -> None:
            await self._reply(message, question, where.post, **kwargs)

        if not question:
            await reply(content=MENTION_HINT if message.guild else DM_HINT)
            return
        who = who_of_message(message)
        try:
            checked = self.bot.desk.validate(question)  # once: the desk takes it as it is
        except QuestionError as exc:
            await reply(content=str(exc))
            await self._log_refused(question, exc, **who)
            return
        # An edited question replaces its answer rather than adding one: the first edit (a typo
        # fixed) is free, later ones wait for the cooldown like any question.
        free_edit = edited and self.replies.edits(message.id) <= 1
        wait = 0 if free_edit else self.cooldown.retry_after(message.author.id)
        if wait:
            await reply(content=cooldown_message(wait))
            return
        async with message.channel.typing():
            try:
                asked = await self._ask(checked.question, **who)
            except QuestionError as exc:  # the archive is empty (reject() logs nothing for that)
                await reply(content=str(exc))
                await self._log_refused(question, exc, **who)
                return
        try:
            await reply(**reply_for(asked, embeds=where.embeds))
            await remember_message(self.bot.desk, asked, message)  # a late answer replies to the question
        except (NotPosted, discord.HTTPException):
            # Logged as answered by the search; nobody was shown the answer, so it leaves the log.
            await asyncio.to_thread(self.bot.desk.not_posted, asked.query_id)
            raise

    async def _reply(self, message: discord.Message, question: str, how: Post, **kwargs: Any) -> None:
        """Reply to ``message`` (see :func:`.posting.post`), or put the answer in the reply sent before
        (an edited question). Raises NotPosted when Discord refuses it.

        Nothing when the message was deleted or edited again meanwhile: that answer is not wanted.
        """
        tracked = self.replies.current(message.id, question)
        if tracked is None:
            log.info("message %s was deleted or edited while it was answered; that answer is dropped", message.id)
            return
        if tracked.reply is not None:
            try:
                await tracked.reply.edit(allowed_mentions=NO_MENTIONS, **as_edit(kwargs))
                return
            except discord.NotFound:  # a moderator deleted the answer: the edited question gets a new one
                log.info("the answer to message %s was deleted; replying again", message.id)
        tracked.reply = await post(message, how, **kwargs)

    # -- buttons: acknowledge first, then work; any failure is one private message ----------

    async def show_more(self, interaction: discord.Interaction, query_id: int, start: int) -> None:
        """The More button: the next excerpts in a private message that pages in place."""
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            page = await self._page(interaction, query_id, start)
            if page is None:
                await interaction.followup.send(NOT_IN_LOG, ephemeral=True)
            elif not page.excerpts:
                await interaction.followup.send(NO_MORE, ephemeral=True)
            else:
                reply = page_reply(page, query_id, self.bot.settings.results)
                await interaction.followup.send(ephemeral=True, allowed_mentions=NO_MENTIONS,
                                                **{k: v for k, v in reply.items() if v is not None})
        except Exception as exc:
            await report_failure(interaction, exc, "the More button")

    async def turn_page(self, interaction: discord.Interaction, query_id: int, start: int) -> None:
        """Previous / Next: the same private message shows the other page."""
        try:
            await interaction.response.defer()
            page = await self._page(interaction, query_id, start)
            if page is None or not page.excerpts:
                await send_private(interaction, NOT_IN_LOG if page is None else NO_MORE)
                return
            await interaction.edit_original_response(
                allowed_mentions=NO_MENTIONS, **page_reply(page, query_id, self.bot.settings.results)
            )
        except Exception as exc:
            await report_failure(interaction, exc, "a page button")

    async def _page(self, interaction: discord.Interaction, query_id: int, start: int) -> Page | None:
        place = place_of(interaction)
        return await self._in_worker(self.bot.desk.more, query_id, start, self.bot.settings.results, place)

    async def record_vote(self, interaction: discord.Interaction, query_id: int, value: int) -> None:
        """👍 / 👎: acknowledged at once, recorded through the desk off the event loop, confirmed privately."""
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send(await self._vote(interaction, query_id, value), ephemeral=True)
        except Exception as exc:
            await report_failure(interaction, exc, "a feedback button")

    async def _vote(self, interaction: discord.Interaction, query_id: int, value: int) -> str:
        try:
            # Not the search pool: a vote never queues behind searches.
            await asyncio.to_thread(self.bot.desk.vote, query_id, interaction.user.id, value, place_of(interaction))
        except UnknownQuery:
            return VOTE_GONE
        except LogNotOpen:
            return VOTE_CLOSED
        except QueryLogError as exc:  # e.g. the log stayed locked past the busy timeout
            log.warning("feedback on query %s not recorded: %s", query_id, exc)
            return VOTE_FAILED
        return VOTE_RECORDED[value]


def _just_edited(message: discord.Message) -> bool:
    """The update is a member's edit: Discord also sends its own changes (a link preview, a
    pin), which keep the time of the last edit, if any."""
    edited = message.edited_at
    return edited is not None and discord.utils.utcnow() - edited < dt.timedelta(seconds=EDIT_IS_NEW_SECONDS)
