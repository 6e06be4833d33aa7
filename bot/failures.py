"""What a member sees when an interaction fails: one private message, for commands and buttons.

Guarantees:
- :func:`error_message` maps every error to the one line a member sees: the one place where
  Discord turns a :class:`~retrieval.errors.NewsdeskError` into a private line (escaped, one
  line, without the server's folders); an unexpected error is logged with its traceback and
  answered with :data:`APOLOGY`.
- :func:`send_private` is private for real, and fits one message (cut to 2000 characters).
  Discord gives the first followup after a defer the defer's visibility and ignores
  ``ephemeral=True`` on it, so after a *public* defer (:func:`defer_publicly`) whose
  "thinking…" message is still showing, that message is deleted first and the error
  follows as a new, ephemeral message.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.checks import NotArchiveServer, NotManager, NotModerator
from bot.querylog import QueryLogError, ReviewError
from bot.querylog.records import one_line
from bot.reply import NO_MENTIONS, Limits, escape, truncate, without_server_paths
from retrieval.answer.answerer import QuestionError
from retrieval.answer.filters import FilterError
from retrieval.errors import NewsdeskError

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side. The error is logged; please try again in a moment."
# interaction.extras key: a public "thinking…" message is showing (nothing has replaced it yet).
PUBLIC_THINKING = "newsdesk_public_thinking"
LOG_PROBLEM_CHARS = 600  # one readable line, far below Discord's 2000
OUTDATED = ("That command has changed since Discord listed it for you. Reload Discord (Ctrl+R) "
            "or wait a few minutes, then use it again.")


def error_message(error: BaseException, what: str = "command", settings: Settings | None = None) -> str:
    """The line a member sees for ``error``; unexpected errors are logged with their traceback.

    With the bot's ``settings``, the query log's problems name its file, not the server's path to it.
    """
    original = getattr(error, "original", error)
    if isinstance(original, QuestionError):
        return str(original)
    if isinstance(original, FilterError):
        return escape(str(original))  # it quotes what the member typed
    if isinstance(original, ReviewError):
        return f"Can't do that: {original}."
    if isinstance(original, QueryLogError):
        # Locked, damaged, read-only or newer: the message says what to check; no traceback.
        log.error("%s failed: %s", what, original)
        problem = one_line(str(original) if settings is None else without_server_paths(str(original), settings))
        return truncate(f"The query log can't be used right now: {escape(problem)}", LOG_PROBLEM_CHARS)
    if isinstance(error, (NotArchiveServer, NotManager)):
        return str(error)
    if isinstance(error, NotModerator):
        return "Only moderators can use this command (a moderator role or the Manage Messages permission)."
    if isinstance(error, (app_commands.CommandNotFound, app_commands.CommandSignatureMismatch)):
        # Discord offers what was published, which an update of the bot may have changed.
        log.warning("%s: %s; publish the commands again with `newsdesk sync` (or wait for Discord)", what, error)
        return OUTDATED
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Please wait {error.retry_after:.0f} s before trying again."
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    if isinstance(original, NewsdeskError):
        # Any other error of the family: its message says what to do; logged, no traceback.
        log.error("%s failed: %s", what, original)
        problem = one_line(str(original) if settings is None else without_server_paths(str(original), settings))
        return escape(problem)
    log.error("%s failed", what, exc_info=original)
    return APOLOGY


async def defer_publicly(interaction: discord.Interaction) -> None:
    """Show a public "thinking…" message; :func:`send_private` removes it if the work fails."""
    await interaction.response.defer(thinking=True)
    interaction.extras[PUBLIC_THINKING] = True


async def send_public(interaction: discord.Interaction, **kwargs: object) -> discord.WebhookMessage:
    """The public followup that replaces the "thinking…" message of :func:`defer_publicly`; the message."""
    sent = await interaction.followup.send(allowed_mentions=NO_MENTIONS, **kwargs)  # type: ignore[arg-type]
    interaction.extras.pop(PUBLIC_THINKING, None)
    return sent


async def send_private(interaction: discord.Interaction, message: str) -> None:
    """An ephemeral message, whether or not the interaction was answered already; cut to fit
    one message (an error may quote a long list, e.g. the known outlets)."""
    message = truncate(message, Limits.CONTENT)
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if interaction.extras.pop(PUBLIC_THINKING, False):
            await _delete_thinking(interaction)
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.exception("could not send the error reply")


async def _delete_thinking(interaction: discord.Interaction) -> None:
    try:
        await interaction.delete_original_response()
    except discord.HTTPException:
        # Still deliver the message; it may then show publicly, which beats no answer at all.
        log.warning("could not delete the public 'thinking' message of interaction %s", interaction.id)


async def report_failure(interaction: discord.Interaction, error: BaseException, what: str = "command") -> None:
    """The one error path for commands and buttons: log what is unexpected, tell the member privately."""
    await send_private(interaction, error_message(error, what, getattr(interaction.client, "settings", None)))


class ReportingView(discord.ui.View):
    """A view whose buttons fail like commands do: one private line (an unexpected error logged
    with its traceback), never discord.py's bare log line and a press that seems to do nothing."""

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item, /) -> None:
        label = getattr(item, "label", None) or type(item).__name__
        await report_failure(interaction, error, f"the {label} button")
