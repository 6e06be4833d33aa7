"""/querylog: moderators review the query log in Discord (private replies only).

Guarantees: every reply is private; every subcommand that reads the log reads it through
the invoking member's :class:`~bot.querylog.queries.Viewer` (:func:`bot.checks.log_viewer`),
so it shows and counts only questions from channels they can read, and says how many it left
out. ``forget`` (Manage Server only) removes one member's rows of this server alone, and only
when asked again with ``confirm``; first it says what would go.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import logging
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands
from sqlite_utils import Database

from bot import charts
from bot.checks import is_moderator, log_viewer, manages_server
from bot.querylog import periods, queries
from bot.querylog.queries import Bound, Guild
from bot.querylog.records import LoggedQuery, Removed, Stats, one_line, write_csv
from bot.reply import NO_MENTIONS, Limits, escape, fit_lines, truncate

if TYPE_CHECKING:
    from bot.client import NewsdeskBot

log = logging.getLogger(__name__)
T = TypeVar("T")

# Bots may attach 10 MiB; leave room for the multipart envelope.
MAX_EXPORT_BYTES = 9 * 1024 * 1024
LINE_QUESTION_CHARS = 120
LINE_FILTERS_CHARS = 100
CHART_FILENAME = "querylog-stats.png"
REFUSED_MARK = "\N{NO ENTRY SIGN}"  # refused before any search: not a gap in the archive


def filters_shown(query: LoggedQuery) -> str:
    """`` · *from DW, published 2014-06-01 to 2014-12-31*``, or ``""`` for a question asked without filters.

    One line (``filters_text``), escaped (an outlet is typed by the asker: it never pings or
    breaks the markdown) and cut short, so a listing line stays bounded.
    """
    text = query.filters_text()
    return f" \u00b7 *{truncate(escape(text), LINE_FILTERS_CHARS)}*" if text else ""


def _question(text: str, limit: int) -> str:
    """A question in a listing: one line (a line break would split the entry and could start a
    heading or a quote), escaped, cut to ``limit``."""
    return truncate(escape(one_line(text)), limit)


def _line(query: LoggedQuery) -> str:
    mark = "\u2705" if query.answered else REFUSED_MARK if query.refused else "\u274c"
    when = query.asked_at[:16].replace("T", " ")
    where = f" <#{query.channel_id}>" if query.channel_id else f" ({query.interface})"
    votes = ""
    if query.thumbs_up or query.thumbs_down:
        votes = f" \N{THUMBS UP SIGN}{query.thumbs_up} \N{THUMBS DOWN SIGN}{query.thumbs_down}"
    question = _question(query.question, LINE_QUESTION_CHARS)
    why = f" \u00b7 {query.reason_text()}" if query.reason and not query.answered else ""
    return f"`#{query.id}` {when} {mark}{where}{votes} \u2014 {question}{filters_shown(query)}{why}"


def list_embed(title: str, logged: list[LoggedQuery], empty: str, total: int | None = None) -> discord.Embed:
    """``logged`` as one line each; ``total``: how many there are in all (``logged`` may be only
    the newest), so the last line counts every one left out, not just those fetched."""
    beyond = 0 if total is None else max(total - len(logged), 0)

    def more(left_out: int) -> str:
        return f"\u2026 and {left_out + beyond} more (use `newsdesk logs` for everything)"

    # Room kept for the "more" line the fetched lines may not bring themselves.
    lines = fit_lines([_line(query) for query in logged], Limits.EMBED_DESCRIPTION - (len(more(0)) + 1 if beyond else 0), more)
    if beyond and len(lines.splitlines()) == len(logged):  # every fetched line fit
        lines += "\n" + more(0)
    embed = discord.Embed(title=title, description=lines or empty, colour=discord.Colour.dark_teal())
    embed.set_footer(
        text=f"Times are UTC \u00b7 \u2705 answered \u00b7 \u274c no answer \u00b7 {REFUSED_MARK} refused (bad filter, too long) "
        "\u00b7 in italics: the filters it was asked with, then why there was no answer"
    )
    return embed


def _field(lines: list[str]) -> str:
    """Whole ``lines`` within a field's limit; those that do not fit are counted on the last."""
    return fit_lines(lines, Limits.EMBED_FIELD_VALUE, lambda left_out: f"\u2026 and {left_out} more") or "\u2014"


