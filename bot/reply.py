"""Answer -> Discord reply: embeds and messages that never ping and fit Discord's limits.

Everything quoted (article text, the user's question) goes through :func:`escape`, so
markdown in it stays literal, ``@everyone``/``<@id>`` cannot mention anyone and no direction
control turns a line around; every send also passes ``AllowedMentions.none()``. Sizes are trimmed here, before sending, against
the limits in :class:`Limits`, so Discord never rejects a reply for its length.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import discord

from bot.render_text import citation, counted, echoed, emphasise, searched_for, truncate
from retrieval.answer.answerer import Answer, Excerpt
from retrieval.answer.timeline import Timeline
from retrieval.library import Places

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
ZWSP = "\u200b"


class Limits:
    """Discord's documented limits (characters unless named otherwise)."""

    CONTENT = 2000
    EMBED_TITLE = 256
    EMBED_DESCRIPTION = 4096
    EMBED_FIELD_NAME = 256
    EMBED_FIELD_VALUE = 1024
    EMBED_FIELDS = 25
    EMBED_FOOTER = 2048
    EMBED_TOTAL = 6000


# A citation says where an excerpt comes from; longer titles and outlet names are cut (before
# escaping, so no escape is split) so that they never crowd the excerpt, the answer, out.
CITED_TITLE_CHARS = 200
CITED_SOURCE_CHARS = 80

COLOUR_ANSWER = discord.Colour.blurple()
COLOUR_NO_ANSWER = discord.Colour.light_grey()

_MARKDOWN_RE = re.compile(r"([\\*_~`|>#\[\]<])")


def escape(text: str) -> str:
    """Make ``text`` render literally: no markdown, no mentions, no masked links, no
    direction controls (one left open in a quoted title would turn the rest of the line
    around, the date after it included)."""
    escaped = _MARKDOWN_RE.sub(r"\\\1", echoed(text))
    # A zero-width space after '@' breaks @everyone, @here and <@id> (also in escaped form).
    return escaped.replace("@", "@" + ZWSP)


def highlighted(excerpt: Excerpt) -> str:
    """The excerpt escaped, with its matched words in bold."""
    return emphasise(excerpt, bold=lambda text: f"**{escape(text)}**", text=escape)


def cited(excerpt: Excerpt) -> Excerpt:
    """``excerpt`` with its title and outlet cut to what a citation shows."""
    return dataclasses.replace(
        excerpt, title=truncate(excerpt.title, CITED_TITLE_CHARS), source=truncate(excerpt.source, CITED_SOURCE_CHARS)
    )


def cite(excerpt: Excerpt) -> str:
    """``— *Outlet*, [Title](url), 2014-10-21`` (the title linked when a safe URL is known)."""
    return f"\u2014 {citation(cited(excerpt), escape)}"


def fit_lines(lines: Sequence[str], limit: int, more: Callable[[int], str]) -> str:
    """Whole ``lines``, one per line, within ``limit`` characters; when some do not fit, the
    last line is ``more(how many were left out)`` instead, so a listing never ends mid-line."""
    kept: list[str] = []
    size = -1  # the joined length of ``kept`` (no newline before the first line)
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        # This line, and room for the "more" line if others follow (it replaces them).
        needed = size + 1 + len(line) + (len(more(rest)) + 1 if rest else 0)
        if needed > limit:
            return "\n".join([*kept, more(len(lines) - index)])
        kept.append(line)
        size += 1 + len(line)
    return "\n".join(kept)


def excerpt_block(number: int, excerpt: Excerpt, max_chars: int = 1000) -> str:
    cite_line = cite(excerpt)
    body_budget = max(max_chars - len(cite_line) - 10, 50)
    return f"**{number}.** {truncate(highlighted(excerpt), body_budget)}\n{cite_line}"


def question_title(question: str) -> str:
    # Titles render a little markdown; escaping keeps them literal.
    return truncate(escape(echoed(question)), Limits.EMBED_TITLE)


def answer_embed(
    answer: Answer,
    excerpts: Sequence[Excerpt] | None = None,
    *,
    first_number: int = 1,
    total_available: int | None = None,
) -> discord.Embed:
    """The reply embed: numbered excerpts with citations, footer with what was searched."""
    excerpts = list(answer.results if excerpts is None else excerpts)
    title = question_title(answer.question)
    shown = 0
    blocks: list[str] = []
    last = first_number - 1
    footer_reserve = 200
    budget = min(Limits.EMBED_DESCRIPTION, Limits.EMBED_TOTAL - len(title) - footer_reserve)
    for offset, excerpt in enumerate(excerpts):
        block = excerpt_block(first_number + offset, excerpt)
        used = sum(len(b) for b in blocks) + 2 * len(blocks)
        if used + len(block) + 2 > budget:
            room = budget - used - 2
            if room < 200:
                break
            block = truncate(block, room)
        blocks.append(block)
        shown += 1
        last = first_number + offset
    description = "\n\n".join(blocks)
    embed = discord.Embed(title=title, description=description, colour=COLOUR_ANSWER)
    span = f"{first_number}\u2013{last}" if last > first_number else f"{first_number}"
    of = f" of {total_available}" if total_available else ""
    footer = f"Excerpts {span}{of} \u00b7 searched {answer.passages_searched} passages"
    if answer.searched_for:
        footer += f" \u00b7 {searched_for(answer)}"
    embed.set_footer(text=truncate(footer, Limits.EMBED_FOOTER))
    if shown < len(excerpts):
        log.info("embed trimmed: %d of %d excerpts fit", shown, len(excerpts))
    return embed


