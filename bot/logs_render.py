"""The text of ``newsdesk logs``: aligned tables, the stats summary, and stats as CSV rows.

What it prints is safe for a terminal: questions are flattened to one line and control
characters (a question could carry terminal escapes) become ``?``.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator, Sequence
from typing import Any

from bot.querylog import periods
from bot.querylog.queries import Bound
from bot.querylog.records import LoggedQuery, Stats, one_line
from bot.render_text import truncate, without_controls

log = logging.getLogger(__name__)

DEFAULT_WIDTH = 100
QUERY_HEADERS = ("ID", "ASKED (UTC)", "WHERE", "USER", "ANSWERED", "+/-", "QUESTION")


_CONTROL = frozenset({"Cc", "Cf"})


def clean(text: str | None) -> str:
    """One line, without control characters (a question could carry terminal escapes)."""
    return without_controls(one_line(text), _CONTROL)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None) -> str:
    """Aligned columns; the last column is cut to fit ``width`` (the terminal's by default)."""
    width = width or shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    fixed = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers[:-1])]
    room = max(width - sum(fixed) - 2 * len(fixed), 20)
    lines = []
    for cells in [list(headers), *map(list, rows)]:
        parts = [cell.ljust(w) for cell, w in zip(cells[:-1], fixed)]
        lines.append("  ".join([*parts, truncate(cells[-1], room)]).rstrip())
    return "\n".join(lines)


def _when_short(asked_at: str) -> str:
    return asked_at[:16].replace("T", " ")


def _where_asked(q: LoggedQuery) -> str:
    return f"#{q.channel_id}" if q.channel_id else q.interface


def _user(q: LoggedQuery) -> str:
    """A Discord id whole (``logs forget`` needs all of it); a hashed key cut short (--json has it whole)."""
    if not q.user_id:
        return "-"
    return q.user_id if q.user_id.isdigit() else truncate(q.user_id, 12)


def queries_table(queries: Sequence[LoggedQuery], width: int | None = None) -> str:
    """Logged questions as a table, one line each, the question cut to fit.

    A WHY NOT column (not covered, none under its filter, not English...) appears when any
    question got no answer, and a FILTERS column (outlet, dates) when any was asked with filters.
    """
    filters = [q.filters_text() for q in queries]
    reasons = [q.reason_text() for q in queries]
    # Older logs (and the command line's records in tests) store no reason: no column of "-".
    with_filters, with_reasons = any(filters), any(q.reason for q in queries if not q.answered)
    rows = [
        (
            str(q.id),
            _when_short(q.asked_at),
            clean(_where_asked(q)),
            clean(_user(q)),
            q.answered_text(),
            *([clean(why) or "-"] if with_reasons else []),
            f"{q.thumbs_up}/{q.thumbs_down}",
            *([clean(shown) or "-"] if with_filters else []),
            clean(q.question),
        )
        for q, shown, why in zip(queries, filters, reasons)
    ]
    headers = [*QUERY_HEADERS[:-1], *(["FILTERS"] if with_filters else []), QUERY_HEADERS[-1]]
    if with_reasons:
        headers.insert(headers.index("ANSWERED") + 1, "WHY NOT")
    return render_table(headers, rows, width)


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def render_stats(stats: Stats, since: Bound = None, until: Bound = None) -> str:
    """The stats summary; ``since``/``until`` (the period read) mark the partial days."""
    lines = [
        f"Questions, {periods.describe_period(since, until)} (UTC)",  # as the chart's title says it
        f"  questions       {stats.questions}",
        f"  answered        {stats.answered} ({_percent(stats.answered_share)})",
        f"  refused         {stats.refused} (a bad filter or too long: not searched)",
        f"  distinct users  {stats.users_text()}",
        f"  feedback        {stats.thumbs_up} up, {stats.thumbs_down} down",
    ]
    if stats.per_day:
        lines += ["", "Per day"]
        days = periods.group(stats.per_day, "day", since, until)
        lines += [f"  {d.label}  {d.questions:>5} asked  {d.answered:>5} answered  {d.partial}".rstrip() for d in days]
    if stats.top_questions:
        lines += ["", "Top questions (same terms grouped; latest wording shown)"]
        rows = [(f"{t.count}x", f"{t.answered}/{t.count}", clean(t.question)) for t in stats.top_questions]
        lines += ["  " + line for line in render_table(("ASKED", "ANSWERED", "QUESTION"), rows).splitlines()]
    if stats.busiest_channels:
        lines += ["", "Busiest channels"]
        for c in stats.busiest_channels:
            guild = f" (server {clean(c.guild_id)})" if c.guild_id and not c.guild_name else ""
            lines.append(f"  {clean(c.label())}{guild}  {c.questions}")
    return "\n".join(lines)


STATS_CSV_COLUMNS = ("section", "key", "count", "detail")


def stats_csv_rows(stats: Stats) -> Iterator[dict[str, Any]]:
    """Stats as long-form rows: section, key, count, detail."""
    share = "" if stats.answered_share is None else f"{stats.answered_share:.4f}"
    yield {"section": "summary", "key": "questions", "count": stats.questions, "detail": ""}
    yield {"section": "summary", "key": "answered", "count": stats.answered, "detail": share}
    yield {"section": "summary", "key": "refused", "count": stats.refused, "detail": ""}
    users = "" if stats.distinct_users is None else stats.distinct_users
    yield {"section": "summary", "key": "distinct_users", "count": users, "detail": "" if users != "" else "not recorded"}
    yield {"section": "summary", "key": "thumbs_up", "count": stats.thumbs_up, "detail": ""}
    yield {"section": "summary", "key": "thumbs_down", "count": stats.thumbs_down, "detail": ""}
    for d in stats.per_day:
        yield {"section": "day", "key": d.day, "count": d.questions, "detail": d.answered}
    for t in stats.top_questions:
        yield {"section": "top_question", "key": " ".join(t.terms), "count": t.count, "detail": t.question}
    for c in stats.busiest_channels:
        yield {"section": "channel", "key": c.channel_id, "count": c.questions, "detail": c.guild_id or ""}