def _period_lines(groups: list[periods.Group]) -> list[str]:
    return [
        f"`{g.label}` {g.questions} asked, {g.answered} answered" + (f" \u00b7 {g.partial}" if g.partial else "")
        for g in groups
    ]


def per_period_field(stats: Stats, since: Bound = None, now: dt.datetime | None = None) -> tuple[str, str]:
    """The per-day figures of the whole period as one field (name, value) within Discord's limit.

    Days when they fit, else weeks, months or years (the name says which), so no question of
    the period is left out; only if even years did not fit would the earliest be left out, and
    the first line says how many. Partial days (or weeks...) say so: the period starts at this
    time of day ``days`` ago, and today is not over.
    """
    for unit in periods.UNITS:
        lines = _period_lines(periods.group(stats.per_day, unit, since, now=now))
        if len("\n".join(lines)) <= Limits.EMBED_FIELD_VALUE:
            return f"Per {unit} (UTC)", "\n".join(lines) or "\u2014"
    newest_first = fit_lines(lines[::-1], Limits.EMBED_FIELD_VALUE, lambda n: f"\u2026 {n} earlier {unit}(s) not shown")
    return f"Per {unit} (UTC)", "\n".join(reversed(newest_first.splitlines()))


def stats_embed(stats: Stats, days: int, since: Bound = None) -> discord.Embed:
    share = f"{stats.answered_share:.0%}" if stats.answered_share is not None else "\u2014"
    embed = discord.Embed(title=f"Query log: last {days} day(s)", colour=discord.Colour.dark_teal())
    embed.add_field(name="Questions", value=str(stats.questions))
    embed.add_field(name="Answered", value=f"{stats.answered} ({share})")
    embed.add_field(name="Feedback", value=f"\N{THUMBS UP SIGN} {stats.thumbs_up} \u00b7 \N{THUMBS DOWN SIGN} {stats.thumbs_down}")
    embed.add_field(name="Refused", value=str(stats.refused))
    embed.add_field(name="Distinct users", value=stats.users_text())
    name, value = per_period_field(stats, since)
    embed.add_field(name=name, value=value, inline=False)
    embed.add_field(
        name="Top questions",
        value=_field([f"{t.count}\u00d7 {_question(t.question, 100)} ({t.answered} answered)" for t in stats.top_questions]),
        inline=False,
    )
    embed.add_field(
        name="Busiest channels",
        value=_field([f"<#{c.channel_id}>: {c.questions}" for c in stats.busiest_channels]),
        inline=False,
    )
    return embed


def withheld_note(left_out: int) -> str:
    """The line telling a moderator that questions were left out: a count, never their text."""
    if not left_out:
        return ""
    return f"{left_out} question(s) from channels you cannot read are not shown."


def _withheld_since(db: Database, since: Bound, guild: Guild) -> int:
    return queries.withheld(lambda g: queries.count(db, since, guild=g), guild)


def forget_reply(removed: Removed, user_id: int, confirmed: bool) -> str:
    """What /querylog forget says: what it removed, or what it would remove and how to confirm."""
    who = f"<@{user_id}>"  # sent with no mentions allowed: shown as the member, never pinged
    if not confirmed:
        if not removed.total:
            return f"The log keeps nothing about {who} in this server: nothing to remove."
        return (
            f"This would remove {removed.counts()} of {who} in this server (other servers keep theirs). "
            f"To remove them, run `/querylog forget` again for {who} with `confirm: True`."
        )
    done = f"Removed {removed.counts()} of {who} in this server."
    if removed.in_wal:
        done += " Their text stays in the log's write-ahead file until another reader closes; it goes with the next removal."
    return done


class _TooLarge(Exception):
    """The export went over the size a Discord attachment may have."""


