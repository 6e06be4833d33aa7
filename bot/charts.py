"""Charts of the query log as a PNG, for ``/querylog stats``, ``newsdesk logs stats --chart``
and the dashboard's home page.

Guarantees:
- One picture everywhere: :func:`chart_png` draws the same figure for every interface, from
  :func:`chart_data`, which runs the log's review queries (``bot.querylog.queries``:
  ``per_day``, ``votes_per_day``, ``refused``, ``top_unanswered``, the last grouping rephrasings as "top
  questions" does everywhere).
- Readable at Discord's preview size (800 px wide) in light and dark themes: an opaque white
  background, dark text, and every series told apart by form (bars, a dashed line with
  markers, hatching) as well as by colour (a colour-blind-safe palette).
- Dates are UTC days; every panel has a title and labelled axes.
- Question text is shown literally: ``$`` never starts matplotlib's math mode, and control
  characters and line breaks are flattened.
- No pyplot: figures are plain :class:`~matplotlib.figure.Figure` objects drawn with the Agg
  canvas, so rendering needs no display and holds no global figure state; renders are
  serialised by a lock because matplotlib's font and text caches are not thread-safe.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter, DayLocator, date2num
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter
from sqlite_utils import Database

from bot.querylog.periods import describe_period
from bot.querylog.periods import group as group_days
from bot.querylog.queries import Bound, Guild, per_day, refused, top_unanswered, votes_per_day
from bot.querylog.records import UNDER_FILTER, DayCount, TopQuestion, one_line
from retrieval.store.atomic import atomic_writer
from retrieval.errors import NewsdeskError

log = logging.getLogger(__name__)

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, VERMILION, INK = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#222222"
WIDTH_INCHES, DPI = 8.0, 100  # 800 px: Discord's preview shows it without scaling text away
TOP_UNANSWERED = 8
QUESTION_CHARS = 90
BAR_WIDTH = 0.8  # of a day
HEADROOM = 1.4  # room above the highest bar for the legend
SHORT_SPAN_DAYS = 7  # up to this many days, one tick (a date) per day
MAX_SPAN_DAYS = 3660  # a longer requested period starts at the first logged day instead

_RENDER_LOCK = threading.Lock()
_CONTROL = {"Cc", "Cf", "Zl", "Zp"}


@dataclass(frozen=True)
class DayFigures:
    """One UTC day: questions asked, how many were answered, and votes on those answers."""

    day: dt.date
    questions: int = 0
    answered: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0
    # Only part of the day is in the period (it starts at this time of day, or today is not over).
    partial: bool = False

    @property
    def answered_share(self) -> float:
        """Answered / asked, NaN on a day without questions (a gap in the line, not a 0%)."""
        return self.answered / self.questions if self.questions else math.nan


@dataclass(frozen=True)
class ChartData:
    """What the chart shows: every day of the period (zeros filled in) and the top unanswered."""

    period: str
    days: tuple[DayFigures, ...]
    top_unanswered: tuple[TopQuestion, ...]
    # Refused before any search (a bad filter): not answered, yet not among the unanswered.
    refused: int = 0

    @property
    def questions(self) -> int:
        return sum(d.questions for d in self.days)

    @property
    def answered(self) -> int:
        return sum(d.answered for d in self.days)

    @property
    def has_votes(self) -> bool:
        return any(d.thumbs_up or d.thumbs_down for d in self.days)


def _day(value: Bound) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).date() if value.tzinfo else value.date()
    return value


def _span(first: dt.date | None, last: dt.date | None, since: Bound, until: Bound, today: dt.date) -> list[dt.date]:
    """Every day to draw: the requested period, or the logged days when it is open-ended."""
    start, end = _day(since), _day(until) or (today if since is not None else last)
    if start is None or (first is not None and end is not None and (end - start).days > MAX_SPAN_DAYS):
        start = first
    if start is None or end is None or end < start:
        return []
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def chart_data(
    db: Database,
    since: Bound = None,
    until: Bound = None,
    *,
    top: int = TOP_UNANSWERED,
    period: str | None = None,
    today: dt.date | None = None,
    guild: Guild = None,
) -> ChartData:
    """Aggregate the log for the chart (``since`` inclusive, ``until`` a whole UTC day or instant),
    of one server's questions when ``guild`` is given."""
    counts = {dt.date.fromisoformat(d.day): (d.questions, d.answered) for d in per_day(db, since, until, guild=guild)}
    votes = {
        dt.date.fromisoformat(v.day): (v.thumbs_up, v.thumbs_down) for v in votes_per_day(db, since, until, guild=guild)
    }
    logged = sorted(counts)
    given_today = today
    today = today or dt.datetime.now(dt.timezone.utc).date()
    span = _span(logged[0] if logged else None, logged[-1] if logged else None, since, until, today)
    moment = None if given_today is None else dt.datetime.combine(given_today, dt.time(12), dt.timezone.utc)
    every_day = [DayCount(day.isoformat(), 0, 0) for day in span]
    partial = {g.start for g in group_days(every_day, "day", since, until, now=moment) if g.partial}
    days = tuple(
        DayFigures(day, *counts.get(day, (0, 0)), *votes.get(day, (0, 0)), partial=day in partial) for day in span
    )
    return ChartData(
        period=period or describe_period(since, until),
        days=days,
        top_unanswered=tuple(top_unanswered(db, since, until, top, guild=guild)),
        refused=refused(db, since, until, guild=guild),
    )


