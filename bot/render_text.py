"""Answer -> text: the terminal's rendering, and the pieces the Discord embeds share.

Free of discord.py (``newsdesk ask`` must start fast). :func:`citation` and
:func:`truncate` are the only citation formatter and the only truncation in ``bot/``;
:mod:`bot.reply` builds its embeds from them, with Discord's markdown escaping.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Callable

from retrieval.answer.answerer import Answer, Excerpt
from retrieval.answer.timeline import Timeline

log = logging.getLogger(__name__)

ELLIPSIS = "\u2026"
SAFE_URL_RE = re.compile(r"^https?://[^\s()<>\[\]]+$")


def _same(text: str) -> str:
    return text


def without_controls(text: str, categories: frozenset[str] = frozenset({"Cc"})) -> str:
    """``text`` with its control characters shown as ``?``; line breaks kept.

    A corpus file copied in by hand, or a question, can carry terminal escapes (clear the
    screen, set the window title, write the clipboard) and bells. Same length as ``text``,
    so highlight spans stay put.
    """
    return "".join("?" if ch != "\n" and unicodedata.category(ch) in categories else ch for ch in text)


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters at a word boundary, marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    # Never leave a dangling backslash that would escape the ellipsis, or a half-open bold.
    cut = cut.rstrip("\\")
    if cut.count("**") % 2:
        cut = cut[: cut.rfind("**")]
    return cut.rstrip() + ELLIPSIS


def emphasise(excerpt: Excerpt, bold: Callable[[str], str], text: Callable[[str], str] = _same) -> str:
    """The excerpt with its matched words passed through ``bold`` and the rest through ``text``."""
    parts: list[str] = []
    cursor = 0
    for start, end in excerpt.highlights:
        parts.append(text(excerpt.excerpt[cursor:start]))
        parts.append(bold(excerpt.excerpt[start:end]))
        cursor = end
    parts.append(text(excerpt.excerpt[cursor:]))
    return "".join(parts)


def citation(excerpt: Excerpt, markup: Callable[[str], str] | None = None) -> str:
    """``Outlet, “Title”, 2014-10-21`` (``date unknown`` without a date).

    With ``markup`` (Discord's escaping) the text is escaped, the outlet set in italics and
    the title linked when the article has a safe URL: ``*Outlet*, [Title](url), 2014-10-21``.
    """
    date = excerpt.published.isoformat() if excerpt.published else "date unknown"
    escape = markup or _same
    title = f"\u201c{escape(excerpt.title)}\u201d"
    source = escape(excerpt.source)
    if markup is not None:
        source = f"*{source}*"
        if excerpt.url and SAFE_URL_RE.match(excerpt.url):
            title = f"[{escape(excerpt.title)}]({excerpt.url})"
    return f"{source}, {title}, {date}"


# How much of a refused question the refusal repeats: enough to recognise it.
ECHO_CHARS = 120
# Direction controls (marks, embeddings, overrides, isolates): one left open in an echoed
# question would show the rest of the line, the hint included, backwards.
_DIRECTION_RE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def echoed(question: str) -> str:
    """``question`` as a reply repeats it: without direction controls (the log keeps them)."""
    return _DIRECTION_RE.sub("", question)


def no_answer_text(question: str, reason: str) -> str:
    # On one line: a question asked on the command line may hold line breaks.
    flat = " ".join(echoed(question).split())
    return (
        f"No answer in the archive for: {truncate(flat, ECHO_CHARS)}\n"
        f"{reason} Try rephrasing with the names, places or events you are after."
    )


def searched_for(answer: Answer) -> str:
    """"searched for: minister, baghdad" (the words searched, spelling corrected), or ""."""
    return f"searched for: {', '.join(answer.searched_for)}" if answer.searched_for else ""


def answer_json(answer: Answer) -> dict[str, object]:
    """``newsdesk ask --json``: the answer's JSON, with what the text output also says.

    Keys beyond :meth:`Answer.to_json`: ``reason`` (``not_covered``, ``not_english``,
    ``no_terms``; None when answered), ``message`` (the refusal's words, as the text shows
    them), ``corrections`` (each word typed and the one searched instead; None when dropped),
    ``passages_searched`` (those the filters left) and ``filters`` (``{"outlet": "DW",
    "since": "2014-06-01"}``, only those set; None without). Keys are only ever added, so
    scripts keep working.
    """
    corrections = answer.query.corrections if answer.query is not None else ()
    return {
        **answer.to_json(),
        "reason": answer.reason_code or None,
        "message": answer.reason or None,
        "corrections": [{"typed": typed, "searched": searched or None} for typed, searched in corrections],
        "passages_searched": answer.passages_searched,
        "filters": answer.filters.to_json() if answer.filters else None,
    }


def line_breaks(text: str, width: int, first: int, indent: int) -> str:
    """``text`` with the spaces where it wraps to ``width`` columns made line breaks.

    The first line starts after ``first`` columns, the others after ``indent``. Same length
    as ``text``, so highlight spans stay put; a word longer than a line is never cut.
    """
    chars = list(text)
    start, used, space = 0, first, -1
    for i, char in enumerate(chars):
        if char == "\n":
            start, used, space = i + 1, indent, -1
            continue
        if char == " ":
            space = i
        if used + i - start + 1 > width and space > start:
            chars[space] = "\n"
            start, used, space = space + 1, indent, -1
    return "".join(chars)


def _wrapped(text: str, width: int | None, first: int, indent: int) -> str:
    """``text`` wrapped (``width`` None: as it is), each following line indented ``indent``."""
    if width is None:
        return text
    return line_breaks(text, width, first, indent).replace("\n", "\n" + " " * indent)


def _printable(excerpt: Excerpt) -> Excerpt:
    """``excerpt`` with no control character in what the terminal shows of it."""
    return dataclasses.replace(
        excerpt,
        excerpt=without_controls(excerpt.excerpt),
        title=without_controls(excerpt.title),
        source=without_controls(excerpt.source),
        url=without_controls(excerpt.url) if excerpt.url else excerpt.url,
    )


def _excerpt_lines(
    number: int, excerpt: Excerpt, bold: Callable[[str], str], width: int | None, prefix: str | None = None
) -> list[str]:
    """The numbered excerpt (or after ``prefix``), its citation and link; continuation lines under the excerpt's text."""
    prefix = prefix if prefix is not None else f"{number}. "
    indent = len(prefix)
    if width is not None:  # broken before the words are styled: escape codes take no columns
        excerpt = dataclasses.replace(excerpt, excerpt=line_breaks(excerpt.excerpt, width, indent, indent))
    text = emphasise(excerpt, bold).replace("\n", "\n" + " " * indent)
    lines = [prefix + text, "   \u2014 " + _wrapped(citation(excerpt), width, 5, 5)]
    if excerpt.url:
        lines.append(f"   {excerpt.url}")  # never broken: a terminal still opens it
    return lines


def counted(number: int, noun: str) -> str:
    """``number`` with ``noun`` in the singular or the plural: "1 excerpt", "3 excerpts"."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def render_answer(answer: Answer, bold: Callable[[str], str] = _same, width: int | None = None) -> str:
    """Numbered excerpts, each with its citation and link, and what was searched.

    ``width`` (a terminal's columns) wraps the text at spaces; None keeps each excerpt on one
    line, for scripts reading the output.
    """
    if not answer.answered:
        refusal = no_answer_text(answer.question, answer.reason)
        corrected = answer.query is not None and answer.query.corrections
        text = f"{refusal}\n({searched_for(answer)})" if corrected else refusal
        return _wrapped(without_controls(text), width, 0, 0)
    lines: list[str] = []
    for number, excerpt in enumerate(answer.results, start=1):
        lines.extend(_excerpt_lines(number, _printable(excerpt), bold, width))
        lines.append("")
    footer = f"({counted(len(answer.results), 'excerpt')} from {counted(answer.passages_searched, 'passage')} searched)"
    if answer.searched_for:
        footer = f"{footer[:-1]}; {searched_for(answer)})"
    lines.append(_wrapped(footer, width, 0, 1))
    return "\n".join(lines)


def render_timeline(found: Timeline, bold: Callable[[str], str] = _same, width: int | None = None) -> str:
    """Each article's excerpt after its date, oldest first, with its citation and link; how
    many articles are listed, and how many more were left out (and how to see them).

    A refused question reads as :func:`render_answer`'s refusal.
    """
    if not found.answered:
        return render_answer(found.answer, bold, width)
    lines: list[str] = []
    for excerpt in found.entries:
        date = excerpt.published.isoformat() if excerpt.published else "date unknown"
        lines.extend(_excerpt_lines(0, _printable(excerpt), bold, width, prefix=f"{date:<10}  "))
        lines.append("")
    listed = counted(len(found.entries), "article")
    footer = f"(timeline: {listed}, oldest first, from {counted(found.answer.passages_searched, 'passage')} searched"
    if found.left_out:
        footer += f"; {found.left_out} more not listed: narrow with --since, --until or --outlet"
    if found.answer.searched_for:
        footer += f"; {searched_for(found.answer)}"
    lines.append(_wrapped(footer + ")", width, 0, 1))
    return "\n".join(lines)


def timeline_json(found: Timeline) -> dict[str, object]:
    """``newsdesk ask --timeline --json``: :func:`answer_json`'s keys, with ``results`` the
    articles' excerpts oldest first, ``timeline`` true and ``left_out`` (articles not listed)."""
    return {**answer_json(found.answer), "results": [e.to_json() for e in found.entries], "timeline": True,
            "left_out": found.left_out}