def late_line(asked_at: str, question: str | None = None) -> str:
    """The line over a late answer: that it is one, and when the question was asked; naming the
    question (escaped, cut) when the answer cannot be a reply to it (its message is gone)."""
    day = asked_at[:10]
    if question is None:
        return f"**Late answer** to this question (asked {day}): an article that answers it has arrived since."
    named = truncate(escape(echoed(question)), 300)
    return f"**Late answer** to \u201c{named}\u201d (asked here {day}): an article that answers it has arrived since."


# The most articles a timeline lists in Discord (the most relevant, in date order): each
# keeps room for a readable excerpt within one embed; the rest are counted in the footer.
TIMELINE_SHOWN = 10
# An entry's excerpt is cut to its share of the description, but never below this.
TIMELINE_MIN_EXCERPT = 160


def timeline_block(excerpt: Excerpt, max_chars: int) -> str:
    """``**2021-02-22** excerpt`` and the citation under it, within ``max_chars``."""
    date = excerpt.published.isoformat() if excerpt.published else "date unknown"
    cite_line = cite(excerpt)
    head = f"**{date}** \u00b7 "
    body_budget = max(max_chars - len(head) - len(cite_line) - 1, TIMELINE_MIN_EXCERPT)
    return f"{head}{truncate(highlighted(excerpt), body_budget)}\n{cite_line}"


def timeline_embed(found: Timeline) -> discord.Embed:
    """A timeline as one embed: each article's excerpt after its date, oldest first, with its
    citation; the footer says how many articles are listed and how many more there are (an
    entry that does not fit is counted there too, never cut off mid-way)."""
    title = question_title(found.question)
    footer_reserve = 300
    budget = min(Limits.EMBED_DESCRIPTION, Limits.EMBED_TOTAL - len(title) - footer_reserve)
    entries = list(found.entries)
    each = max(budget // max(len(entries), 1) - 2, TIMELINE_MIN_EXCERPT)
    blocks: list[str] = []
    used = -2
    for excerpt in entries:
        block = timeline_block(excerpt, each)
        if used + 2 + len(block) > budget:
            break
        blocks.append(block)
        used += 2 + len(block)
    more = found.left_out + len(entries) - len(blocks)
    embed = discord.Embed(title=title, description="\n\n".join(blocks), colour=COLOUR_ANSWER)
    footer = f"Timeline \u00b7 {counted(len(blocks), 'article')}, oldest first"
    if more:
        footer += f" \u00b7 {more} more not shown (the least relevant): narrow with since, until or outlet"
    footer += f" \u00b7 searched {found.answer.passages_searched} passages"
    if found.answer.searched_for:
        footer += f" \u00b7 {searched_for(found.answer)}"
    embed.set_footer(text=truncate(footer, Limits.EMBED_FOOTER))
    return embed


def answer_text(answer: Answer, *, total_available: int | None = None) -> str:
    """The answer as one plain message (no embed), for where the bot may not send embeds.

    The same numbered, escaped excerpts and citations as :func:`answer_embed`, within 2000 characters.
    """
    title = f"**{question_title(answer.question)}**"
    footer = f"Excerpts 1\u2013{len(answer.results)}" + (f" of {total_available}" if total_available else "")
    footer += f" \u00b7 searched {answer.passages_searched} passages"
    budget = Limits.CONTENT - len(title) - len(footer) - 8
    each = budget // max(len(answer.results), 1) - 2
    blocks = [excerpt_block(number, excerpt, each) for number, excerpt in enumerate(answer.results, start=1)]
    return truncate("\n\n".join([title, *blocks, f"-# {footer}"]), Limits.CONTENT)


def no_answer_message(question: str, reason: str = "", searched: Sequence[str] = ()) -> str:
    """Plain refusal with a hint, within the 2000-character limit.

    ``searched``: the words searched when spelling changed the question, so the member
    sees what was looked for.
    """
    quoted = truncate(escape(echoed(question)), 300)
    corrected = f"(I searched for: {escape(', '.join(searched))}.) " if searched else ""
    text = (
        f"I found nothing in the news archive that answers \u201c{quoted}\u201d. {corrected}"
        f"{escape(reason)} Try rephrasing with the names, places or events you are after "
        "(for example: *Did Iran send troops to Iraq?*)."
    )
    return truncate(text, Limits.CONTENT)


def embed_size(embed: discord.Embed) -> int:
    """Characters Discord counts toward the 6000 total of an embed."""
    return len(embed)


def without_server_paths(text: str, settings: Settings) -> str:
    """``text`` (an error for a reply in Discord) without where the server keeps its files.

    A corpus file is named as in the corpus folder (``<id>.md``, ``.removed/<id>.md``), a file
    of the index folder as "the index folder's feeds.json", the query log by its file name:
    the server's folders tell a member nothing they can act on, and are not theirs to see.
    Only absolute forms are replaced (a relative ``corpus`` is also a plain word), the
    longest first (the index folder may be in the corpus folder, the corpus in the log's).
    """
    index = Places(settings.corpus_dir, settings.index_path).index_dir
    db = settings.db_path
    places: list[tuple[Path, str, str]] = [
        (index, "the index folder's ", "the index folder"),
        (settings.corpus_dir, "", "the corpus folder"),
        (db, "", db.name),
        (db.parent, "", "the query log's folder"),
    ]
    shown = {str(form): (inside, alone) for path, inside, alone in places for form in (path.absolute(), path.resolve())}
    for path in sorted(shown, key=len, reverse=True):
        if path != os.sep:
            inside, alone = shown[path]
            text = text.replace(f"{path}{os.sep}", inside).replace(path, alone)
    return text