def label_text(text: str, limit: int = QUESTION_CHARS) -> str:
    """A question as a one-line label: control characters out, ``$`` literal, cut to ``limit``."""
    flat = one_line("".join(" " if unicodedata.category(ch) in _CONTROL else ch for ch in text))
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "\u2026"
    return flat.replace("$", r"\$")


def _style(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold", color=INK)
    ax.set_xlabel(xlabel, fontsize=10, color=INK)
    ax.set_ylabel(ylabel, fontsize=10, color=INK)
    ax.set_facecolor("white")
    ax.tick_params(labelsize=9, colors=INK)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _day_numbers(data: ChartData) -> list[float]:
    return [float(n) for n in date2num([d.day for d in data.days])]


def _bars(ax: Axes, x: Sequence[float], heights: Sequence[float], *, label: str, **style: Any) -> Patch:
    """Bars of one series as a single collection (one artist, not one per day: a year of days
    draws as fast as a week); returns a legend handle in the bars' style."""
    half = BAR_WIDTH / 2
    boxes = [[(at - half, 0), (at - half, h), (at + half, h), (at + half, 0)] for at, h in zip(x, heights) if h]
    ax.add_collection(PolyCollection(boxes, **style), autolim=False)
    return Patch(label=label, **style)


def _date_axis(ax: Axes, x: Sequence[float]) -> None:
    """The x axis of per-day panels: ``x`` (day numbers, oldest first) with half a day around."""
    ax.set_xlim(x[0] - 0.6, x[-1] + 0.6)
    ax.xaxis_date()
    if len(x) <= SHORT_SPAN_DAYS:
        # One tick per day: left alone, matplotlib would tick hours, and these bars are days.
        ax.xaxis.set_major_locator(DayLocator())
        ax.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
        return
    locator = AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    # No offset ("2026-Dec" under a November range): the title says the period.
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, show_offset=False))


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontsize=11, color="#555555")


def _no_days(ax: Axes, data: ChartData) -> None:
    """The x axis of an empty period: its dates when it has bounds, no ticks otherwise."""
    if data.days:
        _date_axis(ax, _day_numbers(data))
    else:
        ax.set_xticks([])


def _draw_questions(ax: Axes, data: ChartData) -> None:
    _style(ax, "Questions per day", "Day (UTC)", "Questions asked")
    share_ax = ax.twinx()
    # The share's axis is drawn in the line's colour, the counts' in the bars': the tallest bar
    # reaching the 100% tick does not read as "that day was 100%".
    share_ax.set_ylabel("Answered share (%)", fontsize=10, color=ORANGE)
    share_ax.set_ylim(0, 100 * HEADROOM)
    share_ax.set_yticks([0, 25, 50, 75, 100])
    share_ax.yaxis.set_major_formatter(PercentFormatter(100))
    share_ax.tick_params(labelsize=9, colors=ORANGE)
    share_ax.spines["right"].set_color(ORANGE)
    share_ax.spines["top"].set_visible(False)
    ax.yaxis.label.set_color(BLUE)
    ax.tick_params(axis="y", colors=BLUE)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if not data.questions:
        ax.set_ylim(0, 1)
        _no_days(ax, data)
        _empty(ax, "No questions in this period")
        return
    x = _day_numbers(data)
    bars = _bars(
        ax, x, [0 if d.partial else d.questions for d in data.days], facecolor=BLUE, edgecolor=BLUE, label="Questions asked"
    )
    handles: list[Any] = [bars]
    if any(d.partial and d.questions for d in data.days):
        handles.append(_bars(
            ax, x, [d.questions if d.partial else 0 for d in data.days], facecolor="white", edgecolor=BLUE,
            hatch="....", linewidth=1.0, label="Partial day (the period starts or ends in it)",
        ))
    marker_size = 5 if len(x) <= 45 else 2.5
    (line,) = share_ax.plot(
        x, [100 * d.answered_share for d in data.days], color=ORANGE, linestyle="--",
        marker="o", markersize=marker_size, linewidth=1.8, label="Answered share",
    )
    ax.set_ylim(0, max(d.questions for d in data.days) * HEADROOM)
    _date_axis(ax, x)
    ax.legend(handles=[*handles, line], loc="upper left", ncols=len(handles) + 1, fontsize=9, framealpha=0.9)


