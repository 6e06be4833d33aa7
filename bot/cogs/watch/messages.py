"""What the Watch cog says: a watch's post, the pause notice, the /watch list lines.

Everything quoted (the watched question, article text, a pause's reason) goes through
:func:`bot.reply.escape`, so it never pings nor breaks the formatting, and every text is cut to
Discord's limits here, before it is sent.
"""

from __future__ import annotations

import discord

from bot.desk import Watch
from bot.querylog.records import one_line
from bot.reply import COLOUR_ANSWER, Limits, cite, escape, fit_lines, highlighted, question_title, truncate
from bot.watch_firing import Post

LIST_QUESTION_CHARS = 120
POST_CHARS = 3000  # the excerpts and citation of a post (an embed holds 4096)
COLOUR_PAUSED = discord.Colour.orange()


def post_embed(post: Post) -> discord.Embed:
    """A new article that answers a watch: its excerpts (matched words in bold), then its citation."""
    watch, answer = post.watch, post.answer
    cite_line = cite(answer.results[0])
    budget = min(POST_CHARS, Limits.EMBED_DESCRIPTION - len(cite_line) - 1)
    each = max(budget // max(len(answer.results), 1) - 2, 200)
    body = truncate("\n\n".join(truncate(highlighted(excerpt), each) for excerpt in answer.results), budget)
    embed = discord.Embed(title=question_title(watch.question), description=f"{body}\n{cite_line}", colour=COLOUR_ANSWER)
    embed.set_author(name="New on a watched question")
    embed.set_footer(text=f"Watch #{watch.id} \u00b7 /watch stop {watch.id} stops it")
    return embed


def quoted(question: str, limit: int = LIST_QUESTION_CHARS) -> str:
    """A watched question on one line, escaped, cut to ``limit``, in quotation marks."""
    return f"\u201c{truncate(escape(one_line(question)), limit)}\u201d"


def paused_notice(watch: Watch, reason: str, server: str | None) -> str:
    """The message a paused watch's owner gets where it posts: why, and how to resume it."""
    where = f" in {escape(server)}" if server else ""
    text = (f"\u23f8 Watch #{watch.id} {quoted(watch.question)} is paused: {escape(reason)}. "
            f"Use `/watch resume {watch.id}`{where} to resume it, or `/watch stop {watch.id}`.")
    return truncate(text, Limits.CONTENT)


def list_line(watch: Watch, *, owner: bool = False) -> str:
    """``#3 ▶ in #general “question” · from DW`` (⏸ and why for a paused one)."""
    where = "by DM" if watch.delivery == "dm" else f"in <#{watch.channel_id}>" if watch.channel_id else ""
    filters = watch.filters.describe()
    state = "\u25b6" if watch.paused_at is None else "\u23f8"
    line = f"`#{watch.id}` {state} {where} {quoted(watch.question)}"
    if filters:
        line += f" \u00b7 *{truncate(escape(filters), 100)}*"
    if owner and watch.owner and watch.owner.isdigit():
        line += f" \u00b7 <@{watch.owner}>"
    if watch.paused_at is not None:
        line += f" \u00b7 paused {watch.paused_at[:10]}: {truncate(escape(watch.paused_reason or ''), 200)}"
    return line


def list_embed(watches: list[Watch], *, everyone: bool) -> discord.Embed:
    """The member's watches (``everyone``: the server's, for a moderator), one line each, within one embed."""
    lines = [list_line(w, owner=everyone) for w in watches] or ["No watches here yet: add one with `/watch add`."]
    listing = fit_lines(lines, Limits.EMBED_DESCRIPTION, lambda left_out: f"\u2026 and {left_out} more")
    title = "This server's watches" if everyone else "Your watches in this server"
    embed = discord.Embed(title=title, description=listing)
    embed.set_footer(text="\u25b6 running \u00b7 \u23f8 paused: /watch resume NUMBER \u00b7 /watch stop NUMBER")
    return embed