class _CappedBuffer:
    """A text sink keeping the UTF-8 bytes written; raises _TooLarge once they pass ``limit``."""

    def __init__(self, limit: int) -> None:
        self.data = io.BytesIO()
        self.limit = limit

    def write(self, text: str) -> int:
        self.data.write(text.encode("utf-8"))
        if self.data.tell() > self.limit:
            raise _TooLarge
        return len(text)


def capped_csv(rows: Generator[dict[str, Any], None, None], limit: int) -> tuple[bytes, int] | None:
    """``rows`` as CSV bytes and their count, or None as soon as the CSV passes ``limit`` bytes:
    a large log is never built whole in the bot's memory only to be refused."""
    buffer = _CappedBuffer(limit)
    with contextlib.closing(rows):  # the cursor is released before the connection closes
        try:
            count = write_csv(rows, buffer)
        except _TooLarge:
            return None
    return buffer.data.getvalue(), count


class QueryLogCog(commands.Cog, name="QueryLog"):
    # Hidden from members without Manage Messages unless a server admin allows their role
    # (Server Settings > Integrations); the moderator check still runs on every use.
    querylog = app_commands.Group(
        name="querylog",
        description="Review what the team asked (moderators only)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_messages=True),
    )

    def __init__(self, bot: NewsdeskBot) -> None:
        self.bot = bot

    async def _read(self, interaction: discord.Interaction, function: Callable[[Database, Guild], T]) -> T:
        """Acknowledge privately, then run ``function`` on the log through the desk.

        A connection of its own, in a worker thread: reviews never wait on (or block) answers.
        ``function`` gets the member's :class:`~bot.querylog.queries.Viewer` (the server the
        command was used in, the channels they can read there) to pass as ``guild=`` to every read.
        """
        if interaction.guild_id is None:  # guild_only: Discord never sends these from a DM
            raise app_commands.NoPrivateMessage()
        viewer = log_viewer(interaction)  # on the event loop: it reads discord.py's cache
        await interaction.response.defer(ephemeral=True, thinking=True)
        return await asyncio.to_thread(self.bot.desk.read_log, lambda db: function(db, viewer))

    async def _list(
        self,
        interaction: discord.Interaction,
        fetch: Callable[[Database, Guild], tuple[list[LoggedQuery], int, int]],
        title: Callable[[int], str],
        empty: str,
    ) -> None:
        """A listing command's reply; ``fetch`` gives the questions to show, how many there
        are in all, and how many were withheld; ``title`` is made from the second number."""
        found, total, left_out = await self._read(interaction, fetch)
        embed = list_embed(title(total), found, empty, total)
        await self._reply(interaction, withheld_note(left_out), embed=embed)

    async def _reply(self, interaction: discord.Interaction, content: str = "", **kwargs: object) -> None:
        await interaction.followup.send(
            content or None, ephemeral=True, allowed_mentions=NO_MENTIONS, **kwargs  # type: ignore[arg-type]
        )

    @querylog.command(name="recent")
    @app_commands.describe(count="How many questions to show (1-50, default 15)")
    @is_moderator()
    async def recent(self, interaction: discord.Interaction, count: app_commands.Range[int, 1, 50] = 15) -> None:
        """The newest questions asked."""
        def fetch(db: Database, guild: Guild) -> tuple[list[LoggedQuery], int, int]:
            found = queries.recent(db, count, guild=guild)
            return found, len(found), queries.withheld(lambda g: queries.count(db, guild=g), guild)

        await self._list(interaction, fetch, lambda n: f"Newest {n} question(s)", "No questions yet.")

    @querylog.command(name="search")
    @app_commands.describe(text="Words to look for in questions (matched literally, any case)")
    @is_moderator()
    async def search(self, interaction: discord.Interaction, text: app_commands.Range[str, 1, 200]) -> None:
        """Questions containing some text."""
        shown = escape(one_line(text))

        def fetch(db: Database, guild: Guild) -> tuple[list[LoggedQuery], int, int]:
            total = lambda g: queries.search_total(db, text, guild=g)  # noqa: E731
            return queries.search(db, text, count=50, guild=guild), total(guild), queries.withheld(total, guild)

        title = lambda n: truncate(f"{n} question(s) containing \u201c{shown}\u201d", Limits.EMBED_TITLE)  # noqa: E731
        await self._list(interaction, fetch, title, "No question contains that text.")

    @querylog.command(name="unanswered")
    @app_commands.describe(days="Look back this many days (default 7)")
    @is_moderator()
    async def unanswered(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 7) -> None:
        """Questions the archive could not answer."""
        since = queries.since_days(days)  # one instant for the listing and its count

        def fetch(db: Database, guild: Guild) -> tuple[list[LoggedQuery], int, int]:
            listed = queries.unanswered(db, since=since, count=50, guild=guild)
            total = lambda g: queries.unanswered_total(db, since=since, guild=g)  # noqa: E731
            return listed, total(guild), queries.withheld(total, guild)

        title = lambda n: f"{n} unanswered in the last {days} day(s)"  # noqa: E731
        await self._list(interaction, fetch, title, "Every question was answered.")

    @querylog.command(name="stats")
    @app_commands.describe(days="Look back this many days (default 30)")
    @is_moderator()
    async def stats(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 30) -> None:
        """Questions per day, answered share, top questions, feedback, busiest channels, and a chart."""
        since = queries.since_days(days)

        def figures_and_chart(db: Database, guild: Guild) -> tuple[Stats, bytes, int]:
            # Both in the worker thread: drawing the chart never runs on the event loop.
            figures = queries.stats(db, since=since, guild=guild)
            png = charts.chart_png(db, since, period=f"last {days} day(s)", guild=guild)
            return figures, png, _withheld_since(db, since, guild)

        result, png, left_out = await self._read(interaction, figures_and_chart)
        embed = stats_embed(result, days, since)
        embed.set_image(url=f"attachment://{CHART_FILENAME}")
        file = discord.File(io.BytesIO(png), filename=CHART_FILENAME)
        await self._reply(interaction, withheld_note(left_out), embed=embed, file=file)

    @querylog.command(name="export")
    @app_commands.describe(days="Export this many days back (default 30)")
    @is_moderator()
    async def export(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 3650] = 30) -> None:
        """The query log as a CSV file."""
        since = queries.since_days(days)

        def build(db: Database, guild: Guild) -> tuple[tuple[bytes, int] | None, int]:
            rows = queries.iter_export_rows(db, since=since, guild=guild)
            return capped_csv(rows, MAX_EXPORT_BYTES), _withheld_since(db, since, guild)

        built, left_out = await self._read(interaction, build)
        if built is None:
            await self._reply(
                interaction,
                content=f"The export of the last {days} day(s) is over Discord's limit of "
                f"{MAX_EXPORT_BYTES // 2**20} MiB for a file. Ask for fewer days, or run "
                "`newsdesk logs export` on the server.",
            )
            return
        data, count = built
        # UTC, as every date in the log and the listings (the server's local date may differ).
        name = f"newsdesk-queries-{dt.datetime.now(dt.timezone.utc).date().isoformat()}-{days}d.csv"
        await self._reply(
            interaction,
            content=f"{count} question(s) from the last {days} day(s). {withheld_note(left_out)}".strip(),
            file=discord.File(io.BytesIO(data), filename=name),
        )


    @querylog.command(name="forget")
    @app_commands.describe(
        member="Whose questions, votes and watches in this server to remove (e.g. on their request)",
        confirm="True removes them; without it the reply only says what would be removed",
    )
    @is_moderator()
    @manages_server()
    async def forget(self, interaction: discord.Interaction, member: discord.User, confirm: bool = False) -> None:
        """Remove what the log keeps about a member in this server (Manage Server)."""
        if interaction.guild_id is None:  # guild_only: Discord never sends these from a DM
            raise app_commands.NoPrivateMessage()
        guild_id = interaction.guild_id
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await asyncio.to_thread(self.bot.desk.forget_member, member.id, guild_id, dry_run=not confirm)
        await self._reply(interaction, forget_reply(removed, member.id, confirm))
        if confirm:
            log.info("/querylog forget by %s in server %s: %s", interaction.user.id, guild_id, removed.counts())


async def setup(bot: NewsdeskBot) -> None:
    await bot.add_cog(QueryLogCog(bot))