def _draw_votes(ax: Axes, data: ChartData) -> None:
    _style(ax, "Feedback per day", "Day (UTC)", "Votes on that day's answers")
    x = _day_numbers(data)
    up = _bars(ax, x, [d.thumbs_up for d in data.days], facecolor=GREEN, edgecolor=GREEN, label="Thumbs up (helpful)")
    down = _bars(
        ax, x, [-d.thumbs_down for d in data.days], facecolor="white", edgecolor=VERMILION,
        hatch="////", linewidth=1.0, label="Thumbs down (below the line)",
    )
    ax.axhline(0, color=INK, linewidth=0.8)
    ax.set_ylim(-max(d.thumbs_down for d in data.days) - 0.5, max(d.thumbs_up for d in data.days) * HEADROOM + 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(lambda value, _pos: f"{abs(int(value))}")
    _date_axis(ax, x)
    ax.legend(handles=[up, down], loc="upper left", ncols=2, fontsize=9, framealpha=0.9)


def _none_unanswered(data: ChartData) -> str:
    """What the unanswered panel says when it has no bar: never "all answered" when some were refused."""
    if data.questions and data.answered == data.questions:
        return "Every question in this period was answered"
    if data.refused:
        return f"No unanswered questions ({data.refused} refused before any search)"
    return "No unanswered questions"


def unanswered_label(group: TopQuestion) -> str:
    """A top unanswered question as its bar's label, with why when it is not a plain gap in the
    archive: "did iran send troops (none under its filter: from DW)", "... (not English)"."""
    filters, why = group.filters_text(), group.reason_text()
    if filters:
        note = f"{why}: {filters}" if why == UNDER_FILTER else f"{why}; {filters}"
    else:
        note = "" if group.reason in (None, "not_covered") else why
    if not note:
        return label_text(group.question)
    note = label_text(note, QUESTION_CHARS // 2)
    return f"{label_text(group.question, QUESTION_CHARS - len(note) - 3)} ({note})"


def _draw_unanswered(ax: Axes, groups: Sequence[TopQuestion], empty: str) -> None:
    _style(ax, "Top unanswered questions", "Times asked without an answer", "")
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.grid(axis="y", visible=False)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not groups:
        ax.set_xticks([])
        _empty(ax, empty)
        return
    # Each question is written above its bar, so long questions do not squeeze the panels.
    positions = range(len(groups))
    ax.barh(positions, [g.count for g in groups], height=0.42, color=VERMILION, edgecolor=VERMILION)
    for position, group in zip(positions, groups):
        ax.text(0, position - 0.26, unanswered_label(group), va="bottom", ha="left", fontsize=9.5, color=INK)
        ax.text(group.count, position, f" {group.count}", va="center", fontsize=9, color=INK)
    ax.set_ylim(len(groups) - 0.5, -0.85)  # the most asked on top
    ax.set_xlim(0, max(g.count for g in groups) * 1.08)


def build_figure(data: ChartData) -> Figure:
    """The chart as a Figure (not drawn yet): inspect its texts in tests, save it with :func:`render_png`."""
    panels = ["questions", *(["votes"] if data.has_votes else []), "unanswered"]
    heights = {"questions": 3.2, "votes": 2.3, "unanswered": 1.0 + 0.42 * max(len(data.top_unanswered), 2)}
    figure = Figure(
        figsize=(WIDTH_INCHES, sum(heights[p] for p in panels) + 0.6), dpi=DPI, facecolor="white", layout="constrained"
    )
    figure.suptitle(f"newsdesk questions, {data.period} (UTC)", fontsize=14, fontweight="bold", color=INK)
    axes = figure.subplots(len(panels), 1, height_ratios=[heights[p] for p in panels], squeeze=False)[:, 0]
    for ax, panel in zip(axes, panels):
        if panel == "questions":
            _draw_questions(ax, data)
        elif panel == "votes":
            _draw_votes(ax, data)
        else:
            _draw_unanswered(ax, data.top_unanswered, _none_unanswered(data))
    return figure


def render_png(figure: Figure) -> bytes:
    """The figure as PNG bytes (opaque white background)."""
    buffer = io.BytesIO()
    with _RENDER_LOCK:
        FigureCanvasAgg(figure)
        figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


class ChartError(NewsdeskError, ValueError):
    """The chart cannot be written where asked; the message says how to fix it."""


def check_png_path(path: Path) -> None:
    """Refuse a file name that is not ``.png`` or whose folder is missing, before any work."""
    if path.suffix.lower() != ".png":
        raise ChartError(f"the chart is a PNG image: name the file with .png, not {path.name!r}")
    folder = path.resolve().parent
    if not folder.is_dir():
        raise ChartError(f"cannot write the chart to {path}: folder {folder} does not exist")


def write_chart(path: Path, db: Database, since: Bound = None, until: Bound = None, *, guild: Guild = None) -> int:
    """Draw the chart and write it to ``path`` in one rename (an interrupted write leaves no
    half image), readable by its owner only as exports are (it shows questions asked); returns
    its size in bytes."""
    check_png_path(path)
    png = chart_png(db, since, until, guild=guild)
    try:
        with atomic_writer(path, "wb", private=True) as out:
            out.write(png)
    except OSError as exc:
        raise ChartError(f"cannot write the chart to {path}: {exc.strerror or exc}") from None
    return len(png)


def chart_png(
    db: Database, since: Bound = None, until: Bound = None, *, period: str | None = None, guild: Guild = None
) -> bytes:
    """Aggregate the log and draw the chart: the one call every interface makes."""
    return render_png(build_figure(chart_data(db, since, until, period=period, guild=guild)))
