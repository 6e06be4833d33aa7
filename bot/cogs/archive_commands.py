"""The live archive in the running bot, and ``/archive`` for moderators.

Background tasks (started once the bot is connected, cancelled when the cog unloads) follow the corpus
folder and poll feeds; see :mod:`bot.live`. ``/archive add url:`` fetches and extracts the
page in a worker thread and shows a private preview with Add / Cancel (only the moderator who
asked can press them); Add checks the corpus again, writes the file, reloads the archive and
logs who did it. ``/archive recent`` lists the articles added last (and, when the feed polls
cannot record the entries they saw, says so and how to fix it); ``/archive remove id:``
moves an article's file out of the corpus (kept in ``.removed/``), reloads, and logs it.
Every reply is private, and nothing the page says can ping anyone. Every change goes through
the desk's Library (:meth:`bot.desk.Desk.open_library`): this module imports nothing from retrieval/.

Every server answers from this one archive, so add and remove work only in the servers the
operator lists in ``NEWSDESK_ARCHIVE_GUILDS`` (see :func:`bot.checks.changes_archive`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import changes_archive, is_moderator
from bot.desk import ArchiveAdminError, FetchPool, IngestError, archive_options
from bot.failures import ReportingView
from bot.live import LiveArchive
from bot.reply import (
    CITED_SOURCE_CHARS, CITED_TITLE_CHARS, NO_MENTIONS, Limits, escape, fit_lines, truncate, without_server_paths,
)

if TYPE_CHECKING:
    from bot.client import NewsdeskBot
    from bot.desk import Article, Preview
    from bot.settings import Settings

log = logging.getLogger(__name__)

PREVIEW_SECONDS = 300  # how long Add / Cancel stay usable
PREVIEW_CHARS = 700
NOT_UPDATED = (
    "It is in the corpus but not searchable yet: the archive could not be updated (see the bot's log); "
    "the next update retries."
)
PREVIEW_EXPIRED = "This preview expired, so nothing was added. Run `/archive add` again to add the page."


# Ingest's messages name the CLI's options; in Discord they are this command's options.
# An option with a value joins it ("--published 2024-05-02" -> "published:2024-05-02"); a flag stands alone.
_OPTION_NAMES = {"--published": "published:", "--source": "source:", "--title": "title:"}
_FLAG_NAMES = {"--overwrite": "overwrite:True", "--feed": "the bot's NEWSDESK_FEEDS setting"}


def _for_discord(message: object, limit: int = Limits.CONTENT, settings: Settings | None = None) -> str:
    """An ingest message (or error) as a moderator in Discord should read it: escaped, with this
    command's options, and (given the settings) without the server's own folders."""
    text = without_server_paths(str(message), settings) if settings is not None else str(message)
    for cli, discord_option in _OPTION_NAMES.items():
        text = text.replace(f"{cli} ", discord_option).replace(cli, discord_option)
    for cli, discord_option in _FLAG_NAMES.items():
        text = text.replace(cli, discord_option)
    return truncate(escape(text), limit)


def _line(article: Article) -> str:
    date = article.published.isoformat() if article.published else "date unknown"
    source, title = truncate(article.source, CITED_SOURCE_CHARS), truncate(article.title, CITED_TITLE_CHARS)
    return f"`{article.id}` \u2014 *{escape(source)}*, {escape(title)}, {date}"


def preview_embed(preview: Preview) -> discord.Embed:
    article = preview.article
    embed = discord.Embed(
        title=truncate(escape(article.title), Limits.EMBED_TITLE),
        description=truncate(escape("\n\n".join(article.paragraphs[:3])), PREVIEW_CHARS),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(name="Outlet", value=truncate(escape(article.source), 200))
    embed.add_field(name="Published", value=article.published.isoformat() if article.published else "date unknown")
    if article.author:
        embed.add_field(name="Author", value=truncate(escape(article.author), 200))
    embed.add_field(name="Id", value=f"`{article.id}`", inline=False)
    if article.url:
        embed.add_field(name="Address", value=truncate(article.url, 500), inline=False)
    if preview.notes:
        embed.set_footer(text=_for_discord("; ".join(preview.notes), 500))
    return embed


class AddView(ReportingView):
    """Add / Cancel under a preview; only the moderator who asked may press them."""

    def __init__(self, cog: ArchiveCog, preview: Preview, command: discord.Interaction) -> None:
        super().__init__(timeout=PREVIEW_SECONDS)
        self.cog, self.preview, self.command = cog, preview, command
        self.owner_id = command.user.id

    async def on_timeout(self) -> None:
        # Buttons left past the timeout would answer nothing ("This interaction failed"):
        # the preview says it expired instead, through the command's own token (15 min).
        try:
            await self.command.edit_original_response(content=PREVIEW_EXPIRED, view=None)
        except discord.HTTPException:
            log.warning("could not mark the preview of interaction %s as expired", self.command.id)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message("Only the moderator who asked can add this page.", ephemeral=True)
        return False

    @discord.ui.button(label="Add", style=discord.ButtonStyle.success)
    async def add(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.defer()
        try:
            # Checked again: the corpus may have changed while the preview was open.
            result = await asyncio.to_thread(self.cog.library.add_previewed, self.preview)
        except IngestError as exc:
            message = _for_discord(exc, settings=self.cog.bot.settings)
            await interaction.edit_original_response(content=f"Not added: {message}", embed=None, view=None)
            return
        updated = await self.cog.after_change(interaction.user.id, "replace" if result.replaced else "add", result.article)
        verb = "Re-dated" if result.redated else "Replaced" if result.replaced else "Added"
        searchable = "It is searchable now." if updated else NOT_UPDATED
        content = truncate(f"{verb}: {_line(result.article)}. {searchable}", Limits.CONTENT)
        await interaction.edit_original_response(content=content, embed=None, view=None)

    @discord.ui.button(label="Cancel", style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.stop()
        await interaction.response.edit_message(content="Not added.", embed=None, view=None)


@app_commands.guild_only()
# Hidden from members without Manage Messages unless a server admin allows their role; the
# moderator check still runs on every use.
@app_commands.default_permissions(manage_messages=True)
class ArchiveCog(commands.GroupCog, group_name="archive", group_description="Add, list and remove archive articles (moderators)"):
    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot
        self.library = bot.desk.open_library(bot.settings)  # every change to the archive goes through it
        self.live = LiveArchive(bot.desk, bot.settings, library=self.library, arrivals=bot.arrivals)
        self.tasks: list[asyncio.Task] = []
        # /archive add fetches in a few threads of their own, with a bounded queue: slow sites
        # never hold the default executor's threads that votes and /querylog use.
        self.fetches = FetchPool()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Start following the corpus and polling the feeds once the bot is connected, not when
        the cog loads: a client that never connects (``newsdesk sync``; the first try of
        ``newsdesk run`` when Discord refuses the Message Content intent) must not start a poll
        beside the one of the client that serves (two writers to one corpus)."""
        if self.tasks:  # on_ready comes again after a reconnect that could not resume
            return
        settings = self.bot.settings
        if settings.watch_seconds > 0:
            await self.live.start_watching()
            self.tasks.append(asyncio.create_task(self.live.watch(), name="newsdesk-live-archive"))
            log.info("following %s for changes every %g s", settings.corpus_dir, settings.watch_seconds)
        if settings.feeds:
            self.tasks.append(asyncio.create_task(self.live.poll_feeds(), name="newsdesk-feeds"))
            log.info("polling %d feed(s) every %g min", len(settings.feeds), settings.feed_minutes)

    async def cog_unload(self) -> None:
        self.live.stop()
        self.fetches.shutdown()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.tasks.clear()

    async def after_change(self, user_id: int, action: str, article: Article) -> bool:
        """Make the change searchable now, and log who made it; False when the archive could not be
        updated (the file is changed all the same, and the next look at the folder applies it)."""
        try:
            await self.live.check()
            updated = True
        except Exception:  # noqa: BLE001 - the corpus file is written: the moderator must still hear so
            log.exception("archive not updated after the %s of %s; the next look at the corpus retries", action, article.id)
            updated = False
        error = await asyncio.to_thread(
            self.bot.desk.record_archive_action, user_id, action, article.id, article.title, article.url
        )
        if error is not None:
            log.warning("%s of %s by %s not logged: %s", action, article.id, user_id, error)
        return updated

    # -- commands ---------------------------------------------------------------------

    @app_commands.command(name="add", description="Fetch an article page and preview it before adding it")
    @app_commands.describe(
        url="The article's web address (http:// or https://)",
        published="Publication date YYYY-MM-DD, when the page shows none",
        source="Outlet name, when the page does not name it",
        title="Article title, when the page has none",
        overwrite="Replace the same article (same address, or same id and title) if the archive has it",
    )
    @is_moderator()
    @changes_archive()  # runs first: one archive for every server, changed only from the operator's
    async def add(
        self, interaction: discord.Interaction, url: str, published: str | None = None,
        source: str | None = None, title: str | None = None, overwrite: bool = False,
    ) -> None:
        options = archive_options(published, source, title, overwrite)  # FilterError: a private hint
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:  # fetched and read in the pool's threads; nothing is written yet
            preview = await self.fetches.run(url.strip(), self.library.preview, url.strip(), options)
        except IngestError as exc:
            message = _for_discord(exc, settings=self.bot.settings)
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        view = AddView(self, preview, interaction)
        await interaction.followup.send(
            "Add this article to the archive?", embed=preview_embed(preview), view=view,
            ephemeral=True, allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(name="recent", description="The articles added to the archive last")
    @app_commands.describe(count="How many (default 10)")
    @is_moderator()
    async def recent(self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 25] = 10) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        articles = await asyncio.to_thread(self.library.recent, count)
        lines = [_line(article) for article in articles] or ["The archive has no articles."]
        listing = fit_lines(lines, Limits.EMBED_DESCRIPTION, lambda left_out: f"\u2026 and {left_out} more")
        embed = discord.Embed(title="Added last", description=listing)
        if problem := self.live.feed_problem:  # else only in the log, and every poll fetches the entries again
            shown = _for_discord(" ".join(problem.split()), Limits.EMBED_FIELD_VALUE, settings=self.bot.settings)
            embed.add_field(name="Feeds", value=shown, inline=False)
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="remove", description="Take an article out of the archive (its file is kept aside)")
    @app_commands.describe(id="The article's id (see /archive recent)")
    @is_moderator()
    @changes_archive()
    async def remove(self, interaction: discord.Interaction, id: str) -> None:  # noqa: A002 (the option's name)
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            removed = await asyncio.to_thread(self.library.remove, id)
        except ArchiveAdminError as exc:
            message = _for_discord(exc, settings=self.bot.settings)
            await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        updated = await self.after_change(interaction.user.id, "remove", removed.article)
        message = f"Removed {_line(removed.article)}. Its file is kept as `{removed.kept_name}` in the corpus folder."
        if not updated:
            message += " Answers may still cite it until the archive updates (see the bot's log)."
        await interaction.followup.send(truncate(message, Limits.CONTENT), ephemeral=True, allowed_mentions=NO_MENTIONS)


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(ArchiveCog(bot))
